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
 */
#include "mlnmf.h"
#include <math.h>


/*
 * One pair.  Gprev (a x N), Fi (a x b), Fn (b x c), Gn (c x N).
 * Z (b x c) receives f(F_i); stats[0..4] as in the file comment.
 * Workspace from R_alloc (the caller releases it with vmaxset).
 */
static void dependence_pair(const double *Gprev, const double *Fi,
                            const double *Fn, const double *Gn,
                            int a, int b, int c, int N, double *Z,
                            double *stats)
{
    xmat xg;
    xm_dense(&xg, Gprev, a, N, 0);

    double *Fp = (double *) R_alloc((size_t) b * a, sizeof(double));
    double *Gp = (double *) R_alloc((size_t) N * c, sizeof(double));
    double *T = (double *) R_alloc((size_t) a * c, sizeof(double));
    double *W = (double *) R_alloc((size_t) a * c, sizeof(double));
    double *Ht = (double *) R_alloc((size_t) N * c, sizeof(double));
    double *work = (double *) R_alloc(xm_work_size(&xg, c), sizeof(double));

    int rF = pinv_work(a, b, Fi, -1.0, Fp, NULL);
    int rG = pinv_work(c, N, Gn, -1.0, Gp, NULL);
    xm_prod(&xg, Gp, c, T);                                 /* G_{i-1} G^+ */
    la_gemm("N", "N", b, c, a, 1.0, Fp, b, T, a, 0.0, Z, b);

    double dz = 0.0, nf = la_sumsq((size_t) b * c, Fn);
    for (size_t l = 0; l < (size_t) b * c; l++) {
        double e = Fn[l] - Z[l];
        dz += e * e;
    }
    util_transpose(c, N, Gn, Ht);
    double ng = xm_sumsq(&xg);

    la_gemm("N", "N", a, c, b, 1.0, Fi, a, Z, b, 0.0, W, a);
    double r_map = xm_resid_sumsq(&xg, W, Ht, c, work);
    la_gemm("N", "N", a, c, b, 1.0, Fi, a, Fn, b, 0.0, W, a);
    double r_fit = xm_resid_sumsq(&xg, W, Ht, c, work);

    stats[0] = sqrt(dz) / sqrt(nf);
    stats[1] = sqrt(r_map) / sqrt(ng);
    stats[2] = sqrt(r_fit) / sqrt(ng);
    stats[3] = rF;
    stats[4] = rG;
}

/*
 * .Call entry.  X: G_0 (d x N); Flist, Glist: the L factors of the fit;
 * pairs: integer i in 1..L-1 (1-based); maps: logical.
 * Returns list(stats = length(pairs) x 5 matrix, maps = list of f(F_i)
 * (k_{i-1} x k_i) or NULL).
 */
SEXP mlnmf_dependence(SEXP X, SEXP Flist, SEXP Glist, SEXP pairs, SEXP maps)
{
    int nprot = 0;
    util_check_matrix(X, "X", 0);
    if (TYPEOF(Flist) != VECSXP || TYPEOF(Glist) != VECSXP ||
        XLENGTH(Flist) != XLENGTH(Glist))
        error(_("'F' and 'G' must be lists of equal length"));
    if (TYPEOF(pairs) != INTSXP) error(_("'pairs' must be integer"));
    if (TYPEOF(maps) != LGLSXP || XLENGTH(maps) != 1)
        error(_("'maps' must be TRUE or FALSE"));
    int L = (int) XLENGTH(Flist), np = (int) XLENGTH(pairs);
    int want = LOGICAL(maps)[0] == TRUE;
    int N = ncols(X);
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
        SEXP Gprev = i == 1 ? X : VECTOR_ELT(Glist, i - 2);
        SEXP Fi = VECTOR_ELT(Flist, i - 1), Fn = VECTOR_ELT(Flist, i);
        SEXP Gn = VECTOR_ELT(Glist, i);
        int a = nrows(Fi), b = ncols(Fi), c = ncols(Fn);
        if (nrows(Gprev) != a || ncols(Gprev) != N || nrows(Fn) != b ||
            nrows(Gn) != c || ncols(Gn) != N)
            error(_("the factors of pair %d do not have matching dimensions"),
                  i);
        la_int((size_t) a * N, "G");
        la_int((size_t) c * N, "G");

        SEXP Z = PROTECT(allocMatrix(REALSXP, b, c));
        const void *vmax = vmaxget();
        dependence_pair(REAL(Gprev), REAL(Fi), REAL(Fn), REAL(Gn), a, b, c,
                        N, REAL(Z), one);
        vmaxset(vmax);
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
