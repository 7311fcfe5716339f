/*
 * chain.c: prefix and suffix products of a multilayer factorization
 *     X ~ F_1 F_2 ... F_L G_L,   F_i (k_{i-1} x k_i), k_0 = d, G_L (k_L x N).
 *
 * With rk[0..L] = (d, k_1, ..., k_L):
 *   prefix  P_j = F_1 ... F_j                    d x rk[j],  j = 1..L
 *   suffix  S_j = F_{j+1} ... F_L G_L            rk[j] x N,  j = 0..L-1
 *           (S_L = G_L, S_0 = the full reconstruction)
 * Suffixes are kept transposed, T_j = S_j^T (N x rk[j]), the form the
 * products with X in xops.c take (xm_prod(X, T_j) = X S_j^T).  The
 * recurrences are
 *   P_j = P_{j-1} F_j                 (chain_prefix_step)
 *   T_j = T_{j+1} F_{j+1}^T           (chain_suffix_step)
 * Plain pointers and sizes only: the fine-tuning (finetune.c) and the
 * permutation protocol share them.
 */
#include "mlnmf.h"
#include <string.h>

/* Pout (d x k) = alpha * P (d x m) F (m x k); P == NULL stands for the
 * identity (m = d), so Pout = alpha * F. */
void chain_prefix_step(int d, int m, int k, const double *P, const double *F,
                       double alpha, double *Pout)
{
    if (P == NULL) {
        size_t len = (size_t) d * k;
        for (size_t t = 0; t < len; t++) Pout[t] = alpha * F[t];
        return;
    }
    la_gemm("N", "N", d, k, m, alpha, P, d, F, m, 0.0, Pout, d);
}

/* Tout (N x m) = T (N x k) F^T for F (m x k): the transposed suffix
 * S_{j-1} = F_j S_j. */
void chain_suffix_step(int N, int m, int k, const double *T, const double *F,
                       double *Tout)
{
    la_gemm("N", "T", N, m, k, 1.0, T, N, F, m, 0.0, Tout, N);
}

/* Every prefix: P[j] (d x rk[j], allocated by the caller) for j = 1..L,
 * P[j] = alpha F_1 ... F_j.  F[i] is F_{i+1} (0-based list). */
void chain_prefixes(int d, int L, const int *rk, const double *const *F,
                    double alpha, double **P)
{
    for (int j = 1; j <= L; j++)
        chain_prefix_step(d, rk[j - 1], rk[j], j == 1 ? NULL : P[j - 1],
                          F[j - 1], j == 1 ? alpha : 1.0, P[j]);
}

/* Every transposed suffix: T[j] (N x rk[j], allocated by the caller) for
 * j = from..L-1, from T[L] = G_L^T which the caller fills (it may point at
 * storage of its own). */
void chain_suffixes(int N, int L, int from, const int *rk,
                    const double *const *F, double **T)
{
    for (int j = L - 1; j >= from; j--)
        chain_suffix_step(N, rk[j], rk[j + 1], T[j + 1], F[j], T[j]);
}
