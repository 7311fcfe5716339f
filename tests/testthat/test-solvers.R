## One C outer iteration against the pure-R reference step.
step <- function(X, W, H, method, eps = 1e-16)
  .Call(mlnmf:::C_mlnmf_step, X, W, H, match(method, c("hals", "mu", "kl")) - 1L, eps, NULL, NULL)

test_that("one C update step equals the pure-R reference step", {
  set.seed(11)
  X <- matrix(runif(30 * 25), 30, 25)
  W <- matrix(runif(30 * 4), 30, 4)
  H <- matrix(runif(4 * 25), 4, 25)
  X[1:3, 1:2] <- 0
  for (m in c("hals", "mu", "kl")) {
    ref <- switch(m, hals = ref_hals_step, mu = ref_mu_step, kl = ref_kl_step)
    got <- step(X, W, H, m)
    want <- ref(X, W, H, 1e-16)
    expect_lt(rdiff(got$W, want$W), 1e-12, label = paste(m, "W"))
    expect_lt(rdiff(got$H, want$H), 1e-12, label = paste(m, "H"))
  }
})

test_that("the epsilon floor holds after a step and no 0/0 appears", {
  set.seed(2)
  X <- matrix(runif(20 * 18), 20, 18)
  X[, 1] <- 0
  X[2, ] <- 0
  W <- matrix(runif(20 * 3), 20, 3)
  H <- matrix(runif(3 * 18), 3, 18)
  for (m in c("hals", "mu", "kl")) {
    got <- step(X, W, H, m, eps = 1e-10)
    expect_true(all(is.finite(got$W)) && all(is.finite(got$H)))
    expect_gte(min(got$W), 1e-10)
    expect_gte(min(got$H), 1e-10)
  }
})

test_that("HALS recovers an exact nonnegative low-rank matrix", {
  set.seed(3)
  X <- separable(60, 40, 4)
  fit <- nmf(X, 4, maxit = 5000, tol = 1e-14)
  expect_lt(fit$error, 1e-6)
  expect_lt(norm(X - fitted(fit), "F") / norm(X, "F"), 1e-6)
})

test_that("MU and KL objectives never increase", {
  set.seed(4)
  X <- matrix(runif(40 * 30), 40, 30)
  for (m in c("mu", "kl")) {
    fit <- suppressWarnings(nmf(X, 5, method = m, maxit = 300, tol = 0,
                                init = "random"))
    loss <- fit$trace[[1]]
    expect_length(loss, 301)
    ## "kl" measures its objective at iterations 0, 10, 20, ... only
    if (m == "kl") {
      expect_identical(which(!is.na(loss)), seq(1L, 301L, by = 10L))
      loss <- loss[!is.na(loss)]
    }
    expect_true(all(diff(loss) <= 1e-10 * loss[-1] + 1e-24), label = m)
  }
})

test_that("the reported objective matches a recomputation in R", {
  set.seed(5)
  X <- matrix(runif(25 * 20), 25, 20)
  fh <- nmf(X, 3, method = "hals", normalize = "none")
  W <- fh$F[[1]]
  H <- fh$G[[1]]
  expect_equal(fh$objective, sum((X - W %*% H)^2) / sum(X^2), tolerance = 1e-8)
  fk <- nmf(X, 3, method = "kl", normalize = "none")
  Y <- fk$F[[1]] %*% fk$G[[1]]
  expect_equal(fk$objective, sum(X * log(X / Y) - X + Y) / sum(X),
               tolerance = 1e-8)
})

test_that("every method reaches a sensible error on noisy low-rank data", {
  set.seed(6)
  X <- separable(50, 40, 3) + matrix(runif(2000, 0, 0.01), 50, 40)
  for (m in c("hals", "mu", "kl")) {
    fit <- suppressWarnings(nmf(X, 3, method = m, maxit = 2000))
    expect_lt(fit$error, 0.02, label = m)
  }
})

test_that("extrapolated HALS matches a pure-R reference, restarts included", {
  p <- step_problem(21, 20)
  X <- p$X
  W <- p$W
  H <- p$H
  for (maxit in c(1L, 2L, 40L)) {
    fit <- suppressWarnings(nmf(X, 4, init = list(F = W, G = H), maxit = maxit, tol = 0,
                                normalize = "none", control = list(inner_max = 1)))
    want <- ref_hals_extrapolated(X, W, H, 1e-16, maxit)
    expect_equal(fit$trace[[1]], want$trace, tolerance = 1e-10)
    expect_lt(rdiff(fit$F[[1]], want$W), 1e-9)
    expect_lt(rdiff(fit$G[[1]], want$H), 1e-9)
    expect_equal(fit$objective, want$objective, tolerance = 1e-10)
  }
  ## the 40 iterations exercised both branches: some rise, mostly falls
  expect_true(any(diff(want$trace[-1]) > 0))
  expect_true(sum(diff(want$trace[-1]) < 0) > 20)
})

test_that("extrapolation returns the best pair evaluated and beats plain HALS", {
  set.seed(22)
  X <- matrix(runif(120 * 10), 120, 10) %*% matrix(runif(10 * 90), 10, 90) +
    matrix(rexp(120 * 90, 10), 120, 90)
  ex <- suppressWarnings(nmf(X, 10, maxit = 30, tol = 0))
  plain <- suppressWarnings(nmf(X, 10, maxit = 30, tol = 0,
                                control = list(extrapolate = FALSE)))
  tr <- ex$trace[[1]]
  expect_equal(ex$objective, min(tr), tolerance = 1e-12)
  Y <- ex$F[[1]] %*% ex$G[[1]]
  expect_equal(ex$objective, sum((X - Y)^2) / sum(X^2), tolerance = 1e-8)
  ## plain HALS never increases its objective; the extrapolated one ends lower
  expect_true(all(diff(plain$trace[[1]]) <= 1e-12 * plain$trace[[1]][-1]))
  expect_lt(ex$objective, plain$objective)
  ## MU accepts extrapolation too and never returns worse than its start
  mu <- suppressWarnings(nmf(X, 10, method = "mu", maxit = 30, tol = 0,
                             control = list(extrapolate = TRUE)))
  expect_equal(mu$objective, min(mu$trace[[1]][-1]), tolerance = 1e-12)
  expect_lt(mu$objective, mu$trace[[1]][1])
})

test_that("the HALS inner update takes the exact least-squares rows", {
  p <- step_problem(28, 6)
  X <- p$X
  W0 <- p$W
  H0 <- p$H
  fit <- suppressWarnings(nmf(X, 4, init = list(F = W0, G = H0), maxit = 1, tol = 0,
                              normalize = "none", control = list(extrapolate = FALSE)))
  W1 <- fit$F[[1]]
  H1 <- fit$G[[1]]
  rowq <- function(w, a, B) rowSums((w %*% B) * w) - 2 * rowSums(a * w)
  check <- function(M0, M1, A, B) {
    S <- A %*% solve(B)
    feas <- apply(S >= 1e-16, 1, all)
    expect_true(any(feas) && any(!feas))          # both branches are taken
    expect_lt(rdiff(M1[feas, ], S[feas, ]), 1e-10)
    ## the other rows ran coordinate sweeps: feasible, and better than before
    expect_true(all(M1[!feas, ] >= 1e-16))
    q0 <- rowq(M0[!feas, , drop = FALSE], A[!feas, , drop = FALSE], B)
    q1 <- rowq(M1[!feas, , drop = FALSE], A[!feas, , drop = FALSE], B)
    expect_true(all(q1 <= q0 + 1e-12 * abs(q0)))
  }
  check(W0, W1, X %*% t(H0), tcrossprod(H0))
  check(t(H0), t(H1), crossprod(X, W1), crossprod(W1))
  ## inner_max = 1 is the plain sweep, without the shortcut
  plain <- suppressWarnings(nmf(X, 4, init = list(F = W0, G = H0), maxit = 1, tol = 0,
                                normalize = "none",
                                control = list(extrapolate = FALSE, inner_max = 1)))
  want <- ref_hals_step(X, W0, H0, 1e-16)
  expect_lt(rdiff(plain$F[[1]], want$W), 1e-10)
  expect_lt(rdiff(plain$G[[1]], want$H), 1e-10)
})
