small_fit <- function(layers = 6, rank = 4, seed = 3) {
  set.seed(seed)
  X <- simulate_gaussian_mixture(60, 6, 3)
  suppressWarnings(mlnmf(X, rank = rank, layers = layers, maxit = 30))
}

chain <- function(fit, o) Reduce(`%*%`, c(fit$F[o], list(fit$G[[fit$layers]])))

test_that("the fit's own order gives fitted()", {
  fit <- small_fit()
  expect_equal(reconstruct(fit), fitted(fit), tolerance = 1e-12)
  expect_equal(reconstruct(fit, 1:6), fitted(fit), tolerance = 1e-12)
})

test_that("a permuted order equals the pure-R chain product", {
  fit <- small_fit()
  for (o in list(c(1, 3, 2, 4:6), c(1, 6, 3, 4, 5, 2), c(1, 4, 5, 6, 2, 3))) {
    R <- reconstruct(fit, o)
    expect_equal(unname(R), chain(fit, o), tolerance = 1e-12)
    expect_identical(dim(R), as.integer(fit$dim))
    expect_true(all(R >= 0))
  }
  ## a double vector works as well as an integer one
  expect_identical(reconstruct(fit, c(1, 3, 2, 4, 5, 6)),
                   reconstruct(fit, c(1L, 3L, 2L, 4L, 5L, 6L)))
})

test_that("the squared error matches permutation_test() row by row", {
  fit <- small_fit(layers = 9)
  pt <- permutation_test(fit, fraction = c(0.1, 1), reps = 3, seed = 4)
  for (i in seq_len(nrow(pt))) {
    o <- seq_len(9)
    o[as.integer(strsplit(pt$moved[i], ",")[[1]])] <-
      as.integer(strsplit(pt$order[i], ",")[[1]])
    expect_equal(sum((fit$data - reconstruct(fit, o))^2), pt$error[i],
                 tolerance = 1e-10)
  }
})

test_that("dimnames follow the data, the fit is left unchanged", {
  fit <- small_fit()
  X <- fit$data
  dimnames(X) <- list(paste0("r", 1:6), paste0("c", 1:60))
  fit <- suppressWarnings(mlnmf(X, rank = 4, layers = 3, maxit = 30))
  before <- fit
  R <- reconstruct(fit, c(1, 3, 2))
  expect_identical(dimnames(R), dimnames(X))
  expect_identical(fit, before)
})

test_that("bad arguments are rejected with a message naming them", {
  fit <- small_fit()
  expect_error(reconstruct(list(F = 1)),
               "'fit' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not a list")
  msg <- "'order' must be a permutation of 1..6"
  expect_error(reconstruct(fit, 1:5), msg)
  expect_error(reconstruct(fit, c(1, 2, 2, 4, 5, 6)), msg)
  expect_error(reconstruct(fit, c(1, 2, 3, 4, 5, 7)), msg)
  expect_error(reconstruct(fit, c(1, 2.5, 3, 4, 5, 6)), msg)
  expect_error(reconstruct(fit, c(1, NA, 3, 4, 5, 6)), msg)
  expect_error(reconstruct(fit, as.character(1:6)), msg)
  expect_error(reconstruct(fit, c(2, 1, 3:6)),
               "'order' puts layer 2 \\(4 x 4\\) at position 1 \\(6 x 4\\): only layers of the same shape can trade places")
  ## decreasing ranks: only the two square 4 x 4 layers 3 and 4 can swap
  fit2 <- suppressWarnings(mlnmf(fit$data, rank = c(5, 4, 4, 4, 3), maxit = 30))
  expect_error(reconstruct(fit2, c(1, 2, 3, 5, 4)),
               "puts layer 5 \\(4 x 3\\) at position 4 \\(4 x 4\\)")
  expect_error(reconstruct(fit2, c(1, 3, 2, 4, 5)),
               "puts layer 3 \\(4 x 4\\) at position 2 \\(5 x 4\\)")
  expect_equal(unname(reconstruct(fit2, c(1, 2, 4, 3, 5))),
               chain(fit2, c(1, 2, 4, 3, 5)), tolerance = 1e-12)
})
