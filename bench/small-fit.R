## Issue 26's fixed cost, for comparing two builds in alternation (a single
## run of bench/threads.sh moves by up to 50% between runs on a shared VM):
## the median over 30 blocks of 20 calls of the elapsed time per call of
## nmf(golub$expr, 3, maxit = 1), without and with seed = 1 (the maxit
## warning is muffled: it is the same in both).  TAG labels the output line.
##   for L in old new; do TAG=$L R_LIBS=/tmp/lib_$L Rscript bench/small-fit.R; done
suppressMessages(library(mlnmf))
data(golub, package = "mlnmf")
X <- golub$expr
quiet <- function(...) suppressWarnings(nmf(X, 3, maxit = 1, ...))
for (i in 1:20) invisible(quiet())
per_call <- function(...) {
  e <- numeric(30)
  for (b in seq_along(e)) {
    t0 <- proc.time()[[3]]
    for (i in 1:20) quiet(...)
    e[b] <- (proc.time()[[3]] - t0) / 20
  }
  1000 * median(e)
}
cat(sprintf("%s: %.2f ms, with seed = 1 %.2f ms (median per call; BLAS %s, OPENBLAS_NUM_THREADS=%s, load %s)\n",
            Sys.getenv("TAG", "mlnmf"), per_call(), per_call(seed = 1),
            basename(extSoftVersion()[["BLAS"]]), Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"),
            sub(" [0-9]+/.*", "", readLines("/proc/loadavg"))))
