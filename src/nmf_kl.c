/*
 * nmf_kl.c: multiplicative updates for the I-divergence
 *     D(sX || W Ht^T) = sum x log(x / y) - x + y,   y = (W Ht^T)_ij,
 *     W  <- max(eps, W  .* (R Ht)  ./ (1 Ht)),   R = sX ./ (W Ht^T)
 *     Ht <- max(eps, Ht .* (R^T W) ./ (1 W))     (R recomputed)
 * R is formed blockwise in xops.c, so memory stays O((m + n) k).  The
 * divergence comes for free with each R; it is reported relative to
 * sum(sX).  Under a mask only the observed entries count: R is zero at the
 * missing ones and the denominators 1 Ht become Omega Ht (xm_obs_prod), a
 * row of sums over each row's observed columns.
 */
#include "mlnmf.h"

static void colsums(int len, int k, const double *M, double *s)
{
    for (int l = 0; l < k; l++) {
        double t = 0.0;
        const double *Ml = M + (size_t) l * len;
        for (int i = 0; i < len; i++) t += Ml[i];
        s[l] = t;
    }
}

/* M (len x k) <- max(eps, M .* num ./ rep(s, each = len)) */
static void kl_update(int len, int k, double *M, const double *num,
                      const double *s, double eps)
{
    for (int l = 0; l < k; l++) {
        double *Ml = M + (size_t) l * len;
        const double *Nl = num + (size_t) l * len;
        for (int i = 0; i < len; i++) {
            double v = s[l] > 0 ? Ml[i] * Nl[i] / s[l] : Ml[i];
            Ml[i] = v > eps ? v : eps;
        }
    }
}

int nmf_kl(const xmat *X, int k, double *W, double *Ht,
           const nmf_opts *o, nmf_result *res)
{
    int m = X->m, n = X->n;
    double *A = (double *) R_alloc((size_t) m * k, sizeof(double));
    double *C = (double *) R_alloc((size_t) n * k, sizeof(double));
    double *s = (double *) R_alloc((size_t) k, sizeof(double));
    double *work = (double *) R_alloc(xm_work_size(X, k), sizeof(double));
    int masked = xm_masked(X);
    double *Dn = masked ? (double *) R_alloc((size_t) (m > n ? m : n) * k,
                                             sizeof(double)) : NULL;
    double xsum = xm_sum(X), f = 0.0;
    nmf_stopper st;
    int it;

    res->converged = 0;
    for (it = 0; ; it++) {
        R_CheckUserInterrupt();
        f = xm_kl(X, W, Ht, k, o->fix_w ? -1 : 0, A, work) / xsum;
        if (res->trace) res->trace[it] = f;
        if (it == 0) nmf_stop_init(&st, f, o->tol);
        else if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
        if (it == o->maxit) break;
        if (!o->fix_w) {
            if (masked) {
                xm_obs_prod(X, 0, Ht, k, Dn);
                nmf_mult_update((size_t) m * k, W, A, Dn, o->eps);
            } else {
                colsums(n, k, Ht, s);
                kl_update(m, k, W, A, s, o->eps);
            }
        }
        xm_kl(X, W, Ht, k, 1, C, work);
        if (masked) {
            xm_obs_prod(X, 1, W, k, Dn);
            nmf_mult_update((size_t) n * k, Ht, C, Dn, o->eps);
        } else {
            colsums(m, k, W, s);
            kl_update(n, k, Ht, C, s, o->eps);
        }
    }
    res->iter = it;
    res->obj = f;
    return 0;
}
