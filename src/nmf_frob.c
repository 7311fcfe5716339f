/*
 * nmf_frob.c: the outer loop shared by the two Frobenius solvers, HALS
 * (nmf_hals.c) and MU (nmf_mu.c), which differ only in how they update one
 * factor from the products with X:
 *
 *   W  <- inner(W,  A = sX Ht,   B = Ht^T Ht)
 *   Ht <- inner(Ht, C = sX^T W,  D = W^T W)
 *   f   = ||sX - W Ht^T||^2 / ||sX||^2 from C, D and Ht^T Ht (nmf_frob_obj).
 *
 * Extrapolation (o->extrapolate, the default for fits): the heuristic
 * extrapolation with restarts of Ang and Gillis (2019, Neural Computation
 * 31, 417-439).  With the accepted pair (P, Q), its extrapolated
 * versions (Py, Qy) and a weight beta, one iteration is
 *
 *   Pn = inner(Py; sX Qy, Qy^T Qy)        Py <- max(eps, Pn + beta (Pn - P))
 *   Qn = inner(Qy; sX^T Py, Py^T Py)      f = objective of (Py, Qn)
 *
 * If f rose above the previous iteration's value the step is discarded:
 * the iteration restarts from the best pair evaluated so far (Ang and
 * Gillis restart from (P, Q), whose Q was fitted to Py, not to P: with the
 * few inner updates of MU that pair can be far worse than either), beta
 * shrinks by eta and its cap drops to the previous beta.  Otherwise (P, Q) <- (Pn, Qn), Qy <- max(eps, Qn + beta (Qn - Q)),
 * beta grows by gamma up to the cap, and the cap grows by gammabar up to 1.
 * Every pair evaluated is feasible (both factors >= eps); the pair returned
 * is the best one evaluated, so the result is never worse than the start and
 * the reported objective is that of the returned factors.  The trace holds
 * every evaluated objective and need not decrease.  The stopping rule
 * (nmf_stop) is tested on accepted iterations only.
 *
 * Without extrapolation (and always when W is fixed, for projections) the
 * loop is the plain alternating scheme, in place, monotone.
 */
#include "mlnmf.h"
#include <string.h>

/* Ang and Gillis's defaults for HALS and MU */
#define EX_BETA0    0.5
#define EX_ETA      1.5
#define EX_GAMMA    1.01
#define EX_GAMMABAR 1.005

/* y <- max(eps, xn + beta (xn - x)) */
static void extrapolate(size_t len, double *y, const double *xn,
                        const double *x, double beta, double eps)
{
    for (size_t i = 0; i < len; i++) {
        double v = xn[i] + beta * (xn[i] - x[i]);
        y[i] = v > eps ? v : eps;
    }
}

static double *dup_work(const double *x, size_t len)
{
    double *y = (double *) R_alloc(len, sizeof(double));
    memcpy(y, x, len * sizeof(double));
    return y;
}

int nmf_frob_run(const xmat *X, int k, double *W, double *Ht,
                 const nmf_opts *o, nmf_result *res,
                 nmf_inner_fn inner, size_t inner_work)
{
    int m = X->m, n = X->n;
    size_t mk = (size_t) m * k, nk = (size_t) n * k, kk = (size_t) k * k;
    double *A = (double *) R_alloc(mk, sizeof(double));
    double *C = (double *) R_alloc(nk, sizeof(double));
    double *WtW = (double *) R_alloc(kk, sizeof(double));
    double *HtH = (double *) R_alloc(kk, sizeof(double));
    double *iwork = (double *) R_alloc(inner_work, sizeof(double));
    double xn2 = xm_sumsq(X);
    int qW = nmf_inner_q(m, n, k, o), qH = nmf_inner_q(n, m, k, o);
    int ex = o->extrapolate && !o->fix_w, exact = o->inner_max > 1;

    /* The starting objective from the products the first iteration needs
     * anyway (no separate pass over X): with W fixed, C = sX^T W; otherwise
     * A = sX Ht, which the first update of W then uses. */
    la_crossprod(n, k, Ht, HtH);
    la_crossprod(m, k, W, WtW);
    double f;
    if (o->fix_w) {
        xm_tprod(X, W, k, C);
        f = nmf_frob_obj(xn2, n, k, C, Ht, WtW, HtH) / xn2;
    } else {
        xm_prod(X, Ht, k, A);
        f = nmf_frob_obj(xn2, m, k, A, W, HtH, WtW) / xn2;
    }
    double fprev, f0 = f;
    if (res->trace) res->trace[0] = f;
    res->converged = 0;

    /* Without extrapolation every name is W or Ht and the updates are in
     * place; with it W and Ht keep the best pair evaluated. */
    double *P = W, *Q = Ht, *Pn = W, *Qn = Ht, *Py = W, *Qy = Ht;
    if (ex) {
        P = dup_work(W, mk);  Q = dup_work(Ht, nk);
        Py = dup_work(W, mk); Qy = dup_work(Ht, nk);
        Pn = (double *) R_alloc(mk, sizeof(double));
        Qn = (double *) R_alloc(nk, sizeof(double));
    }
    double beta = EX_BETA0, beta_prev = EX_BETA0, beta_max = 1.0, fbest = f;

    int have_A = !o->fix_w;
    if (ex) {
        /* Start from the best multiple of W (as Ang and Gillis do): the
         * first update would otherwise spend itself on the scale, and
         * extrapolating that change overshoots.  A = sX Ht stays valid:
         * it does not involve W. */
        double num = la_dot(mk, A, W), den = la_dot(kk, HtH, WtW);
        if (num > 0 && den > 0 && R_FINITE(num / den)) {
            double a = num / den;
            for (size_t i = 0; i < mk; i++) {
                double v = a * W[i];
                W[i] = P[i] = Py[i] = v > o->eps ? v : o->eps;
            }
            double fs = (xn2 - num * a) / xn2;  /* (eps floor: round-off) */
            f = fbest = fs > 0 ? fs : 0.0;
        }
    }
    int it;
    for (it = 1; it <= o->maxit; it++) {
        R_CheckUserInterrupt();
        if (!o->fix_w) {
            if (!have_A) xm_prod(X, Qy, k, A);
            have_A = 0;
            if (ex) memcpy(Pn, Py, mk * sizeof(double));
            inner(m, k, Pn, A, HtH, o->eps, qW, o->inner_delta, exact, iwork);
            if (ex) extrapolate(mk, Py, Pn, P, beta, o->eps);
            xm_tprod(X, Py, k, C);
            la_crossprod(m, k, Py, WtW);
        }
        if (ex) memcpy(Qn, Qy, nk * sizeof(double));
        inner(n, k, Qn, C, WtW, o->eps, qH, o->inner_delta, exact, iwork);
        la_crossprod(n, k, Qn, HtH);
        fprev = f;
        f = nmf_frob_obj(xn2, n, k, C, Qn, WtW, HtH) / xn2;
        if (res->trace) res->trace[it] = f;
        if (!ex) {
            if (nmf_stop(f0, fprev, f, o->tol)) { res->converged = 1; break; }
            continue;
        }
        if (f <= fbest) {
            fbest = f;
            memcpy(W, Py, mk * sizeof(double));
            memcpy(Ht, Qn, nk * sizeof(double));
        }
        if (f > fprev) {               /* restart from the best pair */
            memcpy(P, W, mk * sizeof(double));
            memcpy(Py, W, mk * sizeof(double));
            memcpy(Q, Ht, nk * sizeof(double));
            memcpy(Qy, Ht, nk * sizeof(double));
            beta_max = beta_prev;
            beta_prev = beta;
            beta /= EX_ETA;
        } else {                                  /* accept */
            extrapolate(nk, Qy, Qn, Q, beta, o->eps);
            double *t = P; P = Pn; Pn = t;
            t = Q; Q = Qn; Qn = t;
            beta_prev = beta;
            beta = beta * EX_GAMMA < beta_max ? beta * EX_GAMMA : beta_max;
            beta_max = beta_max * EX_GAMMABAR < 1.0 ? beta_max * EX_GAMMABAR : 1.0;
            if (nmf_stop(f0, fprev, f, o->tol)) { res->converged = 1; break; }
        }
        la_crossprod(n, k, Qy, HtH);
    }
    res->iter = it > o->maxit ? o->maxit : it;
    res->obj = ex ? fbest : f;
    return 0;
}
