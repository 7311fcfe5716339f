/*
 * xops_sparse_simd.c: the two sparse products of xops_sparse.c, s X^T F
 * (gather) and s X F (scatter), with AVX2 and FMA, for an X without a mask
 * and k <= XS_SIMD_KMAX (checked at run time, like xops_sweep.c; only this
 * file's kernels carry the target attribute).
 *
 * The scalar loops of xops_sparse.c update the k entries of an output row
 * one at a time, through memory, once per stored entry: at rank 20 that is
 * 20 loads, multiplies, adds and stores per entry, and a perf profile of a
 * sparse HALS fit (20000 x 5000, 1% nonzero, rank 20) had the two products
 * at 40% of its time.  Here a row of k doubles is ceil(k / 4) vectors:
 *   gather: column j's output row is held in registers while its stored
 *           entries stream past, each adding x_ij F[i, ] (one fused
 *           multiply-add per vector), and is stored once;
 *   scatter: column j's row of F is held in registers, and each stored
 *           entry adds x_ij F[j, ] to output row i (a load, a fused
 *           multiply-add and a store per vector).
 * The last vector of a row with k not a multiple of 4 is loaded and stored
 * under a mask, so nothing beyond a row is read or written.  Each output
 * row is accumulated in column order by one thread, as in the scalar code,
 * so every thread count gives the same result; it differs from the scalar
 * code's by rounding (a fused multiply-add rounds once; test-blas.R
 * compares the two).  options(mlnmf.simd = FALSE) turns these kernels off
 * with the dense sweep (mlnmf_set_simd).
 */
#include "mlnmf.h"
#include <math.h>

int xs_simd_usable(const xmat *X, int k)
{
    return X->kind == XM_CSC && X->mask == XM_MASK_NONE && !X->trans &&
        k >= 1 && k <= XS_SIMD_KMAX && kl_simd_enabled();
}

/* the KL pass's column kernel also under mask = "zeros" (the stored
 * entries are the observed ones: nothing is skipped) */
int xs_kl_simd_usable(const xmat *X, int k)
{
    return X->kind == XM_CSC && X->mask != XM_MASK_MISSING && !X->trans &&
        k >= 1 && k <= XS_SIMD_KMAX && kl_simd_enabled();
}

#if defined(__GNUC__) && defined(__x86_64__) && !defined(MLNMF_NO_AVX2)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma")))
/* NV (vectors per row) is a constant once inlined into each case of the
 * switch below, so the loops over the vectors unroll and the row lives in
 * registers */
#define TGT_INLINE TGT __attribute__((always_inline)) static inline
#define UNROLL _Pragma("GCC unroll 8")

TGT static __m256i tail_mask(int k, int nv)
{
    long long lanes = k - 4 * (nv - 1);      /* 1 .. 4 */
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(lanes), _mm256_setr_epi64x(0, 1, 2, 3));
}

TGT_INLINE void gather_nv(const int nv, const xmat *X, const double *Ft, int k,
                          int j0, int j1, double *Ot, __m256i tail)
{
    const int *cp = X->cp, *ci = X->ci;
    const double *x = X->x;
    double sc = X->scale;
    for (int j = j0; j < j1; j++) {
        __m256d acc[XS_SIMD_KMAX / 4];
        UNROLL for (int t = 0; t < nv; t++) acc[t] = _mm256_setzero_pd();
        for (int p = cp[j]; p < cp[j + 1]; p++) {
            __m256d v = _mm256_set1_pd(sc * x[p]);
            const double *f = Ft + (size_t) ci[p] * k;
            UNROLL for (int t = 0; t < nv - 1; t++)
                acc[t] = _mm256_fmadd_pd(v, _mm256_loadu_pd(f + 4 * t), acc[t]);
            acc[nv - 1] = _mm256_fmadd_pd(v, _mm256_maskload_pd(f + 4 * (nv - 1), tail),
                                          acc[nv - 1]);
        }
        double *o = Ot + (size_t) j * k;
        UNROLL for (int t = 0; t < nv - 1; t++) _mm256_storeu_pd(o + 4 * t, acc[t]);
        _mm256_maskstore_pd(o + 4 * (nv - 1), tail, acc[nv - 1]);
    }
}

TGT_INLINE void scatter_nv(const int nv, const xmat *X, const double *Ft, int k,
                           int r0, int r1, int bisect, double *Ot, __m256i tail)
{
    const int *cp = X->cp, *ci = X->ci;
    const double *x = X->x;
    double sc = X->scale;
    for (int j = 0; j < X->n; j++) {
        int p = bisect ? xs_lower(ci, cp[j], cp[j + 1], r0) : cp[j], end = cp[j + 1];
        if (p >= end || ci[p] >= r1) continue;
        const double *f = Ft + (size_t) j * k;
        __m256d fv[XS_SIMD_KMAX / 4];
        UNROLL for (int t = 0; t < nv - 1; t++) fv[t] = _mm256_loadu_pd(f + 4 * t);
        fv[nv - 1] = _mm256_maskload_pd(f + 4 * (nv - 1), tail);
        for (; p < end && ci[p] < r1; p++) {
            __m256d v = _mm256_set1_pd(sc * x[p]);
            double *o = Ot + (size_t) ci[p] * k;
            UNROLL for (int t = 0; t < nv - 1; t++)
                _mm256_storeu_pd(o + 4 * t, _mm256_fmadd_pd(v, fv[t], _mm256_loadu_pd(o + 4 * t)));
            double *ol = o + 4 * (nv - 1);
            _mm256_maskstore_pd(ol, tail, _mm256_fmadd_pd(v, fv[nv - 1],
                                                          _mm256_maskload_pd(ol, tail)));
        }
    }
}

/* xops_sparse.c's kl_col: the stored entries of column j with rows in
 * [r0, r1): y = w_i . h_j (h_j in registers), R = s x / y, added into Ot's
 * row i (which = 0: R Ht) or into registers for Ot's row j (which = 1:
 * R^T W); the column's sum of x log(x / y) - x into *t, of y into *ys */
TGT_INLINE void kl_col_nv(const int nv, const xmat *X, int j, int r0, int r1,
                          const double *Wt, const double *Htt, int k, int which,
                          int measure, double *Ot, double *t, double *ys, __m256i tail)
{
    const int *cp = X->cp, *ci = X->ci;
    double sc = X->scale, tt = 0.0, yy = 0.0;
    const double *h = Htt + (size_t) j * k;
    __m256d hv[XS_SIMD_KMAX / 4], acc[XS_SIMD_KMAX / 4];
    UNROLL for (int q = 0; q < nv - 1; q++) {
        hv[q] = _mm256_loadu_pd(h + 4 * q);
        acc[q] = _mm256_setzero_pd();
    }
    hv[nv - 1] = _mm256_maskload_pd(h + 4 * (nv - 1), tail);
    acc[nv - 1] = _mm256_setzero_pd();
    int p = r0 > 0 ? xs_lower(ci, cp[j], cp[j + 1], r0) : cp[j];
    for (; p < cp[j + 1] && ci[p] < r1; p++) {
        int xi = ci[p];
        const double *w = Wt + (size_t) xi * k;
        __m256d wv[XS_SIMD_KMAX / 4];
        UNROLL for (int q = 0; q < nv - 1; q++) wv[q] = _mm256_loadu_pd(w + 4 * q);
        wv[nv - 1] = _mm256_maskload_pd(w + 4 * (nv - 1), tail);
        __m256d sv = _mm256_mul_pd(wv[0], hv[0]);
        UNROLL for (int q = 1; q < nv; q++) sv = _mm256_fmadd_pd(wv[q], hv[q], sv);
        __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(sv), _mm256_extractf128_pd(sv, 1));
        double y = _mm_cvtsd_f64(_mm_add_sd(s2, _mm_unpackhi_pd(s2, s2)));
        double x = sc * X->x[p];
        yy += y;
        if (!(x > 0)) continue;
        double r = x / y;
        if (measure) tt += x * log(r) - x;
        __m256d rv = _mm256_set1_pd(r);
        if (which == 0) {
            double *o = Ot + (size_t) xi * k;
            UNROLL for (int q = 0; q < nv - 1; q++)
                _mm256_storeu_pd(o + 4 * q, _mm256_fmadd_pd(rv, hv[q], _mm256_loadu_pd(o + 4 * q)));
            double *ol = o + 4 * (nv - 1);
            _mm256_maskstore_pd(ol, tail, _mm256_fmadd_pd(rv, hv[nv - 1],
                                                          _mm256_maskload_pd(ol, tail)));
        } else if (which == 1) {
            UNROLL for (int q = 0; q < nv; q++) acc[q] = _mm256_fmadd_pd(rv, wv[q], acc[q]);
        }
    }
    if (which == 1) {
        double *o = Ot + (size_t) j * k;
        UNROLL for (int q = 0; q < nv - 1; q++)
            _mm256_storeu_pd(o + 4 * q, _mm256_add_pd(_mm256_loadu_pd(o + 4 * q), acc[q]));
        double *ol = o + 4 * (nv - 1);
        _mm256_maskstore_pd(ol, tail, _mm256_add_pd(_mm256_maskload_pd(ol, tail), acc[nv - 1]));
    }
    *t = tt;
    *ys = yy;
}

#define XS_CASES(CALL) \
    switch (nv) { \
    case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    case 4: CALL(4); break; case 5: CALL(5); break; case 6: CALL(6); break; \
    case 7: CALL(7); break; default: CALL(8); break; }

/* Ot (n x k, row-major) rows j0 .. j1 - 1 = s X^T F, Ft = F row-major */
TGT void xs_gather_simd(const xmat *X, const double *Ft, int k, int j0, int j1,
                        double *Ot)
{
    int nv = (k + 3) / 4;
    __m256i tail = tail_mask(k, nv);
#define G_CALL(N) gather_nv(N, X, Ft, k, j0, j1, Ot, tail)
    XS_CASES(G_CALL)
#undef G_CALL
}

/* Ot (m x k, row-major) rows r0 .. r1 - 1 += s X F, Ft = F row-major;
 * bisect: find row r0 in each column (a thread's share) */
TGT void xs_scatter_simd(const xmat *X, const double *Ft, int k, int r0, int r1,
                         int bisect, double *Ot)
{
    int nv = (k + 3) / 4;
    __m256i tail = tail_mask(k, nv);
#define S_CALL(N) scatter_nv(N, X, Ft, k, r0, r1, bisect, Ot, tail)
    XS_CASES(S_CALL)
#undef S_CALL
}

/* kl_col for columns j0 .. j1 - 1, each column's sums into t[j], ys[j] */
TGT void xs_kl_cols_simd(const xmat *X, int j0, int j1, int r0, int r1,
                         const double *Wt, const double *Htt, int k, int which,
                         int measure, double *Ot, double *t, double *ys)
{
    int nv = (k + 3) / 4;
    __m256i tail = tail_mask(k, nv);
#define K_CALL(N) for (int j = j0; j < j1; j++) \
        kl_col_nv(N, X, j, r0, r1, Wt, Htt, k, which, measure, Ot, t + j, ys + j, tail)
    XS_CASES(K_CALL)
#undef K_CALL
}

#else  /* no AVX2 kernels: kl_simd_enabled() is 0, these are never called */

void xs_kl_cols_simd(const xmat *X, int j0, int j1, int r0, int r1,
                     const double *Wt, const double *Htt, int k, int which,
                     int measure, double *Ot, double *t, double *ys)
{
    (void) X; (void) j0; (void) j1; (void) r0; (void) r1; (void) Wt; (void) Htt;
    (void) k; (void) which; (void) measure; (void) Ot; (void) t; (void) ys;
    error(_("internal error: no AVX2 kernels"));
}

void xs_gather_simd(const xmat *X, const double *Ft, int k, int j0, int j1,
                    double *Ot)
{
    (void) X; (void) Ft; (void) k; (void) j0; (void) j1; (void) Ot;
    error(_("internal error: no AVX2 kernels"));
}

void xs_scatter_simd(const xmat *X, const double *Ft, int k, int r0, int r1,
                     int bisect, double *Ot)
{
    (void) X; (void) Ft; (void) k; (void) r0; (void) r1; (void) bisect; (void) Ot;
    error(_("internal error: no AVX2 kernels"));
}

#endif
