## pinv(): the four Penrose conditions, MASS::ginv, edge shapes, tol.

penrose <- function(A, P) {
  c(AXA = max(abs(A %*% P %*% A - A)),
    XAX = max(abs(P %*% A %*% P - P)),
    AXsym = max(abs(t(A %*% P) - A %*% P)),
    XAsym = max(abs(t(P %*% A) - P %*% A)))
}

low_rank <- function(m, n, r) {
  matrix(rnorm(m * r), m) %*% matrix(rnorm(r * n), r)
}

test_that("the four Penrose conditions hold on rank-deficient rectangles", {
  set.seed(11)
  for (sh in list(c(9, 5, 3), c(4, 11, 2), c(20, 20, 7), c(6, 6, 6))) {
    A <- low_rank(sh[1], sh[2], sh[3])
    P <- pinv(A)
    expect_identical(dim(P), as.integer(sh[2:1]))
    expect_true(all(penrose(A, P) < 1e-10 * max(1, max(abs(A)))^2),
                info = paste(sh, collapse = "x"))
  }
})

test_that("pinv agrees with MASS::ginv and with solve() on a regular matrix", {
  skip_if_not_installed("MASS")
  set.seed(12)
  A <- low_rank(13, 7, 4)
  expect_equal(pinv(A), MASS::ginv(A), tolerance = 1e-10)
  B <- low_rank(5, 17, 3)
  expect_equal(pinv(B), MASS::ginv(B), tolerance = 1e-10)
  S <- matrix(rnorm(36), 6) + diag(6) * 5
  expect_equal(pinv(S), solve(S), tolerance = 1e-12)
})

test_that("zero, 1 x 1 and empty matrices", {
  Z <- pinv(matrix(0, 5, 4))
  expect_identical(dim(Z), c(4L, 5L))
  expect_true(all(Z == 0))
  expect_equal(pinv(matrix(4)), matrix(0.25), tolerance = 1e-15)
  expect_equal(pinv(matrix(0)), matrix(0))
  expect_equal(pinv(matrix(-2)), matrix(-0.5), tolerance = 1e-15)
  expect_identical(dim(pinv(matrix(0, 0, 3))), c(3L, 0L))
  expect_identical(dim(pinv(matrix(0, 3, 0))), c(0L, 3L))
})

test_that("tol decides which singular values count", {
  set.seed(13)
  U <- qr.Q(qr(matrix(rnorm(8 * 3), 8)))
  V <- qr.Q(qr(matrix(rnorm(3 * 3), 3)))   # A is 8 x 3: three singular values
  s <- c(10, 1, 1e-6)
  A <- U %*% diag(s) %*% t(V)
  full <- V %*% diag(1 / s) %*% t(U)
  cut <- V %*% diag(c(1 / s[1:2], 0)) %*% t(U)
  expect_equal(pinv(A), full, tolerance = 1e-8)
  expect_equal(pinv(A, tol = 1e-3), cut, tolerance = 1e-10)
  ## a singular value equal to tol counts as zero (exact singular values)
  D <- diag(c(3, 2, 0.5))
  expect_equal(pinv(D, tol = 0.5), diag(c(1 / 3, 0.5, 0)), tolerance = 1e-15)
  expect_equal(pinv(D, tol = 0.4999), diag(c(1 / 3, 0.5, 2)), tolerance = 1e-15)
  expect_equal(pinv(A, tol = 0), full, tolerance = 1e-8)
  expect_true(all(pinv(A, tol = 100) == 0))
  ## the default tolerance drops a singular value at round-off level
  B <- U %*% diag(c(1, 1, 1e-18)) %*% t(V)
  expect_equal(pinv(B), V %*% diag(c(1, 1, 0)) %*% t(U), tolerance = 1e-10)
})

test_that("integer, logical and vector input is coerced; dimnames are reversed", {
  Ai <- matrix(c(1L, 2L, 3L, 4L, 5L, 6L), 3)
  expect_equal(pinv(Ai), pinv(Ai * 1.0))
  Al <- matrix(c(TRUE, FALSE, TRUE, TRUE), 2)
  expect_equal(pinv(Al), solve(Al * 1), tolerance = 1e-12)
  expect_equal(pinv(1:3), matrix(1:3 / 14, 1), tolerance = 1e-15)
  A <- matrix(1:6 + 0, 2, dimnames = list(c("a", "b"), c("x", "y", "z")))
  expect_identical(dimnames(pinv(A)), list(c("x", "y", "z"), c("a", "b")))
})

test_that("the input is left unchanged", {
  set.seed(14)
  A <- low_rank(6, 9, 3)
  A0 <- A + 0
  pinv(A)
  expect_identical(A, A0)
})

test_that("invalid input is rejected with messages naming the argument", {
  expect_error(pinv(matrix(letters[1:4], 2)),
               "'A' must be a numeric matrix, not a character matrix")
  expect_error(pinv(data.frame(a = 1:2)), "'A' must be a numeric matrix, not a list")
  expect_error(pinv(list(1, 2)), "'A' must be a numeric matrix, not a list")
  expect_error(pinv(matrix(c(1, NA, 3, 4), 2)),
               "'A' must be finite: 1 entries are NA, NaN or infinite")
  expect_error(pinv(matrix(c(1, Inf, -Inf, 4), 2)),
               "'A' must be finite: 2 entries")
  expect_error(pinv(diag(2), tol = -1), "'tol' must be >= 0")
  expect_error(pinv(diag(2), tol = NA), "'tol' must be a single finite number")
  expect_error(pinv(diag(2), tol = c(1, 2)), "'tol' must be a single finite number")
  expect_error(pinv(diag(2), tol = "a"), "'tol' must be a single finite number")
})
