/*
 * nmf_common.c: what the three one-layer solvers share: the Frobenius
 * objective from the products already computed, the stopping rule, the
 * multiplicative update and the number of inner updates.  (The dispatcher
 * over the solvers, nmf_solve, is in nmf_solve.c, above them.)
 *
 *   ||sX - W Ht^T||^2 = ||sX||^2 - 2 <X^T W, Ht> + <W^T W, Ht^T Ht>
 *
 * The objective is reported relative to ||sX||^2 (Frobenius) or to
 * sum(sX) (I-divergence), so traces are free of the data's units.
 */
#include "mlnmf.h"
#include <float.h>
#include <math.h>

double nmf_frob_obj(double xnorm2, int n, int k, const double *XtW,
                    const double *Ht, const double *WtW, const double *HtH)
{
    double f = xnorm2 - 2.0 * la_dot((size_t) n * k, XtW, Ht)
        + la_dot((size_t) k * k, WtW, HtH);
    return f > 0 ? f : 0.0;
}

/* 1 when the objective changed by at most tol times the objective at the
 * start (f0), or the fit is exact to round-off (relative objective below
 * 10 eps).  Measuring the change against the start, not against the current
 * value, lets a layer that is being fitted exactly (an input of full rank k
 * factorized with rank k, common deep in a cascade) stop once its progress
 * no longer matters, instead of chasing a geometric decrease to zero. */
int nmf_stop(double f0, double fprev, double f, double tol)
{
    if (f <= 10 * DBL_EPSILON) return 1;
    return fabs(fprev - f) <= tol * f0;
}

/* M <- max(eps, M .* num ./ den); returns ||M_new - M||^2 */
double nmf_mult_update(size_t len, double *M, const double *num,
                       const double *den, double eps)
{
    double change = 0.0;
    for (size_t i = 0; i < len; i++) {
        double v = den[i] > 0 ? M[i] * num[i] / den[i] : M[i];
        if (!(v > eps)) v = eps;
        change += (v - M[i]) * (v - M[i]);
        M[i] = v;
    }
    return change;
}

/* Inner updates per outer iteration (Gillis and Glineur, 2012): the update
 * of the m x k factor costs O(m k^2) once the products with X, O(m n k),
 * are made, so q = floor(1 + alpha * rho), rho = 1 + (mn + nk) / (m (k + 1)),
 * capped at inner_max. */
int nmf_inner_q(double m, double n, double k, const nmf_opts *o)
{
    double rho = 1.0 + (m * n + n * k) / (m * (k + 1.0));
    double q = floor(1.0 + o->inner_alpha * rho);
    if (q > o->inner_max) q = o->inner_max;
    if (q < 1) q = 1;
    return (int) q;
}
