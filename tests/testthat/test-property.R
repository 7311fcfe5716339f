## Randomized property test: random shapes, ranks, layer counts, sparsity
## patterns, methods, initialisations, normalisations and seeds.  For every
## case:
##   - every factor is finite and nonnegative, with the right dimensions;
##   - the per-iteration objective of "mu" and "kl" never increases: in
##     fit$trace up to the precision the C code evaluates it with, and, with
##     the objective recomputed exactly in R after each single step
##     (C_mlnmf_step), up to diff(loss) <= 1e-10 * loss[-1] + 1e-24 * ||X||
##     (||X|| = sum(X^2) for mu, sum(X) for kl);
##   - fit$error[i] equals ||X - F1...Fi G_i||_F / ||X||_F recomputed in R;
##   - the same seed gives the same fit, bit for bit.
## Problems are collected over all cases and checked by a few expectations,
## so a failure lists every failing case with the parameters to rerun it.

## 300 small cases, and 12 larger ones (min(dim) > 4 (rank + 10)) where
## NNDSVD takes its randomized range finder instead of the Gram matrix
n_small <- 300L
n_cases <- n_small + 12L

random_data <- function(d, N, pattern) {
  X <- switch(pattern,
    dense = matrix(runif(d * N), d, N),
    sparse = matrix(runif(d * N) * (runif(d * N) < 0.3), d, N),
    lowrank = {
      r <- sample.int(min(d, N), 1L)
      matrix(runif(d * r), d, r) %*% matrix(runif(r * N), r, N)
    },
    counts = matrix(rpois(d * N, 2), d, N),
    zero_lines = {
      Y <- matrix(runif(d * N), d, N)
      if (d > 1L) Y[sample.int(d, d %/% 3L), ] <- 0
      if (N > 1L) Y[, sample.int(N, N %/% 3L)] <- 0
      Y
    },
    wide_range = matrix(exp(rnorm(d * N, sd = 6)), d, N))
  if (!any(X > 0)) X[sample.int(d * N, 1L)] <- 1
  X
}


## The objectives computed accurately: the I-divergence term
## x log(x/y) - x + y = x (t - log1p(t)), t = (y - x)/x, by its series when
## |t| is small (the direct formula cancels to ~eps * x).
exact_loss <- function(X, W, H, method) {
  Y <- W %*% H
  if (method == "mu") return(sum((X - Y)^2))
  pos <- X > 0
  t <- (Y[pos] - X[pos]) / X[pos]
  term <- ifelse(abs(t) < 1e-2,
                 X[pos] * t^2 * (1/2 - t/3 + t^2/4 - t^3/5 + t^4/6 - t^5/7),
                 X[pos] * (t - log1p(t)))
  sum(term) + sum(Y[!pos])
}

set.seed(6L)
cases <- lapply(seq_len(n_cases), function(id) {
  if (id <= n_small) {
    d <- sample(1:14, 1L); N <- sample(1:14, 1L)
  } else {
    d <- sample(53:70, 1L); N <- sample(53:70, 1L)
  }
  layers <- sample(1:3, 1L, prob = c(0.5, 0.3, 0.2))
  rank <- integer(layers)
  prev <- min(d, N)
  if (id > n_small) prev <- 3L
  for (i in seq_len(layers)) rank[i] <- prev <- sample.int(prev, 1L)
  list(id = id, d = d, N = N, rank = rank,
       pattern = sample(c("dense", "sparse", "lowrank", "counts", "zero_lines",
                          "wide_range"), 1L),
       method = c("hals", "mu", "kl")[(id - 1L) %% 3L + 1L],
       init = sample(c("nndsvd", "nndsvda", "nndsvdar", "random"), 1L),
       normalize = sample(c("l1", "none", "l2", "max"), 1L),
       maxit = sample(c(5L, 40L, 150L), 1L),
       seed = sample.int(1e6, 1L))
})

test_that(sprintf("%d random cases satisfy the invariants", n_cases), {
  problems <- character()
  n_monotone <- 0L
  n_layers <- 0L
  n_steps <- 0L
  for (cs in cases) {
    label <- sprintf("case %d (%d x %d, rank %s, %s, %s, init %s, normalize %s, maxit %d, seed %d)",
                     cs$id, cs$d, cs$N, paste(cs$rank, collapse = "/"), cs$pattern,
                     cs$method, cs$init, cs$normalize, cs$maxit, cs$seed)
    set.seed(cs$seed)
    X <- random_data(cs$d, cs$N, cs$pattern)
    X0 <- X
    run <- function() {
      set.seed(cs$seed)
      suppressWarnings(mlnmf(X, cs$rank, method = cs$method, init = cs$init,
                             normalize = cs$normalize, maxit = cs$maxit,
                             tol = 1e-12))
    }
    fit <- run()
    L <- length(cs$rank)
    n_layers <- n_layers + L
    k_in <- c(cs$d, cs$rank[-L])
    factors <- c(unlist(fit$F), unlist(fit$G))
    ok <- c(
      "factors not finite" = all(is.finite(factors)),
      "factors negative" = all(factors >= 0),
      "dim(F) wrong" = identical(unname(lapply(fit$F, dim)),
                                 Map(c, k_in, cs$rank)),
      "dim(G) wrong" = identical(unname(lapply(fit$G, dim)),
                                 lapply(cs$rank, c, cs$N)),
      "iter/converged/trace lengths wrong" =
        length(fit$iter) == L && length(fit$converged) == L &&
        all(lengths(fit$trace) == fit$iter + 1L),
      "error not finite" = all(is.finite(fit$error)),
      "input changed" = identical(X, X0))
    if (all(ok[c("factors not finite", "dim(F) wrong", "dim(G) wrong")])) {
      err <- ref_errors(fit, X)   # helper-reference.R
      ok["error differs from R's (1e-8)"] <-
        isTRUE(all.equal(fit$error, err, tolerance = 1e-8))
    }
    if (cs$method %in% c("mu", "kl")) {
      ## fit$trace is relative to ||sX||^2 (mu) or sum(sX) (kl) and is
      ## evaluated as ||sX||^2 - 2 <X^T W, Ht> + <W^T W, Ht^T Ht> or as a sum
      ## of x log(x/y) - x + y terms: its absolute round-off is a few
      ## .Machine$double.eps (measured up to 7e-16 here, at fits exact to
      ## 1e-16), so the floor adds 16 eps to 1e-24; the exact check below
      ## holds the iterates to the 1e-24 floor itself.
      ## ("kl" measures its objective every 10 iterations: NA in between)
      mono <- vapply(fit$trace, function(loss) {
        loss <- loss[!is.na(loss)]
        all(diff(loss) <= 1e-10 * loss[-1L] + 1e-24 + 16 * .Machine$double.eps)
      }, NA)
      n_monotone <- n_monotone + L
      ok["objective in trace increased"] <- all(mono)
      ## one step at a time from a random start, objective exact in R
      k <- cs$rank[1L]
      W <- matrix(runif(cs$d * k), cs$d, k)
      H <- matrix(runif(k * cs$N), k, cs$N)
      code <- match(cs$method, c("hals", "mu", "kl")) - 1L
      Xd <- X + 0  # counts are integer; the C routine takes doubles only
      loss <- exact_loss(X, W, H, cs$method)
      for (step in 1:15) {
        st <- .Call(mlnmf:::C_mlnmf_step, Xd, W, H, code, 1e-16, NULL, NULL)
        W <- st$W; H <- st$H
        loss <- c(loss, exact_loss(X, W, H, cs$method))
      }
      size <- if (cs$method == "mu") sum(X^2) else sum(X)
      n_steps <- n_steps + 15L
      ok["exact objective increased in a step"] <-
        all(is.finite(loss)) && all(diff(loss) <= 1e-10 * loss[-1L] + 1e-24 * size)
    }
    ok["same seed, different fit"] <- identical(run(), fit)
    if (!all(ok)) problems <- c(problems, paste0(label, ": ", names(ok)[!ok]))
  }
  expect_identical(problems, character())
  ## the sample really covers what it claims
  expect_gte(n_layers, n_cases)
  expect_gte(n_monotone, 150L)
  expect_gte(n_steps, 15L * 150L)
  expect_setequal(vapply(cases, `[[`, "", "pattern"),
                  c("dense", "sparse", "lowrank", "counts", "zero_lines", "wide_range"))
  expect_setequal(vapply(cases, `[[`, "", "init"),
                  c("nndsvd", "nndsvda", "nndsvdar", "random"))
})

test_that("different seeds give different random starts", {
  set.seed(1)
  X <- matrix(runif(12 * 9), 12, 9)
  set.seed(10); a <- suppressWarnings(mlnmf(X, 3, init = "random", maxit = 5))
  set.seed(11); b <- suppressWarnings(mlnmf(X, 3, init = "random", maxit = 5))
  expect_false(identical(a$F, b$F))
})
