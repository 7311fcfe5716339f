## Sparse input (Matrix::dgCMatrix): read in place, never densified, and the
## same fit as its dense twin for the same seed.

sparse_twin <- function(m, n, density, seed) {
  set.seed(seed)
  S <- Matrix::rsparsematrix(m, n, density, rand.x = function(k) runif(k))
  list(S = S, D = as.matrix(S))
}

fit_pair <- function(S, D, seed, ...) {
  set.seed(seed); a <- suppressWarnings(mlnmf(S, ...))
  set.seed(seed); b <- suppressWarnings(mlnmf(D, ...))
  list(sparse = a, dense = b)
}

expect_same_fit <- function(p, tol = 1e-10, label = "") {
  for (i in seq_len(p$dense$layers)) {
    expect_lt(rdiff(p$sparse$F[[i]], p$dense$F[[i]]), tol, label = paste(label, "F", i))
    expect_lt(rdiff(p$sparse$G[[i]], p$dense$G[[i]]), tol, label = paste(label, "G", i))
  }
  ## the sparse error comes from the Gram identity: absolute accuracy ~1e-8
  expect_lt(max(abs(p$sparse$error - p$dense$error)), 1e-7, label = paste(label, "error"))
  expect_identical(p$sparse$iter, p$dense$iter, label = paste(label, "iter"))
}

test_that("a sparse matrix and its dense twin give the same fit (every method and start)", {
  tw <- sparse_twin(40, 30, 0.25, 1)
  for (m in c("hals", "mu", "kl"))
    for (init in c("nndsvd", "nndsvda", "nndsvdar", "random")) {
      p <- fit_pair(tw$S, tw$D, 7, rank = 4, layers = 1, method = m,
                    init = init, maxit = 40)
      expect_same_fit(p, label = paste(m, init))
      expect_true(p$sparse$sparse)
      expect_false(p$dense$sparse)
    }
})

test_that("sparse = dense for several shapes, a cascade, and the range finder", {
  shapes <- list(c(1, 30, 1), c(30, 1, 1), c(25, 60, 3), c(60, 25, 3),
                 c(200, 150, 4))  # the last: min(dim) > 4 (k + 10), randomized SVD
  for (sh in shapes) {
    tw <- sparse_twin(sh[1], sh[2], 0.3, 2)
    for (m in c("hals", "kl")) {
      p <- fit_pair(tw$S, tw$D, 3, rank = sh[3], layers = 1, method = m, maxit = 25)
      expect_same_fit(p, label = paste(paste(sh, collapse = "x"), m))
    }
  }
  tw <- sparse_twin(50, 40, 0.2, 4)
  p <- fit_pair(tw$S, tw$D, 5, rank = c(6, 4, 2), maxit = 30)
  expect_same_fit(p, label = "cascade")
})

test_that("predict() of sparse new data equals predict() of the dense twin", {
  tw <- sparse_twin(40, 60, 0.3, 5)
  set.seed(1)
  fit <- suppressWarnings(mlnmf(tw$S, c(5, 3), maxit = 50))
  for (m in c("hals", "kl")) {
    fit$method <- m
    expect_lt(rdiff(predict(fit, tw$S[, 1:12]), predict(fit, tw$D[, 1:12])), 1e-10)
  }
})

test_that("other Matrix classes are read as dgCMatrix; results match", {
  tw <- sparse_twin(30, 20, 0.3, 6)
  set.seed(2); ref <- suppressWarnings(nmf(tw$S, 3, maxit = 30))
  for (Y in list(methods::as(tw$S, "TsparseMatrix"), Matrix::Matrix(tw$D, sparse = FALSE))) {
    set.seed(2); f <- suppressWarnings(nmf(Y, 3, maxit = 30))
    expect_equal(f$F[[1]], ref$F[[1]], tolerance = 1e-12)
  }
})

test_that("results are identical for 1 and 2 threads on sparse data", {
  tw <- sparse_twin(300, 400, 0.3, 9)      # large enough for the threaded kernels
  for (m in c("hals", "mu", "kl")) {
    set.seed(1); a <- suppressWarnings(nmf(tw$S, 5, method = m, maxit = 15, threads = 1))
    set.seed(1); b <- suppressWarnings(nmf(tw$S, 5, method = m, maxit = 15, threads = 2))
    expect_identical(a$F, b$F, label = m)
    expect_identical(a$G, b$G, label = m)
  }
})

test_that("sparse data are validated and never modified", {
  tw <- sparse_twin(20, 15, 0.3, 3)
  S <- tw$S
  S0 <- S
  set.seed(1); f <- suppressWarnings(nmf(S, 2, maxit = 20))
  expect_identical(S, S0)
  neg <- S; neg@x[2] <- -1
  expect_error(nmf(neg, 2), "'X' must be nonnegative: 1 entries are negative")
  inf <- S; inf@x[1] <- Inf
  expect_error(nmf(inf, 2), "'X' must be finite: 1 entries are infinite")
  na <- S; na@x[3] <- NA
  expect_error(nmf(na, 2), "'X' must be finite: 1 entries are NA or NaN \\(give mask = \"NA\"")
  expect_error(nmf(S * 0, 2), "'X' is all zero")
  expect_error(nmf(Matrix::Matrix(0, 0, 3, sparse = TRUE), 1), "at least one row and one column")
})

test_that("fitted() and residuals() of a sparse fit are dense only on request", {
  tw <- sparse_twin(30, 20, 0.3, 8)
  set.seed(1); f <- suppressWarnings(nmf(tw$S, 3, maxit = 30))
  op <- options(mlnmf.dense_max = 100)
  expect_error(residuals(f), "sparse and its residuals would be a dense 30 x 20 matrix \\(4.69 KiB\\), more than getOption\\(\"mlnmf.dense_max\"\\) = 100 entries.*dense = TRUE")
  expect_error(fitted(f), "dense = TRUE")
  options(op)
  R <- residuals(f, dense = TRUE)
  expect_equal(R, tw$D - fitted(f, dense = TRUE), tolerance = 1e-14, ignore_attr = TRUE)
  expect_equal(sqrt(sum(R^2) / sum(tw$D^2)), f$error, tolerance = 1e-8)
  expect_output(print(f), "30 x 20 \\(sparse\\)")
})

test_that("the error of a sparse fit (through the Gram identity) matches plain R", {
  tw <- sparse_twin(80, 70, 0.1, 10)
  for (m in c("hals", "mu", "kl")) {
    set.seed(3); f <- suppressWarnings(mlnmf(tw$S, c(6, 3), method = m, maxit = 40))
    expect_equal(f$error, ref_errors(f, tw$D), tolerance = 1e-8, label = m)
  }
})

test_that("dependence(), layer_map() and finetune() read sparse data like dense", {
  tw <- sparse_twin(40, 50, 0.3, 12)
  p <- fit_pair(tw$S, tw$D, 2, rank = c(6, 4, 3), maxit = 40)
  da <- dependence(p$sparse)
  db <- dependence(p$dense)
  expect_equal(da$map_error, db$map_error, tolerance = 1e-8)
  expect_equal(da$recon_fit, db$recon_fit, tolerance = 1e-6)
  expect_equal(layer_map(p$sparse, 1), layer_map(p$dense, 1), tolerance = 1e-8)
  fa <- suppressWarnings(finetune(p$sparse, maxit = 10, threads = 1))
  fb <- suppressWarnings(finetune(p$dense, maxit = 10, threads = 1))
  expect_equal(fa$F, fb$F, tolerance = 1e-8)
  expect_lt(abs(fa$error[3] - fb$error[3]), 1e-7)
  fk <- suppressWarnings(finetune(p$sparse, maxit = 5, method = "kl", threads = 1))
  expect_true(all(is.finite(fk$error)))
})

test_that("a masked fit is refused by finetune() with a clear error", {
  set.seed(1)
  X <- matrix(runif(200), 20, 10); X[3, 3] <- NA
  f <- nmf(X, 2, mask = "NA", maxit = 20)
  expect_error(finetune(f), "missing entries \\(a mask\\): fine-tuning is not supported")
  expect_error(mlnmf(X, 2, mask = "NA", finetune = TRUE), "'finetune' is not supported with missing entries")
})

test_that("permutation_test() of a sparse fit equals that of its dense twin", {
  tw <- sparse_twin(30, 60, 0.4, 13)
  p <- fit_pair(tw$S, tw$D, 4, rank = 5, layers = 9, maxit = 30)
  a <- permutation_test(p$sparse, reps = 2, seed = 3)
  b <- permutation_test(p$dense, reps = 2, seed = 3)
  expect_identical(a$order, b$order)
  expect_equal(a$error, b$error, tolerance = 1e-6)
  expect_equal(a$mse, b$mse, tolerance = 1e-6)
})

test_that("permutation errors of a masked fit are over its observed entries", {
  set.seed(14)
  X <- matrix(runif(20 * 40), 20, 40)
  M <- matrix(runif(800) < 0.2, 20, 40)
  f <- suppressWarnings(mlnmf(X, 4, layers = 9, maxit = 30, mask = M))
  pt <- permutation_test(f, reps = 1, seed = 1)
  o <- as.integer(strsplit(pt$order[1], ",")[[1]])
  mv <- as.integer(strsplit(pt$moved[1], ",")[[1]])
  ord <- seq_len(9); ord[mv] <- o
  R <- (X - Reduce(`%*%`, c(f$F[ord], list(f$G[[9]]))))[!M]
  expect_equal(pt$error[1], sum(R^2), tolerance = 1e-8)
  expect_equal(pt$mse[1], sum(R^2) / sum(!M), tolerance = 1e-8)
  d <- dependence(f)
  expect_true(all(is.finite(d$map_error)))
})

test_that("a sparse matrix read by rows equals its dense twin read by rows", {
  tw <- sparse_twin(40, 25, 0.3, 15)
  set.seed(1); a <- suppressWarnings(nmf(tw$S, 3, samples = "rows", maxit = 30))
  set.seed(1); b <- suppressWarnings(nmf(tw$D, 3, samples = "rows", maxit = 30))
  expect_identical(a$dim, c(25L, 40L))
  expect_lt(rdiff(a$F[[1]], b$F[[1]]), 1e-10)
  expect_error(fitted(a, dense = NA), "'dense' must be TRUE or FALSE")
  expect_error(residuals(b, dense = "yes"), "'dense' must be TRUE or FALSE")
})
