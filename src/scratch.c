/*
 * scratch.c: the C core's scratch memory, reused from layer to layer.
 *
 * Every temporary buffer of the C code comes from scratch_alloc(), which is
 * R_alloc() unless an arena is open (scratch_run()): then it is cut from
 * one block that the layers of a cascade share.  scratch_get() and
 * scratch_set() take the place of vmaxget() and vmaxset() and release both
 * kinds, last in, first out.
 *
 * Why: released R_alloc blocks are garbage for R's collector, and a deep
 * cascade of small layers (Figure 1: 100 layers of 10 x 1000, about 0.6 MB
 * of scratch each) made 60 MB of it per fit: R's collector ran about twice
 * per fit, 46-53 ms of a 0.3-0.4 s fit with Matrix loaded (more in a
 * session that holds more objects), and each layer touched fresh pages.
 *
 * The arena starts empty.  It records how much scratch was live at once
 * (need, counting the blocks it could not serve), and scratch_reserve(),
 * called where no scratch is live (between two layers), makes it that
 * large, up to a limit: larger layers keep R_alloc and the cascade's
 * explicit collection, so that the arena never holds a big layer's scratch
 * beside the next layer's output.  The block is an R vector kept by
 * R_PreserveObject and released when scratch_run() ends, also when the code
 * inside ends with an error or an interrupt (R_UnwindProtect), so nothing
 * outlives the .Call and no later call sees a stale arena.  Not for OpenMP
 * threads (nor is R_alloc).
 *
 * Under AddressSanitizer the free part of the block and a red zone after
 * each buffer are poisoned, so overruns are still reported.
 */
#include "mlnmf.h"
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
# define SCRATCH_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define SCRATCH_ASAN 1
# endif
#endif
#ifdef SCRATCH_ASAN
# include <sanitizer/asan_interface.h>
# define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
# define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
# define RED_ZONE 64
#else
# define POISON(p, n)   ((void) 0)
# define UNPOISON(p, n) ((void) 0)
# define RED_ZONE 0
#endif

#define ALIGN 64

static int arena_on = 1;     /* mlnmf_set_arena(): off, every buffer is R_alloc */

SEXP mlnmf_set_arena(SEXP flag)
{
    int on = util_flag(flag), old = arena_on;
    arena_on = on;
    return ScalarLogical(old);
}

static struct {
    int open;
    SEXP block;          /* the preserved RAWSXP, or NULL */
    char *base;          /* its first 64-byte aligned address */
    size_t cap;          /* usable bytes from base */
    size_t used;         /* bytes of the block in use */
    size_t vused;        /* bytes of scratch live, block or R_alloc */
    size_t need;         /* the most vused has been */
} A;

static size_t round_up(size_t b)
{
    return (b + (ALIGN - 1)) & ~(size_t) (ALIGN - 1);
}

void *scratch_alloc(size_t n, size_t size)
{
    if (!A.open) return R_alloc(n, (int) size);
    if (size && n > SIZE_MAX / size) error(_("scratch request too large"));
    size_t bytes = n * size, step = round_up(bytes) + RED_ZONE;
    A.vused += step;
    if (A.vused > A.need) A.need = A.vused;
    if (A.base && step <= A.cap - A.used) {
        char *p = A.base + A.used;
        A.used += step;
        UNPOISON(p, bytes);
        return p;
    }
    return R_alloc(n, (int) size);
}

scratch_mark scratch_get(void)
{
    scratch_mark m = { vmaxget(), A.used, A.vused };
    return m;
}

void scratch_set(scratch_mark m)
{
    vmaxset(m.vmax);
    if (!A.open) return;
    if (A.base && m.used < A.used) POISON(A.base + m.used, A.used - m.used);
    A.used = m.used;
    A.vused = m.vused;
}

static void drop_block(void)
{
    if (!A.block) return;
    UNPOISON(A.base, A.cap);
    R_ReleaseObject(A.block);
    A.block = NULL;
    A.base = NULL;
    A.cap = A.used = 0;
}

void scratch_reserve(size_t limit)
{
    if (!A.open || A.used != 0 || A.need <= A.cap || A.need > limit) return;
    size_t cap = A.need + A.need / 4;
    if (cap > limit) cap = A.need;
    drop_block();
    SEXP b = PROTECT(allocVector(RAWSXP, (R_xlen_t) (cap + ALIGN)));
    R_PreserveObject(b);
    UNPROTECT(1);
    A.block = b;
    A.base = (char *) (((uintptr_t) RAW(b) + (ALIGN - 1)) & ~(uintptr_t) (ALIGN - 1));
    A.cap = cap;
    POISON(A.base, A.cap);
}

static void close_arena(void *data, Rboolean jump)
{
    (void) data; (void) jump;
    drop_block();
    A.open = 0;
    A.vused = A.need = 0;
}

SEXP scratch_run(SEXP (*body)(void *), void *data)
{
    if (A.open || !arena_on) return body(data);   /* nested, or switched off */
    SEXP cont = PROTECT(R_MakeUnwindCont());
    A.open = 1;
    A.block = NULL;
    A.base = NULL;
    A.cap = A.used = A.vused = A.need = 0;
    SEXP ans = R_UnwindProtect(body, data, close_arena, NULL, cont);
    UNPROTECT(1);
    return ans;
}
