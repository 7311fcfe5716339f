/*
 * xops_sweep.c: the dense passes of xops.c that need W Ht^T entry by entry
 * (the I-divergence's and the beta-divergences'), made in one sweep over X
 * with AVX2 and FMA where the processor has them (checked at run time; the
 * rest of the package is compiled for the baseline x86-64 and this file's
 * kernels alone carry the target attribute).
 *
 * Such a pass needs, for a piece of X, y = (W Ht^T)_ij, terms made from x
 * and y (the ratio r = x / y for KL; two terms for a beta-divergence) and
 * their products with the other factor: R Ht (which = 0, m x k) or R^T W
 * (which = 1, n x k).  With k small (at most KL_SIMD_KMAX) a BLAS spends
 * these products in thin panels it packs call by call, and the reference
 * BLAS in scalar loops; here W's rows stay in the first cache levels while
 * four columns of X stream past, KL_RB rows at a time:
 *   1. y for four columns at once, eight rows at a time (each load of W
 *      feeds eight fused multiply-adds), then the terms (kl_ratio for KL;
 *      a callback, xops_beta.c's xb_sweep_terms, for the beta passes);
 *   2. R Ht: out's rows += sum over the four columns of h_c r_c;
 *      R^T W: four columns' dot products with each column of W, two
 *      columns of W at a time (eight independent accumulators).
 * Each output entry is computed by one piece, in an order that depends on
 * the piece alone, not on the thread that runs it; a row's y and r are
 * the same in the vector body and in the scalar tail (the same fused
 * multiply-adds in the same order), so R Ht does not depend on where the
 * row chunks end.  The results differ from the BLAS path's by rounding only
 * (test-blas.R compares the two).  options(mlnmf.simd = FALSE), read when
 * the package is loaded, turns the sweep off (mlnmf_set_simd).
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>
#include <float.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(MLNMF_NO_AVX2)
#define KL_HAVE_AVX2 1
#endif

/* columns per group (KL_RB, the rows per sub-block, is in mlnmf.h) */
#define KL_G 4

static int kl_simd_on = -1;           /* -1: not yet probed */

static int kl_cpu_ok(void)
{
#ifdef KL_HAVE_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int kl_simd_enabled(void)
{
    if (kl_simd_on < 0) kl_simd_on = kl_cpu_ok();
    return kl_simd_on;
}

/* .Call entry: whether the sweep is on (R/zzz.R's own_kernels()) */
SEXP mlnmf_simd_state(void)
{
    return ScalarLogical(kl_simd_enabled());
}

/* .Call entry: switch the vector pass on (where the processor allows it)
 * or off; returns the previous state.  For tests and benchmarks. */
SEXP mlnmf_set_simd(SEXP flag)
{
    int on = util_flag(flag), old = kl_simd_enabled();
    kl_simd_on = on ? kl_cpu_ok() : 0;
    return ScalarLogical(old);
}

#ifdef KL_HAVE_AVX2
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma")))
/* the three steps are inlined with G a constant and their loops over the
 * columns unrolled, so that the accumulators live in registers */
#define TGT_INLINE TGT __attribute__((always_inline)) static inline
#define UNROLL _Pragma("GCC unroll 4")

/* Step 1 for G columns (G = 1 or KL_G) and rows i0 .. i0 + nr - 1:
 * y = W h_c (h: G x k, column c at h + c * KL_SIMD_KMAX), then
 * r[c * KL_RB + i] = x / y (0 where x <= 0), or y itself when keep_y (the
 * caller measures the divergence from it). */
TGT_INLINE void kl_ratio(int G, const double *W, size_t m, int k,
                         const double *h, const double *const *xc,
                         double sc, int i0, int nr, int keep_y, double *r)
{
    const __m256d vsc = _mm256_set1_pd(sc), zero = _mm256_setzero_pd();
    int i = 0;
    for (; i + 8 <= nr; i += 8) {
        __m256d ya[KL_G], yb[KL_G];
        UNROLL for (int c = 0; c < G; c++) ya[c] = yb[c] = zero;
        const double *w = W + i0 + i;
        for (int l = 0; l < k; l++, w += m) {
            __m256d wa = _mm256_loadu_pd(w), wb = _mm256_loadu_pd(w + 4);
            UNROLL for (int c = 0; c < G; c++) {
                __m256d hv = _mm256_broadcast_sd(h + c * KL_SIMD_KMAX + l);
                ya[c] = _mm256_fmadd_pd(wa, hv, ya[c]);
                yb[c] = _mm256_fmadd_pd(wb, hv, yb[c]);
            }
        }
        UNROLL for (int c = 0; c < G; c++) {
            double *rc = r + c * KL_RB + i;
            if (keep_y) {
                _mm256_storeu_pd(rc, ya[c]);
                _mm256_storeu_pd(rc + 4, yb[c]);
                continue;
            }
            __m256d xa = _mm256_mul_pd(vsc, _mm256_loadu_pd(xc[c] + i)),
                    xb = _mm256_mul_pd(vsc, _mm256_loadu_pd(xc[c] + i + 4));
            __m256d qa = _mm256_and_pd(_mm256_div_pd(xa, ya[c]),
                                       _mm256_cmp_pd(xa, zero, _CMP_GT_OQ)),
                    qb = _mm256_and_pd(_mm256_div_pd(xb, yb[c]),
                                       _mm256_cmp_pd(xb, zero, _CMP_GT_OQ));
            _mm256_storeu_pd(rc, qa);
            _mm256_storeu_pd(rc + 4, qb);
        }
    }
    for (; i < nr; i++)       /* the same fused multiply-adds, one row */
        UNROLL for (int c = 0; c < G; c++) {
            double y = 0.0;
            for (int l = 0; l < k; l++)
                y = fma(W[i0 + i + (size_t) l * m], h[c * KL_SIMD_KMAX + l], y);
            if (keep_y) {
                r[c * KL_RB + i] = y;
                continue;
            }
            double x = sc * xc[c][i];
            r[c * KL_RB + i] = x > 0 ? x / y : 0.0;
        }
}

/* Step 2 of R Ht for G columns: out[i0 + i, l] += sum_c h_c[l] r_c[i],
 * the columns added in order */
TGT_INLINE void kl_add_rows(int G, double *out, size_t m, int k,
                            const double *h, int i0, int nr, const double *r,
                            size_t ldr)
{
    int i = 0;
    for (; i + 8 <= nr; i += 8) {
        __m256d ra[KL_G], rb[KL_G];
        UNROLL for (int c = 0; c < G; c++) {
            ra[c] = _mm256_loadu_pd(r + c * ldr + i);
            rb[c] = _mm256_loadu_pd(r + c * ldr + i + 4);
        }
        double *o = out + i0 + i;
        for (int l = 0; l < k; l++, o += m) {
            __m256d oa = _mm256_loadu_pd(o), ob = _mm256_loadu_pd(o + 4);
            UNROLL for (int c = 0; c < G; c++) {
                __m256d hv = _mm256_broadcast_sd(h + c * KL_SIMD_KMAX + l);
                oa = _mm256_fmadd_pd(hv, ra[c], oa);
                ob = _mm256_fmadd_pd(hv, rb[c], ob);
            }
            _mm256_storeu_pd(o, oa);
            _mm256_storeu_pd(o + 4, ob);
        }
    }
    for (; i < nr; i++)
        for (int l = 0; l < k; l++) {
            double *o = out + i0 + i + (size_t) l * m, v = *o;
            UNROLL for (int c = 0; c < G; c++) v = fma(h[c * KL_SIMD_KMAX + l], r[c * ldr + i], v);
            *o = v;
        }
}

/* Step 2 of R^T W for G columns: acc[(c * KL_SIMD_KMAX + l) * 4 ..] += the
 * four lane sums of r_c[i] W[i0 + i, l] over the sub-block's rows; the
 * rows past the last multiple of four go to lane 0 */
TGT_INLINE void kl_dot_cols(int G, const double *W, size_t m, int k,
                            int i0, int nr, const double *r, size_t ldr,
                            double *acc)
{
    int nv = nr & ~3;
    for (int l = 0; l < k; l += 2) {
        int two = l + 1 < k;
        __m256d a0[KL_G], a1[KL_G];
        UNROLL for (int c = 0; c < G; c++) {
            a0[c] = _mm256_loadu_pd(acc + (c * KL_SIMD_KMAX + l) * 4);
            a1[c] = two ? _mm256_loadu_pd(acc + (c * KL_SIMD_KMAX + l + 1) * 4)
                        : _mm256_setzero_pd();
        }
        const double *w0 = W + i0 + (size_t) l * m, *w1 = two ? w0 + m : w0;
        for (int i = 0; i < nv; i += 4) {
            __m256d x0 = _mm256_loadu_pd(w0 + i), x1 = _mm256_loadu_pd(w1 + i);
            UNROLL for (int c = 0; c < G; c++) {
                __m256d rv = _mm256_loadu_pd(r + c * ldr + i);
                a0[c] = _mm256_fmadd_pd(rv, x0, a0[c]);
                a1[c] = _mm256_fmadd_pd(rv, x1, a1[c]);
            }
        }
        UNROLL for (int c = 0; c < G; c++) {
            double *p0 = acc + (c * KL_SIMD_KMAX + l) * 4;
            _mm256_storeu_pd(p0, a0[c]);
            for (int i = nv; i < nr; i++) p0[0] = fma(r[c * ldr + i], w0[i], p0[0]);
            if (two) {
                double *p1 = p0 + 4;
                _mm256_storeu_pd(p1, a1[c]);
                for (int i = nv; i < nr; i++) p1[0] = fma(r[c * ldr + i], w1[i], p1[0]);
            }
        }
    }
}

/* Prefetch rows 0 .. nr - 1 of G columns of a dense X from xc[c]: the
 * next sub-block's, while this one is computed (the columns are read in
 * bursts of KL_RB rows, which the hardware prefetcher follows late) */
TGT_INLINE void kl_prefetch(const double *const *xc, int G, int nr)
{
    for (int c = 0; c < G; c++)
        for (int i = 0; i < nr; i += 8) _mm_prefetch((const char *) (xc[c] + i), _MM_HINT_T0);
}

/* The divergence terms of one sub-block from y (in r), turning r into the
 * ratio; returns the sum over the rows */
static double kl_measure(const double *xc, double sc, int nr, double *r)
{
    double t = 0.0;
    for (int i = 0; i < nr; i++) {
        double x = sc * xc[i], y = r[i];
        if (x > 0) {
            t += x * log(x / y) - x + y;
            r[i] = x / y;
        } else {
            t += y;
            r[i] = 0.0;
        }
    }
    return t;
}

/* Columns j0 .. j0 + b - 1 and rows r0 .. r0 + mr - 1 of a plain dense X
 * (no mask, not transposed), as kl_fused in xops.c: which = 0 adds R Ht
 * into out's rows (zeroed by the caller), 1 writes R^T W into out's rows
 * j0 .. j0 + b - 1 (mr = m), -1 only measures; acc[jj] receives column
 * j0 + jj's divergence when measure is set. */
TGT void kl_simd(const xmat *X, const double *W, const double *Ht, int k,
                 int which, int r0, int mr, int j0, int b, int measure,
                 double *out, double *acc)
{
    size_t m = (size_t) X->m, n = (size_t) X->n;
    double sc = X->scale;
    double h[KL_G * KL_SIMD_KMAX], r[KL_G * KL_RB], dots[KL_G * KL_SIMD_KMAX * 4];
    for (int jj = 0; jj < b; ) {
        int G = b - jj >= KL_G ? KL_G : 1;
        const double *xc[KL_G];
        double t[KL_G] = {0.0, 0.0, 0.0, 0.0};
        UNROLL for (int c = 0; c < G; c++) {
            size_t j = (size_t) j0 + jj + c;
            for (int l = 0; l < k; l++) h[c * KL_SIMD_KMAX + l] = Ht[j + (size_t) l * n];
            t[c] = 0.0;
        }
        if (which == 1)
            memset(dots, 0, sizeof(double) * (size_t) KL_G * KL_SIMD_KMAX * 4);
        for (int s0 = r0; s0 < r0 + mr; s0 += KL_RB) {
            int nr = r0 + mr - s0 < KL_RB ? r0 + mr - s0 : KL_RB;
            UNROLL for (int c = 0; c < G; c++)
                xc[c] = X->x + ((size_t) j0 + jj + c) * m + s0;
            if (s0 + nr < r0 + mr) {
                const double *xn[KL_G];
                for (int c = 0; c < G; c++) xn[c] = xc[c] + nr;
                kl_prefetch(xn, G, r0 + mr - s0 - nr < KL_RB ? r0 + mr - s0 - nr : KL_RB);
            }
            if (G == KL_G) kl_ratio(KL_G, W, m, k, h, xc, sc, s0, nr, measure, r);
            else kl_ratio(1, W, m, k, h, xc, sc, s0, nr, measure, r);
            if (measure)
                UNROLL for (int c = 0; c < G; c++) t[c] += kl_measure(xc[c], sc, nr, r + c * KL_RB);
            if (which == 0) {
                if (G == KL_G) kl_add_rows(KL_G, out, m, k, h, s0, nr, r, KL_RB);
                else kl_add_rows(1, out, m, k, h, s0, nr, r, KL_RB);
            } else if (which == 1) {
                if (G == KL_G) kl_dot_cols(KL_G, W, m, k, s0, nr, r, KL_RB, dots);
                else kl_dot_cols(1, W, m, k, s0, nr, r, KL_RB, dots);
            }
        }
        UNROLL for (int c = 0; c < G; c++) {
            if (which == 1)
                for (int l = 0; l < k; l++) {
                    const double *p = dots + (c * KL_SIMD_KMAX + l) * 4;
                    out[(size_t) j0 + jj + c + (size_t) l * n] = (p[0] + p[1]) + (p[2] + p[3]);
                }
            if (acc) acc[jj + c] = t[c];
        }
        jj += G;
    }
}

/* The terms of the beta-divergence sweep for beta in {0, 0.5, 1, 1.5} on
 * a dense column, not measured (xb_sweep_terms in xops_beta.c): vf =
 * max(y, DBL_EPSILON), the numerator's s x vf^(beta-2) into y and the
 * denominator's vf^(beta-1) into r2, with one division (and a square
 * root for the half-integer betas) per entry.  Returns 0 for another
 * beta (nothing done). */
TGT int lr_beta_terms(double beta, double s, const double *x, int nr,
                      double *y, double *r2)
{
    int code = beta == 0 ? 0 : beta == 0.5 ? 1 : beta == 1 ? 2 : beta == 1.5 ? 3 : -1;
    if (code < 0 || !kl_simd_enabled()) return 0;
    const __m256d eps = _mm256_set1_pd(DBL_EPSILON), one = _mm256_set1_pd(1.0),
        vs = _mm256_set1_pd(s);
    int i = 0;
    for (; i + 4 <= nr; i += 4) {
        __m256d v = _mm256_loadu_pd(y + i), ok = _mm256_cmp_pd(v, eps, _CMP_GE_OQ);
        v = _mm256_blendv_pd(eps, v, ok);                      /* vf (NaN -> eps) */
        __m256d sx = _mm256_mul_pd(vs, _mm256_loadu_pd(x + i)), p, d;
        if (code == 0) {                 /* p = vf^-2, d = vf^-1 */
            d = _mm256_div_pd(one, v);
            p = _mm256_mul_pd(d, d);
        } else if (code == 1) {          /* p = vf^-1.5, d = vf^-0.5 */
            d = _mm256_div_pd(one, _mm256_sqrt_pd(v));
            p = _mm256_mul_pd(_mm256_mul_pd(d, d), d);
        } else if (code == 2) {          /* p = vf^-1, d = 1 */
            p = _mm256_div_pd(one, v);
            d = one;
        } else {                         /* p = vf^-0.5, d = vf^0.5 */
            d = _mm256_sqrt_pd(v);
            p = _mm256_div_pd(one, d);
        }
        _mm256_storeu_pd(y + i, _mm256_mul_pd(sx, p));
        _mm256_storeu_pd(r2 + i, d);
    }
    for (; i < nr; i++) {
        double v = y[i] >= DBL_EPSILON ? y[i] : DBL_EPSILON, p, d;
        if (code == 0) { d = 1.0 / v; p = d * d; }
        else if (code == 1) { d = 1.0 / sqrt(v); p = (d * d) * d; }
        else if (code == 2) { p = 1.0 / v; d = 1.0; }
        else { d = sqrt(v); p = 1.0 / d; }
        y[i] = (s * x[i]) * p;
        r2[i] = d;
    }
    return 1;
}

/* The same sweep for the beta-divergence passes (xops_beta.c): y for G
 * columns, then f turns each column's y (in r) into the numerator's terms
 * (r) and the denominator's (r2), and both go through step 2, into out
 * and out2.  f returns the divergence of the entries it saw (when its
 * context asks for it). */
TGT void lr_simd(const xmat *X, const double *W, const double *Ht, int k,
                 int which, int r0, int mr, int j0, int b, lr_xform f, void *ctx,
                 double *out, double *out2, double *acc)
{
    size_t m = (size_t) X->m, n = (size_t) X->n;
    double h[KL_G * KL_SIMD_KMAX], r[KL_G * KL_RB], r2[KL_G * KL_RB];
    double dots[KL_G * KL_SIMD_KMAX * 4], dots2[KL_G * KL_SIMD_KMAX * 4];
    for (int jj = 0; jj < b; ) {
        int G = b - jj >= KL_G ? KL_G : 1;
        const double *xc[KL_G] = {NULL, NULL, NULL, NULL};
        double t[KL_G] = {0.0, 0.0, 0.0, 0.0};
        for (int c = 0; c < G; c++) {
            size_t j = (size_t) j0 + jj + c;
            for (int l = 0; l < k; l++) h[c * KL_SIMD_KMAX + l] = Ht[j + (size_t) l * n];
            t[c] = 0.0;
        }
        if (which == 1) {
            memset(dots, 0, sizeof dots);
            memset(dots2, 0, sizeof dots2);
        }
        for (int s0 = r0; s0 < r0 + mr; s0 += KL_RB) {
            int nr = r0 + mr - s0 < KL_RB ? r0 + mr - s0 : KL_RB;
            if (X->kind == XM_DENSE && s0 + nr < r0 + mr) {
                const double *xn[KL_G];
                for (int c = 0; c < G; c++)
                    xn[c] = X->x + ((size_t) j0 + jj + c) * m + s0 + nr;
                kl_prefetch(xn, G, r0 + mr - s0 - nr < KL_RB ? r0 + mr - s0 - nr : KL_RB);
            }
            if (G == KL_G) kl_ratio(KL_G, W, m, k, h, xc, 0.0, s0, nr, 1, r);
            else kl_ratio(1, W, m, k, h, xc, 0.0, s0, nr, 1, r);
            for (int c = 0; c < G; c++)
                t[c] += f(X, ctx, j0 + jj + c, s0, nr, r + c * KL_RB, r2 + c * KL_RB);
            if (which == 0) {
                if (G == KL_G) {
                    kl_add_rows(KL_G, out, m, k, h, s0, nr, r, KL_RB);
                    kl_add_rows(KL_G, out2, m, k, h, s0, nr, r2, KL_RB);
                } else {
                    kl_add_rows(1, out, m, k, h, s0, nr, r, KL_RB);
                    kl_add_rows(1, out2, m, k, h, s0, nr, r2, KL_RB);
                }
            } else if (which == 1) {
                if (G == KL_G) {
                    kl_dot_cols(KL_G, W, m, k, s0, nr, r, KL_RB, dots);
                    kl_dot_cols(KL_G, W, m, k, s0, nr, r2, KL_RB, dots2);
                } else {
                    kl_dot_cols(1, W, m, k, s0, nr, r, KL_RB, dots);
                    kl_dot_cols(1, W, m, k, s0, nr, r2, KL_RB, dots2);
                }
            }
        }
        for (int c = 0; c < G; c++) {
            if (which == 1)
                for (int l = 0; l < k; l++) {
                    const double *p = dots + (c * KL_SIMD_KMAX + l) * 4,
                        *p2 = dots2 + (c * KL_SIMD_KMAX + l) * 4;
                    size_t o = (size_t) j0 + jj + c + (size_t) l * n;
                    out[o] = (p[0] + p[1]) + (p[2] + p[3]);
                    out2[o] = (p2[0] + p2[1]) + (p2[2] + p2[3]);
                }
            if (acc) acc[jj + c] = t[c];
        }
        jj += G;
    }
}

/* The Frobenius solvers' products with a dense X (xops.c, with a BLAS
 * that does not block: R's reference BLAS): step 2 of the sweep with X's
 * own columns as the terms.  prod: out's rows r0 .. r1 - 1 (leading
 * dimension m) = scale X B there, B n x k; the row block outer, so that
 * its rows of out stay in cache while all columns of X pass. */
TGT void prod_rows_simd(const xmat *X, const double *B, int k, int r0, int r1,
                        double *out)
{
    size_t m = (size_t) X->m, n = (size_t) X->n;
    double h[KL_G * KL_SIMD_KMAX];
    for (int l = 0; l < k; l++)
        for (int i = r0; i < r1; i++) out[i + (size_t) l * m] = 0.0;
    for (int s0 = r0; s0 < r1; s0 += KL_RB) {
        int nr = r1 - s0 < KL_RB ? r1 - s0 : KL_RB;
        for (size_t j = 0; j < n; ) {
            int G = n - j >= KL_G ? KL_G : 1;
            for (int c = 0; c < G; c++)
                for (int l = 0; l < k; l++) h[c * KL_SIMD_KMAX + l] = B[j + c + (size_t) l * n];
            const double *xc = X->x + j * m + s0;
            if (j + G < n) {
                const double *xn[KL_G];
                int Gn = n - j - G >= KL_G ? KL_G : 1;
                for (int c = 0; c < Gn; c++) xn[c] = xc + (size_t) (G + c) * m;
                kl_prefetch(xn, Gn, nr);
            }
            if (G == KL_G) kl_add_rows(KL_G, out, m, k, h, s0, nr, xc, m);
            else kl_add_rows(1, out, m, k, h, s0, nr, xc, m);
            j += G;
        }
    }
    if (X->scale != 1.0)
        for (int l = 0; l < k; l++)
            for (int i = r0; i < r1; i++) out[i + (size_t) l * m] *= X->scale;
}

/* tprod: out's rows c0 .. c0 + nb - 1 (leading dimension n) = scale X^T A
 * for those columns of X, A m x k */
TGT void tprod_cols_simd(const xmat *X, const double *A, int k, int c0, int nb,
                         double *out)
{
    size_t m = (size_t) X->m, n = (size_t) X->n;
    double dots[KL_G * KL_SIMD_KMAX * 4];
    for (int jj = 0; jj < nb; ) {
        int G = nb - jj >= KL_G ? KL_G : 1;
        const double *xc = X->x + ((size_t) c0 + jj) * m;
        memset(dots, 0, sizeof dots);
        for (int s0 = 0; s0 < (int) m; s0 += KL_RB) {
            int nr = (int) m - s0 < KL_RB ? (int) m - s0 : KL_RB;
            if (s0 + nr < (int) m) {
                const double *xn[KL_G];
                for (int c = 0; c < G; c++) xn[c] = xc + (size_t) c * m + s0 + nr;
                kl_prefetch(xn, G, (int) m - s0 - nr < KL_RB ? (int) m - s0 - nr : KL_RB);
            }
            if (G == KL_G) kl_dot_cols(KL_G, A, m, k, s0, nr, xc + s0, m, dots);
            else kl_dot_cols(1, A, m, k, s0, nr, xc + s0, m, dots);
        }
        for (int c = 0; c < G; c++)
            for (int l = 0; l < k; l++) {
                const double *p = dots + (c * KL_SIMD_KMAX + l) * 4;
                out[(size_t) c0 + jj + c + (size_t) l * n] =
                    X->scale * ((p[0] + p[1]) + (p[2] + p[3]));
            }
        jj += G;
    }
}

/* Whether xm_kl_pass may hand a piece to kl_simd: the processor has AVX2
 * and FMA, k is small, and X is a plain dense matrix */
static int sweep_usable(const xmat *X, int k)
{
    return k >= 1 && k <= KL_SIMD_KMAX && X->mask == XM_MASK_NONE && !X->trans &&
        kl_simd_enabled();
}

int kl_simd_usable(const xmat *X, int k)
{
    return X->kind == XM_DENSE && sweep_usable(X, k);
}

/* the same for lr_simd: X dense, or a dgCMatrix (f reads it) with a BLAS
 * that does not block (R's reference BLAS): the sweep makes the
 * numerator's product over every entry where the BLAS path makes it at the
 * stored entries only, which costs more than OpenBLAS's products save
 * (bench/README.md, fourth round); no mask */
int lr_simd_usable(const xmat *X, int k)
{
    return (X->kind == XM_DENSE || (X->kind == XM_CSC && xm_blas_blocks())) &&
        sweep_usable(X, k);
}

#else   /* no AVX2: nothing is usable, so the sweeps are never called */

int kl_simd_usable(const xmat *X, int k) { return 0; }
int lr_simd_usable(const xmat *X, int k) { return 0; }
int lr_beta_terms(double beta, double s, const double *x, int nr, double *y,
                  double *r2) { return 0; }
static void no_sweep(void) { error(_("internal error: no vector pass in this build")); }
void kl_simd(const xmat *X, const double *W, const double *Ht, int k,
             int which, int r0, int mr, int j0, int b, int measure,
             double *out, double *acc) { no_sweep(); }
void lr_simd(const xmat *X, const double *W, const double *Ht, int k,
             int which, int r0, int mr, int j0, int b, lr_xform f, void *ctx,
             double *out, double *out2, double *acc) { no_sweep(); }
void prod_rows_simd(const xmat *X, const double *B, int k, int r0, int r1,
                    double *out) { no_sweep(); }
void tprod_cols_simd(const xmat *X, const double *A, int k, int c0, int nb,
                     double *out) { no_sweep(); }
#endif
