## nmf(online = TRUE): mini-batch NMF (issue 21, part 4).

set.seed(21)
W0 <- matrix(runif(60 * 4), 60)
H0 <- matrix(runif(4 * 1500), 4)
X <- W0 %*% H0 + matrix(runif(60 * 1500, 0, 0.05), 60)

test_that("an online fit reaches the batch fit's error within 1%", {
  batch <- nmf(X, 4, threads = 1)
  on <- nmf(X, 4, online = TRUE, batch = 300, seed = 1, threads = 1)
  expect_s3_class(on, "mlnmf")
  expect_true(on$converged)
  expect_lte(on$error, 1.01 * batch$error)
  ## the reported error is the exact one of the returned factors
  expect_equal(on$error, sqrt(sum((X - on$F[[1]] %*% on$G[[1]])^2) / sum(X^2)),
               tolerance = 1e-10)
  expect_identical(on$iter, on$online$passes)
  expect_length(on$online$pass_error, on$online$passes)
  ## G is the projection of the data on the final F (predict())
  expect_equal(on$G[[1]], predict(on, X, threads = 1), tolerance = 1e-5)
})

test_that("online fits of dense and sparse storage agree, and a seed reproduces them", {
  S <- Matrix::Matrix(X * (X > 0.6), sparse = TRUE)
  D <- as.matrix(S)
  a <- suppressWarnings(nmf(D, 3, online = TRUE, batch = 250, seed = 2, maxit = 5, threads = 1))
  b <- suppressWarnings(nmf(S, 3, online = TRUE, batch = 250, seed = 2, maxit = 5, threads = 1))
  expect_true(b$sparse)
  expect_equal(a$F, b$F, tolerance = 1e-8)
  expect_equal(a$G, b$G, tolerance = 1e-8)
  set.seed(5); r0 <- runif(1)
  set.seed(5)
  c1 <- suppressWarnings(nmf(S, 3, online = TRUE, batch = 250, seed = 2, maxit = 5,
                             init = "random", threads = 1))
  expect_identical(runif(1), r0)          # the caller's RNG state is put back
  c2 <- suppressWarnings(nmf(S, 3, online = TRUE, batch = 250, seed = 2, maxit = 5,
                             init = "random", threads = 1))
  expect_identical(c1$F, c2$F)
})

test_that("the online fit reads the data by blocks of 'batch' columns", {
  ## a column reader that counts: no block is wider than 'batch'
  seen <- integer(0)
  rd <- mlnmf:::column_reader(X)
  reader <- function(j0, nc) { seen <<- c(seen, nc); rd(j0, nc) }
  res <- mlnmf:::online_nmf_passes(reader, nrow(X), ncol(X), 3L, 200L, 0.7, 3L,
                                   1e-4, 1e-16, 1L, NULL,
                                   mlnmf:::check_control(list(), "hals"), FALSE)
  expect_lte(max(seen), 200L)
  expect_identical(sum(seen), as.integer(ncol(X) * (res$passes + 1) + 200L))
})

test_that("online = TRUE refuses what it does not support, naming it", {
  expect_error(nmf(X, 3, online = TRUE, method = "kl"), "use method = \"hals\", not \"kl\"")
  expect_error(nmf(X, 3, online = TRUE, nrun = 2), "leave 'nrun' at 1")
  expect_error(nmf(X, 3, online = TRUE, mask = "NA"), "does not support 'mask'")
  expect_error(nmf(X, 3, online = TRUE, L2 = 0.1), "does not support 'L2'")
  expect_error(nmf(X, 3, online = TRUE, batch = 0), "'batch' must be a single whole number >= 1")
  expect_error(nmf(X, 3, online = TRUE, batch = 2), "'batch' \\(2 columns\\) must be at least the rank \\(3\\)")
  expect_error(nmf(X, 3, online = TRUE, forget = 0), "'forget' must be >")
  expect_error(nmf(X, 3, online = NA), "'online' must be TRUE or FALSE")
})

test_that("maxit = 0 returns the start with its error", {
  f <- suppressWarnings(nmf(X, 3, maxit = 30, threads = 1))
  g <- nmf(X, 3, init = list(F = f$F[[1]], G = f$G[[1]]), maxit = 0, threads = 1,
           control = list(extrapolate = FALSE))
  expect_equal(g$F[[1]] %*% g$G[[1]], f$F[[1]] %*% f$G[[1]], tolerance = 1e-12)
  expect_equal(g$error, f$error, tolerance = 1e-10)
  expect_identical(g$iter, 0L)
})

test_that("an online fit of a DelayedMatrix equals the one of the matrix in memory", {
  skip_if_not_installed("DelayedArray")
  D <- DelayedArray::DelayedArray(X[, 1:600])
  a <- suppressWarnings(nmf(X[, 1:600], 3, online = TRUE, batch = 200, seed = 4, maxit = 4, threads = 1))
  b <- suppressWarnings(nmf(D, 3, online = TRUE, batch = 200, seed = 4, maxit = 4, threads = 1))
  expect_equal(b$F, a$F, tolerance = 1e-8)
  expect_equal(b$G, a$G, tolerance = 1e-8)
  expect_equal(b$error, a$error, tolerance = 1e-8)
})
