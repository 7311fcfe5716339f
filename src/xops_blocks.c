/*
 * xops_blocks.c: the XM_BLOCKS kind of the data matrix, for data larger
 * than memory (a DelayedMatrix: HDF5Matrix, TENxMatrix, ...).
 *
 * X (m x n) is never held whole.  It is read in column blocks of at most
 * X->bcols columns by an R function, reader(j0, nc), that returns columns
 * j0 .. j0 + nc - 1 (0-based) as a double matrix or a dgCMatrix (R/bioc.R,
 * block_source()).  Every pass below loops over the blocks: a block is
 * wrapped as a temporary XM_DENSE or XM_CSC xmat with X's scale and threads,
 * the kernels of xops.c / xops_sparse.c run on it, and its share is written
 * into the right rows of the output or added to it:
 *   X B      = sum_b X_b B[J_b, ]          (m x k)
 *   X^T A    = rows J_b: X_b^T A           (n x k)
 *   ||sX - W Ht^T||^2 = sum_b ||sX_b - W Ht[J_b, ]^T||^2, and the same for
 *   the I-divergence, R Ht (a sum) and R^T W (rows J_b).
 * So the solvers need no change.  A block's scratch (its copy, the kernel's
 * workspace) is R_alloc'ed between vmaxget() and vmaxset(): memory is one
 * block plus the factors, whatever the number of passes.  Each block is
 * checked (shape, finite, nonnegative) as it is read; the user can
 * interrupt between blocks.
 *
 * A mask of missing entries (XM_MASK_MISSING: the pattern mp, mi over all
 * n columns, held in memory) carries over to each block: the block's
 * column pointers are X->mp + j0 (the kernels read mi[mp[j]] .. mi[mp[j+1]]
 * for the block's own j), its missing entries are not checked (NA there is
 * what mask = "NA" means) and the kernels skip or zero them as they do in
 * memory.  The masked Grams of each row and column need only the pattern
 * (xops_mask.c), not the blocks.  A mask of the stored entries (mask =
 * "zeros") would need X's pattern on both sides: refused (xops.c).
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>

void xbl_from_sexp(xmat *X, SEXP x, const char *what)
{
    if (XLENGTH(x) < 4 || !isFunction(VECTOR_ELT(x, 0)))
        error(_("'%s' is not a valid block source"), what);
    double m = asReal(VECTOR_ELT(x, 1)), n = asReal(VECTOR_ELT(x, 2)),
        b = asReal(VECTOR_ELT(x, 3));
    if (!(m >= 1 && n >= 1 && b >= 1))
        error(_("'%s' is not a valid block source (dimensions)"), what);
    xm_dense(X, NULL, la_int((size_t) m, "nrow"), la_int((size_t) n, "ncol"), 0);
    X->kind = XM_BLOCKS;
    X->rd = VECTOR_ELT(x, 0);
    X->bcols = b > n ? (int) n : (int) b;
}

/* Blocks with a negative or non-finite entry are refused, naming them. */
static void xbl_bad_value(double v, int blk, int nblk, int j0, int nc)
{
    error(_("the data must be finite and nonnegative: column block %d of %d (columns %d to %d) has the entry %g"),
          blk, nblk, j0 + 1, j0 + nc, v);
}
static void xbl_check_values(const double *v, size_t len, int blk, int nblk,
                            int j0, int nc)
{
    for (size_t i = 0; i < len; i++)
        if (!(v[i] >= 0) || !R_FINITE(v[i])) xbl_bad_value(v[i], blk, nblk, j0, nc);
}

/* The same under a mask of missing entries, whose values are not read:
 * column j's entries (rows ri[q], q in cp[j] .. cp[j + 1] - 1; ri = NULL:
 * every row of a dense column, cp[j] = j m) against its missing rows (a
 * cursor through B's sorted list). */
static void xbl_check_masked(const xmat *B, const double *v, const int *ri,
                             const int *cp, int blk, int nblk, int j0)
{
    for (int j = 0; j < B->n; j++) {
        size_t q0 = ri ? (size_t) cp[j] : (size_t) j * B->m,
            q1 = ri ? (size_t) cp[j + 1] : q0 + B->m;
        int mq = B->mp[j], mend = B->mp[j + 1];
        for (size_t q = q0; q < q1; q++) {
            int row = ri ? ri[q] : (int) (q - q0);
            while (mq < mend && B->mi[mq] < row) mq++;
            if (mq < mend && B->mi[mq] == row) continue;
            if (!(v[q] >= 0) || !R_FINITE(v[q])) xbl_bad_value(v[q], blk, nblk, j0, B->n);
        }
    }
}

/* B's share of X's mask (its column pointers start at column j0), or none */
static void xbl_mask(const xmat *X, int j0, xmat *B)
{
    if (X->mask != XM_MASK_MISSING) return;
    B->mask = XM_MASK_MISSING;
    B->mp = X->mp + j0;
    B->mi = X->mi;
}

/* Columns j0 .. j0 + nc - 1 of X as B (dense or CSC, X's scale and
 * threads).  Returns the block's SEXP, unprotected: the caller protects it
 * at once (nothing here allocates after the last UNPROTECT). */
static SEXP xbl_read(const xmat *X, int j0, int nc, xmat *B)
{
    int nblk = (X->n + X->bcols - 1) / X->bcols, blk = j0 / X->bcols + 1;
    SEXP a = PROTECT(ScalarInteger(j0)), c = PROTECT(ScalarInteger(nc));
    SEXP call = PROTECT(lang3(X->rd, a, c));
    SEXP r = PROTECT(eval(call, R_GlobalEnv));
    if (TYPEOF(r) == REALSXP && isMatrix(r)) {
        if (nrows(r) != X->m || ncols(r) != nc)
            error(_("column block %d: the reader returned %d x %d, not %d x %d"),
                  blk, nrows(r), ncols(r), X->m, nc);
        xm_dense(B, REAL(r), X->m, nc, 0);
        xbl_mask(X, j0, B);
        if (xm_masked(B)) xbl_check_masked(B, REAL(r), NULL, NULL, blk, nblk, j0);
        else xbl_check_values(REAL(r), XLENGTH(r), blk, nblk, j0, nc);
    } else if (IS_S4_OBJECT(r) && inherits(r, "dgCMatrix")) {
        SEXP dim = R_do_slot(r, install("Dim")), p = R_do_slot(r, install("p")),
            i = R_do_slot(r, install("i")), v = R_do_slot(r, install("x"));
        if (TYPEOF(dim) != INTSXP || XLENGTH(dim) != 2 || INTEGER(dim)[0] != X->m ||
            INTEGER(dim)[1] != nc || TYPEOF(p) != INTSXP || XLENGTH(p) != nc + 1 ||
            TYPEOF(i) != INTSXP || TYPEOF(v) != REALSXP ||
            XLENGTH(i) != XLENGTH(v) || INTEGER(p)[0] != 0 ||
            INTEGER(p)[nc] != XLENGTH(i))
            error(_("column block %d: the reader returned an invalid dgCMatrix"), blk);
        const int *pp = INTEGER(p), *ii = INTEGER(i);
        for (int j = 0; j < nc; j++) {
            if (pp[j + 1] < pp[j])
                error(_("column block %d: the reader returned an invalid dgCMatrix"), blk);
            for (int q = pp[j]; q < pp[j + 1]; q++)
                if (ii[q] < 0 || ii[q] >= X->m || (q > pp[j] && ii[q] <= ii[q - 1]))
                    error(_("column block %d: the reader returned an invalid dgCMatrix"), blk);
        }
        xm_csc(B, REAL(v), ii, pp, X->m, nc);
        xbl_mask(X, j0, B);
        if (xm_masked(B)) xbl_check_masked(B, REAL(v), ii, pp, blk, nblk, j0);
        else xbl_check_values(REAL(v), XLENGTH(v), blk, nblk, j0, nc);
    } else
        error(_("column block %d: the reader must return a double matrix or a dgCMatrix"), blk);
    B->scale = X->scale;
    B->threads = X->threads;
    UNPROTECT(4);
    return r;
}

static int xbl_ncols(const xmat *X, int j0)
{
    return X->n - j0 < X->bcols ? X->n - j0 : X->bcols;
}

/* rows j0 .. j0 + nc - 1 of M (ld x k) into out (nc x k), and back */
static void rows_get(const double *M, size_t ld, int j0, int nc, int k, double *out)
{
    for (int c = 0; c < k; c++)
        memcpy(out + (size_t) c * nc, M + j0 + (size_t) c * ld, nc * sizeof(double));
}
static void rows_put(const double *in, size_t ld, int j0, int nc, int k, double *M)
{
    for (int c = 0; c < k; c++)
        memcpy(M + j0 + (size_t) c * ld, in + (size_t) c * nc, nc * sizeof(double));
}

/* One pass over the blocks: visit(B, j0, nc, c) for each block B (columns
 * j0 .. j0 + nc - 1, reserved for products with c->k columns), its R_alloc
 * scratch released after it, an interrupt check between blocks.  Returns
 * the sum of what visit returns. */
typedef struct {
    int k, n, which, measure, what;
    const double *W, *Ht;        /* the factors (Ht: n x k, read by rows J) */
    double *out, acc;
} xbl_ctx;
typedef double (*xbl_visit)(xmat *B, int j0, int nc, xbl_ctx *c);
static double xbl_each(const xmat *X, xbl_visit visit, xbl_ctx *c)
{
    double acc = 0.0;
    c->n = X->n;
    for (int j0 = 0; j0 < X->n; j0 += X->bcols) {
        scratch_mark vmax = scratch_get();
        int nc = xbl_ncols(X, j0);
        xmat B;
        PROTECT(xbl_read(X, j0, nc, &B));
        if (c->k > 0) xm_reserve(&B, c->k);
        acc += visit(&B, j0, nc, c);
        UNPROTECT(1);
        scratch_set(vmax);
        R_CheckUserInterrupt();
    }
    return acc;
}

/* A block's rows J of Ht (nc x k) */
static double *rows_of(const xbl_ctx *c, const double *M, int j0, int nc)
{
    double *h = (double *) scratch_alloc((size_t) nc * c->k, sizeof(double));
    rows_get(M, c->n, j0, nc, c->k, h);
    return h;
}

/* The k x m result of the first block is written into out, the others'
 * are added to it. */
static double *sum_target(const xbl_ctx *c, int j0, size_t len)
{
    return j0 == 0 ? c->out : (double *) scratch_alloc(len, sizeof(double));
}
static void sum_into(const xbl_ctx *c, int j0, const double *t, size_t len)
{
    if (j0 > 0) for (size_t q = 0; q < len; q++) c->out[q] += t[q];
}

enum { XB_MAX, XB_SUM, XB_SUMSQ };
static double visit_stat(xmat *B, int j0, int nc, xbl_ctx *c)
{
    (void) j0; (void) nc;
    if (c->what == XB_SUM) return xm_sum(B);
    if (c->what == XB_SUMSQ) return xm_sumsq(B);
    double v = xm_max(B);
    if (v > c->acc) c->acc = v;
    return 0.0;
}
static double xbl_stat(const xmat *X, int what)
{
    xbl_ctx c = { .what = what, .acc = 0.0 };
    double s = xbl_each(X, visit_stat, &c);
    return what == XB_MAX ? c.acc : s;
}
double xbl_max(const xmat *X)   { return xbl_stat(X, XB_MAX); }
double xbl_sum(const xmat *X)   { return xbl_stat(X, XB_SUM); }
double xbl_sumsq(const xmat *X) { return xbl_stat(X, XB_SUMSQ); }

/* out (n x k) = s X^T A: rows J of out from each block */
static double visit_tprod(xmat *B, int j0, int nc, xbl_ctx *c)
{
    double *t = (double *) scratch_alloc((size_t) nc * c->k, sizeof(double));
    xm_tprod(B, c->W, c->k, t);
    rows_put(t, c->n, j0, nc, c->k, c->out);
    return 0.0;
}
void xbl_tprod(const xmat *X, const double *A, int k, double *out)
{
    xbl_ctx c = { .k = k, .W = A, .out = out };
    xbl_each(X, visit_tprod, &c);
}

/* out (m x k) = s X Bm, Bm (n x k): summed over the blocks */
static double visit_prod(xmat *B, int j0, int nc, xbl_ctx *c)
{
    size_t mk = (size_t) B->m * c->k;
    double *t = sum_target(c, j0, mk);
    xm_prod(B, rows_of(c, c->Ht, j0, nc), c->k, t);
    sum_into(c, j0, t, mk);
    return 0.0;
}
void xbl_prod(const xmat *X, const double *Bm, int k, double *out)
{
    xbl_ctx c = { .k = k, .Ht = Bm, .out = out };
    xbl_each(X, visit_prod, &c);
}

static double visit_resid(xmat *B, int j0, int nc, xbl_ctx *c)
{
    double *w = (double *) scratch_alloc(xm_work_size(B, c->k), sizeof(double));
    return xm_resid_sumsq(B, c->W, rows_of(c, c->Ht, j0, nc), c->k, w);
}
double xbl_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k)
{
    xbl_ctx c = { .k = k, .W = W, .Ht = Ht };
    return xbl_each(X, visit_resid, &c);
}

/* which = 0: out (m x k) = R Ht, summed over the blocks; which = 1: out
 * (n x k) = R^T W, row block by row block; which = -1: the divergence only;
 * measure = 0: the divergence is not computed (0 is returned) */
static double visit_kl(xmat *B, int j0, int nc, xbl_ctx *c)
{
    size_t mk = (size_t) B->m * c->k;
    double *w = (double *) scratch_alloc(xm_work_size(B, c->k), sizeof(double)), *t = NULL;
    if (c->which == 1) t = (double *) scratch_alloc((size_t) nc * c->k, sizeof(double));
    else if (c->which == 0) t = sum_target(c, j0, mk);
    double div = xm_kl_pass(B, c->W, rows_of(c, c->Ht, j0, nc), c->k, c->which,
                            c->measure, t, w);
    if (c->which == 1) rows_put(t, c->n, j0, nc, c->k, c->out);
    else if (c->which == 0) sum_into(c, j0, t, mk);
    return div;
}
double xbl_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, int measure, double *out)
{
    xbl_ctx c = { .k = k, .W = W, .Ht = Ht, .which = which, .measure = measure,
                  .out = out };
    return xbl_each(X, visit_kl, &c);
}

/* out (rb x cb, leading dimension ld) = s X[r0 +, c0 +], block by block */
void xbl_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
              size_t ld)
{
    int end = c0 + cb;
    for (int j0 = (c0 / X->bcols) * X->bcols; j0 < end; j0 += X->bcols) {
        int nc = xbl_ncols(X, j0), lo = c0 > j0 ? c0 : j0,
            hi = end < j0 + nc ? end : j0 + nc;
        xmat B;
        PROTECT(xbl_read(X, j0, nc, &B));
        xm_block(&B, r0, rb, lo - j0, hi - lo, out + (size_t) (lo - c0) * ld, ld);
        UNPROTECT(1);
        R_CheckUserInterrupt();
    }
}

/* The smaller Gram matrix: s^2 X X^T = sum_b X_b X_b^T (m <= n), or
 * s^2 X^T X, whose columns J_b are X^T (s X_b), one pass over X per block
 * (n < m: then n is small, the start's Gram path needs n <= 4 (k + 10)). */
void xbl_gram(const xmat *X, double *out)
{
    int m = X->m, n = X->n;
    for (int j0 = 0; j0 < n; j0 += X->bcols) {
        scratch_mark vmax = scratch_get();
        int nc = xbl_ncols(X, j0);
        double *d = (double *) scratch_alloc((size_t) m * nc, sizeof(double));
        xbl_block(X, 0, m, j0, nc, d, (size_t) m);
        if (m <= n) {
            la_gemm("N", "T", m, m, nc, 1.0, d, m, d, m, j0 == 0 ? 0.0 : 1.0, out, m);
        } else {
            double *t = (double *) scratch_alloc((size_t) n * nc, sizeof(double));
            xbl_tprod(X, d, nc, t);
            for (int c = 0; c < nc; c++)
                memcpy(out + (size_t) (j0 + c) * n, t + (size_t) c * n,
                       n * sizeof(double));
        }
        scratch_set(vmax);
    }
}
