/*
 * mlnmf.h: the one header of the mlnmf C core.
 *
 * Layers of the code, top to bottom (nothing below calls upward):
 *   cascade.c                      the multilayer cascade, .Call entry mlnmf_fit
 *   nmf_hals.c nmf_mu.c nmf_kl.c   one-layer solvers (pure C workers)
 *   nndsvd.c                       initialisation
 *   xops.c                         the only code that reads the data matrix X
 *   la.c                           every BLAS / LAPACK call
 * pinv.c, dependence.c and permute.c sit beside the solvers and use la.c;
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

/* ------------------------------------------------------------------ la.c */
int  la_int(size_t n, const char *what);
void la_gemm(const char *ta, const char *tb, int m, int n, int k,
             double alpha, const double *A, int lda, const double *B, int ldb,
             double beta, double *C, int ldc);
/* C (n x n, full symmetric) = A^T A for A (m x n) */
void la_crossprod(int m, int n, const double *A, double *C);
/* Thin SVD of A (m x n, overwritten): s (min), U (m x min), Vt (min x n). */
void la_svd_thin(int m, int n, double *A, double *s, double *U, double *Vt);
/* Overwrite A (m x n, m >= n) by an orthonormal basis of its columns. */
void la_orthonormalize(int m, int n, double *A);
void la_gemv(int m, int n, const double *A, int lda, const double *x, double *y);
double la_dot(size_t n, const double *x, const double *y);
double la_sumsq(size_t n, const double *x);
double la_chol_rcond(int k, const double *B, double *R, double *work);
void la_solve_right_chol(int m, int k, const double *R, double *X);

/* ---------------------------------------------------------------- xops.c
 * The data matrix behind one small interface.  Every product with X goes
 * through these functions, and every result is multiplied by `scale`, so a
 * solver works on X / max(X) without copying X.  Sparse input and masks
 * later add kinds here; the solvers do not change.
 */
typedef enum { XM_DENSE = 0 } xmat_kind;

typedef struct {
    xmat_kind kind;
    int m, n;            /* logical dimensions of X (m x n)               */
    int trans;           /* dense: 1 if X is stored transposed (n x m)    */
    const double *x;     /* dense storage, column-major                   */
    double scale;        /* every result is scale * (X op ...)            */
    int threads;         /* OpenMP threads for the elementwise passes     */
    double *tbuf;        /* scratch of xm_tprod (xm_reserve), may be 0    */
    size_t tbuf_len;
} xmat;

void   xm_dense(xmat *X, const double *x, int m, int n, int trans);
/* scratch for xm_tprod with up to k columns (R_alloc, once per layer) */
void   xm_reserve(xmat *X, int k);
double xm_max(const xmat *X);                       /* max entry, unscaled */
double xm_sumsq(const xmat *X);                     /* scale^2 ||X||^2     */
double xm_sum(const xmat *X);                       /* scale * sum(X)      */
/* out (n x k) = scale * X^T A, A (m x k) */
void   xm_tprod(const xmat *X, const double *A, int k, double *out);
/* out (m x k) = scale * X B, B (n x k)   (B is G^T, so this is X G^T) */
void   xm_prod(const xmat *X, const double *B, int k, double *out);
/* || scale*X - W Ht^T ||_F^2, exact, blockwise; W (m x k), Ht (n x k) */
double xm_resid_sumsq(const xmat *X, const double *W, const double *Ht, int k,
                      double *work);
/* I-divergence pieces, blockwise over columns; R = scale*X ./ (W Ht^T):
 *   which = 0: out (m x k) = R Ht          which = 1: out (n x k) = R^T W
 *   which = -1: out unused
 * returns D(scale*X || W Ht^T) = sum x log(x/y) - x + y.
 * work holds xm_work_size(X) doubles. */
size_t xm_work_size(const xmat *X);
double xm_kl(const xmat *X, const double *W, const double *Ht, int k,
             int which, double *out, double *work);
/* The smaller Gram matrix, scale^2 X X^T (m <= n) or scale^2 X^T X. */
void   xm_gram(const xmat *X, double *out);

/* ----------------------------------------------------------- the solvers */
enum { METHOD_HALS = 0, METHOD_MU = 1, METHOD_KL = 2 };
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
} nmf_opts;

typedef struct {
    int iter;
    int converged;
    double obj;          /* final objective, scaled units                  */
    double *trace;       /* objective per iteration (maxit + 1), may be 0  */
} nmf_result;

/* One layer: X (m x n) ~ W (m x k) Ht^T, Ht (n x k).  W and Ht hold the
 * start on entry and the solution on return.  Returns 0 or an error code. */
int nmf_hals(const xmat *X, int k, double *W, double *Ht,
             const nmf_opts *o, nmf_result *res);
int nmf_mu(const xmat *X, int k, double *W, double *Ht,
           const nmf_opts *o, nmf_result *res);
int nmf_kl(const xmat *X, int k, double *W, double *Ht,
           const nmf_opts *o, nmf_result *res);
/* nmf_frob.c: the HALS / MU outer loop; inner() updates M (len x k) from
 * the products A (len x k) and the Gram B (k x k), up to q times, using
 * work (inner_work doubles); exact = 1 allows HALS its exact shortcut
 * (control inner_max > 1). */
typedef void (*nmf_inner_fn)(int len, int k, double *M, const double *A,
                             const double *B, double eps, int q,
                             double delta, int exact, double *work);
int nmf_frob_run(const xmat *X, int k, double *W, double *Ht,
                 const nmf_opts *o, nmf_result *res,
                 nmf_inner_fn inner, size_t inner_work);
int nmf_solve(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res);

double nmf_frob_obj(double xnorm2, int n, int k, const double *XtW,
                    const double *Ht, const double *WtW, const double *HtH);
int nmf_stop(double f0, double fprev, double f, double tol);
/* M <- max(eps, M .* num ./ den), returns the squared change (mu) */
double nmf_mult_update(size_t len, double *M, const double *num,
                       const double *den, double eps);
int nmf_inner_q(double m, double n, double k, const nmf_opts *o);

/* nndsvd.c: start for X ~ W Ht^T; uses R's RNG for nndsvdar, random and
 * the randomized range finder of large X (caller brackets GetRNGstate). */
void nndsvd_init(const xmat *X, int k, int type, double eps,
                 double *W, double *Ht);

/* -------------------------------------------------------- .Call entries */
SEXP mlnmf_fit(SEXP X, SEXP ranks, SEXP opts, SEXP Finit, SEXP Ginit);
SEXP mlnmf_project(SEXP X, SEXP Flist, SEXP opts);
SEXP mlnmf_step(SEXP X, SEXP W, SEXP H, SEXP method, SEXP eps);
SEXP mlnmf_scan(SEXP X);
SEXP mlnmf_permute(SEXP X, SEXP F, SEXP G, SEXP orders);

/* pinv.c: out (n x m) = A^+ for A (m x n), singular values <= tol (tol < 0:
 * max(m, n) * DBL_EPSILON * s_max) treated as zero; s (min(m, n), may be
 * NULL) receives the singular values.  Returns the numerical rank. */
double pinv_default_tol(int m, int n, double smax);
int  pinv_work(int m, int n, const double *A, double tol, double *out,
               double *s);
SEXP mlnmf_pinv(SEXP A, SEXP tol);
/* dependence.c */
SEXP mlnmf_dependence(SEXP X, SEXP Flist, SEXP Glist, SEXP pairs, SEXP maps);

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
SEXP mlnmf_finetune(SEXP X, SEXP Flist, SEXP G, SEXP opts);

#endif
