## HALS on larger data with mlnmf's own kernels on and off in one process
## (.Call(mlnmf:::C_mlnmf_set_simd, on)), alternated five times: with an
## optimised BLAS the switch changes only src/thin_simd.c's kernels (HALS's
## shortcut at rank <= 16, the sweeps' gemv, the Grams of factors of at most
## 2^16 entries), so this checks that they cost nothing where the BLAS
## calls were large.  ms per iteration: (t(maxit = 21) - t(maxit = 1)) / 20
## from the same random start, tol = 0, one thread.  Dense 2000 x 1000
## (uniform) at ranks 10 and 5; sparse 20000 x 5000 at 1% (Poisson counts)
## at ranks 20 and 10.
suppressMessages(library(mlnmf))
set.seed(1)
D <- matrix(runif(2000 * 1000), 2000)
S <- Matrix::rsparsematrix(20000, 5000, 0.01, rand.x = function(n) rpois(n, 3) + 1)
cases <- list(dense10 = list(X = D, k = 10), dense5 = list(X = D, k = 5),
              sparse20 = list(X = S, k = 20), sparse10 = list(X = S, k = 10))
cat(sprintf("BLAS %s; load %s\n", basename(extSoftVersion()[["BLAS"]]),
            paste(readLines("/proc/loadavg"), collapse = " ")))
for (nm in names(cases)) {
  cs <- cases[[nm]]
  set.seed(2)
  st <- list(F = matrix(runif(nrow(cs$X) * cs$k), nrow(cs$X)),
             G = matrix(runif(cs$k * ncol(cs$X)), cs$k))
  res <- list(on = numeric(), off = numeric())
  for (r in 1:5) for (s in c(TRUE, FALSE)) {
    .Call(mlnmf:::C_mlnmf_set_simd, s)
    t1 <- system.time(suppressWarnings(nmf(cs$X, cs$k, init = st, maxit = 1, tol = 0, threads = 1)))[["elapsed"]]
    t2 <- system.time(suppressWarnings(nmf(cs$X, cs$k, init = st, maxit = 21, tol = 0, threads = 1)))[["elapsed"]]
    key <- if (s) "on" else "off"
    res[[key]] <- c(res[[key]], (t2 - t1) / 20 * 1e3)
  }
  cat(sprintf("%s: on %s | off %s ms per iteration; median of off / on %.2f\n", nm,
              paste(round(res$on, 1), collapse = " "), paste(round(res$off, 1), collapse = " "),
              median(res$off / res$on)))
}
