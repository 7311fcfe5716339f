/* init.c: the registration table, nothing else. */
#include "mlnmf.h"

#define CALLDEF(name, n) {#name, (DL_FUNC) &name, n}

static const R_CallMethodDef CallEntries[] = {
    CALLDEF(mlnmf_fit, 6),
    CALLDEF(mlnmf_project, 4),
    CALLDEF(mlnmf_step, 7),
    CALLDEF(mlnmf_permute, 5),
    CALLDEF(mlnmf_pinv, 2),
    CALLDEF(mlnmf_dependence, 6),
    CALLDEF(mlnmf_scan, 1),
    CALLDEF(mlnmf_monomial_dist, 1),
    CALLDEF(mlnmf_na_pattern, 1),
    CALLDEF(mlnmf_finetune, 5),
    CALLDEF(mlnmf_set_blocked, 1),
    CALLDEF(mlnmf_set_simd, 1),
    CALLDEF(mlnmf_set_arena, 1),
    CALLDEF(mlnmf_simd_state, 0),
    CALLDEF(mlnmf_cores_call, 0),
    CALLDEF(mlnmf_blas_threads, 1),
    CALLDEF(mlnmf_beta_div, 5),
    CALLDEF(mlnmf_beta_pass, 6),
    {NULL, NULL, 0}
};

void R_init_mlnmf(DllInfo *dll)
{
    R_registerRoutines(dll, NULL, CallEntries, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
    R_forceSymbols(dll, TRUE);
}
