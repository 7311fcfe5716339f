/*
 * finetune.c: joint refinement of every factor of a multilayer fit
 *     X ~ F_1 F_2 ... F_L G_L,   F_i (k_{i-1} x k_i) >= eps, G_L >= eps,
 * on the full objective ||sX - F_1 ... F_L G_L||_F^2 (Frobenius) or the
 * I-divergence D(sX || F_1 ... F_L G_L), s = 1 / max(X) as in the cascade.
 *
 * One outer iteration (a sweep) updates F_1, F_2, ..., F_L, then G_L, each
 * as one block with the others fixed.  With the prefix P = F_1 ... F_{i-1}
 * (d x k_{i-1}, the identity for i = 1) and the suffix S = F_{i+1} ... F_L
 * G_L (k_i x N, G_L itself for i = L) from chain.c, the block problem of
 * F_i (r x c) is
 *     min_{F >= eps}  <F, A F B> - 2 <C, F>,
 *     A = P^T P (r x r),  B = S S^T (c x c),  C = P^T sX S^T (r x c),
 * and G_L's is the same for G_L^T (N x k_L) with A = I, B = P^T P,
 * C = sX^T P.  Every product with X goes through xops.c (xm_prod,
 * xm_tprod, xm_kl, xm_resid_sumsq), so any kind of xmat works here.
 *
 * HALS (method 0): exact coordinate descent on the block, entry by entry,
 * column by column,
 *     F[a,l] <- max(eps, F[a,l] - (A F B - C)[a,l] / (A[a,a] B[l,l])),
 * with the gradient column kept up to date (cost O(rc(r + c)) a sweep);
 * for A = I (F_1 and G_L) a column's entries do not interact and this is
 * the usual HALS column update.  Up to inner_max sweeps per block, stopped
 * when a sweep changes the block by less than inner_delta times what the
 * first one did.  Each entry update is the exact minimiser of the block
 * objective in that entry, so the objective never increases.
 * MU (method 1): F <- max(eps, F .* C ./ (A F B)), up to inner_max times,
 * the tri-factor multiplicative update (non-increasing for A, B, C >= 0).
 * KL (method 2): one multiplicative update per block,
 *     F <- max(eps, F .* (P^T R S^T) ./ ((P^T 1_d)(S 1_N)^T)),
 *     R = sX ./ (P F S),
 * the Lee-Seung update of a model linear in F with nonnegative
 * coefficients, non-increasing by the same auxiliary function.
 *
 * The objective is evaluated after each sweep from the products of the
 * last block (Frobenius) or by one pass of xm_kl (I-divergence), relative
 * to ||sX||^2 or sum(sX).  The start's objective and the final objective
 * are computed exactly (xm_resid_sumsq / xm_kl); should the final one be
 * above the start (round-off, or entries of the start below eps that the
 * floor lifted), the start is returned unchanged and flagged.
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>
#include <limits.h>
#include <float.h>

/* the settings: method, maxit, tol, eps, inner_max, inner_delta, verbose */
typedef nmf_opts ft_opts;

typedef struct {
    int iter, converged, restored;
    double start, obj;      /* relative objectives, exact */
    double frob;            /* ||sX - chain||^2 / ||sX||^2, exact */
    util_trace trace;       /* start first, then one value per sweep */
} ft_result;

/* One coordinate-descent sweep over F (r x c); A (r x r) or NULL for the
 * identity, B (c x c), C (r x c).  M (r x c), g (r), dl (r) are scratch.
 * Returns the squared change of F. */
static double blk_cd_sweep(int r, int c, double *F, const double *A,
                           const double *B, const double *C, double eps,
                           double *M, double *g, double *dl)
{
    double change = 0.0;
    la_gemm("N", "N", r, c, c, 1.0, F, r, B, c, 0.0, M, r);    /* M = F B */
    for (int l = 0; l < c; l++) {
        double bll = B[l + (size_t) l * c];
        if (!(bll > 0)) continue;
        double *Ml = M + (size_t) l * r, *Fl = F + (size_t) l * r;
        const double *Cl = C + (size_t) l * r;
        if (A) la_gemv(r, r, A, r, Ml, g);
        else memcpy(g, Ml, (size_t) r * sizeof(double));
        for (int a = 0; a < r; a++) { g[a] -= Cl[a]; dl[a] = 0.0; }
        int moved = 0;
        for (int a = 0; a < r; a++) {
            double den = (A ? A[a + (size_t) a * r] : 1.0) * bll;
            if (!(den > 0)) continue;
            double old = Fl[a], v = old - g[a] / den;
            if (!(v > eps)) v = eps;
            double dv = v - old;
            if (dv == 0.0) continue;
            Fl[a] = v;
            dl[a] = dv;
            moved = 1;
            change += dv * dv;
            if (A) {
                const double *Aa = A + (size_t) a * r;
                double t = dv * bll;
                for (int b = 0; b < r; b++) g[b] += t * Aa[b];
            } else g[a] += dv * bll;
        }
        if (!moved) continue;
        for (int j = 0; j < c; j++) {           /* M += dl B[l, ] */
            double blj = B[l + (size_t) j * c];
            if (blj == 0.0) continue;
            double *Mj = M + (size_t) j * r;
            for (int a = 0; a < r; a++) Mj[a] += dl[a] * blj;
        }
    }
    return change;
}

static void blk_hals(int r, int c, double *F, const double *A, const double *B,
                     const double *C, const ft_opts *o, double *M, double *g,
                     double *dl)
{
    double first = 0.0;
    for (int s = 0; s < o->inner_max; s++) {
        double ch = blk_cd_sweep(r, c, F, A, B, C, o->eps, M, g, dl);
        if (s == 0) first = ch;
        else if (ch <= o->inner_delta * o->inner_delta * first) break;
    }
}

static void blk_mu(int r, int c, double *F, const double *A, const double *B,
                   const double *C, const ft_opts *o, double *M, double *den)
{
    double first = 0.0;
    for (int s = 0; s < o->inner_max; s++) {
        la_gemm("N", "N", r, c, c, 1.0, F, r, B, c, 0.0, M, r);
        if (A) la_gemm("N", "N", r, c, r, 1.0, A, r, M, r, 0.0, den, r);
        else memcpy(den, M, (size_t) r * c * sizeof(double));
        double ch = nmf_mult_update((size_t) r * c, F, C, den, o->eps);
        if (s == 0) first = ch;
        else if (ch <= o->inner_delta * o->inner_delta * first) break;
    }
}

/* F (r x c) <- max(eps, F .* num ./ (u v^T)), u (r) or NULL for ones */
static void kl_block(int r, int c, double *F, const double *num,
                     const double *u, const double *v, double eps)
{
    for (int l = 0; l < c; l++)
        for (int a = 0; a < r; a++) {
            size_t t = a + (size_t) l * r;
            double den = (u ? u[a] : 1.0) * v[l];
            double x = den > 0 ? F[t] * num[t] / den : F[t];
            F[t] = x > eps ? x : eps;
        }
}

/* Exact objective of the chain (relative), Pbuf d x k_L scratch. */
static double ft_objective(const xmat *X, int L, const int *rk,
                           double *const *F, const double *Gt, int method,
                           double norm, double *Pa, double *Pb, double *work)
{
    int d = X->m;
    const double *P = NULL;
    for (int i = 1; i <= L; i++) {
        double *out = (i % 2) ? Pa : Pb;
        chain_prefix_step(d, rk[i - 1], rk[i], P, F[i - 1], 1.0, out);
        P = out;
    }
    double f = method == METHOD_KL ?
        xm_kl(X, P, Gt, rk[L], -1, NULL, work) :
        xm_resid_sumsq(X, P, Gt, rk[L], work);
    return f / norm;
}

/* The workspace of the loop: the transposed suffixes T[1..L] (T[L] = Gt),
 * two prefix buffers, the block products and the scratch of the block
 * solvers, sized by the largest rank and max(d, N). */
typedef struct {
    double **T, *Pa, *Pb, *A, *B, *HtH, *C, *U, *M, *den, *g, *dl, *su, *sv;
    double *work, norm;
} ft_work;

static void ft_work_alloc(xmat *X, int L, const int *rk, double *Gt,
                          int method, ft_work *w)
{
    int d = X->m, N = X->n, kmax = 1;
    for (int i = 1; i <= L; i++) if (rk[i] > kmax) kmax = rk[i];
    int big = d > N ? d : N;
    size_t bk = (size_t) big * kmax, kk = (size_t) kmax * kmax;
    xm_reserve(X, kmax);
    w->norm = method == METHOD_KL ? xm_sum(X) : xm_sumsq(X);
    w->work = (double *) scratch_alloc(xm_work_size(X, kmax), sizeof(double));
    w->T = (double **) scratch_alloc((size_t) L + 1, sizeof(double *));
    for (int j = 1; j < L; j++)
        w->T[j] = (double *) scratch_alloc((size_t) N * rk[j], sizeof(double));
    w->T[L] = Gt;
    w->Pa = (double *) scratch_alloc((size_t) d * kmax, sizeof(double));
    w->Pb = (double *) scratch_alloc((size_t) d * kmax, sizeof(double));
    w->A = (double *) scratch_alloc(kk, sizeof(double));
    w->B = (double *) scratch_alloc(kk, sizeof(double));
    w->HtH = (double *) scratch_alloc(kk, sizeof(double));
    w->C = (double *) scratch_alloc(bk, sizeof(double));
    w->U = (double *) scratch_alloc(bk, sizeof(double));
    w->M = (double *) scratch_alloc(bk, sizeof(double));
    w->den = (double *) scratch_alloc(bk, sizeof(double));
    w->g = (double *) scratch_alloc((size_t) big, sizeof(double));
    w->dl = (double *) scratch_alloc((size_t) big, sizeof(double));
    w->su = (double *) scratch_alloc((size_t) kmax, sizeof(double));
    w->sv = (double *) scratch_alloc((size_t) kmax, sizeof(double));
}

/* The KL block of F_i (r x c) given the prefix P (d x r, NULL for i = 1)
 * and the transposed suffix Ti (N x c). */
static void ft_block_kl(const xmat *X, int r, int c, const double *P,
                        double *Fi, const double *Ti, const ft_opts *o,
                        ft_work *w)
{
    int d = X->m, N = X->n;
    const double *W = Fi;
    if (P) {
        la_gemm("N", "N", d, c, r, 1.0, P, d, Fi, r, 0.0, w->U, d);
        W = w->U;
    }
    xm_kl(X, W, Ti, c, 0, w->M, w->work);             /* R S^T, d x c */
    nmf_colsums(N, c, Ti, w->sv);
    if (P) {
        la_gemm("T", "N", r, c, d, 1.0, P, d, w->M, d, 0.0, w->C, r);
        nmf_colsums(d, r, P, w->su);
        kl_block(r, c, Fi, w->C, w->su, w->sv, o->eps);
    } else kl_block(r, c, Fi, w->M, NULL, w->sv, o->eps);
}

/* The Frobenius block of F_i: A = P^T P, B = S S^T, C = P^T sX S^T, the
 * product with X taken on the smaller side; then HALS or MU. */
static void ft_block_frob(const xmat *X, int r, int c, const double *P,
                          double *Fi, const double *Ti, const ft_opts *o,
                          ft_work *w)
{
    int d = X->m, N = X->n;
    la_crossprod(N, c, Ti, w->B);
    if (!P) xm_prod(X, Ti, c, w->C);
    else {
        la_crossprod(d, r, P, w->A);
        if (r <= c) {
            xm_tprod(X, P, r, w->U);                     /* N x r */
            la_gemm("T", "N", r, c, N, 1.0, w->U, N, Ti, N, 0.0, w->C, r);
        } else {
            xm_prod(X, Ti, c, w->U);                     /* d x c */
            la_gemm("T", "N", r, c, d, 1.0, P, d, w->U, d, 0.0, w->C, r);
        }
    }
    const double *A = P ? w->A : NULL;
    if (o->method == METHOD_HALS)
        blk_hals(r, c, Fi, A, w->B, w->C, o, w->M, w->g, w->dl);
    else
        blk_mu(r, c, Fi, A, w->B, w->C, o, w->M, w->den);
}

/* G_L's block (Gt, N x kL) given the full prefix P (d x kL); returns the
 * relative objective after it. */
static double ft_block_G(const xmat *X, int kL, const double *P, double *Gt,
                         const ft_opts *o, ft_work *w)
{
    int d = X->m, N = X->n;
    if (o->method == METHOD_KL) {
        xm_kl(X, P, Gt, kL, 1, w->C, w->work);           /* R^T P, N x kL */
        nmf_colsums(d, kL, P, w->sv);
        kl_block(N, kL, Gt, w->C, NULL, w->sv, o->eps);
        return xm_kl(X, P, Gt, kL, -1, NULL, w->work) / w->norm;
    }
    la_crossprod(d, kL, P, w->B);
    xm_tprod(X, P, kL, w->C);                            /* N x kL */
    if (o->method == METHOD_HALS)
        blk_hals(N, kL, Gt, NULL, w->B, w->C, o, w->M, w->g, w->dl);
    else
        blk_mu(N, kL, Gt, NULL, w->B, w->C, o, w->M, w->den);
    la_crossprod(N, kL, Gt, w->HtH);
    return nmf_frob_obj(w->norm, N, kL, w->C, Gt, w->B, w->HtH) / w->norm;
}

/* One sweep: F_1, ..., F_L (each with the suffixes of the sweep's start and
 * the prefix of the blocks already updated), then G_L.  Returns the
 * relative objective. */
static double ft_sweep(const xmat *X, int L, const int *rk, double **F,
                       double *Gt, const ft_opts *o, ft_work *w)
{
    chain_suffixes(X->n, L, 1, rk, (const double *const *) F, w->T);
    const double *P = NULL;
    for (int i = 1; i <= L; i++) {
        if (i > 1) R_CheckUserInterrupt();
        int r = rk[i - 1], c = rk[i];
        if (o->method == METHOD_KL) ft_block_kl(X, r, c, P, F[i - 1], w->T[i], o, w);
        else ft_block_frob(X, r, c, P, F[i - 1], w->T[i], o, w);
        double *Pn = (P == w->Pa) ? w->Pb : w->Pa;
        chain_prefix_step(X->m, r, c, P, F[i - 1], 1.0, Pn);
        P = Pn;
    }
    return ft_block_G(X, rk[L], P, Gt, o, w);
}

/*
 * ft_run: the fine-tuning loop.
 *   X   the data as an xmat with its scale set (sX)
 *   L   layers; rk[0..L] = (d, k_1, ..., k_L)
 *   F   F[i] = F_{i+1} (rk[i] x rk[i+1]), >= eps, updated in place
 *   Gt  G_L^T (N x k_L) in the units of sX, >= eps, updated in place
 *   F0, Gt0  the start as given (the objective's reference, and what is
 *       restored should the result be worse)
 */
static void ft_run(xmat *X, int L, const int *rk, double **F, double *Gt,
                   const ft_opts *o, ft_result *res, double **F0,
                   const double *Gt0)
{
    int N = X->n, kL = rk[L];
    ft_work w;
    ft_work_alloc(X, L, rk, Gt, o->method, &w);
    res->start = ft_objective(X, L, rk, F0, Gt0, o->method, w.norm, w.Pa, w.Pb, w.work);
    double f = ft_objective(X, L, rk, F, Gt, o->method, w.norm, w.Pa, w.Pb, w.work);
    nmf_stopper st;
    nmf_stop_init(&st, f, o->tol);
    util_trace_put(&res->trace, 0, res->start);
    res->converged = 0;
    res->restored = 0;
    int it;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        f = ft_sweep(X, L, rk, F, Gt, o, &w);
        util_trace_put(&res->trace, (size_t) it, f);
        if (o->verbose)
            Rprintf("finetune iteration %d: relative objective %.10g\n", it, f);
        if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = ft_objective(X, L, rk, F, Gt, o->method, w.norm, w.Pa, w.Pb, w.work);
    if (!(res->obj <= res->start)) {
        for (int i = 0; i < L; i++)
            memcpy(F[i], F0[i], (size_t) rk[i] * rk[i + 1] * sizeof(double));
        memcpy(Gt, Gt0, (size_t) N * kL * sizeof(double));
        res->obj = res->start;
        res->restored = 1;
    }
    res->frob = o->method != METHOD_KL ? res->obj :
        ft_objective(X, L, rk, F, Gt, METHOD_HALS, xm_sumsq(X), w.Pa, w.Pb, w.work);
}

/* Scale the columns of each F_i to the chosen norm (1 l1, 2 l2, 3 max) and
 * the matching rows of F_{i+1} (or columns of G_L^T) by the inverse, which
 * leaves the product unchanged. */
static void ft_normalize(int L, const int *rk, double **F, int N, double *Gt,
                         int type)
{
    if (type == 0) return;
    int kmax = 1;
    for (int i = 1; i <= L; i++) if (rk[i] > kmax) kmax = rk[i];
    double *sc = (double *) scratch_alloc((size_t) kmax, sizeof(double));
    for (int i = 0; i < L; i++) {
        int r = rk[i], c = rk[i + 1];
        util_normalize_cols(r, c, F[i], type, sc);
        for (int l = 0; l < c; l++) {
            if (sc[l] == 1.0) continue;
            if (i + 1 < L) {
                int c2 = rk[i + 2];
                for (int j = 0; j < c2; j++) F[i + 1][l + (size_t) j * c] *= sc[l];
            } else {
                double *h = Gt + (size_t) l * N;
                for (int j = 0; j < N; j++) h[j] *= sc[l];
            }
        }
    }
}

/* The start: F0, Gt0 as given (G_L transposed and times s), and the
 * working copies F, Gt floored at eps. */
typedef struct { double **F, **F0, *Gt, *Gt0; } ft_start;

static void ft_copy_start(SEXP Fl, SEXP G, int L, const int *rk, int N,
                          double eps, double s, ft_start *st)
{
    st->F = (double **) scratch_alloc((size_t) L, sizeof(double *));
    st->F0 = (double **) scratch_alloc((size_t) L, sizeof(double *));
    for (int i = 0; i < L; i++) {
        size_t len = (size_t) rk[i] * rk[i + 1];
        const double *src = REAL(VECTOR_ELT(Fl, i));
        st->F[i] = (double *) scratch_alloc(len, sizeof(double));
        st->F0[i] = (double *) scratch_alloc(len, sizeof(double));
        for (size_t t = 0; t < len; t++) {
            double v = src[t];
            if (!R_FINITE(v) || v < 0) error(_("'F[[%d]]' must be finite and nonnegative"), i + 1);
            st->F0[i][t] = v;
            st->F[i][t] = v > eps ? v : eps;
        }
    }
    int kL = rk[L];
    st->Gt = (double *) scratch_alloc((size_t) N * kL, sizeof(double));
    st->Gt0 = (double *) scratch_alloc((size_t) N * kL, sizeof(double));
    const double *g = REAL(G);
    for (int j = 0; j < N; j++)
        for (int l = 0; l < kL; l++) {
            double v = g[l + (size_t) j * kL];
            if (!R_FINITE(v) || v < 0) error(_("'G' must be finite and nonnegative"));
            v *= s;
            st->Gt0[j + (size_t) l * N] = v;
            st->Gt[j + (size_t) l * N] = v > eps ? v : eps;
        }
}

/* The output factors: list(F_1, ..., F_L) and list(G_1, ..., G_L) with
 * G_i = F_{i+1} ... F_L G_L (from the transposed suffixes); an error if
 * anything is not finite. */
static SEXP ft_out_F(int L, const int *rk, double **F)
{
    SEXP Fo = PROTECT(allocVector(VECSXP, L));
    for (int i = 0; i < L; i++) {
        size_t len = (size_t) rk[i] * rk[i + 1];
        for (size_t t = 0; t < len; t++)
            if (!R_FINITE(F[i][t]))
                error(_("fine-tuning produced a non-finite value in layer %d"), i + 1);
        SEXP Fi = PROTECT(allocMatrix(REALSXP, rk[i], rk[i + 1]));
        memcpy(REAL(Fi), F[i], len * sizeof(double));
        SET_VECTOR_ELT(Fo, i, Fi);
        UNPROTECT(1);
    }
    UNPROTECT(1);
    return Fo;
}

static SEXP ft_out_G(int L, const int *rk, double **F, int N, double *Gt)
{
    for (size_t t = 0; t < (size_t) N * rk[L]; t++)
        if (!R_FINITE(Gt[t])) error(_("fine-tuning produced a non-finite value in G"));
    double **T = (double **) scratch_alloc((size_t) L + 1, sizeof(double *));
    for (int j = 1; j < L; j++)
        T[j] = (double *) scratch_alloc((size_t) N * rk[j], sizeof(double));
    T[L] = Gt;
    chain_suffixes(N, L, 1, rk, (const double *const *) F, T);
    SEXP Go = PROTECT(allocVector(VECSXP, L));
    for (int j = 1; j <= L; j++) {
        SEXP Gj = PROTECT(allocMatrix(REALSXP, rk[j], N));
        util_transpose(N, rk[j], T[j], REAL(Gj));
        SET_VECTOR_ELT(Go, j - 1, Gj);
        UNPROTECT(1);
    }
    UNPROTECT(1);
    return Go;
}

/*
 * mlnmf_finetune(X, F, G, opts, mask)
 *   X     d x N double matrix or dgCMatrix, nonnegative, max(X) > 0; mask
 *         NULL (a masked X is refused)
 *   F     list of L double matrices, F[[1]] d x k_1, F[[i]] k_{i-1} x k_i
 *   G     k_L x N double matrix (G_L)
 *   opts  named list: method (0 hals, 1 mu, 2 kl), maxit, tol, eps,
 *         inner_max, inner_delta, normalize (0 none, 1 l1, 2 l2, 3 max),
 *         verbose, threads
 * Returns list(F = list of L, G = list of L with G_i = F_{i+1} ... F_L G_L,
 * iter, converged, trace (relative objective, start first), start,
 * objective (relative, exact), restored (the start was kept), frob (the
 * relative squared Frobenius error of the result, exact, for every method)).
 * The inputs are not modified.
 */
SEXP mlnmf_finetune(SEXP X, SEXP Fl, SEXP G, SEXP opts, SEXP mask)
{
    int nprot = 0;
    xmat Xm;
    xm_from_sexp(&Xm, X, mask, "X");     /* dense or dgCMatrix */
    if (xm_masked(&Xm))
        error(_("fine-tuning a fit to data with missing entries is not supported"));
    util_check_matrix(G, "G", 0);
    if (TYPEOF(Fl) != VECSXP || XLENGTH(Fl) < 1)
        error(_("'F' must be a non-empty list"));
    if (XLENGTH(Fl) > INT_MAX - 2) error(_("'F' is too long"));
    ft_opts o;
    util_read_opts(opts, &o, 0);
    int normalize = util_opt_int(opts, "normalize");
    if (normalize < 0 || normalize > 3) error(_("'normalize' code out of range"));
    int L = (int) XLENGTH(Fl), N = Xm.n;
    const int *rk = util_read_chain(Fl, G, Xm.m, N, L, NULL);

    Xm.threads = o.threads;
    double xmax = xm_max(&Xm);
    Xm.scale = util_inv_scale(xmax, "X", 1);
    ft_start st;
    ft_copy_start(Fl, G, L, rk, N, o.eps, Xm.scale, &st);
    ft_result res = { 0, 0, 0, 0.0, 0.0, 0.0, { NULL, 0, 0 } };
    ft_run(&Xm, L, rk, st.F, st.Gt, &o, &res, st.F0, st.Gt0);
    ft_normalize(L, rk, st.F, N, st.Gt, normalize);
    for (size_t t = 0; t < (size_t) N * rk[L]; t++) st.Gt[t] *= xmax;

    SEXP Fo = PROTECT(ft_out_F(L, rk, st.F)); nprot++;
    SEXP Go = PROTECT(ft_out_G(L, rk, st.F, N, st.Gt)); nprot++;
    SEXP trc = PROTECT(allocVector(REALSXP, (R_xlen_t) res.trace.len)); nprot++;
    if (res.trace.len)
        memcpy(REAL(trc), res.trace.v, res.trace.len * sizeof(double));
    const char *nm[] = {"F", "G", "iter", "converged", "trace", "start",
                        "objective", "restored", "frob", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, Fo);
    SET_VECTOR_ELT(ans, 1, Go);
    SET_VECTOR_ELT(ans, 2, ScalarInteger(res.iter));
    SET_VECTOR_ELT(ans, 3, ScalarLogical(res.converged));
    SET_VECTOR_ELT(ans, 4, trc);
    SET_VECTOR_ELT(ans, 5, ScalarReal(res.start));
    SET_VECTOR_ELT(ans, 6, ScalarReal(res.obj));
    SET_VECTOR_ELT(ans, 7, ScalarLogical(res.restored));
    SET_VECTOR_ELT(ans, 8, ScalarReal(res.frob));
    UNPROTECT(nprot);
    return ans;
}
