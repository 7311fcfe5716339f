/*
 * xops_sparse.c: the sparse kind of xmat (XM_CSC), called through xops.c.
 *
 * X is read in place from the slots of a dgCMatrix: values x, row indices
 * ci and column pointers cp of the stored matrix S; S = X (trans = 0) or
 * S = X^T (trans = 1, X read as the transpose of S without a copy).  Nothing
 * here densifies X: the cost of a product is O(nnz k), and the scratch is
 * row-major copies of the k-column factors (xm_reserve).
 *
 *   scatter   out (sm x k) = s S F      F (sn x k)
 *   gather    out (sn x k) = s S^T F    F (sm x k)
 *   xs_prod   X B   = scatter (trans 0) or gather (trans 1)
 *   xs_tprod  X^T A = gather (trans 0) or scatter (trans 1)
 *
 * Under a mask (trans = 0 only) the stored entries listed as missing are
 * skipped (a merge of the two sorted row lists of each column), so every
 * product is with X o Omega.  The residual and the I-divergence need
 * y_ij = (W Ht^T)_ij only where X is stored (or missing), k flops each:
 *   sum_Omega (sx - y)^2 = ||sX o Omega||^2 - 2 <(sX o Omega) Ht, W>
 *                          + <W^T W, Ht^T Ht> - sum_missing y^2
 * and with mask "zeros" (observed = stored) the sum over stored entries
 * directly.  Every thread count gives the same result: each output row is
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

/* stored matrix S: sm x sn */
#define SM(X) ((X)->trans ? (X)->n : (X)->m)
#define SN(X) ((X)->trans ? (X)->m : (X)->n)

/* Walk the missing rows of column j (trans = 0) next to its stored rows:
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
    for (int j = 0; j < SN(X); j++) {
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
    for (int j = 0; j < SN(X); j++) {
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
    return (double *) R_alloc(len > 0 ? len : 1, sizeof(double));
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

/* out (sn x k) = s S^T F, F (sm x k): one output row per column of S */
static void gather(const xmat *X, const double *F, int k, double *out)
{
    int sm = SM(X), sn = SN(X);
    double *Ft = scratch(X, 0, (size_t) k * sm);
    double *Ot = scratch(X, (size_t) k * sm, (size_t) k * sn);
    double sc = X->scale;
    to_rows(sm, k, F, Ft);
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

/* out (sm x k) = s S F, F (sn x k).  With several threads each owns a
 * range of output rows and finds it in every column by bisection. */
static void scatter(const xmat *X, const double *F, int k, double *out)
{
    int sm = SM(X), sn = SN(X);
    double *Ft = scratch(X, 0, (size_t) k * sn);
    double *Ot = scratch(X, (size_t) k * sn, (size_t) k * sm);
    double sc = X->scale;
    to_rows(sn, k, F, Ft);
    memset(Ot, 0, (size_t) k * sm * sizeof(double));
    int nt = (X->threads > 1 && X->cp[sn] > XS_PAR_NNZ) ? X->threads : 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
    for (int t = 0; t < nt; t++) {
        int r0 = (int) ((double) sm * t / nt), r1 = (int) ((double) sm * (t + 1) / nt);
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
    if (X->trans) gather(X, B, k, out); else scatter(X, B, k, out);
}

void xs_tprod(const xmat *X, const double *A, int k, double *out)
{
    if (X->trans) scatter(X, A, k, out); else gather(X, A, k, out);
}

void xs_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
              size_t ld)
{
    double sc = X->scale;
    for (int c = 0; c < cb; c++) memset(out + c * ld, 0, (size_t) rb * sizeof(double));
    if (!X->trans) {
        for (int c = 0; c < cb; c++) {
            int j = c0 + c;
            for (int p = xs_lower(X->ci, X->cp[j], X->cp[j + 1], r0);
                 p < X->cp[j + 1] && X->ci[p] < r0 + rb; p++)
                out[(X->ci[p] - r0) + c * ld] = sc * X->x[p];
        }
    } else {                 /* row i of X is column i of S */
        for (int r = 0; r < rb; r++) {
            int i = r0 + r;
            for (int p = xs_lower(X->ci, X->cp[i], X->cp[i + 1], c0);
                 p < X->cp[i + 1] && X->ci[p] < c0 + cb; p++)
                out[r + (X->ci[p] - c0) * ld] = sc * X->x[p];
        }
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

double xs_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work)
{
    int m = X->m, n = X->n;
    double xn2 = xs_sumsq(X), sc = X->scale;
    double *Wt, *Htt;
    if (X->mask == XM_MASK_OBSERVED) {  /* the stored entries, exactly */
        factor_rows(X, W, Ht, k, &Wt, &Htt);
        double s = 0.0;
        for (int j = 0; j < n; j++)
            for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
                double r = sc * X->x[p] -
                    dotk(k, Wt + (size_t) X->ci[p] * k, Htt + (size_t) j * k);
                s += r * r;
            }
        return s;
    }
    double *XH = work, *WtW = work + (size_t) m * k, *HtH = WtW + (size_t) k * k;
    xs_prod(X, Ht, k, XH);
    la_crossprod(m, k, W, WtW);
    la_crossprod(n, k, Ht, HtH);
    double f = xn2 - 2.0 * la_dot((size_t) m * k, XH, W) +
        la_dot((size_t) k * k, WtW, HtH);
    if (X->mask == XM_MASK_MISSING) {
        factor_rows(X, W, Ht, k, &Wt, &Htt);
        f -= missing_y(X, Wt, Htt, k, 1);
    }
    return f > 0 ? f : 0.0;
}

double xs_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, int measure, double *out, double *work)
{
    (void) work;
    int m = X->m, n = X->n, sn = SN(X), olen = which == 0 ? m : n;
    double *Wt, *Htt;
    /* the accumulator of R Ht or R^T W lives only during this call */
    const void *vmax = vmaxget();
    double *Ot = which >= 0 ?
        (double *) R_alloc((size_t) k * olen, sizeof(double)) : NULL;
    double sc = X->scale, t = 0.0, ystored = 0.0;
    factor_rows(X, W, Ht, k, &Wt, &Htt);
    if (which >= 0) memset(Ot, 0, (size_t) k * olen * sizeof(double));
    for (int j = 0; j < sn; j++) {
        miss_cursor c;
        miss_start(X, j, 0, &c);
        for (int p = X->cp[j]; p < X->cp[j + 1]; p++) {
            int xi = X->trans ? j : X->ci[p], xj = X->trans ? X->ci[p] : j;
            if (miss_skip(&c, X->ci[p])) continue;
            const double *w = Wt + (size_t) xi * k, *h = Htt + (size_t) xj * k;
            double x = sc * X->x[p], y = dotk(k, w, h);
            ystored += y;
            if (!(x > 0)) continue;
            double r = x / y;
            if (measure) t += x * log(r) - x;
            if (which == 0) {
                double *o = Ot + (size_t) xi * k;
                for (int l = 0; l < k; l++) o[l] += r * h[l];
            } else if (which == 1) {
                double *o = Ot + (size_t) xj * k;
                for (int l = 0; l < k; l++) o[l] += r * w[l];
            }
        }
    }
    double ysum = 0.0;
    if (!measure) ;
    else if (X->mask == XM_MASK_OBSERVED) ysum = ystored;
    else {
        ysum = 0.0;
        for (int l = 0; l < k; l++) {
            double a = 0.0, b = 0.0;
            for (int i = 0; i < m; i++) a += W[i + (size_t) l * m];
            for (int j = 0; j < n; j++) b += Ht[j + (size_t) l * n];
            ysum += a * b;
        }
        if (X->mask == XM_MASK_MISSING) ysum -= missing_y(X, Wt, Htt, k, 0);
    }
    if (which >= 0) from_rows(olen, k, Ot, out);
    vmaxset(vmax);
    return t + ysum;
}
