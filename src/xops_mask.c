/*
 * xops_mask.c: what a mask of missing entries adds to xops.
 *
 * Under a mask the objective is a sum over the observed entries Omega only,
 *   sum_{(i,j) in Omega} (x_ij - w_i . h_j)^2,
 * so the subproblem of row i of W has its own Gram matrix
 *   B_i = sum_{j : (i,j) in Omega} h_j h_j^T   (k x k)
 * and likewise each row j of Ht with B_j over the observed rows of column
 * j.  One Gram shared by all rows would fit the missing entries as zeros.
 * Each B_i is built from whichever list is at hand: the observed entries
 * when they are the stored entries of a sparse X (mask = "zeros"), or
 * Ht^T Ht minus the missing entries' terms (mask = "NA", a logical or a
 * sparse mask; from the observed entries directly for a column with more
 * missing than observed entries, or where the subtraction lost digits).
 * Cost: k(k+1)/2 per listed entry and side.
 *
 * Both lists are stored by column of X.  The columns of X (side 1) read
 * their lists directly; the rows of X (side 0) are taken in increasing
 * blocks, each column keeping a cursor into its list, so one sweep through
 * the blocks reads every list once (no transposed copy of the pattern).
 *
 * mlnmf_na_pattern: the NA and NaN entries of a matrix or dgCMatrix as a
 * pattern (list(p, i)), for mask = "NA", in one pass without an m x n
 * logical temporary.
 */
#include "mlnmf.h"
#include <string.h>
#include <limits.h>

/* lower triangle of B (k x k, column-major) += f f^T */
static inline void rank1_lower(int k, double *B, const double *f)
{
    for (int a = 0; a < k; a++) {
        double fa = f[a];
        if (fa == 0.0) continue;
        double *Ba = B + (size_t) a * k;
        for (int b = a; b < k; b++) Ba[b] += fa * f[b];
    }
}

/* B <- FtF - B (missing lists) or B (observed lists), lower mirrored up */
static inline void finish_gram(int k, double *B, const double *FtF, int obs)
{
    for (int a = 0; a < k; a++)
        for (int b = a; b < k; b++) {
            double v = B[b + (size_t) a * k];
            if (!obs) v = FtF[b + (size_t) a * k] - v;
            B[b + (size_t) a * k] = B[a + (size_t) b * k] = v;
        }
}

/* B (k x k, lower) = sum over the observed entries of row i (side 0) or
 * column j (side 1) of f f^T, from the complement of the missing list */
static void direct_gram(const xmat *X, int side, int r, const double *Ft,
                        int k, double *B)
{
    memset(B, 0, (size_t) k * k * sizeof(double));
    if (side == 1) {
        int q = X->mp[r], end = X->mp[r + 1];
        for (int i = 0; i < X->m; i++) {
            if (q < end && X->mi[q] == i) { q++; continue; }
            rank1_lower(k, B, Ft + (size_t) i * k);
        }
    } else {
        for (int j = 0; j < X->n; j++) {
            int q = xs_lower(X->mi, X->mp[j], X->mp[j + 1], r);
            if (q < X->mp[j + 1] && X->mi[q] == r) continue;
            rank1_lower(k, B, Ft + (size_t) j * k);
        }
    }
}

/* A Gram made as FtF minus the missing terms loses digits where the
 * observed part is small next to FtF (a factor column that is near zero on
 * the observed entries and large on the missing ones): its diagonal then
 * falls below GRAM_KEEP times FtF's, and it is rebuilt from the observed
 * entries directly.  Entry errors are a few ulps of FtF, so what is kept
 * is accurate to ~1e-13 relative (Cauchy-Schwarz bounds the off-diagonal). */
#define GRAM_KEEP 1e-3

static int gram_lost(int k, const double *B, const double *FtF)
{
    for (int l = 0; l < k; l++) {
        size_t d = l + (size_t) l * k;
        if (B[d] < GRAM_KEEP * FtF[d]) return 1;
    }
    return 0;
}

void xm_mgram(const xmat *X, int side, int r0, int rb, const double *Ft,
              const double *FtF, int k, double *B, int *cur)
{
    int obs = X->mask == XM_MASK_OBSERVED, n = X->n;
    const int *P = obs ? X->cp : X->mp, *I = obs ? X->ci : X->mi;
    size_t kk = (size_t) k * k;
    if (X->mask == XM_MASK_NONE || X->trans)
        error(_("internal error: per-row Gram matrices without a mask"));
    memset(B, 0, (size_t) rb * kk * sizeof(double));
    if (side == 1) {
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(dynamic, 16) if (X->threads > 1 && rb > 32)
#endif
        for (int r = 0; r < rb; r++) {
            int j = r0 + r, listed = P[j + 1] - P[j];
            double *Bj = B + (size_t) r * kk;
            if (!obs && X->m - listed <= listed) {
                direct_gram(X, 1, j, Ft, k, Bj);
                finish_gram(k, Bj, FtF, 1);
                continue;
            }
            for (int q = P[j]; q < P[j + 1]; q++)
                rank1_lower(k, Bj, Ft + (size_t) I[q] * k);
            finish_gram(k, Bj, FtF, obs);
            if (!obs && gram_lost(k, Bj, FtF)) {
                direct_gram(X, 1, j, Ft, k, Bj);
                finish_gram(k, Bj, FtF, 1);
            }
        }
        return;
    }
    if (r0 == 0) for (int j = 0; j < n; j++) cur[j] = P[j];
    int r1 = r0 + rb;
    for (int j = 0; j < n; j++) {
        const double *f = Ft + (size_t) j * k;
        int q = cur[j], end = P[j + 1];
        for (; q < end && I[q] < r1; q++)
            rank1_lower(k, B + (size_t) (I[q] - r0) * kk, f);
        cur[j] = q;
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(dynamic, 16) if (X->threads > 1 && rb > 32)
#endif
    for (int r = 0; r < rb; r++) {
        double *Br = B + (size_t) r * kk;
        finish_gram(k, Br, FtF, obs);
        if (!obs && gram_lost(k, Br, FtF)) {
            direct_gram(X, 0, r0 + r, Ft, k, Br);
            finish_gram(k, Br, FtF, 1);
        }
    }
}

void xm_obs_prod(const xmat *X, int side, const double *F, int k, double *out)
{
    int m = X->m, n = X->n, obs = X->mask == XM_MASK_OBSERVED;
    int len = side == 0 ? m : n, flen = side == 0 ? n : m;
    const int *P = obs ? X->cp : X->mp, *I = obs ? X->ci : X->mi;
    for (int l = 0; l < k; l++) {
        const double *f = F + (size_t) l * flen;
        double *o = out + (size_t) l * len, tot = 0.0;
        if (!obs) for (int i = 0; i < flen; i++) tot += f[i];
        for (int i = 0; i < len; i++) o[i] = obs ? 0.0 : tot;
        if (X->mask == XM_MASK_NONE) continue;
        double sg = obs ? 1.0 : -1.0;
        for (int j = 0; j < n; j++)
            for (int q = P[j]; q < P[j + 1]; q++) {
                if (side == 0) o[I[q]] += sg * f[j];
                else o[j] += sg * f[I[q]];
            }
    }
}

SEXP mlnmf_na_pattern(SEXP X)
{
    const double *x;
    const int *ci = NULL, *cp = NULL;
    int m, n;
    if (TYPEOF(X) == REALSXP && isMatrix(X)) {
        x = REAL(X);
        m = nrows(X);
        n = ncols(X);
    } else if (IS_S4_OBJECT(X) && inherits(X, "dgCMatrix")) {
        SEXP dim = R_do_slot(X, install("Dim")), p = R_do_slot(X, install("p")),
            i = R_do_slot(X, install("i")), xv = R_do_slot(X, install("x"));
        if (TYPEOF(dim) != INTSXP || XLENGTH(dim) != 2 || TYPEOF(p) != INTSXP ||
            TYPEOF(i) != INTSXP || TYPEOF(xv) != REALSXP ||
            XLENGTH(xv) != XLENGTH(i) || XLENGTH(p) != (R_xlen_t) INTEGER(dim)[1] + 1)
            error(_("'X' is not a valid dgCMatrix"));
        m = INTEGER(dim)[0];
        n = INTEGER(dim)[1];
        x = REAL(xv);
        ci = INTEGER(i);
        cp = INTEGER(p);
        if (cp[n] != XLENGTH(xv)) error(_("'X' is not a valid dgCMatrix"));
    } else
        error(_("'X' must be a double matrix or a dgCMatrix"));
    SEXP pp = PROTECT(allocVector(INTSXP, (R_xlen_t) n + 1));
    int *p = INTEGER(pp);
    size_t cnt = 0;
    p[0] = 0;
    for (int j = 0; j < n; j++) {
        if (ci) {
            for (int q = cp[j]; q < cp[j + 1]; q++) cnt += ISNAN(x[q]);
        } else {
            const double *c = x + (size_t) j * m;
            for (int i = 0; i < m; i++) cnt += ISNAN(c[i]);
        }
        if (cnt > (size_t) INT_MAX) error(_("too many missing entries"));
        p[j + 1] = (int) cnt;
    }
    SEXP ii = PROTECT(allocVector(INTSXP, (R_xlen_t) cnt));
    int *iv = INTEGER(ii);
    size_t t = 0;
    for (int j = 0; j < n; j++) {
        if (ci) {
            for (int q = cp[j]; q < cp[j + 1]; q++) if (ISNAN(x[q])) iv[t++] = ci[q];
        } else {
            const double *c = x + (size_t) j * m;
            for (int i = 0; i < m; i++) if (ISNAN(c[i])) iv[t++] = i;
        }
    }
    const char *nm[] = {"p", "i", ""};
    SEXP ans = PROTECT(mkNamed(VECSXP, nm));
    SET_VECTOR_ELT(ans, 0, pp);
    SET_VECTOR_ELT(ans, 1, ii);
    UNPROTECT(3);
    return ans;
}
