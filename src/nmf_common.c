/*
 * nmf_common.c: what the three one-layer solvers share: the Frobenius
 * objective from the products already computed, the stopping rules, the
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
#include <string.h>

double nmf_frob_obj(double xnorm2, int n, int k, const double *XtW,
                    const double *Ht, const double *WtW, const double *HtH)
{
    double f = xnorm2 - 2.0 * la_dot((size_t) n * k, XtW, Ht)
        + la_dot((size_t) k * k, WtW, HtH);
    return f > 0 ? f : 0.0;
}

/* The old rule, kept for finetune.c (whose help describes it): 1 when the
 * objective changed by at most tol times the objective at the start (f0),
 * or the fit is exact to round-off (relative objective below 10 eps). */
int nmf_stop(double f0, double fprev, double f, double tol)
{
    if (f <= 10 * DBL_EPSILON) return 1;
    return fabs(fprev - f) <= tol * f0;
}

/* The stopping rule of the one-layer solvers.  With f_t the relative
 * objective after iteration t (f_0 the start) and e_t = sqrt(min_{s<=t} f_s)
 * the best relative error so far (for the I-divergence, the square root of
 * the relative divergence), a solver stops after iteration t when
 *   t >= w and  e_{t-w} - e_t <= w * tol * e_t      (w = NMF_STOP_WINDOW)
 * (the error fell by at most tol of itself per iteration, on average over
 * the last w iterations), or when e_t <= tol (an exact fit to tol), or when
 * f_t <= 10 DBL_EPSILON (exact to round-off).  Every quantity is relative,
 * so the rule is free of the data's units and of the start's quality; the
 * window keeps one slow iteration from ending a fit.  The first w entries
 * of the ring are e_0 .. e_{w-1}; nmf_stop_push records e_t and returns 1
 * to stop, nmf_stop_test only tests (the extrapolated loop records every
 * iteration but tests accepted ones only). */
void nmf_stop_init(nmf_stopper *s, double f0, double tol)
{
    s->tol = tol;
    s->t = 0;
    s->fbest = f0 > 0 ? f0 : 0.0;
    s->ring[0] = sqrt(s->fbest);
}

void nmf_stop_record(nmf_stopper *s, double f)
{
    if (f < s->fbest) s->fbest = f > 0 ? f : 0.0;
    s->t++;
    s->ring[s->t % (NMF_STOP_WINDOW + 1)] = sqrt(s->fbest);
}

int nmf_stop_test(const nmf_stopper *s)
{
    double e = s->ring[s->t % (NMF_STOP_WINDOW + 1)];
    if (s->fbest <= 10 * DBL_EPSILON || e <= s->tol) return 1;
    if (s->t < NMF_STOP_WINDOW) return 0;
    double eold = s->ring[(s->t - NMF_STOP_WINDOW) % (NMF_STOP_WINDOW + 1)];
    return eold - e <= NMF_STOP_WINDOW * s->tol * e;
}

int nmf_stop_push(nmf_stopper *s, double f)
{
    nmf_stop_record(s, f);
    return nmf_stop_test(s);
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

int nmf_penalized(const nmf_opts *o)
{
    return o->l1[0] != 0 || o->l1[1] != 0 || o->l2[0] != 0 || o->l2[1] != 0;
}

/* 2 l1 sum(M) + l2 ||M||^2 over both factors (l2 = 0: L1 terms only) */
double nmf_penalty(const nmf_opts *o, size_t mk, const double *W, size_t nk,
                   const double *Ht, int l2)
{
    double p = 0.0;
    const double *M[2] = { W, Ht };
    size_t len[2] = { mk, nk };
    for (int s = 0; s < 2; s++) {
        if (o->l1[s] != 0) {
            double t = 0.0;
            for (size_t i = 0; i < len[s]; i++) t += M[s][i];
            p += 2.0 * o->l1[s] * t;
        }
        if (l2 && o->l2[s] != 0) p += o->l2[s] * la_sumsq(len[s], M[s]);
    }
    return p;
}

/* verbose >= 2 (a single-layer fit with verbose = TRUE): one line every
 * NMF_PROGRESS_EVERY outer iterations, so a long fit shows it is moving */
#define NMF_PROGRESS_EVERY 50
void nmf_progress(const nmf_opts *o, int it, double f)
{
    if (o->verbose < 2 || it % NMF_PROGRESS_EVERY != 0) return;
    Rprintf("  iteration %d: relative objective %.6g\n", it, f);
    R_FlushConsole();
}
