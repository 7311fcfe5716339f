/*
 * nmf_beta.c: multiplicative updates for the beta-divergence (Fevotte and
 * Idier, Neural Computation 23, 2421-2456, 2011), any real beta != 1
 * (beta = 1 is the I-divergence solver, nmf_kl.c, by nmf_solve):
 *
 *   W  <- max(eps, W  .* (((sX o V^(b-2)) Ht)   ./ (V^(b-1) Ht  + l1_W))^g)
 *   Ht <- max(eps, Ht .* (((sX o V^(b-2))^T W) ./ (V^(b-1)^T W + l1_H))^g)
 *
 * V = W Ht^T (recomputed between the two), g = gamma(beta) = 1 / (2 - b)
 * for b < 1, 1 for 1 <= b <= 2, 1 / (b - 1) for b > 2: with this exponent
 * each update is a majorization-minimization step, so the divergence
 * never increases for any beta.  The passes over X are in xops_beta.c
 * (sparse, dense, masked); beta = 2 without a mask is Lee and Seung's
 * update from the products sX Ht, sX^T W and the Gram matrices, no pass
 * over the zeros.  Under a mask every sum runs over the observed entries.
 *
 * The objective is
 *   f = (D_beta(sX | W Ht^T) + l1_W sum(W) + l1_H sum(Ht)) / sum(sX),
 * as for the I-divergence (nmf_kl.c), measured every BETA_MEASURE
 * iterations (as scikit-learn does: for beta != 1, 2 it is not free) and
 * at the last one; the trace holds NA in between and the stopping rule
 * (nmf_stopper) sees the last measured value in between and is tested
 * when a new one is measured, so its window spans the same iterations.
 *
 * mlnmf_beta_div: D_beta(X | W H) over the observed entries (tests, and
 * the R side's reports).
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>

#define BETA_MEASURE 10

double nmf_beta_gamma(double beta)
{
    if (beta < 1) return 1.0 / (2.0 - beta);
    if (beta > 2) return 1.0 / (beta - 1.0);
    return 1.0;
}

typedef struct {
    int frob;              /* beta = 2 without a mask: products + Grams   */
    double gamma;
    double *num, *den, *G, *rwork;
    xb_work xb;
} beta_ws;

/* num and den of one factor's update (num = NULL: none) and, when
 * want_div, the divergence of (W, Ht), returned. */
static double beta_products(const xmat *X, int side, int k, const double *W,
                            const double *Ht, int upd, int want_div,
                            beta_ws *b)
{
    double *num = upd ? b->num : NULL;
    if (!b->frob) return xb_pass(X, W, Ht, k, side, num, b->den, want_div, &b->xb);
    if (upd) {
        int rows = side ? X->n : X->m, olen = side ? X->m : X->n;
        const double *F = side ? Ht : W, *other = side ? W : Ht;
        if (side) xm_tprod(X, W, k, num); else xm_prod(X, Ht, k, num);
        la_crossprod(olen, k, other, b->G);
        la_gemm("N", "N", rows, k, k, 1.0, F, rows, b->G, k, 0.0, b->den, rows);
    }
    return want_div ? 0.5 * xm_resid_sumsq(X, W, Ht, k, b->rwork) : 0.0;
}

/* F <- max(eps, F .* (num ./ (den + l1))^gamma) */
static void beta_update(size_t len, double *F, const double *num,
                        const double *den, double l1, double gamma, double eps)
{
    for (size_t i = 0; i < len; i++) {
        double d = den[i] + l1;
        double r = d > 0 ? num[i] / d : 1.0;
        if (gamma == 0.5) r = sqrt(r);
        else if (gamma != 1.0) r = pow(r, gamma);
        double v = F[i] * r;
        F[i] = v > eps ? v : eps;
    }
}

static void beta_ws_alloc(const xmat *X, int k, const nmf_opts *o, beta_ws *b)
{
    size_t big = (size_t) (X->m > X->n ? X->m : X->n) * k;
    b->frob = o->beta == 2 && !xm_masked(X);
    b->gamma = nmf_beta_gamma(o->beta);
    b->num = (double *) scratch_alloc(big, sizeof(double));
    b->den = (double *) scratch_alloc(big, sizeof(double));
    b->G = (double *) scratch_alloc((size_t) k * k, sizeof(double));
    b->rwork = b->frob ? (double *) scratch_alloc(xm_work_size(X, k), sizeof(double)) : NULL;
    if (!b->frob) xb_alloc(X, k, o->beta, &b->xb);
}

void nmf_beta(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res)
{
    int m = X->m, n = X->n;
    beta_ws b;
    beta_ws_alloc(X, k, o, &b);
    double xsum = xm_sum(X), f = 0.0;
    if (!(xsum > 0)) xsum = 1.0;
    int pen = nmf_penalized(o), it;
    nmf_stopper st;
    res->converged = 0;
    for (it = 0; ; it++) {
        R_CheckUserInterrupt();
        int meas = it % BETA_MEASURE == 0 || it == o->maxit;
        int updW = !o->fix_w && it < o->maxit;
        if (updW || meas) {
            double d = beta_products(X, 0, k, W, Ht, updW, meas, &b);
            if (meas) {
                f = d / xsum;
                if (pen) f += 0.5 * nmf_penalty(o, (size_t) m * k, W, (size_t) n * k, Ht, 0) / xsum;
            }
        }
        if (res->trace) res->trace[it] = meas ? f : NA_REAL;
        if (meas) nmf_progress(o, it, f);
        if (it == 0) nmf_stop_init(&st, f, o->tol);
        else if (!meas) nmf_stop_record(&st, f);
        else if (nmf_stop_push(&st, f)) { res->converged = 1; break; }
        if (it == o->maxit) break;
        if (updW) beta_update((size_t) m * k, W, b.num, b.den, o->l1[0], b.gamma, o->eps);
        beta_products(X, 1, k, W, Ht, 1, 0, &b);
        beta_update((size_t) n * k, Ht, b.num, b.den, o->l1[1], b.gamma, o->eps);
    }
    res->iter = it;
    res->obj = f;
}
