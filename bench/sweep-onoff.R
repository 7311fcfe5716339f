## The sweep of src/xops_sweep.c switched on and off in one process
## (.Call(C_mlnmf_set_simd)), two alternations: CPU ms per iteration,
## (t(maxit = 21) - t(maxit = 1)) / 20, best of 3, from a given random
## start, for beta = 0 and 1.5 and KL on dense 2000 x 1000 data (Poisson(3)
## + 0.5) and beta = 1.5 on sparse counts (5% nonzero), rank 10, one thread.
## Choose the BLAS with R_LD_LIBRARY_PATH (bench/run-lib.sh).
##   Rscript bench/sweep-onoff.R
suppressPackageStartupMessages({ library(mlnmf); library(Matrix) })
set.seed(1); m <- 2000; n <- 1000; k <- 10
Xd <- matrix(rpois(m * n, 3), m) + 0.5
Xs <- rsparsematrix(m, n, 0.05, rand.x = function(n) rpois(n, 2) + 1)
W <- matrix(runif(m * k), m); H <- matrix(runif(k * n), k)
cpu <- function(X, beta, it)
  system.time(suppressWarnings(nmf(X, k, beta = beta, init = list(F = W, G = H), maxit = it,
                                   tol = 0, threads = 1)))[["user.self"]]
cat(sprintf("BLAS %s, load %s\n", basename(extSoftVersion()[["BLAS"]]),
            sub(" [0-9]+/.*", "", readLines("/proc/loadavg"))))
for (rep in 1:2) for (simd in c(TRUE, FALSE)) {
  .Call(mlnmf:::C_mlnmf_set_simd, simd)
  for (cs in list(list("dense", Xd, 0), list("dense", Xd, 1.5), list("sparse 5%", Xs, 1.5),
                  list("dense", Xd, 1))) {
    a <- min(replicate(3, cpu(cs[[2]], cs[[3]], 1)))
    b <- min(replicate(3, cpu(cs[[2]], cs[[3]], 21)))
    cat(sprintf("sweep %-5s %-9s beta %.1f: %.1f ms/it\n", simd, cs[[1]], cs[[3]],
                (b - a) / 20 * 1000))
  }
}
