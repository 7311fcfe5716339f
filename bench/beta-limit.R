## Issue 22 / the standards' limit rule for the beta-divergence solver
## (dense pass, beta not in {1, 2}): ms per outer iteration of
##   mlnmf     (t(maxit = 1 + M) - t(maxit = 1)) / M, tol = 0, from a given
##             start, threads 1 and 2, best of 3
##   products  what an iteration cannot avoid: per side V = W H, then
##             (X o V^(b-2)) H^T and V^(b-1) H^T (or their W^T forms):
##             six products, made alone with the process's BLAS, best of 5
##   plain R   the same update (Fevotte-Idier exponent) as a plain-R loop
## Dense Poisson(3) + 0.5, 2000 x 1000, rank 10.  Run once per BLAS
## (R_LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS=1), e.g.
##   R_LIBS=/tmp/lib_dev Rscript bench/beta-limit.R
## To compare builds, run it once per library (R_LIBS), alternating.
suppressMessages(library(Matrix))
M <- 10L
best <- function(f, n = 3) min(vapply(seq_len(n), function(i) system.time(f())[["elapsed"]], 0))
set.seed(1)
X <- matrix(rpois(2000 * 1000, 3), 2000) + 0.5
k <- 10L
W <- matrix(runif(nrow(X) * k), nrow(X)); H <- matrix(runif(k * ncol(X)), k)
gam <- function(b) if (b < 1) 1 / (2 - b) else if (b > 2) 1 / (b - 1) else 1
plain <- function(X, W, H, b) {
  g <- gam(b)
  V <- W %*% H
  W <- pmax(W * (((X * V^(b - 2)) %*% t(H)) / (V^(b - 1) %*% t(H)))^g, 1e-16)
  V <- W %*% H
  H <- pmax(H * ((crossprod(W, X * V^(b - 2))) / crossprod(W, V^(b - 1)))^g, 1e-16)
  list(W, H)
}
products <- function() best(function() {
  V <- W %*% H; A <- V %*% t(H); B <- V %*% t(H)
  V <- W %*% H; A <- crossprod(W, V); B <- crossprod(W, V)
}, 5)
library(mlnmf)
lib <- dirname(system.file(package = "mlnmf"))
blas <- basename(extSoftVersion()[["BLAS"]])
prod_t <- products()
for (b in c(0, 1.5)) {
  pr <- best(function() { r <- list(W, H); for (i in seq_len(M)) r <- plain(X, r[[1]], r[[2]], b) }) / M
  for (th in 1:2) {
    fit <- function(mi) suppressWarnings(mlnmf::nmf(X, k, beta = b, maxit = mi, tol = 0, threads = th,
                                                    init = list(F = W, G = H), keep.data = FALSE))
    per <- (best(function() fit(1L + M)) - best(function() fit(1L))) / M
    cat(sprintf("| %s | %s | %g | %d | %.1f | %.1f | %.1f | %.2f | %.2f | %s |\n",
                blas, lib, b, th, 1000 * per, 1000 * prod_t, 1000 * pr, per / prod_t, pr / per,
                sub(" [0-9]+/.*", "", readLines("/proc/loadavg"))))
  }
}
