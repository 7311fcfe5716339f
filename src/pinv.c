/*
 * pinv.c: the Moore-Penrose inverse through the thin SVD (LAPACK dgesdd).
 *
 *   A (m x n) = U S V^T,   A^+ (n x m) = V_r S_r^{-1} U_r^T,
 *
 * where r counts the singular values s_j > tol (the numerical rank) and
 * the default tol (tol < 0) is max(m, n) * DBL_EPSILON * s_1.  A singular
 * value whose reciprocal overflows is also treated as zero.
 *
 * The SVD is of A / c with c = max |a_ij|, and A^+ = (A / c)^+ / c: the
 * entries of A may be anywhere in the range of doubles (1e308 would
 * overflow the singular values, 1e-310 their reciprocals) and the answer
 * is still exact to rounding whenever it is representable.
 *
 * pinv_work is the pure-C worker (dependence.c reuses it); mlnmf_pinv is
 * the .Call entry.  The input is copied before dgesdd overwrites it.
 */
#include "mlnmf.h"
#include <float.h>
#include <math.h>

/* Default tolerance for a matrix with dimensions m x n and largest
 * singular value smax. */
double pinv_default_tol(int m, int n, double smax)
{
    return (double) (m > n ? m : n) * DBL_EPSILON * smax;
}

/*
 * A (m x n, column-major, not modified, finite) -> out (n x m) = A^+.
 * tol < 0 selects the default.  s, if not NULL, receives the min(m, n)
 * singular values in decreasing order.  Returns the numerical rank, or -1
 * when A has a non-finite entry (out is then zero).  Entries of out beyond
 * the largest double are Inf: the caller checks.  Workspace from R_alloc.
 */
int pinv_work(int m, int n, const double *A, double tol, double *out,
              double *s)
{
    size_t len = (size_t) m * n;
    int mn = m < n ? m : n, r = 0;
    double c = 0.0;
    for (size_t i = 0; i < len; i++) {
        out[i] = 0.0;
        if (!R_FINITE(A[i])) return -1;
        if (fabs(A[i]) > c) c = fabs(A[i]);
    }
    if (mn == 0) return 0;
    if (c == 0.0) {
        if (s) for (int j = 0; j < mn; j++) s[j] = 0.0;
        return 0;
    }

    double *a = (double *) scratch_alloc(len, sizeof(double));
    double *sv = s ? s : (double *) scratch_alloc((size_t) mn, sizeof(double));
    double *U = (double *) scratch_alloc((size_t) m * mn, sizeof(double));
    double *Vt = (double *) scratch_alloc((size_t) mn * n, sizeof(double));
    for (size_t i = 0; i < len; i++) a[i] = A[i] / c;
    la_svd_thin(m, n, a, sv, U, Vt);

    /* sv are the singular values of A / c: the tolerance is scaled alike */
    double tl = tol < 0 ? pinv_default_tol(m, n, sv[0]) : tol / c;
    while (r < mn && sv[r] > tl && R_FINITE(1.0 / sv[r])) r++;
    if (r > 0) {
        /* rows j < r of Vt scaled by 1 / s_j; out = Vt_r^T U_r^T / c */
        for (int col = 0; col < n; col++)
            for (int j = 0; j < r; j++)
                Vt[j + (size_t) col * mn] /= sv[j];
        la_gemm("T", "T", n, m, r, 1.0, Vt, mn, U, m, 0.0, out, n);
        for (size_t i = 0; i < len; i++) out[i] /= c;
    }
    if (s) for (int j = 0; j < mn; j++) s[j] = sv[j] * c;
    return r;
}

/* .Call entry: A (double matrix m x n), tol (double, < 0 for the default)
 * -> A^+ (n x m). */
SEXP mlnmf_pinv(SEXP A, SEXP tol)
{
    int nprot = 0;
    util_check_matrix(A, "A", 0);
    if (TYPEOF(tol) != REALSXP || XLENGTH(tol) != 1)
        error(_("'tol' must be a single double"));
    SEXP dim = getAttrib(A, R_DimSymbol);
    int m = INTEGER(dim)[0], n = INTEGER(dim)[1];
    la_int((size_t) m * n, "A");
    SEXP ans = PROTECT(allocMatrix(REALSXP, n, m)); nprot++;
    if (pinv_work(m, n, REAL(A), REAL(tol)[0], REAL(ans), NULL) < 0)
        error(_("'A' must be finite: it has NA, NaN or infinite entries"));
    double *o = REAL(ans);
    for (size_t i = 0; i < (size_t) m * n; i++)
        if (!R_FINITE(o[i]))
            error(_("the pseudoinverse of 'A' has entries beyond the largest double: 'A' is too small (pinv(c * A) = pinv(A) / c for a constant c > 0)"));
    UNPROTECT(nprot);
    return ans;
}
