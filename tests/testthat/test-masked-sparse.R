## Masked fits on sparse counts (issue 20 part 0): the warnings that name
## the rows and columns a masked fit cannot identify, and the default
## penalty of nmf_rank()'s held-out fits.

test_that("a masked fit names the columns with fewer observed entries than the rank", {
  set.seed(1)
  X <- matrix(rpois(40 * 30, 3), 40, 30)
  X[, 7] <- 0
  X[c(2, 9), 7] <- c(4, 5)           # column 7: two nonzeros, fewer than rank 3
  expect_warning(nmf(X, 3, mask = "zeros", maxit = 50),
                 "fewer observed entries than the rank \\(3\\) in column 7 of 'X'")
  expect_warning(nmf(X, 3, mask = "zeros", method = "kl", maxit = 50),
                 "a smaller rank or more observed entries avoid it")
  ## with an L2 penalty the problem is well-posed: no warning
  expect_no_warning(nmf(X, 3, mask = "zeros", maxit = 50, L2 = 0.1))
  ## and none at rank 2 (column 7 has two)
  expect_no_warning(nmf(X, 2, mask = "zeros", maxit = 50))
})

test_that("imputations far beyond the data are reported, with the exact maximum", {
  fit <- list(mask = list(type = "zeros"), F = list(matrix(c(1, 0, 0, 1), 2)),
              G = list(matrix(c(1, 0, 0, 500), 2)))
  X <- matrix(c(1, 0, 0, 2), 2)
  expect_warning(mlnmf:::warn_imputed(fit, X), "values reach 500 where the largest observed entry of 'X' is 2")
  fit$G[[1]][2, 2] <- 15
  expect_no_warning(mlnmf:::warn_imputed(fit, X))
})

test_that("R-help: the held-out fits stay within the data's scale", {
  skip_on_cran()
  data(rhelp, package = "mlnmf")
  X <- rhelp[1:150, 1:300]
  storage.mode(X) <- "double"
  X <- X[rowSums(X) > 0, colSums(X) > 0]
  r <- suppressWarnings(nmf_rank(X, c(2, 6, 10), reps = 1, seed = 1, maxit = 200))
  ## the row means on the same held-out entries
  h <- mlnmf:::draw_heldout(mlnmf:::observed_entries(X, NULL), r$heldout,
                            mlnmf:::rng_streams(1, 1))[[1]]
  Xt <- X; Xt[h] <- NA
  rm <- rowMeans(Xt, na.rm = TRUE)
  rowmean <- sqrt(sum((X[h] - rm[(h - 1) %% nrow(X) + 1])^2) / sum(X[h]^2))
  te <- r$summary$test_error
  expect_lt(te[r$summary$rank == r$best], rowmean)
  expect_true(all(te < 2))
  expect_true(max(te) / min(te) < 3)
  ## unpenalised, the same fits go far beyond (the issue's failure)
  r0 <- suppressWarnings(nmf_rank(X, c(2, 6, 10), reps = 1, seed = 1, maxit = 200, L2 = 0))
  expect_gt(max(r0$summary$test_error), 2 * max(te))
})
