/*
 * xops.c: the only code that reads the data matrix X.
 *
 * A solver sees X through an xmat: its dimensions, its storage and a scale
 * s, and every result is for s * X.  The cascade sets s = 1 / max(X) so all
 * solvers work on data of order one whatever the units (1e-150 or 1e150),
 * without a copy of X.  A dense X may be stored transposed (trans = 1): the
 * cascade feeds each layer's G_{i-1}, held as its transpose (N x k), to the
 * next layer this way.  Sparse input later adds a kind here and nothing else.
 *
 * Products (BLAS-3):  xm_prod   X B      (m x k), B n x k
 *                     xm_tprod  X^T A    (n x k), A m x k
 * Blockwise passes over columns, O(m * block) scratch:
 *   xm_resid_sumsq   || sX - W Ht^T ||_F^2 exactly (no cancellation)
 *   xm_kl            R = sX ./ (W Ht^T), D(sX || W Ht^T), and R Ht or R^T W
 */
#include "mlnmf.h"
#include <math.h>

#define XM_BLOCK_ELEMS ((size_t) 1 << 17)

void xm_dense(xmat *X, const double *x, int m, int n, int trans)
{
    X->kind = XM_DENSE;
    X->m = m;
    X->n = n;
    X->trans = trans;
    X->x = x;
    X->scale = 1.0;
    X->threads = 1;
    X->tbuf = NULL;
    X->tbuf_len = 0;
}

/* Blocked products (xm_prod, xm_tprod) for X of at least XM_PROD_MIN
 * entries (1 MiB): smaller X stays in cache anyway, and the many small
 * calls cost more than they save (a 10 x 1000 layer ran 30% slower). */
#define XM_PROD_COLS 64
#define XM_PROD_MIN ((size_t) 1 << 17)
static size_t xm_tbuf_need(const xmat *X, int k)
{
    return (size_t) k * ((size_t) X->m + XM_PROD_COLS);
}

void xm_reserve(xmat *X, int k)
{
    if (X->trans || k < 1) return;
    size_t need = xm_tbuf_need(X, k);
    if (X->tbuf_len >= need) return;
    X->tbuf = (double *) R_alloc(need, sizeof(double));
    X->tbuf_len = need;
}

static inline double xm_at(const xmat *X, size_t i, size_t j)
{
    return X->trans ? X->x[j + i * (size_t) X->n] : X->x[i + j * (size_t) X->m];
}

double xm_max(const xmat *X)
{
    size_t len = (size_t) X->m * X->n;
    double mx = 0.0;
    for (size_t i = 0; i < len; i++)
        if (X->x[i] > mx) mx = X->x[i];
    return mx;
}

double xm_sumsq(const xmat *X)
{
    size_t len = (size_t) X->m * X->n;
    double s = 0.0, sc = X->scale;
    for (size_t i = 0; i < len; i++) {
        double v = sc * X->x[i];
        s += v * v;
    }
    return s;
}

double xm_sum(const xmat *X)
{
    size_t len = (size_t) X->m * X->n;
    double s = 0.0;
    for (size_t i = 0; i < len; i++) s += X->x[i];
    return X->scale * s;
}

/* X^T A.  With scratch from xm_reserve it is computed as (A^T X)^T, an
 * "N", "N" product over blocks of XM_PROD_COLS columns of X whose k x 64
 * results are transposed into out: R's reference BLAS makes "T", "N" from
 * single-accumulator dot products, and this form was 1.5-2x faster with it
 * on 3000 x 2000, k = 20, and as fast with OpenBLAS (bench/README.md). */
void xm_tprod(const xmat *X, const double *A, int k, double *out)
{
    int m = X->m, n = X->n;
    if (X->trans) {
        la_gemm("N", "N", n, k, m, X->scale, X->x, n, A, m, 0.0, out, n);
        return;
    }
    if (X->tbuf_len < xm_tbuf_need(X, k) || (size_t) m * n < XM_PROD_MIN ||
        k == 0) {
        la_gemm("T", "N", n, k, m, X->scale, X->x, m, A, m, 0.0, out, n);
        return;
    }
    double *At = X->tbuf, *T = X->tbuf + (size_t) k * m;
    for (int j = 0; j < k; j++)
        for (int r = 0; r < m; r++) At[j + (size_t) r * k] = A[r + (size_t) j * m];
    for (int c0 = 0; c0 < n; c0 += XM_PROD_COLS) {
        int nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
        la_gemm("N", "N", k, nb, m, X->scale, At, k, X->x + (size_t) c0 * m, m,
                0.0, T, k);
        for (int j = 0; j < k; j++)
            for (int c = 0; c < nb; c++)
                out[c0 + c + (size_t) j * n] = T[j + (size_t) c * k];
    }
}

/* X B over blocks of XM_PROD_COLS columns of X, accumulated into out: a
 * BLAS that does not block for the cache itself (R's reference BLAS) then
 * re-reads each block of X from cache for the k columns of B instead of
 * streaming all of X from memory k times; the product was 1.8x faster with
 * the reference BLAS on 3000 x 2000, k = 20, and no slower with OpenBLAS
 * (bench/README.md). */
void xm_prod(const xmat *X, const double *B, int k, double *out)
{
    if (X->trans) {
        la_gemm("T", "N", X->m, k, X->n, X->scale, X->x, X->n, B, X->n,
                0.0, out, X->m);
        return;
    }
    int m = X->m, n = X->n;
    if ((size_t) m * n < XM_PROD_MIN) {
        la_gemm("N", "N", m, k, n, X->scale, X->x, m, B, n > 0 ? n : 1, 0.0,
                out, m);
        return;
    }
    for (int c0 = 0; c0 < n; c0 += XM_PROD_COLS) {
        int nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
        la_gemm("N", "N", m, k, nb, X->scale, X->x + (size_t) c0 * m, m,
                B + c0, n, c0 ? 1.0 : 0.0, out, m);
    }
}

/* The smaller Gram matrix of sX, accumulated over blocks of sX copied into
 * scratch.  Scaling the product of the raw data by scale^2 instead would
 * overflow or underflow (Inf * 0 = NaN) once max(X) is beyond ~1e+-154. */
void xm_gram(const xmat *X, double *out)
{
    int m = X->m, n = X->n, rows = (m <= n);    /* rows: X X^T (m x m) */
    int small = rows ? m : n, big = rows ? n : m;
    size_t bs = XM_BLOCK_ELEMS / (small > 0 ? (size_t) small : 1);
    int b = bs < 1 ? 1 : (bs > (size_t) big ? big : (int) bs);
    double *blk = (double *) R_alloc((size_t) small * (b > 0 ? b : 1),
                                     sizeof(double));
    double sc = X->scale;
    for (int j0 = 0; j0 < big; j0 += b) {
        int nb = big - j0 < b ? big - j0 : b;
        for (int jj = 0; jj < nb; jj++) {
            double *c = blk + (size_t) jj * small;
            for (int i = 0; i < small; i++)
                c[i] = sc * (rows ? xm_at(X, i, (size_t) j0 + jj)
                                  : xm_at(X, (size_t) j0 + jj, i));
        }
        la_gemm("N", "T", small, small, nb, 1.0, blk, small, blk, small,
                j0 == 0 ? 0.0 : 1.0, out, small);
    }
}

static int xm_block_cols(const xmat *X)
{
    size_t b = XM_BLOCK_ELEMS / (X->m > 0 ? (size_t) X->m : 1);
    if (b < 1) b = 1;
    if (b > (size_t) X->n) b = (size_t) X->n;
    return (int) b;
}

/* scratch of the blockwise passes: an m x block panel and block sums */
size_t xm_work_size(const xmat *X)
{
    return ((size_t) X->m + 1) * xm_block_cols(X);
}

/* Column passes of the blockwise loops run on X->threads OpenMP threads.
 * Each column's sum is kept apart (acc) and the columns are added in order
 * afterwards, so the result does not depend on the number of threads. */
double xm_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work)
{
    int m = X->m, n = X->n, bc = xm_block_cols(X);
    double s = 0.0, sc = X->scale, *acc = work + (size_t) m * bc;
    for (int j0 = 0; j0 < n; j0 += bc) {
        int b = (n - j0 < bc) ? n - j0 : bc;
        la_gemm("N", "T", m, b, k, 1.0, W, m, Ht + j0, n, 0.0, work, m);
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(static) if (X->threads > 1 && (size_t) m * b > 4096)
#endif
        for (int jj = 0; jj < b; jj++) {
            const double *p = work + (size_t) jj * m;
            double t = 0.0;
            for (int i = 0; i < m; i++) {
                double r = sc * xm_at(X, i, (size_t) j0 + jj) - p[i];
                t += r * r;
            }
            acc[jj] = t;
        }
        for (int jj = 0; jj < b; jj++) s += acc[jj];
    }
    return s;
}

double xm_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, double *out, double *work)
{
    int m = X->m, n = X->n, bc = xm_block_cols(X);
    double div = 0.0, sc = X->scale, *acc = work + (size_t) m * bc;
    for (int j0 = 0; j0 < n; j0 += bc) {
        int b = (n - j0 < bc) ? n - j0 : bc;
        la_gemm("N", "T", m, b, k, 1.0, W, m, Ht + j0, n, 0.0, work, m);
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(static) if (X->threads > 1 && (size_t) m * b > 4096)
#endif
        for (int jj = 0; jj < b; jj++) {
            double *p = work + (size_t) jj * m, t = 0.0;
            for (int i = 0; i < m; i++) {
                double x = sc * xm_at(X, i, (size_t) j0 + jj), y = p[i];
                if (x > 0) {
                    t += x * log(x / y) - x + y;
                    p[i] = x / y;
                } else {
                    t += y;
                    p[i] = 0.0;
                }
            }
            acc[jj] = t;
        }
        for (int jj = 0; jj < b; jj++) div += acc[jj];
        if (which == 0)
            la_gemm("N", "N", m, k, b, 1.0, work, m, Ht + j0, n,
                    j0 == 0 ? 0.0 : 1.0, out, m);
        else if (which == 1)
            la_gemm("T", "N", b, k, m, 1.0, work, m, W, m, 0.0, out + j0, n);
    }
    return div;
}
