## Layer-centric fine-tuning (issue 22): finetune(fit, objective = "layer")
## minimises the deep objective of De Handschutter, Gillis and Siebert
## (2021) and Leplat, Hien, Onwunta and Gillis (2024),
##     sum_l lambda_l D_beta(G_(l-1) | F_l G_l),   G_0 = X,
## over every F_l and G_l, with the columns of each F_l summing to one
## (their normalisation: without it shrinking G_l and growing F_l would
## lower every term below the first for free).  lambda defaults to Leplat
## et al.'s choice, 1 / D_l at the start, so every term starts at 1.
##
## One iteration updates the layers in turn (l = 1, ..., L):
##   F_l   multiplicative update of term l (the kernel C_mlnmf_beta_pass)
##         with a Lagrange multiplier per column for the sum-to-one
##         constraint, F <- F o (num / (den - mu))^gamma, mu found by
##         bisection (Leplat et al.'s update, any beta);
##   G_L   the plain multiplicative update of term L;
##   G_l   (l < L) in two terms: as the factor of term l and as the data
##         of term l + 1, whose gradient in G_l is
##         lambda_(l+1) (G_l^(beta-1) - Y^(beta-1)) / (beta - 1),
##         Y = F_(l+1) G_(l+1) (log(G_l / Y) for beta = 1).  The update
##         G <- G o (N / P)^(gamma t), N and P the negative and positive
##         parts of the whole gradient, is a descent direction; t = 1,
##         1/2, 1/4, ... until the two terms do not increase (else G_l is
##         kept), so the objective never increases.
## Every divergence is computed exactly over the data (one pass over X in
## C for the first layer); X is scaled to a largest entry of one inside.

## D_beta(Y | F G), and the pieces of one update, through the C kernel
beta_pass <- function(Y, F, G, beta, side)
  .Call(C_mlnmf_beta_pass, Y, F, G, as.double(beta), as.integer(side), NULL)
beta_div_c <- function(Y, F, G, beta)
  .Call(C_mlnmf_beta_div, Y, F, G, as.double(beta), NULL)

## The gradient of lambda D_beta(G | Y) in G (G the data), split into its
## positive and negative parts; G and Y dense, floored like the kernel.
data_grad_parts <- function(G, Y, beta) {
  if (beta < 2) {
    G <- pmax(G, .Machine$double.eps)
    Y <- pmax(Y, .Machine$double.eps)
  }
  if (beta == 1) {
    g <- log(G / Y)
    return(list(pos = pmax(g, 0), neg = pmax(-g, 0)))
  }
  a <- G^(beta - 1) / (beta - 1)
  b <- Y^(beta - 1) / (beta - 1)
  if (beta > 1) list(pos = a, neg = b) else list(pos = -b, neg = -a)
}

## F o (num / (den - mu))^gamma with mu per column such that every column
## sums to one (mu < min(den) of the column; the sum grows with mu).
simplex_mu <- function(F, num, den, gamma, eps) {
  num <- pmax(num, 0)
  hi <- apply(den, 2L, min)
  colsum_at <- function(t) colSums(F * (num / (sweep(den, 2L, hi) + rep(t, each = nrow(F))))^gamma)
  ## t = min(den) - mu > 0; the column sum falls as t grows
  scale <- pmax(apply(abs(den), 2L, max), 1e-300)
  lo_t <- scale * 1e-14
  hi_t <- scale
  for (s in 1:60) {
    big <- colsum_at(hi_t) > 1
    if (!any(big)) break
    hi_t[big] <- hi_t[big] * 16
  }
  for (s in 1:80) {
    mid <- sqrt(lo_t * hi_t)
    v <- colsum_at(mid)
    lo_t <- ifelse(v > 1, mid, lo_t)
    hi_t <- ifelse(v > 1, hi_t, mid)
  }
  t <- sqrt(lo_t * hi_t)
  Fn <- F * (num / (sweep(den, 2L, hi) + rep(t, each = nrow(F))))^gamma
  Fn <- sweep(Fn, 2L, pmax(colSums(Fn), .Machine$double.xmin), "/")
  pmax(Fn, eps)
}

## the columns of every F_l sum to one, the scale moved into G_l and on
## into the rows of F_(l+1), so each F_(l+1) G_(l+1) follows its G_l
normalize_chain <- function(Fl, Gl) {
  L <- length(Fl)
  for (l in seq_len(L)) {
    cs <- colSums(Fl[[l]])
    cs[!(cs > 0)] <- 1
    Fl[[l]] <- sweep(Fl[[l]], 2L, cs, "/")
    Gl[[l]] <- Gl[[l]] * cs
    if (l < L) Fl[[l + 1L]] <- Fl[[l + 1L]] * cs
  }
  list(F = Fl, G = Gl)
}

## The layer-centric objective and its gradient in every factor (for
## tests: the gradient against finite differences checks the splits the
## updates use).  X, F, G in the units given; lambda one per layer.
layer_objective <- function(X, Fl, Gl, beta, lambda) {
  L <- length(Fl)
  D <- vapply(seq_len(L), function(l)
    beta_div_c(if (l == 1L) X else Gl[[l - 1L]], Fl[[l]], Gl[[l]], beta), 0)
  list(value = sum(lambda * D), terms = D)
}

layer_gradient <- function(X, Fl, Gl, beta, lambda) {
  L <- length(Fl)
  gF <- gG <- vector("list", L)
  for (l in seq_len(L)) {
    Y <- if (l == 1L) X else Gl[[l - 1L]]
    p <- beta_pass(Y, Fl[[l]], Gl[[l]], beta, 0L)
    q <- beta_pass(Y, Fl[[l]], Gl[[l]], beta, 1L)
    gF[[l]] <- lambda[l] * (p$den - p$num)
    gG[[l]] <- lambda[l] * (q$den - q$num)
    if (l < L) {
      b <- data_grad_parts(Gl[[l]], Fl[[l + 1L]] %*% Gl[[l + 1L]], beta)
      gG[[l]] <- gG[[l]] + lambda[l + 1L] * (b$pos - b$neg)
    }
  }
  list(F = gF, G = gG)
}

## One layer-centric iteration over the layers; D the current terms.
layer_sweep <- function(X, Fl, Gl, D, beta, lambda, eps) {
  L <- length(Fl)
  gamma <- if (beta < 1) 1 / (2 - beta) else if (beta > 2) 1 / (beta - 1) else 1
  for (l in seq_len(L)) {
    Y <- if (l == 1L) X else Gl[[l - 1L]]
    p <- beta_pass(Y, Fl[[l]], Gl[[l]], beta, 0L)
    Fn <- simplex_mu(Fl[[l]], p$num, p$den, gamma, eps)
    q <- beta_pass(Y, Fn, Gl[[l]], beta, 1L)
    if (q$div <= D[l]) {
      Fl[[l]] <- Fn
      D[l] <- q$div
    } else q <- beta_pass(Y, Fl[[l]], Gl[[l]], beta, 1L)
    G <- Gl[[l]]
    if (l == L) {
      Gn <- pmax(G * (q$num / pmax(q$den, .Machine$double.xmin))^gamma, eps)
      dn <- beta_div_c(Y, Fl[[l]], Gn, beta)
      if (dn <= D[l]) { Gl[[l]] <- Gn; D[l] <- dn }
      next
    }
    Z <- Fl[[l + 1L]] %*% Gl[[l + 1L]]
    b <- data_grad_parts(G, Z, beta)
    ratio <- (lambda[l] * q$num + lambda[l + 1L] * b$neg) /
      pmax(lambda[l] * q$den + lambda[l + 1L] * b$pos, .Machine$double.xmin)
    f0 <- lambda[l] * D[l] + lambda[l + 1L] * D[l + 1L]
    t <- 1
    for (s in 1:20) {
      Gn <- pmax(G * ratio^(gamma * t), eps)
      d1 <- beta_div_c(Y, Fl[[l]], Gn, beta)
      d2 <- beta_div_c(Gn, Fl[[l + 1L]], Gl[[l + 1L]], beta)
      if (is.finite(d1) && is.finite(d2) && lambda[l] * d1 + lambda[l + 1L] * d2 <= f0) {
        Gl[[l]] <- Gn
        D[l] <- d1
        D[l + 1L] <- d2
        break
      }
      t <- t / 2
    }
  }
  list(F = Fl, G = Gl, D = D)
}

finetune_layer <- function(fit, X, beta, lambda, maxit, tol, verbose) {
  L <- fit$layers
  if (L < 2L)
    stopf("objective = \"layer\" needs a fit with at least 2 layers (a single layer has only the data term: use objective = \"data\")")
  mx <- max(if (is_sparse(X)) X@x else X)
  Xs <- X / mx
  Gl <- lapply(fit$G, function(g) { storage.mode(g) <- "double"; g / mx })
  Fl <- lapply(fit$F, function(f) { storage.mode(f) <- "double"; f })
  ## G_l of a cascade are the fitted layers' own outputs; the chain is
  ## normalised so that every F_l has columns summing to one
  nc <- normalize_chain(Fl, Gl)
  Fl <- lapply(nc$F, function(f) pmax(f, fit$eps))
  Gl <- lapply(nc$G, function(g) pmax(g, fit$eps))
  D0 <- layer_objective(Xs, Fl, Gl, beta, rep(1, L))$terms
  if (is.null(lambda)) {
    lambda <- 1 / D0
    lambda[!is.finite(lambda)] <- 1
  } else {
    if (!is.numeric(lambda) || length(lambda) != L || any(!is.finite(lambda)) ||
        any(lambda <= 0))
      stopf("'lambda' must be NULL or %d positive finite numbers (one per layer), not %s",
            L, short_value(lambda))
    lambda <- as.double(lambda)
  }
  D <- D0
  trace <- sum(lambda * D)
  converged <- FALSE
  it <- 0L
  while (it < maxit) {
    it <- it + 1L
    st <- layer_sweep(Xs, Fl, Gl, D, beta, lambda, fit$eps)
    Fl <- st$F; Gl <- st$G; D <- st$D
    trace[it + 1L] <- sum(lambda * D)
    if (verbose && it %% 10L == 0L)
      cat(sprintf("  layer-centric iteration %d: objective %.6g\n", it, trace[it + 1L]))
    if (abs(trace[it] - trace[it + 1L]) <= tol * trace[1L]) { converged <- TRUE; break }
  }
  list(F = Fl, G = lapply(Gl, function(g) g * mx), terms = D, start_terms = D0,
       lambda = lambda, trace = trace, iter = it, converged = converged)
}

## Hoyer's sparsity of a matrix: the mean over its columns of
## (sqrt(n) - ||x||_1 / ||x||_2) / (sqrt(n) - 1); 0 for a flat column, 1
## for a column with one nonzero.
hoyer_sparsity <- function(M) {
  n <- nrow(M)
  if (n < 2L) return(NA_real_)
  l1 <- colSums(abs(M)); l2 <- sqrt(colSums(M^2))
  mean(ifelse(l2 > 0, (sqrt(n) - l1 / l2) / (sqrt(n) - 1), 0))
}

## The data objective D_beta(X | F_1 ... F_L G_L) for a beta the C
## fine-tuning (src/finetune.c: "hals", "mu", "kl") does not cover: each
## factor by the multiplicative update of the whole product, whose
## numerator and denominator are the kernel's for W = P F_l (P the prefix
## F_1 ... F_(l-1)) and H = S (the suffix F_(l+1) ... G_L), premultiplied
## by P^T: a majorization-minimization step, so D never increases.
finetune_data_beta <- function(fit, X, beta, maxit, tol, verbose) {
  L <- fit$layers
  gamma <- if (beta < 1) 1 / (2 - beta) else if (beta > 2) 1 / (beta - 1) else 1
  mx <- max(if (is_sparse(X)) X@x else X)
  Xs <- X / mx
  Fl <- lapply(fit$F, function(f) { storage.mode(f) <- "double"; pmax(f, fit$eps) })
  GL <- pmax(fit$G[[L]] / mx, fit$eps)
  chain <- function(from, to) Reduce(`%*%`, Fl[from:to])
  d0 <- beta_div_c(Xs, chain(1L, L), GL, beta)
  trace <- d0
  converged <- FALSE
  it <- 0L
  while (it < maxit) {
    it <- it + 1L
    for (l in seq_len(L)) {
      P <- if (l > 1L) chain(1L, l - 1L) else NULL
      S <- if (l < L) chain(l + 1L, L) %*% GL else GL
      W <- if (is.null(P)) Fl[[l]] else P %*% Fl[[l]]
      p <- beta_pass(Xs, W, S, beta, 0L)
      num <- if (is.null(P)) p$num else crossprod(P, p$num)
      den <- if (is.null(P)) p$den else crossprod(P, p$den)
      Fl[[l]] <- pmax(Fl[[l]] * (num / pmax(den, .Machine$double.xmin))^gamma, fit$eps)
    }
    q <- beta_pass(Xs, chain(1L, L), GL, beta, 1L)
    GL <- pmax(GL * (q$num / pmax(q$den, .Machine$double.xmin))^gamma, fit$eps)
    trace[it + 1L] <- beta_div_c(Xs, chain(1L, L), GL, beta)
    if (verbose && it %% 10L == 0L)
      cat(sprintf("  iteration %d: divergence %.6g\n", it, trace[it + 1L]))
    if (abs(trace[it] - trace[it + 1L]) <= tol * trace[1L]) { converged <- TRUE; break }
  }
  ## every G_i = F_(i+1) ... F_L G_L, as the C fine-tuning leaves them
  Gl <- vector("list", L)
  Gl[[L]] <- GL * mx
  for (i in rev(seq_len(L - 1L))) Gl[[i]] <- Fl[[i + 1L]] %*% Gl[[i + 1L]]
  list(F = Fl, G = Gl, trace = trace / (sum(Xs)), iter = it, converged = converged,
       objective = trace[length(trace)] / sum(Xs))
}
