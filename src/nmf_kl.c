/*
 * nmf_kl.c: multiplicative updates for the I-divergence
 *     D(sX || W Ht^T) = sum x log(x / y) - x + y,   y = (W Ht^T)_ij,
 *     W  <- max(eps, W  .* (R Ht)  ./ (1 Ht)),   R = sX ./ (W Ht^T)
 *     Ht <- max(eps, Ht .* (R^T W) ./ (1 W))     (R recomputed)
 * R is formed blockwise in xops.c, so memory stays O((m + n) k).  The
 * divergence is measured in the pass that forms R for W's update, every
 * NMF_KL_EVERY iterations; it is reported relative to sum(sX).  Under a
 * mask only the observed entries count: R is zero at the missing ones
 * and the denominators 1 Ht become Omega Ht (xm_obs_prod), a row of sums
 * over each row's observed columns.
 * Penalty: L1 only (o->l1, L2 is refused by read_opts), as the constant
 * added to the denominators: D + l1_W sum(W) + l1_H sum(Ht) is minimized,
 * and the objective reported includes those terms.
 */
#include "mlnmf.h"

void nmf_colsums(int len, int k, const double *M, double *s)
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
                      const double *s, double eps, double l1)
{
    for (int l = 0; l < k; l++) {
        double *Ml = M + (size_t) l * len;
        const double *Nl = num + (size_t) l * len;
        double sl = s[l] + l1;
        for (int i = 0; i < len; i++) {
            double v = sl > 0 ? Ml[i] * Nl[i] / sl : Ml[i];
            Ml[i] = v > eps ? v : eps;
        }
    }
}

static void add_const(size_t len, double *x, double c)
{
    if (c != 0) for (size_t i = 0; i < len; i++) x[i] += c;
}

/* One factor's update (side 0: W, m x k, from Ht; side 1: Ht, n x k, from
 * W) given its numerators num: the denominators are the other factor's
 * column sums, or under a mask its products with the observed pattern
 * (Dn), plus the factor's L1 penalty. */
static void kl_side(const xmat *X, int side, int k, double *F, const double *num,
                    const double *other, double *s, double *Dn, const nmf_opts *o)
{
    int rows = side ? X->n : X->m, orows = side ? X->m : X->n;
    if (xm_masked(X)) {
        xm_obs_prod(X, side, other, k, Dn);
        add_const((size_t) rows * k, Dn, o->l1[side]);
        nmf_mult_update((size_t) rows * k, F, num, Dn, o->eps);
    } else {
        nmf_colsums(orows, k, other, s);
        kl_update(rows, k, F, num, s, o->eps, o->l1[side]);
    }
}

/* The divergence is measured every NMF_KL_EVERY iterations (and at the
 * start and at maxit), inside the pass that forms R for the update of W
 * anyway: the update needs x / y, not x log(x / y), and the log is most of
 * the pass's time.  The rule (nmf_stopper) is tested at the measured
 * iterations, against the measurement NMF_KL_EVERY iterations earlier;
 * the trace holds NA between measurements. */
#define NMF_KL_EVERY 10

void nmf_kl(const xmat *X, int k, double *W, double *Ht,
            const nmf_opts *o, nmf_result *res)
{
    int m = X->m, n = X->n;
    double *A = (double *) scratch_alloc((size_t) m * k, sizeof(double));
    double *C = (double *) scratch_alloc((size_t) n * k, sizeof(double));
    double *s = (double *) scratch_alloc((size_t) k, sizeof(double));
    double *work = (double *) scratch_alloc(xm_work_size(X, k), sizeof(double));
    double *Dn = xm_masked(X) ? (double *) scratch_alloc((size_t) (m > n ? m : n) * k,
                                                   sizeof(double)) : NULL;
    double xsum = xm_sum(X), f = 0.0;
    nmf_stopper st;
    int pen = nmf_penalized(o);
    int it;

    res->converged = 0;
    for (it = 0; ; it++) {
        R_CheckUserInterrupt();
        int measure = it % NMF_KL_EVERY == 0 || it == o->maxit;
        if (measure || !o->fix_w) {
            double d = xm_kl_pass(X, W, Ht, k, o->fix_w ? -1 : 0, measure, A, work);
            if (measure) f = d / xsum;
        }
        if (measure) {
            if (pen) f += 0.5 * nmf_penalty(o, (size_t) m * k, W, (size_t) n * k, Ht, 0) / xsum;
            if (res->trace) res->trace[it] = f;
            nmf_progress(o, it, f);
            if (it == 0) nmf_stop_init(&st, f, o->tol);
            else if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
        } else {
            if (res->trace) res->trace[it] = NA_REAL;
            nmf_stop_skip(&st);
        }
        if (it == o->maxit) break;
        if (!o->fix_w) kl_side(X, 0, k, W, A, Ht, s, Dn, o);
        xm_kl_pass(X, W, Ht, k, 1, 0, C, work);
        kl_side(X, 1, k, Ht, C, W, s, Dn, o);
    }
    res->iter = it;
    res->obj = f;
}
