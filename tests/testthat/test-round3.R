## Issue 23 (round 3 of the hardening): each numbered defect, each of the
## peers' conventions and each bounded output has a test here that failed
## on 0.3.0.

cpu3 <- function(expr) {
  t0 <- sum(proc.time()[c("user.self", "sys.self")])
  force(expr)
  sum(proc.time()[c("user.self", "sys.self")]) - t0
}

## ---- defect 2: dependence() of data with more than 2^31 entries ----------

test_that("dependence() and layer_map() take sparse data of more than 2^31 entries", {
  skip_if_not_installed("Matrix")
  set.seed(1)
  n <- 50000L                                   # n^2 = 2.5e9 > 2^31 entries
  nz <- 4000L
  X <- Matrix::sparseMatrix(sample.int(n, nz, TRUE), sample.int(n, nz, TRUE),
                            x = runif(nz) + 0.1, dims = c(n, n))
  fit <- suppressWarnings(mlnmf(X, c(3, 2), maxit = 20))
  dep <- dependence(fit)
  Z <- layer_map(fit, 1)
  ## the plain-R reference, without densifying X (X pinv(G2) is n x 2)
  Fi <- fit$F[[1]]; Fn <- fit$F[[2]]; Gn <- fit$G[[2]]
  Zr <- pinv(Fi) %*% as.matrix(X %*% pinv(Gn))
  expect_equal(Z, Zr, tolerance = 1e-8, ignore_attr = TRUE)
  expect_equal(dep$map_error, sqrt(sum((Fn - Zr)^2) / sum(Fn^2)), tolerance = 1e-8)
})

## ---- defect 3: nothing proportional to maxit -----------------------------

test_that("finetune(maxit = 2e9) allocates no trace proportional to maxit", {
  set.seed(3)
  X <- matrix(runif(40 * 30), 40, 30)
  fit <- suppressWarnings(mlnmf(X, c(4, 3), maxit = 50))
  ## 2e9 is refused by check_count (>= .Machine$integer.max); 2e9 - 1 is not
  gc(reset = TRUE)
  t <- cpu3(ft <- finetune(fit, maxit = 2e9 - 1, tol = 1e-3))
  expect_lt(t, 5)
  expect_lt(max(gc()[, 6]), 500)   # MB peak of R's heap, not 16 GB
  expect_true(ft$finetune$converged)
  expect_identical(length(ft$finetune$trace), ft$finetune$iter + 1L)
  ## the trace grows with the iterations actually run, the same values
  ft2 <- finetune(fit, maxit = ft$finetune$iter, tol = 1e-3)
  expect_identical(ft2$finetune$trace, ft$finetune$trace)
  expect_identical(ft2$F, ft$F)
})

test_that("the registered mlnmf_fit routine keeps no trace of maxit + 1 entries", {
  set.seed(4)
  X <- matrix(runif(30 * 20), 30, 20)
  opts <- list(method = 0L, init = 0L, normalize = 1L, maxit = 1e9L, tol = 1e-3,
               eps = 1e-16, inner_max = 50L, inner_alpha = 0.5, inner_delta = 0.1,
               extrapolate = TRUE, verbose = 0L, threads = 1L, trace = TRUE,
               progress = FALSE, l1 = c(0, 0), l2 = c(0, 0))
  before <- gc(reset = TRUE)
  t <- cpu3(res <- .Call(mlnmf:::C_mlnmf_fit, X, 2L, opts, NULL, NULL, NULL))
  expect_lt(t, 5)
  expect_true(res$converged)
  ## a trace is either absent or the iterations that ran, never 1e9 + 1
  expect_lte(length(res$trace[[1]]), res$iter + 1L)
  expect_lt(max(gc()[, 6]), 500)   # MB peak of R's heap: not the 7.6 GB of 1e9 doubles
})

## ---- defect 4: the error of a sparse fit without cancellation ------------

test_that("fit$error of a sparse fit is exact on an exactly representable matrix", {
  skip_if_not_installed("Matrix")
  set.seed(5)
  W <- matrix(0, 60, 3); H <- matrix(0, 3, 40)
  W[cbind(1:60, rep(1:3, 20))] <- sample(1:4, 60, TRUE)
  H[cbind(rep(1:3, length.out = 40), 1:40)] <- sample(1:4, 40, TRUE)
  Xd <- W %*% H                                  # exact, 2/3 zeros
  Xs <- Matrix::Matrix(Xd, sparse = TRUE)
  fs <- suppressWarnings(nmf(Xs, 3, maxit = 2000, tol = 0))
  fd <- suppressWarnings(nmf(Xd, 3, maxit = 2000, tol = 0))
  ## the error recomputed in R entry by entry from the sparse fit's factors
  ref <- sqrt(sum((Xd - fs$F[[1]] %*% fs$G[[1]])^2) / sum(Xd^2))
  expect_lt(ref, 1e-12)
  expect_lt(abs(fs$error - ref), 1e-13)
  expect_lt(fs$error, 1e-12)
  expect_lt(fd$error, 1e-12)
})

test_that("the sparse residual equals the dense one on random data (all mask kinds)", {
  skip_if_not_installed("Matrix")
  set.seed(6)
  Xd <- matrix(rpois(50 * 35, 0.7), 50, 35)
  Xs <- Matrix::Matrix(Xd, sparse = TRUE)
  fs <- suppressWarnings(mlnmf(Xs, c(4, 2), maxit = 30))
  fd <- suppressWarnings(mlnmf(Xd, c(4, 2), maxit = 30))
  expect_equal(fs$error, fd$error, tolerance = 1e-10)
  ## a masked sparse fit: the observed entries only
  M <- matrix(FALSE, 50, 35); M[sample.int(50 * 35, 200)] <- TRUE
  fm <- suppressWarnings(mlnmf(Xs, 3, mask = M, maxit = 30))
  P <- fm$F[[1]] %*% fm$G[[1]]
  expect_equal(fm$error, sqrt(sum((Xd - P)[!M]^2) / sum(Xd[!M]^2)), tolerance = 1e-10)
})

test_that("finetune()'s error of a sparse fit comes from the exact C pass", {
  skip_if_not_installed("Matrix")
  set.seed(7)
  W <- matrix(0, 40, 2); H <- matrix(0, 2, 30)
  W[cbind(1:40, rep(1:2, 20))] <- 1 + (1:40 %% 3)
  H[cbind(rep(1:2, 15), 1:30)] <- 1 + (1:30 %% 2)
  Xd <- W %*% H
  Xs <- Matrix::Matrix(Xd, sparse = TRUE)
  fit <- suppressWarnings(mlnmf(Xs, c(2, 2), maxit = 2000, tol = 0))
  for (m in c("hals", "kl")) {
    ft <- suppressWarnings(finetune(fit, maxit = 50, method = m))
    P <- Reduce(`%*%`, ft$F) %*% ft$G[[2]]
    ref <- sqrt(sum((Xd - P)^2) / sum(Xd^2))
    expect_lt(abs(ft$error[2] - ref), 1e-13)
  }
})

## ---- defect 5: an explicit X in the user's layout ------------------------

test_that("finetune(), dependence(), layer_map() and permutation_test() read X as mlnmf() did", {
  Xu <- iris[, 1:4]                              # 150 samples in rows
  fit <- suppressMessages(suppressWarnings(mlnmf(Xu, c(3, 3, 3), maxit = 100)))
  expect_identical(fit$samples, "rows")
  ft <- suppressWarnings(finetune(fit, Xu, maxit = 5))
  expect_identical(ft$F, suppressWarnings(finetune(fit, maxit = 5))$F)
  expect_identical(dependence(fit, Xu), dependence(fit))
  expect_identical(layer_map(fit, 1, X = Xu), layer_map(fit, 1))
  expect_identical(permutation_test(fit, Xu, groups = 1, reps = 2, seed = 1)$error,
                   permutation_test(fit, groups = 1, reps = 2, seed = 1)$error)
  ## the model's layout (4 x 150) is the wrong shape for this fit
  expect_error(dependence(fit, t(as.matrix(Xu))), "'X' must be 150 x 4")
  expect_error(finetune(fit, t(as.matrix(Xu))), "'X' must be 150 x 4")
  ## a matrix fit (samples in columns) still takes d x N
  X <- t(as.matrix(Xu))
  fc <- suppressWarnings(mlnmf(X, c(3, 3, 3), maxit = 100))
  expect_identical(dependence(fc, X), dependence(fc))
})

## ---- defect 6: permutation_test() near the largest double ----------------

test_that("permutation_test() at 1e308 refuses clearly instead of Inf and NaN", {
  set.seed(8)
  X <- matrix(runif(30 * 20), 30, 20)
  fit <- suppressWarnings(mlnmf(X, c(3, 3, 3), maxit = 50))
  fit$data <- X * 1e308     # squared errors beyond the largest double
  res <- tryCatch(permutation_test(fit, groups = 1, reps = 2, seed = 1),
                  error = function(e) e)
  if (inherits(res, "error")) {
    expect_match(conditionMessage(res), "beyond the largest double")
  } else {
    num <- vapply(res, is.numeric, NA)
    expect_true(all(is.finite(as.matrix(res[num]))))
  }
  ## data at 1e300 fitted on their own scale: the squared errors overflow
  f2 <- suppressWarnings(mlnmf(X * 1e300, c(3, 3, 3), maxit = 50))
  expect_error(permutation_test(f2, groups = 1, reps = 2, seed = 1),
               "beyond the largest double")
  ## at 1e150 they do not, and rel_error is the unscaled one
  f1 <- suppressWarnings(mlnmf(X, c(3, 3, 3), maxit = 50))
  f3 <- suppressWarnings(mlnmf(X * 1e150, c(3, 3, 3), maxit = 50))
  expect_equal(permutation_test(f3, groups = 1, reps = 2, seed = 1)$rel_error,
               permutation_test(f1, groups = 1, reps = 2, seed = 1)$rel_error,
               tolerance = 1e-8)
})

## ---- defect 7: what the mask help says of hidden rows is true ------------

test_that("hidden rows: the warning and the help say what happens to them", {
  set.seed(9)
  X <- matrix(runif(30 * 20), 30, 20)
  M <- matrix(FALSE, 30, 20); M[5, ] <- TRUE        # row 5 hidden
  expect_warning(f <- mlnmf(X, 3, mask = M, L2 = 0.5, maxit = 300),
                 "not estimated from the data")
  ## with L2 the hidden row is driven to the floor, not kept at its start
  expect_lt(max(f$F[[1]][5, ]), 1e-6 * max(f$F[[1]]))
  rd <- tools::Rd_db("mlnmf")
  txt <- paste(unlist(lapply(rd, as.character)), collapse = "")
  expect_false(grepl("keep their starting values", txt, fixed = TRUE))
})

## ---- the peers' conventions ----------------------------------------------

test_that("fitted(), residuals(), reconstruct() of a sparse fit are dense below a bound", {
  skip_if_not_installed("Matrix")
  set.seed(10)
  Xd <- matrix(rpois(40 * 30, 0.8), 40, 30)
  Xs <- Matrix::Matrix(Xd, sparse = TRUE)
  f <- suppressWarnings(mlnmf(Xs, c(4, 4, 4), maxit = 30))
  P <- Reduce(`%*%`, f$F) %*% f$G[[3]]
  expect_equal(fitted(f), P, ignore_attr = TRUE, tolerance = 1e-12)
  expect_equal(residuals(f), Xd - P, ignore_attr = TRUE, tolerance = 1e-12)
  expect_equal(reconstruct(f), P, ignore_attr = TRUE, tolerance = 1e-12)
  expect_equal(reconstruct(f, c(1, 3, 2)), f$F[[1]] %*% f$F[[3]] %*% f$F[[2]] %*% f$G[[3]],
               ignore_attr = TRUE, tolerance = 1e-12)
  op <- options(mlnmf.dense_max = 1000)           # 40 x 30 = 1200 entries
  on.exit(options(op))
  for (fn in list(fitted, residuals, reconstruct))
    expect_error(fn(f), "more than getOption\\(\"mlnmf.dense_max\"\\) = 1000 entries.*dense = TRUE")
  expect_equal(reconstruct(f, dense = TRUE), P, ignore_attr = TRUE, tolerance = 1e-12)
  options(mlnmf.dense_max = 1e7)
  expect_error(fitted(f, dense = FALSE), "would be a dense 40 x 30 matrix")
  options(mlnmf.dense_max = "a")
  expect_error(fitted(f), "option 'mlnmf.dense_max' must be a single number >= 0")
})

test_that("starting factors fix the rank: 'rank' may be omitted", {
  set.seed(11)
  X <- matrix(runif(30 * 20), 30, 20)
  W0 <- matrix(runif(30 * 4), 30, 4); H0 <- matrix(runif(4 * 20), 4, 20)
  a <- suppressWarnings(nmf(X, init = list(F = W0, G = H0), maxit = 20))
  b <- suppressWarnings(nmf(X, 4, init = list(F = W0, G = H0), maxit = 20))
  a$call <- b$call <- NULL
  expect_identical(a, b)
  expect_identical(a$rank, 4L)
  F2 <- matrix(runif(4 * 2), 4, 2); G2 <- matrix(runif(2 * 20), 2, 20)
  m <- suppressWarnings(mlnmf(X, init = list(F = list(W0, F2), G = list(H0, G2)), maxit = 20))
  expect_identical(m$rank, c(4L, 2L))
  expect_identical(m$layers, 2L)
  expect_error(mlnmf(X), "'rank' is missing: .*starting factors in 'init'")
  expect_error(nmf(X, init = "random"), "'rank' is missing")
})

test_that("more components than rows or columns are refused with the reason", {
  X <- matrix(runif(6 * 20), 6, 20)
  expect_error(nmf(X, 8), "larger than min\\(dim\\(X\\)\\) = 6 .*cannot fit better.*use at most 6")
  expect_error(mlnmf(X, c(5, 7)), "'rank' of layer 2 is 7.*use at most 5")
})

## ---- bounded outputs and costs -------------------------------------------

test_that("the RNG state is saved when a random start is followed by an error", {
  set.seed(12)
  Y <- matrix(runif(300 * 200), 300, 200)
  set.seed(5); u <- runif(1)
  ## an interrupt after layer 1's random start: the stream has moved on
  set.seed(5)
  r <- tryCatch({
    setTimeLimit(cpu = 0.2, transient = TRUE)
    mlnmf(Y, 20, init = "random", maxit = 1e6, tol = 0)
  }, error = function(e) e)
  setTimeLimit(cpu = Inf, elapsed = Inf)
  expect_s3_class(r, "error")
  expect_false(identical(runif(1), u))
})

test_that("?nmf says that library(mlnmf) masks NMF::nmf and RcppML::nmf", {
  rd <- tools::Rd_db("mlnmf")[["mlnmf.Rd"]]
  txt <- paste(as.character(rd), collapse = "")
  expect_match(txt, "masks theirs")
  expect_match(txt, "mlnmf::nmf(X, rank = 4", fixed = TRUE)
})

test_that("layer and pair axes get integer ticks; the legends sit off the data", {
  expect_identical(
    { ticks <- NULL
      grDevices::pdf(NULL); on.exit(grDevices::dev.off(), add = TRUE)
      plot(1:7, xaxt = "n"); trace_axis <- function(side, at, ...) ticks <<- at
      environment(trace_axis) <- environment()
      f <- mlnmf:::int_axis; environment(f) <- list2env(list(axis = trace_axis), parent = environment(f))
      f(1L, 7L); ticks }, c(1, 2, 3, 4, 5, 6, 7))
  set.seed(13)
  X <- matrix(runif(20 * 30), 20, 30)
  fit <- suppressWarnings(mlnmf(X, c(4, 4, 4), maxit = 30))
  grDevices::pdf(NULL)
  expect_s3_class(plot(fit), "mlnmf")
  expect_s3_class(plot(fit, type = "trace"), "mlnmf")
  expect_s3_class(plot(dependence(fit)), "mlnmf_dependence")
  grDevices::dev.off()
})
