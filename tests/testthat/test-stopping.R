## The stopping rule of the one-layer solvers (src/nmf_common.c,
## nmf_stopper) and the extrapolated HALS in a cascade (issue 11).

## e_t = sqrt(cummin(trace)); the documented rule (?mlnmf, "Stopping"),
## evaluated in R at the last entry of the trace: the floor 100 tol, the
## improvement over the last w = 10 iterations (against e_t, or near the
## floor, e_t <= 5 floor, against max(e_t, min(e_0, 1))), or round-off.
## e0: the start's error when the solver rescaled its start (the
## extrapolated HALS: the trace keeps the unscaled one)
rule_met <- function(trace, tol, w = 10L, e0 = sqrt(trace[1L])) {
  t <- length(trace) - 1L
  if (is.na(trace[t + 1L])) return(FALSE)   # ("kl": measured every 10 iterations)
  e <- sqrt(cummin(ifelse(is.na(trace), Inf, trace)))
  et <- e[t + 1L]
  floor <- 100 * tol
  r <- if (et <= 5 * floor) max(et, min(e0, 1)) else et
  min(trace, na.rm = TRUE) <= 10 * .Machine$double.eps || et <= floor ||
    (t >= w && !is.na(trace[t + 1L - w]) && e[t + 1L - w] - et <= w * tol * r)
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
    ## within one measurement interval: rounding of the BLAS differs between
    ## the two (OpenBLAS stops them one iteration apart); "kl" measures every
    ## 10 iterations
    expect_lte(abs(a$iter - b$iter), if (m == "kl") 10L else 1L, label = m)
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

test_that("an exactly representable layer stops at the floor instead of creeping", {
  ## the first layer of the paper's data: 10 x 1000 at rank 10, whose
  ## relative error keeps falling by a steady fraction of itself (0.0029
  ## after 100 iterations, 0.00057 after 500): the improvement test alone
  ## never ends it, the floor 100 tol does
  set.seed(1)
  X <- simulate_gaussian_mixture(1000, 10)
  tol <- 1e-5
  fit <- expect_silent(nmf(X, 10, tol = tol))
  expect_true(fit$converged)
  expect_lt(fit$iter, 500L)
  tr <- fit$trace[[1]]
  e <- sqrt(cummin(tr))
  t <- length(tr) - 1L
  expect_lte(e[t + 1L], 100 * tol)
  expect_gt(e[t], 100 * tol)                      # the floor, first crossed here
  expect_false(e[t + 1L - 10L] - e[t + 1L] <= 10 * tol * e[t + 1L])  # not the improvement test
  expect_equal(fit$error, e[t + 1L], tolerance = 1e-6)
  ## a smaller tol lowers the floor
  fit2 <- suppressWarnings(nmf(X, 10, tol = tol / 10, maxit = 5000))
  expect_lt(fit2$error, fit$error)
  if (fit2$converged) expect_true(rule_met(fit2$trace[[1]], tol / 10))
})

test_that("noisy layers stop within 0.1% of the error of a ten times longer run", {
  ## dense W H + |N(0, 0.5)| and sparse Poisson counts, the default method;
  ## the long run starts from the same (deterministic NNDSVD) start
  k <- 10L
  for (s in 1:3) {
    set.seed(s)
    Xd <- matrix(runif(300 * k), 300) %*% matrix(runif(k * 200), k) +
      abs(matrix(rnorm(300 * 200, sd = 0.5), 300))
    L <- matrix(rexp(400 * k), 400) %*% matrix(rexp(k * 300), k) * 0.03
    Xs <- Matrix::Matrix(rpois(length(L), L), 400, 300, sparse = TRUE)
    for (X in list(Xd, Xs)) {
      a <- expect_silent(nmf(X, k))
      expect_true(a$converged)
      b <- suppressWarnings(nmf(X, k, tol = 0, maxit = 10L * a$iter))
      ## (tol = 0 stops only once the error stops falling at all)
      expect_lte(b$iter, 10L * a$iter)
      expect_lte(a$error, 1.001 * b$error, label = paste("seed", s, class(X)[1]))
    }
  }
})

test_that("finetune() stops by the same rule", {
  set.seed(2)
  X <- lowrank(40, 30, 4) + matrix(runif(1200, 0, 0.2), 40, 30)
  fit <- suppressWarnings(mlnmf(X, c(6, 4), maxit = 50))
  for (m in c("hals", "mu", "kl")) {
    for (tol in c(1e-4, 1e-6)) {
      ft <- suppressWarnings(finetune(fit, maxit = 2000, tol = tol, method = m, threads = 1))
      tr <- ft$finetune$trace
      if (ft$finetune$converged) {
        expect_true(rule_met(tr, tol), label = paste(m, tol))
        for (t in seq_len(length(tr) - 2L) + 1L)   # and not at an earlier iteration
          expect_false(rule_met(tr[seq_len(t)], tol), label = paste(m, tol, t))
      } else expect_identical(ft$finetune$iter, 2000L)
    }
    ## tol = 0 never stops before maxit
    ft0 <- suppressWarnings(finetune(fit, maxit = 30, tol = 0, method = m, threads = 1))
    expect_identical(ft0$finetune$iter, 30L)
  }
})

test_that("a default fit of the paper's data warns about nothing", {
  set.seed(1)
  X <- simulate_gaussian_mixture(1000, 10)
  fit <- expect_silent(mlnmf(X, rank = 10, layers = 100))
  expect_true(all(fit$converged))
  expect_true(all(fit$iter < fit$maxit))
})

test_that("a layer creeping toward the floor stops near it, against the starting error", {
  ## the first layers of data sets 10 and 18 of Figure 1 needed 1912 and
  ## 1529 iterations to reach the floor 100 tol (the default fit warned);
  ## near the floor (e_t <= 5 floor) the improvement test is against e_0
  tol <- 1e-5
  for (s in c(10L, 18L)) {
    set.seed(s)
    X <- simulate_gaussian_mixture(1000, 10)
    fit <- expect_silent(nmf(X, 10))
    expect_true(fit$converged)
    expect_lt(fit$iter, 500L)
    e0 <- suppressWarnings(nmf(X, 10, maxit = 0))$error  # the rescaled start
    tr <- fit$trace[[1]]
    e <- sqrt(cummin(tr))
    t <- length(tr) - 1L
    expect_true(rule_met(tr, tol, e0 = e0), label = s)
    expect_gt(e[t + 1L], 100 * tol)                       # not the floor
    expect_lte(e[t + 1L], 5 * 100 * tol)                  # near it
    expect_false(e[t + 1L - 10L] - e[t + 1L] <= 10 * tol * e[t + 1L])  # not against e_t
    ## what a ten times longer run still gains is below the floor's zone
    long <- suppressWarnings(nmf(X, 10, tol = 0, maxit = 10L * fit$iter))
    expect_lt(fit$error - long$error, 5 * 100 * tol)
  }
})

test_that("KL, measured every 10 iterations, stops within 10 iterations of a per-iteration rule", {
  ## the same iterations in R (helper-reference.R), their divergence at every
  ## iteration, and the first iteration at which the rule holds
  set.seed(8)
  X <- lowrank(30, 20, 3) + matrix(runif(600, 0, 0.3), 30, 20)
  X <- X / max(X)                  # the solver's own scale: the same iterates
  W <- matrix(runif(90), 30, 3)
  H <- matrix(runif(60), 3, 20)
  div <- function(W, H) { Y <- W %*% H; sum(X * log(X / Y) - X + Y) / sum(X) }
  for (tol in c(1e-3, 1e-4)) {
    fit <- nmf(X, 3, method = "kl", init = list(F = W, G = H), tol = tol,
               maxit = 3000, eps = 1e-16)
    expect_true(fit$converged)
    f <- div(W, H)
    step <- list(W = W, H = H)
    t_star <- NA
    for (t in seq_len(fit$iter)) {
      step <- ref_kl_step(X, step$W, step$H, 1e-16)
      f <- c(f, div(step$W, step$H))
      if (rule_met(f, tol)) { t_star <- t; break }
    }
    expect_false(is.na(t_star))
    expect_gte(fit$iter, t_star)
    expect_lt(fit$iter, t_star + 10L)
    expect_identical(fit$iter %% 10L, 0L)
    ## the measured entries of the trace are the divergence of those iterates
    tr <- fit$trace[[1]]
    at <- which(!is.na(tr))
    expect_equal(tr[at[at <= length(f)]], f[at[at <= length(f)]], tolerance = 1e-8)
  }
})
