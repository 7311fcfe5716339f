## layer_map(), dependence(), layer_stats().

## A hand-built "fit": G_L given, G_{i-1} = F_i G_i exactly, X = G_0.
cascade_fit <- function(Fs, GL) {
  L <- length(Fs)
  Gs <- vector("list", L)
  Gs[[L]] <- GL
  for (i in rev(seq_len(L))[-L]) Gs[[i - 1L]] <- Fs[[i]] %*% Gs[[i]]
  X <- Fs[[1L]] %*% Gs[[1L]]
  structure(list(F = Fs, G = Gs, layers = L,
                 rank = vapply(Fs, ncol, 0L), dim = dim(X), data = X),
            class = "mlnmf")
}

exact_cascade <- function(d, ranks, N) {
  prev <- d
  Fs <- list()
  for (k in ranks) {
    Fs[[length(Fs) + 1L]] <- matrix(runif(prev * k), prev, k)
    prev <- k
  }
  cascade_fit(Fs, matrix(runif(prev * N), prev, N))
}

## pure-R reference of one row of dependence()
ref_pair <- function(fit, i) {
  Gp <- if (i == 1L) fit$data else fit$G[[i - 1L]]
  Fi <- fit$F[[i]]; Fn <- fit$F[[i + 1L]]; Gn <- fit$G[[i + 1L]]
  Z <- pinv(Fi) %*% Gp %*% pinv(Gn)
  nrm <- function(M) sqrt(sum(M^2))
  list(Z = Z, stats = c(nrm(Fn - Z) / nrm(Fn),
                        nrm(Gp - Fi %*% Z %*% Gn) / nrm(Gp),
                        nrm(Gp - Fi %*% Fn %*% Gn) / nrm(Gp)))
}

test_that("the map recovers F[[i + 1]] exactly on an exact cascade", {
  ## Full-rank factors need F_i of full column rank (k non-increasing) and
  ## G_{i+1} of full row rank; with G_i = F_{i+1} ... F_L G_L the latter
  ## holds only when the ranks after layer 1 are equal.
  set.seed(21)
  fit <- exact_cascade(12, c(8, 6, 6, 6), 30)
  for (i in 1:3)
    expect_equal(layer_map(fit, i), fit$F[[i + 1L]], tolerance = 1e-8)
  dep <- dependence(fit)
  expect_s3_class(dep, c("mlnmf_dependence", "data.frame"))
  expect_identical(dep$from, 1:3)
  expect_identical(dep$to, 2:4)
  expect_true(all(dep$map_error < 1e-8))
  expect_true(all(dep$recon_map < 1e-10))
  expect_true(all(dep$recon_fit < 1e-10))
  expect_identical(dep$rank_F, c(8L, 6L, 6L))
  expect_identical(dep$maxrank_F, c(8L, 6L, 6L))
  expect_identical(dep$rank_G, c(6L, 6L, 6L))
  expect_identical(dep$maxrank_G, c(6L, 6L, 6L))
})

test_that("with decreasing ranks the map recovers the projected F[[i + 1]]", {
  ## G_{i+1} = F_{i+2} ... G_L has rank 4 < k_{i+1}: f(F_i) is then
  ## F_i^+ F_i F_{i+1} G_{i+1} G_{i+1}^+, still an exact reconstruction.
  set.seed(27)
  fit <- exact_cascade(12, c(8, 6, 5, 4), 30)
  dep <- dependence(fit)
  expect_identical(dep$rank_G, c(4L, 4L, 4L))
  expect_identical(dep$maxrank_G, c(6L, 5L, 4L))
  for (i in 1:3) {
    Fi <- fit$F[[i]]; Gn <- fit$G[[i + 1L]]
    proj <- pinv(Fi) %*% Fi %*% fit$F[[i + 1L]] %*% Gn %*% pinv(Gn)
    expect_equal(layer_map(fit, i), proj, tolerance = 1e-8)
  }
  expect_true(all(dep$map_error[1:2] > 1e-3))
  expect_lt(dep$map_error[3], 1e-8)
  expect_true(all(dep$recon_map < 1e-10))
})

## Rank-deficient pair: F_2 has two equal columns, G_3 a dependent row, and
## the cascade is not exact, so every term of the general solution matters.
deficient_fit <- function() {
  set.seed(22)
  F1 <- matrix(runif(8 * 6), 8)
  F2 <- matrix(runif(6 * 5), 6); F2[, 5] <- F2[, 4]
  F3 <- matrix(runif(5 * 4), 5)
  G3 <- matrix(runif(4 * 20), 4); G3[4, ] <- G3[1, ] + G3[2, ]
  fit <- cascade_fit(list(F1, F2, F3), G3)
  fit$G[[1L]] <- fit$G[[1L]] + matrix(runif(6 * 20), 6) * 0.3
  fit$data <- fit$data + matrix(runif(8 * 20), 8) * 0.3
  fit
}

test_that("layer_map matches the pure-R formula and the vectorised least squares", {
  fit <- deficient_fit()
  for (i in 1:2) {
    ref <- ref_pair(fit, i)
    expect_equal(layer_map(fit, i), ref$Z, tolerance = 1e-12)
  }
  ## min-norm least squares through vec(F Z G) = (G^T %x% F) vec(Z)
  Fi <- fit$F[[2]]; Gn <- fit$G[[3]]; Gp <- fit$G[[1]]
  K <- t(Gn) %x% Fi
  z <- MASS::ginv(K) %*% as.vector(Gp)
  expect_equal(as.vector(layer_map(fit, 2)), as.vector(z), tolerance = 1e-9)
  lsq <- qr.resid(qr(K), as.vector(Gp))
  Z0 <- layer_map(fit, 2)
  expect_equal(sqrt(sum((Gp - Fi %*% Z0 %*% Gn)^2)), sqrt(sum(lsq^2)),
               tolerance = 1e-10)
})

test_that("every member of the general solution attains the same residual", {
  fit <- deficient_fit()
  i <- 2L
  Fi <- fit$F[[i]]; Gn <- fit$G[[i + 1L]]; Gp <- fit$G[[i - 1L]]
  res <- function(Z) sqrt(sum((Gp - Fi %*% Z %*% Gn)^2))
  Z0 <- layer_map(fit, i)
  r0 <- res(Z0)
  set.seed(23)
  for (rep in 1:5) {
    Y1 <- matrix(rnorm(5 * 4), 5)
    Y2 <- matrix(rnorm(5 * 4), 5)
    for (Z in list(layer_map(fit, i, Y1 = Y1), layer_map(fit, i, Y2 = Y2),
                   layer_map(fit, i, Y1 = Y1, Y2 = Y2))) {
      expect_equal(res(Z), r0, tolerance = 1e-10)
      expect_gt(sum(Z^2), sum(Z0^2))           # Y = 0 gives the minimum norm
    }
    ## the single-Y form Z0 + Y - F^+F Y G G^+ is the same family
    Y <- Y1
    Zy <- Z0 + Y - pinv(Fi) %*% Fi %*% Y %*% Gn %*% pinv(Gn)
    expect_equal(layer_map(fit, i, Y1 = Y, Y2 = pinv(Fi) %*% Fi %*% Y), Zy,
                 tolerance = 1e-10)
  }
  ## and any other Z does worse
  expect_gt(res(Z0 + 1e-3 * matrix(rnorm(20), 5)), r0)
  ## integer Y is coerced
  Yi <- matrix(1L, 5, 4)
  expect_equal(layer_map(fit, i, Y1 = Yi), layer_map(fit, i, Y1 = Yi * 1.0))
})

test_that("dependence() agrees with the pure-R reference, including G_0 = X", {
  fit <- deficient_fit()
  dep <- dependence(fit)
  for (i in 1:2) {
    ref <- ref_pair(fit, i)
    expect_equal(unlist(dep[i, c("map_error", "recon_map", "recon_fit")]),
                 ref$stats, tolerance = 1e-10, ignore_attr = TRUE)
  }
  expect_identical(dep$rank_F, c(6L, 4L))
  expect_identical(dep$maxrank_F, c(6L, 5L))
  expect_identical(dep$rank_G, c(3L, 3L))   # G_2 = F_3 G_3
  expect_true(all(dep$recon_map <= dep$recon_fit + 1e-12))
})

test_that("dependence() on a real mlnmf() fit returns finite values", {
  set.seed(24)
  X <- matrix(runif(20 * 60), 20)
  fit <- suppressWarnings(mlnmf(X, rank = c(6, 5, 5, 4), maxit = 100))
  dep <- dependence(fit)
  expect_identical(nrow(dep), 3L)
  num <- dep[, c("map_error", "recon_map", "recon_fit")]
  expect_true(all(is.finite(as.matrix(num))))
  expect_true(all(as.matrix(num) >= 0))
  expect_true(all(dep$recon_map <= dep$recon_fit + 1e-12))
  expect_equal(dep$map_error[2], ref_pair(fit, 2)$stats[1], tolerance = 1e-10)
  ## the data can be given when the fit does not keep it
  fit2 <- suppressWarnings(mlnmf(X, rank = c(6, 5, 5, 4), maxit = 100,
                                 keep.data = FALSE))
  expect_equal(dependence(fit2, X = X), dep, tolerance = 1e-12)
  expect_equal(layer_map(fit2, 1, X = X), layer_map(fit, 1), tolerance = 1e-12)
  expect_equal(layer_map(fit2, 2), layer_map(fit, 2), tolerance = 1e-12)
  ## the fit is left unchanged
  fit0 <- fit
  dependence(fit)
  expect_identical(fit, fit0)
  ## print and plot
  expect_output(print(dep), "Dependence map")
  pdf(NULL)
  expect_invisible(plot(dep))
  dev.off()
})

test_that("print shortens long tables", {
  set.seed(25)
  fit <- exact_cascade(6, rep(4, 25), 15)
  dep <- dependence(fit)
  expect_identical(nrow(dep), 24L)
  expect_output(print(dep), "of 24 pairs shown")
  st <- layer_stats(fit)
  expect_output(print(st), "of 25 layers shown")
  pdf(NULL)
  expect_invisible(plot(dep))
  expect_invisible(plot(st))
  dev.off()
})

test_that("layer_map() and dependence() reject bad input clearly", {
  fit <- deficient_fit()
  expect_error(layer_map(fit), "'i' is missing")
  expect_error(layer_map(fit, 0), "'i' must be a single whole number from 1 to 2")
  expect_error(layer_map(fit, 3), "'i' must be a single whole number from 1 to 2")
  expect_error(layer_map(fit, 1.5), "'i' must be a single whole number")
  expect_error(layer_map(fit, c(1, 2)), "'i' must be a single whole number")
  expect_error(layer_map(fit, "1"), "'i' must be a single whole number")
  expect_error(layer_map(fit, 1, Y1 = matrix(0, 5, 4)),
               "'Y1' must be 6 x 5 \\(the shape of F\\[\\[i \\+ 1\\]\\]\\), not 5 x 4")
  expect_error(layer_map(fit, 2, Y2 = matrix(0, 4, 5)), "'Y2' must be 5 x 4")
  expect_error(layer_map(fit, 2, Y1 = 1:20), "'Y1' must be a numeric matrix, not an? integer vector")
  expect_error(layer_map(fit, 2, Y2 = matrix("a", 5, 4)),
               "'Y2' must be a numeric matrix, not a character matrix")
  expect_error(layer_map(fit, 2, Y1 = matrix(NA_real_, 5, 4)),
               "'Y1' must be finite: 20 entries")
  expect_error(layer_map(list(F = 1), 1), "'fit' must be a fit returned by mlnmf\\(\\) or nmf\\(\\)")
  expect_error(dependence(matrix(1, 2, 2)), "'fit' must be a fit returned by mlnmf")
  expect_error(layer_stats("a"), "'fit' must be a fit returned by mlnmf")
  ## missing data
  nodata <- fit
  nodata$data <- NULL
  expect_error(dependence(nodata), "'fit' was made with keep.data = FALSE: give the data as 'X'")
  expect_error(layer_map(nodata, 1), "keep.data = FALSE")
  expect_error(dependence(fit, X = fit$data[, -1]),
               "'X' must be 8 x 20 like the data of the fit, not 8 x 19")
  expect_error(dependence(fit, X = -fit$data), "'X' must be nonnegative")
  ## one layer
  set.seed(26)
  one <- nmf(matrix(runif(40), 8), 2)
  expect_error(dependence(one), "'fit' has one layer: the dependence map needs at least two")
  expect_error(layer_map(one, 1), "'fit' has one layer")
})

## ---- layer_stats ---------------------------------------------------------

brute_monomial <- function(F) {
  perms <- function(n) if (n == 1L) matrix(1L) else
    do.call(rbind, lapply(seq_len(n), function(i)
      cbind(i, perms(n - 1L) + (perms(n - 1L) >= i))))
  P <- perms(ncol(F))
  best <- max(apply(P, 1L, function(p) sum(F[cbind(p, seq_along(p))]^2)))
  sqrt(max(0, 1 - best / sum(F^2)))
}

test_that("the exact assignment finds the nearest monomial matrix", {
  set.seed(31)
  for (rep in 1:20) {
    k <- sample(2:5, 1)
    F <- matrix(runif(k * k), k)
    expect_equal(mlnmf:::monomial_dist(F), brute_monomial(F), tolerance = 1e-12)
  }
  M <- diag(c(2, 0.5, 3, 1))[c(3, 1, 4, 2), ]
  expect_equal(mlnmf:::monomial_dist(M), 0)
  expect_true(is.na(mlnmf:::monomial_dist(matrix(0, 3, 3))))
})

test_that("layer_stats() reports structure, conditioning and sparsity", {
  P <- diag(4)[c(2, 3, 4, 1), ] * c(1, 2, 3, 4)
  S <- matrix(c(1, 1, 0, 1, 1, 0, 0, 0, 1), 3)     # singular
  fit <- cascade_fit(list(matrix(runif(6 * 4), 6), diag(4), P,
                          matrix(c(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1), 4), S), matrix(runif(3 * 10), 3))
  st <- layer_stats(fit)
  expect_s3_class(st, c("mlnmf_layer_stats", "data.frame"))
  expect_identical(st$layer, 1:5)
  expect_identical(st$rows, c(6L, 4L, 4L, 4L, 3L))
  expect_identical(st$cols, c(4L, 4L, 4L, 3L, 3L))
  expect_true(all(is.na(st$monomial_dist[c(1, 4)])))
  expect_true(all(is.na(st$identity_dist[c(1, 4)])))
  expect_equal(st$monomial_dist[2:3], c(0, 0))
  expect_equal(st$identity_dist[2], 0)
  expect_equal(st$identity_dist[3], sqrt(sum((P - diag(4))^2) / 4), tolerance = 1e-14)
  expect_equal(st$monomial_dist[5], brute_monomial(S), tolerance = 1e-12)
  expect_equal(st$condition[2:4], c(1, 4, sqrt(2)), tolerance = 1e-12)
  expect_identical(st$condition[5], Inf)
  expect_identical(st$rank, c(4L, 4L, 4L, 3L, 2L))
  expect_equal(st$sparsity[4], 8 / 12)
  expect_equal(st$sparsity[2:3], c(0.75, 0.75))
  expect_equal(st$sparsity[5], 4 / 9)
  expect_output(print(st), "Layer diagnostics of a 5-layer fit")
  pdf(NULL)
  expect_invisible(plot(st))
  dev.off()
})

test_that("layer_stats() on a real fit", {
  set.seed(32)
  fit <- suppressWarnings(mlnmf(matrix(runif(15 * 40), 15), rank = 5, layers = 4,
                                maxit = 100))
  st <- layer_stats(fit)
  expect_identical(nrow(st), 4L)
  expect_true(is.na(st$monomial_dist[1]))
  expect_true(all(st$monomial_dist[-1] >= 0 & st$monomial_dist[-1] <= 1))
  expect_true(all(st$condition >= 1))
  expect_true(all(st$sparsity >= 0 & st$sparsity <= 1))
})

test_that("the C entries re-check types and shapes", {
  fit <- deficient_fit()
  dep <- mlnmf:::C_mlnmf_dependence
  expect_error(.Call(mlnmf:::C_mlnmf_pinv, 1:4, -1), "'A' must be a double matrix")
  expect_error(.Call(mlnmf:::C_mlnmf_pinv, diag(2), 1L), "'tol' must be a single double")
  expect_error(.Call(dep, 1:4, fit$F, fit$G, 1L, TRUE, NULL), "'X' must be a double matrix")
  expect_error(.Call(dep, fit$data, fit$F, fit$G[1:2], 1L, TRUE, NULL),
               "'F' and 'G' must be lists of equal length")
  expect_error(.Call(dep, fit$data, fit$F, fit$G, 1, TRUE, NULL), "'pairs' must be integer")
  expect_error(.Call(dep, fit$data, fit$F, fit$G, 1L, 1, NULL), "'maps' must be TRUE or FALSE")
  bad <- fit$F
  bad[[2]] <- 1:3
  expect_error(.Call(dep, fit$data, bad, fit$G, 1L, TRUE, NULL), "'F\\[\\[2\\]\\]' must be a double matrix")
  expect_error(.Call(dep, fit$data, fit$F, fit$G, 3L, TRUE, NULL), "'pairs' entry 1 is out of range")
  expect_error(.Call(dep, fit$data, fit$F, fit$G, NA_integer_, TRUE, NULL), "'pairs' entry 1 is out of range")
  expect_error(.Call(dep, fit$data[-1, ], fit$F, fit$G, 1L, TRUE, NULL),
               "the factors of pair 1 do not have matching dimensions")
})
