## One 100-layer fit of Figure 1's data set 1 (simulate_gaussian_mixture(1000,
## 10) after set.seed(1), mlnmf(X, rank = 10, layers = 100, threads = 1)),
## ten times: the best and median elapsed seconds, the iterations and the
## time per iteration.  The BLAS is the process's; run it once per build and
## BLAS, alternating builds (the machine's noise is 10-50%), e.g.
##   TAG="new ob" R_LIBS=/tmp/lib_new \
##     R_LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread:/usr/lib/R/lib \
##     OPENBLAS_NUM_THREADS=1 Rscript bench/figure1-onefit.R
suppressMessages(library(mlnmf))
set.seed(1); X1 <- simulate_gaussian_mixture(1000, 10)
t <- vapply(1:10, function(i)
  system.time(mlnmf(X1, rank = 10, layers = 100, threads = 1))[["elapsed"]], 0)
f1 <- mlnmf(X1, rank = 10, layers = 100, threads = 1)
cat(sprintf("%s: best %.3f s, median %.3f s (10 fits); %d iterations; %.1f us per iteration (best); relative error %.4f; mlnmf %s; BLAS %s\n",
            Sys.getenv("TAG", "fit"), min(t), median(t), sum(f1$iter),
            min(t) / sum(f1$iter) * 1e6, f1$error[100], packageVersion("mlnmf"),
            basename(extSoftVersion()[["BLAS"]])))
