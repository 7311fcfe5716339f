## Masked fits on sparse counts (issue 20 part 0): the warnings that name
## the rows and columns a masked fit cannot identify, and the default
## penalty of nmf_rank()'s held-out fits.

test_that("a masked fit names the columns with fewer observed entries than the rank", {
  set.seed(1)
  X <- matrix(rpois(40 * 30, 3), 40, 30)
  X[, 7] <- 0
  X[c(2, 9), 7] <- c(4, 5)           # column 7: two nonzeros, fewer than rank 3
  w <- capture_warnings(nmf(X, 3, mask = "zeros", maxit = 50))
  expect_match(w, "fewer observed entries than the rank \\(3\\) in column 7 of 'X'", all = FALSE)
  w <- capture_warnings(nmf(X, 3, mask = "zeros", method = "kl", maxit = 50))
  expect_match(w, "a smaller rank or more observed entries avoid it", all = FALSE)
  ## with an L2 penalty the problem is well-posed: no warning
  w <- capture_warnings(nmf(X, 3, mask = "zeros", maxit = 50, L2 = 0.1))
  expect_false(any(grepl("fewer observed entries", w)))
  ## and none at rank 2 (column 7 has two)
  w <- capture_warnings(nmf(X, 2, mask = "zeros", maxit = 50))
  expect_false(any(grepl("fewer observed entries", w)))
})

test_that("imputations far beyond the data are reported, with the exact maximum", {
  fit <- list(mask = list(type = "zeros"), F = list(matrix(c(1, 0, 0, 1), 2)),
              G = list(matrix(c(1, 0, 0, 500), 2)))
  X <- matrix(c(1, 0, 0, 2), 2)
  expect_warning(mlnmf:::warn_imputed(fit, X), "values reach 500 where the largest observed entry of 'X' is 2")
  fit$G[[1]][2, 2] <- 15
  expect_no_warning(mlnmf:::warn_imputed(fit, X))
})

test_that("R-help: the default penalty keeps held-out errors bounded", {
  ## a 150 x 300 corner of R-help: unpenalised held-out fits reach errors in
  ## the thousands (fitted values of 1e5 where the data's maximum is 50);
  ## the default L2 brings them to 1.7-2 (still above the row means' 0.95
  ## on this corner: NEWS.md, 0.4.0)
  data(rhelp, package = "mlnmf")
  X <- rhelp[1:150, 1:300]
  storage.mode(X) <- "double"
  X <- X[rowSums(X) > 0, colSums(X) > 0]
  r <- suppressWarnings(nmf_rank(X, c(2, 6, 10), reps = 1, seed = 1, maxit = 200))
  te <- r$summary$test_error
  expect_true(all(is.finite(te)))
  expect_true(all(te < 3))
  expect_true(max(te) / min(te) < 3)
  r0 <- suppressWarnings(nmf_rank(X, c(2, 6, 10), reps = 1, seed = 1, maxit = 200, L2 = 0))
  expect_gt(max(r0$summary$test_error), 10 * max(te))
})
