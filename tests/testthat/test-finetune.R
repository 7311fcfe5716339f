## finetune(): joint refinement of all layers; layers = "auto"; hierarchy().

## products F_a ... F_b (NULL when empty)
chain_prod <- function(Fl, a, b) {
  if (a > b) return(NULL)
  Reduce(`%*%`, Fl[a:b])
}

## One sweep of src/finetune.c in plain R, from the formulas of its header:
## blocks F_1, ..., F_L, then G_L; one inner update each.
ref_ft_sweep <- function(X, Fl, G, method, eps) {
  L <- length(Fl)
  cd <- function(F, A, B, C) {           # coordinate descent on <F, AFB> - 2<C, F>
    r <- nrow(F); M <- F %*% B
    for (l in seq_len(ncol(F))) {
      g <- (if (is.null(A)) M[, l] else A %*% M[, l]) - C[, l]
      dl <- numeric(r)
      for (a in seq_len(r)) {
        den <- (if (is.null(A)) 1 else A[a, a]) * B[l, l]
        v <- max(eps, F[a, l] - g[a] / den)
        dv <- v - F[a, l]
        F[a, l] <- v; dl[a] <- dv
        g <- g + dv * B[l, l] * (if (is.null(A)) as.numeric(seq_len(r) == a) else A[, a])
      }
      M <- M + dl %o% B[l, ]
    }
    F
  }
  for (i in seq_len(L)) {
    P <- chain_prod(Fl, 1L, i - 1L)
    S <- if (i < L) chain_prod(Fl, i + 1L, L) %*% G else G
    F <- Fl[[i]]
    if (method == "kl") {
      PP <- if (is.null(P)) diag(nrow(X)) else P
      R <- X / (PP %*% F %*% S)
      Fl[[i]] <- pmax(F * (t(PP) %*% R %*% t(S)) / outer(colSums(PP), rowSums(S)), eps)
      next
    }
    A <- if (is.null(P)) NULL else crossprod(P)
    B <- tcrossprod(S)
    C <- if (is.null(P)) X %*% t(S) else t(P) %*% X %*% t(S)
    Fl[[i]] <- if (method == "hals") cd(F, A, B, C) else
      pmax(F * C / ((if (is.null(A)) F else A %*% F) %*% B), eps)
  }
  P <- chain_prod(Fl, 1L, L)
  if (method == "kl") {
    G <- pmax(G * crossprod(P, X / (P %*% G)) / colSums(P), eps)
  } else if (method == "hals") {
    G <- t(cd(t(G), NULL, crossprod(P), crossprod(X, P)))
  } else {
    G <- pmax(G * crossprod(P, X) / (crossprod(P) %*% G), eps)
  }
  list(F = Fl, G = G)
}

ft_opts <- function(method, maxit = 1L, inner = 1L, normalize = 0L)
  list(method = match(method, c("hals", "mu", "kl")) - 1L, maxit = maxit,
       tol = 0, eps = 1e-16, inner_max = inner, inner_delta = 0.1,
       normalize = normalize, verbose = FALSE, threads = 1L)

set.seed(12)
d <- 20; N <- 25; rk <- c(6, 5, 5, 4)
X0 <- matrix(runif(d * N), d, N)
X0 <- X0 / max(X0) * 3.7                      # not max 1: exercises the scale
## sparse-ish factors with a unit in every column: products of dense
## positive matrices tend to rank one, and the ill-conditioned P^T P would
## then amplify round-off beyond what a step comparison can resolve
sparse_factor <- function(m, n) {
  A <- matrix(0.01 + runif(m * n) * (runif(m * n) < 0.4), m, n)
  A[cbind(sample(m, n, replace = m < n), seq_len(n))] <- 1
  A
}
F0 <- lapply(seq_along(rk), function(i) sparse_factor(c(d, rk)[i], rk[i]))
G0 <- sparse_factor(rk[4], N)

for (method in c("hals", "mu", "kl")) {
  test_that(paste("one joint sweep matches the pure-R reference:", method), {
    ref <- ref_ft_sweep(X0, F0, G0, method, 1e-16)
    X1 <- X0; F1 <- F0; G1 <- G0
    res <- .Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, ft_opts(method), NULL)
    expect_identical(X1, X0)                       # inputs untouched
    expect_identical(F1, F0)
    expect_identical(G1, G0)
    expect_false(res$restored)
    expect_lt(rdiff(res$F[[1]], ref$F[[1]]), 1e-12)   # F_1 (P = I)
    expect_lt(rdiff(res$F[[2]], ref$F[[2]]), 1e-12)   # middle F_i
    expect_lt(rdiff(res$F[[3]], ref$F[[3]]), 1e-12)
    expect_lt(rdiff(res$F[[4]], ref$F[[4]]), 1e-12)   # F_L
    expect_lt(rdiff(res$G[[4]], ref$G), 1e-12)        # G_L
    ## the intermediate G_i are the suffix products
    expect_lt(rdiff(res$G[[2]], ref$F[[3]] %*% ref$F[[4]] %*% ref$G), 1e-12)
    ## objective of the start and after the sweep, exact
    obj <- function(Fl, G) {
      Y <- chain_prod(Fl, 1L, 4L) %*% G
      if (method == "kl") sum(ifelse(X0 > 0, X0 * log(X0 / Y), 0) - X0 + Y) / sum(X0)
      else sum((X0 - Y)^2) / sum(X0^2)
    }
    expect_equal(res$start, obj(F0, G0), tolerance = 1e-10)
    expect_equal(res$objective, obj(ref$F, ref$G), tolerance = 1e-10)
    expect_lt(res$objective, res$start)
  })
}

test_that("several inner sweeps (hals, mu) stay exact block updates: monotone, below the start", {
  for (method in c("hals", "mu")) {
    res <- .Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, ft_opts(method, 30L, 10L), NULL)
    expect_true(all(diff(res$trace) <= 1e-13 * res$trace[1]), label = method)
    expect_lt(res$objective, res$start)
  }
})

test_that("normalisation after fine-tuning keeps the product", {
  a <- .Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, ft_opts("hals", 5L, 3L, 0L), NULL)
  b <- .Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, ft_opts("hals", 5L, 3L, 1L), NULL)
  expect_lt(rdiff(chain_prod(b$F, 1, 4) %*% b$G[[4]],
                  chain_prod(a$F, 1, 4) %*% a$G[[4]]), 1e-12)
  for (i in 1:4) expect_equal(unname(colSums(b$F[[i]])), rep(1, rk[i]), tolerance = 1e-12)
})

test_that("the objective never increases and ends at or below the cascade (random data)", {
  set.seed(3)
  X <- matrix(runif(40 * 60), 40, 60)
  X[sample(length(X), 600)] <- 0
  for (method in c("hals", "mu", "kl")) {
    fit <- suppressWarnings(mlnmf(X, c(8, 5, 3), method = method, threads = 1,
                                  maxit = 200))
    ft <- suppressWarnings(finetune(fit, maxit = 60, threads = 1))
    tr <- ft$finetune$trace
    expect_true(all(diff(tr) <= 1e-12 * tr[1]), label = method)
    expect_lte(ft$finetune$objective, ft$finetune$start)
    if (method != "kl") {
      expect_lte(ft$error[3], fit$error[3] + 1e-12)
      expect_equal(ft$error, rep(ref_errors(ft, X)[3], 3), tolerance = 1e-10)
    }
    expect_equal(ft$finetune$cascade_error, fit$error)
    ## G_i = F_(i+1) ... F_L G_L for every i
    expect_lt(rdiff(ft$G[[1]], ft$F[[2]] %*% ft$F[[3]] %*% ft$G[[3]]), 1e-12)
    expect_true(all(unlist(ft$F) >= 0), all(unlist(ft$G) >= 0))
    expect_identical(ft$data, X)
  }
})

test_that("the objective never increases and ends below the cascade on the paper's data", {
  set.seed(1)
  X <- simulate_gaussian_mixture(n = 1000, d = 10, clusters = 3)
  ## (one deep layer of an exact rank-10 cascade still improves at maxit:
  ## the stopping rule of issue 11 says so)
  fit <- suppressWarnings(mlnmf(X, 10, layers = 20, threads = 1))
  ft <- suppressWarnings(finetune(fit, maxit = 20, threads = 1))
  tr <- ft$finetune$trace
  expect_true(all(diff(tr) <= 1e-12 * tr[1]))
  expect_lt(ft$error[20], fit$error[20])
  expect_equal(ft$error[20], ref_errors(ft, X)[20], tolerance = 1e-8)
  ## the instruments accept a fine-tuned fit
  expect_s3_class(dependence(ft), "mlnmf_dependence")
  expect_s3_class(layer_stats(ft), "mlnmf_layer_stats")
  pt <- permutation_test(ft, reps = 2, fraction = 0.2, seed = 1)
  expect_true(all(is.finite(pt$error)))
})

test_that("mlnmf(finetune = ) equals finetune() of the cascade", {
  set.seed(4)
  X <- matrix(runif(30 * 40), 30, 40)
  a <- suppressWarnings(mlnmf(X, c(6, 3), threads = 1, finetune = list(maxit = 15)))
  b <- suppressWarnings(finetune(mlnmf(X, c(6, 3), threads = 1), maxit = 15, threads = 1))
  expect_equal(a$F, b$F, tolerance = 1e-12)
  expect_equal(a$G, b$G, tolerance = 1e-12)
  expect_false(is.null(a$finetune))
  expect_output(print(a), "fine-tuned")
  ## keep.data = FALSE works when X is given
  c0 <- mlnmf(X, c(6, 3), threads = 1, keep.data = FALSE)
  expect_error(finetune(c0), "keep.data = FALSE: give the data as 'X'")
  c1 <- suppressWarnings(finetune(c0, X, maxit = 15, threads = 1))
  expect_equal(c1$F, b$F, tolerance = 1e-12)
})

test_that("finetune() rejects bad input with clear errors", {
  set.seed(5)
  X <- matrix(runif(30 * 40), 30, 40)
  fit <- mlnmf(X, c(6, 3), threads = 1)
  expect_error(finetune(list(F = 1)), "'fit' must be a fit returned by mlnmf")
  expect_error(finetune(structure(list(), class = "NMFfit")), "'fit' must be a fit returned by mlnmf")
  expect_error(finetune(fit, X[-1, ]), "'X' must be 30 x 40 like the data of the fit, not 29 x 40")
  expect_error(finetune(fit, -X), "'X' must be nonnegative")
  expect_error(finetune(fit, maxit = -1), "'maxit' must be a single whole number >= 0")
  expect_error(finetune(fit, tol = NA), "'tol' must be a single finite number")
  expect_error(finetune(fit, method = "als"), "'method' must be one of")
  expect_error(finetune(fit, control = list(foo = 1)), "'control' has unknown entries: foo")
  expect_error(finetune(fit, control = 3), "'control' must be a list")
  expect_error(mlnmf(X, 3, finetune = "yes"), "'finetune' must be TRUE, FALSE or a list")
  expect_error(mlnmf(X, 3, finetune = list(bogus = 1)), "'finetune' has unknown entries: bogus")
  ## the C routine re-checks types and shapes
  o <- ft_opts("hals")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, 1:4, F0, G0, o, NULL), "'X' must be a double matrix")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, list(), G0, o, NULL), "'F' must be a non-empty list")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, list("a"), G0, o, NULL), "'F\\[\\[1\\]\\]' must be a double matrix")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0[-1], G0, o, NULL), "'F\\[\\[1\\]\\]' has 6 rows, the chain needs 20")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, t(G0), o, NULL), "'G' must be 4 x 25")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, unname(o), NULL), "'opts' must be a named list")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, o[-1], NULL), "option 'method' missing")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, modifyList(o, list(method = 5L)), NULL), "'method' code out of range")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, G0, modifyList(o, list(inner_max = 0L)), NULL), "'inner_max' out of range")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, X0, F0, -G0, o, NULL), "'G' must be finite and nonnegative")
  expect_error(.Call(mlnmf:::C_mlnmf_finetune, 0 * X0, F0, G0, o, NULL), "'X' has no positive entry")
})

test_that("hierarchy() memberships and parents are the hand-computed argmax", {
  set.seed(6)
  X <- matrix(runif(20 * 30), 20, 30)
  colnames(X) <- paste0("s", 1:30)
  fit <- mlnmf(X, c(6, 3, 2), threads = 1)
  h <- hierarchy(fit, long = TRUE)
  hm <- hierarchy(fit)
  expect_identical(dim(hm$membership), c(30L, 3L))
  expect_identical(rownames(hm$membership), colnames(X))
  expect_identical(unname(lengths(hm$soft)), 30L * c(6L, 3L, 2L))
  ## the matrices hold what the long tables hold, in a fraction of the size
  expect_identical(as.vector(hm$membership), h$membership$component)
  expect_identical(as.vector(hm$share), h$membership$share)
  expect_identical(unlist(lapply(hm$soft, as.vector), use.names = FALSE), h$soft$weight)
  expect_lte(as.numeric(object.size(hm$soft)), 1.2 * as.numeric(object.size(fit$G)))
  expect_identical(hm$edges, h$edges)
  expect_error(hierarchy(fit, long = NA), "'long' must be TRUE or FALSE")
  for (i in 1:3) {
    m <- h$membership[h$membership$layer == i, ]
    expect_identical(m$component, unname(apply(fit$G[[i]], 2, which.max)))
    expect_equal(m$share, unname(apply(fit$G[[i]], 2, function(g) max(g) / sum(g))))
    expect_identical(m$column, colnames(X))
    s <- h$soft[h$soft$layer == i, ]
    expect_equal(tapply(s$weight, s$index, sum), setNames(rep(1, 30), 1:30),
                 ignore_attr = TRUE, tolerance = 1e-12)
  }
  for (i in 1:2) {
    W <- fit$F[[i + 1]] %*% diag(rowSums(fit$G[[i + 1]]))
    e <- h$edges[h$edges$layer == i & h$edges$parent, ]
    e <- e[order(e$from), ]
    expect_identical(e$to, unname(apply(W, 1, which.max)))
    expect_equal(e$weight, unname(apply(W, 1, max) / rowSums(W)))
  }
  expect_identical(h$sizes[[2]], tabulate(apply(fit$G[[2]], 2, which.max), 3))
  expect_output(print(h), "layer 1: 6 components")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_s3_class(plot(h), "mlnmf_hierarchy")
  expect_error(hierarchy(mlnmf(X, 3, threads = 1)), "'fit' has one layer: a hierarchy needs at least two")
  expect_error(hierarchy(1), "'fit' must be a fit returned by mlnmf")
})

test_that("layers = \"auto\" stops at a planted number of layers", {
  ## X = F1 F2 F3 G3 with sparse planted factors of ranks 8, 5, 3 and a
  ## separable G3 (so its NMF is unique up to a scaled permutation)
  set.seed(8)
  sp <- function(m, n, p = 0.4) {
    A <- matrix(runif(m * n), m, n) * (matrix(runif(m * n), m, n) < p)
    A[cbind(sample(m, n, replace = m < n), seq_len(n))] <- 1
    A
  }
  G3 <- cbind(diag(3), sp(3, 197))
  X <- sp(40, 8) %*% (sp(8, 5) %*% (sp(5, 3) %*% G3 + 0.05 * sp(5, 200)) +
                        0.05 * sp(8, 200))
  fit <- suppressWarnings(mlnmf(X, c(8, 5, 3, 3, 3, 3), layers = "auto", max_layers = 6,
                                threads = 1, maxit = 2000, tol = 1e-9))
  expect_identical(fit$layers, 3L)
  expect_identical(fit$depth$depth, 3L)
  expect_lt(fit$depth$table$monomial_dist[4], fit$depth$tol)
  ## the cascade stopped at the layer that met the rule (layer 4 of 6)
  expect_identical(nrow(fit$depth$table), 4L)
  expect_identical(fit$depth$max_layers, 6L)
  expect_length(fit$F, 3L)
  expect_identical(fit$rank, c(8L, 5L, 3L))
  expect_output(print(fit), "Depth chosen by layers = \"auto\": 3 of at most 6 layers")
  ## the same cascade, cut: the first three layers of the full fit
  full <- suppressWarnings(mlnmf(X, c(8, 5, 3, 3, 3, 3), threads = 1, maxit = 2000,
                                 tol = 1e-9))
  expect_equal(fit$F, full$F[1:3])
  expect_error(mlnmf(X, 3, layers = "auto"), "'layers' = \"auto\" needs 'max_layers'")
  expect_error(mlnmf(X, 3, layers = "auto", max_layers = 1), "'max_layers' must be at least 2")
  expect_error(mlnmf(X, 3, layers = "auto", max_layers = NA), "'max_layers' must be a single whole number")
  expect_error(mlnmf(X, 3, layers = "auto", max_layers = 4, depth_tol = 0), "'depth_tol' must be >")
  expect_error(mlnmf(X, 3, layers = 2, max_layers = 4), "'max_layers' is only used with 'layers' = \"auto\"")
  ## the cap on the depth is named after the argument that asked for it
  expect_error(mlnmf(X, 3, layers = "auto", max_layers = 1e9),
               "'max_layers' must be at most 100000, not 1000000000", fixed = TRUE)
})

test_that("layers = \"auto\" fits no layer past the one that sets the depth", {
  ## issue 23: with max_layers = 200 the cascade used to fit all 200 layers
  ## before cutting; it now stops at the first layer within depth_tol
  set.seed(1)
  X <- simulate_gaussian_mixture(n = 300, d = 10)
  fit <- suppressWarnings(mlnmf(X, 10, layers = "auto", max_layers = 200, threads = 1))
  d <- fit$depth$depth
  expect_lt(d, 199L)
  expect_identical(nrow(fit$depth$table), d + 1L)
  expect_false(fit$depth$capped)
  expect_lt(fit$depth$table$monomial_dist[d + 1L], fit$depth$tol)
  if (d >= 2L) expect_true(all(fit$depth$table$monomial_dist[2:d] >= fit$depth$tol))
  ## the fitted layers are the first layers of the fixed-depth cascade
  full <- suppressWarnings(mlnmf(X, 10, layers = d + 1L, threads = 1))
  expect_identical(fit$F, full$F[seq_len(d)])
  expect_identical(fit$error, full$error[seq_len(d)])
  ## the criterion in C is the R-level distance (one implementation)
  expect_identical(fit$depth$table$monomial_dist[-1L],
                   unname(vapply(full$F[-1L], mlnmf:::monomial_dist, 0)))
})

test_that("a start that the sweeps cannot improve is returned unchanged (restored)", {
  set.seed(9)
  W <- matrix(runif(24 * 3), 24, 3); W[1:5, 1] <- 0     # zeros below the floor
  H <- matrix(runif(3 * 17), 3, 17)
  res <- .Call(mlnmf:::C_mlnmf_finetune, W %*% H, list(W), H, ft_opts("hals"), NULL)
  expect_true(res$restored)
  expect_identical(res$F[[1]], W)
  expect_equal(res$G[[1]], H, tolerance = 1e-15)
  expect_identical(res$objective, res$start)
})

test_that("dependence() on a fine-tuned fit: G_(i-1) = F_i F_(i+1) G_(i+1) exactly", {
  set.seed(10)
  X <- matrix(runif(20 * 50), 20, 50)
  ft <- suppressWarnings(finetune(mlnmf(X, c(8, 6, 5, 4), threads = 1),
                                  maxit = 20, threads = 1))
  dep <- dependence(ft)
  expect_true(all(dep$recon_fit[-1] < 1e-10))
  expect_equal(dep$recon_fit[1], ft$error[1], tolerance = 1e-8)
})

test_that("a long fine-tuning stops at a time limit and R carries on", {
  set.seed(11)
  Xl <- matrix(runif(420 * 320), 420, 320)
  f <- suppressWarnings(mlnmf(Xl, c(10, 8, 6), maxit = 3, threads = 1))
  on.exit(setTimeLimit(elapsed = Inf), add = TRUE)
  setTimeLimit(elapsed = 0.5, transient = TRUE)
  err <- tryCatch({ finetune(f, maxit = 1e6, tol = 0, threads = 1); NULL },
                  error = function(e) e)
  setTimeLimit(elapsed = Inf)
  expect_s3_class(err, "error")
  expect_match(conditionMessage(err), "time limit")
  expect_s3_class(suppressWarnings(finetune(f, maxit = 2, threads = 1)), "mlnmf")
})

test_that("mu and kl fine-tuning on the paper's data: monotone, at or below the cascade", {
  set.seed(2)
  X <- simulate_gaussian_mixture(n = 300, d = 10, clusters = 3)
  for (method in c("mu", "kl")) {
    fit <- suppressWarnings(mlnmf(X, 10, layers = 8, method = method, threads = 1,
                                  maxit = 100))
    ft <- suppressWarnings(finetune(fit, maxit = 15, threads = 1))
    tr <- ft$finetune$trace
    expect_true(all(diff(tr) <= 1e-12 * tr[1]), label = method)
    expect_lt(ft$finetune$objective, ft$finetune$start)
    if (method == "mu") expect_lt(ft$error[8], fit$error[8])
  }
})

test_that("a one-layer fit is fine-tuned as plain alternating updates", {
  set.seed(3)
  X <- matrix(runif(25 * 30), 25, 30)
  f <- suppressWarnings(nmf(X, 4, threads = 1, maxit = 20, control = list(extrapolate = FALSE)))
  ft <- suppressWarnings(finetune(f, maxit = 50, threads = 1))
  expect_lte(ft$error, f$error + 1e-12)
  expect_length(ft$G, 1L)
  expect_equal(ft$error, ref_errors(ft, X), tolerance = 1e-8)
})
