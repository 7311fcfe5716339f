/*
 * permute.c: the layer-permutation protocol (paper, section 5).
 *
 * For a fit X ~ F_1 ... F_L G_L and P orders sigma of the layers (the
 * columns of an L x P integer matrix, 1-based), computes
 *     e(sigma) = || X - F_sigma(1) ... F_sigma(L) G_L ||_F^2.
 * An order that moves only positions lo..hi keeps the prefix
 *     P_{lo-1} = F_1 ... F_{lo-1}                    (d x k_{lo-1})
 * and the suffix
 *     S_{hi+1} = F_{hi+1} ... F_L G_L                (k_hi x N)
 * of the fit, so each order costs the block product
 *     B = F_sigma(lo) ... F_sigma(hi)                (k_{lo-1} x k_hi),
 * W = P_{lo-1} B, and one blockwise pass || X - W S_{hi+1} ||^2 through
 * xops (xm_resid_sumsq).  All prefixes are stored (d * sum k_i doubles).
 * The suffixes, stored transposed (N x k, as xops wants them), are streamed
 * from S_{L+1} = G_L downwards over the orders sorted by decreasing hi, so
 * only two N x max(k) buffers exist and each suffix is formed once.
 * X enters with scale s = 1 / max(X), every prefix carries the same s (as
 * the cascade does for its $error), and the squared errors are divided by
 * s^2 at the end.
 */
#include "mlnmf.h"
#include <limits.h>

/*
 * mlnmf_permute(X, F, G, orders)
 *   X       d x N double matrix (nonnegative, max(X) > 0)
 *   F       list of L double matrices, F[[1]] d x k_1, F[[i]] k_{i-1} x k_i
 *   G       k_L x N double matrix (G_L)
 *   orders  L x P integer matrix; column p is a permutation of 1..L that
 *           lists the layer placed at each position (each layer once); a
 *           layer may only go to a position whose own layer has the same
 *           dimensions
 * Returns list(error = P squared errors, base = the squared error of the
 * fit's own order, norm2 = ||X||_F^2).
 */
SEXP mlnmf_permute(SEXP X, SEXP Fl, SEXP G, SEXP orders, SEXP mask)
{
    int nprot = 0;
    xmat Xm;
    xm_from_sexp(&Xm, X, mask, "X");     /* dense or dgCMatrix, and its mask */
    util_check_matrix(G, "G", 0);
    if (TYPEOF(Fl) != VECSXP || XLENGTH(Fl) < 1)
        error(_("'F' must be a non-empty list"));
    if (XLENGTH(Fl) > INT_MAX - 1) error(_("'F' is too long"));
    int L = (int) XLENGTH(Fl);
    int d = Xm.m, N = Xm.n;
    if (TYPEOF(orders) != INTSXP || XLENGTH(orders) % L != 0)
        error(_("'orders' must be an integer matrix with one row per layer"));
    R_xlen_t P = XLENGTH(orders) / L;
    if (P > INT_MAX) error(_("'orders' has too many columns"));

    /* dimensions of the chain: layer i is rk[i-1] x rk[i], rk[0] = d */
    int *rk = (int *) R_alloc((size_t) L + 1, sizeof(int));
    const double **F = (const double **) R_alloc((size_t) L, sizeof(double *));
    rk[0] = d;
    int kmax = 1;
    for (int i = 0; i < L; i++) {
        SEXP Fi = VECTOR_ELT(Fl, i);
        util_check_matrix(Fi, "F", i + 1);
        if (nrows(Fi) != rk[i])
            error(_("'F[[%d]]' has %d rows, the chain needs %d"), i + 1,
                  nrows(Fi), rk[i]);
        rk[i + 1] = ncols(Fi);
        if (rk[i + 1] > kmax) kmax = rk[i + 1];
        F[i] = REAL(Fi);
    }
    if (nrows(G) != rk[L] || ncols(G) != N)
        error(_("'G' must be %d x %d"), rk[L], N);
    int rmax = d > kmax ? d : kmax;

    /* lo, hi (1-based) of every order; lo = L + 1, hi = L for the identity */
    const int *ord = INTEGER(orders);
    int *lo = (int *) R_alloc((size_t) P + 1, sizeof(int));
    int *key = (int *) R_alloc((size_t) P + 1, sizeof(int));
    int *idx = (int *) R_alloc((size_t) P + 1, sizeof(int));
    /* seen[l - 1] == p + 1 once layer l has been met in column p */
    int *seen = (int *) R_alloc((size_t) L, sizeof(int));
    for (int j = 0; j < L; j++) seen[j] = 0;
    for (R_xlen_t p = 0; p < P; p++) {
        const int *o = ord + (size_t) p * L;
        int a = L + 1, b = L;
        for (int j = 0; j < L; j++) {
            int l = o[j];
            if (l == NA_INTEGER || l < 1 || l > L)
                error(_("'orders' column %d has an entry outside 1..%d"),
                      (int) p + 1, L);
            if (seen[l - 1] == (int) p + 1)
                error(_("'orders' column %d is not a permutation of 1..%d: layer %d appears twice"),
                      (int) p + 1, L, l);
            seen[l - 1] = (int) p + 1;
            if (l != j + 1) {
                if (a > L) a = j + 1;
                b = j + 1;
                if (rk[l - 1] != rk[j] || rk[l] != rk[j + 1])
                    error(_("'orders' column %d puts layer %d (%d x %d) at position %d (%d x %d)"),
                          (int) p + 1, l, rk[l - 1], rk[l], j + 1, rk[j],
                          rk[j + 1]);
            }
        }
        lo[p] = a;
        key[p] = -b;            /* ascending sort of -hi: decreasing hi */
        idx[p] = (int) p;
    }
    if (P > 1) R_qsort_int_I(key, idx, 1, (int) P);

    double xmax = xm_max(&Xm);
    if (!(xmax > 0)) error(_("'X' has no positive entry"));
    double s = 1.0 / xmax;
    Xm.scale = s;
    double xn2 = xm_sumsq(&Xm);
    xm_reserve(&Xm, kmax);
    double *work = (double *) R_alloc(xm_work_size(&Xm, kmax), sizeof(double));

    /* prefixes Pre[j] = s F_1 ... F_j, d x rk[j], j = 1..L */
    double **Pre = (double **) R_alloc((size_t) L + 1, sizeof(double *));
    Pre[0] = NULL;
    for (int j = 1; j <= L; j++) {
        Pre[j] = (double *) R_alloc((size_t) d * rk[j], sizeof(double));
        if (j == 1)
            for (size_t t = 0; t < (size_t) d * rk[1]; t++) Pre[1][t] = s * F[0][t];
        else
            la_gemm("N", "N", d, rk[j], rk[j - 1], 1.0, Pre[j - 1], d,
                    F[j - 1], rk[j - 1], 0.0, Pre[j], d);
    }

    /* the suffix buffers (N x kmax each) hold T_j = S_j^T, N x rk[j-1] */
    double *T = (double *) R_alloc((size_t) N * kmax, sizeof(double));
    double *Tn = (double *) R_alloc((size_t) N * kmax, sizeof(double));
    util_transpose(rk[L], N, REAL(G), T);
    int tpos = L + 1;

    double base = xm_resid_sumsq(&Xm, Pre[L], T, rk[L], work);

    double *B1 = (double *) R_alloc((size_t) rmax * kmax, sizeof(double));
    double *B2 = (double *) R_alloc((size_t) rmax * kmax, sizeof(double));
    double *W = (double *) R_alloc((size_t) d * kmax, sizeof(double));

    SEXP err = PROTECT(allocVector(REALSXP, P)); nprot++;
    double *e = REAL(err);
    for (R_xlen_t q = 0; q < P; q++) {
        R_CheckUserInterrupt();
        int p = idx[q], a = lo[p], b = -key[q];
        if (a > L) {
            e[p] = base;
            continue;
        }
        while (tpos > b + 1) {          /* T_{j} = T_{j+1} F_j^T */
            int j = tpos - 1;
            la_gemm("N", "T", N, rk[j - 1], rk[j], 1.0, T, N, F[j - 1],
                    rk[j - 1], 0.0, Tn, N);
            double *tmp = T; T = Tn; Tn = tmp;
            tpos = j;
        }
        const void *vmax = vmaxget();   /* scratch of one order, if any */
        const int *o = ord + (size_t) p * L;
        const double *cur = F[o[a - 1] - 1];
        int rows = rk[a - 1], cols = rk[a];
        double *buf = B1;
        for (int j = a + 1; j <= b; j++) {
            int l = o[j - 1];
            la_gemm("N", "N", rows, rk[j], cols, 1.0, cur, rows, F[l - 1],
                    rk[j - 1], 0.0, buf, rows);
            cur = buf;
            cols = rk[j];
            buf = (buf == B1) ? B2 : B1;
        }
        if (a == 1)
            for (size_t t = 0; t < (size_t) d * cols; t++) W[t] = s * cur[t];
        else
            la_gemm("N", "N", d, cols, rows, 1.0, Pre[a - 1], d, cur, rows,
                    0.0, W, d);
        e[p] = xm_resid_sumsq(&Xm, W, T, cols, work);
        vmaxset(vmax);
    }

    /* back to the units of X: times max(X)^2, in two steps so that
       max(X)^2 alone cannot overflow */
    for (R_xlen_t p = 0; p < P; p++) e[p] = (e[p] * xmax) * xmax;
    const char *nm[] = {"error", "base", "norm2", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, err);
    SET_VECTOR_ELT(ans, 1, ScalarReal((base * xmax) * xmax));
    SET_VECTOR_ELT(ans, 2, ScalarReal((xn2 * xmax) * xmax));
    UNPROTECT(nprot);
    return ans;
}
