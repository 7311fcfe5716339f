## The limit table's dense KL case alone (bench/limit.R), threads 1 and 2: ms per
## iteration, (t(maxit = 11) - t(maxit = 1)) / 10 from a given start, best of 3.
## Run once per BLAS (R_LD_LIBRARY_PATH), e.g. the reference BLAS.
suppressPackageStartupMessages(library(mlnmf))
set.seed(20261207); Xp <- matrix(rpois(2000 * 1000, 3), 2000) + 0
set.seed(2); init <- list(F = matrix(runif(2000 * 10), 2000), G = matrix(runif(10 * 1000), 10))
ft <- function(th, mi) system.time(suppressWarnings(nmf(Xp, 10, method = "kl", tol = 0, init = init, maxit = mi, threads = th, keep.data = FALSE)))[[3]]
for (th in 1:2) cat("threads", th, "ms/it", round(1000 * min(replicate(3, (ft(th, 11) - ft(th, 1)) / 10)), 1), "\n")
