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
#include <string.h>

double nmf_frob_obj(double xnorm2, int n, int k, const double *XtW,
                    const double *Ht, const double *WtW, const double *HtH)
{
    double f = xnorm2 - 2.0 * la_dot((size_t) n * k, XtW, Ht)
        + la_dot((size_t) k * k, WtW, HtH);
    return f > 0 ? f : 0.0;
}

/* The stopping rule of every solver: the one-layer solvers (and so the
 * cascade's layers, restarts and nmf_rank) and finetune.  With f_t the
 * relative objective after iteration t (f_0 the start) and
 * e_t = sqrt(min_{s<=t} f_s) the best relative error so far (for the
 * I-divergence, the square root of the relative divergence), a solver
 * stops after a measured iteration t when
 *   (a) e_t <= NMF_STOP_FLOOR * tol                        (the floor), or
 *   (b) t >= w, e_{t-w} was measured and e_{t-w} - e_t <= w * tol * r_t
 *       (w = NMF_STOP_WINDOW: over the last w iterations the error fell by
 *       at most tol r_t per iteration, on average), where r_t = e_t, or,
 *       near the floor (e_t <= NMF_STOP_NEAR * floor), r_t = max(e_t, e_0)
 *       (scikit-learn's form, against the starting error; e_0 at most 1,
 *       the error of the zero factorization), or
 *   (c) f_t <= 10 DBL_EPSILON (exact to round-off).
 * (b) against e_t alone never stops a layer that is exactly representable:
 * its error keeps falling by a steady fraction of itself for thousands of
 * iterations (relative error 0.0029 after 100 HALS iterations on the first
 * layer of simulate_gaussian_mixture(1000, 10) at rank 10, 0.00057 after
 * 500), so (a) ends it at a relative error the printed digits and the
 * cascade's error do not resolve.  Some such layers creep toward the floor
 * more slowly still (11 of the 100 data sets of the paper's Figure 1 needed
 * 560 to 1912 iterations to reach it); near the floor, (b) against e_0
 * ends them once their error falls by less than tol e_0 per iteration
 * (at most 349 iterations on the 100, errors unchanged at the median).
 * Away from the floor (b) stays against e_t: against e_0 it stopped random
 * starts of MU and KL on exact 6 x 4 matrices while they still moved
 * visibly, and MU on noisy data 1% short of its long-run error
 * (bench/README.md, issue 19).  Every quantity is relative, so the rule is
 * free of the data's units.
 * nmf_stop_record enters the measurement of the next iteration,
 * nmf_stop_skip an iteration without one (a solver that measures its
 * objective only every few iterations), nmf_stop_test tests the rule at
 * the last iteration (0 when it was not measured), nmf_stop_push records
 * and tests. */
void nmf_stop_init(nmf_stopper *s, double f0, double tol)
{
    s->tol = tol;
    s->floor = NMF_STOP_FLOOR * tol;
    s->t = 0;
    s->fbest = f0 > 0 ? f0 : 0.0;
    for (int i = 0; i <= NMF_STOP_WINDOW; i++) s->ring[i] = NAN;
    s->ring[0] = sqrt(s->fbest);
    s->e0 = s->ring[0] < 1.0 ? s->ring[0] : 1.0;
}

void nmf_stop_record(nmf_stopper *s, double f)
{
    if (f < s->fbest) s->fbest = f > 0 ? f : 0.0;
    s->t++;
    s->ring[s->t % (NMF_STOP_WINDOW + 1)] = sqrt(s->fbest);
}

void nmf_stop_skip(nmf_stopper *s)
{
    s->t++;
    s->ring[s->t % (NMF_STOP_WINDOW + 1)] = NAN;
}

int nmf_stop_test(const nmf_stopper *s)
{
    double e = s->ring[s->t % (NMF_STOP_WINDOW + 1)];
    if (ISNAN(e)) return 0;
    if (s->fbest <= 10 * DBL_EPSILON || e <= s->floor) return 1;
    if (s->t < NMF_STOP_WINDOW) return 0;
    double eold = s->ring[(s->t - NMF_STOP_WINDOW) % (NMF_STOP_WINDOW + 1)];
    double r = (e <= NMF_STOP_NEAR * s->floor && s->e0 > e) ? s->e0 : e;
    return !ISNAN(eold) && eold - e <= NMF_STOP_WINDOW * s->tol * r;
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
    if (len >= 16 && mult_update_simd(len, M, num, den, eps, &change))  /* thin_simd.c */
        return change;
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
