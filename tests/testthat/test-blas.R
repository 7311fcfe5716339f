## The products with a large dense X run over column blocks with R's
## reference BLAS and as one call with an optimised BLAS (R/zzz.R,
## src/xops.c); both must give the same fits up to rounding.

test_that("reference_blas() recognises the BLAS libraries R reports", {
  rb <- mlnmf:::reference_blas
  expect_true(rb("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"))
  expect_true(rb("/usr/lib/R/lib/libRblas.so"))
  expect_true(rb(""))
  expect_true(rb(NA_character_))
  expect_false(rb("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"))
  expect_false(rb("/opt/intel/mkl/lib/intel64/libmkl_rt.so"))
  expect_false(rb("/System/Library/Frameworks/Accelerate.framework/Versions/A/Frameworks/vecLib.framework/Versions/A/libBLAS.dylib"))
  expect_false(rb("/usr/lib/x86_64-linux-gnu/libflexiblas.so.3"))
})

test_that("blocked and unblocked products give the same fits", {
  set_blocked <- function(flag) .Call(mlnmf:::C_mlnmf_set_blocked, flag)
  old <- set_blocked(TRUE)
  on.exit(set_blocked(old))
  set.seed(11)
  X <- matrix(runif(450 * 330), 450)     # 148500 entries: above the block threshold
  fit_with <- function(flag) {
    set_blocked(flag)
    set.seed(3)
    fit <- nmf(X, 6, maxit = 5, tol = 0, init = "random")
    small <- nmf(X[, 1:40], 6, maxit = 3, tol = 0)
    list(fit = fit, proj = predict(small, X, maxit = 3))
  }
  a <- suppressWarnings(fit_with(TRUE))
  b <- suppressWarnings(fit_with(FALSE))
  expect_equal(b$fit$F[[1]], a$fit$F[[1]], tolerance = 1e-9)
  expect_equal(b$fit$G[[1]], a$fit$G[[1]], tolerance = 1e-9)
  expect_equal(b$fit$error, a$fit$error, tolerance = 1e-12)
  expect_equal(b$proj, a$proj, tolerance = 1e-9)
  expect_error(set_blocked(NA), "TRUE or FALSE")
  expect_error(set_blocked(1L), "TRUE or FALSE")
})
