test_that("mlnmf returns the documented structure", {
  set.seed(1)
  X <- matrix(runif(12 * 50), 12, 50)
  fit <- mlnmf(X, rank = c(6, 4, 2))
  expect_s3_class(fit, "mlnmf")
  expect_equal(fit$layers, 3L)
  expect_equal(lapply(fit$F, dim), list(layer1 = c(12L, 6L), layer2 = c(6L, 4L),
                                        layer3 = c(4L, 2L)))
  expect_equal(lapply(fit$G, dim), list(layer1 = c(6L, 50L), layer2 = c(4L, 50L),
                                        layer3 = c(2L, 50L)))
  expect_length(fit$error, 3)
  expect_equal(fit$error, ref_errors(fit, X), tolerance = 1e-8)
  expect_true(all(vapply(c(fit$F, fit$G), function(M) all(is.finite(M) & M >= 0), NA)))
  expect_equal(coef(fit), fit$G[[3]])
  expect_equal(unname(fitted(fit)),
               unname(fit$F[[1]] %*% fit$F[[2]] %*% fit$F[[3]] %*% fit$G[[3]]))
  expect_equal(residuals(fit), X - fitted(fit))
})

test_that("a scalar rank is used for every layer and layers defaults to length(rank)", {
  set.seed(2)
  X <- matrix(runif(8 * 30), 8, 30)
  fit <- mlnmf(X, rank = 3, layers = 5)
  expect_equal(fit$rank, rep(3L, 5))
  expect_equal(mlnmf(X, rank = c(4, 3))$layers, 2L)
})

test_that("each layer factorizes the previous G", {
  set.seed(3)
  X <- separable(15, 40, 5)
  fit <- mlnmf(X, rank = c(5, 5, 3), maxit = 5000, tol = 1e-14)
  # layer 2 input has exact rank 5: its factorization is near exact
  expect_lt(norm(fit$G[[1]] - fit$F[[2]] %*% fit$G[[2]], "F") /
              norm(fit$G[[1]], "F"), 1e-5)
})

test_that("normalize puts the scale of F into G", {
  set.seed(4)
  X <- matrix(runif(10 * 30), 10, 30)
  f1 <- mlnmf(X, rank = c(4, 3), normalize = "l1")
  for (Fi in f1$F) expect_equal(unname(colSums(Fi)), rep(1, ncol(Fi)), tolerance = 1e-12)
  f2 <- mlnmf(X, rank = c(4, 3), normalize = "l2")
  for (Fi in f2$F) expect_equal(unname(sqrt(colSums(Fi^2))), rep(1, ncol(Fi)), tolerance = 1e-12)
  f3 <- mlnmf(X, rank = c(4, 3), normalize = "max")
  for (Fi in f3$F) expect_equal(unname(apply(Fi, 2, max)), rep(1, ncol(Fi)), tolerance = 1e-12)
  f0 <- mlnmf(X, rank = c(4, 3), normalize = "none")
  # normalisation does not change the reconstruction of the first layer
  expect_equal(f0$error[1], f1$error[1], tolerance = 1e-10)
})

test_that("the same seed gives identical fits, and the user's RNG is advanced, not reset", {
  X <- matrix(runif(20 * 30), 20, 30)
  for (init in c("random", "nndsvdar")) {
    set.seed(42); a <- mlnmf(X, rank = c(4, 2), init = init)
    set.seed(42); b <- mlnmf(X, rank = c(4, 2), init = init)
    a$call <- b$call <- NULL
    expect_identical(a, b)
  }
  set.seed(42); u1 <- runif(1)
  set.seed(42); invisible(mlnmf(X, rank = 3, init = "random")); u2 <- runif(1)
  expect_false(u1 == u2)
})

test_that("nndsvd on a large matrix uses only the leading triplets and is reproducible", {
  set.seed(5)
  X <- lowrank(300, 200, 6) + matrix(runif(60000, 0, 0.01), 300, 200)
  set.seed(1); a <- suppressWarnings(nmf(X, 6, maxit = 1))
  set.seed(1); b <- suppressWarnings(nmf(X, 6, maxit = 1))
  expect_identical(a$F, b$F)
  # the randomized range finder start is already a good factorization
  expect_lt(suppressWarnings(nmf(X, 6, maxit = 1))$error, 0.1)
})

## The NNDSVD start (Boutsidis and Gallopoulos 2008) from R's svd(): the
## pure-R reference of src/nndsvd.c's Gram path (min(dim) <= 4 (k + 10),
## the k leading eigenpairs of the short side's Gram matrix), both
## orientations.  maxit = 0 returns the start after the solver's best
## scaling of it (one factor for all of W, its inverse-like for H), so the
## columns of F and the rows of G are compared as directions.
nndsvd_ref <- function(X, k) {
  s <- svd(X, nu = k, nv = k)
  nrm <- function(x) sqrt(sum(x^2))
  W <- matrix(0, nrow(X), k); H <- matrix(0, k, ncol(X))
  W[, 1] <- sqrt(s$d[1]) * abs(s$u[, 1]); H[1, ] <- sqrt(s$d[1]) * abs(s$v[, 1])
  for (j in seq_len(k)[-1]) {
    u <- s$u[, j]; v <- s$v[, j]
    up <- pmax(u, 0); un <- pmax(-u, 0); vp <- pmax(v, 0); vn <- pmax(-v, 0)
    mp <- nrm(up) * nrm(vp); mn <- nrm(un) * nrm(vn)
    if (mp >= mn) { a <- up; b <- vp; mm <- mp } else { a <- un; b <- vn; mm <- mn }
    W[, j] <- sqrt(s$d[j] * mm) * a / nrm(a); H[j, ] <- sqrt(s$d[j] * mm) * b / nrm(b)
  }
  list(W = W, H = H)
}

test_that("the NNDSVD start is the one computed from R's svd()", {
  set.seed(17)
  unit <- function(M, margin) sweep(M, margin, apply(M, margin, function(x) sqrt(sum(x^2))), "/")
  for (d in list(c(60, 25, 4), c(25, 60, 4), c(500, 38, 3), c(10, 1000, 10), c(40, 40, 7))) {
    ## distinct singular values (the start is defined up to the sign of each pair)
    X <- matrix(rexp(d[1] * d[2]), d[1]) %*% diag(seq(2, 1, length.out = d[2]))
    f <- suppressWarnings(nmf(X, d[3], maxit = 0))
    r <- nndsvd_ref(X, d[3])
    lab <- paste(d, collapse = "x")
    expect_equal(unit(f$F[[1]], 2), unit(r$W, 2), tolerance = 1e-9, ignore_attr = TRUE, label = lab)
    expect_equal(unit(f$G[[1]], 1), unit(r$H, 1), tolerance = 1e-9, ignore_attr = TRUE, label = lab)
  }
})

test_that("the user's data are never modified", {
  set.seed(6)
  X <- matrix(runif(15 * 20), 15, 20)
  X0 <- X + 0
  fit <- mlnmf(X, rank = c(3, 2), method = "kl")
  invisible(predict(fit, X))
  expect_identical(X, X0)
  Xi <- matrix(rpois(15 * 20, 3), 15, 20)
  Xi0 <- Xi
  invisible(nmf(Xi, 2))
  expect_identical(Xi, Xi0)
})

test_that("data frames, integer and logical matrices are accepted", {
  set.seed(7)
  df <- as.data.frame(matrix(runif(10 * 8), 10, 8))
  expect_message(fit <- nmf(df, 2), "its 10 rows are taken as the samples")
  expect_s3_class(fit, "mlnmf")
  expect_s3_class(nmf(matrix(rpois(60, 4), 10, 6), 2), "mlnmf")
  L <- matrix(c(TRUE, FALSE), 10, 6)
  expect_s3_class(nmf(L, 1), "mlnmf")
  expect_error(nmf(data.frame(a = 1:3, b = letters[1:3]), 1), "'X' is a data frame with non-numeric columns: b")
})

test_that("all-zero rows and columns give finite results and no NaN", {
  set.seed(8)
  X <- matrix(runif(12 * 20), 12, 20)
  X[3, ] <- 0
  X[, 5] <- 0
  for (m in c("hals", "mu", "kl")) {
    fit <- suppressWarnings(mlnmf(X, rank = c(4, 2), method = m))
    expect_true(all(is.finite(unlist(fit$F))) && all(is.finite(unlist(fit$G))))
    expect_true(all(is.finite(fit$error)))
    expect_lt(max(fit$F[[1]][3, ]), 1e-10)
  }
  expect_error(nmf(matrix(0, 3, 3), 1), "'X' is all zero")
})

test_that("a given start is used", {
  set.seed(9)
  X <- matrix(runif(10 * 12), 10, 12)
  W <- matrix(runif(30), 10, 3)
  H <- matrix(runif(36), 3, 12)
  expect_warning(fit <- nmf(X, 3, init = list(F = W, G = H), maxit = 1,
                            tol = 0, method = "mu", normalize = "none",
                            control = list(inner_max = 1)),
                 "did not converge")
  want <- ref_mu_step(X, W, H, 1e-16)
  expect_lt(rdiff(fit$F[[1]] %*% fit$G[[1]], want$W %*% want$H), 1e-10)
  expect_error(nmf(X, 3, init = list(F = W[, 1:2], G = H)), "'init\\$F\\[\\[1\\]\\]' must be 10 x 3")
})

test_that("predict projects new columns through all layers", {
  set.seed(10)
  X <- separable(20, 60, 3)
  fit <- mlnmf(X, rank = c(3, 3), maxit = 5000, tol = 1e-14)
  G <- predict(fit, X[, 1:10])
  expect_equal(dim(G), c(3L, 10L))
  expect_lt(norm(X[, 1:10] - mlnmf::prototypes(fit) %*% G, "F") / norm(X[, 1:10], "F"), 1e-4)
  expect_equal(predict(fit), coef(fit))
  expect_error(predict(fit, X[1:5, ]), "'newdata' must have 20 rows")
  fk <- mlnmf(X, rank = 2, method = "kl")
  expect_true(all(is.finite(predict(fk, X[, 1:4]))))
})

test_that("non-convergence is a warning with converged = FALSE", {
  set.seed(11)
  X <- matrix(runif(30 * 20), 30, 20)
  expect_warning(fit <- nmf(X, 4, maxit = 2, tol = 0), "did not converge")
  expect_false(fit$converged)
})

test_that("print, summary and plot work", {
  set.seed(12)
  X <- matrix(runif(10 * 40), 10, 40)
  fit <- mlnmf(X, rank = 3, layers = 25)
  expect_output(print(fit), "Multilayer NMF with 25 layers")
  expect_output(print(summary(fit)), "layers shown")
  expect_output(print(nmf(X, 2)), "Nonnegative matrix factorization")
  pdf(NULL)
  on.exit(dev.off())
  expect_invisible(plot(fit))
  expect_invisible(plot(fit, type = "trace"))
  expect_error(plot(fit, type = "bogus"), "'type' must be one of")
  expect_output(mlnmf(X, rank = 2, layers = 2, verbose = TRUE), "layer 2/2")
  expect_output(mlnmf(X, rank = 2, layers = 3, progress = TRUE), "100%")
})

test_that("residuals need the stored data", {
  set.seed(13)
  X <- matrix(runif(10 * 12), 10, 12)
  fit <- nmf(X, 2, keep.data = FALSE)
  expect_null(fit$data)
  expect_error(residuals(fit), "keep.data = FALSE")
})

test_that("results are identical for any number of threads", {
  set.seed(14)
  X <- matrix(rpois(300 * 120, 2), 300, 120)
  for (m in c("kl", "hals")) {
    fit <- function(threads) {
      set.seed(1)
      mlnmf(X, rank = c(5, 3), method = m, threads = threads, maxit = 50)
    }
    if (m == "kl") {
      ## 50 multiplicative updates are not enough for the I-divergence
      expect_warning(a <- fit(1), "2 of 2 layers did not converge in 'maxit' = 50")
      expect_warning(b <- fit(2), "2 of 2 layers did not converge in 'maxit' = 50")
    } else {
      a <- fit(1)
      b <- fit(2)
    }
    a$call <- b$call <- NULL
    expect_identical(a, b)
    expect_identical(predict(a, X[, 1:40], threads = 1),
                     predict(a, X[, 1:40], threads = 2))
  }
  expect_error(nmf(X, 2, threads = 0), "'threads' must be a single whole number >= 1")
  expect_true(default_threads() >= 1)
})

test_that("plot() takes a title for either type", {
  set.seed(13)
  X <- matrix(runif(10 * 30), 10, 30)
  fit <- suppressWarnings(mlnmf(X, c(3, 2), maxit = 20))
  pdf(NULL)
  on.exit(dev.off())
  expect_identical(plot(fit, main = "mine"), fit)
  expect_identical(plot(fit, type = "trace", main = "mine"), fit)
  expect_identical(plot(fit, type = "trace"), fit)
})

test_that("a long single-layer fit reports its progress when verbose", {
  set.seed(2)
  X <- matrix(runif(60 * 50), 60, 50)
  out <- capture.output(f <- suppressWarnings(nmf(X, 10, verbose = TRUE, tol = 0, maxit = 120)))
  expect_identical(grep("^  iteration", out, value = TRUE),
                   sprintf("  iteration %d: relative objective %s", c(50, 100),
                           formatC(f$trace[[1]][c(51, 101)], digits = 6, format = "g")))
  expect_match(out[length(out)], "layer 1/1: rank 10, 120 iterations")
  ## cascades keep one line per layer
  out2 <- capture.output(f2 <- suppressWarnings(mlnmf(X, c(5, 3), verbose = TRUE, tol = 0, maxit = 60)))
  expect_length(out2, 2L)
})
