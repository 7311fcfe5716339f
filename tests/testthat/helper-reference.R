## Pure-R reference implementations of one outer iteration of each solver,
## written from the formulas, to check the C code step by step.

ref_hals_step <- function(X, W, H, eps) {
  A <- X %*% t(H)
  B <- H %*% t(H)
  for (l in seq_len(ncol(W)))
    W[, l] <- pmax(eps, W[, l] + (A[, l] - W %*% B[, l]) / B[l, l])
  C <- crossprod(X, W)
  D <- crossprod(W)
  Ht <- t(H)
  for (l in seq_len(ncol(W)))
    Ht[, l] <- pmax(eps, Ht[, l] + (C[, l] - Ht %*% D[, l]) / D[l, l])
  list(W = W, H = t(Ht))
}

ref_mu_step <- function(X, W, H, eps) {
  W <- pmax(W * (X %*% t(H)) / (W %*% tcrossprod(H)), eps)
  H <- pmax(H * crossprod(W, X) / (crossprod(W) %*% H), eps)
  list(W = W, H = H)
}

ref_kl_step <- function(X, W, H, eps) {
  W <- pmax(W * ((X / (W %*% H)) %*% t(H)) /
              matrix(rowSums(H), nrow(W), ncol(W), byrow = TRUE), eps)
  H <- pmax(H * crossprod(W, X / (W %*% H)) / colSums(W), eps)
  list(W = W, H = H)
}

## ||X - F1 ... Fi G_i|| / ||X|| for every layer, in plain R
ref_errors <- function(fit, X) {
  P <- diag(nrow(X))
  vapply(seq_len(fit$layers), function(i) {
    P <<- P %*% fit$F[[i]]
    norm(X - P %*% fit$G[[i]], "F") / norm(X, "F")
  }, 0)
}

## a nonnegative matrix of exact rank k
lowrank <- function(m, n, k) {
  matrix(runif(m * k), m, k) %*% matrix(runif(k * n), k, n)
}

## an exact separable nonnegative rank-k matrix: H contains the identity, so
## the factorization is unique up to scaling and order
separable <- function(m, n, k) {
  matrix(runif(m * k), m, k) %*% cbind(diag(k), matrix(runif(k * (n - k)), k))
}

## relative difference of two matrices
rdiff <- function(a, b) max(abs(a - b)) / max(abs(b))
