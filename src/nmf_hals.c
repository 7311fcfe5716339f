/*
 * nmf_hals.c: accelerated hierarchical alternating least squares for
 * min ||sX - W Ht^T||_F^2, W >= eps, Ht >= eps (Gillis and Glineur, 2012).
 *
 * One outer iteration computes A = sX Ht and B = Ht^T Ht (the expensive
 * products, O(mnk)), then runs up to q_W cheap sweeps over the columns of W:
 *     W[,l] <- max(eps, W[,l] + (A[,l] - W B[,l]) / B[l,l])
 * and the same for Ht with A = sX^T W and B = W^T W.  The number of sweeps
 * is q = floor(1 + alpha * rho), rho = 1 + (mn + nk) / (m (k + 1)) the
 * ratio of product cost to sweep cost, capped at inner_max, and the sweeps
 * stop early when a sweep changes the factor by less than delta times what
 * the first sweep changed it.  Rows whose unconstrained least-squares
 * solution is feasible skip the sweeps (hals_sweeps below), and the outer
 * loop, with its extrapolation, is nmf_frob.c's.  Under a mask every row
 * has its own Gram matrix and runs its sweeps alone (hals_row; no exact
 * shortcut there).
 */
#include "mlnmf.h"
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* One sweep over the k columns of M (len x k); returns ||M_new - M||^2.
 * Rows of M are independent problems, so the sweep runs over blocks of
 * HALS_ROWS rows, each block through all k columns while it is in cache;
 * every row sees exactly the updates of a column-by-column sweep. */
#define HALS_ROWS 256
/* tmp (rb) = M (rb x k, leading dimension len) b: thin_simd.c's kernel at
 * rank 32 or less with AVX2 (a BLAS call per column of a sweep costs more
 * than its arithmetic on the short blocks the sweeps get: a fifth of a
 * deep cascade's time with the reference BLAS), else the BLAS */
static void hals_gemv(int rb, int k, const double *M, int len,
                      const double *b, double *tmp)
{
    if (!thin_gemv_simd(rb, k, M, (size_t) len, b, tmp))
        la_gemv(rb, k, M, len, b, tmp);
}

static double hals_sweep(int len, int k, double *M, const double *A,
                         const double *B, double eps, double l1, double *tmp)
{
    double change = 0.0;
    for (int r0 = 0; r0 < len; r0 += HALS_ROWS) {
        int rb = len - r0 < HALS_ROWS ? len - r0 : HALS_ROWS;
        for (int l = 0; l < k; l++) {
            double bll = B[l + (size_t) l * k];
            if (!(bll > 0)) continue;
            hals_gemv(rb, k, M + r0, len, B + (size_t) l * k, tmp);
            double *Ml = M + (size_t) l * len + r0;
            const double *Al = A + (size_t) l * len + r0;
            /* the floor without a branch: the rows that reach the sweeps
             * are those whose solution hits it, so a branch there was a
             * coin toss for the predictor */
            for (int i = 0; i < rb; i++) {
                double v = Ml[i] + (Al[i] - l1 - tmp[i]) / bll;
                v = v > eps ? v : eps;
                double d = v - Ml[i];
                change += d * d;
                Ml[i] = v;
            }
        }
    }
    return change;
}

/* Up to q sweeps with a global stop: when a sweep changes M by at most
 * delta^2 times what the first sweep changed it (squared norms). */
static void hals_cd(int len, int k, double *M, const double *A,
                    const double *B, double eps, double l1, int q,
                    double delta, double *tmp)
{
    double first = 0.0;
    for (int s = 0; s < q; s++) {
        double c = hals_sweep(len, k, M, A, B, eps, l1, tmp);
        if (s == 0) first = c;
        else if (c <= delta * delta * first) break;
    }
}

/* The inner update of M given A and B.  Unless the plain algorithm is
 * asked for (exact = 0: control inner_max = 1), the exact unconstrained
 * solution A B^{-1} is computed first (one
 * Cholesky of the k x k Gram matrix, then two triangular solves, level-3
 * BLAS, or at rank 16 or less with AVX2 one pass of thin_simd.c's kernel
 * with B^{-1}, which also tests and stores the rows): every row whose solution is >= eps everywhere is the exact
 * minimizer of its subproblem, the point the sweeps converge to, and is
 * taken as is.  Only the other rows run the coordinate sweeps, gathered
 * into a compact block.  On data whose factors are dense (no entry at the
 * bound) this replaces tens of sweeps per iteration by one solve, and it
 * also applies when the sweep budget q is 1 (a factor much longer than the
 * other).  The shortcut is skipped when B is not safely positive definite
 * (reciprocal condition number below HALS_RCOND). */
#ifndef HALS_RCOND
#define HALS_RCOND 1e-10
#endif
/* The shortcut runs over blocks of HALS_XROWS rows, so its scratch (the
 * solution, and the rows gathered for the sweeps) is O(HALS_XROWS k), not
 * O(len k): a 20000 x 20 factor of sparse data needed 10 MB of it. */
#define HALS_XROWS 2048
#define HALS_XB(len) ((size_t) ((len) < HALS_XROWS ? (len) : HALS_XROWS))
/* The shortcut through the BLAS (when thin_simd.c's kernel does not
 * apply): S = (A - l1) B^{-1} for the block's rows, M set where S is
 * feasible; returns the number of other rows, listed in bad.  Integer
 * flags (ok) and index lists keep the loops free of data-dependent
 * branches (the double flags they replace took a sixth of a small layer's
 * time in mispredicted compares). */
static int hals_exact_blas(int len, int k, int r0, int rb, double *M,
                           const double *A, const double *R, double eps,
                           double l1, double *S, int *ok, int *bad)
{
    for (int l = 0; l < k; l++)
        memcpy(S + (size_t) l * rb, A + (size_t) l * len + r0,
               (size_t) rb * sizeof(double));
    if (l1 != 0) for (size_t j = 0; j < (size_t) rb * k; j++) S[j] -= l1;
    la_solve_right_chol(rb, k, R, S);
    const double inf = R_PosInf;
    for (int i = 0; i < rb; i++) ok[i] = 1;
    for (int l = 0; l < k; l++) {
        const double *Sl = S + (size_t) l * rb;
        for (int i = 0; i < rb; i++)
            ok[i] &= (Sl[i] >= eps) & (Sl[i] < inf);
    }
    int nc = 0;
    for (int i = 0; i < rb; i++) { bad[nc] = i; nc += !ok[i]; }
    for (int l = 0; l < k; l++) {
        double *Ml = M + (size_t) l * len + r0;
        const double *Sl = S + (size_t) l * rb;
        for (int i = 0; i < rb; i++) Ml[i] = ok[i] ? Sl[i] : Ml[i];
    }
    return nc;
}

/* The rows of block r0 .. r0 + rb - 1: the exact solution where it is
 * feasible, the sweeps (hals_cd, gathered into a compact block) for the
 * other rows.  R is the Cholesky factor of B and Binv its inverse, or NULL
 * (then the BLAS path makes the solution); w holds HALS_BWORK doubles. */
#define HALS_BWORK(len, k) (HALS_XB(len) * (3 * (size_t) (k) + 1) + HALS_ROWS)
static void hals_block(int len, int k, int r0, int rb, double *M, const double *A,
                       const double *B, const double *R, const double *Binv,
                       double eps, double l1, int q, double delta, double *w)
{
    size_t bk = HALS_XB(len) * k;
    double *tmp = w, *flag = tmp + HALS_ROWS, *S = flag + HALS_XB(len);
    double *Mc = S + bk, *Ac = Mc + bk;
    int *ok = (int *) flag, *bad = ok + HALS_XB(len);
    int nc = Binv ? hals_exact_simd(len, k, r0, rb, M, A, Binv, eps, l1, bad) : -1;
    if (nc < 0) nc = hals_exact_blas(len, k, r0, rb, M, A, R, eps, l1, S, ok, bad);
    if (nc == 0) return;
    for (int l = 0; l < k; l++) {
        const double *Ml = M + (size_t) l * len + r0, *Al = A + (size_t) l * len + r0;
        double *Mcl = Mc + (size_t) l * nc, *Acl = Ac + (size_t) l * nc;
        for (int j = 0; j < nc; j++) {
            Mcl[j] = Ml[bad[j]];
            Acl[j] = Al[bad[j]];
        }
    }
    hals_cd(nc, k, Mc, Ac, B, eps, l1, q, delta, tmp);
    for (int l = 0; l < k; l++) {
        double *Ml = M + (size_t) l * len + r0;
        const double *Mcl = Mc + (size_t) l * nc;
        for (int j = 0; j < nc; j++) Ml[bad[j]] = Mcl[j];
    }
}

/* work: HALS_WORK(len, k, threads) doubles.  The blocks of HALS_XROWS rows
 * are independent problems (each with its own sweeps' stop), so they run on
 * up to 'threads' threads, each with its own scratch, with the same result
 * for any number. */
#define HALS_WORK(len, k, threads) (2 * (size_t) (k) * (k) + 4 * (size_t) (k) + \
                                    (size_t) (threads) * HALS_BWORK(len, k))
static void hals_sweeps(int len, int k, double *M, const double *A,
                        const double *B, double eps, double l1, int q,
                        double delta, int exact, int threads, double *work)
{
    double *R = work, *Binv = R + (size_t) k * k, *cw = Binv + (size_t) k * k,
        *bw = cw + 4 * (size_t) k;
    if (!(exact && len > 0 && la_chol_rcond(k, B, R, cw) > HALS_RCOND)) {
        hals_cd(len, k, M, A, B, eps, l1, q, delta, bw);
        return;
    }
    /* thin_simd.c's kernel multiplies by B^{-1} (rank <= HALS_SIMD_KMAX) */
    if (k <= HALS_SIMD_KMAX && kl_simd_enabled()) la_chol_inverse(k, R, Binv);
    else Binv = NULL;
    int xb = (int) HALS_XB(len), nblk = (len + xb - 1) / xb;
    int nt = threads < nblk ? threads : nblk;
    if (nt < 1) nt = 1;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
#endif
    for (int b = 0; b < nblk; b++) {
        int th = 0;
#ifdef _OPENMP
        th = omp_get_thread_num();
#endif
        int r0 = b * xb, rb = len - r0 < xb ? len - r0 : xb;
        hals_block(len, k, r0, rb, M, A, B, R, Binv, eps, l1, q, delta,
                   bw + (size_t) th * HALS_BWORK(len, k));
    }
}

/* One row under a mask: up to q coordinate sweeps of m (k) with its own
 * Gram B (k x k) and product row a, same stop as hals_cd.  tmp unused.
 * A row observed only where component l of the other factor is (nearly)
 * zero has B[l, l] ~ 0: its entry l then has no bearing on the observed
 * entries and the exact coordinate step (a_l - ...) / B[l, l] would send it
 * anywhere (entries of 1e14 were seen on sparse data with mask = "zeros",
 * where such rows are common).  Such entries, B[l, l] at most HALS_ROW_TINY
 * times the largest diagonal, are left as they are. */
#define HALS_ROW_TINY 1e-12
static void hals_row(int k, double *m, const double *a, const double *B,
                     double eps, double l1, int q, double delta, double *tmp)
{
    (void) tmp;
    double first = 0.0, dmax = 0.0;
    for (int l = 0; l < k; l++)
        if (B[l + (size_t) l * k] > dmax) dmax = B[l + (size_t) l * k];
    double tiny = HALS_ROW_TINY * dmax;
    for (int s = 0; s < q; s++) {
        double change = 0.0;
        for (int l = 0; l < k; l++) {
            const double *Bl = B + (size_t) l * k;
            double bll = Bl[l];
            if (!(bll > tiny)) continue;
            double g = a[l] - l1;
            for (int j = 0; j < k; j++) g -= Bl[j] * m[j];
            double v = m[l] + g / bll;
            if (!(v > eps)) v = eps;
            change += (v - m[l]) * (v - m[l]);
            m[l] = v;
        }
        if (s == 0) first = change;
        else if (change <= delta * delta * first) break;
    }
}

void nmf_hals(const xmat *X, int k, double *W, double *Ht,
              const nmf_opts *o, nmf_result *res)
{
    int len = X->m > X->n ? X->m : X->n, nt = X->threads > 1 ? X->threads : 1;
    nmf_frob_run(X, k, W, Ht, o, res, hals_sweeps, HALS_WORK(len, k, nt), hals_row);
}
