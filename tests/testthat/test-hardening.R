## Regression tests of issue 15: hostile arguments refused in time, no
## silent Inf or NaN at extreme scales, corrupted fits refused, threads
## bounded, and the factor plots.

set.seed(15)
X <- simulate_gaussian_mixture(40, 10, 3)
fit <- mlnmf(X, c(5, 4, 3), maxit = 200)
cpu <- function(expr) {
  t0 <- sum(proc.time()[c("user.self", "sys.self")])
  force(expr)
  sum(proc.time()[c("user.self", "sys.self")]) - t0
}
with_env <- function(vars, expr) {
  old <- Sys.getenv(names(vars), unset = NA, names = TRUE)
  on.exit({
    for (v in names(old))
      if (is.na(old[[v]])) Sys.unsetenv(v) else do.call(Sys.setenv, as.list(old[v]))
  })
  do.call(Sys.setenv, as.list(vars))
  force(expr)
}
with_option <- function(value, expr) {
  old <- options(mlnmf.threads = value)
  on.exit(options(old))
  force(expr)
}

## ---- defect 1: threads --------------------------------------------------

test_that("threads are bounded: more than available is reduced (also 1e9)", {
  expect_identical(mlnmf:::check_threads(1e9), mlnmf:::max_threads())
  expect_identical(predict(fit, X, threads = 2000), predict(fit, X, threads = 1))
  expect_identical(mlnmf:::check_threads(1000), mlnmf:::max_threads())
  expect_identical(mlnmf:::check_threads(1), 1L)
  ## a fit with 1000 threads asked for runs (on the threads available) and
  ## is the fit of one thread
  set.seed(1); a <- mlnmf(X, 3, threads = 1000)
  set.seed(1); b <- mlnmf(X, 3, threads = 1)
  a$call <- b$call <- NULL
  expect_identical(a, b)
})

test_that("the default respects OMP_THREAD_LIMIT, R CMD check and the option", {
  n <- mlnmf:::.mlnmf_cores()   # read once at load, without a process
  with_option(NULL, {
    with_env(c(OMP_THREAD_LIMIT = "", `_R_CHECK_LIMIT_CORES_` = ""), {
      expect_identical(default_threads(), max(1L, n - 1L))
      expect_identical(mlnmf:::max_threads(), n)
    })
    with_env(c(OMP_THREAD_LIMIT = "1", `_R_CHECK_LIMIT_CORES_` = ""), {
      expect_identical(default_threads(), 1L)
      expect_identical(mlnmf:::max_threads(), 1L)
      expect_identical(mlnmf:::check_threads(8), 1L)
    })
    with_env(c(OMP_THREAD_LIMIT = "", `_R_CHECK_LIMIT_CORES_` = "TRUE"), {
      expect_lte(default_threads(), 2L)
      expect_lte(mlnmf:::max_threads(), 2L)
    })
    with_env(c(OMP_THREAD_LIMIT = "", `_R_CHECK_LIMIT_CORES_` = "false"), {
      expect_identical(mlnmf:::max_threads(), n)
    })
  })
  with_env(c(OMP_THREAD_LIMIT = "", `_R_CHECK_LIMIT_CORES_` = ""), {
    expect_identical(with_option(1, default_threads()), 1L)
    expect_identical(with_option(1e6, default_threads()), n)
    expect_error(with_option(0, default_threads()),
                 "option 'mlnmf.threads' must be a single whole number >= 1, not 0")
    expect_error(with_option("4", default_threads()), "option 'mlnmf.threads' must be")
    expect_error(with_option(1, mlnmf(X, 2, threads = NA)), "'threads' must be a single whole number >= 1")
  })
  ## the test suite itself runs on at most two threads
  expect_lte(default_threads(), 2L)
})

## ---- defects 2 and 3: sizes refused before allocating -------------------

test_that("maxit = 1e9 allocates no trace; the fit stops by 'tol'", {
  t <- cpu(f <- mlnmf(X, 2, maxit = 1e9))
  expect_lt(t, 5)
  expect_true(all(f$converged))
  expect_identical(lengths(f$trace), c(layer1 = 0L))
  expect_lt(as.numeric(object.size(f)), 1e6)
  expect_error(plot(f, type = "trace"), "'x' has no trace to plot \\(a fit keeps one when 'maxit' <= 1000000\\)")
  ## up to 1e6 the trace is kept, one value per iteration
  g <- mlnmf(X, 2, maxit = 1e6)
  expect_identical(length(g$trace$layer1), g$iter + 1L)
  ## and the fit is the same with or without the trace
  g$call <- f$call <- NULL
  expect_identical(g[setdiff(names(g), c("trace", "maxit"))],
                   f[setdiff(names(f), c("trace", "maxit"))])
})

test_that("layers = 1e8 and other sizes fail at once, before the data are read", {
  expect_lt(cpu(expect_error(mlnmf(X, 1, layers = 1e8, maxit = -1),
                             "'layers' must be at most 100000, not 100000000")), 0.5)
  expect_lt(cpu(expect_error(mlnmf(X, 1, layers = 100, maxit = -1),
                             "'maxit' must be a single whole number >= 0")), 0.5)
  ## scalar arguments are checked before the (here invalid) data
  expect_error(mlnmf(matrix(-1, 3, 3), 1, maxit = -1), "'maxit' must be")
  expect_error(mlnmf(matrix(-1, 3, 3), 1, threads = 0), "'threads' must be a single whole number >= 1, not 0")
  ## the rank check over many layers is one vectorised pass
  expect_lt(cpu(expect_error(mlnmf(X, c(2, rep(3, 99999)), layers = 1e5),
                             "'rank' of layer 2 is 3, larger than")), 0.5)
  expect_lt(cpu(expect_error(simulate_gaussian_mixture(n = 1e9),
                             "'d' \\* 'n' and 'd' \\* 'clusters' must be at most 2147483647 entries, not 10000000000")), 0.5)
  expect_error(simulate_gaussian_mixture(n = 10, d = 1e5, clusters = 1e5),
               "must be at most 2147483647 entries")
})

## ---- defect 4: numbers beyond int in messages ---------------------------

test_that("a rank of 1e10 gets a message, not a sprintf error", {
  expect_error(mlnmf(X, rank = 1e10),
               "'rank' of layer 1 is 10000000000, larger than min\\(dim\\(X\\)\\) = 10")
  expect_error(mlnmf(X, rank = c(5, 3e9)), "'rank' of layer 2 is 3000000000, larger than")
  expect_error(mlnmf(X, rank = -1e10), "'rank' must be >= 1: got -10000000000")
})

## ---- defect 6: extreme but valid data -----------------------------------

test_that("predict() of data at 1e308 refuses instead of returning Inf", {
  big <- X / max(X) * 1e308
  expect_error(predict(fit, big), "the coefficients of 'newdata' overflow \\(its largest entry is 1e\\+308\\)")
  ## where the coefficients are representable they are those of the
  ## unscaled data, scaled (each layer is solved on its input / max)
  p0 <- predict(fit, X)
  for (s in c(1e-300, 1e300)) {
    ps <- predict(fit, X * s)
    expect_true(all(is.finite(ps)))
    expect_equal(ps / s, p0, tolerance = 1e-8)
  }
})

test_that("dependence() at extreme scales: finite, scale-free errors or a clear refusal", {
  d0 <- dependence(fit)
  for (s in c(1e-300, 1e300, 1e308 / max(X))) {
    ds <- dependence(fit, X = X * s)
    expect_true(all(is.finite(as.matrix(ds[, c("map_error", "recon_map", "recon_fit")]))))
    ## the map of G_0 = sX is s f(F_1): its reconstruction error is that of X
    expect_equal(ds$recon_map, d0$recon_map, tolerance = 1e-8)
    expect_equal(ds[-1L, ], d0[-1L, ], tolerance = 1e-8, ignore_attr = TRUE)
  }
  ## map error of s f(F_1) against F_2, computed without overflow
  Z <- layer_map(fit, 1)
  s <- 1e300
  ref <- sqrt(sum((fit$F[[2]] / s - Z)^2)) / sqrt(sum(fit$F[[2]]^2)) * s
  expect_equal(dependence(fit, X = X * s)$map_error[1], ref, tolerance = 1e-8)
  expect_error(dependence(fit, X = X * 1e-310), "'X' is too small to rescale: its largest entry .* is below")
  expect_error(dependence(fit, X = X * 0), "'X' is all zero")
  ## a whole fit at 1e300 has the dependence of the fit at 1
  set.seed(3); a <- mlnmf(X, c(5, 4, 3), maxit = 200)
  set.seed(3); b <- mlnmf(X * 1e300, c(5, 4, 3), maxit = 200)
  expect_equal(dependence(b), dependence(a), tolerance = 1e-6)
  set.seed(3); c <- mlnmf(X * 1e-300, c(5, 4, 3), maxit = 200)
  expect_equal(dependence(c), dependence(a), tolerance = 1e-6)
})

test_that("the C dependence entry scales G and refuses what it cannot scale", {
  X0 <- fit$data
  st <- .Call(mlnmf:::C_mlnmf_dependence, X0 / max(X0) * 1e308, fit$F, fit$G, 1:2, FALSE, NULL)$stats
  expect_true(all(is.finite(st)))
  G0 <- fit$G
  G0[[2]] <- G0[[2]] * 0
  expect_error(.Call(mlnmf:::C_mlnmf_dependence, X0, fit$F, G0, 1L, FALSE, NULL),
               "'G\\[\\[2\\]\\]' has no positive entry")
  expect_error(.Call(mlnmf:::C_mlnmf_dependence, X0 * 0, fit$F, fit$G, 1L, FALSE, NULL),
               "'X' has no positive entry")
  F0 <- fit$F
  F0[[1]][1, 1] <- NaN
  expect_error(.Call(mlnmf:::C_mlnmf_dependence, X0, F0, fit$G, 1L, FALSE, NULL),
               "'F\\[\\[1\\]\\]' has non-finite entries")
})

test_that("layer_map() with Y2 of 1e308 is finite or refused, never Inf", {
  Z0 <- layer_map(fit, 2)
  set.seed(4)
  Y <- matrix(runif(12), 4, 3)
  base <- layer_map(fit, 2, Y1 = Y, Y2 = Y) - Z0
  for (s in c(1e-300, 1e300, 1e307)) {
    Zs <- layer_map(fit, 2, Y1 = Y * s, Y2 = Y * s)
    expect_true(all(is.finite(Zs)))
    expect_equal((Zs - Z0) / s, base, tolerance = 1e-8)
  }
  r <- tryCatch(layer_map(fit, 2, Y2 = matrix(1e308, 4, 3)), error = function(e) e)
  if (inherits(r, "error")) {
    expect_match(conditionMessage(r), "beyond the largest double: use smaller 'Y1' or 'Y2'")
  } else {
    expect_true(all(is.finite(r)))
  }
  expect_true(all(is.finite(layer_map(fit, 2, Y2 = matrix(1e307, 4, 3)))))
})

test_that("pinv() of 1e308 and 1e-310 matrices: the scaled answer, or a clear error", {
  P <- pinv(matrix(1e308, 20, 20))
  expect_true(all(P > 0))
  expect_equal(P[1, 1], 1 / (400 * 1e308), tolerance = 1e-10)
  set.seed(5)
  A <- matrix(rnorm(35), 7, 5)
  P0 <- pinv(A)
  for (s in c(1e-305, 1e-150, 1e150, 1e305)) {
    Ps <- pinv(A * s)
    expect_equal(Ps * s, P0, tolerance = 1e-12)
  }
  ## rank-deficient at scale: the numerical rank (tol) does not depend on it
  B <- tcrossprod(matrix(rnorm(12), 6, 2))
  expect_equal(pinv(B * 1e300) * 1e300, pinv(B), tolerance = 1e-10)
  expect_equal(pinv(B * 1e300, tol = 1e299) * 1e300, pinv(B, tol = 0.1), tolerance = 1e-10)
  ## a subnormal matrix whose pseudoinverse is beyond the largest double
  expect_error(pinv(matrix(1e-320, 20, 20)), "the pseudoinverse of 'A' has entries beyond the largest double")
  expect_equal(pinv(matrix(1e-300, 4, 4))[1, 1], 1 / (16 * 1e-300), tolerance = 1e-12)
})

test_that("simulate_gaussian_mixture() refuses sd and spread that overflow", {
  expect_error(simulate_gaussian_mixture(10, sd = 1e308),
               "'sd' = 1e\\+308 and 'spread' = 10 give entries beyond the largest double")
  expect_error(simulate_gaussian_mixture(10, spread = 1.7e308, sd = 1e306), "beyond the largest double")
  set.seed(6)
  S <- simulate_gaussian_mixture(50, sd = 1e300, spread = 1e300)
  expect_true(all(is.finite(S)) && all(S >= 0))
})

test_that("simulate_gaussian_mixture() draws in blocks the stream of one call", {
  set.seed(7)
  S <- simulate_gaussian_mixture(300000, d = 4, clusters = 2, sd = 0.5)
  set.seed(7)
  cen <- matrix(runif(8, 0, 10), 4, 2)
  lab <- sample.int(2, 300000, replace = TRUE, prob = c(0.5, 0.5))
  raw <- cen[, lab] + matrix(rnorm(4 * 300000, 0, 0.5), 4, 300000)
  expect_identical(attr(S, "labels"), lab)
  expect_equal(c(S), c(raw - min(0, min(raw))), tolerance = 1e-14)
})

## ---- defect 7: corrupted fits -------------------------------------------

corrupt <- list(
  list("NaN in F[[2]]", function(f) { f$F[[2]][1, 1] <- NaN; f }, "'ARG\\$F\\[\\[2\\]\\]' must be finite: 1 entries"),
  list("negative F[[1]]", function(f) { f$F[[1]][2, 2] <- -1; f }, "'ARG\\$F\\[\\[1\\]\\]' must be nonnegative: 1 entries"),
  list("zero G[[3]]", function(f) { f$G[[3]][] <- 0; f }, "'ARG\\$G\\[\\[3\\]\\]' is all zero"),
  list("Inf in G[[3]]", function(f) { f$G[[3]][1, 1] <- Inf; f }, "'ARG\\$G\\[\\[3\\]\\]' must be finite"),
  list("negative eps", function(f) { f$eps <- -1e-16; f }, "'ARG\\$eps' must be a single number > 0 and <= 0.001, not -1e-16"),
  list("layers NA", function(f) { f$layers <- NA; f }, "'ARG\\$layers' must be a single whole number >= 1, not NA"),
  list("layers 2.5", function(f) { f$layers <- 2.5; f }, "'ARG\\$layers' must be a single whole number >= 1, not 2.5"),
  list("dim NA", function(f) { f$dim <- c(NA, 40L); f }, "'ARG\\$dim' must be two whole numbers >= 1"),
  list("dim wrong", function(f) { f$dim <- c(10L, 41L); f }, "'ARG\\$dim' is 10 x 41, but the factors are for data of 10 x 40"),
  list("method NA", function(f) { f$method <- NA_character_; f }, "'ARG\\$method' must be one of \"hals\", \"mu\", \"kl\", \"beta\", not NA"),
  list("method unknown", function(f) { f$method <- "als"; f }, "'ARG\\$method' must be one of"),
  list("rank wrong", function(f) { f$rank <- c(5L, 4L, 2L); f }, "'ARG\\$rank' must give the 3 ranks of the layers"),
  list("F chain broken", function(f) { f$F[[2]] <- f$F[[2]][-1, ]; f }, "'ARG\\$F\\[\\[2\\]\\]' has 4 rows, but F\\[\\[1\\]\\] has 5 columns"),
  list("G rows wrong", function(f) { f$G[[3]] <- f$G[[3]][-1, ]; f }, "'ARG\\$G\\[\\[3\\]\\]' has 2 rows, but F\\[\\[3\\]\\] has 3 columns"),
  list("F text", function(f) { f$F[[1]] <- "a"; f }, "'ARG\\$F\\[\\[1\\]\\]' must be a nonempty numeric matrix, not a character vector"),
  list("error NaN", function(f) { f$error[2] <- NaN; f }, "'ARG\\$error' must be 3 finite nonnegative numbers"),
  list("converged NA", function(f) { f$converged[1] <- NA; f }, "'ARG\\$converged' must be 3 TRUE or FALSE values")
)

test_that("every method and instrument refuses a corrupted fit by name", {
  for (row in corrupt) {
    bad <- row[[2L]](fit)
    calls <- list(
      fitted = function(f) fitted(f), coef = function(f) coef(f),
      predict = function(f) predict(f, X), print = function(f) print(f),
      summary = function(f) summary(f), residuals = function(f) residuals(f),
      plot = function(f) plot(f), prototypes = function(f) prototypes(f),
      reconstruct = function(f) reconstruct(f), layer_stats = function(f) layer_stats(f),
      dependence = function(f) dependence(f), layer_map = function(f) layer_map(f, 1),
      permutation_test = function(f) permutation_test(f, reps = 1, seed = 1))
    for (nm in names(calls)) {
      ## each message names the argument: 'fit', 'object' or 'x'
      pat <- gsub("ARG", "(fit|object|x)", row[[3L]], fixed = TRUE)
      pdf(NULL)
      r <- tryCatch(calls[[nm]](bad), error = function(e) e)
      dev.off()
      ## fields a method does not read may be left alone (coef() reads no
      ## eps), but nothing returns a non-finite number
      if (inherits(r, "error")) {
        expect_match(conditionMessage(r), pat, info = paste(row[[1L]], nm))
      } else {
        vals <- if (is.list(r)) unlist(Filter(is.numeric, unclass(r))) else r
        expect_true(all(is.finite(as.numeric(vals))), info = paste(row[[1L]], nm))
      }
    }
  }
})

test_that("the values that every method reads are checked by all of them", {
  nanF <- corrupt[[1]][[2]](fit)
  for (f in list(fitted, coef, print, summary, prototypes, reconstruct,
                 layer_stats, dependence))
    expect_error(f(nanF), "must be finite: 1 entries are NA, NaN or infinite")
  expect_error(predict(nanF, X), "'object\\$F\\[\\[2\\]\\]' must be finite")
  expect_error(permutation_test(nanF, reps = 1), "'fit\\$F\\[\\[2\\]\\]' must be finite")
  ## only the functions that read every G check every G
  zeroG1 <- fit
  zeroG1$G[[1]][] <- 0
  expect_error(dependence(zeroG1), "'fit\\$G\\[\\[1\\]\\]' is all zero")
  expect_error(layer_map(zeroG1, 2), "'fit\\$G\\[\\[1\\]\\]' is all zero")
  expect_true(all(is.finite(fitted(zeroG1))))
})

## ---- defect 10: say what is wrong ---------------------------------------

test_that("NaN in pinv() and an empty rank say what is wrong", {
  A <- matrix(1, 5, 5)
  A[2, 2] <- NaN
  expect_error(pinv(A), "'A' must be finite: 1 entries are NA, NaN or infinite")
  expect_error(.Call(mlnmf:::C_mlnmf_pinv, A, -1), "'A' must be finite")
  expect_error(mlnmf(X, integer(0), layers = 1), "'rank' is empty")
  expect_error(mlnmf(X, numeric(0)), "'rank' is empty")
})

## ---- plots --------------------------------------------------------------

test_that("plot(type = 'factors') draws F_i and G_i ordered by component", {
  pdf(NULL)
  on.exit(dev.off())
  r <- plot(fit, type = "factors")
  expect_identical(dim(r$F), dim(fit$F[[1]]))
  expect_identical(sort(r$row_order), seq_len(10L))
  expect_identical(sort(r$col_order), seq_len(40L))
  ## rows grouped by their dominant component, in component order
  top <- max.col(r$F, ties.method = "first")
  expect_false(is.unsorted(top))
  topg <- max.col(t(r$G), ties.method = "first")
  expect_false(is.unsorted(topg))
  expect_equal(r$G, fit$G[[1]][, r$col_order], ignore_attr = TRUE)
  r3 <- plot(fit, type = "factors", layer = 3, main = "third")
  expect_identical(dim(r3$G), dim(fit$G[[3]]))
  expect_error(plot(fit, type = "factors", layer = 4), "'layer' must be a single whole number from 1 to 3")
})

test_that("plot(type = 'basis') shows the prototypes as images of 'dim'", {
  pdf(NULL)
  on.exit(dev.off())
  set.seed(8)
  img <- matrix(runif(12 * 60), 12, 60)            # 12 pixels = 3 x 4 images
  f <- mlnmf(img, c(4, 2), maxit = 50, tol = 1e-3)
  expect_equal(plot(f, type = "basis", dim = c(3, 4)), prototypes(f, 1))
  expect_equal(plot(f, type = "basis", dim = c(4, 3), layer = 2), prototypes(f, 2))
  ## 12 rows are not a square image: without 'dim', the basis heatmap
  expect_identical(plot(f, type = "basis")$clusters,
                   max.col(prototypes(f, 1), ties.method = "first"))
  expect_error(plot(f, type = "basis", dim = c(5, 3)), "'dim' must be two whole numbers c\\(height, width\\) with height \\* width = 12")
  sq <- mlnmf(matrix(runif(16 * 30), 16, 30), 3, maxit = 50, tol = 1e-3)
  expect_identical(dim(plot(sq, type = "basis")), c(16L, 3L))
})

test_that("plot(type = 'factors') has keys and labels only where they fit", {
  set.seed(31)
  Y <- matrix(runif(12 * 80), 12, 80, dimnames = list(paste0("g", 1:12), paste0("s", 1:80)))
  f1 <- suppressWarnings(mlnmf(Y, 1, threads = 1, maxit = 20))   # one component
  f2 <- suppressWarnings(mlnmf(Y[, 1:20], c(3, 2), threads = 1, maxit = 20))
  grDevices::pdf(NULL, width = 10, height = 6)
  on.exit(grDevices::dev.off())
  r1 <- plot(f1, type = "factors")
  expect_identical(dim(r1$G), c(1L, 80L))
  expect_true(r1$row_labels)                          # 12 rows fit
  expect_false(r1$col_labels)                         # 80 > 60 columns: none
  expect_identical(layout(1), 1L)                     # the plot restored the device's layout
  r2 <- plot(f2, type = "factors", groups = rep(c("a", "b"), 10))
  expect_true(r2$col_labels)
  expect_identical(rep(c("a", "b"), 10)[r2$col_order], rep(c("a", "b"), each = 10))
  ## a panel too small for legible labels drops them
  grDevices::pdf(NULL, width = 4, height = 3)
  r3 <- plot(f2, type = "factors")
  grDevices::dev.off()
  expect_false(r3$col_labels)
})

test_that("the hierarchy plot is a tree: parents over their children, no overlaps", {
  check_tree <- function(h) {
    lay <- h$layout
    expect_identical(nrow(lay), sum(h$rank))
    L <- h$layers
    slot <- 1 / sum(h$rank) - 1e-12                  # the narrowest possible slot
    for (i in seq_len(L)) {
      li <- lay[lay$layer == i, ]
      expect_true(all(li$x > 0 & li$x < 1))
      if (nrow(li) > 1L) expect_gte(min(diff(sort(li$x))), slot)   # no two nodes coincide
      if (i < L) {
        up <- lay[lay$layer == i + 1L, ]
        px <- up$x[li$parent]
        ## each parent lies within the x-range of its children ...
        for (p in unique(li$parent))
          expect_true(px[li$parent == p][1] >= min(li$x[li$parent == p]) - 1e-12 &&
                      px[li$parent == p][1] <= max(li$x[li$parent == p]) + 1e-12)
        ## ... and parent edges do not cross: left to right in a layer, the
        ## parents go left to right too
        expect_false(is.unsorted(px[order(li$x)]))
      } else expect_true(all(is.na(li$parent)))
    }
    pe <- h$edges[h$edges$parent, ]
    expect_identical(lay$parent[lay$layer < L], pe$to[order(pe$layer, pe$from)])
  }
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  check_tree(plot(suppressWarnings(hierarchy(fit))))        # it has empty components
  set.seed(41)
  Y <- matrix(runif(20 * 120), 20, 120)              # more than 60 columns
  f1 <- suppressWarnings(mlnmf(Y, c(6, 3, 1), threads = 1, maxit = 30))   # one root
  h1 <- suppressWarnings(hierarchy(f1, groups = rep(letters[1:4], 30)))
  r1 <- plot(h1, min_weight = 0)
  check_tree(r1)
  expect_identical(sum(r1$layout$layer == 3L), 1L)
  expect_equal(r1$layout$x[r1$layout$layer == 3L], 0.5)
  fd <- suppressWarnings(mlnmf(digits, c(10, 6, 3), threads = 1, maxit = 100))
  rd <- plot(suppressWarnings(hierarchy(fd)))
  check_tree(rd)
  expect_true(any(rd$layout$labelled))
  ## a tiny device: nodes shrink, numbers that do not fit are left out
  grDevices::pdf(NULL, width = 2, height = 2)
  rt <- plot(suppressWarnings(hierarchy(fd)))
  grDevices::dev.off()
  check_tree(rt)
  expect_lt(max(rt$layout$cex), max(rd$layout$cex))
  expect_lt(sum(rt$layout$labelled), sum(rd$layout$labelled))
})
