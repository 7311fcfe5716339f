## Load-time settings of the C core.
##
## The products with a large dense X run over blocks of 64 columns when the
## BLAS is R's reference BLAS, which does not block for the cache (twice as
## fast there), and as one BLAS call otherwise (an optimised BLAS blocks
## itself; the column blocks cost OpenBLAS 15% per HALS iteration).
## options(mlnmf.blocked_products = TRUE or FALSE), set before the package
## is loaded, overrides the guess.
.onLoad <- function(libname, pkgname) {
  blocked <- getOption("mlnmf.blocked_products")
  if (!(isTRUE(blocked) || isFALSE(blocked))) blocked <- reference_blas()
  .Call(C_mlnmf_set_blocked, blocked)
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
