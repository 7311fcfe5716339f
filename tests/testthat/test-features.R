## Features of a component: R/features.R (issue 20).

test_that("feature scores follow Kim and Park's formula", {
  set.seed(1)
  X <- matrix(runif(30 * 12), 30, 12)
  rownames(X) <- paste0("g", 1:30)
  fit <- mlnmf(X, c(4, 2), maxit = 100)
  for (l in 1:2) {
    P <- prototypes(fit, l)
    ref <- apply(P, 1, function(g) {
      p <- g / sum(g)
      1 + sum(ifelse(p > 0, p * log2(p), 0)) / log2(ncol(P))
    })
    sc <- feature_score(fit, layer = l)
    expect_equal(unname(sc), unname(ref), tolerance = 1e-13)
    expect_identical(names(sc), rownames(X))
    expect_true(all(sc >= -1e-12 & sc <= 1 + 1e-12))
  }
  ## one component only: 1; equal loadings: 0; no loading: 0
  f <- fit
  f$F[[1]][1, ] <- c(2, 0, 0, 0)
  f$F[[1]][2, ] <- 1
  f$F[[1]][3, ] <- 0
  expect_equal(unname(feature_score(f)[1:3]), c(1, 0, 0), tolerance = 1e-14)
})

## plain-R references of the two selection rules (NMF's extractFeatures)
ref_kim <- function(P) {
  s <- apply(P, 1, function(g) {
    p <- g / sum(g)
    1 + sum(ifelse(p > 0, p * log2(p), 0)) / log2(ncol(P))
  })
  th <- median(s) + 3 * mad(s)
  top <- apply(P, 1, which.max)
  keep <- s >= th & apply(P, 1, max) >= median(P)
  lapply(seq_len(ncol(P)), function(c) {
    i <- which(keep & top == c)
    i[order(s[i], decreasing = TRUE)]
  })
}
ref_max <- function(P) {
  lapply(seq_len(ncol(P)), function(c) {
    out <- integer()
    for (g in order(P[, c], decreasing = TRUE)) {
      if (any(P[g, -c] >= P[g, c])) break
      out <- c(out, g)
    }
    out
  })
}

test_that("extract_features() follows the two rules, with names", {
  data(golub, package = "mlnmf")
  ## (the rules are checked on whatever basis the fit has: it need not converge)
  fit <- suppressWarnings(nmf(golub$expr, 3, method = "kl", maxit = 100))
  P <- fit$F[[1]]
  for (m in c("kim", "max")) {
    ours <- extract_features(fit, method = m)
    ref <- if (m == "kim") ref_kim(P) else ref_max(P)
    expect_length(ours, 3L)
    for (c in 1:3) {
      expect_identical(unname(ours[[c]]), as.integer(ref[[c]]))
      expect_identical(names(ours[[c]]), rownames(golub$expr)[ours[[c]]])
    }
  }
  expect_true(sum(lengths(extract_features(fit))) > 0)
  expect_true(sum(lengths(extract_features(fit, method = "max"))) > 0)
})

test_that("bad input to the feature functions", {
  set.seed(2)
  fit <- nmf(matrix(runif(60), 10, 6), 2, maxit = 20)
  expect_error(feature_score(fit, layer = 2), "'layer' must be a single whole number from 1 to 1")
  expect_error(extract_features(fit, method = "min"), "'method' must be one of")
  expect_error(feature_score(matrix(1, 2, 2)), "'fit' must be a fit of mlnmf\\(\\) or nmf\\(\\)")
})
