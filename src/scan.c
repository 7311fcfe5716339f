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
    /* comparisons only (ISNAN and R_FINITE are calls into libR, a third
     * of the time of this pass on a dense X): NaN fails every comparison.
     * Integer counts without branches (double counts waited on each
     * addition; the branches mispredict on mixed data): the simd directive
     * may vectorize the loop, whose integer sums are exact in any order. */
    const double pinf = R_PosInf, ninf = R_NegInf;
    R_xlen_t nan_ = 0, inf_ = 0, neg_ = 0, pos_ = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+:nan_, inf_, neg_, pos_)
#endif
    for (R_xlen_t i = 0; i < len; i++) {
        double v = x[i];
        pos_ += (v > 0) & (v < pinf);
        neg_ += (v < 0) & (v > ninf);
        inf_ += (v == pinf) | (v == ninf);
        nan_ += v != v;
    }
    double nan = (double) nan_, inf = (double) inf_, negative = (double) neg_,
        positive = (double) pos_;
    SEXP ans = PROTECT(allocVector(REALSXP, 4));
    REAL(ans)[0] = nan;
    REAL(ans)[1] = inf;
    REAL(ans)[2] = negative;
    REAL(ans)[3] = positive;
    UNPROTECT(1);
    return ans;
}
