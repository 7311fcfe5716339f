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

typedef struct {
    int method, maxit, inner, verbose, normalize;
    double tol, eps, delta;
} ft_opts;

typedef struct {
    int iter, converged, restored;
    double start, obj;      /* relative objectives, exact */
    double *trace;          /* maxit + 1 */
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
    for (int s = 0; s < o->inner; s++) {
        double ch = blk_cd_sweep(r, c, F, A, B, C, o->eps, M, g, dl);
        if (s == 0) first = ch;
        else if (ch <= o->delta * o->delta * first) break;
    }
}

static void blk_mu(int r, int c, double *F, const double *A, const double *B,
                   const double *C, const ft_opts *o, double *M, double *den)
{
    double first = 0.0;
    for (int s = 0; s < o->inner; s++) {
        la_gemm("N", "N", r, c, c, 1.0, F, r, B, c, 0.0, M, r);
        if (A) la_gemm("N", "N", r, c, r, 1.0, A, r, M, r, 0.0, den, r);
        else memcpy(den, M, (size_t) r * c * sizeof(double));
        double ch = nmf_mult_update((size_t) r * c, F, C, den, o->eps);
        if (s == 0) first = ch;
        else if (ch <= o->delta * o->delta * first) break;
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

/*
 * ft_run: the fine-tuning loop.
 *   X   the data as an xmat with its scale set (sX)
 *   L   layers; rk[0..L] = (d, k_1, ..., k_L)
 *   F   F[i] = F_{i+1} (rk[i] x rk[i+1]), >= eps, updated in place
 *   Gt  G_L^T (N x k_L) in the units of sX, >= eps, updated in place
 * Returns 0.
 */
static int ft_run(xmat *X, int L, const int *rk, double **F, double *Gt,
                  const ft_opts *o, ft_result *res, double **F0,
                  const double *Gt0)
{
    int d = X->m, N = X->n, kL = rk[L], kmax = 1;
    for (int i = 1; i <= L; i++) if (rk[i] > kmax) kmax = rk[i];
    int big = d > N ? d : N;
    size_t bk = (size_t) big * kmax;
    xm_reserve(X, kmax);
    double norm = o->method == METHOD_KL ? xm_sum(X) : xm_sumsq(X);
    double *work = (double *) R_alloc(xm_work_size(X, kmax), sizeof(double));
    double **T = (double **) R_alloc((size_t) L + 1, sizeof(double *));
    for (int j = 1; j < L; j++)
        T[j] = (double *) R_alloc((size_t) N * rk[j], sizeof(double));
    T[L] = Gt;
    double *Pa = (double *) R_alloc((size_t) d * kmax, sizeof(double));
    double *Pb = (double *) R_alloc((size_t) d * kmax, sizeof(double));
    double *A = (double *) R_alloc((size_t) kmax * kmax, sizeof(double));
    double *B = (double *) R_alloc((size_t) kmax * kmax, sizeof(double));
    double *HtH = (double *) R_alloc((size_t) kmax * kmax, sizeof(double));
    double *C = (double *) R_alloc(bk, sizeof(double));
    double *U = (double *) R_alloc(bk, sizeof(double));
    double *M = (double *) R_alloc(bk, sizeof(double));
    double *den = (double *) R_alloc(bk, sizeof(double));
    double *g = (double *) R_alloc((size_t) big, sizeof(double));
    double *dl = (double *) R_alloc((size_t) big, sizeof(double));
    double *su = (double *) R_alloc((size_t) kmax, sizeof(double));
    double *sv = (double *) R_alloc((size_t) kmax, sizeof(double));

    res->start = ft_objective(X, L, rk, F0, Gt0, o->method, norm, Pa, Pb, work);
    double f = ft_objective(X, L, rk, F, Gt, o->method, norm, Pa, Pb, work);
    nmf_stopper st;
    nmf_stop_init(&st, f, o->tol);
    if (res->trace) res->trace[0] = res->start;
    res->converged = 0;
    res->restored = 0;
    int it;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        chain_suffixes(N, L, 1, rk, (const double *const *) F, T);
        const double *P = NULL;
        for (int i = 1; i <= L; i++) {
            if (i > 1) R_CheckUserInterrupt();
            int r = rk[i - 1], c = rk[i];
            double *Fi = F[i - 1];
            const double *Ti = T[i];
            if (o->method == METHOD_KL) {
                const double *W = Fi;
                if (P) {
                    la_gemm("N", "N", d, c, r, 1.0, P, d, Fi, r, 0.0, U, d);
                    W = U;
                }
                xm_kl(X, W, Ti, c, 0, M, work);            /* R S^T, d x c */
                nmf_colsums(N, c, Ti, sv);
                if (P) {
                    la_gemm("T", "N", r, c, d, 1.0, P, d, M, d, 0.0, C, r);
                    nmf_colsums(d, r, P, su);
                    kl_block(r, c, Fi, C, su, sv, o->eps);
                } else kl_block(r, c, Fi, M, NULL, sv, o->eps);
            } else {
                la_crossprod(N, c, Ti, B);
                if (!P) xm_prod(X, Ti, c, C);
                else {
                    la_crossprod(d, r, P, A);
                    if (r <= c) {
                        xm_tprod(X, P, r, U);                /* N x r */
                        la_gemm("T", "N", r, c, N, 1.0, U, N, Ti, N, 0.0, C, r);
                    } else {
                        xm_prod(X, Ti, c, U);                /* d x c */
                        la_gemm("T", "N", r, c, d, 1.0, P, d, U, d, 0.0, C, r);
                    }
                }
                if (o->method == METHOD_HALS)
                    blk_hals(r, c, Fi, P ? A : NULL, B, C, o, M, g, dl);
                else
                    blk_mu(r, c, Fi, P ? A : NULL, B, C, o, M, den);
            }
            double *Pn = (P == Pa) ? Pb : Pa;
            chain_prefix_step(d, r, c, P, Fi, 1.0, Pn);
            P = Pn;
        }
        if (o->method == METHOD_KL) {
            xm_kl(X, P, Gt, kL, 1, C, work);               /* R^T P, N x kL */
            nmf_colsums(d, kL, P, sv);
            kl_block(N, kL, Gt, C, NULL, sv, o->eps);
            f = xm_kl(X, P, Gt, kL, -1, NULL, work) / norm;
        } else {
            la_crossprod(d, kL, P, B);
            xm_tprod(X, P, kL, C);                         /* N x kL */
            if (o->method == METHOD_HALS)
                blk_hals(N, kL, Gt, NULL, B, C, o, M, g, dl);
            else
                blk_mu(N, kL, Gt, NULL, B, C, o, M, den);
            la_crossprod(N, kL, Gt, HtH);
            f = nmf_frob_obj(norm, N, kL, C, Gt, B, HtH) / norm;
        }
        if (res->trace) res->trace[it] = f;
        if (o->verbose)
            Rprintf("finetune iteration %d: relative objective %.10g\n", it, f);
        if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = ft_objective(X, L, rk, F, Gt, o->method, norm, Pa, Pb, work);
    if (!(res->obj <= res->start)) {
        for (int i = 0; i < L; i++)
            memcpy(F[i], F0[i], (size_t) rk[i] * rk[i + 1] * sizeof(double));
        memcpy(Gt, Gt0, (size_t) N * kL * sizeof(double));
        res->obj = res->start;
        res->restored = 1;
    }
    return 0;
}

/* Scale the columns of each F_i to the chosen norm (1 l1, 2 l2, 3 max) and
 * the matching rows of F_{i+1} (or columns of G_L^T) by the inverse, which
 * leaves the product unchanged. */
static void ft_normalize(int L, const int *rk, double **F, int N, double *Gt,
                         int type)
{
    if (type == 0) return;
    for (int i = 0; i < L; i++) {
        int r = rk[i], c = rk[i + 1];
        for (int l = 0; l < c; l++) {
            double *w = F[i] + (size_t) l * r, s = 0.0;
            for (int a = 0; a < r; a++) {
                if (type == 1) s += w[a];
                else if (type == 2) s += w[a] * w[a];
                else if (w[a] > s) s = w[a];
            }
            if (type == 2) s = sqrt(s);
            if (!(s > 0) || !R_FINITE(s)) continue;
            for (int a = 0; a < r; a++) w[a] /= s;
            if (i + 1 < L) {
                int c2 = rk[i + 2];
                for (int j = 0; j < c2; j++) F[i + 1][l + (size_t) j * c] *= s;
            } else {
                double *h = Gt + (size_t) l * N;
                for (int j = 0; j < N; j++) h[j] *= s;
            }
        }
    }
}

static int ft_opt_int(SEXP opts, const char *name)
{
    SEXP nms = getAttrib(opts, R_NamesSymbol);
    for (R_xlen_t i = 0; i < XLENGTH(opts); i++)
        if (!strcmp(CHAR(STRING_ELT(nms, i)), name)) {
            SEXP v = VECTOR_ELT(opts, i);
            if (!isNumeric(v) && !isLogical(v))
                error(_("option '%s' must be numeric"), name);
            return asInteger(v);
        }
    error(_("internal error: option '%s' missing"), name);
    return 0;
}

static double ft_opt_real(SEXP opts, const char *name)
{
    SEXP nms = getAttrib(opts, R_NamesSymbol);
    for (R_xlen_t i = 0; i < XLENGTH(opts); i++)
        if (!strcmp(CHAR(STRING_ELT(nms, i)), name)) {
            SEXP v = VECTOR_ELT(opts, i);
            if (!isNumeric(v)) error(_("option '%s' must be numeric"), name);
            return asReal(v);
        }
    error(_("internal error: option '%s' missing"), name);
    return 0;
}

static void ft_check_matrix(SEXP A, const char *what, int i)
{
    if (TYPEOF(A) != REALSXP || !isMatrix(A)) {
        if (i > 0) error(_("'%s[[%d]]' must be a double matrix"), what, i);
        error(_("'%s' must be a double matrix"), what);
    }
}

/*
 * mlnmf_finetune(X, F, G, opts)
 *   X     d x N double matrix, nonnegative, max(X) > 0
 *   F     list of L double matrices, F[[1]] d x k_1, F[[i]] k_{i-1} x k_i
 *   G     k_L x N double matrix (G_L)
 *   opts  named list: method (0 hals, 1 mu, 2 kl), maxit, tol, eps,
 *         inner_max, inner_delta, normalize (0 none, 1 l1, 2 l2, 3 max),
 *         verbose, threads
 * Returns list(F = list of L, G = list of L with G_i = F_{i+1} ... F_L G_L,
 * iter, converged, trace (relative objective, start first), start,
 * objective (relative, exact), restored (the start was kept)).
 * The inputs are not modified.
 */
SEXP mlnmf_finetune(SEXP X, SEXP Fl, SEXP G, SEXP opts, SEXP mask)
{
    int nprot = 0;
    xmat Xm;
    xm_from_sexp(&Xm, X, mask, "X");     /* dense or dgCMatrix */
    if (xm_masked(&Xm))
        error(_("fine-tuning a fit to data with missing entries is not supported"));
    ft_check_matrix(G, "G", 0);
    if (TYPEOF(Fl) != VECSXP || XLENGTH(Fl) < 1)
        error(_("'F' must be a non-empty list"));
    if (XLENGTH(Fl) > INT_MAX - 2) error(_("'F' is too long"));
    if (TYPEOF(opts) != VECSXP || TYPEOF(getAttrib(opts, R_NamesSymbol)) != STRSXP)
        error(_("'opts' must be a named list"));
    ft_opts o;
    o.method = ft_opt_int(opts, "method");
    o.maxit = ft_opt_int(opts, "maxit");
    o.tol = ft_opt_real(opts, "tol");
    o.eps = ft_opt_real(opts, "eps");
    o.inner = ft_opt_int(opts, "inner_max");
    o.delta = ft_opt_real(opts, "inner_delta");
    o.normalize = ft_opt_int(opts, "normalize");
    o.verbose = ft_opt_int(opts, "verbose");
    int threads = ft_opt_int(opts, "threads");
    if (o.method < 0 || o.method > 2) error(_("'method' code out of range"));
    if (o.maxit < 0 || o.maxit == INT_MAX || o.maxit == NA_INTEGER)
        error(_("'maxit' out of range"));
    if (o.inner < 1 || o.inner == NA_INTEGER) error(_("'inner_max' out of range"));
    if (!(o.eps > 0) || !R_FINITE(o.tol) || !R_FINITE(o.delta))
        error(_("'eps', 'tol' and 'inner_delta' must be finite, 'eps' > 0"));
    if (o.normalize < 0 || o.normalize > 3) error(_("'normalize' code out of range"));

    int L = (int) XLENGTH(Fl);
    int d = Xm.m, N = Xm.n;
    int *rk = (int *) R_alloc((size_t) L + 1, sizeof(int));
    rk[0] = d;
    for (int i = 0; i < L; i++) {
        SEXP Fi = VECTOR_ELT(Fl, i);
        ft_check_matrix(Fi, "F", i + 1);
        if (nrows(Fi) != rk[i])
            error(_("'F[[%d]]' has %d rows, the chain needs %d"), i + 1,
                  nrows(Fi), rk[i]);
        rk[i + 1] = ncols(Fi);
        if (rk[i + 1] < 1) error(_("'F[[%d]]' has no columns"), i + 1);
    }
    if (nrows(G) != rk[L] || ncols(G) != N)
        error(_("'G' must be %d x %d"), rk[L], N);

    Xm.threads = threads < 1 ? 1 : threads;
    double xmax = xm_max(&Xm);
    if (!(xmax > 0)) error(_("'X' has no positive entry"));
    if (xmax < DBL_MIN) error(_("'X' is too small to rescale: multiply it by a constant"));
    double s = 1.0 / xmax;
    Xm.scale = s;

    /* working copies (floored at eps) and the start (as given) */
    double **F = (double **) R_alloc((size_t) L, sizeof(double *));
    double **F0 = (double **) R_alloc((size_t) L, sizeof(double *));
    for (int i = 0; i < L; i++) {
        size_t len = (size_t) rk[i] * rk[i + 1];
        const double *src = REAL(VECTOR_ELT(Fl, i));
        F[i] = (double *) R_alloc(len, sizeof(double));
        F0[i] = (double *) R_alloc(len, sizeof(double));
        for (size_t t = 0; t < len; t++) {
            double v = src[t];
            if (!R_FINITE(v) || v < 0) error(_("'F[[%d]]' must be finite and nonnegative"), i + 1);
            F0[i][t] = v;
            F[i][t] = v > o.eps ? v : o.eps;
        }
    }
    int kL = rk[L];
    double *Gt = (double *) R_alloc((size_t) N * kL, sizeof(double));
    double *Gt0 = (double *) R_alloc((size_t) N * kL, sizeof(double));
    const double *g = REAL(G);
    for (int j = 0; j < N; j++)
        for (int l = 0; l < kL; l++) {
            double v = g[l + (size_t) j * kL];
            if (!R_FINITE(v) || v < 0) error(_("'G' must be finite and nonnegative"));
            v *= s;
            Gt0[j + (size_t) l * N] = v;
            Gt[j + (size_t) l * N] = v > o.eps ? v : o.eps;
        }

    SEXP tr = PROTECT(allocVector(REALSXP, (R_xlen_t) o.maxit + 1)); nprot++;
    ft_result res = { 0, 0, 0, 0.0, 0.0, REAL(tr) };
    ft_run(&Xm, L, rk, F, Gt, &o, &res, F0, Gt0);
    ft_normalize(L, rk, F, N, Gt, o.normalize);
    for (size_t t = 0; t < (size_t) N * kL; t++) Gt[t] *= xmax;

    SEXP Fo = PROTECT(allocVector(VECSXP, L)); nprot++;
    SEXP Go = PROTECT(allocVector(VECSXP, L)); nprot++;
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
    for (size_t t = 0; t < (size_t) N * kL; t++)
        if (!R_FINITE(Gt[t])) error(_("fine-tuning produced a non-finite value in G"));
    /* G_i = F_{i+1} ... F_L G_L, from the transposed suffixes */
    double **T = (double **) R_alloc((size_t) L + 1, sizeof(double *));
    for (int j = 1; j < L; j++)
        T[j] = (double *) R_alloc((size_t) N * rk[j], sizeof(double));
    T[L] = Gt;
    chain_suffixes(N, L, 1, rk, (const double *const *) F, T);
    for (int j = 1; j <= L; j++) {
        SEXP Gj = PROTECT(allocMatrix(REALSXP, rk[j], N));
        double *o2 = REAL(Gj);
        for (int c = 0; c < N; c++)
            for (int l = 0; l < rk[j]; l++)
                o2[l + (size_t) c * rk[j]] = T[j][c + (size_t) l * N];
        SET_VECTOR_ELT(Go, j - 1, Gj);
        UNPROTECT(1);
    }
    SEXP trc = PROTECT(lengthgets(tr, (R_xlen_t) res.iter + 1)); nprot++;

    const char *nm[] = {"F", "G", "iter", "converged", "trace", "start",
                        "objective", "restored", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, Fo);
    SET_VECTOR_ELT(ans, 1, Go);
    SET_VECTOR_ELT(ans, 2, ScalarInteger(res.iter));
    SET_VECTOR_ELT(ans, 3, ScalarLogical(res.converged));
    SET_VECTOR_ELT(ans, 4, trc);
    SET_VECTOR_ELT(ans, 5, ScalarReal(res.start));
    SET_VECTOR_ELT(ans, 6, ScalarReal(res.obj));
    SET_VECTOR_ELT(ans, 7, ScalarLogical(res.restored));
    UNPROTECT(nprot);
    return ans;
}
