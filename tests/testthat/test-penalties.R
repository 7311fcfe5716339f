## L1 / L2 penalties (issue 11): one update step against pure-R references,
## the objective reported, zero penalties, sparsity in L1, KL's support.

pen_step <- function(X, W, H, method, l1, l2, mask = NULL)
  .Call(mlnmf:::C_mlnmf_step, X, W, H, match(method, c("hals", "mu", "kl")) - 1L,
        1e-16, mask, list(l1 = l1, l2 = l2))

## min 1/2 ||X - W H||^2 + l1 sum(M) + l2/2 ||M||^2 for M = W, H in turn
ref_hals_pen_step <- function(X, W, H, eps, l1, l2) {
  A <- X %*% t(H) - l1[1]
  B <- tcrossprod(H) + diag(l2[1], nrow(H))
  for (l in seq_len(ncol(W)))
    W[, l] <- pmax(eps, W[, l] + (A[, l] - W %*% B[, l]) / B[l, l])
  C <- crossprod(X, W) - l1[2]
  D <- crossprod(W) + diag(l2[2], ncol(W))
  Ht <- t(H)
  for (l in seq_len(ncol(W)))
    Ht[, l] <- pmax(eps, Ht[, l] + (C[, l] - Ht %*% D[, l]) / D[l, l])
  list(W = W, H = t(Ht))
}

ref_mu_pen_step <- function(X, W, H, eps, l1, l2) {
  W <- pmax(W * (X %*% t(H)) / (W %*% tcrossprod(H) + l2[1] * W + l1[1]), eps)
  H <- pmax(H * crossprod(W, X) / (crossprod(W) %*% H + l2[2] * H + l1[2]), eps)
  list(W = W, H = H)
}

ref_kl_pen_step <- function(X, W, H, eps, l1) {
  W <- pmax(W * ((X / (W %*% H)) %*% t(H)) /
              (matrix(rowSums(H), nrow(W), ncol(W), byrow = TRUE) + l1[1]), eps)
  H <- pmax(H * crossprod(W, X / (W %*% H)) / (colSums(W) + l1[2]), eps)
  list(W = W, H = H)
}

test_that("one penalised update step matches a pure-R reference", {
  p <- step_problem(31, 20)
  for (pen in list(list(l1 = c(0.3, 0.1), l2 = c(0, 0)), list(l1 = c(0, 0), l2 = c(2, 0.5)),
                   list(l1 = c(0.2, 0.4), l2 = c(1, 3)))) {
    got <- pen_step(p$X, p$W, p$H, "hals", pen$l1, pen$l2)
    want <- ref_hals_pen_step(p$X, p$W, p$H, 1e-16, pen$l1, pen$l2)
    expect_lt(rdiff(got$W, want$W), 1e-10)
    expect_lt(rdiff(got$H, want$H), 1e-10)
    got <- pen_step(p$X, p$W, p$H, "mu", pen$l1, pen$l2)
    want <- ref_mu_pen_step(p$X, p$W, p$H, 1e-16, pen$l1, pen$l2)
    expect_lt(rdiff(got$W, want$W), 1e-10)
    expect_lt(rdiff(got$H, want$H), 1e-10)
  }
  got <- pen_step(p$X, p$W, p$H, "kl", c(0.5, 2), c(0, 0))
  want <- ref_kl_pen_step(p$X, p$W, p$H, 1e-16, c(0.5, 2))
  expect_lt(rdiff(got$W, want$W), 1e-10)
  expect_lt(rdiff(got$H, want$H), 1e-10)
  ## the penalties changed the step
  plain <- pen_step(p$X, p$W, p$H, "hals", c(0, 0), c(0, 0))
  expect_gt(rdiff(pen_step(p$X, p$W, p$H, "hals", c(0.3, 0.1), c(0, 0))$W, plain$W), 1e-3)
  expect_error(pen_step(p$X, p$W, p$H, "kl", c(0, 0), c(1, 0)), "not supported")
  expect_error(pen_step(p$X, p$W, p$H, "hals", c(-1, 0), c(0, 0)), "'l1' must be finite and >= 0")
})

test_that("a masked penalised step matches the dense one when nothing is missing", {
  p <- step_problem(32, 20)
  none <- list(type = 2L, p = rep(0L, ncol(p$X) + 1L), i = integer(0))
  for (m in c("hals", "mu")) {
    a <- pen_step(p$X, p$W, p$H, m, c(0.2, 0.1), c(1, 0.5))
    b <- pen_step(p$X, p$W, p$H, m, c(0.2, 0.1), c(1, 0.5), none)
    expect_lt(rdiff(b$W, a$W), 1e-10, label = m)
    expect_lt(rdiff(b$H, a$H), 1e-10, label = m)
  }
})

## the same under a mask O (TRUE = observed): each row has its own Gram
ref_masked_pen_step <- function(X, O, W, H, eps, l1, l2, method) {
  X0 <- ifelse(O, X, 0)
  upd <- function(M, F, Y, Om, l1, l2) {  # rows of M (len x k), Y ~ M F^T
    A <- Y %*% F
    for (i in seq_len(nrow(M))) {
      Fi <- F[Om[i, ], , drop = FALSE]
      B <- crossprod(Fi) + diag(l2, ncol(M))
      m <- M[i, ]
      if (method == "hals") {
        for (l in seq_along(m)) m[l] <- max(eps, m[l] + (A[i, l] - l1 - sum(B[, l] * m)) / B[l, l])
      } else m <- pmax(eps, m * A[i, ] / (drop(B %*% m) + l1))
      M[i, ] <- m
    }
    M
  }
  W <- upd(W, t(H), X0, O, l1[1], l2[1])
  Ht <- upd(t(H), W, t(X0), t(O), l1[2], l2[2])
  list(W = W, H = t(Ht))
}

test_that("a penalised step under a mask matches a pure-R reference", {
  p <- step_problem(33, 20)
  set.seed(33)
  miss <- matrix(runif(length(p$X)) < 0.2, nrow(p$X))
  Xm <- p$X
  Xm[miss] <- NA
  sm <- methods::as(methods::as(miss, "generalMatrix"), "CsparseMatrix")
  desc <- list(type = 2L, p = sm@p, i = sm@i)
  for (m in c("hals", "mu")) {
    got <- pen_step(Xm, p$W, p$H, m, c(0.2, 0.1), c(1, 0.5), desc)
    want <- ref_masked_pen_step(p$X, !miss, p$W, p$H, 1e-16, c(0.2, 0.1), c(1, 0.5), m)
    expect_lt(rdiff(got$W, want$W), 1e-10, label = m)
    expect_lt(rdiff(got$H, want$H), 1e-10, label = m)
  }
})

test_that("the objective reported includes the penalties", {
  set.seed(5)
  X <- lowrank(30, 25, 4) + matrix(runif(750, 0, 0.05), 30, 25)
  s <- 1 / max(X)
  Xn <- X
  Xn[sample(750, 60)] <- NA
  for (m in c("hals", "mu", "kl")) for (masked in c(FALSE, TRUE)) {
    l1 <- c(0.02, 0.01)
    l2 <- if (m == "kl") c(0, 0) else c(0.5, 0.2)
    fit <- suppressWarnings(nmf(if (masked) Xn else X, 4, method = m, L1 = l1, L2 = l2,
                                mask = if (masked) "NA" else NULL, maxit = 100))
    W <- fit$F[[1]]
    Ht <- s * t(fit$G[[1]])
    obs <- if (masked) !is.na(Xn) else matrix(TRUE, 30, 25)
    Y <- tcrossprod(W, Ht)
    if (m == "kl") {
      x <- (s * X)[obs]
      y <- Y[obs]
      want <- (sum(ifelse(x > 0, x * log(x / y), 0) - x + y) + l1[1] * sum(W) +
                 l1[2] * sum(Ht)) / sum(x)
    } else {
      want <- (sum(((s * X - Y)[obs])^2) + 2 * l1[1] * sum(W) + l2[1] * sum(W^2) +
                 2 * l1[2] * sum(Ht) + l2[2] * sum(Ht^2)) / sum((s * X)[obs]^2)
    }
    expect_equal(fit$objective, want, tolerance = 1e-8, label = paste(m, masked))
    ## the error stays the reconstruction error, without the penalties
    expect_equal(fit$error, sqrt(sum(((X - W %*% fit$G[[1]])[obs])^2) / sum(X[obs]^2)),
                 tolerance = 1e-8)
  }
})

test_that("zero penalties give the unpenalised fit bit for bit", {
  set.seed(6)
  X <- lowrank(25, 20, 3) + matrix(runif(500, 0, 0.05), 25, 20)
  for (m in c("hals", "mu", "kl")) {
    a <- suppressWarnings(nmf(X, 3, method = m, maxit = 50))
    b <- suppressWarnings(nmf(X, 3, method = m, maxit = 50, L1 = c(0, 0), L2 = 0))
    expect_identical(a$F, b$F)
    expect_identical(a$G, b$G)
    expect_identical(a$objective, b$objective)
  }
})

test_that("the factors get sparser as L1 grows", {
  set.seed(2)
  X <- matrix(runif(50 * 8), 50, 8) %*% matrix(runif(8 * 40), 8, 40) +
    matrix(runif(2000, 0, 0.1), 50, 40)
  zeros <- function(fit) mean(c(fit$F[[1]] < 1e-8 * max(fit$F[[1]]),
                                fit$G[[1]] < 1e-8 * max(fit$G[[1]])))
  grids <- list(hals = c(0, 0.001, 0.003, 0.01, 0.03, 0.1),
                mu = c(0, 0.001, 0.003, 0.01, 0.03, 0.1),
                kl = c(0, 0.1, 0.3, 1, 3))
  for (m in names(grids)) {
    sp <- vapply(grids[[m]], function(l)
      zeros(suppressWarnings(nmf(X, 5, method = m, L1 = l, maxit = 300))), 0)
    expect_true(all(diff(sp) >= 0), label = paste(m, paste(round(sp, 3), collapse = " ")))
    expect_gt(sp[length(sp)], sp[1] + 0.5)
  }
})

test_that("fits store control and penalties; predict() uses them; factor names", {
  set.seed(8)
  X <- lowrank(20, 15, 3)
  fit <- suppressWarnings(mlnmf(X, c(3, 2), L1 = c(0, 0.05), control = list(inner_max = 7)))
  expect_identical(fit$control$inner_max, 7L)
  expect_identical(fit$penalty$L1, c(F = 0, G = 0.05))
  expect_identical(fit$penalty$L2, c(F = 0, G = 0))
  expect_identical(colnames(fit$F[[1]]), c("h1", "h2", "h3"))
  expect_identical(rownames(fit$G[[2]]), c("h1", "h2"))
  expect_identical(rownames(predict(fit, X[, 1:3])), c("h1", "h2"))
  ## the G penalty applies to projections: a penalised fit projects its own
  ## data closer to its G than the unpenalised projection does
  nopen <- fit
  nopen$penalty <- NULL
  a <- predict(fit, X)
  b <- predict(nopen, X)
  expect_lt(sum(a), sum(b))
})
