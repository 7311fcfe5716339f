/*
 * depth.c: the distance of a square F to the nearest monomial matrix P D
 * (P a permutation, D diagonal), the criterion of layers = "auto".
 *
 * With the permutation fixed, the best D takes the matched entries, so the
 * relative Frobenius distance is sqrt(1 - max_p sum_j F[p_j, j]^2 / ||F||^2),
 * and the maximising permutation is an assignment problem on F^2, solved
 * exactly by the Hungarian method (O(k^3); Kuhn 1955, in the potentials
 * form of Jonker and Volgenant).  The cascade (cascade.c) calls it after
 * each square layer to stop as soon as the depth is known; R's
 * monomial_dist() and layer_stats() call the same code through
 * mlnmf_monomial_dist, so the depth and the tables agree to the bit.
 */
#include "mlnmf.h"
#include <math.h>

/* p (n): the row assigned to column j of W (n x n, column-major), for the
 * assignment maximising sum_j W[p_j, j].  Scratch: 3 (n + 1) doubles and
 * 3 (n + 1) ints.  Arrays below are 1-based as in the method's usual
 * statement; index 0 is the virtual column that starts each augmentation. */
static void max_assignment(int n, const double *W, int *p_out, double *dw, int *iw)
{
    double wmax = R_NegInf;
    for (size_t j = 0; j < (size_t) n * n; j++) if (W[j] > wmax) wmax = W[j];
    double *u = dw, *v = u + n + 1, *minv = v + n + 1;
    int *p = iw, *way = p + n + 1, *used = way + n + 1;
    for (int j = 0; j <= n; j++) { u[j] = v[j] = 0.0; p[j] = way[j] = 0; }
    /* cost of giving row r (1..n, a column of W) column c (1..n, a row of
     * W): wmax - W[c, r], so that minimal cost is maximal weight */
#define COST(r, c) (wmax - W[((size_t) (c) - 1) + ((size_t) (r) - 1) * n])
    for (int i = 1; i <= n; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= n; j++) { minv[j] = R_PosInf; used[j] = 0; }
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = R_PosInf;
            for (int j = 1; j <= n; j++) {
                if (used[j]) continue;
                double cur = COST(i0, j) - u[i0] - v[j];
                if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                if (minv[j] < delta) { delta = minv[j]; j1 = j; }
            }
            for (int j = 0; j <= n; j++) {
                if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                else minv[j] -= delta;
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0 != 0);
    }
#undef COST
    /* p[c] (c = 1..n) is the column of W matched to row c - 1 of W */
    for (int c = 1; c <= n; c++) p_out[p[c] - 1] = c - 1;
}

double monomial_dist(int k, const double *F)
{
    size_t kk = (size_t) k * k;
    double nf = 0.0;
    for (size_t j = 0; j < kk; j++) nf += F[j] * F[j];
    if (!(nf > 0) || !R_FINITE(nf)) return NA_REAL;
    double *F2 = (double *) scratch_alloc(kk + 3 * ((size_t) k + 1), sizeof(double));
    int *iw = (int *) scratch_alloc(4 * ((size_t) k + 1), sizeof(int));
    for (size_t j = 0; j < kk; j++) F2[j] = F[j] * F[j];
    int *p = iw + 3 * ((size_t) k + 1);
    max_assignment(k, F2, p, F2 + kk, iw);
    double matched = 0.0;
    for (int j = 0; j < k; j++) matched += F2[p[j] + (size_t) j * k];
    double r = 1.0 - matched / nf;
    return sqrt(r > 0 ? r : 0.0);
}

SEXP mlnmf_monomial_dist(SEXP F)
{
    util_check_matrix(F, "F", 0);
    if (nrows(F) != ncols(F)) error(_("'F' must be a square matrix"));
    scratch_mark vmax = scratch_get();
    double md = monomial_dist(nrows(F), REAL(F));
    scratch_set(vmax);
    return ScalarReal(md);
}
