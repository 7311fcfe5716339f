## Layer-centric fine-tuning (issue 22): finetune(objective = "layer")
## minimises sum_l lambda_l D_beta(G_(l-1) | F_l G_l); its gradient against
## finite differences, the monotone decrease, Leplat et al.'s weights, the
## data objective for any beta, and what summary() shows.

layer_problem <- function(seed = 1, d = 60, N = 40) {
  set.seed(seed)
  X <- matrix(rpois(d * N, 2), d, N) + 0
  fit <- suppressWarnings(mlnmf(X, c(6, 4, 2), method = "kl", maxit = 100))
  list(X = X, fit = fit)
}

test_that("the gradient of the layer-centric objective agrees with finite differences", {
  pr <- layer_problem()
  nc <- mlnmf:::normalize_chain(pr$fit$F, pr$fit$G)
  Fl <- nc$F; Gl <- nc$G
  lam <- c(1, 2, 0.5)
  for (beta in c(0.5, 1, 1.5, 3)) {
    g <- mlnmf:::layer_gradient(pr$X, Fl, Gl, beta, lam)
    ob <- function(Fl, Gl) mlnmf:::layer_objective(pr$X, Fl, Gl, beta, lam)$value
    ## the derivative along one entry by the five-point central stencil
    ## (error O(h^4)), step 1e-4 of the entry: the objective is about 3000
    ## and some derivatives about 0.2, so the two-point quotient with a
    ## step of 1e-6 carried a rounding error of about 2e-5 of the
    ## derivative (eps * 3000 / (2 h)), beyond the tolerance, and with a
    ## step of 1e-4 a truncation error of up to 1e-4; here rounding is
    ## about 2e-7 and truncation below it
    fd <- function(f, x0, h)
      (-f(x0 + 2 * h) + 8 * f(x0 + h) - 8 * f(x0 - h) + f(x0 - 2 * h)) / (12 * h)
    for (l in 1:3) {
      i <- which.max(Fl[[l]])         # interior entries: the largest of each factor
      alongF <- function(v) { Fv <- Fl; Fv[[l]][i] <- v; ob(Fv, Gl) }
      expect_equal(g$F[[l]][i], fd(alongF, Fl[[l]][i], 1e-4 * Fl[[l]][i]), tolerance = 1e-5,
                   label = sprintf("dF_%d, beta %g", l, beta))
      j <- which.max(Gl[[l]])
      alongG <- function(v) { Gv <- Gl; Gv[[l]][j] <- v; ob(Fl, Gv) }
      expect_equal(g$G[[l]][j], fd(alongG, Gl[[l]][j], 1e-4 * Gl[[l]][j]), tolerance = 1e-5,
                   label = sprintf("dG_%d, beta %g", l, beta))
    }
  }
})

test_that("layer-centric fine-tuning never increases its objective and starts every term at 1", {
  pr <- layer_problem(2)
  for (beta in c(0.5, 1, 1.5, 2)) {
    g <- suppressWarnings(finetune(pr$fit, objective = "layer", beta = beta, maxit = 30))
    tr <- g$finetune$trace
    expect_equal(tr[1], 3, tolerance = 1e-12)      # lambda_l = 1 / D_l at the start
    expect_true(all(diff(tr) <= 1e-12 * tr[-1]), label = sprintf("monotone, beta %g", beta))
    expect_lt(tr[length(tr)], tr[1])
    expect_equal(sum(g$finetune$lambda * g$finetune$layer_divergence), tr[length(tr)],
                 tolerance = 1e-12)
    ## the constraint: every F_l has columns summing to one
    for (f in g$F) expect_equal(unname(colSums(f)), rep(1, ncol(f)), tolerance = 1e-10)
    expect_true(all(unlist(g$F) > 0), all(unlist(g$G) > 0))
  }
  ## given weights, and sparse data = dense data
  g1 <- suppressWarnings(finetune(pr$fit, objective = "layer", lambda = c(4, 2, 1) / 1000,
                                  maxit = 5))
  expect_equal(g1$finetune$lambda, c(4, 2, 1) / 1000)
  S <- methods::as(pr$X, "CsparseMatrix")
  gs <- suppressWarnings(finetune(pr$fit, X = S, objective = "layer", maxit = 5))
  gd <- suppressWarnings(finetune(pr$fit, objective = "layer", maxit = 5))
  expect_equal(gs$F, gd$F, tolerance = 1e-10)
  expect_equal(gs$finetune$trace, gd$finetune$trace, tolerance = 1e-10)
})

test_that("the data objective takes any beta and never increases; summary shows the layers", {
  pr <- layer_problem(3)
  f15 <- suppressWarnings(mlnmf(pr$X, c(6, 3), beta = 1.5, maxit = 100))
  g <- suppressWarnings(finetune(f15, maxit = 30))
  tr <- g$finetune$trace
  expect_true(all(diff(tr) <= 1e-12 * tr[-1]))
  expect_lt(tr[length(tr)], tr[1])
  expect_equal(g$G[[1]], g$F[[2]] %*% g$G[[2]], tolerance = 1e-12, ignore_attr = TRUE)
  gl <- suppressWarnings(finetune(pr$fit, objective = "layer", maxit = 10))
  s <- summary(gl)
  expect_equal(s$layer_divergence$layer_div, gl$finetune$layer_divergence)
  expect_true(all(s$hoyer >= 0 & s$hoyer <= 1))
  expect_output(print(s), "vs_cascade")
  expect_output(print(gl), "layer-centric objective, beta = 1")
  expect_error(finetune(nmf(pr$X, 3), objective = "layer"), "at least 2 layers")
  expect_error(finetune(pr$fit, objective = "layer", lambda = c(1, -1, 1)),
               "'lambda' must be NULL or 3 positive finite numbers")
  expect_error(finetune(pr$fit, lambda = 1:3), "'lambda' is used only with objective")
  expect_error(finetune(pr$fit, objective = "deep"), "'objective' must be one of")
  expect_error(finetune(pr$fit, X = pr$X * (row(pr$X) > 1), objective = "layer", beta = 0),
               "observed zero entries")
})
