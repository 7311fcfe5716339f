## Issue 19, part 2: the time of the Figure 1 experiment with the defaults,
## as a new user runs it: 100 data sets of simulate_gaussian_mixture(1000,
## 10), mlnmf(X, rank = 10, layers = 100), then permutation_test(fraction =
## c(0.05, 0.10, 0.15, 0.20), reps = 1), each data set inside
## parallel::mclapply(mc.cores = 2); and one 100-layer fit of data set 1
## with one thread (best of 3).  The BLAS is the process's (run it once
## per BLAS; OPENBLAS_NUM_THREADS=1).  BENCH_FIG1_SETS: number of data sets.
library(mlnmf)
library(parallel)
sets <- as.integer(Sys.getenv("BENCH_FIG1_SETS", "100"))
blas <- extSoftVersion()[["BLAS"]]
load0 <- readLines("/proc/loadavg")
set.seed(1); X1 <- simulate_gaussian_mixture(1000, 10)
## elapsed and CPU time (user + system): on a shared machine the elapsed
## time includes waiting for a core, the CPU time does not
cpu <- function(p) p[["user.self"]] + p[["sys.self"]] + p[["user.child"]] + p[["sys.child"]]
one <- t(vapply(1:3, function(i) {
  p <- system.time(mlnmf(X1, rank = 10, layers = 100, threads = 1))
  c(elapsed = p[["elapsed"]], cpu = cpu(p))
}, c(elapsed = 0, cpu = 0)))
f1 <- mlnmf(X1, rank = 10, layers = 100, threads = 1)
cat(sprintf("one fit of data set 1 (1 thread): best %.3f s elapsed, %.3f s CPU (3 runs); %d iterations; relative error %.3g; warnings: none; load %s\n",
            min(one[, "elapsed"]), min(one[, "cpu"]), sum(f1$iter), f1$error[100], readLines("/proc/loadavg")))
if (sets == 0L) quit(save = "no")
p0 <- proc.time()
t0 <- p0[["elapsed"]]
res <- mclapply(seq_len(sets), function(i) {
  set.seed(i)
  X <- simulate_gaussian_mixture(1000, 10)
  w <- 0L
  fit <- withCallingHandlers(mlnmf(X, rank = 10, layers = 100),
                             warning = function(c) { w <<- w + 1L; invokeRestart("muffleWarning") })
  p <- permutation_test(fit, fraction = c(0.05, 0.10, 0.15, 0.20), reps = 1, seed = 100000 + i)
  c(iter = sum(fit$iter), error = fit$error[100], warnings = w)
}, mc.cores = 2)
p1 <- proc.time()
el <- p1[["elapsed"]] - t0
r <- do.call(rbind, res)
cat(sprintf("full experiment (%d data sets, 2 cores): %.1f s elapsed, %.1f s CPU over both workers; iterations per fit median %g; final relative error median %.3g (range %.3g-%.3g); warnings %d\n",
            sets, el, cpu(p1) - cpu(p0), median(r[, "iter"]), median(r[, "error"]), min(r[, "error"]), max(r[, "error"]),
            sum(r[, "warnings"])))
cat("BLAS:", blas, "; OPENBLAS_NUM_THREADS =", Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"),
    "; load average at the start:", load0, "; at the end:", readLines("/proc/loadavg"), "\n")
