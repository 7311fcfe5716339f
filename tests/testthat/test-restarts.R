## Restarts (nrun, seed): R/restarts.R.

Xr <- local({
  set.seed(101)
  W <- matrix(runif(30 * 4), 30, 4)
  H <- matrix(runif(4 * 25), 4, 25)
  W %*% H + matrix(runif(30 * 25, 0, 0.3), 30, 25)
})

## The .Random.seed of L'Ecuyer stream i from set.seed(seed): the scheme
## ?mlnmf documents, rebuilt here from parallel's own functions.
stream_seed <- function(seed, i) {
  old_kind <- RNGkind()
  old <- get0(".Random.seed", envir = globalenv())
  on.exit({
    RNGkind(old_kind[1], old_kind[2], old_kind[3])
    assign(".Random.seed", old, envir = globalenv())
  })
  RNGkind("L'Ecuyer-CMRG")
  set.seed(seed)
  s <- .Random.seed
  for (k in seq_len(i - 1L)) s <- parallel::nextRNGStream(s)
  s
}

test_that("nrun = 1 and seed = NULL give today's fit and use R's stream as before", {
  set.seed(7)
  a <- nmf(Xr, 3, init = "random", maxit = 50)
  after_a <- .Random.seed
  set.seed(7)
  b <- nmf(Xr, 3, init = "random", maxit = 50, nrun = 1, seed = NULL)
  expect_identical(.Random.seed, after_a)
  a$call <- b$call <- NULL
  expect_identical(a, b)
  expect_null(b$runs)
  set.seed(7)
  c1 <- mlnmf(Xr, c(3, 2), init = "random", maxit = 50)
  set.seed(7)
  c2 <- mlnmf(Xr, c(3, 2), init = "random", maxit = 50, nrun = 1L)
  expect_identical(c1$F, c2$F)
  expect_identical(c1$G, c2$G)
})

test_that("nrun keeps the run with the smallest final error and records every run", {
  f <- suppressWarnings(nmf(Xr, 3, nrun = 4, seed = 5, maxit = 60))
  expect_s3_class(f$runs, "data.frame")
  expect_identical(nrow(f$runs), 4L)
  expect_identical(f$runs$init, c("nndsvd", rep("random", 3)))
  expect_identical(f$best_run, which.min(f$runs$error))
  expect_equal(f$error[1], min(f$runs$error), tolerance = 0)
  expect_equal(f$iter[1], f$runs$iterations[f$best_run])
  expect_identical(f$seed, 5L)
  expect_false(identical(f$runs$error[2], f$runs$error[3]))  # different starts
  ## the runs differ, and run i is the fit from stream i
  for (i in 2:3) {
    old <- get0(".Random.seed", envir = globalenv())
    kind <- RNGkind()
    assign(".Random.seed", stream_seed(5, i), envir = globalenv())
    ref <- suppressWarnings(nmf(Xr, 3, init = "random", maxit = 60))
    RNGkind(kind[1], kind[2], kind[3])
    assign(".Random.seed", old, envir = globalenv())
    expect_equal(f$runs$error[i], ref$error[1], tolerance = 1e-12)
  }
  ## the data kept are the data, whichever run won
  expect_identical(f$data, Xr)
  g <- suppressWarnings(nmf(Xr, 3, nrun = 4, seed = 5, maxit = 60, keep.data = FALSE))
  expect_null(g$data)
  expect_identical(g$F, f$F)
})

test_that("a seed gives the same fit every time and leaves R's RNG alone", {
  set.seed(99)
  kind <- RNGkind()
  s <- .Random.seed
  a <- suppressWarnings(mlnmf(Xr, c(3, 2), nrun = 3, seed = 12, maxit = 40))
  expect_identical(.Random.seed, s)
  expect_identical(RNGkind(), kind)
  b <- suppressWarnings(mlnmf(Xr, c(3, 2), nrun = 3, seed = 12, maxit = 40))
  expect_identical(a$F, b$F)
  expect_identical(a$G, b$G)
  expect_identical(a$runs, b$runs)
  ## seed with one run: the run draws from stream 1 (matters for random starts)
  r1 <- nmf(Xr, 3, init = "random", seed = 3, maxit = 40)
  r2 <- nmf(Xr, 3, init = "random", seed = 3, maxit = 40)
  r3 <- nmf(Xr, 3, init = "random", seed = 4, maxit = 40)
  expect_identical(r1$F, r2$F)
  expect_false(identical(r1$F, r3$F))
  expect_identical(nrow(r1$runs), 1L)
  ## ... exactly the fit from stream 1, made by the same call itself, which
  ## leaves R's RNG as it was, also when it fails
  old <- get0(".Random.seed", envir = globalenv())
  kind <- RNGkind()
  assign(".Random.seed", stream_seed(3, 1), envir = globalenv())
  ref <- nmf(Xr, 3, init = "random", maxit = 40)
  RNGkind(kind[1], kind[2], kind[3])
  assign(".Random.seed", old, envir = globalenv())
  expect_identical(r1$F, ref$F)
  expect_identical(r1$G, ref$G)
  expect_identical(r1$memberships[[1]][, 1], as.raw(max.col(t(r1$G[[1]] * colSums(r1$F[[1]])),
                                                            ties.method = "first")))
  set.seed(5)
  s <- .Random.seed
  expect_error(nmf(Xr, 3, seed = 3, maxit = -1), "'maxit'")
  expect_identical(.Random.seed, s)
  expect_identical(RNGkind(), kind)
  ## seed = NULL with several runs: the seed is drawn from R's stream
  set.seed(21); n1 <- suppressWarnings(nmf(Xr, 3, nrun = 3, maxit = 40))
  set.seed(21); n2 <- suppressWarnings(nmf(Xr, 3, nrun = 3, maxit = 40))
  expect_identical(n1$F, n2$F)
  expect_identical(n1$seed, n2$seed)
})

test_that("the same seed gives the same fit serially, with plan(sequential) and with 2 workers", {
  old_plan <- future::plan()
  on.exit(future::plan(old_plan), add = TRUE)
  old_opt <- options(mlnmf.future = FALSE)
  serial <- suppressWarnings(nmf(Xr, 3, nrun = 3, seed = 8, maxit = 40))
  options(old_opt)
  future::plan(future::sequential)
  seqf <- suppressWarnings(nmf(Xr, 3, nrun = 3, seed = 8, maxit = 40))
  rk_seq <- suppressWarnings(nmf_rank(Xr, 2:3, reps = 2, seed = 4, maxit = 40))
  future::plan(future::multisession, workers = 2)
  multi <- suppressWarnings(nmf(Xr, 3, nrun = 3, seed = 8, maxit = 40))
  rk_multi <- suppressWarnings(nmf_rank(Xr, 2:3, reps = 2, seed = 4, maxit = 40))
  for (f in list(seqf, multi)) {
    expect_identical(f$F, serial$F)
    expect_identical(f$G, serial$G)
    expect_identical(f$runs, serial$runs)
  }
  expect_identical(rk_multi$table, rk_seq$table)
})

test_that("print and summary show the runs", {
  f <- suppressWarnings(nmf(Xr, 3, nrun = 3, seed = 2, maxit = 40))
  expect_output(print(f), "Best of 3 runs \\(seed 2\\): run [1-3]")
  out <- capture.output(print(summary(f)))
  expect_true(any(grepl("3 runs from seed 2", out)))
  expect_true(any(grepl("^ +3 random", out)))
  expect_output(print(nmf(Xr, 2, seed = 2, maxit = 40)), "One run, seed 2")
})

test_that("warnings of the runs are reported, not lost", {
  w <- character()
  withCallingHandlers(nmf(Xr, 3, nrun = 3, seed = 1, maxit = 2),
                      warning = function(x) {
                        w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning")
                      })
  expect_true(any(grepl("^1 of 1 layers did not converge in 'maxit' = 2", w)))
  expect_true(any(grepl("^2 of the 2 other runs did not converge", w)))
})

test_that("a failing run is named, with its reason, and the other fits are kept", {
  ns <- asNamespace("mlnmf")
  orig <- get("run_fit", envir = ns)
  fake <- function(...) {
    if (identical(list(...)$init, "random") && runif(1) < 2) stop("simulated failure")
    orig(...)
  }
  environment(fake) <- environment()
  unlockBinding("run_fit", ns)
  assign("run_fit", fake, envir = ns)
  on.exit({ assign("run_fit", orig, envir = ns); lockBinding("run_fit", ns) }, add = TRUE)
  for (fut in c(FALSE, TRUE)) {
    old <- options(mlnmf.future = fut)
    if (fut) {
      old_plan <- future::plan(future::sequential)
    }
    e <- tryCatch(nmf(Xr, 3, nrun = 3, seed = 1, maxit = 30), error = function(e) e)
    options(old)
    if (fut) future::plan(old_plan)
    expect_s3_class(e, "mlnmf_restart_error")
    expect_match(conditionMessage(e),
                 "^run 2 of 3 failed: simulated failure \\(2 runs failed: 2, 3;")
    expect_identical(e$failed, 2:3)
    expect_s3_class(e$fits[[1]], "mlnmf")
    expect_null(e$fits[[2]])
  }
})

test_that("restarts work with a mask, several layers and sparse data", {
  Xm <- Xr; Xm[cbind(1:5, 1:5)] <- NA
  f <- suppressWarnings(mlnmf(Xm, c(3, 2), mask = "NA", nrun = 2, seed = 3, maxit = 40))
  expect_identical(f$mask$missing, 5)
  expect_length(f$F, 2)
  expect_true(all(is.finite(f$runs$error)))
  S <- Matrix::Matrix(Xr * (Xr > 1), sparse = TRUE)
  g <- suppressWarnings(nmf(S, 3, nrun = 2, seed = 3, maxit = 40))
  expect_true(g$sparse)
  expect_identical(g$data, S)
})

test_that("with layers = \"auto\" runs of different depths are compared at the common depth", {
  set.seed(1)
  X <- simulate_gaussian_mixture(n = 200, d = 10, clusters = 3)
  a <- suppressWarnings(mlnmf(X, 5, layers = "auto", max_layers = 8, nrun = 3, seed = 2))
  expect_true("layers" %in% names(a$runs))
  expect_gt(length(unique(a$runs$layers)), 1L)   # the case this test is about
  m <- min(a$runs$layers)
  expect_identical(a$layers, a$runs$layers[a$best_run])
  expect_equal(a$error[m], min(vapply(seq_len(3), function(i) {
    old <- get0(".Random.seed", envir = globalenv()); kind <- RNGkind()
    on.exit({ RNGkind(kind[1], kind[2], kind[3]); assign(".Random.seed", old, envir = globalenv()) })
    assign(".Random.seed", stream_seed(2, i), envir = globalenv())
    f <- suppressWarnings(mlnmf(X, 5, layers = "auto", max_layers = 8,
                                init = if (i == 1) "nndsvd" else "random"))
    f$error[m]
  }, 0)), tolerance = 1e-12)
})

test_that("a backend that fails outside the runs gives an error naming the backend and the future", {
  old_plan <- future::plan()
  on.exit(future::plan(old_plan), add = TRUE)
  cl <- parallel::makePSOCKcluster(1L)
  future::plan(future::cluster, workers = cl)
  ok <- nmf(Xr, 2, nrun = 2, seed = 1, maxit = 30)
  expect_identical(nrow(ok$runs), 2L)
  parallel::stopCluster(cl)                 # the worker is gone
  expect_error(nmf(Xr, 2, nrun = 2, seed = 1, maxit = 30),
               "^the future backend \\(cluster\\) failed while running 2 runs: .*mlnmf-run-1.*\\(the futures are named mlnmf-run-<j>, one per group of runs")
})
