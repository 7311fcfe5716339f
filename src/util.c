/*
 * util.c: small helpers shared by the .Call entry points.
 *
 *   util_check_matrix   the type check every entry point makes of its
 *                       matrix arguments (R validates their meaning)
 *   util_transpose      B (c x r) = A^T for A (r x c); the cascade keeps
 *                       G_i transposed (N x k) for the solvers and returns
 *                       it as k x N, and dependence.c and permute.c read
 *                       G the same way
 *   util_trace_put      store value i of a trace, doubling its R_alloc
 *                       storage when full (amortised O(1), at most twice
 *                       the iterations run)
 *   util_opt_*,         the one reader of the named option lists that R
 *   util_read_opts      builds (R's solver_opts()): the settings of
 *                       mlnmf_fit, mlnmf_project, mlnmf_finetune, the
 *                       penalties
 *   util_inv_scale      s = 1 / max(A) for a matrix with a normal largest
 *                       entry: every entry point works on s A (order one)
 *   util_normalize_cols scale the columns of a factor to unit l1, l2 or max
 *                       norm, returning the scales for its partner
 *   util_read_chain     the dimensions of a fit's chain F_1 ... F_L G_L
 */
#include "mlnmf.h"
#include <string.h>
#include <math.h>
#include <float.h>
#include <limits.h>

/* error unless A is a double matrix; index > 0 names it 'what[[index]]' */
void util_check_matrix(SEXP A, const char *what, int index)
{
    if (TYPEOF(A) == REALSXP && isMatrix(A)) return;
    if (index > 0) error(_("'%s[[%d]]' must be a double matrix"), what, index);
    error(_("'%s' must be a double matrix"), what);
}

void util_transpose(int r, int c, const double *A, double *B)
{
    for (int j = 0; j < c; j++)
        for (int i = 0; i < r; i++)
            B[j + (size_t) i * c] = A[i + (size_t) j * r];
}

/* the value of a switch of the test routines (mlnmf_set_blocked,
 * mlnmf_set_simd, mlnmf_set_arena): TRUE or FALSE, else an error */
int util_flag(SEXP flag)
{
    if (TYPEOF(flag) != LGLSXP || XLENGTH(flag) != 1 ||
        LOGICAL(flag)[0] == NA_LOGICAL)
        error(_("'flag' must be TRUE or FALSE"));
    return LOGICAL(flag)[0];
}

void util_trace_put(util_trace *t, size_t i, double x)
{
    if (i >= t->cap) {
        size_t cap = t->cap < 64 ? 64 : 2 * t->cap;
        if (cap <= i) cap = i + 1;
        double *v = (double *) scratch_alloc(cap, sizeof(double));
        if (t->len) memcpy(v, t->v, t->len * sizeof(double));
        t->v = v;
        t->cap = cap;
    }
    t->v[i] = x;
    if (i + 1 > t->len) t->len = i + 1;
}

/* The element 'name' of the named list opts, or NULL when absent. */
static SEXP opt_find(SEXP opts, const char *name)
{
    SEXP nms = getAttrib(opts, R_NamesSymbol);
    if (TYPEOF(opts) != VECSXP || TYPEOF(nms) != STRSXP)
        error(_("'opts' must be a named list"));
    for (R_xlen_t i = 0; i < XLENGTH(opts); i++)
        if (!strcmp(CHAR(STRING_ELT(nms, i)), name))
            return VECTOR_ELT(opts, i);
    return NULL;
}

static SEXP opt_need(SEXP opts, const char *name)
{
    SEXP v = opt_find(opts, name);
    if (v == NULL) error(_("internal error: option '%s' missing"), name);
    return v;
}

int util_opt_int(SEXP opts, const char *name)
{
    SEXP v = opt_need(opts, name);
    if (!isNumeric(v) && !isLogical(v))
        error(_("option '%s' must be numeric"), name);
    return asInteger(v);
}

double util_opt_real(SEXP opts, const char *name)
{
    SEXP v = opt_need(opts, name);
    if (!isNumeric(v)) error(_("option '%s' must be numeric"), name);
    return asReal(v);
}

/* An optional element: R_NilValue when absent. */
SEXP util_opt_sexp(SEXP opts, const char *name)
{
    SEXP v = opt_find(opts, name);
    return v == NULL ? R_NilValue : v;
}

/* An optional number: dflt when absent. */
double util_opt_real_or(SEXP opts, const char *name, double dflt)
{
    return opt_find(opts, name) == NULL ? dflt : util_opt_real(opts, name);
}

/* An optional pair of finite numbers >= 0 (out = 0, 0 when absent). */
void util_opt_pair(SEXP opts, const char *name, double *out)
{
    out[0] = out[1] = 0.0;
    SEXP v = opt_find(opts, name);
    if (v == NULL) return;
    if (TYPEOF(v) != REALSXP || XLENGTH(v) != 2)
        error(_("option '%s' must be two doubles"), name);
    for (int j = 0; j < 2; j++) {
        double x = REAL(v)[j];
        if (!R_FINITE(x) || x < 0)
            error(_("option '%s' must be finite and >= 0"), name);
        out[j] = x;
    }
}

/* the beta of METHOD_BETA: option "beta" if present and not NULL (else the
 * method's: 1 for "kl", 2 for the Frobenius solvers) */
static double opt_beta(SEXP opts, int method)
{
    double b = method == METHOD_KL ? 1.0 : 2.0;
    SEXP v = opt_find(opts, "beta");
    if (v != NULL && v != R_NilValue) {
        if (!isNumeric(v) || XLENGTH(v) != 1) error(_("option 'beta' must be a number"));
        b = asReal(v);
    }
    if (!R_FINITE(b)) error(_("option 'beta' must be finite"));
    return b;
}

/* The settings of a solver entry point (mlnmf_fit, mlnmf_project: full;
 * mlnmf_finetune: not full, without inner_alpha, extrapolation and
 * penalties), checked for range (R has checked their meaning). */
void util_read_opts(SEXP opts, nmf_opts *o, int full)
{
    if (TYPEOF(opts) != VECSXP) error(_("'opts' must be a list"));
    o->method = util_opt_int(opts, "method");
    o->maxit = util_opt_int(opts, "maxit");
    o->tol = util_opt_real(opts, "tol");
    o->eps = util_opt_real(opts, "eps");
    o->inner_max = util_opt_int(opts, "inner_max");
    o->inner_delta = util_opt_real(opts, "inner_delta");
    o->verbose = util_opt_int(opts, "verbose");
    o->threads = mlnmf_threads(util_opt_int(opts, "threads"));
    o->fix_w = 0;
    o->inner_alpha = full ? util_opt_real(opts, "inner_alpha") : 0.0;
    o->extrapolate = full ? util_opt_int(opts, "extrapolate") : 0;
    o->l1[0] = o->l1[1] = o->l2[0] = o->l2[1] = 0.0;
    if (full) nmf_read_penalties(opts, o);
    if (o->method < 0 || o->method > 3) error(_("'method' code out of range"));
    o->beta = opt_beta(opts, o->method);
    if ((o->method == METHOD_KL || o->method == METHOD_BETA) &&
        (o->l2[0] != 0 || o->l2[1] != 0))
        error(_("'L2' is not supported by method \"kl\" or \"beta\" (L1 only)"));
    if (o->maxit < 0 || o->maxit == INT_MAX) error(_("'maxit' out of range"));
    if (o->inner_max < 1) error(_("'inner_max' out of range"));
    if (!(o->eps > 0) || !R_FINITE(o->tol) || !R_FINITE(o->inner_delta))
        error(_("'eps', 'tol' and 'inner_delta' must be finite, 'eps' > 0"));
}

/* the optional penalties "l1", "l2" (W's, then Ht's) */
void nmf_read_penalties(SEXP opts, nmf_opts *o)
{
    util_opt_pair(opts, "l1", o->l1);
    util_opt_pair(opts, "l2", o->l2);
}

/* 1 / mx for the largest entry mx of the matrix 'what'.  An mx below the
 * smallest normal double (whose inverse would overflow) is an error naming
 * the matrix.  strict: so are mx = 0 ("no positive entry") and a
 * non-finite mx; otherwise mx = 0 (or NaN) gives 1, nothing to scale, and
 * an infinite mx gives 0 (the caller's check of its results reports it). */
double util_inv_scale(double mx, const char *what, int strict)
{
    if (strict && (ISNAN(mx) || !R_FINITE(mx)))
        error(_("'%s' cannot be rescaled: its largest entry is %g"), what, mx);
    if (!(mx > 0)) {
        if (!strict) return 1.0;
        error(_("'%s' has no positive entry"), what);
    }
    if (mx < DBL_MIN)
        error(_("'%s' is too small to rescale: its largest entry %g is below %g; multiply it by a constant"),
              what, mx, DBL_MIN);
    return 1.0 / mx;
}

/* Divide each column l of W (m x k) by its l1 (type 1), l2 (2) or max (3)
 * norm and set sc[l] to it; a column whose norm is 0 or not finite is left
 * and gets sc[l] = 1.  type 0: every sc[l] = 1.  The caller multiplies the
 * partner (a row of the next factor, a column of Ht) by sc[l], which
 * leaves the product unchanged. */
void util_normalize_cols(int m, int k, double *W, int type, double *sc)
{
    for (int l = 0; l < k; l++) {
        double *w = W + (size_t) l * m, c = 0.0;
        sc[l] = 1.0;
        if (type == 0) continue;
        for (int i = 0; i < m; i++) {
            if (type == 1) c += w[i];
            else if (type == 2) c += w[i] * w[i];
            else if (w[i] > c) c = w[i];
        }
        if (type == 2) c = sqrt(c);
        if (!(c > 0) || !R_FINITE(c)) continue;
        for (int i = 0; i < m; i++) w[i] /= c;
        sc[l] = c;
    }
}

/* The chain of a fit, F (a list of L double matrices, F[[1]] d x k_1,
 * F[[i]] k_{i-1} x k_i) and G (k_L x N): rk[0..L] = (d, k_1, ..., k_L)
 * (R_alloc), each checked to conform; Fp (L pointers, or NULL) receives
 * the matrices' entries. */
int *util_read_chain(SEXP Fl, SEXP G, int d, int N, int L, const double **Fp)
{
    int *rk = (int *) scratch_alloc((size_t) L + 1, sizeof(int));
    rk[0] = d;
    for (int i = 0; i < L; i++) {
        SEXP Fi = VECTOR_ELT(Fl, i);
        util_check_matrix(Fi, "F", i + 1);
        if (nrows(Fi) != rk[i])
            error(_("'F[[%d]]' has %d rows, the chain needs %d"), i + 1,
                  nrows(Fi), rk[i]);
        rk[i + 1] = ncols(Fi);
        if (rk[i + 1] < 1) error(_("'F[[%d]]' has no columns"), i + 1);
        if (Fp) Fp[i] = REAL(Fi);
    }
    if (nrows(G) != rk[L] || ncols(G) != N)
        error(_("'G' must be %d x %d"), rk[L], N);
    return rk;
}
