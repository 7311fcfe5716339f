/*
 * nmf_solve.c: one layer by the chosen method.  The dispatcher sits above
 * the solvers (nmf_hals.c, nmf_mu.c, nmf_kl.c, nmf_beta.c), which share
 * the pieces in nmf_common.c and nmf_frob.c below them.  The method code
 * was checked when the options were read (util_read_opts); the default
 * case guards against a caller that bypassed it.
 */
#include "mlnmf.h"

void nmf_solve(const xmat *X, int k, double *W, double *Ht,
               const nmf_opts *o, nmf_result *res)
{
    switch (o->method) {
    case METHOD_HALS: nmf_hals(X, k, W, Ht, o, res); return;
    case METHOD_MU:   nmf_mu(X, k, W, Ht, o, res); return;
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
