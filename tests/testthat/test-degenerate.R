## Degenerate but valid data: every method returns finite, nonnegative
## factors of the right shape, with no NaN or Inf anywhere in the fit, its
## fitted values, residuals, predictions or summary.

all_finite_fit <- function(fit) {
  nums <- c(unlist(fit$F), unlist(fit$G), fit$error, fit$objective,
            unlist(fit$trace))
  ## "kl" measures its objective every 10 iterations: NA in between
  all(is.finite(nums) | (fit$method == "kl" & is.na(nums) & !is.nan(nums)))
}

## The problems of one fit, as a character vector (empty when sound).  Tests
## collect them over many fits and make one expectation, which keeps the
## file fast and still names every failing case.
fit_problems <- function(fit, X, label) {
  d <- nrow(X); N <- ncol(X); L <- fit$layers; k <- fit$rank
  p <- predict(fit, X)
  s <- summary(fit)
  ok <- c(
    "a number is not finite" = all_finite_fit(fit),
    "a factor is negative" = all(unlist(fit$F) >= 0) && all(unlist(fit$G) >= 0),
    "dim(F) wrong" = identical(unname(lapply(fit$F, dim)), lapply(seq_len(L), function(i)
      c(if (i == 1L) d else k[i - 1L], k[i]))),
    "dim(G) wrong" = identical(unname(lapply(fit$G, dim)), lapply(k, function(ki) c(ki, N))),
    "error outside [0, 1]" = all(fit$error >= 0 & fit$error <= 1 + 1e-12),
    "fitted or residuals not finite" = all(is.finite(fitted(fit))) &&
      all(is.finite(residuals(fit))),
    "predict not finite, negative or misshapen" = all(is.finite(p)) && all(p >= 0) &&
      identical(dim(p), c(k[L], N)),
    "summary not finite" = all(is.finite(s$layers$rel_error)) && all(is.finite(s$sparsity)))
  if (all(ok)) character() else paste0(label, ": ", names(ok)[!ok])
}

expect_sound_fit <- function(fit, X, label) {
  expect_identical(fit_problems(fit, X, label), character())
}

fit_quiet <- function(...) suppressWarnings(mlnmf(...))

set.seed(20240601)
base <- matrix(runif(30 * 20), 30, 20)
degenerate <- list(
  zero_rows = { Y <- base; Y[c(2, 9, 30), ] <- 0; Y },
  zero_cols = { Y <- base; Y[, c(1, 7, 20)] <- 0; Y },
  zero_row_and_col = { Y <- base; Y[4, ] <- 0; Y[, 11] <- 0; Y },
  constant = matrix(3.5, 12, 9),
  duplicated_cols = cbind(base[, 1:5], base[, 1:5], base[, 1:5]),
  rank_one = outer(runif(25) + 0.1, runif(18) + 0.1),
  one_row = matrix(runif(30), 1, 30),
  one_col = matrix(runif(30), 30, 1),
  single_nonzero = { Y <- matrix(0, 8, 6); Y[3, 4] <- 2; Y },
  sparse_counts = matrix(rpois(24 * 18, 0.3), 24, 18) + c(1, rep(0, 24 * 18 - 1)),
  binary = matrix(rbinom(20 * 15, 1, 0.4), 20, 15) > 0
)

for (method in c("hals", "mu", "kl")) {
  test_that(paste("degenerate data give sound fits:", method), {
    problems <- character()
    for (nm in names(degenerate)) {
      X <- degenerate[[nm]]
      Xd <- X; storage.mode(Xd) <- "double"
      k <- min(3L, dim(X))
      for (init in c("nndsvd", "nndsvda", "random")) {
        set.seed(1)
        problems <- c(problems, fit_problems(
          fit_quiet(X, k, method = method, init = init, maxit = 100),
          Xd, sprintf("%s, %s, init %s, rank %d", method, nm, init, k)))
      }
      ## rank equal to min(dim): the largest rank allowed
      kmax <- min(dim(X))
      problems <- c(problems, fit_problems(
        fit_quiet(X, kmax, method = method, maxit = 100), Xd,
        sprintf("%s, %s, rank = min(dim) = %d", method, nm, kmax)))
      ## and a second layer on top
      if (k >= 2L)
        problems <- c(problems, fit_problems(
          fit_quiet(X, c(k, k - 1L), method = method, maxit = 100),
          Xd, sprintf("%s, %s, two layers", method, nm)))
    }
    expect_identical(problems, character())
  })
}

test_that("exactly representable degenerate data are fitted to round-off", {
  for (method in c("hals", "mu", "kl")) {
    for (nm in c("constant", "rank_one", "one_row", "one_col", "single_nonzero")) {
      fit <- fit_quiet(degenerate[[nm]], 1, method = method, maxit = 200)
      expect_lt(fit$error, 1e-12, label = sprintf("%s, %s: error", method, nm))
    }
  }
})

test_that("1 x N and N x 1 data allow rank 1 only, over several layers", {
  for (method in c("hals", "mu", "kl")) {
    X <- degenerate$one_row
    fit <- fit_quiet(X, 1, layers = 3, method = method, maxit = 50)
    expect_sound_fit(fit, X, paste(method, "1 x 30, 3 layers"))
    X <- degenerate$one_col
    fit <- fit_quiet(X, 1, layers = 3, method = method, maxit = 50)
    expect_sound_fit(fit, X, paste(method, "30 x 1, 3 layers"))
  }
  expect_error(mlnmf(degenerate$one_row, 2), "'rank' of layer 1 is 2, larger than min\\(dim\\(X\\)\\) = 1")
})

test_that("all-zero data have no answer and say so", {
  expect_error(mlnmf(matrix(0, 5, 4), 1), "'X' is all zero")
})

test_that("predict() of zero or tiny new columns is finite and zero where the data are", {
  for (method in c("hals", "mu", "kl")) {
    fit <- fit_quiet(base, 3, method = method, maxit = 100)
    nd <- cbind(0, base[, 1:4], 0)
    p <- predict(fit, nd)
    expect_true(all(is.finite(p)) && all(p >= 0), label = paste(method, "finite"))
    ## zero columns project to the floor eps (relative to the data), not 0
    expect_lt(max(p[, c(1, 6)]), 1e-12 * max(p),
              label = paste(method, "zero columns project to ~0"))
    expect_true(all(is.finite(predict(fit, matrix(0, 30, 3)))))
    expect_true(all(is.finite(predict(fit, base * 1e-300))))
  }
})

test_that("data scaled by 1e-150 and 1e150 give the unscaled relative errors", {
  for (method in c("hals", "mu", "kl")) {
    ref <- fit_quiet(base, c(4, 3), method = method, maxit = 100)
    for (s in c(1e-150, 1e150, 1e-300, 1e300)) {
      fit <- fit_quiet(base * s, c(4, 3), method = method, maxit = 100)
      expect_true(all_finite_fit(fit), label = sprintf("%s x %g finite", method, s))
      expect_true(all(unlist(fit$F) >= 0) && all(unlist(fit$G) >= 0))
      expect_equal(fit$error, ref$error, tolerance = 1e-8,
                   label = sprintf("%s, data x %g: error", method, s))
      ## F (l1-normalised) is free of the units; G carries them
      expect_equal(fit$F, ref$F, tolerance = 1e-6,
                   label = sprintf("%s, data x %g: F", method, s))
      expect_equal(fit$G[[2]] / s, ref$G[[2]], tolerance = 1e-6,
                   label = sprintf("%s, data x %g: G / scale", method, s))
    }
  }
})

test_that("data whose fit cannot be represented give a clear error", {
  ## largest entry subnormal: no finite rescaling
  expect_error(mlnmf(base * 1e-310, 2), "'X' is too small to rescale")
  ## G = (column sums of X) overflows a double after l1 normalisation
  expect_error(mlnmf(base * 1e307, 2, layers = 2, method = "hals", maxit = 20),
               "produced a non-finite value")
})

test_that("a 100-layer model stays finite and its deep layers become identity-like", {
  for (method in c("hals", "mu", "kl")) {
    fit <- fit_quiet(base, c(6, 5, 4, rep(3, 97)), method = method, maxit = 100)
    expect_equal(fit$layers, 100L)
    expect_sound_fit(fit, base, paste(method, "100 layers"))
    ## once the rank stops shrinking, a layer can only permute and rescale:
    ## the last F is close to a permutation matrix (columns sum to one)
    Flast <- fit$F[[100]]
    expect_equal(unname(sort(apply(Flast, 2, max))), rep(1, 3),
                 tolerance = if (method == "mu") 1e-2 else 1e-3,
                 label = paste(method, "last F is near a permutation"))
    ## A layer stops once its objective moves by less than tol times its
    ## starting value, so a deep layer that could be exact keeps a small
    ## residual: 50 deep HALS or KL layers add at most a few percent to the
    ## error; MU converges more slowly and each deep layer adds a little
    ## more (measured below 1e-2 per layer with maxit = 100)
    if (method == "mu")
      expect_lt(max(diff(fit$error[4:100])), 0.01,
                label = "mu: error added by each deep layer")
    else
      expect_lt(fit$error[100], 1.03 * fit$error[50],
                label = paste(method, "deep layers add little error"))
  }
})
