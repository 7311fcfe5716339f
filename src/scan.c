/*
 * scan.c: one pass over a double matrix for the R validators: how many
 * entries are not finite, how many are negative, how many are positive.
 * Replaces three full-size logical temporaries (is.finite(X), X < 0, X > 0)
 * by three counters, so validating X allocates nothing of its size.
 */
#include "mlnmf.h"

SEXP mlnmf_scan(SEXP X)
{
    if (TYPEOF(X) != REALSXP) error(_("'X' must be a double vector or matrix"));
    R_xlen_t len = XLENGTH(X);
    const double *x = REAL(X);
    double nonfinite = 0, negative = 0, positive = 0;
    for (R_xlen_t i = 0; i < len; i++) {
        double v = x[i];
        if (!R_FINITE(v)) nonfinite++;
        else if (v < 0) negative++;
        else if (v > 0) positive++;
    }
    SEXP ans = PROTECT(allocVector(REALSXP, 3));
    REAL(ans)[0] = nonfinite;
    REAL(ans)[1] = negative;
    REAL(ans)[2] = positive;
    UNPROTECT(1);
    return ans;
}
