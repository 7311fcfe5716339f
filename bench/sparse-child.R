## One sparse fit in a fresh process (called by sparse.R): elapsed time,
## relative error (the same Gram-identity formula for every package), peak
## resident memory above the level after loading the data, iterations.
args <- commandArgs(TRUE)
who <- args[1]; maxit <- as.integer(args[2]); thr <- as.integer(args[3])
suppressPackageStartupMessages({ library(Matrix); library(mlnmf); library(RcppML) })
A <- readRDS(args[4])
k <- 20
RcppML::setRcppMLthreads(thr)
status <- function(key) {
  l <- grep(paste0("^", key, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", l)) / 1024        # MiB
}
rel_err_sparse <- function(A, W, H) {
  a2 <- sum(A@x^2)
  sqrt(max(0, a2 - 2 * sum(W * (A %*% t(H))) + sum(crossprod(W) * tcrossprod(H))) / a2)
}
set.seed(1)
invisible(gc(full = TRUE))
cat("5", file = "/proc/self/clear_refs")
rss0 <- status("VmRSS")
t0 <- proc.time()[["elapsed"]]
if (who == "RcppML") {
  r <- RcppML::nmf(A, k, tol = 1e-12, maxit = maxit, verbose = FALSE, seed = 1)
  W <- r$w %*% diag(r$d); H <- r$h; it <- maxit
} else {
  m <- sub("^mlnmf ", "", who)
  f <- suppressWarnings(mlnmf::nmf(A, k, method = m, tol = 0, maxit = maxit,
                                   threads = thr, keep.data = FALSE))
  W <- f$F[[1]]; H <- f$G[[1]]; it <- f$iter
}
tm <- proc.time()[["elapsed"]] - t0
peak <- status("VmHWM") - rss0
cat(sprintf("RESULT\t%.3f\t%.6f\t%.1f\t%d\n", tm, rel_err_sparse(A, W, H), peak, it))
