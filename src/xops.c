/*
 * xops.c: the only code that reads the data matrix X.
 *
 * A solver sees X through an xmat: its dimensions, its storage and a scale
 * s, and every result is for s * X.  The cascade sets s = 1 / max(X) so all
 * solvers work on data of order one whatever the units (1e-150 or 1e150),
 * without a copy of X.  A dense X may be stored transposed (trans = 1): the
 * cascade feeds each layer's G_{i-1}, held as its transpose (N x k), to the
 * next layer this way.  This file holds the dispatch and the dense kind;
 * the sparse kind is xops_sparse.c, what a mask adds is xops_mask.c.
 * Under a mask (XM_MASK_MISSING on a dense X) every pass skips the missing
 * entries, and the products read blocks of X o Omega copied into scratch.
 *
 * Products (BLAS-3):  xm_prod   X B      (m x k), B n x k
 *                     xm_tprod  X^T A    (n x k), A m x k
 * Blockwise passes over columns, O(m * block) scratch:
 *   xm_resid_sumsq   || sX - W Ht^T ||_F^2 exactly (no cancellation)
 *   xm_kl            R = sX ./ (W Ht^T), D(sX || W Ht^T), and R Ht or R^T W
 */
#include "mlnmf.h"
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define XM_BLOCK_ELEMS ((size_t) 1 << 17)

void xm_dense(xmat *X, const double *x, int m, int n, int trans)
{
    X->kind = XM_DENSE;
    X->m = m;
    X->n = n;
    X->trans = trans;
    X->x = x;
    X->ci = X->cp = NULL;
    X->mask = XM_MASK_NONE;
    X->mi = X->mp = NULL;
    X->scale = 1.0;
    X->threads = 1;
    X->tbuf = NULL;
    X->tbuf_len = 0;
    X->sumsq = -1.0;
}

void xm_csc(xmat *X, const double *x, const int *ci, const int *cp,
            int m, int n)
{
    xm_dense(X, x, m, n, 0);
    X->kind = XM_CSC;
    X->ci = ci;
    X->cp = cp;
}

static SEXP slot(SEXP x, const char *name)
{
    return R_do_slot(x, install(name));
}

/* A CSC pattern (p of n + 1 nondecreasing offsets from 0, i of p[n] row
 * indices in [0, m), increasing within each column) is checked once here,
 * so the kernels can trust it. */
static void check_pattern(SEXP p, SEXP i, int m, int n, const char *what)
{
    if (TYPEOF(p) != INTSXP || TYPEOF(i) != INTSXP || XLENGTH(p) != (R_xlen_t) n + 1)
        error(_("'%s' is not a valid sparse pattern (slots 'p' and 'i')"), what);
    const int *pp = INTEGER(p), *ii = INTEGER(i);
    if (pp[0] != 0 || pp[n] != XLENGTH(i))
        error(_("'%s' is not a valid sparse pattern (column pointers)"), what);
    for (int j = 0; j < n; j++) {
        if (pp[j + 1] < pp[j])
            error(_("'%s' is not a valid sparse pattern (column pointers)"), what);
        for (int q = pp[j]; q < pp[j + 1]; q++)
            if (ii[q] < 0 || ii[q] >= m || (q > pp[j] && ii[q] <= ii[q - 1]))
                error(_("'%s' is not a valid sparse pattern (row indices)"), what);
    }
}

void xm_from_sexp(xmat *X, SEXP x, SEXP mask, const char *what)
{
    if (TYPEOF(x) == REALSXP && isMatrix(x)) {
        xm_dense(X, REAL(x), nrows(x), ncols(x), 0);
    } else if (IS_S4_OBJECT(x) && inherits(x, "dgCMatrix")) {
        SEXP dim = slot(x, "Dim"), xv = slot(x, "x");
        if (TYPEOF(dim) != INTSXP || XLENGTH(dim) != 2 || TYPEOF(xv) != REALSXP)
            error(_("'%s' is not a valid dgCMatrix"), what);
        int m = INTEGER(dim)[0], n = INTEGER(dim)[1];
        SEXP p = slot(x, "p"), i = slot(x, "i");
        check_pattern(p, i, m, n, what);
        if (XLENGTH(xv) != XLENGTH(i))
            error(_("'%s' is not a valid dgCMatrix (slots 'x' and 'i')"), what);
        xm_csc(X, REAL(xv), INTEGER(i), INTEGER(p), m, n);
    } else if (TYPEOF(x) == VECSXP && inherits(x, "mlnmf_blocks")) {
        xbl_from_sexp(X, x, what);
    } else
        error(_("'%s' must be a double matrix or a dgCMatrix"), what);
    if (isNull(mask)) return;
    if (TYPEOF(mask) != VECSXP || XLENGTH(mask) < 1)
        error(_("'mask' must be NULL or a list"));
    int type = asInteger(VECTOR_ELT(mask, 0));
    if (type == XM_MASK_OBSERVED) {
        if (X->kind == XM_BLOCKS)   /* its Grams would need X's pattern on every side */
            error(_("a mask of the stored entries is not supported for data read in blocks"));
        if (X->kind != XM_CSC)
            error(_("internal error: mask of stored entries needs a sparse '%s'"), what);
        X->mask = XM_MASK_OBSERVED;
    } else if (type == XM_MASK_MISSING) {
        if (XLENGTH(mask) < 3)
            error(_("'mask' must be list(type, p, i)"));
        SEXP p = VECTOR_ELT(mask, 1), i = VECTOR_ELT(mask, 2);
        check_pattern(p, i, X->m, X->n, "mask");
        X->mask = XM_MASK_MISSING;
        X->mp = INTEGER(p);
        X->mi = INTEGER(i);
    } else if (type != XM_MASK_NONE)
        error(_("'mask' type %d is out of range"), type);
}

/* Whether the products with a transposed dense X go to thin_simd.c's
 * kernels: m and k at most THIN_PMAX, X of at most THIN_MAX_ENTRIES */
static int xm_thin(const xmat *X, int k)
{
    return X->m <= THIN_PMAX && k <= THIN_PMAX &&
        (size_t) X->m * X->n <= THIN_MAX_ENTRIES;
}

/* Blocked products (xm_prod, xm_tprod) for X of at least XM_PROD_MIN
 * entries: smaller X stays in cache anyway, and the many small calls cost
 * more than they save. */
#define XM_PROD_COLS 64
#define XM_PROD_MIN ((size_t) 1 << 17)
/* xm_prod's fixed row chunks: at most XM_CHUNKS of at least XM_CHUNK_ROWS */
#define XM_CHUNKS 8
#define XM_CHUNK_ROWS 64

/* Whether the products with a dense X run over column blocks.  They help a
 * BLAS that does not block for the cache itself (R's reference BLAS) and
 * cost an optimised one that does (it packs the blocks call by call); the
 * figures are in bench/README.md.  Set once when the package is loaded,
 * from the BLAS R reports (R/zzz.R). */
static int xm_blocked = 1;

SEXP mlnmf_set_blocked(SEXP flag)
{
    int on = util_flag(flag), old = xm_blocked;
    xm_blocked = on;
    return ScalarLogical(old);
}
int xm_blas_blocks(void) { return xm_blocked; }

static size_t xm_tbuf_need(const xmat *X, int k)
{
    if (X->kind == XM_CSC)    /* a row-major factor and the product */
        return (size_t) k * ((size_t) X->m + X->n);
    size_t need = (size_t) k * ((size_t) X->m + XM_PROD_COLS);
    if (X->mask == XM_MASK_MISSING)  /* a block of X o Omega */
        need += (size_t) X->m * XM_PROD_COLS;
    return need;
}

void xm_reserve(xmat *X, int k)
{
    if ((X->trans && X->kind == XM_DENSE) || k < 1 || X->kind == XM_BLOCKS) return;
    size_t need = xm_tbuf_need(X, k);
    if (X->tbuf_len >= need) return;
    X->tbuf = (double *) scratch_alloc(need, sizeof(double));
    X->tbuf_len = need;
}

/* mlnmf's own product kernels (xops_sweep.c's prod_rows_simd and
 * tprod_cols_simd) for X H^T and X^T W, a dense X of at least XM_PROD_MIN
 * entries without a mask: with a BLAS that does not block (xm_blocked) at
 * every rank they take (32 or less); with an optimised BLAS at rank
 * XM_OWN_KMAX or less, where they measured faster than OpenBLAS 0.3.21's
 * Haswell kernels on one thread (a MU iteration 1.2-1.8x faster at ranks 5
 * and 10, the same at 20, slower at 32; bench/README.md, seventh round):
 * a thin product leaves a BLAS's packing little to amortise.  R/zzz.R's
 * own_kernels() gives such fits mlnmf's threads, not OpenBLAS's. */
#define XM_OWN_KMAX 12
static int xm_own_prod(const xmat *X, int k)
{
    return (size_t) X->m * X->n >= XM_PROD_MIN && kl_simd_usable(X, k) &&
        (xm_blocked || k <= XM_OWN_KMAX);
}

static inline double xm_at(const xmat *X, size_t i, size_t j)
{
    return X->trans ? X->x[j + i * (size_t) X->n] : X->x[i + j * (size_t) X->m];
}

/* The missing rows of column j of a dense X under XM_MASK_MISSING: walk
 * them with a cursor while i runs up through the column. */
#define MISS_BEGIN(X, j, q, end)                                          \
    int q = (X)->mask == XM_MASK_MISSING ? (X)->mp[j] : 0,                \
        end = (X)->mask == XM_MASK_MISSING ? (X)->mp[(j) + 1] : 0
#define MISS_SKIP(X, i, q, end) ((q) < (end) && (X)->mi[q] == (i) ? ((q)++, 1) : 0)

/* One pass over the observed entries of a dense X: the maximum (unscaled),
 * the sum or the sum of squares (of scale * X). */
enum { PASS_MAX, PASS_SUM, PASS_SUMSQ };
static double dense_pass(const xmat *X, int what)
{
    double acc = 0.0, sc = X->scale;
    int masked = X->mask == XM_MASK_MISSING;
    size_t m = (size_t) X->m, len = masked ? m : m * X->n;
    if (!masked) {
        /* four partial results: a single running sum (or maximum) waits on
         * each addition (or comparison) in turn */
        const double *c = X->x;
        double a[4] = {0.0, 0.0, 0.0, 0.0};
        size_t i = 0;
        for (; i + 4 <= len; i += 4)
            for (int u = 0; u < 4; u++) {
                double v = c[i + u];
                if (what == PASS_MAX) { if (v > a[u]) a[u] = v; }
                else if (what == PASS_SUM) a[u] += v;
                else { v *= sc; a[u] += v * v; }
            }
        for (; i < len; i++) {
            double v = c[i];
            if (what == PASS_MAX) { if (v > a[0]) a[0] = v; }
            else if (what == PASS_SUM) a[0] += v;
            else { v *= sc; a[0] += v * v; }
        }
        if (what == PASS_MAX) {
            acc = a[0];
            for (int u = 1; u < 4; u++) if (a[u] > acc) acc = a[u];
        } else acc = (a[0] + a[1]) + (a[2] + a[3]);
        return what == PASS_SUM ? sc * acc : acc;
    }
    for (int j = 0; j < (masked ? X->n : 1); j++) {
        const double *c = X->x + (size_t) j * m;
        MISS_BEGIN(X, j, q, end);
        for (size_t i = 0; i < len; i++) {
            if (masked && MISS_SKIP(X, (int) i, q, end)) continue;
            double v = c[i];
            if (what == PASS_MAX) { if (v > acc) acc = v; }
            else if (what == PASS_SUM) acc += v;
            else { v *= sc; acc += v * v; }
        }
    }
    return what == PASS_SUM ? sc * acc : acc;
}

double xm_max(const xmat *X)
{
    if (X->kind == XM_BLOCKS) return xbl_max(X);
    return X->kind == XM_CSC ? xs_max(X) : dense_pass(X, PASS_MAX);
}

double xm_sumsq(const xmat *X)
{
    if (X->sumsq >= 0) return X->sumsq;
    if (X->kind == XM_BLOCKS) return xbl_sumsq(X);
    return X->kind == XM_CSC ? xs_sumsq(X) : dense_pass(X, PASS_SUMSQ);
}

double xm_sumsq_keep(xmat *X)
{
    X->sumsq = -1.0;
    return X->sumsq = xm_sumsq(X);
}

double xm_sum(const xmat *X)
{
    if (X->kind == XM_BLOCKS) return xbl_sum(X);
    return X->kind == XM_CSC ? xs_sum(X) : dense_pass(X, PASS_SUM);
}

double xm_nobs(const xmat *X)
{
    double all = (double) X->m * X->n;
    if (X->mask == XM_MASK_OBSERVED) return (double) X->cp[X->n];
    if (X->mask == XM_MASK_MISSING) return all - (double) X->mp[X->n];
    return all;
}

void xm_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
              size_t ld)
{
    if (X->kind == XM_BLOCKS) { xbl_block(X, r0, rb, c0, cb, out, ld); return; }
    if (X->kind == XM_CSC) {
        xs_block(X, r0, rb, c0, cb, out, ld);
    } else {
        double sc = X->scale;
        for (int c = 0; c < cb; c++)
            for (int r = 0; r < rb; r++)
                out[r + c * ld] = sc * xm_at(X, (size_t) r0 + r, (size_t) c0 + c);
    }
    if (X->mask != XM_MASK_MISSING) return;
    for (int c = 0; c < cb; c++) {
        int j = c0 + c, q = xs_lower(X->mi, X->mp[j], X->mp[j + 1], r0);
        for (; q < X->mp[j + 1] && X->mi[q] < r0 + rb; q++)
            out[(X->mi[q] - r0) + c * ld] = 0.0;
    }
}

/* a block of XM_PROD_COLS columns of X o Omega, m x nb, in the scratch */
static double *masked_cols(const xmat *X, int k, int c0, int nb)
{
    size_t off = (size_t) k * ((size_t) X->m + XM_PROD_COLS),
        need = off + (size_t) X->m * XM_PROD_COLS;
    double *blk = X->tbuf_len >= need ? X->tbuf + off :
        (double *) scratch_alloc((size_t) X->m * XM_PROD_COLS, sizeof(double));
    xm_block(X, 0, X->m, c0, nb, blk, (size_t) X->m);
    return blk;
}

/* X^T A.  With scratch from xm_reserve it is computed as (A^T X)^T, an
 * "N", "N" product over blocks of XM_PROD_COLS columns of X whose k x 64
 * results are transposed into out: R's reference BLAS makes "T", "N" from
 * single-accumulator dot products, which this form avoids; as fast with an
 * optimised BLAS (bench/README.md). */
void xm_tprod(const xmat *X, const double *A, int k, double *out)
{
    if (X->kind == XM_BLOCKS) { xbl_tprod(X, A, k, out); return; }
    if (X->kind == XM_CSC) { xs_tprod(X, A, k, out); return; }
    int m = X->m, n = X->n;
    if (X->mask == XM_MASK_MISSING) {
        for (int c0 = 0; c0 < n; c0 += XM_PROD_COLS) {
            int nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
            double *blk = masked_cols(X, k, c0, nb);
            la_gemm("T", "N", nb, k, m, 1.0, blk, m, A, m, 0.0, out + c0, n);
        }
        return;
    }
    if (X->trans) {     /* X^T A = Xt A: thin_simd.c's kernel when m is small */
        if (!xm_thin(X, k) || !thin_nn_simd(n, m, k, X->scale, X->x, (size_t) n, A,
                                            (size_t) m, out, (size_t) n))
            la_gemm("N", "N", n, k, m, X->scale, X->x, n, A, m, 0.0, out, n);
        return;
    }
    int own = xm_own_prod(X, k);
    if (!own && (!xm_blocked || X->tbuf_len < xm_tbuf_need(X, k) ||
                 (size_t) m * n < XM_PROD_MIN || k == 0)) {
        la_gemm("T", "N", n, k, m, X->scale, X->x, m, A, m, 0.0, out, n);
        return;
    }
    if (own) {
        /* the column blocks of xops_sweep.c's kernel, on X->threads */
        int nblk = (n + XM_PROD_COLS - 1) / XM_PROD_COLS;
        int nt = X->threads < nblk ? X->threads : nblk;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt > 1 ? nt : 1) schedule(static) if (nt > 1)
#endif
        for (int bl = 0; bl < nblk; bl++) {
            int c0 = bl * XM_PROD_COLS, nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
            tprod_cols_simd(X, A, k, c0, nb, out);
        }
        return;
    }
    double *At = X->tbuf, *T = X->tbuf + (size_t) k * m;
    for (int j = 0; j < k; j++)
        for (int r = 0; r < m; r++) At[j + (size_t) r * k] = A[r + (size_t) j * m];
    /* the column blocks write disjoint rows of out: on up to X->threads
     * threads, each with its own k x XM_PROD_COLS result */
    int nblk = (n + XM_PROD_COLS - 1) / XM_PROD_COLS;
    int nt = X->threads < nblk ? X->threads : nblk;
    scratch_mark vmax = scratch_get();
    if (nt > 1) T = (double *) scratch_alloc((size_t) nt * k * XM_PROD_COLS, sizeof(double));
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt > 1 ? nt : 1) schedule(static) if (nt > 1)
#endif
    for (int bl = 0; bl < nblk; bl++) {
        int c0 = bl * XM_PROD_COLS, nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
        double *Tt = T;
#ifdef _OPENMP
        Tt = T + (size_t) omp_get_thread_num() * k * XM_PROD_COLS;
#endif
        la_gemm("N", "N", k, nb, m, X->scale, At, k, X->x + (size_t) c0 * m, m,
                0.0, Tt, k);
        for (int j = 0; j < k; j++)
            for (int c = 0; c < nb; c++)
                out[c0 + c + (size_t) j * n] = Tt[j + (size_t) c * k];
    }
    scratch_set(vmax);
}

/* X B over blocks of XM_PROD_COLS columns of X, accumulated into out: a
 * BLAS that does not block for the cache itself (R's reference BLAS) then
 * re-reads each block of X from cache for the k columns of B instead of
 * streaming all of X from memory k times (bench/README.md); an optimised
 * BLAS blocks by itself (xm_blocked). */
void xm_prod(const xmat *X, const double *B, int k, double *out)
{
    if (X->kind == XM_BLOCKS) { xbl_prod(X, B, k, out); return; }
    if (X->kind == XM_CSC) { xs_prod(X, B, k, out); return; }
    int m = X->m, n = X->n;
    if (X->mask == XM_MASK_MISSING) {
        for (int c0 = 0; c0 < n; c0 += XM_PROD_COLS) {
            int nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
            double *blk = masked_cols(X, k, c0, nb);
            la_gemm("N", "N", m, k, nb, 1.0, blk, m, B + c0, n,
                    c0 ? 1.0 : 0.0, out, m);
        }
        return;
    }
    if (X->trans) {     /* X B = Xt^T B: thin_simd.c's kernel when m, k are small */
        if (!xm_thin(X, k) || !thin_tn_simd(n, m, k, X->scale, X->x, (size_t) n, B,
                                            (size_t) n, out, (size_t) m))
            la_gemm("T", "N", X->m, k, X->n, X->scale, X->x, X->n, B, X->n,
                    0.0, out, X->m);
        return;
    }
    int own = xm_own_prod(X, k);
    if (!own && (!xm_blocked || (size_t) m * n < XM_PROD_MIN)) {
        la_gemm("N", "N", m, k, n, X->scale, X->x, m, B, n > 0 ? n : 1, 0.0,
                out, m);
        return;
    }
    /* fixed row chunks (the same for any number of threads), each through
     * all column blocks: every entry of out is accumulated by one chunk in
     * column order, as by one full-height call */
    int nch = m / XM_CHUNK_ROWS;
    nch = nch < 1 ? 1 : (nch > XM_CHUNKS ? XM_CHUNKS : nch);
    int nt = X->threads < nch ? X->threads : nch, simd = own;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt > 1 ? nt : 1) schedule(static) if (nt > 1)
#endif
    for (int c = 0; c < nch; c++) {
        int r0 = (int) ((size_t) m * c / nch), r1 = (int) ((size_t) m * (c + 1) / nch);
        if (simd) {                     /* xops_sweep.c's kernel */
            prod_rows_simd(X, B, k, r0, r1, out);
            continue;
        }
        for (int c0 = 0; c0 < n; c0 += XM_PROD_COLS) {
            int nb = n - c0 < XM_PROD_COLS ? n - c0 : XM_PROD_COLS;
            la_gemm("N", "N", r1 - r0, k, nb, X->scale, X->x + (size_t) c0 * m + r0, m,
                    B + c0, n, c0 ? 1.0 : 0.0, out + r0, m);
        }
    }
}

/* The smaller Gram matrix of s(X o Omega), accumulated over blocks of it
 * copied into scratch (xm_block).  Scaling the product of the raw data by
 * scale^2 instead would overflow or underflow (Inf * 0 = NaN) once max(X)
 * is beyond ~1e+-154. */
void xm_gram(const xmat *X, double *out)
{
    if (X->kind == XM_BLOCKS) { xbl_gram(X, out); return; }
    int m = X->m, n = X->n, rows = (m <= n);    /* rows: X X^T (m x m) */
    int small = rows ? m : n, big = rows ? n : m;
    size_t bs = XM_BLOCK_ELEMS / (small > 0 ? (size_t) small : 1);
    int b = bs < 1 ? 1 : (bs > (size_t) big ? big : (int) bs);
    double *blk = (double *) scratch_alloc((size_t) small * (b > 0 ? b : 1),
                                     sizeof(double));
    for (int j0 = 0; j0 < big; j0 += b) {
        int nb = big - j0 < b ? big - j0 : b;
        if (rows) {
            xm_block(X, 0, m, j0, nb, blk, (size_t) m);
            la_gemm("N", "T", small, small, nb, 1.0, blk, small, blk, small,
                    j0 == 0 ? 0.0 : 1.0, out, small);
        } else {
            xm_block(X, j0, nb, 0, n, blk, (size_t) nb);
            if (!gram_cols_simd(blk, (size_t) nb, nb, small, out, j0 > 0))
                la_gemm("T", "N", small, small, nb, 1.0, blk, nb, blk, nb,
                        j0 == 0 ? 0.0 : 1.0, out, small);
        }
    }
}

static int xm_block_cols(const xmat *X)
{
    size_t b = XM_BLOCK_ELEMS / (X->m > 0 ? (size_t) X->m : 1);
    if (b < 1) b = 1;
    if (b > (size_t) X->n) b = (size_t) X->n;
    return (int) b;
}

/* scratch of the blockwise passes: an m x block panel, block sums and the
 * KL pass's partial divergences (XM_CHUNKS per column); the sparse kind
 * needs X Ht (m x k) and two k x k matrices */
size_t xm_work_size(const xmat *X, int k)
{
    if (X->kind == XM_BLOCKS) return 1;     /* each block allocates its own */
    if (X->kind == XM_CSC)
        return (size_t) X->m * (k > 0 ? k : 1) + 2 * (size_t) k * k + 1;
    return ((size_t) X->m + 1) * xm_block_cols(X) + (size_t) XM_CHUNKS * X->n;
}

/* Column passes of the blockwise loops run on X->threads OpenMP threads.
 * Each column's sum is kept apart (acc) and the columns are added in order
 * afterwards, so the result does not depend on the number of threads. */
double xm_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work)
{
    if (X->kind == XM_BLOCKS) return xbl_resid_sumsq(X, W, Ht, k);
    if (X->kind == XM_CSC) return xs_resid_sumsq(X, W, Ht, k, work);
    int m = X->m, n = X->n, bc = xm_block_cols(X);
    int plain = X->mask == XM_MASK_NONE && !X->trans;
    double s = 0.0, sc = X->scale, *acc = work + (size_t) m * bc;
    for (int j0 = 0; j0 < n; j0 += bc) {
        int b = (n - j0 < bc) ? n - j0 : bc;
        /* W Ht^T for the block: thin_simd.c's kernel at rank 32 or less
         * (the reference BLAS's dgemm took a fifth of a small fit) */
        if (k > THIN_PMAX || !thin_nt_simd(m, k, b, 1.0, W, (size_t) m, Ht + j0,
                                           (size_t) n, work, (size_t) m))
            la_gemm("N", "T", m, b, k, 1.0, W, m, Ht + j0, n, 0.0, work, m);
#ifdef _OPENMP
#pragma omp parallel for num_threads(X->threads) schedule(static) if (X->threads > 1 && (size_t) m * b > 4096)
#endif
        for (int jj = 0; jj < b; jj++) {
            const double *p = work + (size_t) jj * m;
            double t = 0.0;
            if (plain) {     /* four partial sums: one waits on each addition */
                const double *x = X->x + ((size_t) j0 + jj) * m;
                double t1 = 0.0, t2 = 0.0, t3 = 0.0;
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    double r0 = sc * x[i] - p[i], r1 = sc * x[i + 1] - p[i + 1],
                        r2 = sc * x[i + 2] - p[i + 2], r3 = sc * x[i + 3] - p[i + 3];
                    t += r0 * r0; t1 += r1 * r1; t2 += r2 * r2; t3 += r3 * r3;
                }
                for (; i < m; i++) { double r = sc * x[i] - p[i]; t += r * r; }
                acc[jj] = (t + t1) + (t2 + t3);
                continue;
            }
            MISS_BEGIN(X, j0 + jj, q, end);
            for (int i = 0; i < m; i++) {
                if (MISS_SKIP(X, i, q, end)) continue;
                double r = sc * xm_at(X, i, (size_t) j0 + jj) - p[i];
                t += r * r;
            }
            acc[jj] = t;
        }
        for (int jj = 0; jj < b; jj++) s += acc[jj];
    }
    return s;
}

double xm_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, double *out, double *work)
{
    return xm_kl_pass(X, W, Ht, k, which, 1, out, work);
}

/* One piece of the dense KL pass: rows r0 .. r0 + mr - 1 and columns
 * j0 .. j0 + b - 1.  P (mr x b) <- W Ht^T there, then R = sX ./ P in place
 * (0 where X is 0 or missing); acc[jj] receives the piece's divergence in
 * column j0 + jj when measure is set. */
static void kl_piece(const xmat *X, const double *W, const double *Ht, int k,
                     int r0, int mr, int j0, int b, int measure, double *P,
                     double *acc)
{
    int m = X->m, n = X->n;
    double sc = X->scale;
    la_gemm("N", "T", mr, b, k, 1.0, W + r0, m, Ht + j0, n, 0.0, P, mr);
    if (!measure && X->mask == XM_MASK_NONE && !X->trans) {
        /* the update's pass alone, on a plain dense X: the loop of the
         * general case below without its cursor, which the compiler can
         * vectorise (the test becomes a blend) */
        for (int jj = 0; jj < b; jj++) {
            double *p = P + (size_t) jj * mr;
            const double *xc = X->x + (size_t) (j0 + jj) * m + r0;
            NMF_SIMD
            for (int i = 0; i < mr; i++) {
                double x = sc * xc[i];
                p[i] = x > 0 ? x / p[i] : 0.0;
            }
        }
        return;
    }
    for (int jj = 0; jj < b; jj++) {
        double *p = P + (size_t) jj * mr, t = 0.0;
        MISS_BEGIN(X, j0 + jj, q, end);
        while (q < end && X->mi[q] < r0) q++;
        for (int i = 0; i < mr; i++) {
            if (MISS_SKIP(X, r0 + i, q, end)) {
                p[i] = 0.0;
                continue;
            }
            double x = sc * xm_at(X, (size_t) r0 + i, (size_t) j0 + jj), y = p[i];
            if (!measure) {
                p[i] = x > 0 ? x / y : 0.0;
            } else if (x > 0) {
                t += x * log(x / y) - x + y;
                p[i] = x / y;
            } else {
                t += y;
                p[i] = 0.0;
            }
        }
        if (acc) acc[jj] = t;
    }
}

/* With a BLAS that does not block (xm_blocked: R's reference BLAS, whose
 * dgemm is scalar loops), k at most KL_FUSED_K and a plain dense X, a
 * piece's three products (W Ht^T, then R Ht or R^T W) are made inside the
 * pass, entry by entry: no panel, one read of X, and y = (W Ht^T)_ij never
 * stored.  The terms are added in the reference dgemm's order (y over l
 * from 0, R Ht over j, R^T W over i, each sum starting from 0), so the
 * results are those of the BLAS path.  which = 0 adds into out's rows (the
 * caller zeroes them first), which = 1 writes out's rows j0 .. j0 + b - 1,
 * which = -1 only measures. */
#define KL_FUSED_K 16
static void kl_fused(const xmat *X, const double *W, const double *Ht, int k,
                     int which, int r0, int mr, int j0, int b, int measure,
                     double *out, double *acc)
{
    int m = X->m, n = X->n;
    double sc = X->scale, h[KL_FUSED_K], s[KL_FUSED_K];
    for (int jj = 0; jj < b; jj++) {
        int j = j0 + jj;
        for (int l = 0; l < k; l++) {
            h[l] = Ht[j + (size_t) l * n];
            s[l] = 0.0;
        }
        const double *xc = X->x + (size_t) j * m;
        double t = 0.0;
        for (int i = r0; i < r0 + mr; i++) {
            double y = 0.0, r;
            for (int l = 0; l < k; l++) y += h[l] * W[i + (size_t) l * m];
            double x = sc * xc[i];
            if (!measure) r = x > 0 ? x / y : 0.0;
            else if (x > 0) {
                t += x * log(x / y) - x + y;
                r = x / y;
            } else {
                t += y;
                r = 0.0;
            }
            if (which == 0)
                for (int l = 0; l < k; l++) out[i + (size_t) l * m] += h[l] * r;
            else if (which == 1)
                for (int l = 0; l < k; l++) s[l] += r * W[i + (size_t) l * m];
        }
        if (which == 1)
            for (int l = 0; l < k; l++) out[j + (size_t) l * n] = s[l];
        if (acc) acc[jj] = t;
    }
}

/* Row chunks of the pass for R Ht: as xm_prod's with a BLAS that does not
 * thread itself (xm_blocked), so that mlnmf's threads can share the
 * products; one with an optimised BLAS, whose own threads do. */
static int kl_chunks(int m, int simd)
{
    int c = xm_blocked || simd ? m / XM_CHUNK_ROWS : 1;
    return c < 1 ? 1 : (c > XM_CHUNKS ? XM_CHUNKS : c);
}

/* The pass of xm_kl; with measure = 0 it forms R and its product only and
 * returns 0: no x log(x / y), which the update does not need.
 * The dense pass is cut into pieces that do not depend on the number of
 * threads, so neither does the result (each output entry and each partial
 * divergence is computed by one piece, and the partials are added in a
 * fixed order): for R^T W (which = 1) the column blocks, each with its
 * full-height products, writing disjoint rows of out; for R Ht (which = 0)
 * and the divergence alone (-1) fixed row chunks, each running through
 * all column blocks and writing its own rows of out.  The pieces run on
 * X->threads threads, and the BLAS products inside them too, so a BLAS
 * without threads of its own gains from them. */
double xm_kl_pass(const xmat *X, const double *W, const double *Ht, int k,
                  int which, int measure, double *out, double *work)
{
    if (X->kind == XM_BLOCKS) return xbl_kl(X, W, Ht, k, which, measure, out);
    if (X->kind == XM_CSC) return xs_kl(X, W, Ht, k, which, measure, out, work);
    int m = X->m, n = X->n, bc = xm_block_cols(X), nblk = (n + bc - 1) / bc;
    /* the vector pass (xops_sweep.c) makes its products itself, with
     * any BLAS: its row chunks are those of a BLAS without threads */
    int simd = kl_simd_usable(X, k);
    int nch = which == 1 ? 1 : kl_chunks(m, simd), npc = which == 1 ? nblk : nch;
    int nt = X->threads < npc ? X->threads : npc;
    if (nt < 1) nt = 1;
    int fused = simd || (xm_blocked && k <= KL_FUSED_K && X->mask == XM_MASK_NONE && !X->trans);
    size_t rows = which == 1 ? (size_t) m : ((size_t) m + nch - 1) / nch;
    /* work (xm_work_size): one panel and the partials; the panels of
     * further threads from R_alloc, for this call */
    scratch_mark vmax = scratch_get();
    double *panel = work, *part = measure ? work + (size_t) m * bc : NULL;
    if (nt > 1 && !fused) panel = (double *) scratch_alloc((size_t) nt * rows * bc, sizeof(double));
    /* R^T W with a BLAS without blocking (xm_blocked): as (W^T R)^T from
     * W^T (k x m) and "N", "N" products, the form of xm_tprod: R's
     * reference BLAS makes "T", "N" from single-accumulator dot products
     * of length m; the same terms are added in the same order */
    double *Wt = NULL, *Tk = NULL;
    if (which == 1 && xm_blocked && !fused) {
        Wt = (double *) scratch_alloc((size_t) k * m + (size_t) nt * k * bc, sizeof(double));
        Tk = Wt + (size_t) k * m;
        for (int l = 0; l < k; l++)
            for (int i = 0; i < m; i++) Wt[l + (size_t) i * k] = W[i + (size_t) l * m];
    }
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
    for (int pc = 0; pc < npc; pc++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        double *P = panel + (size_t) th * rows * bc;
        if (which == 1) {
            int j0 = pc * bc, b = n - j0 < bc ? n - j0 : bc;
            if (simd) {
                kl_simd(X, W, Ht, k, 1, 0, m, j0, b, measure, out, part ? part + j0 : NULL);
                continue;
            }
            if (fused) {
                kl_fused(X, W, Ht, k, 1, 0, m, j0, b, measure, out, part ? part + j0 : NULL);
                continue;
            }
            kl_piece(X, W, Ht, k, 0, m, j0, b, measure, P, part ? part + j0 : NULL);
            if (Wt) {
                double *T = Tk + (size_t) th * k * bc;
                la_gemm("N", "N", k, b, m, 1.0, Wt, k, P, m, 0.0, T, k);
                for (int l = 0; l < k; l++)
                    for (int jj = 0; jj < b; jj++)
                        out[j0 + jj + (size_t) l * n] = T[l + (size_t) jj * k];
            } else
                la_gemm("T", "N", b, k, m, 1.0, P, m, W, m, 0.0, out + j0, n);
            continue;
        }
        int r0 = (int) ((size_t) m * pc / nch), r1 = (int) ((size_t) m * (pc + 1) / nch);
        if (fused && which == 0)
            for (int l = 0; l < k; l++)
                for (int i = r0; i < r1; i++) out[i + (size_t) l * m] = 0.0;
        if (simd) {
            kl_simd(X, W, Ht, k, which, r0, r1 - r0, 0, n, measure, out,
                    part ? part + (size_t) pc * n : NULL);
            continue;
        }
        for (int j0 = 0; j0 < n; j0 += bc) {
            int b = n - j0 < bc ? n - j0 : bc;
            if (fused) {
                kl_fused(X, W, Ht, k, which, r0, r1 - r0, j0, b, measure, out,
                         part ? part + (size_t) pc * n + j0 : NULL);
                continue;
            }
            kl_piece(X, W, Ht, k, r0, r1 - r0, j0, b, measure, P,
                     part ? part + (size_t) pc * n + j0 : NULL);
            if (which == 0)
                la_gemm("N", "N", r1 - r0, k, b, 1.0, P, r1 - r0, Ht + j0, n,
                        j0 == 0 ? 0.0 : 1.0, out + r0, m);
        }
    }
    double div = 0.0;
    if (measure)
        for (int j = 0; j < n; j++)
            for (int c = 0; c < nch; c++) div += part[(size_t) c * n + j];
    scratch_set(vmax);
    return div;
}
