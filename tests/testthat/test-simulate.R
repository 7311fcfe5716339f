test_that("the mixture has the documented shape, labels and centers", {
  set.seed(1)
  X <- simulate_gaussian_mixture(300, 7, 4)
  expect_true(is.matrix(X) && is.double(X))
  expect_identical(dim(X), c(7L, 300L))
  lab <- attr(X, "labels")
  expect_type(lab, "integer")
  expect_length(lab, 300)
  expect_true(all(lab %in% 1:4))
  expect_identical(dim(attr(X, "centers")), c(7L, 4L))
  expect_true(all(X >= 0))
  shift <- attr(X, "shift")
  expect_true(shift >= 0)
  if (shift > 0) expect_identical(min(X), 0)
  ## cluster means estimate the (shifted) centers: sd / sqrt(75) ~ 0.12
  for (g in 1:4) {
    m <- rowMeans(X[, lab == g, drop = FALSE])
    expect_lt(max(abs(m - attr(X, "centers")[, g])), 0.6)
  }
})

test_that("without noise every column is its center; the shift is a translation", {
  set.seed(2)
  X <- simulate_gaussian_mixture(50, 4, 3, sd = 0)
  expect_identical(attr(X, "shift"), 0)
  expect_identical(c(X), c(attr(X, "centers")[, attr(X, "labels")]))
  ## centers near 0 and a large sd: shifted by -min, one entry exactly 0
  set.seed(3)
  Y <- simulate_gaussian_mixture(200, 5, 2, sd = 3, spread = 1)
  expect_gt(attr(Y, "shift"), 0)
  expect_identical(min(Y), 0)
  set.seed(3)
  cen <- matrix(runif(5 * 2, 0, 1), 5, 2)
  lab <- sample.int(2, 200, replace = TRUE, prob = c(0.5, 0.5))
  raw <- cen[, lab] + matrix(rnorm(5 * 200, 0, 3), 5, 200)
  expect_equal(c(Y), c(raw - min(raw)), tolerance = 1e-12)
  expect_equal(unname(attr(Y, "centers")), cen - min(raw), tolerance = 1e-12)
})

test_that("set.seed reproduces the data and proportions are honoured", {
  set.seed(10)
  a <- simulate_gaussian_mixture(100, 3, 2)
  set.seed(10)
  b <- simulate_gaussian_mixture(100, 3, 2)
  expect_identical(a, b)
  set.seed(11)
  expect_false(identical(a, simulate_gaussian_mixture(100, 3, 2)))
  set.seed(4)
  p <- simulate_gaussian_mixture(80, 3, 3, proportions = c(2, 0, 0))
  expect_identical(attr(p, "labels"), rep(1L, 80))
  set.seed(5)
  one <- simulate_gaussian_mixture(1, 1, 1)
  expect_identical(dim(one), c(1L, 1L))
  expect_identical(colnames(attr(one, "centers")), "cluster1")
})

test_that("arguments are validated with messages naming them", {
  expect_error(simulate_gaussian_mixture(0), "'n' must be a single whole number >= 1")
  expect_error(simulate_gaussian_mixture(10, d = 1.5), "'d' must be a single whole number >= 1")
  expect_error(simulate_gaussian_mixture(10, clusters = 0), "'clusters' must be a single whole number >= 1")
  expect_error(simulate_gaussian_mixture(10, sd = -1), "'sd' must be >= 0")
  expect_error(simulate_gaussian_mixture(10, sd = NA), "'sd' must be a single finite number")
  expect_error(simulate_gaussian_mixture(10, spread = -2), "'spread' must be >= 0")
  expect_error(simulate_gaussian_mixture(10, clusters = 2, proportions = c(1, 1, 1)),
               "'proportions' must be 2 finite nonnegative numbers")
  expect_error(simulate_gaussian_mixture(10, clusters = 2, proportions = c(1, -1)),
               "'proportions' must be 2 finite nonnegative numbers")
  expect_error(simulate_gaussian_mixture(10, clusters = 2, proportions = c(0, 0)),
               "with a positive sum")
})
