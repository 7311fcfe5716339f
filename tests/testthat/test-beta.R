## The beta-divergence family (issue 22): one C step against the plain-R
## reference (dense, sparse, masked, penalised), beta = 1 = the I-divergence
## solver, scikit-learn's test_beta_divergence and its refusals, and the
## fits' invariants.

beta_step <- function(X, W, H, beta, mask = NULL, pen = NULL)
  .Call(mlnmf:::C_mlnmf_step, X, W, H, c(3, beta), 1e-16, mask, pen)
beta_div <- function(X, W, H, beta, mask = NULL)
  .Call(mlnmf:::C_mlnmf_beta_div, X, W, H, as.double(beta), mask)

beta_problem <- function(seed, m = 30, n = 25, k = 4) {
  set.seed(seed)
  list(X = matrix(rpois(m * n, 1.5), m, n) + 0, W = matrix(runif(m * k), m, k),
       H = matrix(runif(k * n), k, n), O = matrix(runif(m * n) > 0.3, m, n))
}

betas <- c(0, 0.5, 1, 1.5, 2, 3, -0.6, 2.7)

test_that("one C step equals the plain-R step for every beta, dense and sparse", {
  pr <- beta_problem(1)
  for (beta in betas) {
    X <- if (beta <= 0) pr$X + 0.5 else pr$X     # no zeros for beta <= 0
    r <- ref_beta_step(X, pr$W, pr$H, beta, 1e-16)
    d <- beta_step(X, pr$W, pr$H, beta)
    s <- beta_step(methods::as(X, "CsparseMatrix"), pr$W, pr$H, beta)
    for (st in list(d, s)) {
      expect_equal(st$W, r$W, tolerance = 1e-12, label = sprintf("W, beta %g", beta))
      expect_equal(st$H, r$H, tolerance = 1e-12, label = sprintf("H, beta %g", beta))
    }
    expect_equal(beta_div(X, pr$W, pr$H, beta), ref_beta_div(X, pr$W %*% pr$H, beta),
                 tolerance = 1e-12)
    expect_equal(beta_div(methods::as(X, "CsparseMatrix"), pr$W, pr$H, beta),
                 ref_beta_div(X, pr$W %*% pr$H, beta), tolerance = 1e-12)
  }
})

test_that("one masked C step equals the plain-R masked step (pattern and mask = 'zeros', with L1)", {
  pr <- beta_problem(2)
  pen <- list(l1 = c(0.1, 0.2), l2 = c(0, 0))
  for (beta in c(0, 0.5, 1, 1.5, 2, 3)) {
    X <- if (beta <= 0) pr$X + 0.5 else pr$X
    r <- ref_beta_step(X, pr$W, pr$H, beta, 1e-16, obs = pr$O)
    for (x in list(X, methods::as(X, "CsparseMatrix"))) {
      desc <- mlnmf:::resolve_mask(!pr$O, x)$desc
      st <- beta_step(x, pr$W, pr$H, beta, desc)
      expect_equal(st$W, r$W, tolerance = 1e-12)
      expect_equal(st$H, r$H, tolerance = 1e-12)
      expect_equal(beta_div(x, pr$W, pr$H, beta, desc),
                   ref_beta_div(X, pr$W %*% pr$H, beta, pr$O), tolerance = 1e-12)
    }
    if (beta <= 0) next
    z <- mlnmf:::resolve_mask("zeros", methods::as(X, "CsparseMatrix"))
    rz <- ref_beta_step(X, pr$W, pr$H, beta, 1e-16, obs = X > 0, l1 = pen$l1)
    st <- beta_step(z$X, pr$W, pr$H, beta, z$desc, pen)
    expect_equal(st$W, rz$W, tolerance = 1e-12)
    expect_equal(st$H, rz$H, tolerance = 1e-12)
  }
})

test_that("beta = 1 is today's KL fit, whichever way it is asked for", {
  pr <- beta_problem(3, 40, 30)
  fits <- lapply(list(list(method = "kl"), list(beta = 1), list(method = "beta", beta = 1)),
                 function(a) {
                   set.seed(5)
                   suppressWarnings(do.call(nmf, c(list(pr$X, 4, maxit = 60), a)))
                 })
  for (f in fits[-1]) {
    expect_identical(f$F, fits[[1]]$F)
    expect_identical(f$G, fits[[1]]$G)
    expect_identical(f$objective, fits[[1]]$objective)
    expect_identical(f$beta, 1)
  }
  set.seed(5)
  f2 <- nmf(pr$X, 4, beta = 2, maxit = 50)
  expect_identical(f2$method, "hals")
})

## scikit-learn's test_beta_divergence: _beta_divergence against the plain
## dense reference _beta_divergence_dense (ported below, with its floor of
## 1e-9 at the nonzeros), X = rng.randn(20, 10) clipped at 0, dense and
## sparse, beta in (0, 0.5, 1, 1.5, 2, 3), to 7 decimals.  For beta = 0
## scikit-learn's reference subtracts X.size where the Itakura-Saito terms
## x/y - log(x/y) - 1 over the nonzeros subtract their number: the two
## differ by the number of zeros, which mlnmf leaves out (a fit refuses
## beta <= 0 with observed zeros).
sk_beta_divergence_dense <- function(X, W, H, beta) {
  WH <- W %*% H
  if (beta == 2) return(sum((X - WH)^2) / 2)
  nz <- X != 0
  WHn <- pmax(WH[nz], 1e-9); Xn <- X[nz]
  if (beta == 1) return(sum(Xn * log(Xn / WHn)) + sum(WH) - sum(X))
  if (beta == 0) { d <- Xn / WHn; return(sum(d) - length(X) - sum(log(d))) }
  (sum(Xn^beta) + (beta - 1) * sum(WH^beta) - beta * sum(Xn * WHn^(beta - 1))) /
    (beta * (beta - 1))
}

test_that("scikit-learn's test_beta_divergence row passes (dense and sparse)", {
  set.seed(42)
  X <- pmax(matrix(rnorm(20 * 10), 20, 10), 0)
  W <- matrix(runif(20 * 5), 20, 5) * sqrt(mean(X) / 5)
  H <- matrix(runif(5 * 10), 5, 10) * sqrt(mean(X) / 5)
  S <- methods::as(X, "CsparseMatrix")
  for (beta in c(0, 0.5, 1, 1.5, 2, 3)) {
    ref <- sk_beta_divergence_dense(X, W, H, beta) + if (beta == 0) sum(X == 0) else 0
    expect_lt(abs(beta_div(X, W, H, beta) - ref), 1e-7)
    expect_lt(abs(beta_div(S, W, H, beta) - ref), 1e-7)
  }
})

## scikit-learn's test_nmf_negative_beta_loss: beta <= 0 on data with
## zeros is refused; on X + 1e-9 it fits without NaN; positive beta on the
## data with zeros (dense and sparse) fits without NaN.
test_that("beta <= 0 with zeros is refused as scikit-learn refuses it; the rest fits without NaN", {
  set.seed(42)
  X <- pmax(matrix(rnorm(6 * 5), 6, 5), 0)
  ok <- function(f) all(is.finite(unlist(f$F))) && all(is.finite(unlist(f$G))) &&
    is.finite(f$objective)
  for (beta in c(-0.6, 0)) {
    expect_error(nmf(X, 3, beta = beta, init = "random"),
                 sprintf("'beta' = %g <= 0 is infinite at zero entries, and 'X' has %d observed zero entries",
                         beta, sum(X == 0)))
    expect_error(nmf(methods::as(X, "CsparseMatrix"), 3, beta = beta), "observed zero entries")
    expect_true(ok(suppressWarnings(nmf(X + 1e-9, 3, beta = beta, init = "random", maxit = 1000))))
    expect_true(ok(suppressWarnings(nmf(X, 3, beta = beta, mask = "zeros", maxit = 200))))
  }
  for (beta in c(0.2, 1, 1.2, 2, 2.5)) {
    expect_true(ok(suppressWarnings(nmf(X, 3, beta = beta, method = "beta", init = "random",
                                        maxit = 1000))))
    expect_true(ok(suppressWarnings(nmf(methods::as(X, "CsparseMatrix"), 3, beta = beta,
                                        method = "beta", init = "random", maxit = 1000))))
  }
  ## a missing-value mask that covers every zero lets beta = 0 through
  expect_silent(suppressWarnings(nmf(X, 3, beta = 0, mask = X == 0, maxit = 20)))
  expect_error(nmf(X, 3, beta = 0, mask = X == 0 & row(X) > 1, maxit = 20),
               "observed zero entries")
})

test_that("the objective is the beta-divergence of the returned factors, and it never increases", {
  pr <- beta_problem(4, 50, 40, 3)
  for (beta in c(0, 0.5, 1.5, 3)) {
    X <- if (beta <= 0) pr$X + 0.5 else pr$X
    set.seed(1)
    f <- suppressWarnings(nmf(X, 3, beta = beta, maxit = 200, tol = 0))
    s <- 1 / max(X)      # the solver's units (where V is floored)
    expect_equal(f$objective, ref_beta_div(s * X, s * fitted(f), beta) / (s * sum(X)),
                 tolerance = 1e-10)
    tr <- f$trace[[1]]
    expect_length(tr, 201L)
    meas <- tr[!is.na(tr)]
    expect_equal(which(!is.na(tr)) - 1L, c(seq(0L, 200L, by = 10L)))
    expect_true(all(diff(meas) <= 1e-12 * meas[-1]), label = sprintf("monotone, beta %g", beta))
    expect_lt(meas[length(meas)], 0.9 * meas[1])
  }
})

test_that("sparse input gives the dense fit; the objective holds the L1 terms; predict, restarts, nmf_rank take beta", {
  pr <- beta_problem(5, 60, 40, 3)
  set.seed(2); fd <- suppressWarnings(nmf(pr$X, 3, beta = 1.5, maxit = 100, init = "random"))
  set.seed(2); fs <- suppressWarnings(nmf(methods::as(pr$X, "CsparseMatrix"), 3, beta = 1.5,
                                          maxit = 100, init = "random"))
  expect_equal(fs$F, fd$F, tolerance = 1e-10)
  expect_equal(fs$objective, fd$objective, tolerance = 1e-10)
  set.seed(2); fl <- suppressWarnings(nmf(pr$X, 3, beta = 1.5, maxit = 100, init = "random",
                                          L1 = c(0.5, 2)))
  s <- 1 / max(pr$X)
  expect_equal(fl$objective,
               (ref_beta_div(s * pr$X, s * fitted(fl), 1.5) + 0.5 * sum(fl$F[[1]]) +
                  2 * s * sum(fl$G[[1]])) / (s * sum(pr$X)), tolerance = 1e-10)
  expect_lt(sum(fl$F[[1]]) + s * sum(fl$G[[1]]), sum(fd$F[[1]]) + s * sum(fd$G[[1]]))
  p <- predict(fd, pr$X, maxit = 2000, tol = 0)
  expect_equal(ref_beta_div(pr$X, fd$F[[1]] %*% p, 1.5),
               ref_beta_div(pr$X, fitted(fd), 1.5), tolerance = 0.02)
  fr <- suppressWarnings(nmf(pr$X, 3, beta = 0.5, nrun = 3, seed = 1, maxit = 50))
  expect_identical(fr$method, "beta")
  expect_identical(fr$beta, 0.5)
  rk <- suppressWarnings(nmf_rank(pr$X, 1:2, reps = 1, seed = 1, beta = 1.5, maxit = 30))
  expect_true(all(is.finite(rk$table$test_error)))
  m <- suppressWarnings(mlnmf(pr$X, c(3, 2), beta = 0.5, maxit = 50))
  expect_identical(m$beta, 0.5)
  expect_output(print(m), "method \"beta\", beta = 0.5")
  expect_output(print(summary(m)), "beta-divergence \\(beta = 0.5\\)")
})
