## Threads and the BLAS's threads (issue 26, parts 2 and 3).
##
## Part 1, the solvers: ms per iteration of HALS, MU and KL on a dense
## 2000 x 1000 matrix (rank 10; uniform for HALS and MU, Poisson(3) counts
## for KL) and a sparse 20000 x 5000 one (1% nonzero counts, rank 20), at
## threads = 1 and 2, and the ratio t(1) / t(2) (above 1: two threads are
## faster).  Per iteration = (t(maxit = 1 + M) - t(maxit = 1)) / M, best of
## 3 (BENCH_ITERS, BENCH_REPS), from a given random start, both thread
## counts in the same R process, interleaved.
## Part 2, the fixed cost: median time of nmf(golub, 3, maxit = 1) with and
## without 'seed', of predict() of 10 samples, and of 30 HALS restarts on
## Golub under future's default sequential plan and with
## options(mlnmf.future = FALSE).
##
## One BLAS per process: run it through bench/threads.sh, which starts it
## under the reference BLAS, OpenBLAS at its default thread count and
## OpenBLAS with one thread (R_LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS), or
## alone:  Rscript bench/threads.R [label]
suppressPackageStartupMessages(library(mlnmf))
library(Matrix)
label <- commandArgs(TRUE)[1]
if (is.na(label)) label <- basename(extSoftVersion()[["BLAS"]])
M <- as.integer(Sys.getenv("BENCH_ITERS", "10"))      # iterations timed
R <- as.integer(Sys.getenv("BENCH_REPS", "3"))        # best of R
load <- function() paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
cat(sprintf("## %s: BLAS %s, OPENBLAS_NUM_THREADS=%s, cores %d, load %s\n", label,
            extSoftVersion()[["BLAS"]], Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"),
            tryCatch(mlnmf:::.mlnmf_cores(), error = function(e) parallel::detectCores()), load()))

set.seed(20261207)
dense_u <- matrix(runif(2000 * 10), 2000) %*% matrix(runif(10 * 1000), 10) +
  matrix(runif(2000 * 1000, 0, 0.1), 2000)
dense_p <- matrix(rpois(2000 * 1000, 3), 2000) + 0
sp <- rsparsematrix(20000, 5000, density = 0.01,
                    rand.x = function(n) as.numeric(rpois(n, 2) + 1))
cases <- list(
  list("hals", "dense", dense_u, 10), list("mu", "dense", dense_u, 10),
  list("kl", "dense", dense_p, 10),
  list("hals", "sparse", sp, 20), list("mu", "sparse", sp, 20),
  list("kl", "sparse", sp, 20))
el <- function(expr) { t0 <- proc.time()[["elapsed"]]; force(expr); proc.time()[["elapsed"]] - t0 }
## from one given start per case (runif, seed fixed): NNDSVD's randomized
## range finder on the sparse data varies by seconds from call to call,
## which made t(1 + M) - t(1) negative in a first run
starts <- list()
fit_time <- function(cs, th, maxit) {
  key <- paste(cs[[1]], cs[[2]])
  if (is.null(starts[[key]])) {
    set.seed(2)
    starts[[key]] <<- list(F = matrix(runif(nrow(cs[[3]]) * cs[[4]]), nrow(cs[[3]])),
                           G = matrix(runif(cs[[4]] * ncol(cs[[3]])), cs[[4]]))
  }
  el(suppressWarnings(nmf(cs[[3]], cs[[4]], method = cs[[1]], tol = 0, init = starts[[key]],
                          maxit = maxit, threads = th, keep.data = FALSE)))
}
if (nzchar(Sys.getenv("BENCH_ONLY"))) cases <- cases[grepl(Sys.getenv("BENCH_ONLY"),
                                                   vapply(cases, function(cs) paste(cs[[1]], cs[[2]]), ""))]
rows <- lapply(cases, function(cs) {
  per <- matrix(NA, R, 2)
  for (r in seq_len(R)) for (th in 1:2)   # interleaved: 1, 2, 1, 2, ...
    per[r, th] <- (fit_time(cs, th, M + 1) - fit_time(cs, th, 1)) / M
  b <- apply(per, 2, min) * 1000
  data.frame(blas = label, solver = cs[[1]], storage = cs[[2]],
             `ms/it, threads 1` = round(b[1], 1), `ms/it, threads 2` = round(b[2], 1),
             `t1 / t2` = round(b[1] / b[2], 2), load = load(), check.names = FALSE)
})
solvers <- do.call(rbind, rows)
print(solvers, row.names = FALSE)

## fixed cost: the median over blocks of 10 calls of the elapsed time per
## call (one call is near the 1 ms resolution of proc.time()), after 3
## warm-up calls, and the CPU time (user + system) per call over the same
## calls
data(golub, package = "mlnmf")
X <- golub$expr
med <- function(f, n = 50, block = 10) {
  for (i in 1:3) f()
  c0 <- sum(proc.time()[1:2])
  e <- vapply(seq_len(max(1, n %/% block)), function(b)
    el(for (i in seq_len(block)) f()) / block, 0)
  c(1000 * median(e), 1000 * (sum(proc.time()[1:2]) - c0) / (max(1, n %/% block) * block))
}
fit0 <- nmf(X, 3)
new10 <- X[, seq_len(10), drop = FALSE]
small <- med(function() suppressWarnings(nmf(X, 3, maxit = 1)))
seeded <- med(function() suppressWarnings(nmf(X, 3, maxit = 1, seed = 1)))
pred <- med(function() predict(fit0, new10))
fut <- requireNamespace("future", quietly = TRUE)
if (fut) future::plan(future::sequential)
## the two restart settings interleaved call by call (run in blocks, the
## second block profited from the first's warm caches and heap)
restarts <- function(use) {
  old <- options(mlnmf.future = if (use) NULL else FALSE)
  on.exit(options(old))
  c0 <- sum(proc.time()[1:2])
  e <- el(suppressWarnings(nmf(X, 3, nrun = 30, seed = 1)))
  c(e, sum(proc.time()[1:2]) - c0)
}
for (i in 1:2) { restarts(TRUE); restarts(FALSE) }
rr <- lapply(1:15, function(i) rbind(restarts(TRUE), restarts(FALSE)))
r_fut <- 1000 * c(median(vapply(rr, function(r) r[1, 1], 0)), mean(vapply(rr, function(r) r[1, 2], 0)))
r_nofut <- 1000 * c(median(vapply(rr, function(r) r[2, 1], 0)), mean(vapply(rr, function(r) r[2, 2], 0)))
tab <- rbind(small, seeded, pred, r_fut, r_nofut)
fixed <- data.frame(blas = label,
                    what = c("nmf(golub$expr, 3, maxit = 1)", "the same with seed = 1",
                             "predict() of 10 samples",
                             "30 HALS restarts, future's sequential plan",
                             "30 HALS restarts, options(mlnmf.future = FALSE)"),
                    `median ms` = round(tab[, 1], 2), `CPU ms per call` = round(tab[, 2], 2),
                    load = load(), check.names = FALSE)
print(fixed, row.names = FALSE)
cat(sprintf("30 restarts, sequential plan / no futures: %.2f (median), %.2f (CPU); future.apply installed: %s\n",
            r_fut[1] / r_nofut[1], r_fut[2] / r_nofut[2],
            requireNamespace("future.apply", quietly = TRUE)))
out <- Sys.getenv("BENCH_OUT")
if (nzchar(out)) saveRDS(list(solvers = solvers, fixed = fixed), out)
