## Load-time settings of the C core.
##
## The products with a large dense X run over blocks of 64 columns when the
## BLAS is R's reference BLAS, which does not block for the cache (twice as
## fast there), and as one BLAS call otherwise (an optimised BLAS blocks
## itself; the column blocks cost OpenBLAS 15% per HALS iteration).
## options(mlnmf.blocked_products = TRUE or FALSE), set before the package
## is loaded, overrides the guess.
.onLoad <- function(libname, pkgname) {
  .mlnmf_state$cores <- .Call(C_mlnmf_cores_call)
  blocked <- getOption("mlnmf.blocked_products")
  if (!(isTRUE(blocked) || isFALSE(blocked))) blocked <- reference_blas()
  .Call(C_mlnmf_set_blocked, blocked)
  ## the vector KL pass (src/xops_sweep.c), on where the processor has
  ## AVX2 and FMA; options(mlnmf.simd = FALSE) turns it off
  if (isFALSE(getOption("mlnmf.simd"))) .Call(C_mlnmf_set_simd, FALSE)
  invisible()
}

## Is the BLAS R uses the reference implementation?  R's own libRblas, or
## Netlib's libblas (Debian's "blas" alternative); an empty or unknown answer
## counts as the reference (R's default build).
reference_blas <- function(blas = tryCatch(extSoftVersion()[["BLAS"]],
                                           error = function(e) "")) {
  if (!is.character(blas) || length(blas) != 1L || is.na(blas) || !nzchar(blas))
    return(TRUE)
  if (grepl("openblas|mkl|blis|atlas|accelerate|veclib|flexiblas|armpl|goto",
            blas, ignore.case = TRUE))
    return(FALSE)
  grepl("Rblas|/blas/|refblas|libblas\\.so", blas)
}

## State read once per session: the processors this process may use
## (OpenMP's omp_get_num_procs(), which follows the affinity mask like
## nproc; without OpenMP, sysconf()), read by .onLoad through C.  Reading
## them in C starts no process: parallel::detectCores() runs a shell
## pipeline (grep | wc) at every call.
.mlnmf_state <- new.env(parent = emptyenv())
.mlnmf_cores <- function() {
  n <- .mlnmf_state$cores
  if (is.null(n)) n <- .mlnmf_state$cores <- .Call(C_mlnmf_cores_call)
  n
}

## Threads that compose with the BLAS's threads.  run(threads) makes the
## .Call with the thread count for OpenMP.  When mlnmf is asked for more
## than one thread and the BLAS is OpenBLAS running several threads of its
## own (its count is read at run time, src/threads.c), the two pools would
## take turns on the same cores: the idle threads of each spin for a while
## after its own work, during the other's, and a fit with threads = 2 ran
## slower than with threads = 1 (bench/README.md, issue 26).  So only one
## pool works:
##  - dense data: the BLAS's products are most of the work, and OpenBLAS
##    already runs them on its threads; mlnmf's passes run on one thread;
##  - sparse data: mlnmf's own kernels are the work (the BLAS only sees
##    k x k and d x k products); OpenBLAS is set to one thread for the call
##    and given its count back afterwards (on.exit: also on an error or an
##    interrupt), and mlnmf's threads run the sparse products.
## With threads = 1, a single-threaded BLAS (R's reference BLAS,
## OPENBLAS_NUM_THREADS=1) or a BLAS whose count cannot be read (MKL,
## BLIS: set their threads or 'threads' yourself) nothing changes.
with_threads <- function(threads, sparse, run) {   # sparse: or own_kernels()
  if (threads > 1L) {
    blas <- blas_threads()
    if (!is.na(blas) && blas > 1L) {
      if (!sparse) {
        threads <- 1L
      } else {
        blas_threads(1L)
        on.exit(blas_threads(blas))
      }
    }
  }
  run(threads)
}

## Whether mlnmf's own kernels, not the BLAS's products, make the heavy work
## of a fit on a dense X without missing entries, on a processor with AVX2
## and FMA: the sweep of src/xops_sweep.c (the KL and beta-divergence
## passes, at rank 32 or less), and the products X H^T and X^T W of "hals"
## and "mu" at a first rank of 12 or less on an X of at least 2^17 entries
## (src/xops.c's xm_own_prod(), XM_OWN_KMAX and XM_PROD_MIN).
## with_threads() treats such a fit as a sparse one: OpenBLAS's threads
## would otherwise idle while the kernels ran on one thread.
own_kernels <- function(X, method, beta, rank, masked) {
  if (masked || !is.matrix(X) || !isTRUE(.Call(C_mlnmf_simd_state))) return(FALSE)
  sweep <- max(rank) <= 32 &&
    (identical(method, "kl") || (identical(method, "beta") && !isTRUE(beta == 2)))
  sweep || (method %in% c("hals", "mu") && rank[1L] <= 12 &&
              as.double(nrow(X)) * ncol(X) >= 2^17)
}

## The BLAS's thread count (NA: not OpenBLAS, or unknown), after setting
## it to n when n is given; the old count is returned.
blas_threads <- function(n = NA_integer_) .Call(C_mlnmf_blas_threads, as.integer(n))
