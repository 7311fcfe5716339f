## Consensus clustering of restarts: R/consensus.R (issue 20).

blocks <- function(seed, m = 40, n = 30, k = 3) {
  set.seed(seed)
  W <- matrix(runif(m * k), m, k)
  H <- matrix(0.05 * runif(k * n), k, n)
  H[cbind(rep(seq_len(k), length.out = n), seq_len(n))] <- 1 + runif(n)
  X <- W %*% H + matrix(0.2 * runif(m * n), m, n)
  dimnames(X) <- list(paste0("g", seq_len(m)), paste0("s", seq_len(n)))
  X
}

## plain R: the run's cluster of each sample from its factors
ref_membership <- function(F, G) {
  unname(apply(G * colSums(F), 2L, which.max))
}
ref_consensus <- function(M) {
  n <- nrow(M)
  C <- matrix(0, n, n)
  for (r in seq_len(ncol(M))) C <- C + outer(M[, r], M[, r], "==")
  C / ncol(M)
}

test_that("the consensus is the mean of the runs' connectivity matrices", {
  X <- blocks(1)
  fit <- mlnmf(X, c(4, 2), nrun = 6, seed = 3, keep.runs = TRUE, maxit = 200)
  expect_length(fit$memberships, 2L)
  expect_identical(dim(fit$memberships[[1L]]), c(30L, 6L))
  expect_type(fit$memberships[[1L]], "raw")
  ## every run's memberships from its own factors, in plain R
  for (r in 1:6) {
    f <- fit$run_factors[[r]]
    expect_identical(as.integer(fit$memberships[[1L]][, r]), ref_membership(f$F[[1]], f$G[[1]]))
    expect_identical(as.integer(fit$memberships[[2L]][, r]),
                     ref_membership(f$F[[1]] %*% f$F[[2]], f$G[[2]]))
  }
  for (l in 1:2) {
    C <- consensus(fit, layer = l)
    M <- clusters(fit, layer = l, type = "runs")
    expect_equal(C, ref_consensus(M), tolerance = 1e-15, ignore_attr = TRUE)
    expect_true(isSymmetric(C))
    expect_equal(unname(diag(C)), rep(1, 30))
    expect_true(all(C >= 0 & C <= 1))
    expect_identical(rownames(C), colnames(X))
  }
  ## the best fit's own memberships are its run's
  expect_identical(clusters(fit, type = "fit"),
                   setNames(as.integer(fit$memberships[[1]][, fit$best_run]), colnames(X)))
})

test_that("cophenetic, dispersion and silhouette widths match plain-R references", {
  X <- blocks(2)
  fit <- nmf(X, 3, nrun = 8, seed = 1, maxit = 100)
  M <- clusters(fit, type = "runs")
  ## runs that disagree, so that the measures are not trivially 1
  M[1:5, 1:3] <- M[c(2:5, 1), 1:3]
  fit$memberships[[1]] <- matrix(as.raw(M), nrow(M))
  C <- ref_consensus(M)
  d <- as.dist(1 - C)
  hc <- hclust(d, method = "average")
  expect_equal(cophenetic(fit), cor(d, stats::cophenetic(hc)), tolerance = 1e-14)
  expect_equal(dispersion(fit), sum(4 * (C - 1/2)^2) / nrow(C)^2, tolerance = 1e-14)
  cl <- cutree(hc, k = 3)
  expect_identical(unname(clusters(fit)), unname(cl))
  sw <- silhouette_widths(fit)
  skip_if_not_installed("cluster")
  ref <- cluster::silhouette(cl, dmatrix = 1 - C)
  expect_equal(unname(as.numeric(sw)), unname(ref[, "sil_width"]), tolerance = 1e-12)
  expect_equal(attr(sw, "mean"), mean(ref[, "sil_width"]), tolerance = 1e-12)
})

test_that("runs that send back memberships only give the same fit", {
  X <- blocks(3)
  a <- nmf(X, 3, nrun = 5, seed = 7, maxit = 150)
  old <- options(mlnmf.runs_memory = 0)
  b <- nmf(X, 3, nrun = 5, seed = 7, maxit = 150)
  options(old)
  expect_identical(a$memberships, b$memberships)
  expect_equal(b$F, a$F, tolerance = 1e-12)
  expect_equal(b$G, a$G, tolerance = 1e-12)
  expect_identical(a$runs, b$runs)
  expect_null(a$run_factors)
  ## one byte per sample and run
  expect_identical(length(a$memberships[[1]]), 30L * 5L)
})

test_that("bad input gives clear errors", {
  X <- blocks(4)
  one <- nmf(X, 3, maxit = 50)
  expect_error(consensus(one), "'fit' must be a fit with nrun > 1")
  expect_error(cophenetic(one), "'fit' must be a fit with nrun > 1")
  expect_error(dispersion(one), "'fit' must be a fit with nrun > 1")
  expect_error(silhouette_widths(one), "'fit' must be a fit with nrun > 1")
  expect_error(clusters(one, type = "consensus"), "'fit' must be a fit with nrun > 1")
  fit <- nmf(X, 3, nrun = 3, seed = 1, maxit = 50)
  expect_error(consensus(fit, layer = 2), "'layer' must be a single whole number from 1 to 1")
  expect_error(consensus(fit, layer = "a"), "'layer' must be a single whole number from 1 to 1")
  expect_error(consensus(X), "'fit' must be a fit of mlnmf\\(\\) or nmf\\(\\), not")
  expect_error(clusters(fit, type = "tree"), "'type' must be one of")
  expect_error(nmf(X, 3, nrun = 2, keep.runs = NA), "'keep.runs'")
})

test_that("nmf_rank() with nrun: consensus measures per rank, the null beside, reproducible", {
  X <- blocks(5)
  r <- nmf_rank(X, 2:4, reps = 1, nrun = 4, null = TRUE, seed = 2, maxit = 100)
  s <- r$summary
  expect_named(s, c("rank", "train_error", "test_error", "test_sd", "residual",
                    "cophenetic", "dispersion", "silhouette"))
  expect_identical(names(r$null_summary), names(s))
  expect_true(all(s$cophenetic <= 1 + 1e-12 & s$dispersion >= 0 & s$dispersion <= 1))
  expect_true(s$residual[2] > 0 && s$residual[2] < 1)
  ## the real data's three blocks beat the randomized data's
  expect_gt(s$cophenetic[s$rank == 3], r$null_summary$cophenetic[s$rank == 3])
  r2 <- nmf_rank(X, 2:4, reps = 1, nrun = 4, null = TRUE, seed = 2, maxit = 100)
  expect_identical(r2$summary, r$summary)
  expect_identical(r2$null_summary, r$null_summary)
  ## nrun = 1 leaves the held-out table as it was
  r1 <- nmf_rank(X, 2:4, reps = 1, seed = 2, maxit = 100)
  expect_identical(r1$table, r$table)
  expect_error(nmf_rank(X, 2:3, nrun = 0), "'nrun' must be a single whole number")
  expect_error(nmf_rank(X, 2:3, null = NA), "'null'")
  expect_error(nmf_rank(X, 2:3, keep.runs = TRUE), "'keep.runs' cannot be passed")
  tf <- tempfile(fileext = ".png")
  png(tf); on.exit(unlink(tf))
  expect_identical(plot(r), r)
  dev.off()
})

test_that("randomized data permute the entries of each column", {
  X <- blocks(6)
  s <- mlnmf:::rng_streams(1, 1)[[1]]
  R <- mlnmf:::randomize_columns(X, s)
  expect_identical(apply(R, 2, sort), apply(X, 2, sort))
  expect_false(identical(R, X))
  S <- Matrix::Matrix(X * (X > 0.8), sparse = TRUE)
  RS <- mlnmf:::randomize_columns(S, s)
  expect_identical(Matrix::colSums(RS != 0), Matrix::colSums(S != 0))
  expect_equal(apply(as.matrix(RS), 2, sort), apply(as.matrix(S), 2, sort))
})

test_that("consensus and coef heatmaps: the tree's order, tracks, clear errors", {
  X <- blocks(7)
  fit <- nmf(X, 3, nrun = 4, seed = 1, maxit = 100)
  grp <- rep(c("a", "b", "c"), length.out = 30)
  tf <- tempfile(fileext = ".png")
  png(tf, 800, 600)
  on.exit({ dev.off(); unlink(tf) })
  p <- plot(fit, type = "consensus", annotation = list(group = grp))
  hc <- hclust(as.dist(1 - consensus(fit)), method = "average")
  expect_identical(p$order, hc$order)
  expect_identical(unname(p$clusters), unname(clusters(fit)))
  q <- plot(fit, type = "coef", annotation = factor(grp))
  expect_identical(q$order, p$order)
  expect_error(plot(fit, type = "consensus", annotation = grp[-1]),
               "'annotation' must have one entry per sample \\(30\\): 'annotation' has 29")
  expect_error(plot(fit, type = "consensus", annotation = list(g = 1:3)),
               "'annotation' must have one entry per sample \\(30\\): 'g' has 3")
  one <- nmf(X, 3, maxit = 50)
  expect_error(plot(one, type = "consensus"), "'x' must be a fit with nrun > 1")
  expect_length(plot(one, type = "coef")$order, 30L)
  expect_error(plot(fit, type = "consensus", layer = 2), "'layer' must be a single whole number from 1 to 1")
  ## the basis heatmap (issue 20): features grouped by dominant component
  nr <- nrow(X)
  b <- plot(fit, type = "basis", annotation = list(half = rep(1:2, length.out = nr)))
  P <- mlnmf::prototypes(fit)
  expect_identical(b$clusters, max.col(P, ties.method = "first"))
  expect_identical(b$order, order(b$clusters, -P[cbind(seq_len(nr), b$clusters)]))
  expect_null(b$tree)
  expect_error(plot(fit, type = "basis", annotation = 1:3),
               sprintf("'annotation' must have one entry per feature \\(%d\\): 'annotation' has 3", nr))
  ## a square number of rows draws images unless dim = FALSE
  sq <- suppressWarnings(nmf(matrix(runif(16 * 20), 16), 2, maxit = 20))
  expect_identical(dim(plot(sq, type = "basis")), c(16L, 2L))
  expect_length(plot(sq, type = "basis", dim = FALSE)$order, 16L)
})

test_that("the runs signal their progress through progressr", {
  skip_if_not_installed("progressr")
  X <- blocks(8)
  steps <- 0
  old <- options(progressr.enable = TRUE)     # off in non-interactive sessions
  on.exit(options(old))
  fit <- withCallingHandlers(
    nmf(X, 3, nrun = 4, seed = 1, maxit = 30),
    progression = function(p) if (identical(p$type, "update") && p$amount > 0) steps <<- steps + p$amount)
  expect_identical(steps, 4)
  ## no handler, nothing shown, and the fit is the same
  expect_identical(nmf(X, 3, nrun = 4, seed = 1, maxit = 30)$memberships, fit$memberships)
})

test_that("cophenetic() takes 'layer' on a fit and is stats' function otherwise", {
  X <- blocks(9)
  fit <- suppressWarnings(mlnmf(X, c(4, 2), nrun = 3, seed = 1, maxit = 50))
  C2 <- consensus(fit, layer = 2)
  d <- as.dist(1 - C2)
  expect_equal(cophenetic(fit, layer = 2),
               cor(d, stats::cophenetic(hclust(d, "average"))), tolerance = 1e-14)
  hc <- hclust(dist(X[1:10, ]))
  expect_identical(cophenetic(hc), stats::cophenetic(hc))
})
