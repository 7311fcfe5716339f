## The stopping rule of the one-layer solvers (src/nmf_common.c,
## nmf_stopper) and the extrapolated HALS in a cascade (issue 11).

## e_t = sqrt(cummin(trace)); the documented rule, evaluated in R
rule_met <- function(trace, tol, w = 10L) {
  e <- sqrt(cummin(trace))
  t <- length(e) - 1L
  et <- e[t + 1L]
  min(trace) <= 10 * .Machine$double.eps || et <= tol ||
    (t >= w && e[t + 1L - w] - et <= w * tol * et)
}

test_that("scikit-learn's exact-rank case: 6 x 4 at rank 4 from random starts", {
  ## scikit-learn's test_nmf_inverse_transform on 20 matrices: the old rule
  ## (change of the squared objective against its start) stopped MU and KL
  ## early on most of them.  Misses left: a local minimum (HALS) and fits
  ## still improving at maxit = 1000 (MU, KL), which say so.
  for (m in c("hals", "mu", "kl")) {
    ok <- 0L
    for (s in 1:20) {
      set.seed(s)
      X <- matrix(abs(rnorm(24)), 6, 4)
      fit <- suppressWarnings(nmf(X, 4, method = m, init = "random", maxit = 1000))
      err <- max(abs(X - fit$F[[1]] %*% fit$G[[1]]))
      ok <- ok + (err < 0.015)
      tr <- fit$trace[[1]]
      ## converged exactly when the documented rule holds at the last iteration
      if (fit$converged) {
        expect_true(rule_met(tr, 1e-5), label = paste(m, s))
        ## and it did not hold earlier (no stop missed) on accepted iterations
        ## of the monotone solvers
        if (m != "hals" && length(tr) > 2L)
          expect_false(rule_met(tr[-length(tr)], 1e-5), label = paste(m, s, "earlier"))
      } else expect_identical(fit$iter, 1000L, label = paste(m, s))
    }
    expect_gte(ok, 18L, label = m)
  }
})

test_that("'did not converge' is said exactly when maxit is reached", {
  set.seed(3)
  X <- lowrank(30, 20, 3) + matrix(runif(600, 0, 0.1), 30, 20)
  for (m in c("hals", "mu", "kl")) {
    expect_warning(fit <- nmf(X, 3, method = m, maxit = 5), "did not converge")
    expect_false(fit$converged)
    expect_silent(fit <- nmf(X, 3, method = m, maxit = 5000))
    expect_true(fit$converged)
    expect_lt(fit$iter, 5000L)
    expect_true(rule_met(fit$trace[[1]], 1e-5), label = m)
  }
})

test_that("the rule is free of the data's units", {
  set.seed(4)
  X <- lowrank(20, 15, 3) + matrix(runif(300, 0, 0.05), 20, 15)
  for (m in c("hals", "mu", "kl")) {
    a <- suppressWarnings(nmf(X, 3, method = m))
    b <- suppressWarnings(nmf(X * 1e6, 3, method = m))
    expect_identical(a$iter, b$iter, label = m)
    expect_equal(a$error, b$error, tolerance = 1e-8, label = m)
  }
})

test_that("extrapolation does not make a cascade worse than plain HALS", {
  ## normalize = "none": extrapolation drifted the column scales of the
  ## factors, so deep layers saw ill-scaled inputs (final errors 0.16 against
  ## 0.004 at 10 layers before the fix)
  for (s in 1:3) {
    set.seed(s)
    X <- simulate_gaussian_mixture(1000, 10)
    ex <- suppressWarnings(mlnmf(X, 10, layers = 10, normalize = "none", maxit = 300))
    pl <- suppressWarnings(mlnmf(X, 10, layers = 10, normalize = "none", maxit = 300,
                                 control = list(extrapolate = FALSE)))
    expect_lte(ex$error[10], 1.05 * pl$error[10], label = paste("seed", s))
    ## the extrapolated layers come back with balanced column pairs
    for (i in 1:10) {
      r <- sqrt(colSums(ex$F[[i]]^2)) / sqrt(rowSums(ex$G[[i]]^2))
      expect_equal(unname(r / r[1]), rep(1, 10), tolerance = 1e-8)  # (up to the input scale)
    }
  }
})
