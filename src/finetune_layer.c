/*
 * finetune_layer.c: the C kernel of the layer-centric fine-tuning
 * (R/finetune_layer.R), which minimises
 *     sum_l lambda_l D_beta(G_(l-1) | F_l G_l),   G_0 = X,
 * by multiplicative updates written in R over this one pass:
 *
 * mlnmf_beta_pass(X, W, H, beta, side, mask): with V = W H (X is m x n,
 * W m x k, H k x n, dense or a dgCMatrix, the mask as in mlnmf_fit) the
 * numerator and denominator of the beta-divergence MU of one factor,
 *   side 0:  num = (X o V^(beta-2)) H^T,  den = V^(beta-1) H^T   (m x k)
 *   side 1:  num = W^T (X o V^(beta-2)),  den = W^T V^(beta-1)   (k x n)
 * (over the observed entries, V floored as in xops_beta.c), and the
 * divergence D_beta(X | W H), unscaled.  One pass over X (xb_pass): the
 * zeros of a dgCMatrix cost nothing for beta = 1 and under mask "zeros".
 * mlnmf_beta_div(X, W, H, beta, mask): the divergence alone.
 */
#include "mlnmf.h"

/* The inputs of the two entries below: X as an xmat (mask as in
 * mlnmf_fit), W (m x k) and H (k x n) checked against it, beta finite;
 * returns H^T (n x k, R_alloc) and sets *k. */
static double *beta_inputs(SEXP X, SEXP W, SEXP H, SEXP beta, SEXP mask,
                           xmat *Xm, int *k)
{
    xm_from_sexp(Xm, X, mask, "X");
    Xm->threads = 1;
    util_check_matrix(W, "W", 0);
    util_check_matrix(H, "H", 0);
    *k = ncols(W);
    if (nrows(W) != Xm->m || nrows(H) != *k || ncols(H) != Xm->n)
        error(_("'W' and 'H' do not conform to 'X'"));
    if (!isReal(beta) || XLENGTH(beta) != 1 || !R_FINITE(REAL(beta)[0]))
        error(_("'beta' must be a single finite number"));
    double *Ht = (double *) scratch_alloc((size_t) Xm->n * *k, sizeof(double));
    util_transpose(*k, Xm->n, REAL(H), Ht);
    return Ht;
}

/* D_beta(X | W H) over the observed entries of X, unscaled. */
SEXP mlnmf_beta_div(SEXP X, SEXP W, SEXP H, SEXP beta, SEXP mask)
{
    xmat Xm;
    int k;
    double *Ht = beta_inputs(X, W, H, beta, mask, &Xm, &k);
    xb_work w;
    xb_alloc(&Xm, k, REAL(beta)[0], &w);
    return ScalarReal(xb_pass(&Xm, REAL(W), Ht, k, 0, NULL, NULL, 1, &w));
}

SEXP mlnmf_beta_pass(SEXP X, SEXP W, SEXP H, SEXP beta, SEXP side, SEXP mask)
{
    int nprot = 0, k;
    xmat Xm;
    int sd = asInteger(side);
    if (sd != 0 && sd != 1) error(_("'side' must be 0 or 1"));
    double *Ht = beta_inputs(X, W, H, beta, mask, &Xm, &k);
    int m = Xm.m, n = Xm.n;
    int rows = sd ? n : m;
    double *num = (double *) scratch_alloc((size_t) rows * k, sizeof(double));
    double *den = (double *) scratch_alloc((size_t) rows * k, sizeof(double));
    xb_work w;
    xb_alloc(&Xm, k, REAL(beta)[0], &w);
    double d = xb_pass(&Xm, REAL(W), Ht, k, sd, num, den, 1, &w);
    SEXP N = PROTECT(sd ? allocMatrix(REALSXP, k, n) : allocMatrix(REALSXP, m, k)); nprot++;
    SEXP D = PROTECT(sd ? allocMatrix(REALSXP, k, n) : allocMatrix(REALSXP, m, k)); nprot++;
    if (sd) {
        util_transpose(n, k, num, REAL(N));
        util_transpose(n, k, den, REAL(D));
    } else {
        for (size_t i = 0; i < (size_t) m * k; i++) { REAL(N)[i] = num[i]; REAL(D)[i] = den[i]; }
    }
    const char *nm[] = {"num", "den", "div", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm)); nprot++;
    SET_VECTOR_ELT(ans, 0, N);
    SET_VECTOR_ELT(ans, 1, D);
    SET_VECTOR_ELT(ans, 2, ScalarReal(d));
    UNPROTECT(nprot);
    return ans;
}
