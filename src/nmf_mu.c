/*
 * nmf_mu.c: Lee and Seung's multiplicative updates for the Frobenius loss,
 *     W  <- max(eps, W  .* (sX Ht)    ./ (W  (Ht^T Ht)))
 *     Ht <- max(eps, Ht .* (sX^T W)   ./ (Ht (W^T W)))
 * accelerated as in Gillis and Glineur (2012): the products with X are made
 * once per outer iteration and each factor is then updated up to q times
 * (nmf_inner_q) with them, stopping early when an update changes the factor
 * by less than inner_delta times what the first one did.  Every inner
 * update is an exact multiplicative step of the same subproblem, so the
 * objective stays non-increasing.  The floor eps > 0 keeps entries from
 * locking at zero and every denominator positive.
 */
#include "mlnmf.h"

/* One update of rows r0 .. r0 + rb - 1 of M (len x k): den = M B (+ l1)
 * there, then the multiplicative step; returns its squared change.  M B
 * (rb x k times k x k) is a thin product: thin_simd.c's kernel at rank 32
 * or less with AVX2 (a BLAS call costs more than its arithmetic there, and
 * R's reference BLAS runs it in scalar loops), the BLAS otherwise. */
static double mu_rows(int len, int r0, int rb, int k, double *M,
                      const double *num, const double *B, double eps,
                      double l1, double *den)
{
    if (!thin_nn_simd(rb, k, k, 1.0, M + r0, (size_t) len, B, (size_t) k, den + r0,
                      (size_t) len))
        la_gemm("N", "N", rb, k, k, 1.0, M + r0, len, B, k, 0.0, den + r0, len);
    if (rb == len) {                     /* one block: one contiguous pass */
        if (l1 != 0) for (size_t j = 0; j < (size_t) len * k; j++) den[j] += l1;
        return nmf_mult_update((size_t) len * k, M, num, den, eps);
    }
    double c = 0.0;
    for (int l = 0; l < k; l++) {
        size_t o = (size_t) l * len + r0;
        if (l1 != 0) for (int i = 0; i < rb; i++) den[o + i] += l1;
        c += nmf_mult_update((size_t) rb, M + o, num + o, den + o, eps);
    }
    return c;
}

/* Up to q updates of M (len x k) with numerator num and Gram B (k x k).
 * The rows are updated in fixed blocks of MU_ROWS (one block when len is
 * at most MU_ROWS) on up to 'threads' threads; the blocks' changes are
 * added in block order for the common stop, so the result does not depend
 * on the number of threads.  den: len k + MU_NBLK(len) doubles. */
#define MU_ROWS 2048
#define MU_NBLK(len) (((size_t) (len) + MU_ROWS - 1) / MU_ROWS)
static void mu_inner(int len, int k, double *M, const double *num,
                     const double *B, double eps, double l1, int q,
                     double delta, int exact, int threads, double *den)
{
    (void) exact;                        /* HALS only */
    int nblk = (int) MU_NBLK(len), nt = threads < nblk ? threads : nblk;
    if (nt < 1) nt = 1;
    double *part = den + (size_t) len * k, first = 0.0;
    for (int s = 0; s < q; s++) {
        if (nblk <= 1) part[0] = mu_rows(len, 0, len, k, M, num, B, eps, l1, den);
        else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
#endif
            for (int b = 0; b < nblk; b++) {
                int r0 = b * MU_ROWS, rb = len - r0 < MU_ROWS ? len - r0 : MU_ROWS;
                part[b] = mu_rows(len, r0, rb, k, M, num, B, eps, l1, den);
            }
        }
        double c = 0.0;
        for (int b = 0; b < nblk; b++) c += part[b];
        if (s == 0) first = c;
        else if (c <= delta * delta * first) break;
    }
}

/* One row under a mask: m <- max(eps, m .* a ./ (B m)), B its own Gram */
static void mu_row(int k, double *m, const double *a, const double *B,
                   double eps, double l1, int q, double delta, double *den)
{
    double first = 0.0;
    for (int s = 0; s < q; s++) {
        for (int l = 0; l < k; l++) {
            const double *Bl = B + (size_t) l * k;
            double t = 0.0;
            for (int j = 0; j < k; j++) t += Bl[j] * m[j];
            den[l] = t + l1;
        }
        double c = nmf_mult_update((size_t) k, m, a, den, eps);
        if (s == 0) first = c;
        else if (c <= delta * delta * first) break;
    }
}

void nmf_mu(const xmat *X, int k, double *W, double *Ht,
            const nmf_opts *o, nmf_result *res)
{
    int len = X->m > X->n ? X->m : X->n;
    nmf_frob_run(X, k, W, Ht, o, res, mu_inner, (size_t) len * k + MU_NBLK(len),
                 mu_row);
}
