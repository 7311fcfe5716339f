/*
 * nmf_mu.c: Lee and Seung's multiplicative updates for the Frobenius loss,
 *     W  <- max(eps, W  .* (sX Ht)    ./ (W  (Ht^T Ht)))
 *     Ht <- max(eps, Ht .* (sX^T W)   ./ (Ht (W^T W)))
 * The floor eps > 0 keeps entries from locking at zero and every
 * denominator positive; the objective stays non-increasing with it.
 */
#include "mlnmf.h"

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
            la_gemm("N", "N", m, k, k, 1.0, W, m, HtH, k, 0.0, Dw, m);
            nmf_mult_update(mk, W, A, Dw, o->eps);
            xm_tprod(X, W, k, C);
            la_crossprod(m, k, W, WtW);
        }
        la_gemm("N", "N", n, k, k, 1.0, Ht, n, WtW, k, 0.0, Dh, n);
        nmf_mult_update(nk, Ht, C, Dh, o->eps);
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
