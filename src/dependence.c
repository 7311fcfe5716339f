/*
 * dependence.c: the dependence map between consecutive layers.
 *
 * From G_{i-1} ~ F_i G_i and G_i ~ F_{i+1} G_{i+1} (G_0 = X) follows
 * G_{i-1} ~ F_i F_{i+1} G_{i+1}.  The minimum-norm minimiser of
 * || G_{i-1} - F_i Z G_{i+1} ||_F over Z (k_{i-1} x k_i) is
 *
 *     f(F_i) = F_i^+ G_{i-1} G_{i+1}^+,
 *
 * with F_i (k_{i-2} x k_{i-1}, k_0 = d), G_{i-1} (k_{i-2} x N),
 * G_{i+1} (k_i x N).  For each requested pair (i, i+1) this file computes
 *   map error    || F_{i+1} - f(F_i) ||_F / || F_{i+1} ||_F
 *   recon (map)  || G_{i-1} - F_i f(F_i) G_{i+1} ||_F / || G_{i-1} ||_F
 *   recon (fit)  || G_{i-1} - F_i F_{i+1} G_{i+1} ||_F / || G_{i-1} ||_F
 *   the numerical ranks of F_i and G_{i+1} (pinv's default tolerance),
 * and optionally returns f(F_i).  G_{i-1} is read through an xmat, so the
 * first pair (G_0 = X) goes through xops.c like every other access to X;
 * the residuals are exact blockwise passes (no cancellation).
 *
 * Scaling: with s = 1 / max(G_{i-1}) and t = 1 / max(G_{i+1}), the work is
 * done on s G_{i-1} and t G_{i+1} (entries of order one, whatever the
 * units of the data: 1e308 would overflow the norms, 1e-300 underflow
 * them).  With Z' = F_i^+ (s G_{i-1}) (t G_{i+1})^+ and r = t / s,
 *     f(F_i) = r Z',
 *     s (G_{i-1} - F_i f(F_i) G_{i+1}) = s G_{i-1} - F_i Z' (t G_{i+1}),
 *     s (G_{i-1} - F_i F_{i+1} G_{i+1}) = s G_{i-1} - F_i (F_{i+1} / r) (t G_{i+1}),
 * (for r < 1, r times the last: t G_{i-1} - F_i F_{i+1} (t G_{i+1})), so
 * the relative errors come out of scaled quantities; only a map whose
 * entries are beyond the largest double is returned as Inf (the R side
 * refuses it with a message).
 */
#include "mlnmf.h"
#include <stdio.h>
#include <float.h>
#include <math.h>


/* ||p x - q y||_F, accumulated with a running scale (as LAPACK's dnrm2)
 * so that neither the squares nor the sum overflow or underflow; y may be
 * NULL (then ||p x||). */
static double diff_norm(size_t len, double p, const double *x, double q,
                        const double *y)
{
    double scale = 0.0, ssq = 1.0;
    for (size_t i = 0; i < len; i++) {
        double v = fabs(p * x[i] - (y ? q * y[i] : 0.0));
        if (v == 0.0) continue;
        if (scale < v) {
            ssq = 1.0 + ssq * (scale / v) * (scale / v);
            scale = v;
        } else {
            ssq += (v / scale) * (v / scale);
        }
    }
    return scale * sqrt(ssq);
}

/* 1 / mx for the largest entry mx of G_i (i = 0: X), errors naming it */
static double dep_inv_scale(double mx, int i)
{
    char what[32];
    if (i == 0) snprintf(what, sizeof what, "X");
    else snprintf(what, sizeof what, "G[[%d]]", i);
    return util_inv_scale(mx, what, 1);
}

/*
 * One pair.  Gprev (a x N), Fi (a x b), Fn (b x c), Gn (c x N).
 * Z (b x c) receives f(F_i); stats[0..4] as in the file comment.
 * Workspace from R_alloc (the caller releases it with vmaxset).
 */
static void dependence_pair(const xmat *Gprev, const double *Fi,
                            const double *Fn, const double *Gn,
                            int a, int b, int c, int N, int i, double *Z,
                            double *stats)
{
    xmat xg = *Gprev;            /* X (dense or sparse, masked) or G_{i-1} */
    xm_reserve(&xg, c);
    size_t bc = (size_t) b * c, cn = (size_t) c * N;

    double *Fp = (double *) scratch_alloc((size_t) b * a, sizeof(double));
    double *Gp = (double *) scratch_alloc((size_t) N * c, sizeof(double));
    double *Gs = (double *) scratch_alloc(cn, sizeof(double));
    double *T = (double *) scratch_alloc((size_t) a * c, sizeof(double));
    double *W = (double *) scratch_alloc((size_t) a * c, sizeof(double));
    double *Fr = (double *) scratch_alloc(bc, sizeof(double));
    double *Ht = (double *) scratch_alloc((size_t) N * c, sizeof(double));
    double *work = (double *) scratch_alloc(xm_work_size(&xg, c), sizeof(double));

    double s = dep_inv_scale(xm_max(&xg), i - 1);
    double mg = 0.0;
    for (size_t l = 0; l < cn; l++) if (Gn[l] > mg) mg = Gn[l];
    double t = dep_inv_scale(mg, i + 1);
    for (size_t l = 0; l < cn; l++) Gs[l] = t * Gn[l];
    xg.scale = s;
    double r = (1.0 / s) * t;                       /* f(F_i) = r Z' */

    int rF = pinv_work(a, b, Fi, -1.0, Fp, NULL);
    int rG = pinv_work(c, N, Gs, -1.0, Gp, NULL);
    if (rF < 0) error(_("'F[[%d]]' has non-finite entries"), i);
    if (rG < 0) error(_("'G[[%d]]' has non-finite entries"), i + 1);
    xm_prod(&xg, Gp, c, T);                         /* s G_{i-1} (tG)^+ */
    la_gemm("N", "N", b, c, a, 1.0, Fp, b, T, a, 0.0, Z, b);   /* Z' */

    /* ||F_{i+1} - r Z'|| / ||F_{i+1}|| = u ||F/u - (r/u) Z'|| / ||F||,
     * u = max(r, 1), so neither term overflows */
    double u = r > 1.0 ? r : 1.0;
    double nf = diff_norm(bc, 1.0, Fn, 0.0, NULL);
    if (!R_FINITE(nf)) error(_("'F[[%d]]' has non-finite entries"), i + 1);
    double dz = diff_norm(bc, 1.0 / u, Fn, r / u, Z);
    util_transpose(c, N, Gs, Ht);
    double ng = xm_sumsq(&xg);

    la_gemm("N", "N", a, c, b, 1.0, Fi, a, Z, b, 0.0, W, a);
    double r_map = xm_resid_sumsq(&xg, W, Ht, c, work);
    /* r >= 1: s G_{i-1} - F_i (F_{i+1} / r) (t G_{i+1}) as above; r < 1
     * (F_{i+1} / r would be large): r times it, t G_{i-1} - F_i F_{i+1}
     * (t G_{i+1}), and the ratio divided by r at the end */
    xmat xt = xg;
    if (r >= 1.0) {
        for (size_t l = 0; l < bc; l++) Fr[l] = Fn[l] / r;
    } else {
        for (size_t l = 0; l < bc; l++) Fr[l] = Fn[l];
        xt.scale = t;
    }
    la_gemm("N", "N", a, c, b, 1.0, Fi, a, Fr, b, 0.0, W, a);
    double r_fit = xm_resid_sumsq(&xt, W, Ht, c, work);
    for (size_t l = 0; l < bc; l++) Z[l] *= r;      /* f(F_i) */

    stats[0] = (dz / nf) * u;
    stats[1] = sqrt(r_map) / sqrt(ng);
    stats[2] = (sqrt(r_fit) / sqrt(ng)) / (r >= 1.0 ? 1.0 : r);
    stats[3] = rF;
    stats[4] = rG;
}

/*
 * .Call entry.  X: G_0 (d x N); Flist, Glist: the L factors of the fit;
 * pairs: integer i in 1..L-1 (1-based); maps: logical.
 * Returns list(stats = length(pairs) x 5 matrix, maps = list of f(F_i)
 * (k_{i-1} x k_i) or NULL).
 */
SEXP mlnmf_dependence(SEXP X, SEXP Flist, SEXP Glist, SEXP pairs, SEXP maps,
                      SEXP mask)
{
    int nprot = 0;
    xmat X0;
    xm_from_sexp(&X0, X, mask, "X");
    if (TYPEOF(Flist) != VECSXP || TYPEOF(Glist) != VECSXP ||
        XLENGTH(Flist) != XLENGTH(Glist))
        error(_("'F' and 'G' must be lists of equal length"));
    if (TYPEOF(pairs) != INTSXP) error(_("'pairs' must be integer"));
    if (TYPEOF(maps) != LGLSXP || XLENGTH(maps) != 1)
        error(_("'maps' must be TRUE or FALSE"));
    int L = (int) XLENGTH(Flist), np = (int) XLENGTH(pairs);
    int want = LOGICAL(maps)[0] == TRUE;
    int N = X0.n;
    for (int i = 0; i < L; i++) {
        util_check_matrix(VECTOR_ELT(Flist, i), "F", i + 1);
        util_check_matrix(VECTOR_ELT(Glist, i), "G", i + 1);
    }

    SEXP stats = PROTECT(allocMatrix(REALSXP, np, 5)); nprot++;
    SEXP zl = PROTECT(allocVector(VECSXP, want ? np : 0)); nprot++;
    double *st = REAL(stats), one[5];

    for (int p = 0; p < np; p++) {
        R_CheckUserInterrupt();
        int i = INTEGER(pairs)[p];                 /* 1-based: F_i, F_{i+1} */
        if (i == NA_INTEGER || i < 1 || i > L - 1)
            error(_("'pairs' entry %d is out of range"), p + 1);
        xmat Gp = X0;
        if (i > 1) {
            SEXP G = VECTOR_ELT(Glist, i - 2);
            xm_dense(&Gp, REAL(G), nrows(G), ncols(G), 0);
        }
        SEXP Fi = VECTOR_ELT(Flist, i - 1), Fn = VECTOR_ELT(Flist, i);
        SEXP Gn = VECTOR_ELT(Glist, i);
        int a = nrows(Fi), b = ncols(Fi), c = ncols(Fn);
        if (Gp.m != a || Gp.n != N || nrows(Fn) != b ||
            nrows(Gn) != c || ncols(Gn) != N)
            error(_("the factors of pair %d do not have matching dimensions"),
                  i);

        SEXP Z = PROTECT(allocMatrix(REALSXP, b, c));
        scratch_mark vmax = scratch_get();
        dependence_pair(&Gp, REAL(Fi), REAL(Fn), REAL(Gn), a, b, c,
                        N, i, REAL(Z), one);
        scratch_set(vmax);
        for (int s = 0; s < 5; s++) st[p + (size_t) s * np] = one[s];
        if (want) SET_VECTOR_ELT(zl, p, Z);
        UNPROTECT(1);
    }

    const char *nm[] = {"stats", "maps", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, stats);
    SET_VECTOR_ELT(ans, 1, want ? zl : R_NilValue);
    UNPROTECT(nprot);
    return ans;
}
