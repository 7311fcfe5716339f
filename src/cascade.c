/*
 * cascade.c: the multilayer cascade and the other solver entry points.
 *
 * mlnmf_fit:      X (d x N) ~ F1 G1, G1 ~ F2 G2, ..., G_{L-1} ~ FL GL.
 *   Layer i (fit_layer) factorizes G_{i-1} (G_0 = X), scaled by
 *   1 / max(G_{i-1}) so every solver sees data of order one; the scale is
 *   moved back into G_i.  G_i is kept transposed (N x k_i) and fed to
 *   layer i + 1 as a transposed dense xmat, so no layer input is copied.
 *   With normalize, each F_i is rescaled (columns summing to one, unit
 *   Euclidean norm, or unit maximum) and the scale moved into G_i, which
 *   leaves F_i G_i unchanged.  After each layer the exact relative error
 *   ||X - F1 ... Fi G_i||_F / ||X||_F is computed in one blockwise pass.
 * mlnmf_project:  new columns through the layers with every F fixed.
 * mlnmf_step:     one outer iteration from given factors, unscaled (tests),
 *                 with optional penalties pen = list(l1 =, l2 =) or NULL.
 *
 * Memory is flat in the depth: the stored output (F_i, G_i, traces) plus
 * one layer's workspace.  Each layer's scratch (start, solver, products;
 * scratch.c) is released after it, and large released scratch is
 * collected at once (release_scratch).  The layers run in one arena
 * (scratch_run), which after each layer grows to the scratch the layer
 * needed, up to RELEASE_GC_BYTES: smaller layers reuse one block instead
 * of leaving their scratch to R's collector.  What a layer
 * hands to the next lives in two ping-pong buffers allocated before the
 * loop: G_i^T (N x k_max) and the prefix F1 ... Fi (d x k_max).  The
 * SEXP X is read in one place, data_input().
 */
#include "mlnmf.h"
#include <math.h>
#include <float.h>
#include <limits.h>

/* The data of a .Call entry as layer 1's input: the only place that reads
 * the SEXP X.  Checks the type; the R side has checked the values. */
static void data_input(SEXP X, SEXP mask, const char *what, int threads,
                       xmat *out)
{
    xm_from_sexp(out, X, mask, what);   /* dense or dgCMatrix, and the mask */
    out->threads = threads;
}

/* Scale the columns of W (m x k) to the chosen norm; Ht (n x k) gets the
 * inverse. */
static void normalize_cols(int m, int n, int k, double *W, double *Ht, int type)
{
    if (type == 0) return;
    double *sc = (double *) scratch_alloc((size_t) k, sizeof(double));
    util_normalize_cols(m, k, W, type, sc);
    for (int l = 0; l < k; l++) {
        if (sc[l] == 1.0) continue;
        double *h = Ht + (size_t) l * n;
        for (int i = 0; i < n; i++) h[i] *= sc[l];
    }
}

/* Comparisons only, counted without branches (R_FINITE is a call into
 * libR per entry): NaN fails every comparison, so |x| < Inf holds exactly
 * for the finite entries. */
static void check_finite(size_t len, const double *x, int layer)
{
    const double inf = R_PosInf;
    size_t bad = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+:bad)
#endif
    for (size_t i = 0; i < len; i++) bad += !(fabs(x[i]) < inf);
    if (bad)
        error(_("layer %d produced a non-finite value: the data are out of the range this solver can represent"), layer);
}

/* Release the R_alloc scratch above vmax (one layer's).  The released
 * blocks are garbage to R's collector, which runs when its heap limit is
 * reached; that limit grows with the stored output, so the garbage of
 * several layers would pile up in a deep cascade.  So a layer whose
 * scratch is large, at least RELEASE_GC_BYTES by the estimate below, is
 * followed by a full collection (cheap next to the layer's fit; measured in
 * bench/README.md).  Smaller layers are left to R's collector. */
#ifndef RELEASE_GC_BYTES
#define RELEASE_GC_BYTES ((size_t) 16 << 20)
#endif
static void release_scratch(scratch_mark vmax, size_t bytes)
{
    scratch_set(vmax);
    if (bytes >= RELEASE_GC_BYTES) R_gc();
}

/* One layer's scratch in bytes, roughly: HALS with extrapolation holds
 * about 8 (m + n) k doubles (the products, three pairs of factors, the
 * sweeps' workspace); MU and KL somewhat less. */
static size_t layer_scratch_bytes(int m, int n, int k)
{
    return 8 * ((size_t) m + n) * k * sizeof(double);
}

/* The settings of a fit and the state the layers share. */
typedef struct {
    nmf_opts o;
    int init, norm, keep_trace, progress, L;
    double depth_tol;        /* layers = "auto": > 0 stops at the depth    */
    SEXP Finit, Ginit;       /* given starting factors (init == INIT_GIVEN) */
    const xmat *X1;          /* layer 1's input, for the errors            */
    double xn2;              /* ||s X||^2                                   */
    double *work1;           /* xm_work_size(X1) doubles                    */
    double *P[2];            /* ping-pong: s F1 ... Fi (d x k_max)          */
    SEXP Fl, Gl, Tl, iters, conv, errs, objs;   /* the outputs, per layer  */
} cascade;

/* The start of layer i (0-based): the given factors, floored at eps and
 * Ht scaled like the layer's input, or NNDSVD / random.  Returns the bytes
 * of R_alloc scratch it used, roughly. */
static size_t layer_start(const cascade *c, int i, const xmat *Xi, int k,
                          double *W, double *Ht)
{
    int m = Xi->m, N = Xi->n;
    double eps = c->o.eps;
    if (c->init == INIT_GIVEN && i < XLENGTH(c->Finit)) {
        SEXP F0 = VECTOR_ELT(c->Finit, i), G0 = VECTOR_ELT(c->Ginit, i);
        util_check_matrix(F0, "init$F", 0);
        util_check_matrix(G0, "init$G", 0);
        if (nrows(F0) != m || ncols(F0) != k || nrows(G0) != k || ncols(G0) != N)
            error(_("'init' factors of layer %d have the wrong dimensions"), i + 1);
        const double *f0 = REAL(F0);
        for (size_t j = 0; j < (size_t) m * k; j++) W[j] = f0[j] > eps ? f0[j] : eps;
        util_transpose(k, N, REAL(G0), Ht);
        for (size_t j = 0; j < (size_t) N * k; j++) {
            double v = Ht[j] * Xi->scale;
            Ht[j] = v > eps ? v : eps;
        }
        return 0;
    }
    int type = c->init == INIT_GIVEN ? INIT_NNDSVD : c->init;
    nndsvd_init(Xi, k, type, eps, W, Ht);
    return nndsvd_scratch_bytes(m, N, k, type);
}

/*
 * Layer i (0-based) of the cascade: Xi (m x N, scale set) ~ W Ht^T with
 * W = F_i (m x k, the output list's matrix) and Ht (N x k, the caller's
 * buffer, G_i^T on return).  Start, solve, unscale, normalise; then the
 * prefix c->P[i % 2] = s F1 ... Fi, the error of the cascade so far,
 * G_i, the trace and the progress line.  The R_alloc scratch of the start
 * is released right after it, the solver's right after the solve.
 */
static void fit_layer(cascade *c, int i, xmat *Xi, int k, double *Ht)
{
    int m = Xi->m, N = Xi->n, d = c->X1->m;
    const nmf_opts *o = &c->o;
    SEXP Fi = PROTECT(allocMatrix(REALSXP, m, k));
    SET_VECTOR_ELT(c->Fl, i, Fi);
    UNPROTECT(1);
    double *W = REAL(Fi);
    scratch_mark vmax = scratch_get();
    /* the start's scratch is dead once W and Ht are set: released (and
     * collected when large) before the solver allocates its own */
    /* the start draws from R's stream (random, nndsvdar, the randomized
     * range finder): its state is saved right after, so an error or an
     * interrupt later in the layer leaves the stream advanced */
    GetRNGstate();
    size_t start_bytes = layer_start(c, i, Xi, k, W, Ht);
    PutRNGstate();
    release_scratch(vmax, start_bytes);

    SEXP tr = PROTECT(allocVector(REALSXP, c->keep_trace ? o->maxit + 1 : 0));
    SET_VECTOR_ELT(c->Tl, i, tr);
    UNPROTECT(1);
    nmf_result res = { 0, 0, 0.0, c->keep_trace ? REAL(tr) : NULL };
    nmf_solve(Xi, k, W, Ht, o, &res);
    if (c->keep_trace) SET_VECTOR_ELT(c->Tl, i, lengthgets(tr, res.iter + 1));
    /* the solver's scratch is dead: released (and collected when large)
     * before G_i is allocated, so that the peak holds one of them, not
     * both */
    release_scratch(vmax, layer_scratch_bytes(m, N, k));

    double inv = 1.0 / Xi->scale;
    for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] *= inv;
    normalize_cols(m, N, k, W, Ht, c->norm);
    check_finite((size_t) m * k, W, i + 1);
    check_finite((size_t) N * k, Ht, i + 1);

    double *P = c->P[i % 2];
    if (i == 0) for (size_t j = 0; j < (size_t) d * k; j++) P[j] = W[j] * c->X1->scale;
    else la_gemm("N", "N", d, k, m, 1.0, c->P[(i + 1) % 2], d, W, m, 0.0, P, d);
    double e2 = xm_resid_sumsq(c->X1, P, Ht, k, c->work1);
    double err = sqrt(e2 / c->xn2);
    REAL(c->errs)[i] = err;
    INTEGER(c->iters)[i] = res.iter;
    LOGICAL(c->conv)[i] = res.converged;
    REAL(c->objs)[i] = res.obj;

    SEXP Gi = PROTECT(allocMatrix(REALSXP, k, N));
    SET_VECTOR_ELT(c->Gl, i, Gi);
    UNPROTECT(1);
    util_transpose(N, k, Ht, REAL(Gi));

    int L = c->L;
    if (o->verbose)
        Rprintf("layer %d/%d: rank %d, %d iterations%s, relative error %.4g\n",
                i + 1, L, k, res.iter, res.converged ? "" : " (not converged)",
                err);
    else if (c->progress) {
        int w = 40, done = (int) ((double) w * (i + 1) / L);
        Rprintf("\r  |");
        for (int b = 0; b < w; b++) Rprintf(b < done ? "=" : " ");
        Rprintf("| %3d%%", (int) (100.0 * (i + 1) / L));
        if (i == L - 1) Rprintf("\n");
        R_FlushConsole();
    }
}

/* layers = "auto" (depth_tol > 0): layer i (0-based, i >= 1) has the
 * depth criterion of R's auto_depth() when its F is square and within
 * depth_tol of a scaled permutation: it and any deeper layer only relabel
 * and rescale components, so the cascade stops after it. */
static int depth_reached(const cascade *c, int i, const int *rk)
{
    if (!(c->depth_tol > 0) || i < 1 || rk[i] != rk[i - 1]) return 0;
    scratch_mark vmax = scratch_get();
    double md = monomial_dist(rk[i], REAL(VECTOR_ELT(c->Fl, i)));
    scratch_set(vmax);
    int hit = !ISNAN(md) && md < c->depth_tol;
    if (hit && c->o.verbose)
        Rprintf("layer %d is within depth_tol = %g of a scaled permutation (distance %.3g): the depth is %d\n",
                i + 1, c->depth_tol, md, i);
    else if (hit && c->progress) Rprintf("\n");
    return hit;
}

/* The input of layer i (0-based) of a cascade or a projection: X1, or
 * for i > 0 the previous layer's coefficients, kept transposed (N x m) in
 * the ping-pong buffer Hbuf[(i - 1) % 2]. */
static void layer_input(const xmat *X1, double *const *Hbuf, int i, int m,
                        int threads, xmat *Xi)
{
    *Xi = *X1;
    if (i == 0) return;
    xm_dense(Xi, Hbuf[(i - 1) % 2], m, X1->n, 1);
    Xi->threads = threads;
}

/* The layers of mlnmf_fit, in one scratch arena (scratch.c); L becomes
 * the number fitted. */
typedef struct {
    cascade *c;
    const int *rk;
    double **Hbuf;
    int L;
} layer_loop;

static SEXP run_layers(void *data)
{
    layer_loop *lp = (layer_loop *) data;
    cascade *c = lp->c;
    const int *rk = lp->rk;
    for (int i = 0; i < lp->L; i++) {
        R_CheckUserInterrupt();
        xmat Xi;
        layer_input(c->X1, lp->Hbuf, i, i > 0 ? rk[i - 1] : 0, c->o.threads, &Xi);
        if (i > 0) Xi.scale = util_inv_scale(xm_max(&Xi), "G", 0);
        fit_layer(c, i, &Xi, rk[i], lp->Hbuf[i % 2]);
        if (depth_reached(c, i, rk)) { lp->L = i + 1; break; }
        if (i + 1 < lp->L) scratch_reserve(RELEASE_GC_BYTES);
    }
    return R_NilValue;
}

SEXP mlnmf_fit(SEXP X, SEXP ranks, SEXP opts, SEXP Finit, SEXP Ginit,
               SEXP mask)
{
    int nprot = 0;
    cascade c;
    util_read_opts(opts, &c.o, 1);
    xmat X1;
    data_input(X, mask, "X", c.o.threads, &X1);
    if (TYPEOF(ranks) != INTSXP || XLENGTH(ranks) < 1)
        error(_("'rank' must be a non-empty integer vector"));
    c.init = util_opt_int(opts, "init");
    c.norm = util_opt_int(opts, "normalize");
    /* a trace of maxit + 1 values only for a bounded maxit */
    c.keep_trace = util_opt_int(opts, "trace") && c.o.maxit <= MLNMF_MAX_TRACE;
    c.progress = util_opt_int(opts, "progress");
    c.depth_tol = util_opt_real_or(opts, "depth_tol", 0.0);
    c.Finit = Finit;
    c.Ginit = Ginit;
    int L = c.L = (int) XLENGTH(ranks);
    int d = X1.m, N = X1.n;
    const int *rk = INTEGER(ranks);
    if (c.init == INIT_GIVEN &&
        (TYPEOF(Finit) != VECSXP || TYPEOF(Ginit) != VECSXP ||
         XLENGTH(Finit) < 1 || XLENGTH(Ginit) != XLENGTH(Finit) ||
         XLENGTH(Finit) > L))
        error(_("'init' must give lists 'F' and 'G' of equal length"));
    int kmax = 1;
    for (int i = 0, m = d; i < L; m = rk[i], i++) {
        if (rk[i] == NA_INTEGER || rk[i] < 1 || rk[i] > m || rk[i] > N)
            error(_("'rank' %d of layer %d is out of range"), rk[i], i + 1);
        if (rk[i] > kmax) kmax = rk[i];
    }

    c.Fl = PROTECT(allocVector(VECSXP, L)); nprot++;
    c.Gl = PROTECT(allocVector(VECSXP, L)); nprot++;
    c.Tl = PROTECT(allocVector(VECSXP, L)); nprot++;
    c.iters = PROTECT(allocVector(INTSXP, L)); nprot++;
    c.conv = PROTECT(allocVector(LGLSXP, L)); nprot++;
    c.errs = PROTECT(allocVector(REALSXP, L)); nprot++;
    c.objs = PROTECT(allocVector(REALSXP, L)); nprot++;

    double xmax = xm_max(&X1);
    if (!(xmax > 0)) error(_("'X' has no positive entry"));
    X1.scale = util_inv_scale(xmax, "X", 0);
    xm_reserve(&X1, rk[0] + 10);     /* the solvers' k, NNDSVD's k + 10 */
    c.X1 = &X1;
    c.xn2 = xm_sumsq_keep(&X1);   /* the solver of layer 1 reuses it */
    c.work1 = (double *) scratch_alloc(xm_work_size(&X1, kmax), sizeof(double));
    /* the ping-pong buffers: layer i writes G_i^T into Hbuf[i % 2] and
     * the prefix into P[i % 2] while it reads layer i - 1's */
    size_t nk = (size_t) N * kmax, dk = (size_t) d * kmax;
    double *Hbuf[2];
    Hbuf[0] = (double *) scratch_alloc(nk, sizeof(double));
    Hbuf[1] = L > 1 ? (double *) scratch_alloc(nk, sizeof(double)) : NULL;
    c.P[0] = (double *) scratch_alloc(dk, sizeof(double));
    c.P[1] = L > 1 ? (double *) scratch_alloc(dk, sizeof(double)) : NULL;

    layer_loop lp = { &c, rk, Hbuf, L };
    scratch_run(run_layers, &lp);
    L = lp.L;

    /* the outputs, cut to the layers fitted */
    const char *nm[] = {"F", "G", "iter", "converged", "error", "objective", "trace", ""};
    SEXP out[] = {c.Fl, c.Gl, c.iters, c.conv, c.errs, c.objs, c.Tl};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    for (int j = 0; j < 7; j++)
        SET_VECTOR_ELT(ans, j, L < c.L ? lengthgets(out[j], L) : out[j]);
    UNPROTECT(nprot);
    return ans;
}

/*
 * One layer of a projection: Xi (m x N) ~ F Ht^T with F (m x k) fixed;
 * Ht (N x k, the caller's buffer) receives the coefficients, unscaled.
 * Start: every entry the mean column scale, then the solver (HALS for
 * the Frobenius loss) updates Ht only.  Scratch from R_alloc.
 */
static void project_layer(const xmat *Xi, double mx, const double *F, int k,
                          const nmf_opts *o, const double *G0, double *Ht)
{
    int m = Xi->m, N = Xi->n;
    double *W = (double *) scratch_alloc((size_t) m * k, sizeof(double));
    for (size_t j = 0; j < (size_t) m * k; j++) W[j] = F[j] > o->eps ? F[j] : o->eps;
    if (G0) {                  /* a given start (k x N, unscaled): warm start */
        util_transpose(k, N, G0, Ht);
        for (size_t j = 0; j < (size_t) N * k; j++) {
            double v = Ht[j] * Xi->scale;
            Ht[j] = v > o->eps ? v : o->eps;
        }
    } else {
        double avg = xm_sum(Xi) / xm_nobs(Xi), ws = 0.0;
        for (size_t j = 0; j < (size_t) m * k; j++) ws += W[j];
        double h0 = ws > 0 ? avg * m / ws : 1.0;
        if (!(h0 > o->eps)) h0 = o->eps;
        for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] = h0;
    }
    nmf_result res = { 0, 0, 0.0, NULL };
    if (mx > 0) nmf_solve(Xi, k, W, Ht, o, &res);
    else for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] = 0.0;
    double inv = 1.0 / Xi->scale;
    for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] *= inv;
}

/* The layers of mlnmf_project, in one scratch arena; k becomes the last
 * layer's rank. */
typedef struct {
    const xmat *X1;
    SEXP Flist;
    const nmf_opts *o;
    const double *G0;
    double **Hbuf;
    int k;
} project_loop;

static SEXP project_layers(void *data)
{
    project_loop *pl = (project_loop *) data;
    int L = (int) XLENGTH(pl->Flist), N = pl->X1->n;
    for (int i = 0; i < L; i++) {
        R_CheckUserInterrupt();
        SEXP F = VECTOR_ELT(pl->Flist, i);
        int k = pl->k = ncols(F);
        xmat Xi;
        layer_input(pl->X1, pl->Hbuf, i, nrows(F), pl->o->threads, &Xi);
        scratch_mark vmax = scratch_get();
        if (i == 0) xm_reserve(&Xi, k);
        double mx = xm_max(&Xi);
        Xi.scale = util_inv_scale(mx, "newdata", 0);
        Xi.sumsq = -1.0;
        project_layer(&Xi, mx, REAL(F), k, pl->o, L == 1 ? pl->G0 : NULL,
                      pl->Hbuf[i % 2]);
        release_scratch(vmax, layer_scratch_bytes(Xi.m, N, k));
        if (i + 1 < L) scratch_reserve(RELEASE_GC_BYTES);
    }
    return R_NilValue;
}

SEXP mlnmf_project(SEXP X, SEXP Flist, SEXP opts, SEXP mask)
{
    int nprot = 0;
    if (TYPEOF(Flist) != VECSXP || XLENGTH(Flist) < 1) error(_("'F' must be a non-empty list"));
    nmf_opts o;
    util_read_opts(opts, &o, 1);
    o.fix_w = 1;
    if (o.method == METHOD_MU || (o.method == METHOD_BETA && o.beta == 2))
        o.method = METHOD_HALS;                         /* same loss, faster */
    xmat X1;
    data_input(X, mask, "newdata", o.threads, &X1);
    int L = (int) XLENGTH(Flist);
    int N = X1.n, kmax = 1;
    for (int i = 0, m = X1.m; i < L; i++) {
        SEXP F = VECTOR_ELT(Flist, i);
        util_check_matrix(F, "F", 0);
        if (nrows(F) != m) error(_("layer %d: 'F' has %d rows, the input has %d"), i + 1, nrows(F), m);
        m = ncols(F);
        if (m > kmax) kmax = m;
    }
    /* optional "start": the coefficients to start from (one layer only;
     * the online fit's warm start, R/online.R) */
    SEXP st = util_opt_sexp(opts, "start");
    const double *G0 = NULL;
    if (!isNull(st)) {
        util_check_matrix(st, "start", 0);
        if (L != 1 || nrows(st) != kmax || ncols(st) != N)
            error(_("'start' must be a %d x %d matrix for one layer"), kmax, N);
        G0 = REAL(st);
    }
    double *Hbuf[2];
    Hbuf[0] = (double *) scratch_alloc((size_t) N * kmax, sizeof(double));
    Hbuf[1] = L > 1 ? (double *) scratch_alloc((size_t) N * kmax, sizeof(double)) : NULL;
    project_loop pl = { &X1, Flist, &o, G0, Hbuf, 0 };
    scratch_run(project_layers, &pl);        /* one arena for the layers */
    int k = pl.k;
    SEXP G = PROTECT(allocMatrix(REALSXP, k, N)); nprot++;
    util_transpose(N, k, Hbuf[(L - 1) % 2], REAL(G));
    UNPROTECT(nprot);
    return G;
}

SEXP mlnmf_step(SEXP X, SEXP W, SEXP H, SEXP method, SEXP eps, SEXP mask,
                SEXP pen)
{
    int nprot = 0;
    xmat Xm;
    data_input(X, mask, "X", 1, &Xm);
    util_check_matrix(W, "W", 0);
    util_check_matrix(H, "H", 0);
    int m = Xm.m, n = Xm.n, k = ncols(W);
    if (nrows(W) != m || nrows(H) != k || ncols(H) != n)
        error(_("'W' and 'H' do not conform to 'X'"));
    nmf_opts o = { .method = asInteger(method), .maxit = 1, .eps = asReal(eps),
                   .inner_max = 1, .threads = 1 };   /* plain, no extrapolation */
    if (o.method < 0 || o.method > 3) error(_("'method' code out of range"));
    /* method = c(3, beta): the beta-divergence */
    o.beta = o.method == METHOD_KL ? 1.0 : 2.0;
    if (o.method == METHOD_BETA) {
        if (!isReal(method) || XLENGTH(method) != 2 || !R_FINITE(REAL(method)[1]))
            error(_("'method' must be c(3, beta) for the beta-divergence"));
        o.beta = REAL(method)[1];
    }
    if (pen != R_NilValue) {             /* list(l1 = c(W, H), l2 = c(W, H)) */
        if (TYPEOF(pen) != VECSXP) error(_("'pen' must be NULL or a named list"));
        nmf_read_penalties(pen, &o);
        if ((o.method == METHOD_KL || o.method == METHOD_BETA) &&
            (o.l2[0] != 0 || o.l2[1] != 0))
            error(_("'L2' is not supported by method \"kl\" or \"beta\" (L1 only)"));
    }
    xm_reserve(&Xm, k);
    SEXP Wn = PROTECT(duplicate(W)); nprot++;
    SEXP Hn = PROTECT(allocMatrix(REALSXP, k, n)); nprot++;
    double *Ht = (double *) scratch_alloc((size_t) n * k, sizeof(double));
    util_transpose(k, n, REAL(H), Ht);
    nmf_result res = { 0, 0, 0.0, NULL };
    nmf_solve(&Xm, k, REAL(Wn), Ht, &o, &res);
    util_transpose(n, k, Ht, REAL(Hn));
    const char *nm[] = {"W", "H", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, Wn);
    SET_VECTOR_ELT(ans, 1, Hn);
    UNPROTECT(nprot);
    return ans;
}
