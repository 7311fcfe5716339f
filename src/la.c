/*
 * la.c: every BLAS and LAPACK call of the package, so that the FCONE
 * counts, the int-size checks and the LAPACK info checks live in one place.
 */
#include "mlnmf.h"
#include <limits.h>
#include <math.h>
#include <string.h>

/* A size that BLAS receives as int: error if it does not fit. */
int la_int(size_t n, const char *what)
{
    if (n > (size_t) INT_MAX)
        error(_("'%s' is too large for BLAS (%.0f > %d)"), what, (double) n,
              INT_MAX);
    return (int) n;
}

void la_gemm(const char *ta, const char *tb, int m, int n, int k,
             double alpha, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc)
{
    if (m == 0 || n == 0) return;
    if (k == 0) {
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
                C[i + (size_t) j * ldc] *= beta;
        return;
    }
    F77_CALL(dgemm)(ta, tb, &m, &n, &k, &alpha, A, &lda, B, &ldb, &beta,
                    C, &ldc FCONE FCONE);
}

/* entries of A up to which la_crossprod uses its own kernel */
#define LA_GRAM_OWN ((size_t) 1 << 16)

void la_crossprod(int m, int n, const double *A, double *C)
{
    double one = 1.0, zero = 0.0;
    if (n == 0) return;
    if (m == 0) {
        for (size_t i = 0; i < (size_t) n * n; i++) C[i] = 0.0;
        return;
    }
    /* a thin A: xops_sweep.c's kernel (a BLAS's dsyrk packs it call by
     * call, at a cost above the arithmetic: the deep layers' Grams, 1000 x
     * 10; R's reference BLAS runs it in scalar loops), over blocks of rows
     * that fit in the second-level cache, added in row order (the same sum
     * whatever the caller's threads) */
    if (n <= KL_SIMD_KMAX && kl_simd_enabled()) {
        int rows = (int) (LA_GRAM_OWN / (size_t) n);
        for (int r0 = 0; r0 < m; r0 += rows) {
            int rb = m - r0 < rows ? m - r0 : rows;
            gram_cols_simd(A + r0, (size_t) m, rb, n, C, r0 > 0);
        }
        return;
    }
    F77_CALL(dsyrk)("U", "T", &n, &m, &one, A, &m, &zero, C, &n FCONE FCONE);
    for (int j = 0; j < n; j++)
        for (int i = j + 1; i < n; i++)
            C[i + (size_t) j * n] = C[j + (size_t) i * n];
}

void la_svd_thin(int m, int n, double *A, double *s, double *U, double *Vt)
{
    int mn = m < n ? m : n, info = 0, lwork = -1;
    double wq;
    int *iwork = (int *) scratch_alloc((size_t) 8 * mn, sizeof(int));
    F77_CALL(dgesdd)("S", &m, &n, A, &m, s, U, &m, Vt, &mn, &wq, &lwork,
                     iwork, &info FCONE);
    if (info != 0)
        error(_("LAPACK dgesdd workspace query failed (info = %d)"), info);
    lwork = (int) wq;
    double *work = (double *) scratch_alloc((size_t) lwork, sizeof(double));
    F77_CALL(dgesdd)("S", &m, &n, A, &m, s, U, &m, Vt, &mn, work, &lwork,
                     iwork, &info FCONE);
    if (info != 0)
        error(_("LAPACK dgesdd failed to converge (info = %d)"), info);
}

/* The k largest eigenvalues of the symmetric n x n A (upper triangle
 * read; A is overwritten), in decreasing order in ev, and their
 * eigenvectors in the columns of Z (n x k): LAPACK dsyevr for those k
 * alone (a tridiagonal reduction, then k eigenpairs), where a full SVD
 * of A (dgesdd) computed all n of both sides: NNDSVD's Gram path, whose
 * 38 x 38 SVD took a fifth of a small fit with the reference BLAS. */
void la_sym_top(int n, int k, double *A, double *ev, double *Z)
{
    if (n == 0 || k == 0) return;
    int il = n - k + 1, iu = n, m = 0, info = 0, lwork = -1, liwork = -1, iwq;
    double vl = 0.0, vu = 0.0, abstol = 0.0, wq;
    double *w = (double *) scratch_alloc((size_t) n, sizeof(double));
    int *isuppz = (int *) scratch_alloc(2 * (size_t) k, sizeof(int));
    F77_CALL(dsyevr)("V", "I", "U", &n, A, &n, &vl, &vu, &il, &iu, &abstol, &m,
                     w, Z, &n, isuppz, &wq, &lwork, &iwq, &liwork, &info
                     FCONE FCONE FCONE);
    if (info != 0)
        error(_("LAPACK dsyevr workspace query failed (info = %d)"), info);
    lwork = (int) wq;
    liwork = iwq;
    double *work = (double *) scratch_alloc((size_t) lwork, sizeof(double));
    int *iwork = (int *) scratch_alloc((size_t) liwork, sizeof(int));
    F77_CALL(dsyevr)("V", "I", "U", &n, A, &n, &vl, &vu, &il, &iu, &abstol, &m,
                     w, Z, &n, isuppz, work, &lwork, iwork, &liwork, &info
                     FCONE FCONE FCONE);
    if (info != 0 || m != k)
        error(_("LAPACK dsyevr failed (info = %d, %d of %d eigenvalues)"), info, m, k);
    /* ascending from dsyevr: reverse the order */
    for (int j = 0; j < k / 2; j++) {
        int r = k - 1 - j;
        double t = w[j]; w[j] = w[r]; w[r] = t;
        double *a = Z + (size_t) j * n, *b = Z + (size_t) r * n;
        for (int i = 0; i < n; i++) { t = a[i]; a[i] = b[i]; b[i] = t; }
    }
    for (int j = 0; j < k; j++) ev[j] = w[j];
}

void la_orthonormalize(int m, int n, double *A)
{
    int info = 0, lwork = -1;
    double wq, wq2;
    double *tau = (double *) scratch_alloc((size_t) n, sizeof(double));
    F77_CALL(dgeqrf)(&m, &n, A, &m, tau, &wq, &lwork, &info);
    if (info != 0) error(_("LAPACK dgeqrf workspace query failed (info = %d)"), info);
    F77_CALL(dorgqr)(&m, &n, &n, A, &m, tau, &wq2, &lwork, &info);
    if (info != 0) error(_("LAPACK dorgqr workspace query failed (info = %d)"), info);
    lwork = (int) (wq > wq2 ? wq : wq2);
    double *work = (double *) scratch_alloc((size_t) lwork, sizeof(double));
    F77_CALL(dgeqrf)(&m, &n, A, &m, tau, work, &lwork, &info);
    if (info != 0) error(_("LAPACK dgeqrf failed (info = %d)"), info);
    F77_CALL(dorgqr)(&m, &n, &n, A, &m, tau, work, &lwork, &info);
    if (info != 0) error(_("LAPACK dorgqr failed (info = %d)"), info);
}

/* Four partial sums: one running sum waits on each addition in turn (the
 * objective's <C, Ht> of a 1000 x 10 layer took 3% of a deep fit so) */
double la_dot(size_t n, const double *x, const double *y)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++) s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
}

double la_sumsq(size_t n, const double *x)
{
    return la_dot(n, x, x);
}

/* y (m) = A x, A an m x n block of a matrix with leading dimension lda */
void la_gemv(int m, int n, const double *A, int lda, const double *x, double *y)
{
    double one = 1.0, zero = 0.0;
    int inc = 1;
    if (m == 0) return;
    if (n == 0) {
        for (int i = 0; i < m; i++) y[i] = 0.0;
        return;
    }
    F77_CALL(dgemv)("N", &m, &n, &one, A, &lda, x, &inc, &zero, y, &inc FCONE);
}

/* Cholesky factor R (upper, k x k) of the symmetric B = R^T R and the
 * reciprocal condition number of B in the 1-norm (dpocon); work holds 4k
 * doubles.  Returns the rcond estimate, or 0 when B is not positive
 * definite. */
double la_chol_rcond(int k, const double *B, double *R, double *work)
{
    int info = 0;
    double anorm = 0.0, rcond = 0.0;
    if (k == 0) return 0.0;
    for (int j = 0; j < k; j++) {
        double s = 0.0;
        for (int i = 0; i < k; i++) s += fabs(B[i + (size_t) j * k]);
        if (s > anorm) anorm = s;
    }
    memcpy(R, B, (size_t) k * k * sizeof(double));
    F77_CALL(dpotrf)("U", &k, R, &k, &info FCONE);
    if (info != 0) return 0.0;
    F77_CALL(dpocon)("U", &k, R, &k, &anorm, &rcond, work, (int *) (work + 3 * (size_t) k),
                     &info FCONE);
    return info == 0 ? rcond : 0.0;
}

/* Binv (k x k) = B^{-1} with B = R^T R, R from la_chol_rcond (dpotri,
 * both triangles filled). */
void la_chol_inverse(int k, const double *R, double *Binv)
{
    int info = 0;
    if (k == 0) return;
    memcpy(Binv, R, (size_t) k * k * sizeof(double));
    F77_CALL(dpotri)("U", &k, Binv, &k, &info FCONE);
    if (info != 0) error(_("LAPACK dpotri failed (info = %d)"), info);
    for (int j = 0; j < k; j++)
        for (int i = j + 1; i < k; i++)
            Binv[i + (size_t) j * k] = Binv[j + (size_t) i * k];
}

/* X (m x k) <- X B^{-1} with B = R^T R, R from la_chol_rcond. */
void la_solve_right_chol(int m, int k, const double *R, double *X)
{
    double one = 1.0;
    if (m == 0 || k == 0) return;
    F77_CALL(dtrsm)("R", "U", "N", "N", &m, &k, &one, R, &k, X, &m
                    FCONE FCONE FCONE FCONE);
    F77_CALL(dtrsm)("R", "U", "T", "N", &m, &k, &one, R, &k, X, &m
                    FCONE FCONE FCONE FCONE);
}
