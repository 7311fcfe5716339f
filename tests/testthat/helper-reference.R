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

## Ang-Gillis extrapolation around single HALS sweeps (control inner_max = 1),
## as src/nmf_frob.c runs it, for X with max(X) = 1 (no internal scaling).
## Returns the trace (start first) and the best pair evaluated.
ref_hals_extrapolated <- function(X, W, H, eps, maxit) {
  upd <- function(Y, M, Fx) {            # one sweep for Y ~ M Fx^T, M updated
    A <- Y %*% Fx
    B <- crossprod(Fx)
    for (l in seq_len(ncol(M)))
      M[, l] <- pmax(eps, M[, l] + (A[, l] - M %*% B[, l]) / B[l, l])
    M
  }
  obj <- function(W, Ht) sum((X - tcrossprod(W, Ht))^2) / sum(X^2)
  trace <- obj(W, t(H))
  a <- sum((X %*% t(H)) * W) / sum(tcrossprod(H) * crossprod(W))
  W <- pmax(a * W, eps)
  P <- Py <- W
  Q <- Qy <- t(H)
  f <- fbest <- obj(W, Q)
  best <- list(W = W, Ht = Q)
  beta <- beta_prev <- 0.5
  beta_max <- 1
  for (it in seq_len(maxit)) {
    Pn <- upd(X, Py, Qy)
    Py <- pmax(Pn + beta * (Pn - P), eps)
    Qn <- upd(t(X), Qy, Py)
    fprev <- f
    f <- obj(Py, Qn)
    trace <- c(trace, f)
    if (f <= fbest) {
      fbest <- f
      best <- list(W = Py, Ht = Qn)
    }
    if (f > fprev) {
      P <- Py <- best$W
      Q <- Qy <- best$Ht
      beta_max <- beta_prev
      beta_prev <- beta
      beta <- beta / 1.5
    } else {
      Qy <- pmax(Qn + beta * (Qn - Q), eps)
      P <- Pn
      Q <- Qn
      beta_prev <- beta
      beta <- min(beta_max, beta * 1.01)
      beta_max <- min(1, beta_max * 1.005)
    }
  }
  ## the returned pair has columns of equal norms, ||w_l|| = ||h_l||
  c <- sqrt(sqrt(colSums(best$Ht^2)) / sqrt(colSums(best$W^2)))
  list(trace = trace, W = sweep(best$W, 2, c, "*"), H = t(sweep(best$Ht, 2, c, "/")),
       objective = fbest)
}

## The setup of the one-iteration solver tests: X = U V (30 x 25, inner
## dimension 'inner') scaled to max(X) = 1, and a random rank-4 start.
step_problem <- function(seed, inner) {
  set.seed(seed)
  X <- matrix(runif(30 * inner), 30, inner) %*% matrix(runif(inner * 25), inner, 25)
  list(X = X / max(X), W = matrix(runif(30 * 4), 30, 4), H = matrix(runif(4 * 25), 4, 25))
}

## The beta-divergence (issue 22): D_beta(X | V) over the observed entries
## obs, with V floored at the double epsilon for beta < 2 (as the C code
## does, so that no negative power of zero is taken), and one step of
## Fevotte and Idier's multiplicative updates with their exponent gamma.
ref_beta_div <- function(X, V, beta, obs = matrix(TRUE, nrow(X), ncol(X))) {
  if (beta < 2) V <- pmax(V, .Machine$double.eps)
  x <- X[obs]; v <- V[obs]
  pos <- x > 0
  d <- if (beta == 0) ifelse(pos, x / v - log(x / v) - 1, 0)
       else if (beta == 1) ifelse(pos, x * log(x / v), 0) - x + v
       else (ifelse(pos, x^beta, 0) + (beta - 1) * v^beta - beta * x * v^(beta - 1)) /
              (beta * (beta - 1))
  sum(d)
}

ref_beta_gamma <- function(beta)
  if (beta < 1) 1 / (2 - beta) else if (beta > 2) 1 / (beta - 1) else 1

ref_beta_step <- function(X, W, H, beta, eps, obs = matrix(TRUE, nrow(X), ncol(X)),
                          l1 = c(0, 0)) {
  g <- ref_beta_gamma(beta)
  O <- obs * 1
  X[!obs] <- 0
  fl <- function(V) if (beta < 2) pmax(V, .Machine$double.eps) else V
  V <- fl(W %*% H)
  W <- pmax(W * ((X * V^(beta - 2)) %*% t(H) / ((O * V^(beta - 1)) %*% t(H) + l1[1]))^g, eps)
  V <- fl(W %*% H)
  H <- pmax(H * (t(W) %*% (X * V^(beta - 2)) / (t(W) %*% (O * V^(beta - 1)) + l1[2]))^g, eps)
  list(W = W, H = H)
}
