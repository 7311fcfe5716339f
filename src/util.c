/*
 * util.c: small helpers shared by the .Call entry points.
 *
 *   util_check_matrix   the type check every entry point makes of its
 *                       matrix arguments (R validates their meaning)
 *   util_transpose      B (c x r) = A^T for A (r x c); the cascade keeps
 *                       G_i transposed (N x k) for the solvers and returns
 *                       it as k x N, and dependence.c and permute.c read
 *                       G the same way
 *   util_trace_put      store value i of a trace, doubling its R_alloc
 *                       storage when full (amortised O(1), at most twice
 *                       the iterations run)
 */
#include "mlnmf.h"
#include <string.h>

/* error unless A is a double matrix; index > 0 names it 'what[[index]]' */
void util_check_matrix(SEXP A, const char *what, int index)
{
    if (TYPEOF(A) == REALSXP && isMatrix(A)) return;
    if (index > 0) error(_("'%s[[%d]]' must be a double matrix"), what, index);
    error(_("'%s' must be a double matrix"), what);
}

void util_transpose(int r, int c, const double *A, double *B)
{
    for (int j = 0; j < c; j++)
        for (int i = 0; i < r; i++)
            B[j + (size_t) i * c] = A[i + (size_t) j * r];
}

void util_trace_put(util_trace *t, size_t i, double x)
{
    if (i >= t->cap) {
        size_t cap = t->cap < 64 ? 64 : 2 * t->cap;
        if (cap <= i) cap = i + 1;
        double *v = (double *) R_alloc(cap, sizeof(double));
        if (t->len) memcpy(v, t->v, t->len * sizeof(double));
        t->v = v;
        t->cap = cap;
    }
    t->v[i] = x;
    if (i + 1 > t->len) t->len = i + 1;
}
