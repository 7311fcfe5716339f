## Issue 19: the measurements behind the stopping rule (src/nmf_common.c,
## ?mlnmf "Stopping").  Run from the package root with mlnmf installed:
##     Rscript bench/stopping.R
## 1. Two forms of the improvement test, replayed on traces of long runs
##    (tol = 0) of the monotone solvers (MU, KL) and of plain HALS:
##      current  e[t-10] - e[t] <= 10 tol e[t]   (the package's rule)
##      start    e[t-10] - e[t] <= 10 tol e[0]   (scikit-learn's form)
##    both with the floor e[t] <= 100 tol; reported: the stopping
##    iteration and the error there against the long run's.
##    Cases: the 20 exact 6 x 4 matrices of scikit-learn's test (rank 4,
##    random starts; "ok" = max |X - W H| < 0.015, as in test-stopping.R;
##    for KL, whose iterations are replayed in R from a random start of
##    R's own, the square root of the relative divergence below 1e-3),
##    dense W H + |N(0, 0.5)| (300 x 200, rank 10) and sparse Poisson
##    counts (400 x 300), seeds 1-3.
## 2. The paper's data set 1 (100 layers, rank 10, the defaults) at four
##    values of tol: iterations, CPU time and the cascade's error.
suppressMessages(library(Matrix))
library(mlnmf)
tol <- 1e-5
stop_at <- function(tr, tol, form, w = 10L) {
  e <- sqrt(cummin(tr))
  for (t in seq_along(tr)[-1L] - 1L) {
    et <- e[t + 1L]
    ref <- if (form == "current") et else e[1L]
    if (min(tr[seq_len(t + 1L)]) <= 10 * .Machine$double.eps || et <= 100 * tol ||
        (t >= w && e[t + 1L - w] - et <= w * tol * ref)) return(t)
  }
  NA_integer_
}
cat("## 1. the two forms of the improvement test (tol = 1e-5, floor 100 tol)\n")
## long runs measured at every iteration: plain HALS, MU, and KL through
## its reference step in R (the package's KL measures every 10 iterations)
long_trace <- function(X, k, m, maxit, init = "random") {
  if (m == "kl") {
    X <- as.matrix(X); X <- X / max(X)
    ## a random start in R, the same for both forms
    W <- matrix(runif(nrow(X) * k), nrow(X)); H <- matrix(runif(k * ncol(X)), k)
    d <- function(W, H) { Y <- W %*% H; sum(ifelse(X > 0, X * log(X / Y), 0) - X + Y) / sum(X) }
    tr <- d(W, H)
    for (i in seq_len(maxit)) {
      W <- pmax(W * ((X / (W %*% H)) %*% t(H)) / matrix(rowSums(H), nrow(W), k, byrow = TRUE), 1e-16)
      H <- pmax(H * crossprod(W, X / (W %*% H)) / colSums(W), 1e-16)
      tr <- c(tr, d(W, H))
    }
    return(list(trace = tr))
  }
  fit <- suppressWarnings(nmf(X, k, method = m, init = init, maxit = maxit, tol = 0,
                              control = list(extrapolate = FALSE)))
  list(trace = fit$trace[[1]])
}
rows <- list()
for (m in c("hals", "mu", "kl")) {
  for (form in c("current", "start")) {
    ok <- 0L; its <- integer()
    for (s in 1:20) {
      set.seed(s); X <- matrix(abs(rnorm(24)), 6, 4)
      ## the error at the stop, from a fit with exactly that many iterations
      set.seed(s); tr <- long_trace(X, 4, m, 1000)$trace
      t <- stop_at(tr, tol, form); if (is.na(t)) t <- 1000L
      its <- c(its, t)
      if (m == "kl") {
        ok <- ok + (sqrt(tr[t + 1L]) < 1e-3)   # (KL: sqrt of the relative divergence < 1e-3)
      } else {
        set.seed(s); X <- matrix(abs(rnorm(24)), 6, 4)
        fit <- suppressWarnings(nmf(X, 4, method = m, init = "random", maxit = t, tol = 0,
                                    control = list(extrapolate = FALSE)))
        ok <- ok + (max(abs(X - fit$F[[1]] %*% fit$G[[1]])) < 0.015)
      }
    }
    rows[[length(rows) + 1L]] <- data.frame(case = "exact 6x4 (20)", method = m, form = form,
      result = sprintf("%d of 20 ok, median stop %g", ok, median(its)))
  }
}
k <- 10L
for (s in 1:3) for (m in c("mu", "kl")) for (kind in c("dense", "sparse")) {
  set.seed(s)
  Xd <- matrix(runif(300 * k), 300) %*% matrix(runif(k * 200), k) +
    abs(matrix(rnorm(300 * 200, sd = 0.5), 300))
  L <- matrix(rexp(400 * k), 400) %*% matrix(rexp(k * 300), k) * 0.03
  Xs <- Matrix(rpois(length(L), L), 400, 300, sparse = TRUE)
  X <- if (kind == "dense") Xd else Xs
  set.seed(s); tr <- long_trace(X, k, m, 3000, init = "nndsvda")$trace
  for (form in c("current", "start")) {
    t <- stop_at(tr, tol, form)
    rows[[length(rows) + 1L]] <- data.frame(case = paste(kind, "seed", s), method = m, form = form,
      result = if (is.na(t)) "no stop in 3000" else
        sprintf("stop %d, e %.5g, long run (%d) %.5g, excess %.2g%%", t, sqrt(tr[t + 1L]),
                min(10L * t, 3000L), sqrt(tr[min(10L * t, 3000L) + 1L]),
                100 * (sqrt(tr[t + 1L]) / sqrt(tr[min(10L * t, 3000L) + 1L]) - 1)))
  }
}
print(do.call(rbind, rows), right = FALSE, row.names = FALSE)

cat("\n## 2. the paper's data set 1, 100 layers at rank 10, by tol\n")
set.seed(1); X1 <- simulate_gaussian_mixture(1000, 10)
for (tl in c(1e-4, 1e-5, 1e-6, 1e-7)) {
  t0 <- proc.time()[["user.self"]]
  fit <- suppressWarnings(mlnmf(X1, 10, layers = 100, tol = tl, maxit = 5000, threads = 1))
  cat(sprintf("tol %g (floor %g): %.2f s CPU, %d iterations (layer 1: %d; layers 2-100: median %g), not converged %d, error after layer 1 %.3g, after 100 %.3g\n",
              tl, 100 * tl, proc.time()[["user.self"]] - t0, sum(fit$iter), fit$iter[1],
              median(fit$iter[-1]), sum(!fit$converged), fit$error[1], fit$error[100]))
}
cat("load average:", readLines("/proc/loadavg"), "\n")
print(extSoftVersion()["BLAS"])
