/*
 * xops_sparse.c: the sparse kind of xmat (XM_CSC), called through xops.c.
 *
 * X (m x n) is read in place from the slots of a dgCMatrix: values x, row
 * indices ci and column pointers cp.  Nothing here densifies X: the cost of
 * a product is O(nnz k), and the scratch is row-major copies of the
 * k-column factors (xm_reserve).
 *
 *   xs_prod   out (m x k) = s X F      F (n x k)   (scatter)
 *   xs_tprod  out (n x k) = s X^T F    F (m x k)   (gather)
 *
 * Under a mask the stored entries listed as missing are
 * skipped (a merge of the two sorted row lists of each column), so every
 * product is with X o Omega.  The residual and the I-divergence need
 * y_ij = (W Ht^T)_ij only where X is stored (or missing), k flops each.
 * The residual sums the stored entries' (sx - y)^2 exactly and adds, per
 * column, the zeros' sum of y^2 = h^T W^T W h - sum_stored,missing y^2
 * (summed entry by entry when that difference cancels), so an exact fit
 * reports a residual at round-off, as the dense pass does; with mask
 * "zeros" (observed = stored) only the stored entries count.
 * Every thread count gives the same result: each output row is
 * accumulated by one thread, in column order.
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>

int xs_lower(const int *idx, int lo, int hi, int r)
{
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (idx[mid] < r) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Walk the missing rows of column j next to its stored rows:
 * start the cursor at the first missing row >= r, then skip(i) is 1 when
 * row i is missing. */
typedef struct { const int *mi; int q, end; } miss_cursor;

static inline void miss_start(const xmat *X, int j, int r, miss_cursor *c)
{
    if (X->mask == XM_MASK_MISSING) {
        c->mi = X->mi;
        c->end = X->mp[j + 1];
        c->q = xs_lower(X->mi, X->mp[j], c->end, r);
    } else {
        c->mi = NULL;
        c->q = c->end = 0;
    }
}

static inline int miss_skip(miss_cursor *c, int i)
{
    while (c->q < c->end && c->mi[c->q] < i) c->q++;
    return c->q < c->end && c->mi[c->q] == i;
}

double xs_max(const xmat *X)
{
    double mx = 0.0;
    for (int j = 0; j < X->n; j++) {
        miss_cursor c;
        miss_start(X, j, 0, &c);
        for (int p = X->cp[j]; p < X->cp[j + 1]; p++)
            if (X->x[p] > mx && !miss_skip(&c, X->ci[p])) mx = X->x[p];
    }
    return mx;
}

static double xs_sum_pow(const xmat *X, int sq)
{
    double s = 0.0, sc = X->scale;
    for (int j = 0; j < X->n; j++) {
        miss_cursor c;
        miss_start(X, j, 0, &c);
        for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
            if (miss_skip(&c, X->ci[p])) continue;
            double v = sc * X->x[p];
            s += sq ? v * v : v;
        }
    }
    return s;
}

double xs_sumsq(const xmat *X) { return xs_sum_pow(X, 1); }
double xs_sum(const xmat *X) { return xs_sum_pow(X, 0); }

/* scratch of len doubles: the reserved buffer at offset off, or R_alloc */
static double *scratch(const xmat *X, size_t off, size_t len)
{
    if (X->tbuf && X->tbuf_len >= off + len) return X->tbuf + off;
    return (double *) scratch_alloc(len > 0 ? len : 1, sizeof(double));
}

/* T (k x r, row-major copy) <- F (r x k, column-major) */
static void to_rows(int r, int k, const double *F, double *T)
{
    for (int l = 0; l < k; l++) {
        const double *f = F + (size_t) l * r;
        for (int i = 0; i < r; i++) T[l + (size_t) i * k] = f[i];
    }
}

static void from_rows(int r, int k, const double *T, double *F)
{
    for (int l = 0; l < k; l++) {
        double *f = F + (size_t) l * r;
        for (int i = 0; i < r; i++) f[i] = T[l + (size_t) i * k];
    }
}

#define XS_PAR_NNZ 20000

/* out (n x k) = s X^T F, F (m x k): one output row per column of X */
static void gather(const xmat *X, const double *F, int k, double *out)
{
    int sm = X->m, sn = X->n;
    double *Ft = scratch(X, 0, (size_t) k * sm);
    double *Ot = scratch(X, (size_t) k * sm, (size_t) k * sn);
    double sc = X->scale;
    to_rows(sm, k, F, Ft);
    if (xs_simd_usable(X, k)) {         /* xops_sparse_simd.c */
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(dynamic, 1) if (X->threads > 1 && X->cp[sn] > XS_PAR_NNZ)
#endif
        for (int j0 = 0; j0 < sn; j0 += 64)
            xs_gather_simd(X, Ft, k, j0, sn - j0 < 64 ? sn : j0 + 64, Ot);
        from_rows(sn, k, Ot, out);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(dynamic, 64) if (X->threads > 1 && X->cp[sn] > XS_PAR_NNZ)
#endif
    for (int j = 0; j < sn; j++) {
        double *o = Ot + (size_t) j * k;
        for (int l = 0; l < k; l++) o[l] = 0.0;
        miss_cursor c;
        miss_start(X, j, 0, &c);
        for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
            int i = X->ci[p];
            if (miss_skip(&c, i)) continue;
            double v = sc * X->x[p];
            const double *f = Ft + (size_t) i * k;
            for (int l = 0; l < k; l++) o[l] += v * f[l];
        }
    }
    from_rows(sn, k, Ot, out);
}

/* out (m x k) = s X F, F (n x k).  With several threads each owns a
 * range of output rows and finds it in every column by bisection. */
static void scatter(const xmat *X, const double *F, int k, double *out)
{
    int sm = X->m, sn = X->n;
    double *Ft = scratch(X, 0, (size_t) k * sn);
    double *Ot = scratch(X, (size_t) k * sn, (size_t) k * sm);
    double sc = X->scale;
    to_rows(sn, k, F, Ft);
    memset(Ot, 0, (size_t) k * sm * sizeof(double));
    int nt = (X->threads > 1 && X->cp[sn] > XS_PAR_NNZ) ? X->threads : 1;
    int simd = xs_simd_usable(X, k);    /* xops_sparse_simd.c */
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int r0 = (int) ((double) sm * t / nt), r1 = (int) ((double) sm * (t + 1) / nt);
        if (simd) {
            xs_scatter_simd(X, Ft, k, r0, r1, nt > 1, Ot);
            continue;
        }
        for (int j = 0; j < sn; j++) {
            int p = nt > 1 ? xs_lower(X->ci, X->cp[j], X->cp[j + 1], r0) : X->cp[j];
            const double *f = Ft + (size_t) j * k;
            miss_cursor c;
            miss_start(X, j, r0, &c);
            for (; p < X->cp[j + 1] && X->ci[p] < r1; p++) {
                int i = X->ci[p];
                if (miss_skip(&c, i)) continue;
                double v = sc * X->x[p];
                double *o = Ot + (size_t) i * k;
                for (int l = 0; l < k; l++) o[l] += v * f[l];
            }
        }
    }
    from_rows(sm, k, Ot, out);
}

void xs_prod(const xmat *X, const double *B, int k, double *out)
{
    scatter(X, B, k, out);
}

void xs_tprod(const xmat *X, const double *A, int k, double *out)
{
    gather(X, A, k, out);
}

void xs_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
              size_t ld)
{
    double sc = X->scale;
    for (int c = 0; c < cb; c++) memset(out + c * ld, 0, (size_t) rb * sizeof(double));
    for (int c = 0; c < cb; c++) {
        int j = c0 + c;
        for (int p = xs_lower(X->ci, X->cp[j], X->cp[j + 1], r0);
             p < X->cp[j + 1] && X->ci[p] < r0 + rb; p++)
            out[(X->ci[p] - r0) + c * ld] = sc * X->x[p];
    }
}

static inline double dotk(int k, const double *a, const double *b)
{
    double s = 0.0;
    for (int l = 0; l < k; l++) s += a[l] * b[l];
    return s;
}

/* sum over the missing entries (i, j) of y_ij^2 (sq = 1) or y_ij (sq = 0),
 * Wt (k x m) and Htt (k x n) row-major */
/* row-major copies of both factors in the scratch: Wt (k x m), Htt (k x n) */
static void factor_rows(const xmat *X, const double *W, const double *Ht,
                        int k, double **Wt, double **Htt)
{
    *Wt = scratch(X, 0, (size_t) k * X->m);
    *Htt = scratch(X, (size_t) k * X->m, (size_t) k * X->n);
    to_rows(X->m, k, W, *Wt);
    to_rows(X->n, k, Ht, *Htt);
}

static double missing_y(const xmat *X, const double *Wt, const double *Htt,
                        int k, int sq)
{
    double s = 0.0;
    for (int j = 0; j < X->n; j++)
        for (int q = X->mp[j]; q < X->mp[j + 1]; q++) {
            double y = dotk(k, Wt + (size_t) X->mi[q] * k, Htt + (size_t) j * k);
            s += sq ? y * y : y;
        }
    return s;
}

/* Column j's part of ||sX - Y||^2 (Y = W Ht^T, Wt k x m and Htt k x n
 * row-major, WtW = W^T W, g k scratch): the stored entries' residuals
 * summed exactly, plus the zeros' y^2.  The zeros' part is the column's
 * sum of y^2 (h^T W^T W h) less that at the stored and missing entries; when
 * that difference has lost more than three digits to cancellation, the
 * column's zeros are summed directly instead (O(m k)). */
static double resid_col(const xmat *X, int j, const double *Wt,
                        const double *Htt, const double *WtW, int k, double *g)
{
    const double *h = Htt + (size_t) j * k;
    double sc = X->scale, s = 0.0, yin = 0.0;
    miss_cursor c;
    miss_start(X, j, 0, &c);
    for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
        double y = dotk(k, Wt + (size_t) X->ci[p] * k, h);
        yin += y * y;
        if (miss_skip(&c, X->ci[p])) continue;
        double r = sc * X->x[p] - y;
        s += r * r;
    }
    if (X->mask == XM_MASK_MISSING)     /* missing and not stored */
        for (int q = X->mp[j]; q < X->mp[j + 1]; q++) {
            int i = X->mi[q];
            int p = xs_lower(X->ci, X->cp[j], X->cp[j + 1], i);
            if (p < X->cp[j + 1] && X->ci[p] == i) continue;
            double y = dotk(k, Wt + (size_t) i * k, h);
            yin += y * y;
        }
    for (int a = 0; a < k; a++) g[a] = dotk(k, WtW + (size_t) a * k, h);
    double tot = dotk(k, g, h), z = tot - yin;
    if (z > 1e-3 * tot) return s + z;
    z = 0.0;                            /* the zeros one by one */
    miss_start(X, j, 0, &c);
    int p = X->cp[j], pe = X->cp[j + 1];
    for (int i = 0; i < X->m; i++) {
        if (p < pe && X->ci[p] == i) { p++; continue; }
        if (miss_skip(&c, i)) continue;
        double y = dotk(k, Wt + (size_t) i * k, h);
        z += y * y;
    }
    return s + z;
}

/* ||sX - W Ht^T||^2 over the observed entries (see resid_col); with mask
 * "zeros" the observed entries are the stored ones. */
double xs_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work)
{
    double *Wt, *Htt, sc = X->scale;
    factor_rows(X, W, Ht, k, &Wt, &Htt);
    if (X->mask == XM_MASK_OBSERVED) {  /* the stored entries, exactly */
        double s = 0.0;
        for (int j = 0; j < X->n; j++)
            for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
                double r = sc * X->x[p] -
                    dotk(k, Wt + (size_t) X->ci[p] * k, Htt + (size_t) j * k);
                s += r * r;
            }
        return s;
    }
    double *WtW = work, *g = work + (size_t) k * k, s = 0.0;
    la_crossprod(X->m, k, W, WtW);
    for (int j = 0; j < X->n; j++) s += resid_col(X, j, Wt, Htt, WtW, k, g);
    return s;
}

/* The KL pass over the stored entries of column j with rows in [r0, r1):
 * R = sX ./ (W Ht^T) there, added into Ot (row-major: rows of R Ht for
 * which = 0, of R^T W for which = 1); the column's sum of x log(x / y) - x
 * into *t and of y into *ys. */
static void kl_col(const xmat *X, int j, int r0, int r1, const double *Wt,
                   const double *Htt, int k, int which, int measure,
                   double *Ot, double *t, double *ys)
{
    double sc = X->scale, tt = 0.0, yy = 0.0;
    const double *h = Htt + (size_t) j * k;
    int p = r0 > 0 ? xs_lower(X->ci, X->cp[j], X->cp[j + 1], r0) : X->cp[j];
    miss_cursor c;
    miss_start(X, j, r0, &c);
    for (; p < X->cp[j + 1] && X->ci[p] < r1; p++) {
        int xi = X->ci[p];
        if (miss_skip(&c, xi)) continue;
        const double *w = Wt + (size_t) xi * k;
        double x = sc * X->x[p], y = dotk(k, w, h);
        yy += y;
        if (!(x > 0)) continue;
        double r = x / y;
        if (measure) tt += x * log(r) - x;
        if (which == 0) {
            double *o = Ot + (size_t) xi * k;
            for (int l = 0; l < k; l++) o[l] += r * h[l];
        } else if (which == 1) {
            double *o = Ot + (size_t) j * k;
            for (int l = 0; l < k; l++) o[l] += r * w[l];
        }
    }
    *t = tt;
    *ys = yy;
}

/* The pieces of the pass do not depend on the number of threads, so
 * neither does the result: R^T W (which = 1) and the divergence alone
 * (-1) by columns, R Ht (which = 0) by XS_KL_CHUNKS fixed ranges of rows
 * (one for small X), each through all columns; every column's partial
 * sums are kept apart and added in a fixed order. */
#define XS_KL_CHUNKS 8
double xs_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, int measure, double *out, double *work)
{
    (void) work;
    int m = X->m, n = X->n, olen = which == 0 ? m : n;
    int nch = which == 0 && X->cp[n] > XS_PAR_NNZ ? XS_KL_CHUNKS : 1;
    if (nch > m) nch = m > 0 ? m : 1;
    double *Wt, *Htt;
    /* the accumulator of R Ht or R^T W lives only during this call */
    scratch_mark vmax = scratch_get();
    double *Ot = which >= 0 ?
        (double *) scratch_alloc((size_t) k * olen, sizeof(double)) : NULL;
    double *tp = (double *) scratch_alloc(2 * (size_t) nch * n, sizeof(double)),
        *yp = tp + (size_t) nch * n;
    factor_rows(X, W, Ht, k, &Wt, &Htt);
    if (which >= 0) memset(Ot, 0, (size_t) k * olen * sizeof(double));
    int nt = X->threads > 1 && X->cp[n] > XS_PAR_NNZ ? X->threads : 1;
    int simd = xs_kl_simd_usable(X, k);     /* xops_sparse_simd.c */
    if (which == 0) {
        if (nt > nch) nt = nch;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
        for (int c = 0; c < nch; c++) {
            int r0 = (int) ((size_t) m * c / nch), r1 = (int) ((size_t) m * (c + 1) / nch);
            if (simd)
                xs_kl_cols_simd(X, 0, n, r0, r1, Wt, Htt, k, which, measure, Ot,
                                tp + (size_t) c * n, yp + (size_t) c * n);
            else for (int j = 0; j < n; j++)
                kl_col(X, j, r0, r1, Wt, Htt, k, which, measure, Ot,
                       tp + (size_t) c * n + j, yp + (size_t) c * n + j);
        }
    } else if (simd) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
        for (int j0 = 0; j0 < n; j0 += 64)
            xs_kl_cols_simd(X, j0, n - j0 < 64 ? n : j0 + 64, 0, m, Wt, Htt, k, which,
                            measure, Ot, tp, yp);
    } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 64) if (nt > 1)
#endif
        for (int j = 0; j < n; j++)
            kl_col(X, j, 0, m, Wt, Htt, k, which, measure, Ot, tp + j, yp + j);
    }
    double t = 0.0, ystored = 0.0;
    for (int j = 0; j < n; j++)
        for (int c = 0; c < nch; c++) {
            t += tp[(size_t) c * n + j];
            ystored += yp[(size_t) c * n + j];
        }
    double ysum = 0.0;
    if (!measure) ;
    else if (X->mask == XM_MASK_OBSERVED) ysum = ystored;
    else {
        for (int l = 0; l < k; l++) {
            double a = 0.0, b = 0.0;
            for (int i = 0; i < m; i++) a += W[i + (size_t) l * m];
            for (int j = 0; j < n; j++) b += Ht[j + (size_t) l * n];
            ysum += a * b;
        }
        if (X->mask == XM_MASK_MISSING) ysum -= missing_y(X, Wt, Htt, k, 0);
    }
    if (which >= 0) from_rows(olen, k, Ot, out);
    scratch_set(vmax);
    return measure ? t + ysum : 0.0;
}
