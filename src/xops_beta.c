/*
 * xops_beta.c: the passes over X of the beta-divergence multiplicative
 * updates (nmf_beta.c).  With V = W Ht^T (m x n), s = X->scale, Omega the
 * observed entries and vf = max(V, DBL_EPSILON) when beta < 2 (so no
 * negative power of a zero is taken; V itself when beta >= 2):
 *
 *   side 0:  num = (Omega o sX o vf^(beta-2)) Ht   den = (Omega o vf^(beta-1)) Ht
 *   side 1:  num = (Omega o sX o vf^(beta-2))^T W  den = (Omega o vf^(beta-1))^T W
 *
 * and, when asked, the divergence over the observed entries
 *   D_beta(sX | V) = sum d(x | vf),
 *   d(x | y) = x / y - log(x / y) - 1                              beta = 0
 *            = x log(x / y) - x + y                                beta = 1
 *            = (x^b + (b - 1) y^b - b x y^(b-1)) / (b (b - 1))     otherwise
 * (d(0 | y) = y^b / b for b > 0; the R side refuses beta <= 0 on data with
 * observed zeros).
 *
 * Two passes:
 *   xb_pass_dense   every observed entry: V is formed in blocks of columns
 *                   (one gemm), the powers taken once per entry, and the
 *                   blocks multiplied into num and den (two more gemms).
 *                   Dense X, or a dgCMatrix without a mask or with missing
 *                   entries: for beta not in {1, 2} the zeros contribute
 *                   vf^(beta-1) terms to den that have no low-rank form,
 *                   so this dense pass cannot be avoided (scikit-learn
 *                   makes it too, row by row).  For a dgCMatrix the
 *                   numerator is still accumulated at the stored entries
 *                   only, from the V block already at hand.
 *   xb_pass_stored  a dgCMatrix whose stored entries are the observed ones
 *                   (mask "zeros"): V only at the stored entries (k flops
 *                   each), nothing at the zeros.
 * (beta = 1 without a mask: den is the column sums of the other factor,
 * and a dgCMatrix takes xb_pass_stored's path (the fits use the
 * I-divergence solver, nmf_kl.c; the layer-centric fine-tuning this pass);
 * beta = 2 without a mask: den = W Ht^T Ht, nmf_beta.c's own path.
 * Neither makes a dense pass on sparse data.)
 *
 * Workspace from xb_alloc (R_alloc, once per solve).  Threads: the
 * elementwise work of a block runs on X->threads threads, columns split
 * statically; sums are reduced per column in a fixed order, so the result
 * does not depend on the thread count.
 */
#include "mlnmf.h"
#include <math.h>
#include <float.h>
#include <string.h>

#define XB_BLOCK_ELEMS 262144     /* doubles per m x cb block (2 MiB) */
#define XB_CHUNKS 8               /* xb_pass_sweep: at most 8 row chunks */

/* sqrt() may set errno, so the compiler keeps loops calling it scalar: the
 * powers with a square root use SSE2's sqrtpd where there is one (x86-64),
 * correctly rounded like sqrt(), so the same results bit for bit. */
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* vf = max(v, DBL_EPSILON), NaN too becoming DBL_EPSILON */
static inline double xb_floor(double v) { return v >= DBL_EPSILON ? v : DBL_EPSILON; }

/* v[e] <- vf[e] and p[e] = 1 / sqrt(vf[e]) (mul = 0) or 1 / (vf[e] sqrt(vf[e]))
 * (mul = 1), in one pass */
static void xb_rsqrt(size_t len, double *v, double *p, int mul)
{
    size_t e = 0;
#ifdef __SSE2__
    const __m128d one = _mm_set1_pd(1.0), eps = _mm_set1_pd(DBL_EPSILON);
    for (; e + 2 <= len; e += 2) {
        __m128d x = _mm_loadu_pd(v + e), ok = _mm_cmpge_pd(x, eps);
        x = _mm_or_pd(_mm_and_pd(ok, x), _mm_andnot_pd(ok, eps));   /* xb_floor */
        _mm_storeu_pd(v + e, x);
        __m128d q = _mm_sqrt_pd(x);
        if (mul) q = _mm_mul_pd(x, q);
        _mm_storeu_pd(p + e, _mm_div_pd(one, q));
    }
#endif
    for (; e < len; e++) {
        double x = v[e] = xb_floor(v[e]);
        p[e] = mul ? 1.0 / (x * sqrt(x)) : 1.0 / sqrt(x);
    }
}

void xb_alloc(const xmat *X, int k, double beta, xb_work *w)
{
    int m = X->m, n = X->n;
    size_t big = (size_t) (m > n ? m : n);
    w->beta = beta;
    w->stored = X->kind == XM_CSC && X->mask == XM_MASK_OBSERVED;
    size_t cb = XB_BLOCK_ELEMS / (size_t) m;
    if (cb < 8) cb = 8;
    if (cb > (size_t) n) cb = (size_t) n;
    w->cb = (int) cb;
    w->Wt = (double *) scratch_alloc((size_t) k * m, sizeof(double));
    w->Htt = (double *) scratch_alloc((size_t) k * n, sizeof(double));
    w->acc = (double *) scratch_alloc(2 * (size_t) k * big, sizeof(double));
    w->colsum = (double *) scratch_alloc(big, sizeof(double));
    w->part = (double *) scratch_alloc((size_t) XB_CHUNKS * n, sizeof(double));
    if (w->stored) { w->V = w->P = w->R = w->T = NULL; return; }
    w->V = (double *) scratch_alloc((size_t) m * cb, sizeof(double));
    w->P = (double *) scratch_alloc((size_t) m * cb, sizeof(double));
    w->R = (double *) scratch_alloc((size_t) m * cb, sizeof(double));
    w->T = (double *) scratch_alloc(2 * (size_t) k * cb, sizeof(double));
}

/* p[e] = vf^(beta - 2) for the len values v[e], vf floored (beta < 2);
 * v[e] <- vf.  The common exponents without pow(). */
static void xb_pow(double beta, size_t len, double *v, double *p)
{
    if (beta == 0) {
        NMF_SIMD
        for (size_t e = 0; e < len; e++) {
            double x = v[e] = xb_floor(v[e]);
            p[e] = 1.0 / (x * x);
        }
    } else if (beta == 0.5) {
        xb_rsqrt(len, v, p, 1);
    } else if (beta == 1) {
        NMF_SIMD
        for (size_t e = 0; e < len; e++) p[e] = 1.0 / (v[e] = xb_floor(v[e]));
    } else if (beta == 1.5) {
        xb_rsqrt(len, v, p, 0);
    } else if (beta == 2) {
        for (size_t e = 0; e < len; e++) p[e] = 1.0;
    } else if (beta == 3) {
        for (size_t e = 0; e < len; e++) p[e] = v[e];
    } else {
        if (beta < 2) for (size_t e = 0; e < len; e++) v[e] = xb_floor(v[e]);
        for (size_t e = 0; e < len; e++) p[e] = pow(v[e], beta - 2);
    }
}

static inline double xb_pow1(double beta, double v)
{
    double p;
    xb_pow(beta, 1, &v, &p);
    return p;
}

/* d(x | y) for x > 0, p = y^(beta - 2) */
double xb_div(double beta, double x, double y, double p)
{
    if (beta == 0) { double q = x * p * y; return q - log(q) - 1.0; }
    if (beta == 1) return x * log(x / y) - x + y;
    double yb1 = p * y;
    return (pow(x, beta) + (beta - 1) * yb1 * y - beta * x * yb1) / (beta * (beta - 1));
}

/* d(0 | y) = y^beta / beta (beta > 0), p = y^(beta - 2) */
static inline double xb_div0(double beta, double y, double p)
{
    return beta > 0 ? p * y * y / beta : 0.0;
}

/* M (rows x k, column-major) -> Mt (k x rows) */
static void xb_tr(int rows, int k, const double *M, double *Mt)
{
    for (int l = 0; l < k; l++)
        for (int i = 0; i < rows; i++) Mt[l + (size_t) i * k] = M[i + (size_t) l * rows];
}

/* acc (k x rows, row-major pairs num | den) -> num, den (rows x k) */
static void xb_untr(int rows, int k, const double *acc, double *num, double *den)
{
    size_t rk = (size_t) rows * k;
    for (int i = 0; i < rows; i++)
        for (int l = 0; l < k; l++) {
            num[i + (size_t) l * rows] = acc[l + (size_t) i * k];
            den[i + (size_t) l * rows] = acc[rk + l + (size_t) i * k];
        }
}

/* The elementwise part of one column block of the dense pass: V (vf on
 * return) and P (vf^(beta-2)) over m x cb.  Dense X: R = s x P (the num
 * terms) and V <- P vf (the den terms); a dgCMatrix: R = P vf (the den
 * terms), V stays vf for xb_block_stored.  Zero at the missing entries.
 * Returns the divergence of the block's observed entries (want_div; for a
 * dgCMatrix as if every entry were zero, corrected by xb_block_stored). */
static double xb_block(const xmat *X, int j0, int cb, const xb_work *w,
                       int want_div)
{
    int m = X->m, n = X->n, dense = X->kind == XM_DENSE;
    double beta = w->beta, s = X->scale, *V = w->V, *P = w->P, *R = w->R;
    double *cs = w->colsum;
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(static) if (X->threads > 1 && (size_t) m * cb > 16384)
#endif
    for (int jj = 0; jj < cb; jj++) {
        int j = j0 + jj;
        double *v = V + (size_t) jj * m, *p = P + (size_t) jj * m, dsum = 0.0;
        double *r = R + (size_t) jj * m;
        xb_pow(beta, (size_t) m, v, p);
        if (X->mask != XM_MASK_MISSING && !want_div && !(dense && X->trans)) {
            /* every entry observed, no divergence: the same operations as
             * the loop below, without its branches */
            if (dense) {
                const double *x = X->x + (size_t) j * m;
                NMF_SIMD
                for (int i = 0; i < m; i++) {
                    r[i] = (s * x[i]) * p[i];
                    v[i] *= p[i];
                }
            } else {
                NMF_SIMD
                for (int i = 0; i < m; i++) r[i] = v[i] * p[i];
            }
            cs[jj] = 0.0;
            continue;
        }
        int q = X->mask == XM_MASK_MISSING ? X->mp[j] : 0,
            end = X->mask == XM_MASK_MISSING ? X->mp[j + 1] : 0;
        for (int i = 0; i < m; i++) {
            if (q < end && X->mi[q] == i) {
                q++;
                r[i] = 0.0;
                if (dense) v[i] = 0.0;
                continue;
            }
            if (dense) {
                double x = s * (X->trans ? X->x[j + (size_t) i * n] : X->x[i + (size_t) j * m]);
                if (want_div) dsum += x > 0 ? xb_div(beta, x, v[i], p[i])
                                            : xb_div0(beta, v[i], p[i]);
                r[i] = x * p[i];
                v[i] *= p[i];
            } else {
                if (want_div) dsum += xb_div0(beta, v[i], p[i]);
                r[i] = v[i] * p[i];
            }
        }
        cs[jj] = dsum;
    }
    double d = 0.0;
    if (want_div) for (int jj = 0; jj < cb; jj++) d += cs[jj];
    return d;
}

/* The stored entries of a dgCMatrix in the block (dense pass): the
 * numerator terms r = s x p into acc (k x rows, row-major: rows of W for
 * side 0, of Ht for side 1), from the V (vf) and P blocks; the divergence
 * correction d(x | v) - d(0 | v) at those entries. */
static double xb_block_stored(const xmat *X, int j0, int cb, int side,
                              const xb_work *w, int want_div, double *acc)
{
    int m = X->m, k = w->k;
    double beta = w->beta, s = X->scale, d = 0.0;
    for (int jj = 0; jj < cb; jj++) {
        int j = j0 + jj;
        int q = X->mask == XM_MASK_MISSING ? X->mp[j] : 0,
            end = X->mask == XM_MASK_MISSING ? X->mp[j + 1] : 0;
        const double *p = w->P + (size_t) jj * m, *vf = w->V + (size_t) jj * m;
        for (int t = X->cp[j]; t < X->cp[j + 1]; t++) {
            int i = X->ci[t];
            while (q < end && X->mi[q] < i) q++;
            if (q < end && X->mi[q] == i) continue;
            double x = s * X->x[t];
            if (!(x > 0)) continue;
            double r = x * p[i];
            if (want_div)
                d += xb_div(beta, x, vf[i], p[i]) - xb_div0(beta, vf[i], p[i]);
            if (!acc) continue;
            const double *f = side ? w->Wt + (size_t) i * k : w->Htt + (size_t) j * k;
            double *a = acc + (size_t) (side ? j : i) * k;
            for (int l = 0; l < k; l++) a[l] += r * f[l];
        }
    }
    return d;
}

/* The dense pass (see the top of the file).  num, den: side 0 m x k,
 * side 1 n x k, or num = NULL for the divergence only. */
static double xb_pass_dense(const xmat *X, const double *W, const double *Ht,
                            int k, int side, double *num, double *den,
                            int want_div, xb_work *w)
{
    int m = X->m, n = X->n, dense = X->kind == XM_DENSE;
    int rows = side ? n : m;
    double d = 0.0, *acc = NULL;
    if (num && !dense) {
        acc = w->acc;
        memset(acc, 0, (size_t) rows * k * sizeof(double));
    }
    for (int j0 = 0; j0 < n; j0 += w->cb) {
        int cb = n - j0 < w->cb ? n - j0 : w->cb;
        la_gemm("N", "T", m, cb, k, 1.0, W, m, Ht + j0, n, 0.0, w->V, m);
        d += xb_block(X, j0, cb, w, want_div);
        if (!dense) d += xb_block_stored(X, j0, cb, side, w, want_div, acc);
        if (!num) continue;
        const double *Nb = dense ? w->R : NULL, *Db = dense ? w->V : w->R;
        if (side == 0) {
            double b0 = j0 == 0 ? 0.0 : 1.0;
            if (Nb) la_gemm("N", "N", m, k, cb, 1.0, Nb, m, Ht + j0, n, b0, num, m);
            la_gemm("N", "N", m, k, cb, 1.0, Db, m, Ht + j0, n, b0, den, m);
        } else {
            /* W^T B (k x cb) as "N", "N" with Wt, then into rows j0.. */
            double *T = w->T;
            if (Nb) la_gemm("N", "N", k, cb, m, 1.0, w->Wt, k, Nb, m, 0.0, T, k);
            la_gemm("N", "N", k, cb, m, 1.0, w->Wt, k, Db, m, 0.0, T + (size_t) k * cb, k);
            for (int jj = 0; jj < cb; jj++)
                for (int l = 0; l < k; l++) {
                    if (Nb) num[j0 + jj + (size_t) l * n] = T[l + (size_t) jj * k];
                    den[j0 + jj + (size_t) l * n] = T[(size_t) k * cb + l + (size_t) jj * k];
                }
        }
    }
    if (acc)                                  /* the sparse numerator */
        for (int i = 0; i < rows; i++)
            for (int l = 0; l < k; l++) num[i + (size_t) l * rows] = acc[l + (size_t) i * k];
    return d;
}

/* The pass over the stored entries only (a dgCMatrix under mask "zeros",
 * or beta = 1 without a mask): y = <W_i, Ht_j> at each stored entry, both
 * terms accumulated in acc.  kl (beta = 1, every entry observed): den is
 * the column sums of the other factor, and the divergence's y terms are
 * sum(W Ht^T) = <colsums(W), colsums(Ht)>, so the zeros cost nothing. */
static double xb_pass_stored(const xmat *X, const double *W, const double *Ht,
                             int k, int side, double *num, double *den,
                             int want_div, int kl, xb_work *w)
{
    int m = X->m, n = X->n, rows = side ? n : m;
    double beta = w->beta, s = X->scale, d = 0.0, *acc = w->acc;
    size_t rk = (size_t) rows * k;
    if (num) memset(acc, 0, 2 * rk * sizeof(double));
    if (kl && (want_div || num)) {
        double sv = 0.0;
        for (int l = 0; l < k; l++) {
            double a = 0.0, b = 0.0;
            for (int i = 0; i < m; i++) a += W[i + (size_t) l * m];
            for (int j = 0; j < n; j++) b += Ht[j + (size_t) l * n];
            sv += a * b;
            for (int i = 0; num && i < rows; i++)   /* den: the other's sums */
                acc[rk + l + (size_t) i * k] = side ? a : b;
        }
        d = want_div ? sv : 0.0;
    }
    for (int j = 0; j < n; j++) {
        const double *h = w->Htt + (size_t) j * k;
        for (int t = X->cp[j]; t < X->cp[j + 1]; t++) {
            int i = X->ci[t];
            const double *wi = w->Wt + (size_t) i * k;
            double y = 0.0;
            for (int l = 0; l < k; l++) y += wi[l] * h[l];
            double p = xb_pow1(beta, y), x = s * X->x[t];
            if (beta < 2 && !(y >= DBL_EPSILON)) y = DBL_EPSILON;
            if (want_div) d += (x > 0 ? xb_div(beta, x, y, p) : xb_div0(beta, y, p))
                               - (kl ? y : 0.0);
            if (!num) continue;
            double r = x * p, e = kl ? 0.0 : y * p;
            const double *f = side ? wi : h;
            double *a = acc + (size_t) (side ? j : i) * k;
            for (int l = 0; l < k; l++) { a[l] += r * f[l]; a[rk + l] += e * f[l]; }
        }
    }
    if (num) xb_untr(rows, k, acc, num, den);
    return d;
}

/* The dense pass in one sweep (xops_sweep.c's lr_simd, where the
 * processor has AVX2 and FMA, k <= KL_SIMD_KMAX and no mask): V never
 * stored as a block, its entries turned into the numerator's and the
 * denominator's terms by xb_sweep_terms below, row block by row block. */
typedef struct { double beta; int want_div; } xb_ctx;

/* y (V's rows i0 .. i0 + nr - 1 of column j) -> the numerator's terms
 * s x vf^(beta-2) in y, the denominator's vf^(beta-1) in r2; the
 * divergence of those entries when asked */
static double xb_sweep_terms(const xmat *X, void *ctx, int j, int i0, int nr,
                             double *y, double *r2)
{
    const xb_ctx *c = (const xb_ctx *) ctx;
    double beta = c->beta, s = X->scale, d = 0.0;
    if (X->kind == XM_DENSE && !c->want_div &&
        lr_beta_terms(beta, s, X->x + (size_t) j * X->m + i0, nr, y, r2))
        return 0.0;
    xb_pow(beta, (size_t) nr, y, r2);              /* y <- vf, r2 <- p */
    if (X->kind == XM_DENSE) {
        const double *x = X->x + (size_t) j * X->m + i0;
        if (c->want_div)
            for (int i = 0; i < nr; i++) {
                double xv = s * x[i];
                d += xv > 0 ? xb_div(beta, xv, y[i], r2[i]) : xb_div0(beta, y[i], r2[i]);
            }
        NMF_SIMD
        for (int i = 0; i < nr; i++) {
            double p = r2[i], vf = y[i];
            y[i] = (s * x[i]) * p;
            r2[i] = vf * p;
        }
        return d;
    }
    /* a dgCMatrix: every entry's denominator term and d(0 | vf), the
     * numerator's terms and the divergence's corrections at the stored
     * entries of these rows (found by bisection) */
    double nv[KL_RB];
    int t0 = X->cp[j], t1 = X->cp[j + 1];
    while (t0 < t1) {
        int mid = t0 + (t1 - t0) / 2;
        if (X->ci[mid] < i0) t0 = mid + 1; else t1 = mid;
    }
    t1 = X->cp[j + 1];
    int nst = 0;
    for (int t = t0; t < t1 && X->ci[t] < i0 + nr; t++, nst++) {
        int i = X->ci[t] - i0;
        double xv = s * X->x[t];
        nv[nst] = xv > 0 ? xv * r2[i] : 0.0;
        if (c->want_div && xv > 0)
            d += xb_div(beta, xv, y[i], r2[i]) - xb_div0(beta, y[i], r2[i]);
    }
    if (c->want_div)
        for (int i = 0; i < nr; i++) d += xb_div0(beta, y[i], r2[i]);
    NMF_SIMD
    for (int i = 0; i < nr; i++) {
        r2[i] = y[i] * r2[i];
        y[i] = 0.0;
    }
    for (int q = 0; q < nst; q++) y[X->ci[t0 + q] - i0] = nv[q];
    return d;
}

#define XB_CHUNK_ROWS 64   /* of at least this many rows */
#define XB_SWEEP_COLS 64   /* side 1: columns per piece */

/* Pieces that do not depend on the thread count, as xm_kl_pass's: side 1
 * (and the divergence alone) column blocks of full height, each writing
 * its own rows of num and den; side 0 fixed row chunks through every
 * column, each writing its own rows.  The divergence is added per column
 * and chunk in a fixed order. */
static double xb_pass_sweep(const xmat *X, const double *W, const double *Ht,
                            int k, int side, double *num, double *den,
                            int want_div, xb_work *w)
{
    int m = X->m, n = X->n, which = num ? side : -1;
    int nch = m / XB_CHUNK_ROWS;
    if (nch < 1) nch = 1;
    if (nch > XB_CHUNKS) nch = XB_CHUNKS;
    if (which != 0) nch = 1;
    int nblk = (n + XB_SWEEP_COLS - 1) / XB_SWEEP_COLS;
    int npc = which == 0 ? nch : nblk;
    int nt = X->threads < npc ? X->threads : npc;
    if (nt < 1) nt = 1;
    xb_ctx c = { w->beta, want_div };
    double *part = want_div ? w->part : NULL;
    if (which == 0) {
        memset(num, 0, (size_t) m * k * sizeof(double));
        memset(den, 0, (size_t) m * k * sizeof(double));
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
    for (int pc = 0; pc < npc; pc++) {
        if (which == 0) {
            int r0 = (int) ((size_t) m * pc / nch), r1 = (int) ((size_t) m * (pc + 1) / nch);
            lr_simd(X, W, Ht, k, 0, r0, r1 - r0, 0, n, xb_sweep_terms, &c, num, den,
                    part ? part + (size_t) pc * n : NULL);
        } else {
            int j0 = pc * XB_SWEEP_COLS, b = n - j0 < XB_SWEEP_COLS ? n - j0 : XB_SWEEP_COLS;
            lr_simd(X, W, Ht, k, which, 0, m, j0, b, xb_sweep_terms, &c, num, den,
                    part ? part + j0 : NULL);
        }
    }
    double d = 0.0;
    if (part)
        for (int j = 0; j < n; j++)
            for (int q = 0; q < nch; q++) d += part[(size_t) q * n + j];
    return d;
}

/* One pass for the update of one factor (side 0: W, m x k; side 1: Ht,
 * n x k), see the top of the file; num = NULL: the divergence only.
 * Returns D_beta(sX | W Ht^T) over the observed entries when want_div
 * (else 0).  w from xb_alloc(X, k, beta). */
double xb_pass(const xmat *X, const double *W, const double *Ht, int k,
               int side, double *num, double *den, int want_div, xb_work *w)
{
    w->k = k;
    int kl = w->beta == 1 && X->kind == XM_CSC && X->mask == XM_MASK_NONE;
    if (w->stored || X->kind == XM_CSC || side == 1) xb_tr(X->m, k, W, w->Wt);
    if (w->stored || X->kind == XM_CSC) xb_tr(X->n, k, Ht, w->Htt);
    if (w->stored || kl)
        return xb_pass_stored(X, W, Ht, k, side, num, den, want_div, kl, w);
    if (lr_simd_usable(X, k))
        return xb_pass_sweep(X, W, Ht, k, side, num, den, want_div, w);
    return xb_pass_dense(X, W, Ht, k, side, num, den, want_div, w);
}
