## The cascade's scratch arena (src/scratch.c) off and on in one process,
## fits interleaved (the machine's noise moves whole runs by 10-50%): one
## 100-layer fit of Figure 1's data set 1 (as bench/figure1-onefit.R), and
## predict() of its 1000 columns through the 100 layers.  Elapsed seconds per
## call, best and median of 15, and the seconds R's collector took per call
## (gc.time(); no gc() before the calls, as a user's script would not).
##   R_LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread:/usr/lib/R/lib \
##     OPENBLAS_NUM_THREADS=1 Rscript bench/arena-onoff.R
suppressMessages(library(mlnmf))
set_arena <- function(flag) .Call(mlnmf:::C_mlnmf_set_arena, flag)
set.seed(1); X1 <- simulate_gaussian_mixture(1000, 10)
fit <- mlnmf(X1, rank = 10, layers = 100, threads = 1)
n <- as.integer(Sys.getenv("BENCH_REPS", "15"))
gc.time(TRUE)
run <- function(what) {
  f <- switch(what,
              fit = function() mlnmf(X1, rank = 10, layers = 100, threads = 1),
              predict = function() predict(fit, X1, threads = 1))
  t <- g <- matrix(NA_real_, n, 2, dimnames = list(NULL, c("off", "on")))
  for (i in seq_len(n)) for (on in c(FALSE, TRUE)) {
    set_arena(on)
    g0 <- gc.time()[3]; t0 <- proc.time()[["elapsed"]]
    f()
    t[i, on + 1L] <- proc.time()[["elapsed"]] - t0
    g[i, on + 1L] <- gc.time()[3] - g0
  }
  set_arena(TRUE)
  data.frame(call = what, arena = colnames(t), best = apply(t, 2, min),
             median = apply(t, 2, median), "gc per call" = colMeans(g),
             check.names = FALSE)
}
tab <- rbind(run("fit"), run("predict"))
cat(sprintf("%d calls each, interleaved; BLAS %s, OPENBLAS_NUM_THREADS=%s; load %s\n\n", n,
            basename(extSoftVersion()[["BLAS"]]), Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"),
            sub(" [0-9]+/.*", "", readLines("/proc/loadavg"))))
cat("| call | arena | best s | median s | s in R's collector per call |\n|---|---|---|---|---|\n")
for (i in seq_len(nrow(tab)))
  cat(sprintf("| %s | %s | %.3f | %.3f | %.4f |\n", tab$call[i], tab$arena[i], tab$best[i],
              tab$median[i], tab[["gc per call"]][i]))
