/*
 * nmf_frob.c: the outer loop shared by the two Frobenius solvers, HALS
 * (nmf_hals.c) and MU (nmf_mu.c), which differ only in how they update one
 * factor from the products with X:
 *
 *   W  <- inner(W,  A = sX Ht,   B = Ht^T Ht)
 *   Ht <- inner(Ht, C = sX^T W,  D = W^T W)
 *   f   = ||sX - W Ht^T||^2 / ||sX||^2 from C, D and Ht^T Ht (nmf_frob_obj).
 *
 * Extrapolation (o->extrapolate, the default for fits): the heuristic
 * extrapolation with restarts of Ang and Gillis (2019, Neural Computation
 * 31, 417-439).  With the accepted pair (P, Q), its extrapolated
 * versions (Py, Qy) and a weight beta, one iteration is
 *
 *   Pn = inner(Py; sX Qy, Qy^T Qy)        Py <- max(eps, Pn + beta (Pn - P))
 *   Qn = inner(Qy; sX^T Py, Py^T Py)      f = objective of (Py, Qn)
 *
 * If f rose above the previous iteration's value the step is discarded:
 * the iteration restarts from the best pair evaluated so far (Ang and
 * Gillis restart from (P, Q), whose Q was fitted to Py, not to P: with the
 * few inner updates of MU that pair can be far worse than either), beta
 * shrinks by eta and its cap drops to the previous beta.  Otherwise (P, Q) <- (Pn, Qn), Qy <- max(eps, Qn + beta (Qn - Q)),
 * beta grows by gamma up to the cap, and the cap grows by gammabar up to 1.
 * Every pair evaluated is feasible (both factors >= eps); the pair returned
 * is the best one evaluated, so the result is never worse than the start and
 * the reported objective is that of the returned factors.  The trace holds
 * every evaluated objective and need not decrease.  The stopping rule
 * (nmf_stopper, on the best objective so far) is tested on accepted
 * iterations only.
 *
 * Without extrapolation (and always when W is fixed, for projections) the
 * loop is the plain alternating scheme, in place, monotone.
 *
 * Under a mask (xm_masked) the products are with X o Omega and each row of
 * the factor being updated has its own Gram matrix (xops_mask.c), built
 * block by block right before its rows are updated by row(); the objective
 * after the update of Ht is
 *   ||sX o Omega||^2 - 2 <C, Ht> + sum_j h_j^T B_j h_j,
 * exact over the observed entries, from the Grams already built.
 *
 * Penalties (o->l1, o->l2; [0] for W, [1] for Ht): the loop minimizes
 *   1/2 ||sX - W Ht^T||^2 + l1_W sum(W) + l2_W/2 ||W||^2 + (same for Ht),
 * whose subproblem in W is that of the plain loss with the Gram B + l2_W I
 * and A - l1_W: the Grams get l2 on their diagonal here (add_diag, and in
 * masked_update per row), the inner updates take l1 (nmf_hals.c, nmf_mu.c).
 * The objective reported is twice that, over ||sX||^2.  With zero
 * penalties no arithmetic changes.  Extrapolated solves return balanced
 * columns only without penalties (which see the scale).
 */
#include "mlnmf.h"
#include <string.h>
#include <math.h>

/* Ang and Gillis's defaults for HALS and MU */
#define EX_BETA0    0.5
#define EX_ETA      1.5
#define EX_GAMMA    1.01
#define EX_GAMMABAR 1.005

/* y <- max(eps, xn + beta (xn - x)) */
static void extrapolate(size_t len, double *y, const double *xn,
                        const double *x, double beta, double eps)
{
    for (size_t i = 0; i < len; i++) {
        double v = xn[i] + beta * (xn[i] - x[i]);
        y[i] = v > eps ? v : eps;
    }
}

static double *dup_work(const double *x, size_t len)
{
    double *y = (double *) R_alloc(len, sizeof(double));
    memcpy(y, x, len * sizeof(double));
    return y;
}

/* Scratch of the masked updates, allocated once per solve. */
typedef struct {
    int rb;              /* rows per block of Gram matrices              */
    double *Ft;          /* the other factor, row-major (k x max(m, n))  */
    double *B;           /* rb Gram matrices                             */
    double *rows;        /* per row of a block: m, a, tmp (3k)           */
    double *quad;        /* per row of a block: m^T B m                  */
    int *cur;            /* n cursors (xm_mgram, side 0)                 */
} mask_work;

#define MASK_BLOCK_ELEMS 65536

static void mask_work_alloc(const xmat *X, int k, mask_work *w)
{
    size_t kk = (size_t) k * k, big = X->m > X->n ? X->m : X->n;
    size_t rb = MASK_BLOCK_ELEMS / (kk > 0 ? kk : 1);
    if (rb < 1) rb = 1;
    if (rb > big) rb = big;
    w->rb = (int) rb;
    w->Ft = (double *) R_alloc(big * k, sizeof(double));
    w->B = (double *) R_alloc(rb * kk, sizeof(double));
    w->rows = (double *) R_alloc(rb * 3 * k, sizeof(double));
    w->quad = (double *) R_alloc(rb, sizeof(double));
    w->cur = (int *) R_alloc((size_t) X->n + 1, sizeof(int));
}

/* Update M (len x k) row by row, each row with its own Gram over the
 * observed entries; F (flen x k) is the other factor and FtF its Gram.
 * Returns sum_r m_r^T B_r m_r for the updated rows (the objective's
 * quadratic term).  Rows are independent: a block's rows run on
 * X->threads threads, and their terms are added in row order. */
static double masked_update(const xmat *X, int side, int k, double *M,
                            const double *A, const double *F,
                            const double *FtF, nmf_row_fn row,
                            const nmf_opts *o, int q, mask_work *w)
{
    double l1 = o->l1[side], l2 = o->l2[side];
    int len = side == 0 ? X->m : X->n, flen = side == 0 ? X->n : X->m;
    size_t kk = (size_t) k * k;
    for (int l = 0; l < k; l++)
        for (int i = 0; i < flen; i++)
            w->Ft[l + (size_t) i * k] = F[i + (size_t) l * flen];
    double quad = 0.0;
    for (int r0 = 0; r0 < len; r0 += w->rb) {
        int nb = len - r0 < w->rb ? len - r0 : w->rb;
        xm_mgram(X, side, r0, nb, w->Ft, FtF, k, w->B, w->cur);
        if (l2 != 0)                     /* L2: the Grams get l2 I */
            for (int r = 0; r < nb; r++)
                for (int l = 0; l < k; l++) w->B[(size_t) r * kk + l * (k + 1)] += l2;
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(static) if (X->threads > 1 && nb > 16)
#endif
        for (int r = 0; r < nb; r++) {
            double *mr = w->rows + (size_t) r * 3 * k, *ar = mr + k, *tmp = ar + k;
            const double *Br = w->B + (size_t) r * kk;
            size_t i = (size_t) r0 + r;
            for (int l = 0; l < k; l++) {
                mr[l] = M[i + (size_t) l * len];
                ar[l] = A[i + (size_t) l * len];
            }
            row(k, mr, ar, Br, o->eps, l1, q, o->inner_delta, tmp);
            double t = 0.0;
            for (int a = 0; a < k; a++) {
                double s = 0.0;
                for (int b = 0; b < k; b++) s += Br[b + (size_t) a * k] * mr[b];
                t += mr[a] * s;
                M[i + (size_t) a * len] = mr[a];
            }
            if (l2 != 0)                 /* the loss's term only */
                for (int a = 0; a < k; a++) t -= l2 * mr[a] * mr[a];
            w->quad[r] = t;
        }
        for (int r = 0; r < nb; r++) quad += w->quad[r];
    }
    return quad;
}

/* Rescale each pair of columns (w_l, h_l) to equal Euclidean norms, which
 * leaves W Ht^T unchanged (up to rounding).  Extrapolation moves along the
 * direction (c w_l, h_l / c) that the objective does not see, so the
 * column scales of an extrapolated solve drift: on a 10-layer cascade of
 * simulate_gaussian_mixture(1000, 10) at rank 10 with normalize = "none"
 * the spread of ||w_l|| / ||h_l|| over the columns reached 3e4 against 37
 * without extrapolation.  The next layer's input G_i then has rows of very
 * different scales, which its Frobenius objective weighs by their size,
 * not by their weight in the cascade, and the cascade's error grew 5-10x.
 * The starts (NNDSVD, random) are balanced, so this restores the balance
 * the start had. */
static void balance_cols(int m, int n, int k, double *W, double *Ht)
{
    for (int l = 0; l < k; l++) {
        double *w = W + (size_t) l * m, *h = Ht + (size_t) l * n;
        double a = sqrt(la_sumsq((size_t) m, w)), b = sqrt(la_sumsq((size_t) n, h));
        if (!(a > 0) || !(b > 0) || !R_FINITE(a) || !R_FINITE(b)) continue;
        double c = sqrt(b / a);
        if (!(c > 0) || !R_FINITE(c) || c == 1.0) continue;
        for (int i = 0; i < m; i++) w[i] *= c;
        for (int i = 0; i < n; i++) h[i] /= c;
    }
}

/* out = B + l2 I (k x k); nothing when l2 = 0 (out is B then) */
static void add_diag(int k, const double *B, double l2, double *out)
{
    if (l2 == 0) return;
    memcpy(out, B, (size_t) k * k * sizeof(double));
    for (int l = 0; l < k; l++) out[l * (k + 1)] += l2;
}

int nmf_frob_run(const xmat *X, int k, double *W, double *Ht,
                 const nmf_opts *o, nmf_result *res,
                 nmf_inner_fn inner, size_t inner_work, nmf_row_fn row)
{
    int m = X->m, n = X->n;
    size_t mk = (size_t) m * k, nk = (size_t) n * k, kk = (size_t) k * k;
    double *A = (double *) R_alloc(mk, sizeof(double));
    double *C = (double *) R_alloc(nk, sizeof(double));
    double *WtW = (double *) R_alloc(kk, sizeof(double));
    double *HtH = (double *) R_alloc(kk, sizeof(double));
    double *iwork = (double *) R_alloc(inner_work, sizeof(double));
    /* penalties: the Grams of the updates get l2 I (Bw for W, Bh for Ht),
     * and the objective their terms (nmf_penalty) */
    int pen = nmf_penalized(o);
    double *Bw = HtH, *Bh = WtW;
    if (o->l2[0] != 0) Bw = (double *) R_alloc(kk, sizeof(double));
    if (o->l2[1] != 0) Bh = (double *) R_alloc(kk, sizeof(double));
    double xn2 = xm_sumsq(X);
    int qW = nmf_inner_q(m, n, k, o), qH = nmf_inner_q(n, m, k, o);
    int ex = o->extrapolate && !o->fix_w, exact = o->inner_max > 1;
    int masked = xm_masked(X);
    mask_work mw;
    double *rwork = NULL;
    if (masked) {
        mask_work_alloc(X, k, &mw);
        rwork = (double *) R_alloc(xm_work_size(X, k), sizeof(double));
    }

    /* The starting objective from the products the first iteration needs
     * anyway (no separate pass over X): with W fixed, C = sX^T W; otherwise
     * A = sX Ht, which the first update of W then uses. */
    la_crossprod(n, k, Ht, HtH);
    la_crossprod(m, k, W, WtW);
    double f, quad0 = 0.0;
    if (o->fix_w) {
        xm_tprod(X, W, k, C);
        f = nmf_frob_obj(xn2, n, k, C, Ht, WtW, HtH) / xn2;
    } else {
        xm_prod(X, Ht, k, A);
        f = nmf_frob_obj(xn2, m, k, A, W, HtH, WtW) / xn2;
    }
    if (masked) {            /* sum over Omega of (W Ht^T)^2, from the residual */
        double r2 = xm_resid_sumsq(X, W, Ht, k, rwork);
        quad0 = r2 - xn2 + 2.0 * la_dot(mk, A, W);
        f = r2 / xn2;
    }
    if (pen) f += nmf_penalty(o, mk, W, nk, Ht, 1) / xn2;
    double fprev;
    if (res->trace) res->trace[0] = f;
    res->converged = 0;

    /* Without extrapolation every name is W or Ht and the updates are in
     * place; with it W and Ht keep the best pair evaluated. */
    double *P = W, *Q = Ht, *Pn = W, *Qn = Ht, *Py = W, *Qy = Ht;
    if (ex) {
        /* Two n x k buffers on the Ht side, not three: the new Qn is
         * computed in place over Qy (which it starts from), and on
         * acceptance the next Qy overwrites the previous Q in place, the
         * two buffers then trading names. */
        P = dup_work(W, mk);  Q = dup_work(Ht, nk);
        Py = dup_work(W, mk); Qy = dup_work(Ht, nk);
        Pn = (double *) R_alloc(mk, sizeof(double));
        Qn = Qy;
    }
    double beta = EX_BETA0, beta_prev = EX_BETA0, beta_max = 1.0, fbest = f;

    int have_A = !o->fix_w;
    if (ex) {
        /* Start from the best multiple of W (as Ang and Gillis do): the
         * first update would otherwise spend itself on the scale, and
         * extrapolating that change overshoots.  A = sX Ht stays valid:
         * it does not involve W. */
        double num = la_dot(mk, A, W),
            den = masked ? quad0 : la_dot(kk, HtH, WtW);
        if (num > 0 && den > 0 && R_FINITE(num / den)) {
            double a = num / den;
            for (size_t i = 0; i < mk; i++) {
                double v = a * W[i];
                W[i] = P[i] = Py[i] = v > o->eps ? v : o->eps;
            }
            double fs = (xn2 - num * a) / xn2;  /* (eps floor: round-off) */
            f = fbest = fs > 0 ? fs : 0.0;
            if (pen) f = fbest = f + nmf_penalty(o, mk, W, nk, Ht, 1) / xn2;
        }
    }
    nmf_stopper st;
    nmf_stop_init(&st, f, o->tol);
    int it;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        if (!o->fix_w) {
            if (!have_A) xm_prod(X, Qy, k, A);
            have_A = 0;
            if (ex) memcpy(Pn, Py, mk * sizeof(double));
            if (masked)
                masked_update(X, 0, k, Pn, A, Qy, HtH, row, o, qW, &mw);
            else {
                add_diag(k, HtH, o->l2[0], Bw);
                inner(m, k, Pn, A, Bw, o->eps, o->l1[0], qW, o->inner_delta,
                      exact, iwork);
            }
            if (ex) extrapolate(mk, Py, Pn, P, beta, o->eps);
            xm_tprod(X, Py, k, C);
            la_crossprod(m, k, Py, WtW);
        }
        Qn = Qy;                        /* (the same name without extrapolation) */
        fprev = f;
        if (masked) {
            double quad = masked_update(X, 1, k, Qn, C, Py, WtW, row, o, qH, &mw);
            la_crossprod(n, k, Qn, HtH);
            f = (xn2 - 2.0 * la_dot(nk, C, Qn) + quad) / xn2;
            if (f < 0) f = 0.0;
        } else {
            add_diag(k, WtW, o->l2[1], Bh);
            inner(n, k, Qn, C, Bh, o->eps, o->l1[1], qH, o->inner_delta,
                  exact, iwork);
            la_crossprod(n, k, Qn, HtH);
            f = nmf_frob_obj(xn2, n, k, C, Qn, WtW, HtH) / xn2;
        }
        if (pen) f += nmf_penalty(o, mk, Py, nk, Qn, 1) / xn2;
        if (res->trace) res->trace[it] = f;
        nmf_progress(o, it, f);
        if (!ex) {
            if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
            continue;
        }
        nmf_stop_record(&st, f);
        if (f <= fbest) {
            fbest = f;
            memcpy(W, Py, mk * sizeof(double));
            memcpy(Ht, Qn, nk * sizeof(double));
        }
        if (f > fprev) {               /* restart from the best pair */
            memcpy(P, W, mk * sizeof(double));
            memcpy(Py, W, mk * sizeof(double));
            memcpy(Q, Ht, nk * sizeof(double));
            memcpy(Qy, Ht, nk * sizeof(double));
            beta_max = beta_prev;
            beta_prev = beta;
            beta /= EX_ETA;
        } else {                                  /* accept */
            extrapolate(nk, Q, Qn, Q, beta, o->eps);   /* the next Qy, over Q */
            double *t = P; P = Pn; Pn = t;
            t = Q; Q = Qn; Qy = Qn = t;
            beta_prev = beta;
            beta = beta * EX_GAMMA < beta_max ? beta * EX_GAMMA : beta_max;
            beta_max = beta_max * EX_GAMMABAR < 1.0 ? beta_max * EX_GAMMABAR : 1.0;
            if (nmf_stop_test(&st)) { res->converged = 1; break; }
        }
        la_crossprod(n, k, Qy, HtH);
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = ex ? fbest : f;
    if (ex && !pen) balance_cols(m, n, k, W, Ht);   /* penalties see scale */
    return 0;
}
