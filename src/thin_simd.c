/*
 * thin_simd.c: kernels for the products in which one side is thin (at
 * most THIN_PMAX columns), with AVX2 and FMA where the processor has them
 * (the run-time check and switch of xops_sweep.c, kl_simd_enabled()).
 *
 * The layers of a deep cascade are such products throughout: Figure 1's
 * are 10 x 1000 at rank 10, and every product of an iteration (X Ht,
 * X^T W, HALS's exact shortcut A B^{-1}) has an inner or outer dimension
 * of 10.  A BLAS spends such calls mostly in packing its panels and in
 * its edge cases; these kernels keep the thin operand in registers or the
 * first-level cache and read the long one once:
 *   thin_nn_simd  out = alpha A B, A long (len x p), B p x q: eight rows
 *                 of A by four columns of B, eight running sums (and
 *                 thin_nt_simd, the same with B given as its transpose);
 *   thin_tn_simd  out = alpha P^T Q, P and Q long: four columns of P by
 *                 two of Q, eight running sums, over row chunks that stay
 *                 in the second-level cache;
 *   gram_cols_simd   A^T A, A long (the small Grams, NNDSVD's Gram of the
 *                 short side), the same blocks as thin_tn_simd;
 *   thin_gemv_simd   y = A b, A long (HALS's coordinate sweeps);
 *   hals_exact_simd  HALS's exact shortcut (nmf_hals.c's hals_block):
 *                 s_i = (a_i - l1) B^{-1} as thin_nn's product with
 *                 B^{-1}, then the feasibility test and the store of the
 *                 feasible rows, in the same pass.
 * Results differ from the BLAS path's by rounding only (test-blas.R
 * compares the two).
 */
#include "mlnmf.h"
#include <math.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(MLNMF_NO_AVX2)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma")))

/* rows per chunk of thin_tn_simd */
#define THIN_ROWS 1024
#define TGT_INLINE TGT __attribute__((always_inline)) static inline

/* Rows i .. i + 7 of a long matrix for the eight-row kernels: a (leading
 * dimension lda, p columns) itself, or, when only nrows < 8 are left, a
 * zero-padded copy in pad (no access beyond the rows); *ld receives the
 * leading dimension of what is returned. */
TGT_INLINE const double *rows8(const double *a, size_t lda, int p, int nrows,
                               double *pad, size_t *ld)
{
    *ld = lda;
    if (nrows >= 8) return a;
    for (int t = 0; t < p; t++)
        for (int r = 0; r < 8; r++)
            pad[t * 8 + r] = r < nrows ? a[(size_t) t * lda + r] : 0.0;
    *ld = 8;
    return pad;
}

/* The 8 x 4 block of a product A B: rows 0 .. 7 of a (leading dimension
 * la) by the four columns b[0 .. 3] of B (entry t of column c at
 * b[c][t * sbt]), p products each; r[c][0] and r[c][1] receive rows 0-3
 * and 4-7 of column c.  Eight running sums, each load of a feeding four
 * fused multiply-adds. */
TGT_INLINE void nn_block(const double *a, size_t la, const double *const b[4],
                         size_t sbt, int p, __m256d r[4][2])
{
    __m256d s00 = _mm256_setzero_pd(), s01 = s00, s10 = s00, s11 = s00,
        s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (int t = 0; t < p; t++) {
        __m256d x0 = _mm256_loadu_pd(a + t * la), x1 = _mm256_loadu_pd(a + t * la + 4), w;
        w = _mm256_set1_pd(b[0][t * sbt]);
        s00 = _mm256_fmadd_pd(x0, w, s00); s01 = _mm256_fmadd_pd(x1, w, s01);
        w = _mm256_set1_pd(b[1][t * sbt]);
        s10 = _mm256_fmadd_pd(x0, w, s10); s11 = _mm256_fmadd_pd(x1, w, s11);
        w = _mm256_set1_pd(b[2][t * sbt]);
        s20 = _mm256_fmadd_pd(x0, w, s20); s21 = _mm256_fmadd_pd(x1, w, s21);
        w = _mm256_set1_pd(b[3][t * sbt]);
        s30 = _mm256_fmadd_pd(x0, w, s30); s31 = _mm256_fmadd_pd(x1, w, s31);
    }
    r[0][0] = s00; r[0][1] = s01; r[1][0] = s10; r[1][1] = s11;
    r[2][0] = s20; r[2][1] = s21; r[3][0] = s30; r[3][1] = s31;
}

/* s[u][v] = sum over rows 0 .. nr - 1 of ca[u][i] cb[v][i]: four columns
 * of one side by two of the other, eight running sums of four lanes (the
 * last nr % 4 rows added to lane 0), each load feeding four or two fused
 * multiply-adds; the lanes are added as (l0 + l1) + (l2 + l3). */
TGT_INLINE void tn_block(const double *const ca[4], const double *const cb[2],
                         int nr, double s[4][2])
{
    int nv = nr & ~3;
    __m256d s00 = _mm256_setzero_pd(), s01 = s00, s10 = s00, s11 = s00,
        s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (int i = 0; i < nv; i += 4) {
        __m256d x0 = _mm256_loadu_pd(cb[0] + i), x1 = _mm256_loadu_pd(cb[1] + i);
        __m256d y = _mm256_loadu_pd(ca[0] + i);
        s00 = _mm256_fmadd_pd(y, x0, s00); s01 = _mm256_fmadd_pd(y, x1, s01);
        y = _mm256_loadu_pd(ca[1] + i);
        s10 = _mm256_fmadd_pd(y, x0, s10); s11 = _mm256_fmadd_pd(y, x1, s11);
        y = _mm256_loadu_pd(ca[2] + i);
        s20 = _mm256_fmadd_pd(y, x0, s20); s21 = _mm256_fmadd_pd(y, x1, s21);
        y = _mm256_loadu_pd(ca[3] + i);
        s30 = _mm256_fmadd_pd(y, x0, s30); s31 = _mm256_fmadd_pd(y, x1, s31);
    }
    double t[4][2][4];
    _mm256_storeu_pd(t[0][0], s00); _mm256_storeu_pd(t[0][1], s01);
    _mm256_storeu_pd(t[1][0], s10); _mm256_storeu_pd(t[1][1], s11);
    _mm256_storeu_pd(t[2][0], s20); _mm256_storeu_pd(t[2][1], s21);
    _mm256_storeu_pd(t[3][0], s30); _mm256_storeu_pd(t[3][1], s31);
    for (int u = 0; u < 4; u++)
        for (int v = 0; v < 2; v++) {
            double *w = t[u][v];
            for (int i = nv; i < nr; i++) w[0] = fma(ca[u][i], cb[v][i], w[0]);
            s[u][v] = (w[0] + w[1]) + (w[2] + w[3]);
        }
}

/* out (len x q, leading dimension ldo) = alpha A B, A len x p (lda), B
 * p x q with B[t, c] at B[t * sbt + c * sbc] (sbt = 1, sbc = ldb: a plain
 * B; sbt = ldb, sbc = 1: the transpose of a q x p block).  0 (nothing
 * done) when it does not apply. */
TGT static int thin_nn_core(int len, int p, int q, double alpha, const double *A,
                            size_t lda, const double *B, size_t sbt, size_t sbc,
                            double *out, size_t ldo)
{
    if (p < 1 || p > THIN_PMAX || q < 1 || !kl_simd_enabled()) return 0;
    double pad[THIN_PMAX * 8];
    const __m256d va = _mm256_set1_pd(alpha);
    for (int i0 = 0; i0 < len; i0 += 8) {
        int nrows = len - i0 < 8 ? len - i0 : 8;
        size_t la;
        const double *a = rows8(A + i0, lda, p, nrows, pad, &la);
        for (int l0 = 0; l0 < q; l0 += 4) {
            /* columns past q repeat column q - 1 (their sums are dropped) */
            const double *b[4];
            for (int c = 0; c < 4; c++)
                b[c] = B + (size_t) (l0 + c < q ? l0 + c : q - 1) * sbc;
            __m256d r[4][2];
            nn_block(a, la, b, sbt, p, r);
            for (int c = 0; c < 4 && l0 + c < q; c++) {
                double *o = out + (size_t) (l0 + c) * ldo + i0;
                __m256d y0 = _mm256_mul_pd(r[c][0], va), y1 = _mm256_mul_pd(r[c][1], va);
                if (nrows == 8) {
                    _mm256_storeu_pd(o, y0);
                    _mm256_storeu_pd(o + 4, y1);
                } else {
                    double u[8];
                    _mm256_storeu_pd(u, y0);
                    _mm256_storeu_pd(u + 4, y1);
                    for (int i = 0; i < nrows; i++) o[i] = u[i];
                }
            }
        }
    }
    return 1;
}

TGT int thin_nn_simd(int len, int p, int q, double alpha, const double *A,
                     size_t lda, const double *B, size_t ldb, double *out,
                     size_t ldo)
{
    return thin_nn_core(len, p, q, alpha, A, lda, B, 1, ldb, out, ldo);
}

/* out (len x q) = alpha A C^T for C q x p (leading dimension ldc) */
TGT int thin_nt_simd(int len, int p, int q, double alpha, const double *A,
                     size_t lda, const double *C, size_t ldc, double *out,
                     size_t ldo)
{
    return thin_nn_core(len, p, q, alpha, A, lda, C, ldc, 1, out, ldo);
}

/* y (len) = A b, A len x p (lda), b p: sixteen rows at a time (four
 * running sums of p products each), then four at a time (a factor of ten
 * rows, the W side of Figure 1's layers, never reached sixteen and ran
 * row by row), the last rows one at a time; every row with the same fused
 * multiply-adds in the same order. */
/* Rows 0 .. 4 nv - 1 of y = A b (a = A's first row of them): nv running
 * sums of four rows each, p fused multiply-adds per row in order t. */
TGT_INLINE void gemv_rows(int nv, int p, const double *a, size_t lda,
                          const double *b, double *y)
{
    __m256d s[4] = { _mm256_setzero_pd(), _mm256_setzero_pd(),
                     _mm256_setzero_pd(), _mm256_setzero_pd() };
    for (int t = 0; t < p; t++) {
        __m256d w = _mm256_set1_pd(b[t]);
        const double *at = a + (size_t) t * lda;
        _Pragma("GCC unroll 4")
        for (int v = 0; v < nv; v++)
            s[v] = _mm256_fmadd_pd(_mm256_loadu_pd(at + 4 * v), w, s[v]);
    }
    _Pragma("GCC unroll 4")
    for (int v = 0; v < nv; v++) _mm256_storeu_pd(y + 4 * v, s[v]);
}

TGT int thin_gemv_simd(int len, int p, const double *A, size_t lda,
                       const double *b, double *y)
{
    if (p < 1 || p > THIN_PMAX || !kl_simd_enabled()) return 0;
    int i = 0;
    for (; i + 16 <= len; i += 16) gemv_rows(4, p, A + i, lda, b, y + i);
    for (; i + 8 <= len; i += 8) gemv_rows(2, p, A + i, lda, b, y + i);
    for (; i + 4 <= len; i += 4) gemv_rows(1, p, A + i, lda, b, y + i);
    for (; i < len; i++) {
        double s = 0.0;
        for (int t = 0; t < p; t++) s = fma(A[i + (size_t) t * lda], b[t], s);
        y[i] = s;
    }
    return 1;
}

/* out (p x q, leading dimension ldo) = alpha P^T Q, P len x p (ldp), Q
 * len x q (ldq), p and q at most THIN_PMAX.  0 when it does not apply. */
TGT int thin_tn_simd(int len, int p, int q, double alpha, const double *P,
                     size_t ldp, const double *Q, size_t ldq, double *out,
                     size_t ldo)
{
    if (p < 1 || p > THIN_PMAX || q < 1 || q > THIN_PMAX || !kl_simd_enabled())
        return 0;
    double acc[THIN_PMAX * THIN_PMAX];
    for (int j = 0; j < p * q; j++) acc[j] = 0.0;
    for (int r0 = 0; r0 < len; r0 += THIN_ROWS) {
        int nr = len - r0 < THIN_ROWS ? len - r0 : THIN_ROWS;
        for (int a0 = 0; a0 < p; a0 += 4)
            for (int b0 = 0; b0 < q; b0 += 2) {
                const double *ca[4], *cb[2];
                for (int u = 0; u < 4; u++)
                    ca[u] = P + (size_t) (a0 + u < p ? a0 + u : p - 1) * ldp + r0;
                for (int v = 0; v < 2; v++)
                    cb[v] = Q + (size_t) (b0 + v < q ? b0 + v : q - 1) * ldq + r0;
                double t[4][2];
                tn_block(ca, cb, nr, t);
                for (int u = 0; u < 4 && a0 + u < p; u++)
                    for (int v = 0; v < 2 && b0 + v < q; v++)
                        acc[a0 + u + (size_t) (b0 + v) * p] += t[u][v];
            }
    }
    for (int b = 0; b < q; b++)
        for (int a = 0; a < p; a++) out[a + (size_t) b * ldo] = alpha * acc[a + (size_t) b * p];
    return 1;
}


/* out (nc x nc) (+)= A^T A for A (nr x nc, leading dimension lda): blocks
 * of four columns of A against pairs (tn_block); the last, partial blocks
 * repeat their last column (the extra sums are dropped).  Each entry with
 * a <= b is summed in the one block that holds (a, b) and copied to
 * (b, a), so out is exactly symmetric.  0 when it does not apply. */
TGT int gram_cols_simd(const double *A, size_t lda, int nr, int nc,
                       double *out, int accumulate)
{
    if (!kl_simd_enabled() || nc < 1) return 0;
    for (int a0 = 0; a0 < nc; a0 += 4)
        for (int b0 = a0 & ~1; b0 < nc; b0 += 2) {
            const double *ca[4], *cb[2];
            for (int p = 0; p < 4; p++) ca[p] = A + (size_t) (a0 + p < nc ? a0 + p : nc - 1) * lda;
            for (int q = 0; q < 2; q++) cb[q] = A + (size_t) (b0 + q < nc ? b0 + q : nc - 1) * lda;
            double t[4][2];
            tn_block(ca, cb, nr, t);
            for (int p = 0; p < 4 && a0 + p < nc; p++)
                for (int q = 0; q < 2 && b0 + q < nc; q++) {
                    int a = a0 + p, b = b0 + q;
                    if (a > b) continue;
                    double v = t[p][q];
                    if (accumulate) v += out[a + (size_t) b * nc];
                    out[a + (size_t) b * nc] = out[b + (size_t) a * nc] = v;
                }
        }
    return 1;
}

/* Returns the number of rows of the block r0 .. r0 + rb - 1 whose shortcut
 * is not feasible, listed (as offsets from r0, ascending) in bad; the other
 * rows of M are set to their shortcut.  Binv is B^{-1} (k x k, from
 * la_chol_inverse).  -1 when the kernel does not apply (k above
 * HALS_SIMD_KMAX, or no AVX2, or the vector kernels are off): nothing is
 * done then. */
TGT int hals_exact_simd(int len, int k, int r0, int rb, double *M,
                        const double *A, const double *Binv, double eps,
                        double l1, int *bad)
{
    if (k < 1 || k > HALS_SIMD_KMAX || !kl_simd_enabled()) return -1;
    /* s_l = sum_p a_p Binv[p, l] - l1 sum_p Binv[p, l] (0 without L1) */
    double cl[HALS_SIMD_KMAX + 3];
    for (int l = 0; l < k + 3; l++) {
        double t = 0.0;
        if (l < k) for (int p = 0; p < k; p++) t += Binv[p + (size_t) l * k];
        cl[l] = l1 * t;
    }
    /* eight rows (two vectors) at a time, four columns of s at a time:
     * eight independent sums of k products each */
    __m256d sv[HALS_SIMD_KMAX + 3][2];
    double pad[HALS_SIMD_KMAX * 8];
    const __m256d veps = _mm256_set1_pd(eps), vinf = _mm256_set1_pd(R_PosInf);
    int nc = 0;
    for (int i0 = 0; i0 < rb; i0 += 8) {
        int nrows = rb - i0 < 8 ? rb - i0 : 8;
        size_t la;
        const double *a = rows8(A + (size_t) r0 + i0, (size_t) len, k, nrows, pad, &la);
        for (int l0 = 0; l0 < k; l0 += 4) {
            /* columns l0 + 1 .. l0 + 3 past k read column l0's entries
             * (their sums are computed and never used) */
            const double *b[4];
            for (int c = 0; c < 4; c++)
                b[c] = Binv + (size_t) (l0 + c < k ? l0 + c : l0) * k;
            __m256d r[4][2];
            nn_block(a, la, b, 1, k, r);
            for (int c = 0; c < 4; c++) {
                __m256d d = _mm256_set1_pd(cl[l0 + c]);
                sv[l0 + c][0] = _mm256_sub_pd(r[c][0], d);
                sv[l0 + c][1] = _mm256_sub_pd(r[c][1], d);
            }
        }
        for (int v = 0; v < 2 && 4 * v < nrows; v++) {
            int nr = nrows - 4 * v < 4 ? nrows - 4 * v : 4;
            __m256d ok = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
            for (int l = 0; l < k; l++)
                ok = _mm256_and_pd(ok, _mm256_and_pd(_mm256_cmp_pd(sv[l][v], veps, _CMP_GE_OQ),
                                                     _mm256_cmp_pd(sv[l][v], vinf, _CMP_LT_OQ)));
            int okb = _mm256_movemask_pd(ok) & ((1 << nr) - 1);
            double *mi = M + (size_t) r0 + i0 + 4 * v;
            if (okb == 15) {
                for (int l = 0; l < k; l++) _mm256_storeu_pd(mi + (size_t) l * len, sv[l][v]);
            } else if (okb && nr == 4) {
                /* all four rows are the block's: a blend and a full store
                 * (a masked store is slow on some processors: it took a
                 * fifth of this kernel's time on AMD Zen 3) */
                for (int l = 0; l < k; l++) {
                    double *ml = mi + (size_t) l * len;
                    _mm256_storeu_pd(ml, _mm256_blendv_pd(_mm256_loadu_pd(ml), sv[l][v], ok));
                }
            } else if (okb) {
                for (int l = 0; l < k; l++) {
                    double u[4];
                    _mm256_storeu_pd(u, sv[l][v]);
                    for (int r = 0; r < nr; r++)
                        if (okb >> r & 1) mi[(size_t) l * len + r] = u[r];
                }
            }
            int b = ~okb & ((1 << nr) - 1);
            while (b) {
                bad[nc++] = i0 + 4 * v + __builtin_ctz((unsigned) b);
                b &= b - 1;
            }
        }
    }
    return nc;
}

/* nmf_common.c's nmf_mult_update four entries at a time: v = M num / den
 * where den > 0 (M otherwise), floored at eps (NaN too), M <- v; returns
 * the squared change, summed in four lanes (the scalar loop's divisions
 * and its branches kept it from vectorizing: 14% of a sparse MU fit).
 * Each entry is the scalar loop's, bit for bit; the change differs from
 * its sum by rounding.  0 (nothing done) when it does not apply. */
TGT int mult_update_simd(size_t len, double *M, const double *num,
                         const double *den, double eps, double *change)
{
    if (!kl_simd_enabled()) return 0;
    const __m256d zero = _mm256_setzero_pd(), veps = _mm256_set1_pd(eps);
    __m256d acc = zero;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        __m256d m = _mm256_loadu_pd(M + i), d = _mm256_loadu_pd(den + i);
        __m256d q = _mm256_div_pd(_mm256_mul_pd(m, _mm256_loadu_pd(num + i)), d);
        __m256d v = _mm256_blendv_pd(m, q, _mm256_cmp_pd(d, zero, _CMP_GT_OQ));
        v = _mm256_blendv_pd(veps, v, _mm256_cmp_pd(v, veps, _CMP_GT_OQ));
        __m256d dv = _mm256_sub_pd(v, m);
        acc = _mm256_fmadd_pd(dv, dv, acc);
        _mm256_storeu_pd(M + i, v);
    }
    double lanes[4], c = 0.0;
    _mm256_storeu_pd(lanes, acc);
    for (; i < len; i++) {
        double v = den[i] > 0 ? M[i] * num[i] / den[i] : M[i];
        if (!(v > eps)) v = eps;
        c += (v - M[i]) * (v - M[i]);
        M[i] = v;
    }
    *change = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + c;
    return 1;
}

#else   /* no AVX2 in this build */

int mult_update_simd(size_t len, double *M, const double *num,
                     const double *den, double eps, double *change) { return 0; }

int thin_nn_simd(int len, int p, int q, double alpha, const double *A,
                 size_t lda, const double *B, size_t ldb, double *out,
                 size_t ldo) { return 0; }
int thin_tn_simd(int len, int p, int q, double alpha, const double *P,
                 size_t ldp, const double *Q, size_t ldq, double *out,
                 size_t ldo) { return 0; }
int thin_gemv_simd(int len, int p, const double *A, size_t lda,
                   const double *b, double *y) { return 0; }
int thin_nt_simd(int len, int p, int q, double alpha, const double *A,
                 size_t lda, const double *C, size_t ldc, double *out,
                 size_t ldo) { return 0; }
int gram_cols_simd(const double *A, size_t lda, int nr, int nc, double *out,
                   int accumulate) { return 0; }

int hals_exact_simd(int len, int k, int r0, int rb, double *M,
                    const double *A, const double *Binv, double eps,
                    double l1, int *bad) { return -1; }

#endif
