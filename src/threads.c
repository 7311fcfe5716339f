/*
 * threads.c: every thread count that reaches OpenMP, and the BLAS's own
 * threads.
 *
 * mlnmf_threads() is the one clamp: whatever a caller asks for (a .Call
 * entry called directly, an option, a corrupted list), OpenMP gets between
 * 1 and the processors this process may run on (omp_get_num_procs(), which
 * follows the affinity mask, as nproc does), at most OMP_THREAD_LIMIT.
 * The R side reduces the same way (check_threads() in R/checks.R); the
 * clamp here keeps a direct call from starting 20000 threads.
 *
 * The BLAS's threads: an OpenBLAS built with pthreads (Debian's default)
 * keeps its own pool, whose idle threads spin (sched_yield) for a while
 * after each call, as idle OpenMP threads spin after each parallel region.
 * With both pools busy on the same cores they take turns, and a fit with
 * threads = 2 beside OpenBLAS at 2 threads ran slower than with threads = 1
 * (bench/README.md, issue 26).  So only one pool works at a time; the policy
 * (which pool, per call) is with_threads() in R/zzz.R, and this file gives
 * it the BLAS's count: mlnmf_blas_threads() reads it and sets it through
 * openblas_get_num_threads / openblas_set_num_threads, looked up at run
 * time (dlsym), so that mlnmf neither links against OpenBLAS nor needs it;
 * any other BLAS reads as NA and is left alone.  R restores the count with
 * on.exit(), so an error or an interrupt inside the .Call restores it too.
 */
#include "mlnmf.h"
#ifdef _OPENMP
#include <omp.h>
#endif
#ifndef _WIN32
#include <dlfcn.h>
#include <unistd.h>
#endif
#include <string.h>

int mlnmf_cores(void)
{
#ifdef _OPENMP
    int n = omp_get_num_procs();
#elif !defined(_WIN32) && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#else
    int n = 1;
#endif
    return n < 1 ? 1 : (int) n;
}

int mlnmf_threads(int requested)
{
    if (requested == NA_INTEGER || requested < 1) return 1;
    int lim = mlnmf_cores();
#ifdef _OPENMP
    int tl = omp_get_thread_limit();
    if (tl >= 1 && tl < lim) lim = tl;
#endif
    return requested < lim ? requested : lim;
}

/* .Call: the cores, read once by .onLoad */
SEXP mlnmf_cores_call(void)
{
    return ScalarInteger(mlnmf_cores());
}

typedef void (*set_fn)(int);
typedef int (*get_fn)(void);

static int blas_looked_up = 0;
static set_fn blas_set = NULL;
static get_fn blas_get = NULL;

static void blas_lookup(void)
{
    if (blas_looked_up) return;
    blas_looked_up = 1;
#if !defined(_WIN32) && defined(RTLD_DEFAULT)
    /* ISO C has no cast from an object pointer (dlsym's void *) to a
     * function pointer; POSIX guarantees they have the same size, so the
     * bytes are copied */
    void *s = dlsym(RTLD_DEFAULT, "openblas_set_num_threads"),
        *g = dlsym(RTLD_DEFAULT, "openblas_get_num_threads");
    if (s) memcpy(&blas_set, &s, sizeof s);
    if (g) memcpy(&blas_get, &g, sizeof g);
    if (!blas_set || !blas_get) blas_set = NULL, blas_get = NULL;
#endif
}

/* .Call: the BLAS's thread count (NA when it cannot be read: a BLAS other
 * than OpenBLAS), and with n >= 1 set it to n first returning the old count */
SEXP mlnmf_blas_threads(SEXP n)
{
    if ((!isInteger(n) && !isLogical(n)) || XLENGTH(n) != 1)
        error(_("'n' must be a single integer (NA: only read the count)"));
    blas_lookup();
    if (!blas_get) return ScalarInteger(NA_INTEGER);
    int old = blas_get(), v = asInteger(n);
    if (v != NA_INTEGER && v >= 1 && v != old) blas_set(v);   /* OpenBLAS caps it */
    return ScalarInteger(old);
}
