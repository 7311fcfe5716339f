/*
 * nmf_hals.c: accelerated hierarchical alternating least squares for
 * min ||sX - W Ht^T||_F^2, W >= eps, Ht >= eps (Gillis and Glineur, 2012).
 *
 * One outer iteration computes A = sX Ht and B = Ht^T Ht (the expensive
 * products, O(mnk)), then runs up to q_W cheap sweeps over the columns of W:
 *     W[,l] <- max(eps, W[,l] + (A[,l] - W B[,l]) / B[l,l])
 * and the same for Ht with A = sX^T W and B = W^T W.  The number of sweeps
 * is q = floor(1 + alpha * rho), rho = 1 + (mn + nk) / (m (k + 1)) the
 * ratio of product cost to sweep cost, capped at inner_max, and the sweeps
 * stop early when a sweep changes the factor by less than delta times what
 * the first sweep changed it.
 */
#include "mlnmf.h"
#include <math.h>

/* One sweep over the k columns of M (len x k); returns ||M_new - M||^2.
 * Rows of M are independent problems, so the sweep runs over blocks of
 * HALS_ROWS rows, each block through all k columns while it is in cache;
 * every row sees exactly the updates of a column-by-column sweep. */
#define HALS_ROWS 256
static double hals_sweep(int len, int k, double *M, const double *A,
                         const double *B, double eps, double *tmp)
{
    double change = 0.0;
    for (int r0 = 0; r0 < len; r0 += HALS_ROWS) {
        int rb = len - r0 < HALS_ROWS ? len - r0 : HALS_ROWS;
        for (int l = 0; l < k; l++) {
            double bll = B[l + (size_t) l * k];
            if (!(bll > 0)) continue;
            la_gemv(rb, k, M + r0, len, B + (size_t) l * k, tmp);
            double *Ml = M + (size_t) l * len + r0;
            const double *Al = A + (size_t) l * len + r0;
            for (int i = 0; i < rb; i++) {
                double v = Ml[i] + (Al[i] - tmp[i]) / bll;
                if (!(v > eps)) v = eps;
                double d = v - Ml[i];
                change += d * d;
                Ml[i] = v;
            }
        }
    }
    return change;
}

static void hals_sweeps(int len, int k, double *M, const double *A,
                        const double *B, double eps, int q, double delta,
                        double *tmp)
{
    double first = 0.0;
    int s;
    for (s = 0; s < q; s++) {
        double c = hals_sweep(len, k, M, A, B, eps, tmp);
        if (s == 0) first = c;
        else if (c <= delta * delta * first) break;
    }
}

int nmf_hals(const xmat *X, int k, double *W, double *Ht,
             const nmf_opts *o, nmf_result *res)
{
    size_t len = (size_t) (X->m > X->n ? X->m : X->n);
    return nmf_frob_run(X, k, W, Ht, o, res, hals_sweeps, len);
}
