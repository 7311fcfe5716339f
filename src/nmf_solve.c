/*
 * nmf_solve.c: one layer by the chosen method.  The dispatcher sits above
 * the solvers (nmf_hals.c, nmf_mu.c, nmf_kl.c, nmf_beta.c), which share
 * the pieces in nmf_common.c and nmf_frob.c below them.  The method code
 * was checked when the options were read (util_read_opts); the default
 * case guards against a caller that bypassed it.
 */
#include "mlnmf.h"

/* A short, wide dense X (at most THIN_PMAX rows, THIN_COPY_MIN to
 * THIN_COPY_MAX entries: below, the products cost next to nothing either
 * way) for the Frobenius solvers: its transpose, so that both
 * products of an iteration are thin_simd.c's (X B = Xt^T B and X^T A = Xt
 * A read Xt's columns, which are X's rows); a plain X's X B would leave
 * them to the BLAS, whose small calls cost more than their arithmetic
 * (Figure 1's first layer, 10 x 1000).  The copy lives in the caller's
 * R_alloc scratch.  Returns X itself when it does not apply. */
#define THIN_COPY_MIN ((size_t) 1 << 12)
#define THIN_COPY_MAX THIN_MAX_ENTRIES
static const xmat *thin_input(const xmat *X, int k, xmat *Xt)
{
    size_t m = (size_t) X->m, n = (size_t) X->n;
    if (X->kind != XM_DENSE || X->trans || X->mask != XM_MASK_NONE ||
        m > THIN_PMAX || k > THIN_PMAX || m * n > THIN_COPY_MAX || m * n < THIN_COPY_MIN ||
        !kl_simd_enabled())
        return X;
    double *t = (double *) scratch_alloc(m * n, sizeof(double));
    util_transpose((int) m, (int) n, X->x, t);
    *Xt = *X;
    Xt->x = t;
    Xt->trans = 1;
    return Xt;
}

void nmf_solve(const xmat *X, int k, double *W, double *Ht,
               const nmf_opts *o, nmf_result *res)
{
    xmat Xt;
    switch (o->method) {
    case METHOD_HALS: nmf_hals(thin_input(X, k, &Xt), k, W, Ht, o, res); return;
    case METHOD_MU:   nmf_mu(thin_input(X, k, &Xt), k, W, Ht, o, res); return;
    case METHOD_KL:   nmf_kl(X, k, W, Ht, o, res); return;
    case METHOD_BETA:                    /* beta = 1 is the I-divergence */
        if (o->beta != 1 && X->kind == XM_BLOCKS)  /* xops_beta.c reads memory */
            error(_("method \"beta\" is not supported for data read in blocks"));
        if (o->beta == 1) nmf_kl(X, k, W, Ht, o, res);
        else nmf_beta(X, k, W, Ht, o, res);
        return;
    default:
        error(_("internal error: unknown method code %d"), o->method);
    }
}
