/*
 * nmf_solve.c: one layer by the chosen method.  The dispatcher sits above
 * the three solvers (nmf_hals.c, nmf_mu.c, nmf_kl.c), which share the
 * pieces in nmf_common.c and nmf_frob.c below them; it was in
 * nmf_common.c, which made that file call up into the solvers that call
 * down into it.
 *
 * A solver returns NMF_OK or a status code; nmf_solve passes it on and its
 * callers (cascade.c) turn a failure into an R error with nmf_status_msg.
 */
#include "mlnmf.h"

int nmf_solve(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res)
{
    switch (o->method) {
    case METHOD_HALS: return nmf_hals(X, k, W, Ht, o, res);
    case METHOD_MU:   return nmf_mu(X, k, W, Ht, o, res);
    case METHOD_KL:   return nmf_kl(X, k, W, Ht, o, res);
    case METHOD_BETA:                    /* beta = 1 is the I-divergence */
        if (o->beta != 1 && X->kind == XM_BLOCKS)  /* xops_beta.c reads memory */
            error(_("method \"beta\" is not supported for data read in blocks"));
        return o->beta == 1 ? nmf_kl(X, k, W, Ht, o, res)
                            : nmf_beta(X, k, W, Ht, o, res);
    default:          return NMF_ERR_METHOD;
    }
}

const char *nmf_status_msg(int status)
{
    switch (status) {
    case NMF_OK:         return "no error";
    case NMF_ERR_METHOD: return "unknown method code";
    default:             return "unknown solver status";
    }
}
