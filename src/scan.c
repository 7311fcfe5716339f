/*
 * scan.c: one pass over a double matrix (or the values of a sparse one) for
 * the R validators: how many entries are NA or NaN, how many infinite, how
 * many negative, how many positive.
 * Replaces three full-size logical temporaries (is.finite(X), X < 0, X > 0)
 * by three counters, so validating X allocates nothing of its size.
 */
#include "mlnmf.h"

SEXP mlnmf_scan(SEXP X)
{
    if (TYPEOF(X) != REALSXP) error(_("'X' must be a double vector or matrix"));
    R_xlen_t len = XLENGTH(X);
    const double *x = REAL(X);
    double nan = 0, inf = 0, negative = 0, positive = 0;
    /* comparisons only (ISNAN and R_FINITE are calls into libR, a third
     * of the time of this pass on a dense X): NaN fails every comparison */
    for (R_xlen_t i = 0; i < len; i++) {
        double v = x[i];
        if (v > 0) {
            if (v == R_PosInf) inf++; else positive++;
        } else if (v < 0) {
            if (v == R_NegInf) inf++; else negative++;
        } else if (v != 0) nan++;
    }
    SEXP ans = PROTECT(allocVector(REALSXP, 4));
    REAL(ans)[0] = nan;
    REAL(ans)[1] = inf;
    REAL(ans)[2] = negative;
    REAL(ans)[3] = positive;
    UNPROTECT(1);
    return ans;
}
