/*
 * cascade.c: the multilayer cascade and the other solver entry points.
 *
 * mlnmf_fit:      X (d x N) ~ F1 G1, G1 ~ F2 G2, ..., G_{L-1} ~ FL GL.
 *   Layer i factorizes G_{i-1} (G_0 = X), scaled by 1 / max(G_{i-1}) so
 *   every solver sees data of order one; the scale is moved back into G_i.
 *   G_i is kept transposed (N x k_i) and fed to layer i + 1 as a
 *   transposed dense xmat, so no layer input is copied.  With normalize,
 *   each F_i is rescaled (columns summing to one, unit Euclidean norm, or
 *   unit maximum) and the scale moved into G_i, which leaves F_i G_i
 *   unchanged.  After each layer the exact relative error
 *   ||X - F1 ... Fi G_i||_F / ||X||_F is computed in one blockwise pass.
 * mlnmf_project:  new columns through the layers with every F fixed.
 * mlnmf_step:     one outer iteration from given factors, unscaled (tests).
 */
#include "mlnmf.h"
#include <math.h>
#include <float.h>
#include <limits.h>

static SEXP getopt(SEXP opts, const char *name)
{
    SEXP nms = getAttrib(opts, R_NamesSymbol);
    if (TYPEOF(nms) != STRSXP) error(_("'opts' must be a named list"));
    for (R_xlen_t i = 0; i < XLENGTH(opts); i++)
        if (!strcmp(CHAR(STRING_ELT(nms, i)), name))
            return VECTOR_ELT(opts, i);
    error(_("internal error: option '%s' missing"), name);
    return R_NilValue;
}

static int opt_int(SEXP opts, const char *name)
{
    SEXP v = getopt(opts, name);
    if (!isNumeric(v) && !isLogical(v)) error(_("option '%s' must be numeric"), name);
    return asInteger(v);
}

static double opt_real(SEXP opts, const char *name)
{
    SEXP v = getopt(opts, name);
    if (!isNumeric(v)) error(_("option '%s' must be numeric"), name);
    return asReal(v);
}

static void read_opts(SEXP opts, nmf_opts *o)
{
    if (TYPEOF(opts) != VECSXP) error(_("'opts' must be a list"));
    o->method = opt_int(opts, "method");
    o->maxit = opt_int(opts, "maxit");
    o->tol = opt_real(opts, "tol");
    o->eps = opt_real(opts, "eps");
    o->inner_max = opt_int(opts, "inner_max");
    o->inner_alpha = opt_real(opts, "inner_alpha");
    o->inner_delta = opt_real(opts, "inner_delta");
    o->extrapolate = opt_int(opts, "extrapolate");
    o->verbose = opt_int(opts, "verbose");
    o->threads = opt_int(opts, "threads");
    if (o->threads < 1) o->threads = 1;
    o->fix_w = 0;
    if (o->method < 0 || o->method > 2) error(_("'method' code out of range"));
    if (o->maxit < 0 || o->maxit == INT_MAX || o->inner_max < 1)
        error(_("'maxit' out of range"));
}

static void check_matrix(SEXP X, const char *what)
{
    if (TYPEOF(X) != REALSXP || !isMatrix(X))
        error(_("'%s' must be a double matrix"), what);
}

/* Scale the columns of W (m x k) to the chosen norm; Ht gets the inverse. */
static void normalize_cols(int m, int n, int k, double *W, double *Ht, int type)
{
    if (type == 0) return;
    for (int l = 0; l < k; l++) {
        double *w = W + (size_t) l * m, *h = Ht + (size_t) l * n, c = 0.0;
        for (int i = 0; i < m; i++) {
            if (type == 1) c += w[i];
            else if (type == 2) c += w[i] * w[i];
            else if (w[i] > c) c = w[i];
        }
        if (type == 2) c = sqrt(c);
        if (!(c > 0) || !R_FINITE(c)) continue;
        for (int i = 0; i < m; i++) w[i] /= c;
        for (int i = 0; i < n; i++) h[i] *= c;
    }
}

static void transpose(int r, int c, const double *A, double *B)
{
    for (int j = 0; j < c; j++)
        for (int i = 0; i < r; i++)
            B[j + (size_t) i * c] = A[i + (size_t) j * r];
}

/* 1 / max of a layer input; its largest entry must be a normal double. */
static double inv_scale(double mx, const char *what)
{
    if (!(mx > 0)) return 1.0;
    if (mx < DBL_MIN)
        error(_("'%s' is too small to rescale: its largest entry %g is below %g; multiply it by a constant"),
              what, mx, DBL_MIN);
    return 1.0 / mx;
}

static void check_finite(size_t len, const double *x, int layer)
{
    for (size_t i = 0; i < len; i++)
        if (!R_FINITE(x[i]))
            error(_("layer %d produced a non-finite value: the data are out of the range this solver can represent"), layer);
}

SEXP mlnmf_fit(SEXP X, SEXP ranks, SEXP opts, SEXP Finit, SEXP Ginit,
               SEXP mask)
{
    int nprot = 0;
    xmat X1, Xi;
    xm_from_sexp(&X1, X, mask, "X");
    if (TYPEOF(ranks) != INTSXP || XLENGTH(ranks) < 1)
        error(_("'rank' must be a non-empty integer vector"));
    nmf_opts o;
    read_opts(opts, &o);
    int init = opt_int(opts, "init"), norm = opt_int(opts, "normalize");
    int keep_trace = opt_int(opts, "trace"), progress = opt_int(opts, "progress");
    int L = (int) XLENGTH(ranks);
    int d = X1.m, N = X1.n;
    const int *rk = INTEGER(ranks);
    if (init == INIT_GIVEN &&
        (TYPEOF(Finit) != VECSXP || TYPEOF(Ginit) != VECSXP ||
         XLENGTH(Finit) < 1 || XLENGTH(Ginit) != XLENGTH(Finit) ||
         XLENGTH(Finit) > L))
        error(_("'init' must give lists 'F' and 'G' of equal length"));

    SEXP Fl = PROTECT(allocVector(VECSXP, L)); nprot++;
    SEXP Gl = PROTECT(allocVector(VECSXP, L)); nprot++;
    SEXP Tl = PROTECT(allocVector(VECSXP, L)); nprot++;
    SEXP iters = PROTECT(allocVector(INTSXP, L)); nprot++;
    SEXP conv = PROTECT(allocVector(LGLSXP, L)); nprot++;
    SEXP errs = PROTECT(allocVector(REALSXP, L)); nprot++;
    SEXP objs = PROTECT(allocVector(REALSXP, L)); nprot++;

    double xmax = xm_max(&X1);
    if (!(xmax > 0)) error(_("'X' has no positive entry"));
    X1.scale = inv_scale(xmax, "X");
    X1.threads = o.threads;
    double xn2 = xm_sumsq(&X1);
    xm_reserve(&X1, rk[0] + 10);    /* the solvers' k, NNDSVD's k + 10 */
    double *work1 = (double *) R_alloc(xm_work_size(&X1, rk[0]), sizeof(double));
    double *P = NULL;                 /* F1 ... Fi, d x k_i */
    const double *prevHt = NULL;
    int prevk = d;

    GetRNGstate();
    for (int i = 0; i < L; i++) {
        R_CheckUserInterrupt();
        int k = rk[i], m = (i == 0) ? d : prevk;
        if (k < 1 || k > m || k > N) error(_("'rank' %d of layer %d is out of range"), k, i + 1);
        if (i == 0) {
            Xi = X1;
        } else {
            xm_dense(&Xi, prevHt, m, N, 1);
            Xi.threads = o.threads;
            double mx = xm_max(&Xi);
            Xi.scale = inv_scale(mx, "G");
        }
        SEXP Fi = PROTECT(allocMatrix(REALSXP, m, k));
        SET_VECTOR_ELT(Fl, i, Fi);
        UNPROTECT(1);
        double *W = REAL(Fi);
        double *Ht = (double *) R_alloc((size_t) N * k, sizeof(double));
        if (init == INIT_GIVEN && i < XLENGTH(Finit)) {
            SEXP F0 = VECTOR_ELT(Finit, i), G0 = VECTOR_ELT(Ginit, i);
            check_matrix(F0, "init$F");
            check_matrix(G0, "init$G");
            if (nrows(F0) != m || ncols(F0) != k || nrows(G0) != k || ncols(G0) != N)
                error(_("'init' factors of layer %d have the wrong dimensions"), i + 1);
            for (size_t j = 0; j < (size_t) m * k; j++) {
                double v = REAL(F0)[j];
                W[j] = v > o.eps ? v : o.eps;
            }
            transpose(k, N, REAL(G0), Ht);
            for (size_t j = 0; j < (size_t) N * k; j++) {
                double v = Ht[j] * Xi.scale;
                Ht[j] = v > o.eps ? v : o.eps;
            }
        } else {
            nndsvd_init(&Xi, k, init == INIT_GIVEN ? INIT_NNDSVD : init, o.eps, W, Ht);
        }
        SEXP tr = PROTECT(allocVector(REALSXP, keep_trace ? o.maxit + 1 : 0));
        SET_VECTOR_ELT(Tl, i, tr);
        UNPROTECT(1);
        nmf_result res = { 0, 0, 0.0, keep_trace ? REAL(tr) : NULL };
        nmf_solve(&Xi, k, W, Ht, &o, &res);
        if (keep_trace) SET_VECTOR_ELT(Tl, i, lengthgets(tr, res.iter + 1));

        double inv = 1.0 / Xi.scale;
        for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] *= inv;
        normalize_cols(m, N, k, W, Ht, norm);
        check_finite((size_t) m * k, W, i + 1);
        check_finite((size_t) N * k, Ht, i + 1);

        double *Pn = (double *) R_alloc((size_t) d * k, sizeof(double));
        if (i == 0) for (size_t j = 0; j < (size_t) d * k; j++) Pn[j] = W[j] * X1.scale;
        else la_gemm("N", "N", d, k, m, 1.0, P, d, W, m, 0.0, Pn, d);
        P = Pn;
        double e2 = xm_resid_sumsq(&X1, P, Ht, k, work1);
        REAL(errs)[i] = sqrt(e2 / xn2);
        INTEGER(iters)[i] = res.iter;
        LOGICAL(conv)[i] = res.converged;
        REAL(objs)[i] = res.obj;

        SEXP Gi = PROTECT(allocMatrix(REALSXP, k, N));
        SET_VECTOR_ELT(Gl, i, Gi);
        UNPROTECT(1);
        transpose(N, k, Ht, REAL(Gi));
        prevHt = Ht;
        prevk = k;
        if (o.verbose)
            Rprintf("layer %d/%d: rank %d, %d iterations%s, relative error %.4g\n",
                    i + 1, L, k, res.iter, res.converged ? "" : " (not converged)",
                    REAL(errs)[i]);
        else if (progress) {
            int w = 40, done = (int) ((double) w * (i + 1) / L);
            Rprintf("\r  |");
            for (int b = 0; b < w; b++) Rprintf(b < done ? "=" : " ");
            Rprintf("| %3d%%", (int) (100.0 * (i + 1) / L));
            if (i == L - 1) Rprintf("\n");
            R_FlushConsole();
        }
    }
    PutRNGstate();

    const char *nm[] = {"F", "G", "iter", "converged", "error", "objective", "trace", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, Fl);
    SET_VECTOR_ELT(ans, 1, Gl);
    SET_VECTOR_ELT(ans, 2, iters);
    SET_VECTOR_ELT(ans, 3, conv);
    SET_VECTOR_ELT(ans, 4, errs);
    SET_VECTOR_ELT(ans, 5, objs);
    SET_VECTOR_ELT(ans, 6, Tl);
    UNPROTECT(nprot);
    return ans;
}

SEXP mlnmf_project(SEXP X, SEXP Flist, SEXP opts, SEXP mask)
{
    int nprot = 0;
    xmat Xi;
    xm_from_sexp(&Xi, X, mask, "newdata");
    if (TYPEOF(Flist) != VECSXP || XLENGTH(Flist) < 1) error(_("'F' must be a non-empty list"));
    nmf_opts o;
    read_opts(opts, &o);
    o.fix_w = 1;
    if (o.method == METHOD_MU) o.method = METHOD_HALS;  /* same loss, faster */
    int L = (int) XLENGTH(Flist);
    int m = Xi.m, N = Xi.n;
    const double *prevHt = NULL;
    double *Ht = NULL;
    int k = 0;
    for (int i = 0; i < L; i++) {
        SEXP F = VECTOR_ELT(Flist, i);
        check_matrix(F, "F");
        if (nrows(F) != m) error(_("layer %d: 'F' has %d rows, the input has %d"), i + 1, nrows(F), m);
        k = ncols(F);
        if (i > 0) xm_dense(&Xi, prevHt, m, N, 1);
        else xm_reserve(&Xi, k);
        Xi.threads = o.threads;
        double mx = xm_max(&Xi);
        Xi.scale = inv_scale(mx, "newdata");
        double *W = (double *) R_alloc((size_t) m * k, sizeof(double));
        for (size_t j = 0; j < (size_t) m * k; j++) W[j] = REAL(F)[j] > o.eps ? REAL(F)[j] : o.eps;
        Ht = (double *) R_alloc((size_t) N * k, sizeof(double));
        /* start: the mean column scale, then coordinate descent */
        double avg = xm_sum(&Xi) / xm_nobs(&Xi), ws = 0.0;
        for (size_t j = 0; j < (size_t) m * k; j++) ws += W[j];
        double h0 = ws > 0 ? avg * m / ws : 1.0;
        if (!(h0 > o.eps)) h0 = o.eps;
        for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] = h0;
        nmf_result res = { 0, 0, 0.0, NULL };
        if (mx > 0) nmf_solve(&Xi, k, W, Ht, &o, &res);
        else for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] = 0.0;
        double inv = 1.0 / Xi.scale;
        for (size_t j = 0; j < (size_t) N * k; j++) Ht[j] *= inv;
        prevHt = Ht;
        m = k;
    }
    SEXP G = PROTECT(allocMatrix(REALSXP, k, N)); nprot++;
    transpose(N, k, Ht, REAL(G));
    UNPROTECT(nprot);
    return G;
}

SEXP mlnmf_step(SEXP X, SEXP W, SEXP H, SEXP method, SEXP eps, SEXP mask)
{
    int nprot = 0;
    xmat Xm;
    xm_from_sexp(&Xm, X, mask, "X");
    check_matrix(W, "W");
    check_matrix(H, "H");
    int m = Xm.m, n = Xm.n, k = ncols(W);
    if (nrows(W) != m || nrows(H) != k || ncols(H) != n)
        error(_("'W' and 'H' do not conform to 'X'"));
    nmf_opts o = { .method = asInteger(method), .maxit = 1, .eps = asReal(eps),
                   .inner_max = 1, .threads = 1 };   /* plain, no extrapolation */
    if (o.method < 0 || o.method > 2) error(_("'method' code out of range"));
    xm_reserve(&Xm, k);
    SEXP Wn = PROTECT(duplicate(W)); nprot++;
    SEXP Hn = PROTECT(allocMatrix(REALSXP, k, n)); nprot++;
    double *Ht = (double *) R_alloc((size_t) n * k, sizeof(double));
    transpose(k, n, REAL(H), Ht);
    nmf_result res = { 0, 0, 0.0, NULL };
    nmf_solve(&Xm, k, REAL(Wn), Ht, &o, &res);
    transpose(n, k, Ht, REAL(Hn));
    const char *nm[] = {"W", "H", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, Wn);
    SET_VECTOR_ELT(ans, 1, Hn);
    UNPROTECT(nprot);
    return ans;
}
