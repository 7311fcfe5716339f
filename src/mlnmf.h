/*
 * mlnmf.h: the one header of the mlnmf C core.
 *
 * Layers of the code, top to bottom (nothing below calls upward):
 *   cascade.c                      the multilayer cascade, .Call entry mlnmf_fit
 *   nmf_solve.c                    one layer by the chosen method (dispatch)
 *   nmf_hals.c nmf_mu.c nmf_kl.c   one-layer solvers (pure C workers), over
 *   nmf_frob.c nmf_common.c        the pieces they share
 *   nndsvd.c                       initialisation
 *   xops.c                         the only code that reads the data matrix X
 *                                  (xops_*.c: its sparse, masked, on-disk,
 *                                  beta and vector KL passes)
 *   la.c                           every BLAS / LAPACK call
 * pinv.c, dependence.c and permute.c sit beside the solvers and use la.c;
 * util.c holds the small helpers of the .Call entry points.
 * finetune.c (joint refinement of all layers) beside the cascade, with the
 * chain products of chain.c.
 *
 * All matrices are column-major doubles.  Sizes passed to BLAS are int and
 * are checked to fit (la_int); offsets into X are size_t / R_xlen_t.
 */
#ifndef MLNMF_H
#define MLNMF_H

#define USE_FC_LEN_T
#include <R.h>
#include <Rinternals.h>
#include <R_ext/BLAS.h>
#include <R_ext/Lapack.h>
#include <R_ext/Rdynload.h>
#include <stddef.h>
#ifndef FCONE
# define FCONE
#endif

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(String) dgettext ("mlnmf", String)
#else
#define _(String) (String)
#endif

/* A branch-free elementwise loop vectorized with OpenMP's simd directive:
 * the same operations on each entry, so the same results bit for bit,
 * without relying on the compiler's cost model at -O2 (which leaves such
 * loops scalar).  Never on a loop that sums. */
#ifdef _OPENMP
#define NMF_SIMD _Pragma("omp simd")
#else
#define NMF_SIMD
#endif

/* ------------------------------------------------------------- scratch.c */
/* Temporary buffers: R_alloc(), or cut from the arena of scratch_run(),
 * which the layers of a cascade reuse; scratch_get / scratch_set take the
 * place of vmaxget / vmaxset and release both kinds. */
typedef struct { const void *vmax; size_t used, vused; } scratch_mark;
void *scratch_alloc(size_t n, size_t size);
scratch_mark scratch_get(void);
void scratch_set(scratch_mark m);
/* where no scratch is live: grow the arena to the most scratch live at
 * once so far, if that is at most 'limit' bytes */
void scratch_reserve(size_t limit);
/* body(data) with an arena open, closed however body ends */
SEXP scratch_run(SEXP (*body)(void *), void *data);
SEXP mlnmf_set_arena(SEXP flag);     /* tests: the arena off and on */

/* ------------------------------------------------------------------ la.c */
int  la_int(size_t n, const char *what);
void la_gemm(const char *ta, const char *tb, int m, int n, int k,
             double alpha, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc);
/* C (n x n, full symmetric) = A^T A for A (m x n) */
void la_crossprod(int m, int n, const double *A, double *C);
/* Thin SVD of A (m x n, overwritten): s (min), U (m x min), Vt (min x n). */
void la_svd_thin(int m, int n, double *A, double *s, double *U, double *Vt);
void la_sym_top(int n, int k, double *A, double *ev, double *Z);
/* Overwrite A (m x n, m >= n) by an orthonormal basis of its columns. */
void la_orthonormalize(int m, int n, double *A);
void la_gemv(int m, int n, const double *A, int lda, const double *x, double *y);
double la_dot(size_t n, const double *x, const double *y);
double la_sumsq(size_t n, const double *x);
double la_chol_rcond(int k, const double *B, double *R, double *work);
void   la_chol_inverse(int k, const double *R, double *Binv);
void la_solve_right_chol(int m, int k, const double *R, double *X);

/* ---------------------------------------------------------------- xops.c
 * The data matrix behind one small interface (xops.c: dispatch and the
 * dense kind; xops_sparse.c: the sparse kind; xops_mask.c: missing values).
 * Every product with X goes through these functions, and every result is
 * multiplied by `scale`, so a solver works on X / max(X) without copying X.
 *
 * Kinds: XM_DENSE, a column-major double array; XM_CSC, a compressed sparse
 * column matrix (Matrix's dgCMatrix slots i, p, x), never densified.  A
 * dense X with trans = 1 is stored as X^T (n x m), read as X without a copy
 * (the cascade's G_i^T); a CSC X is always stored as X.
 *
 * Masks (trans = 0 only): the entries of X that are missing take no part in
 * any product, norm, maximum, objective or residual: every function below
 * reads X o Omega, Omega the observed entries.
 *   XM_MASK_NONE      every entry observed
 *   XM_MASK_OBSERVED  a CSC X whose stored entries are the observed ones
 *                     (mask = "zeros": every zero is missing)
 *   XM_MASK_MISSING   the entries listed in the CSC pattern (mp, mi) over
 *                     the columns of X are missing (mask = "NA", a logical
 *                     or sparse mask); X may hold anything there, NA too
 */
typedef enum { XM_DENSE = 0, XM_CSC = 1, XM_BLOCKS = 2 } xmat_kind;
enum { XM_MASK_NONE = 0, XM_MASK_OBSERVED = 1, XM_MASK_MISSING = 2 };

typedef struct {
    xmat_kind kind;
    int m, n;            /* logical dimensions of X (m x n)               */
    int trans;           /* 1 if the storage is that of X^T (n x m)       */
    const double *x;     /* dense storage, or the CSC values              */
    const int *ci, *cp;  /* CSC row indices and column pointers           */
    int mask;            /* XM_MASK_*                                     */
    const int *mi, *mp;  /* XM_MASK_MISSING: rows and column pointers     */
    double scale;        /* every result is scale * (X op ...)            */
    int threads;         /* OpenMP threads for the elementwise passes     */
    double *tbuf;        /* scratch of the products (xm_reserve), may be 0 */
    size_t tbuf_len;
    double sumsq;        /* xm_sumsq() if known (set with this scale), or -1 */
    SEXP rd;             /* XM_BLOCKS: reader(j0, nc) of column blocks     */
    int bcols;           /* XM_BLOCKS: columns per block                   */
} xmat;

void   xm_dense(xmat *X, const double *x, int m, int n, int trans);
void   xm_csc(xmat *X, const double *x, const int *ci, const int *cp,
              int m, int n);
/* X from an R object, a double matrix or a dgCMatrix, and its mask, NULL
 * or list(type = 1L) (observed = stored) or list(type = 2L, p =, i =)
 * (missing pattern); `what` names the argument in errors. */
void   xm_from_sexp(xmat *X, SEXP x, SEXP mask, const char *what);
/* scratch for the products with up to k columns (R_alloc, once per layer) */
void   xm_reserve(xmat *X, int k);
double xm_max(const xmat *X);                       /* max entry, unscaled */
double xm_sumsq(const xmat *X);                     /* scale^2 ||X||^2     */
/* the same, computed once and kept in X->sumsq (valid while the scale is) */
double xm_sumsq_keep(xmat *X);
double xm_sum(const xmat *X);                       /* scale * sum(X)      */
double xm_nobs(const xmat *X);                      /* observed entries    */
/* out (n x k) = scale * X^T A, A (m x k) */
void   xm_tprod(const xmat *X, const double *A, int k, double *out);
/* out (m x k) = scale * X B, B (n x k)   (B is G^T, so this is X G^T) */
void   xm_prod(const xmat *X, const double *B, int k, double *out);
/* || scale*X - W Ht^T ||_F^2 over the observed entries; W (m x k), Ht
 * (n x k); work holds xm_work_size(X, k) doubles.  Exact (blockwise) for
 * dense X; for sparse X through ||sX||^2 - 2 <sX Ht, W> + <W^T W, Ht^T Ht>
 * (plus the stored entries, or minus the missing ones, under a mask). */
double xm_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work);
/* I-divergence pieces; R = scale*X ./ (W Ht^T) on the observed entries:
 *   which = 0: out (m x k) = R Ht          which = 1: out (n x k) = R^T W
 *   which = -1: out unused
 * returns D(scale*X || W Ht^T) = sum x log(x/y) - x + y (observed entries).
 * work holds xm_work_size(X, k) doubles; needs xm_reserve(X, k). */
size_t xm_work_size(const xmat *X, int k);
double xm_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, double *out, double *work);
/* the same pass; measure = 0: R and its product only, returns 0 */
double xm_kl_pass(const xmat *X, const double *W, const double *Ht, int k,
                  int which, int measure, double *out, double *work);
/* xops_sweep.c: the dense KL pass in one sweep with AVX2 and FMA, where
 * the processor has them (k <= KL_SIMD_KMAX, a plain dense X); arguments
 * as kl_fused's in xops.c */
#define KL_SIMD_KMAX 32
/* rows per sub-block of the sweep: the terms of four columns for them stay
 * in the first-level cache between its two steps */
#define KL_RB 256
int    kl_simd_enabled(void);
int    kl_simd_usable(const xmat *X, int k);
void   kl_simd(const xmat *X, const double *W, const double *Ht, int k,
               int which, int r0, int mr, int j0, int b, int measure,
               double *out, double *acc);
SEXP   mlnmf_set_simd(SEXP flag);
/* xops_sparse_simd.c: s X^T F and s X F for a CSC X without a mask, k at
 * most XS_SIMD_KMAX, with AVX2 and FMA (xs_simd_usable); F and the output
 * row-major (Ft: k per row).  gather: output rows j0 .. j1 - 1; scatter:
 * adds into output rows r0 .. r1 - 1 (bisect: find r0 in each column). */
#define XS_SIMD_KMAX 32
int    xs_simd_usable(const xmat *X, int k);
void   xs_gather_simd(const xmat *X, const double *Ft, int k, int j0, int j1,
                      double *Ot);
void   xs_scatter_simd(const xmat *X, const double *Ft, int k, int r0, int r1,
                       int bisect, double *Ot);
/* the sparse KL pass's columns j0 .. j1 - 1 (xops_sparse.c's kl_col), for
 * a CSC X whose mask is not a list of missing entries (xs_kl_simd_usable) */
int    xs_kl_simd_usable(const xmat *X, int k);
void   xs_kl_cols_simd(const xmat *X, int j0, int j1, int r0, int r1,
                       const double *Wt, const double *Htt, int k, int which,
                       int measure, double *Ot, double *t, double *ys);
SEXP   mlnmf_simd_state(void);
/* the sweep for other passes: f(X, ctx, j, i0, nr, y, r2) receives y =
 * (W Ht^T)[i0 .. i0 + nr - 1, j] in y, leaves the terms of the first
 * product in y and of the second in r2, and returns their divergence (0
 * when not measured); out, out2 as kl_simd's out */
typedef double (*lr_xform)(const xmat *X, void *ctx, int j, int i0, int nr,
                           double *y, double *r2);
int    lr_simd_usable(const xmat *X, int k);
/* with kl_simd_usable(X, k): out's rows r0 .. r1 - 1 of scale X B, and
 * out's rows c0 .. c0 + nb - 1 of scale X^T A (xops.c's xm_prod and
 * xm_tprod, with a BLAS that does not block) */
void   prod_rows_simd(const xmat *X, const double *B, int k, int r0, int r1,
                      double *out);
void   tprod_cols_simd(const xmat *X, const double *A, int k, int c0, int nb,
                       double *out);
/* thin_simd.c: products with a thin side (at most THIN_PMAX columns) with
 * AVX2; each returns 0 (nothing done) when it does not apply.
 * thin_nn_simd: out (len x q) = alpha A B, A len x p, B p x q;
 * thin_tn_simd: out (p x q) = alpha P^T Q, P len x p, Q len x q. */
#define THIN_PMAX 32
/* inputs of at most this many entries take them (one thread: a larger one
 * stays with the BLAS, which may use several) */
#define THIN_MAX_ENTRIES ((size_t) 1 << 20)
int    thin_nn_simd(int len, int p, int q, double alpha, const double *A,
                    size_t lda, const double *B, size_t ldb, double *out,
                    size_t ldo);
int    thin_tn_simd(int len, int p, int q, double alpha, const double *P,
                    size_t ldp, const double *Q, size_t ldq, double *out,
                    size_t ldo);
/* out (len x q) = alpha A C^T, A len x p, C q x p */
int    thin_nt_simd(int len, int p, int q, double alpha, const double *A,
                    size_t lda, const double *C, size_t ldc, double *out,
                    size_t ldo);
/* out (nc x nc) = A^T A (+ out when accumulate), A nr x nc (any nc) */
int    gram_cols_simd(const double *A, size_t lda, int nr, int nc, double *out,
                      int accumulate);
/* nmf_mult_update's loop with AVX2; 0 when it does not apply */
int    mult_update_simd(size_t len, double *M, const double *num,
                        const double *den, double eps, double *change);
/* y (len) = A b, A len x p */
int    thin_gemv_simd(int len, int p, const double *A, size_t lda,
                      const double *b, double *y);
/* thin_simd.c: HALS's exact shortcut for rows r0 .. r0 + rb - 1 of M
 * (len x k) in one pass with AVX2 (k <= HALS_SIMD_KMAX): returns the
 * number of rows left to the sweeps, listed in bad; -1 (nothing done) when
 * it does not apply */
#define HALS_SIMD_KMAX 16
int    hals_exact_simd(int len, int k, int r0, int rb, double *M,
                       const double *A, const double *Binv, double eps,
                       double l1, int *bad);
/* the beta sweep's terms for beta in {0, 0.5, 1, 1.5} on a dense column,
 * not measured; 0 when it does not apply (see xops_sweep.c) */
int    lr_beta_terms(double beta, double s, const double *x, int nr, double *y,
                     double *r2);
void   lr_simd(const xmat *X, const double *W, const double *Ht, int k,
               int which, int r0, int mr, int j0, int b, lr_xform f, void *ctx,
               double *out, double *out2, double *acc);
/* The smaller Gram matrix, scale^2 X X^T (m <= n) or scale^2 X^T X. */
void   xm_gram(const xmat *X, double *out);
/* out (rb x cb, leading dimension ld) = scale * (X o Omega)[r0 +, c0 +] */
void   xm_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
                size_t ld);

/* xops_blocks.c: the XM_BLOCKS kind (column blocks read by an R function,
 * data larger than memory; called through the functions above).  x is the
 * list(reader, m, n, block columns) of R/bioc.R's block_source(). */
void   xbl_from_sexp(xmat *X, SEXP x, const char *what);
double xbl_max(const xmat *X);
double xbl_sumsq(const xmat *X);
double xbl_sum(const xmat *X);
void   xbl_tprod(const xmat *X, const double *A, int k, double *out);
void   xbl_prod(const xmat *X, const double *B, int k, double *out);
double xbl_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k);
double xbl_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, int measure, double *out);
void   xbl_gram(const xmat *X, double *out);
void   xbl_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
                size_t ld);

/* xops_sparse.c: the XM_CSC kind (called through the functions above) */
double xs_max(const xmat *X);
double xs_sumsq(const xmat *X);
double xs_sum(const xmat *X);
void   xs_tprod(const xmat *X, const double *A, int k, double *out);
void   xs_prod(const xmat *X, const double *B, int k, double *out);
double xs_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work);
double xs_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, int measure, double *out, double *work);
void   xs_block(const xmat *X, int r0, int rb, int c0, int cb, double *out,
                size_t ld);
/* first position p in [lo, hi) with idx[p] >= r (idx sorted) */
int    xs_lower(const int *idx, int lo, int hi, int r);

/* xops_mask.c: what a mask adds.
 * Per-row Gram matrices for the update of one factor under a mask.
 *   side 0 (rows i of X, the factor W):   B_i = sum_{j observed in row i} f_j f_j^T
 *   side 1 (columns j of X, the factor Ht): B_j = sum_{i observed in col j} f_i f_i^T
 * for the rows r0 .. r0 + rb - 1 of that side, F the other factor (len x k)
 * stored row-major as Ft (k x len), FtF = F^T F.  B: rb Gram matrices of
 * k x k, full.  cur: n ints of cursor state, set by the call with r0 = 0 of
 * side 0, which must run through the rows in increasing blocks. */
void   xm_mgram(const xmat *X, int side, int r0, int rb, const double *Ft,
                const double *FtF, int k, double *B, int *cur);
/* Counts of observed entries times F: side 0, out (m x k) = Omega F with F
 * (n x k); side 1, out (n x k) = Omega^T F with F (m x k). */
void   xm_obs_prod(const xmat *X, int side, const double *F, int k,
                   double *out);
/* xops_beta.c: the passes of the beta-divergence updates (nmf_beta.c) */
typedef struct {
    double beta;
    int k, cb, stored;   /* stored: a dgCMatrix under mask "zeros"        */
    double *V, *P, *R, *T;               /* blocks of the dense pass      */
    double *Wt, *Htt, *acc, *colsum;     /* row-major copies, sums        */
    double *part;        /* partial divergences of the sweep (8 x n)      */
} xb_work;
void   xb_alloc(const xmat *X, int k, double beta, xb_work *w);
double xb_pass(const xmat *X, const double *W, const double *Ht, int k,
               int side, double *num, double *den, int want_div, xb_work *w);
/* d(x | y) of the beta-divergence for x > 0, p = y^(beta - 2) */
double xb_div(double beta, double x, double y, double p);
/* 1 if X carries a mask */
static inline int xm_masked(const xmat *X) { return X->mask != XM_MASK_NONE; }
/* the NA and NaN entries of a double matrix or dgCMatrix, as a pattern */
SEXP mlnmf_na_pattern(SEXP X);

/* ----------------------------------------------------------- the solvers */
enum { METHOD_HALS = 0, METHOD_MU = 1, METHOD_KL = 2, METHOD_BETA = 3 };
enum { INIT_NNDSVD = 0, INIT_NNDSVDA = 1, INIT_NNDSVDAR = 2, INIT_RANDOM = 3,
       INIT_GIVEN = 4 };

typedef struct {
    int method;
    int maxit;
    double tol;          /* relative objective change                      */
    double eps;          /* floor of every factor entry (scaled units)     */
    int inner_max;       /* HALS: cap on inner sweeps per factor           */
    double inner_alpha;  /* HALS: Gillis-Glineur alpha                     */
    double inner_delta;  /* HALS: inner stopping ratio                     */
    int fix_w;           /* 1: update Ht only (projection of new data)     */
    int verbose;
    int threads;         /* OpenMP threads for the passes over X           */
    int extrapolate;     /* HALS, MU: Ang-Gillis extrapolation (nmf_frob.c) */
    double beta;         /* METHOD_BETA: the beta of the divergence       */
    double l1[2], l2[2]; /* penalties on W ([0]) and Ht ([1]), scaled units:
                          * min 1/2 loss + l1 sum(M) + l2/2 ||M||^2 (KL: l1) */
} nmf_opts;

typedef struct {
    int iter;
    int converged;
    double obj;          /* final objective, scaled units                  */
    double *trace;       /* objective per iteration (maxit + 1), may be 0  */
} nmf_result;

/* One layer: X (m x n) ~ W (m x k) Ht^T, Ht (n x k).  W and Ht hold the
 * start on entry and the solution on return.  A solver has no failure to
 * report: what could fail (the method code, the data) is checked before,
 * and an interrupt or an allocation failure is an R error. */
void nmf_hals(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res);
void nmf_mu(const xmat *X, int k, double *W, double *Ht,
            const nmf_opts *o, nmf_result *res);
void nmf_kl(const xmat *X, int k, double *W, double *Ht,
            const nmf_opts *o, nmf_result *res);
/* nmf_beta.c: MU for the beta-divergence o->beta (any real, not 1) */
void nmf_beta(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res);
double nmf_beta_gamma(double beta);
/* nmf_frob.c: the HALS / MU outer loop; inner() updates M (len x k) from
 * the products A (len x k) and the Gram B (k x k), up to q times, using
 * work (inner_work doubles); exact = 1 allows HALS its exact shortcut
 * (control inner_max > 1); threads: X's, for the rows' independent
 * problems (the result does not depend on it). */
typedef void (*nmf_inner_fn)(int len, int k, double *M, const double *A,
                             const double *B, double eps, double l1, int q,
                             double delta, int exact, int threads, double *work);
/* Under a mask each row r of the factor has its own Gram B_r: row()
 * updates one row m (k) from its product row a (k) and B_r, up to q times;
 * tmp holds k doubles.  Penalties: B (and each B_r) comes with l2 added to
 * its diagonal; l1 is the L1 weight of the factor being updated (HALS
 * subtracts it from A, MU adds it to the denominator). */
typedef void (*nmf_row_fn)(int k, double *m, const double *a,
                           const double *B, double eps, double l1, int q,
                           double delta, double *tmp);
void nmf_frob_run(const xmat *X, int k, double *W, double *Ht,
                  const nmf_opts *o, nmf_result *res,
                  nmf_inner_fn inner, size_t inner_work, nmf_row_fn row);

/* nmf_solve.c: the solver of o->method (an R error for an unknown one) */
void nmf_solve(const xmat *X, int k, double *W, double *Ht,
               const nmf_opts *o, nmf_result *res);

double nmf_frob_obj(double xnorm2, int n, int k, const double *XtW,
                    const double *Ht, const double *WtW, const double *HtH);
/* the stopping rule of every solver and of finetune (nmf_common.c) */
#define NMF_STOP_WINDOW 10       /* w: iterations the improvement is taken over */
#define NMF_STOP_FLOOR 100       /* the floor of e_t is NMF_STOP_FLOOR * tol   */
#define NMF_STOP_NEAR 5          /* near the floor: e_t <= NMF_STOP_NEAR * floor */
typedef struct {
    double tol, floor, fbest, e0;
    int t;                               /* iterations recorded           */
    double ring[NMF_STOP_WINDOW + 1];    /* e_t at t % (w + 1), NaN if not measured */
} nmf_stopper;
void nmf_stop_init(nmf_stopper *s, double f0, double tol);
void nmf_stop_record(nmf_stopper *s, double f);
void nmf_stop_skip(nmf_stopper *s);
int  nmf_stop_test(const nmf_stopper *s);
int  nmf_stop_push(nmf_stopper *s, double f);
/* M <- max(eps, M .* num ./ den), returns the squared change (mu) */
double nmf_mult_update(size_t len, double *M, const double *num,
                       const double *den, double eps);
int nmf_inner_q(double m, double n, double k, const nmf_opts *o);
/* s (k) = column sums of M (len x k); nmf_kl.c, also used by finetune.c */
void nmf_colsums(int len, int k, const double *M, double *s);
/* a progress line every 50 iterations when o->verbose >= 2 */
void nmf_progress(const nmf_opts *o, int it, double f);
/* the penalties of (W, Ht): 2 l1 sum + l2 ||.||^2 of both factors (the
 * objective's units: twice the penalty of 1/2 loss + ...); 0 if none */
int nmf_penalized(const nmf_opts *o);
double nmf_penalty(const nmf_opts *o, size_t mk, const double *W, size_t nk,
                   const double *Ht, int l2);
/* read the optional penalties "l1", "l2" (each two numbers) of opts */
void nmf_read_penalties(SEXP opts, nmf_opts *o);

/* nndsvd.c: start for X ~ W Ht^T; uses R's RNG for nndsvdar, random and
 * the randomized range finder of large X (caller brackets GetRNGstate). */
void nndsvd_init(const xmat *X, int k, int type, double eps,
                 double *W, double *Ht);
size_t nndsvd_scratch_bytes(int m, int n, int k, int type);

/* ------------------------------------------------------------- threads.c */
/* the processors this process may use (at least 1) */
int mlnmf_cores(void);
/* a thread count for OpenMP: 'requested' reduced to [1, cores], at most
 * OMP_THREAD_LIMIT; every num_threads() gets its count through this */
int mlnmf_threads(int requested);
SEXP mlnmf_cores_call(void);
SEXP mlnmf_blas_threads(SEXP n);

/* ---------------------------------------------------------------- util.c */
/* error unless A is a double matrix ('what', or 'what[[index]]' if index > 0) */
void util_check_matrix(SEXP A, const char *what, int index);
int  util_flag(SEXP flag);              /* TRUE / FALSE, else an error */
/* B (c x r) = A^T, A (r x c) */
void util_transpose(int r, int c, const double *A, double *B);
/* the named option lists R builds: an option that must be there (an error
 * names it otherwise), and an optional pair of finite numbers >= 0 */
int    util_opt_int(SEXP opts, const char *name);
double util_opt_real(SEXP opts, const char *name);
double util_opt_real_or(SEXP opts, const char *name, double dflt);
SEXP   util_opt_sexp(SEXP opts, const char *name);
void   util_opt_pair(SEXP opts, const char *name, double *out);
/* the solver settings of an opts list into o (full: also inner_alpha,
 * extrapolate and the penalties; else those are 0) */
void   util_read_opts(SEXP opts, nmf_opts *o, int full);
/* rk[0..L] = (d, k_1, ..., k_L) of the chain F (list of L matrices), G
 * (k_L x N), checked; Fp (or NULL) gets the entries of each F[[i]] */
int   *util_read_chain(SEXP Fl, SEXP G, int d, int N, int L, const double **Fp);
/* 1 / mx, mx the largest entry of 'what' (errors name it; strict: 0 and
 * non-finite mx are errors too, else 0 gives 1) */
double util_inv_scale(double mx, const char *what, int strict);
/* columns of W (m x k) to unit norm (type 1 l1, 2 l2, 3 max, 0 none);
 * sc (k) receives the norms (1 where a column was left) */
void   util_normalize_cols(int m, int k, double *W, int type, double *sc);
/* A trace of objective values that grows with the iterations run (R_alloc,
 * doubled when full), so nothing is proportional to an iteration limit. */
typedef struct { double *v; size_t len, cap; } util_trace;
void util_trace_put(util_trace *t, size_t i, double x);
/* the cascade keeps a trace per layer only for maxit up to this (as R's
 * .max_trace): the solvers write it by index */
#define MLNMF_MAX_TRACE 1000000

/* -------------------------------------------------------- .Call entries */
SEXP mlnmf_fit(SEXP X, SEXP ranks, SEXP opts, SEXP Finit, SEXP Ginit,
               SEXP mask);
SEXP mlnmf_project(SEXP X, SEXP Flist, SEXP opts, SEXP mask);
SEXP mlnmf_step(SEXP X, SEXP W, SEXP H, SEXP method, SEXP eps, SEXP mask,
                SEXP pen);
SEXP mlnmf_scan(SEXP X);
/* depth.c: the relative distance of a square F (k x k) to the nearest
 * scaled permutation matrix (NA for F = 0), and its .Call entry */
double monomial_dist(int k, const double *F);
SEXP mlnmf_monomial_dist(SEXP F);
SEXP mlnmf_set_blocked(SEXP flag);
/* whether the products with a dense X run over column blocks: the BLAS is
 * taken for one that does not block itself (R's reference BLAS) */
int  xm_blas_blocks(void);
SEXP mlnmf_permute(SEXP X, SEXP F, SEXP G, SEXP orders, SEXP mask);
SEXP mlnmf_beta_div(SEXP X, SEXP W, SEXP H, SEXP beta, SEXP mask);
/* finetune_layer.c: one beta-divergence MU pass (the layer-centric
 * fine-tuning's kernel) */
SEXP mlnmf_beta_pass(SEXP X, SEXP W, SEXP H, SEXP beta, SEXP side, SEXP mask);

/* pinv.c: out (n x m) = A^+ for A (m x n), singular values <= tol (tol < 0:
 * max(m, n) * DBL_EPSILON * s_max) treated as zero; s (min(m, n), may be
 * NULL) receives the singular values.  Returns the numerical rank. */
double pinv_default_tol(int m, int n, double smax);
int  pinv_work(int m, int n, const double *A, double tol, double *out,
               double *s);
SEXP mlnmf_pinv(SEXP A, SEXP tol);
/* dependence.c */
SEXP mlnmf_dependence(SEXP X, SEXP Flist, SEXP Glist, SEXP pairs, SEXP maps,
                      SEXP mask);

/* chain.c: prefix and suffix products of X ~ F_1 ... F_L G_L, with
 * rk[0..L] = (d, k_1, ..., k_L), F[i] = F_{i+1} (rk[i] x rk[i+1]).
 *   prefix P_j = F_1 ... F_j (d x rk[j]);  transposed suffix
 *   T_j = (F_{j+1} ... F_L G_L)^T (N x rk[j]), T_L = G_L^T. */
void chain_prefix_step(int d, int m, int k, const double *P, const double *F,
                       double alpha, double *Pout);  /* P NULL: identity */
void chain_suffix_step(int N, int m, int k, const double *T, const double *F,
                       double *Tout);                /* T F^T, F m x k */
void chain_prefixes(int d, int L, const int *rk, const double *const *F,
                    double alpha, double **P);       /* P[1..L] */
void chain_suffixes(int N, int L, int from, const int *rk,
                    const double *const *F, double **T); /* T[from..L-1] */
/* finetune.c: joint refinement of every layer */
SEXP mlnmf_finetune(SEXP X, SEXP Flist, SEXP G, SEXP opts, SEXP mask);

#endif
