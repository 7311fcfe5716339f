## Rank selection by held-out entries: R/rank.R.

planted <- function(seed, m = 60, n = 50, k = 5, noise = 0.1) {
  set.seed(seed)
  W <- matrix(runif(m * k), m, k)
  H <- matrix(runif(k * n), k, n)
  X <- W %*% H
  X <- X + matrix(rnorm(m * n, sd = noise * sd(X)), m, n)
  pmax(X, 0)
}

test_that("the held-out error is smallest at the planted rank 5", {
  for (s in 1:2) {
    X <- planted(s)
    r <- suppressWarnings(nmf_rank(X, 2:8, reps = 2, seed = s, maxit = 300))
    expect_s3_class(r, "mlnmf_rank")
    expect_identical(r$best, 5L)
    sm <- r$summary
    expect_true(all(sm$test_error[sm$rank != 5] > sm$test_error[sm$rank == 5]))
    ## training error falls with the rank; held-out error above it
    expect_true(all(diff(sm$train_error) < 1e-3))
    expect_true(all(r$table$test_error > r$table$train_error))
    expect_identical(nrow(r$table), 7L * 2L)
    expect_identical(r$heldout, 300)
  }
})

test_that("the held-out error is computed at the held-out entries", {
  set.seed(2)
  F <- matrix(runif(12), 6, 2); G <- matrix(runif(10), 2, 5)
  lin <- c(1, 7, 12, 30, 19)
  expect_equal(mlnmf:::predict_entries(F, G, lin, 6), (F %*% G)[lin], tolerance = 1e-14)
  ## one fit, redone by hand: held-out set 1, rank 3
  X <- planted(3, 20, 15, 3)
  r <- nmf_rank(X, 3, reps = 1, seed = 9, maxit = 200, tol = 1e-6)
  obs <- mlnmf:::observed_entries(X, NULL)
  h <- mlnmf:::draw_heldout(obs, r$heldout, mlnmf:::rng_streams(9, 2)[1])[[1]]
  Xt <- X; Xt[h] <- NA
  old <- get0(".Random.seed", envir = globalenv())
  ## the held-out fits' default penalty: 0.01 ||X / max(X)||_F
  expect_equal(r$L2, 0.01 * sqrt(sum((X / max(X))^2)), tolerance = 1e-14)
  fit <- nmf(Xt, 3, mask = "NA", maxit = 200, tol = 1e-6, L2 = r$L2)
  P <- fitted(fit)
  expect_equal(r$table$test_error, sqrt(sum((X[h] - P[h])^2) / sum(X[h]^2)),
               tolerance = 1e-12)
  expect_equal(r$table$train_error, fit$error, tolerance = 1e-12)
})

test_that("sparse data: the held-out entries are drawn among all entries, as for dense data", {
  X <- planted(4, 30, 25, 3)
  X[X < quantile(X, 0.2)] <- 0
  S <- Matrix::Matrix(X, sparse = TRUE)
  rd <- nmf_rank(X, 2:4, reps = 2, seed = 6, maxit = 100)
  rs <- nmf_rank(S, 2:4, reps = 2, seed = 6, maxit = 100)
  expect_true(rs$sparse)
  expect_equal(rs$table$test_error, rd$table$test_error, tolerance = 1e-6)
  expect_equal(rs$table$train_error, rd$table$train_error, tolerance = 1e-6)
  ## mask = "zeros": the zeros are missing, the held-out entries are nonzeros
  rz <- suppressWarnings(nmf_rank(S, 2:3, reps = 1, seed = 6, mask = "zeros",
                                  method = "mu", maxit = 100))
  expect_equal(rz$observed, sum(X != 0))
  expect_true(all(is.finite(rz$table$test_error)))
  expect_output(print(rz), "nonzero entries")
})

test_that("missing entries are never held out", {
  X <- planted(5, 20, 20, 2)
  X[sample(length(X), 40)] <- NA
  r <- suppressWarnings(nmf_rank(X, 1:3, reps = 2, seed = 1, mask = "NA", maxit = 100))
  expect_identical(r$observed, 360)
  expect_true(all(is.finite(r$table$test_error)))
  obs <- mlnmf:::observed_entries(X, "NA")
  h <- mlnmf:::draw_heldout(obs, 36, mlnmf:::rng_streams(1, 2))
  expect_false(any(is.na(X[unlist(h)])))
  expect_identical(lengths(h), c(36L, 36L))
})

test_that("a seed gives the same table, and R's RNG is left alone", {
  X <- planted(6, 20, 20, 2)
  set.seed(1); s <- .Random.seed
  a <- nmf_rank(X, 1:3, reps = 2, seed = 3, maxit = 500)
  expect_identical(.Random.seed, s)
  b <- nmf_rank(X, 1:3, reps = 2, seed = 3, maxit = 500)
  expect_identical(a$table, b$table)
  set.seed(8); c1 <- nmf_rank(X, 1:3, reps = 2, maxit = 500)
  set.seed(8); c2 <- nmf_rank(X, 1:3, reps = 2, maxit = 500)
  expect_identical(c1$table, c2$table)
  ## restarts inside each fit
  d <- suppressWarnings(nmf_rank(X, 2, reps = 1, seed = 3, nrun = 3, maxit = 50))
  expect_true(is.finite(d$table$test_error))
})

test_that("print and plot", {
  X <- planted(7, 20, 20, 2)
  r <- nmf_rank(X, 1:3, reps = 2, seed = 3, maxit = 500)
  expect_output(print(r), "Smallest mean held-out error at rank")
  expect_output(print(r), "40 held out of 400")
  pdf(NULL); on.exit(dev.off())
  expect_identical(plot(r), r)
})

test_that("a sparse X's held-out set costs O(held-out), not O(d N)", {
  ## 1e5 x 1e5 = 1e10 entries, 1e4 nonzeros; without a mask the held-out
  ## set is drawn among all 1e10 entries (zeros are data), 1e4 of them.
  skip_if_not_installed("Matrix")
  set.seed(2)
  X <- Matrix::sparseMatrix(i = sample.int(1e5, 1e4, TRUE), j = sample.int(1e5, 1e4, TRUE),
                            x = runif(1e4), dims = c(1e5, 1e5))
  gc(reset = TRUE)
  v0 <- gc()["Vcells", "max used"]
  obs <- mlnmf:::observed_entries(X, NULL)
  expect_identical(obs$n, 1e10)
  size <- round(1e-6 * obs$n)
  s <- mlnmf:::rng_streams(4, 2)
  h <- mlnmf:::draw_heldout(obs, size, s)
  v1 <- gc()["Vcells", "max used"]
  ## far below one d N vector (1e10 cells): a few vectors of 'size'
  expect_lt(v1 - v0, 1e6)
  expect_lt(as.numeric(object.size(h)), 1e6)
  expect_identical(lengths(h), c(1e4L, 1e4L))
  for (hr in h) {
    expect_false(anyDuplicated(hr) > 0)
    expect_true(all(hr >= 1 & hr <= 1e10 & hr == floor(hr)))
    expect_false(is.unsorted(hr))
  }
  expect_false(identical(h[[1]], h[[2]]))
  ## reproducible under the stream, and uniform over all entries: the
  ## mean linear index / d N is about 1/2 (its sd: 0.29 / sqrt(1e4) = 0.003)
  expect_identical(mlnmf:::draw_heldout(obs, size, s), h)
  expect_lt(abs(mean(h[[1]]) / 1e10 - 0.5), 0.02)
  ## with mask = "NA" the stored NA entries are excluded, same cost
  X@x[1:5] <- NA
  obs <- mlnmf:::observed_entries(X, "NA")
  expect_identical(obs$n, 1e10 - 5)
  hn <- mlnmf:::draw_heldout(obs, size, s[1])[[1]]
  expect_length(hn, 1e4)
  expect_false(any(hn %in% mlnmf:::sparse_linear(X, 1:5)))
})
