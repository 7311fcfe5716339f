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
 * Reading order: frob_update_w and frob_update_h are the two half-steps
 * (masks and penalties live inside them), frob_plain is the plain
 * iteration over them, frob_extrapolated the same half-steps wrapped in
 * the extrapolation (its state and its accept/restart step: extrap_*).
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

/* y <- max(eps, xn + beta (xn - x)); y may be x (entry by entry: the
 * simd directive vectorizes it, which the possible aliasing prevented) */
static void extrapolate(size_t len, double *y, const double *xn,
                        const double *x, double beta, double eps)
{
    NMF_SIMD
    for (size_t i = 0; i < len; i++) {
        double v = xn[i] + beta * (xn[i] - x[i]);
        y[i] = v > eps ? v : eps;
    }
}

static double *dup_work(const double *x, size_t len)
{
    double *y = (double *) scratch_alloc(len, sizeof(double));
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
    w->Ft = (double *) scratch_alloc(big * k, sizeof(double));
    w->B = (double *) scratch_alloc(rb * kk, sizeof(double));
    w->rows = (double *) scratch_alloc(rb * 3 * k, sizeof(double));
    w->quad = (double *) scratch_alloc(rb, sizeof(double));
    w->cur = (int *) scratch_alloc((size_t) X->n + 1, sizeof(int));
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

/* The state of one Frobenius solve: the products with X and the Grams
 * (A = sX Ht, m x k; C = sX^T W, n x k; WtW, HtH), the Grams with l2 on
 * their diagonal (Bw, Bh: the same buffers as HtH, WtW without L2), the
 * inner update and its scratch. */
typedef struct {
    const xmat *X;
    const nmf_opts *o;
    int m, n, k, qW, qH, exact, masked, pen;
    size_t mk, nk, kk;
    double xn2;
    double *A, *C, *WtW, *HtH, *Bw, *Bh, *iwork, *rwork;
    nmf_inner_fn inner;
    nmf_row_fn row;
    mask_work mw;
} frob;

static void frob_alloc(frob *s, const xmat *X, int k, const nmf_opts *o,
                       nmf_inner_fn inner, size_t inner_work, nmf_row_fn row)
{
    s->X = X; s->o = o; s->k = k; s->m = X->m; s->n = X->n;
    s->mk = (size_t) s->m * k; s->nk = (size_t) s->n * k; s->kk = (size_t) k * k;
    s->inner = inner; s->row = row;
    s->A = (double *) scratch_alloc(s->mk, sizeof(double));
    s->C = (double *) scratch_alloc(s->nk, sizeof(double));
    s->WtW = (double *) scratch_alloc(s->kk, sizeof(double));
    s->HtH = (double *) scratch_alloc(s->kk, sizeof(double));
    s->iwork = (double *) scratch_alloc(inner_work, sizeof(double));
    s->pen = nmf_penalized(o);
    s->Bw = s->HtH;
    s->Bh = s->WtW;
    if (o->l2[0] != 0) s->Bw = (double *) scratch_alloc(s->kk, sizeof(double));
    if (o->l2[1] != 0) s->Bh = (double *) scratch_alloc(s->kk, sizeof(double));
    s->xn2 = xm_sumsq(X);
    s->qW = nmf_inner_q(s->m, s->n, k, o);
    s->qH = nmf_inner_q(s->n, s->m, k, o);
    s->exact = o->inner_max > 1;
    s->masked = xm_masked(X);
    s->rwork = NULL;
    if (s->masked) {
        mask_work_alloc(X, k, &s->mw);
        s->rwork = (double *) scratch_alloc(xm_work_size(X, k), sizeof(double));
    }
}

/* The starting objective from the products the first iteration needs
 * anyway (no separate pass over X): with W fixed, C = sX^T W; otherwise
 * A = sX Ht, which the first update of W then uses.  *quad0 receives,
 * under a mask, the sum over Omega of (W Ht^T)^2. */
static double frob_start(frob *s, const double *W, const double *Ht,
                         double *quad0)
{
    const xmat *X = s->X;
    int k = s->k;
    double f, xn2 = s->xn2;
    la_crossprod(s->n, k, Ht, s->HtH);
    la_crossprod(s->m, k, W, s->WtW);
    *quad0 = 0.0;
    if (s->o->fix_w) {
        xm_tprod(X, W, k, s->C);
        f = nmf_frob_obj(xn2, s->n, k, s->C, Ht, s->WtW, s->HtH) / xn2;
    } else {
        xm_prod(X, Ht, k, s->A);
        f = nmf_frob_obj(xn2, s->m, k, s->A, W, s->HtH, s->WtW) / xn2;
    }
    if (s->masked) {     /* from the residual */
        double r2 = xm_resid_sumsq(X, W, Ht, k, s->rwork);
        *quad0 = r2 - xn2 + 2.0 * la_dot(s->mk, s->A, W);
        f = r2 / xn2;
    }
    if (s->pen) f += nmf_penalty(s->o, s->mk, W, s->nk, Ht, 1) / xn2;
    return f;
}

/* The half-step of W: W updated in place given Ht (with HtH = Ht^T Ht and,
 * unless have_A, A = sX Ht computed here); then C = sX^T Wc and WtW for
 * the half-step of Ht, Wc the factor it will be fitted to (W itself, or
 * its extrapolation, set by the caller between the two with mid()). */
static void frob_update_w(frob *s, double *W, const double *Ht, int have_A)
{
    const nmf_opts *o = s->o;
    if (!have_A) xm_prod(s->X, Ht, s->k, s->A);
    if (s->masked) {
        masked_update(s->X, 0, s->k, W, s->A, Ht, s->HtH, s->row, o, s->qW,
                      &s->mw);
        return;
    }
    add_diag(s->k, s->HtH, o->l2[0], s->Bw);
    s->inner(s->m, s->k, W, s->A, s->Bw, o->eps, o->l1[0], s->qW,
             o->inner_delta, s->exact, s->X->threads, s->iwork);
}

static void frob_products_w(frob *s, const double *W)
{
    xm_tprod(s->X, W, s->k, s->C);
    la_crossprod(s->m, s->k, W, s->WtW);
}

/* The half-step of Ht given W (C = sX^T W and WtW current): Ht updated in
 * place, HtH set; returns the objective of (W, Ht), from the products
 * (the trace form: no pass over X). */
static double frob_update_h(frob *s, const double *W, double *Ht)
{
    const nmf_opts *o = s->o;
    int n = s->n, k = s->k;
    double f, xn2 = s->xn2;
    if (s->masked) {
        double quad = masked_update(s->X, 1, k, Ht, s->C, W, s->WtW, s->row,
                                    o, s->qH, &s->mw);
        la_crossprod(n, k, Ht, s->HtH);
        f = (xn2 - 2.0 * la_dot(s->nk, s->C, Ht) + quad) / xn2;
        if (f < 0) f = 0.0;
    } else {
        add_diag(k, s->WtW, o->l2[1], s->Bh);
        s->inner(n, k, Ht, s->C, s->Bh, o->eps, o->l1[1], s->qH,
                 o->inner_delta, s->exact, s->X->threads, s->iwork);
        la_crossprod(n, k, Ht, s->HtH);
        f = nmf_frob_obj(xn2, n, k, s->C, Ht, s->WtW, s->HtH) / xn2;
    }
    if (s->pen) f += nmf_penalty(o, s->mk, W, s->nk, Ht, 1) / xn2;
    return f;
}

static void frob_record(const nmf_opts *o, nmf_result *res, int it, double f)
{
    if (res->trace) res->trace[it] = f;
    nmf_progress(o, it, f);
}

/* The plain alternating iteration, in place, monotone: W given Ht, Ht
 * given W, the stopping rule.  f is the objective of the start. */
static void frob_plain(frob *s, double *W, double *Ht, double f,
                       nmf_result *res)
{
    const nmf_opts *o = s->o;
    nmf_stopper st;
    nmf_stop_init(&st, f, o->tol);
    int it, have_A = !o->fix_w;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        if (!o->fix_w) {
            frob_update_w(s, W, Ht, have_A);
            have_A = 0;
            frob_products_w(s, W);
        }
        f = frob_update_h(s, W, Ht);
        frob_record(o, res, it, f);
        if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = f;
}

/* The extrapolation's state: the accepted pair (P, Q), the extrapolated
 * pair (Py, Qy), the new W (Pn), the weight beta, its previous value and
 * its cap.  W and Ht (the caller's) keep the best pair evaluated. */
typedef struct {
    double *P, *Q, *Py, *Qy, *Pn;
    double beta, beta_prev, beta_max, fbest;
} extrap;

/* Two n x k buffers on the Ht side, not three: the new Qn is computed in
 * place over Qy (which it starts from), and on acceptance the next Qy
 * overwrites the previous Q in place, the two buffers then trading names. */
static void extrap_alloc(extrap *e, const frob *s, const double *W,
                         const double *Ht)
{
    e->P = dup_work(W, s->mk);  e->Q = dup_work(Ht, s->nk);
    e->Py = dup_work(W, s->mk); e->Qy = dup_work(Ht, s->nk);
    e->Pn = (double *) scratch_alloc(s->mk, sizeof(double));
    e->beta = e->beta_prev = EX_BETA0;
    e->beta_max = 1.0;
}

/* Start from the best multiple of W (as Ang and Gillis do): the first
 * update would otherwise spend itself on the scale, and extrapolating that
 * change overshoots.  A = sX Ht stays valid: it does not involve W.
 * Returns the objective of the scaled start (f if W is left as it is). */
static double extrap_scale_start(extrap *e, const frob *s, double *W,
                                 const double *Ht, double quad0, double f)
{
    double num = la_dot(s->mk, s->A, W),
        den = s->masked ? quad0 : la_dot(s->kk, s->HtH, s->WtW);
    if (!(num > 0 && den > 0 && R_FINITE(num / den))) return f;
    double a = num / den, eps = s->o->eps;
    for (size_t i = 0; i < s->mk; i++) {
        double v = a * W[i];
        W[i] = e->P[i] = e->Py[i] = v > eps ? v : eps;
    }
    double fs = (s->xn2 - num * a) / s->xn2;  /* (eps floor: round-off) */
    f = fs > 0 ? fs : 0.0;
    if (s->pen) f += nmf_penalty(s->o, s->mk, W, s->nk, Ht, 1) / s->xn2;
    return f;
}

/* After an evaluated pair (Py, Qn = Qy) of objective f (fprev the
 * previous one): keep it in (W, Ht) if it is the best so far; if f rose,
 * restart from the best pair with a smaller beta and cap; otherwise accept
 * it and extrapolate Ht.  Returns 1 if accepted. */
static int extrap_next(extrap *e, const frob *s, double *W, double *Ht,
                       double f, double fprev)
{
    size_t mk = s->mk, nk = s->nk;
    double *Qn = e->Qy;
    if (f <= e->fbest) {
        e->fbest = f;
        memcpy(W, e->Py, mk * sizeof(double));
        memcpy(Ht, Qn, nk * sizeof(double));
    }
    if (f > fprev) {                   /* restart from the best pair */
        memcpy(e->P, W, mk * sizeof(double));
        memcpy(e->Py, W, mk * sizeof(double));
        memcpy(e->Q, Ht, nk * sizeof(double));
        memcpy(e->Qy, Ht, nk * sizeof(double));
        e->beta_max = e->beta_prev;
        e->beta_prev = e->beta;
        e->beta /= EX_ETA;
        return 0;
    }
    extrapolate(nk, e->Q, Qn, e->Q, e->beta, s->o->eps); /* next Qy, over Q */
    double *t = e->P; e->P = e->Pn; e->Pn = t;
    t = e->Q; e->Q = Qn; e->Qy = t;
    e->beta_prev = e->beta;
    e->beta = e->beta * EX_GAMMA < e->beta_max ? e->beta * EX_GAMMA : e->beta_max;
    e->beta_max = e->beta_max * EX_GAMMABAR < 1.0 ? e->beta_max * EX_GAMMABAR : 1.0;
    return 1;
}

/* The extrapolated iteration around the plain half-steps (see the top of
 * the file): W's half-step from Py into Pn, Py extrapolated from it, Ht's
 * half-step from Qy in place; the rule is tested on accepted iterations. */
static void frob_extrapolated(frob *s, double *W, double *Ht, double f,
                              double quad0, nmf_result *res)
{
    const nmf_opts *o = s->o;
    extrap e;
    extrap_alloc(&e, s, W, Ht);
    e.fbest = f;
    f = e.fbest = extrap_scale_start(&e, s, W, Ht, quad0, f);
    nmf_stopper st;
    nmf_stop_init(&st, f, o->tol);
    int it, have_A = 1;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        memcpy(e.Pn, e.Py, s->mk * sizeof(double));
        frob_update_w(s, e.Pn, e.Qy, have_A);
        have_A = 0;
        extrapolate(s->mk, e.Py, e.Pn, e.P, e.beta, o->eps);
        frob_products_w(s, e.Py);
        double fprev = f;
        f = frob_update_h(s, e.Py, e.Qy);
        frob_record(o, res, it, f);
        nmf_stop_record(&st, f);
        if (extrap_next(&e, s, W, Ht, f, fprev) && nmf_stop_test(&st)) {
            res->converged = 1;
            break;
        }
        la_crossprod(s->n, s->k, e.Qy, s->HtH);
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = e.fbest;
    if (!s->pen) balance_cols(s->m, s->n, s->k, W, Ht);  /* penalties see scale */
}

void nmf_frob_run(const xmat *X, int k, double *W, double *Ht,
                  const nmf_opts *o, nmf_result *res,
                  nmf_inner_fn inner, size_t inner_work, nmf_row_fn row)
{
    frob s;
    frob_alloc(&s, X, k, o, inner, inner_work, row);
    double quad0, f = frob_start(&s, W, Ht, &quad0);
    if (res->trace) res->trace[0] = f;
    res->converged = 0;
    if (o->extrapolate && !o->fix_w)
        frob_extrapolated(&s, W, Ht, f, quad0, res);
    else
        frob_plain(&s, W, Ht, f, res);
}
