/*
 * nndsvd.c: starting factors for sX ~ W Ht^T.
 *
 * NNDSVD (Boutsidis and Gallopoulos, 2008) needs only the leading k
 * singular triplets (u_j, s_j, v_j) of sX:
 *   W[,1] = sqrt(s_1) |u_1|,  Ht[,1] = sqrt(s_1) |v_1|, and for j > 1 the
 *   positive or the negative parts of (u_j, v_j), whichever pair has the
 *   larger product of norms m_j, scaled by sqrt(s_j m_j).
 * The triplets come from the eigenvectors of the smaller Gram matrix when
 * min(m, n) <= 4 (k + 10), and otherwise from a randomized range finder
 * with NNDSVD_POWER = 1 power iteration (Halko, Martinsson and Tropp,
 * 2011; 4 passes over X: a start needs the leading subspace only roughly;
 * 4 iterations cost more than 5 HALS iterations on 3000 x 2000, and 1, 2
 * or 4 reached the same errors there) whose
 * Gaussian start is drawn from R's RNG: a full SVD of a large X is never
 * computed.  Each singular pair is signed so that the entry of u_j of
 * largest magnitude is positive, which makes the result independent of
 * the LAPACK build.
 * Variants: "nndsvd" floors zeros at eps, "nndsvda" replaces them by the
 * mean of sX, "nndsvdar" by mean(sX) * U(0, 1) / 100.  "random" draws
 * every entry as sqrt(mean(sX) / k) * 2 U(0, 1).
 */
#include "mlnmf.h"
#include <math.h>
#include <Rmath.h>

#ifndef NNDSVD_POWER
#define NNDSVD_POWER 1
#endif

/* Leading k triplets: U (m x k), s (k), V (n x k). */
static void leading_svd(const xmat *X, int k, double *U, double *s, double *V)
{
    int m = X->m, n = X->n, mn = m < n ? m : n;
    int l = k + 10 < mn ? k + 10 : mn;
    if (mn <= 4 * (k + 10)) {
        double *Gm = (double *) scratch_alloc((size_t) mn * mn, sizeof(double));
        double *ev = (double *) scratch_alloc((size_t) k, sizeof(double));
        xm_gram(X, Gm);
        /* Gram of the short side: its k leading eigenvectors are one side
         * (straight into U or V), the other is X^T U / s (or X V / s). */
        double *one = (m <= n) ? U : V, *other = (m <= n) ? V : U;
        int lo = (m <= n) ? n : m;
        la_sym_top(mn, k, Gm, ev, one);
        for (int j = 0; j < k; j++) s[j] = ev[j] > 0 ? sqrt(ev[j]) : 0.0;
        if (m <= n) xm_tprod(X, one, k, other); else xm_prod(X, one, k, other);
        for (int j = 0; j < k; j++) {
            double *o = other + (size_t) j * lo;
            double inv = s[j] > 0 ? 1.0 / s[j] : 0.0;
            for (int i = 0; i < lo; i++) o[i] *= inv;
        }
    } else {
        double *Om = (double *) scratch_alloc((size_t) n * l, sizeof(double));
        double *Q = (double *) scratch_alloc((size_t) m * l, sizeof(double));
        double *sb = (double *) scratch_alloc((size_t) l, sizeof(double));
        double *Ub = (double *) scratch_alloc((size_t) n * l, sizeof(double));
        double *Vbt = (double *) scratch_alloc((size_t) l * l, sizeof(double));
        for (size_t i = 0; i < (size_t) n * l; i++) Om[i] = norm_rand();
        xm_prod(X, Om, l, Q);
        la_orthonormalize(m, l, Q);
        for (int p = 0; p < NNDSVD_POWER; p++) {
            xm_tprod(X, Q, l, Om);
            la_orthonormalize(n, l, Om);
            xm_prod(X, Om, l, Q);
            la_orthonormalize(m, l, Q);
        }
        xm_tprod(X, Q, l, Om);          /* B^T = X^T Q, n x l */
        la_svd_thin(n, l, Om, sb, Ub, Vbt);
        /* X ~ Q B = (Q Vb) diag(sb) Ub^T */
        la_gemm("N", "T", m, k, l, 1.0, Q, m, Vbt, l, 0.0, U, m);
        for (int j = 0; j < k; j++) {
            s[j] = sb[j];
            for (int i = 0; i < n; i++)
                V[i + (size_t) j * n] = Ub[i + (size_t) j * n];
        }
    }
    for (int j = 0; j < k; j++) {
        double *u = U + (size_t) j * m, *v = V + (size_t) j * n, big = 0.0;
        for (int i = 0; i < m; i++) if (fabs(u[i]) > fabs(big)) big = u[i];
        if (big < 0) {
            for (int i = 0; i < m; i++) u[i] = -u[i];
            for (int i = 0; i < n; i++) v[i] = -v[i];
        }
    }
}

/* The norms of the positive and of the negative part of x, in one pass
 * and without branches (the signs of a singular vector are a coin toss for
 * the branch predictor: the branchy loops took a twentieth of a deep
 * cascade of small layers).  Adding 0 to a sum of squares leaves it as it
 * was, so the sums are those of the loops that skip the other part. */
static void part_norms(int len, const double *x, double *pos, double *neg)
{
    double tp = 0.0, tn = 0.0;
    for (int i = 0; i < len; i++) {
        double v = x[i], p = v > 0 ? v : 0.0, q = -v > 0 ? -v : 0.0;
        tp += p * p;
        tn += q * q;
    }
    *pos = sqrt(tp);
    *neg = sqrt(tn);
}

/* out = mult (sign x)_+ / nrm, 0 where (sign x) <= 0 or nrm is 0 */
static void fill_part(int len, const double *x, int sign, double nrm,
                      double mult, double *out)
{
    if (!(nrm > 0)) {
        for (int i = 0; i < len; i++) out[i] = 0.0;
        return;
    }
    const double sg = sign;
    NMF_SIMD
    for (int i = 0; i < len; i++) {
        double v = sg * x[i];
        out[i] = v > 0 ? mult * v / nrm : 0.0;
    }
}

/* The R_alloc scratch of nndsvd_init() in bytes, roughly, for callers
 * that collect it: none for a random start, one mn x mn block and the
 * eigensolver's workspace on the Gram path, the range finder's n x l and m x l blocks (and the SVD's n x l
 * output) otherwise, l = k + 10.  It follows leading_svd()'s branches. */
size_t nndsvd_scratch_bytes(int m, int n, int k, int type)
{
    if (type == INIT_RANDOM) return 0;
    size_t mn = m < n ? m : n, l = (size_t) k + 10;
    if (mn <= 4 * l) return (mn * mn + 30 * mn) * sizeof(double);
    return (2 * (size_t) n + m) * l * sizeof(double);
}

void nndsvd_init(const xmat *X, int k, int type, double eps,
                 double *W, double *Ht)
{
    int m = X->m, n = X->n;
    size_t mk = (size_t) m * k, nk = (size_t) n * k;
    /* the mean entry (a pass over X): for the random start and the
     * variants that fill NNDSVD's zeros only */
    double avg = type == INIT_NNDSVD ? 0.0 : xm_sum(X) / xm_nobs(X);

    if (type == INIT_RANDOM) {
        double a = sqrt(avg / k);
        for (size_t i = 0; i < mk; i++) W[i] = a * 2.0 * unif_rand();
        for (size_t i = 0; i < nk; i++) Ht[i] = a * 2.0 * unif_rand();
    } else {
        /* The triplets are computed in W and Ht, then turned into the
         * start column by column, in place (every entry is read before it
         * is written): no N x k copy besides Ht.  The SVD's scratch is
         * released once W and Ht are set. */
        scratch_mark vmax = scratch_get();
        double *U = W, *V = Ht;
        double *s = (double *) scratch_alloc((size_t) k, sizeof(double));
        leading_svd(X, k, U, s, V);
        for (int j = 0; j < k; j++) {
            double *u = U + (size_t) j * m, *v = V + (size_t) j * n;
            double *w = W + (size_t) j * m, *h = Ht + (size_t) j * n;
            if (j == 0) {
                double r = sqrt(s[0]);
                for (int i = 0; i < m; i++) w[i] = r * fabs(u[i]);
                for (int i = 0; i < n; i++) h[i] = r * fabs(v[i]);
                continue;
            }
            double up, un, vp, vn;
            part_norms(m, u, &up, &un);
            part_norms(n, v, &vp, &vn);
            double mp = up * vp, mneg = un * vn;
            int sg = mp >= mneg ? 1 : -1;
            double mm = sg > 0 ? mp : mneg, r = sqrt(s[j] * mm);
            fill_part(m, u, sg, sg > 0 ? up : un, r, w);
            fill_part(n, v, sg, sg > 0 ? vp : vn, r, h);
        }
        scratch_set(vmax);
        if (type == INIT_NNDSVDA || type == INIT_NNDSVDAR) {
            for (size_t i = 0; i < mk; i++)
                if (W[i] <= eps)
                    W[i] = type == INIT_NNDSVDA ? avg : avg * unif_rand() / 100;
            for (size_t i = 0; i < nk; i++)
                if (Ht[i] <= eps)
                    Ht[i] = type == INIT_NNDSVDA ? avg : avg * unif_rand() / 100;
        }
    }
    NMF_SIMD
    for (size_t i = 0; i < mk; i++) W[i] = W[i] > eps ? W[i] : eps;
    NMF_SIMD
    for (size_t i = 0; i < nk; i++) Ht[i] = Ht[i] > eps ? Ht[i] : eps;
}
