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
 * xops (xm_resid_sumsq).  All prefixes are stored (d * sum k_i doubles,
 * chain.c's chain_prefixes).
 * The suffixes, stored transposed (N x k, as xops wants them), are streamed
 * from S_{L+1} = G_L downwards over the orders sorted by decreasing hi, so
 * only two N x max(k) buffers exist and each suffix is formed once.
 * X enters with scale s = 1 / max(X), every prefix carries the same s (as
 * the cascade does for its $error), and the squared errors are divided by
 * s^2 at the end.
 */
#include "mlnmf.h"
#include <limits.h>

/* The span lo..hi (1-based) that each order moves (lo = L + 1, hi = L for
 * the identity), each order checked to be a permutation that moves layers
 * only between positions of the same shape.  On return idx lists the
 * orders by decreasing hi and key[q] = -hi of order idx[q]. */
static void perm_spans(const int *ord, R_xlen_t P, int L, const int *rk,
                       int *lo, int *key, int *idx)
{
    /* seen[l - 1] == p + 1 once layer l has been met in column p */
    int *seen = (int *) scratch_alloc((size_t) L, sizeof(int));
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
            if (l == j + 1) continue;
            if (a > L) a = j + 1;
            b = j + 1;
            if (rk[l - 1] != rk[j] || rk[l] != rk[j + 1])
                error(_("'orders' column %d puts layer %d (%d x %d) at position %d (%d x %d)"),
                      (int) p + 1, l, rk[l - 1], rk[l], j + 1, rk[j],
                      rk[j + 1]);
        }
        lo[p] = a;
        key[p] = -b;            /* ascending sort of -hi: decreasing hi */
        idx[p] = (int) p;
    }
    if (P > 1) R_qsort_int_I(key, idx, 1, (int) P);
}

/* The chain of the fit and the scaled data the orders are measured on. */
typedef struct {
    xmat *X;
    int L, kmax;
    const int *rk;
    const double **F;       /* F[i] = F_{i+1} */
    double **Pre;           /* Pre[j] = s F_1 ... F_j, d x rk[j] */
    double *work;
} perm_ctx;

/* W (d x k_hi) = s F_1 ... F_{lo-1} F_o(lo) ... F_o(hi) for order o; B1,
 * B2 scratch of max(d, kmax) x kmax.  Returns k_hi. */
static int perm_left(const perm_ctx *c, const int *o, int a, int b,
                     double *B1, double *B2, double *W)
{
    const int *rk = c->rk;
    int d = c->X->m;
    const double *cur = c->F[o[a - 1] - 1];
    int rows = rk[a - 1], cols = rk[a];
    double *buf = B1;
    for (int j = a + 1; j <= b; j++) {
        la_gemm("N", "N", rows, rk[j], cols, 1.0, cur, rows,
                c->F[o[j - 1] - 1], rk[j - 1], 0.0, buf, rows);
        cur = buf;
        cols = rk[j];
        buf = (buf == B1) ? B2 : B1;
    }
    if (a == 1)
        for (size_t t = 0; t < (size_t) d * cols; t++) W[t] = c->X->scale * cur[t];
    else
        la_gemm("N", "N", d, cols, rows, 1.0, c->Pre[a - 1], d, cur, rows,
                0.0, W, d);
    return cols;
}

/* e[p] = ||sX - (order p's product)||^2 for every order, the orders taken
 * by decreasing hi so that the suffix T = S_{hi+1}^T (N x k_hi) is formed
 * once per hi from G_L^T down (T, Tn: N x kmax, T holding G_L^T). */
static void perm_errors(const perm_ctx *c, const int *ord, R_xlen_t P,
                        const int *lo, const int *key, const int *idx,
                        double *T, double *Tn, double base, double *e)
{
    const int *rk = c->rk;
    int L = c->L, d = c->X->m, N = c->X->n, tpos = L + 1;
    int rmax = d > c->kmax ? d : c->kmax;
    double *B1 = (double *) scratch_alloc((size_t) rmax * c->kmax, sizeof(double));
    double *B2 = (double *) scratch_alloc((size_t) rmax * c->kmax, sizeof(double));
    double *W = (double *) scratch_alloc((size_t) d * c->kmax, sizeof(double));
    for (R_xlen_t q = 0; q < P; q++) {
        R_CheckUserInterrupt();
        int p = idx[q], a = lo[p], b = -key[q];
        if (a > L) {
            e[p] = base;
            continue;
        }
        while (tpos > b + 1) {          /* T_{j-1} = T_j F_{j-1}^T */
            int j = tpos - 1;
            chain_suffix_step(N, rk[j - 1], rk[j], T, c->F[j - 1], Tn);
            double *tmp = T; T = Tn; Tn = tmp;
            tpos = j;
        }
        scratch_mark vmax = scratch_get();   /* scratch of one order, if any */
        int cols = perm_left(c, ord + (size_t) p * L, a, b, B1, B2, W);
        e[p] = xm_resid_sumsq(c->X, W, T, cols, c->work);
        scratch_set(vmax);
    }
}

/*
 * mlnmf_permute(X, F, G, orders, mask)
 *   X       d x N double matrix or dgCMatrix (nonnegative, max(X) > 0),
 *           mask NULL or the fit's (xm_from_sexp)
 *   F       list of L double matrices, F[[1]] d x k_1, F[[i]] k_{i-1} x k_i
 *   G       k_L x N double matrix (G_L)
 *   orders  L x P integer matrix; column p is a permutation of 1..L that
 *           lists the layer placed at each position (each layer once); a
 *           layer may only go to a position whose own layer has the same
 *           dimensions
 * Returns list(error = P squared errors, base = the squared error of the
 * fit's own order, norm2 = ||X||_F^2), in the units of X: each is the
 * scaled value times max(X), twice (so that max(X)^2 alone cannot
 * overflow); the R side refuses what still does.
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
    int L = (int) XLENGTH(Fl), d = Xm.m, N = Xm.n;
    if (TYPEOF(orders) != INTSXP || XLENGTH(orders) % L != 0)
        error(_("'orders' must be an integer matrix with one row per layer"));
    R_xlen_t P = XLENGTH(orders) / L;
    if (P > INT_MAX) error(_("'orders' has too many columns"));
    perm_ctx c = { &Xm, L, 1, NULL, NULL, NULL, NULL };
    c.F = (const double **) scratch_alloc((size_t) L, sizeof(double *));
    c.rk = util_read_chain(Fl, G, d, N, L, c.F);
    for (int i = 1; i <= L; i++) if (c.rk[i] > c.kmax) c.kmax = c.rk[i];

    int *lo = (int *) scratch_alloc((size_t) P + 1, sizeof(int));
    int *key = (int *) scratch_alloc((size_t) P + 1, sizeof(int));
    int *idx = (int *) scratch_alloc((size_t) P + 1, sizeof(int));
    perm_spans(INTEGER(orders), P, L, c.rk, lo, key, idx);

    double xmax = xm_max(&Xm);
    Xm.scale = util_inv_scale(xmax, "X", 1);
    double xn2 = xm_sumsq(&Xm);
    xm_reserve(&Xm, c.kmax);
    c.work = (double *) scratch_alloc(xm_work_size(&Xm, c.kmax), sizeof(double));
    c.Pre = (double **) scratch_alloc((size_t) L + 1, sizeof(double *));
    c.Pre[0] = NULL;
    for (int j = 1; j <= L; j++)
        c.Pre[j] = (double *) scratch_alloc((size_t) d * c.rk[j], sizeof(double));
    chain_prefixes(d, L, c.rk, c.F, Xm.scale, c.Pre);

    /* the suffix buffers (N x kmax each) hold T_j = S_j^T, N x rk[j-1] */
    double *T = (double *) scratch_alloc((size_t) N * c.kmax, sizeof(double));
    double *Tn = (double *) scratch_alloc((size_t) N * c.kmax, sizeof(double));
    util_transpose(c.rk[L], N, REAL(G), T);
    double base = xm_resid_sumsq(&Xm, c.Pre[L], T, c.rk[L], c.work);
    SEXP err = PROTECT(allocVector(REALSXP, P)); nprot++;
    double *e = REAL(err);
    perm_errors(&c, INTEGER(orders), P, lo, key, idx, T, Tn, base, e);

    for (R_xlen_t p = 0; p < P; p++) e[p] = (e[p] * xmax) * xmax;
    const char *nm[] = {"error", "base", "norm2", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, err);
    SET_VECTOR_ELT(ans, 1, ScalarReal((base * xmax) * xmax));
    SET_VECTOR_ELT(ans, 2, ScalarReal((xn2 * xmax) * xmax));
    UNPROTECT(nprot);
    return ans;
}
