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

/* up to q updates of M (len x k) with numerator num and Gram B (k x k) */
static void mu_inner(int len, int k, double *M, const double *num,
                     const double *B, double eps, double l1, int q,
                     double delta, int exact, double *den)
{
    (void) exact;                        /* HALS only */
    double first = 0.0;
    for (int s = 0; s < q; s++) {
        la_gemm("N", "N", len, k, k, 1.0, M, len, B, k, 0.0, den, len);
        if (l1 != 0) for (size_t j = 0; j < (size_t) len * k; j++) den[j] += l1;
        double c = nmf_mult_update((size_t) len * k, M, num, den, eps);
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
    size_t len = (size_t) (X->m > X->n ? X->m : X->n) * k;
    nmf_frob_run(X, k, W, Ht, o, res, mu_inner, len, mu_row);
}
