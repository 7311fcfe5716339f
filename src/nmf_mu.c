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
                     const double *B, double *den, double eps, int q,
                     double delta)
{
    double first = 0.0;
    for (int s = 0; s < q; s++) {
        la_gemm("N", "N", len, k, k, 1.0, M, len, B, k, 0.0, den, len);
        double c = nmf_mult_update((size_t) len * k, M, num, den, eps);
        if (s == 0) first = c;
        else if (c <= delta * delta * first) break;
    }
}

int nmf_mu(const xmat *X, int k, double *W, double *Ht,
           const nmf_opts *o, nmf_result *res)
{
    int m = X->m, n = X->n;
    size_t mk = (size_t) m * k, nk = (size_t) n * k, kk = (size_t) k * k;
    double *A = (double *) R_alloc(mk, sizeof(double));
    double *Dw = (double *) R_alloc(mk, sizeof(double));
    double *C = (double *) R_alloc(nk, sizeof(double));
    double *Dh = (double *) R_alloc(nk, sizeof(double));
    double *WtW = (double *) R_alloc(kk, sizeof(double));
    double *HtH = (double *) R_alloc(kk, sizeof(double));
    double *work = (double *) R_alloc(xm_work_size(X), sizeof(double));
    double xn2 = xm_sumsq(X);
    int qW = nmf_inner_q(m, n, k, o), qH = nmf_inner_q(n, m, k, o);

    double f = xm_resid_sumsq(X, W, Ht, k, work) / xn2, fprev, f0 = f;
    if (res->trace) res->trace[0] = f;
    res->converged = 0;
    la_crossprod(n, k, Ht, HtH);
    if (o->fix_w) {
        xm_tprod(X, W, k, C);
        la_crossprod(m, k, W, WtW);
    }
    int it;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        if (!o->fix_w) {
            xm_prod(X, Ht, k, A);
            mu_inner(m, k, W, A, HtH, Dw, o->eps, qW, o->inner_delta);
            xm_tprod(X, W, k, C);
            la_crossprod(m, k, W, WtW);
        }
        mu_inner(n, k, Ht, C, WtW, Dh, o->eps, qH, o->inner_delta);
        la_crossprod(n, k, Ht, HtH);
        fprev = f;
        f = nmf_frob_obj(xn2, n, k, C, Ht, WtW, HtH) / xn2;
        if (res->trace) res->trace[it] = f;
        if (nmf_stop(f0, fprev, f, o->tol)) { res->converged = 1; break; }
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = f;
    return 0;
}
