## Threads (issue 23 defect 1 and the thread convention, issue 26 parts 2-3):
## one validator, a clamp in C, the BLAS's threads, no process started and
## no future for a single run, restarts grouped per worker.

set.seed(26)
X <- simulate_gaussian_mixture(60, 12, 3)
fit <- mlnmf(X, c(5, 3), maxit = 100, threads = 1)
S <- Matrix::rsparsematrix(300, 200, density = 0.2,
                           rand.x = function(n) as.numeric(rpois(n, 3) + 1))
same <- function(a, b) { a$call <- b$call <- NULL; expect_identical(a, b) }

test_that("every 'threads' refuses only what is meaningless, naming the argument", {
  msg <- "'threads' must be a single whole number >= 1"
  for (bad in list(0, -1, NA, NA_real_, "2", TRUE, 2.5, c(1, 2), NULL, list(2))) {
    expect_error(mlnmf(X, 2, threads = bad), msg)
    expect_error(nmf(X, 2, threads = bad), msg)
    expect_error(predict(fit, X, threads = bad), msg)
    expect_error(finetune(fit, maxit = 1, threads = bad), msg)
    expect_error(nmf_rank(X, 2, reps = 1, seed = 1, threads = bad), msg)
  }
  expect_error(mlnmf(X, 2, threads = -3), "not -3")
})

test_that("thread counts above the cores are reduced, and the result does not change", {
  mx <- mlnmf:::max_threads()
  for (n in list(9999, 20000, 1e6, 1e9, Inf, .Machine$integer.max))
    expect_identical(mlnmf:::check_threads(n), mx)
  expect_identical(mlnmf:::check_threads(1), 1L)
  set.seed(1); a <- mlnmf(X, c(5, 3), threads = 9999)
  set.seed(1); b <- mlnmf(X, c(5, 3), threads = 1)
  same(a, b)
  expect_identical(predict(fit, X, threads = 1e6), predict(fit, X, threads = 1))
  ## defect 1: finetune(threads = 1e6) crashed R, 20000 started 20000 threads
  f1 <- suppressWarnings(finetune(fit, maxit = 5, threads = 1e6))
  f2 <- suppressWarnings(finetune(fit, maxit = 5, threads = 20000))
  f3 <- suppressWarnings(finetune(fit, maxit = 5, threads = 1))
  same(f1, f3); same(f2, f3)
  same(suppressWarnings(finetune(fit, maxit = 0, threads = 1e6)),
       suppressWarnings(finetune(fit, maxit = 0, threads = 1)))
  ## sparse data: the same fit on any thread count
  set.seed(2); a <- suppressWarnings(nmf(S, 4, method = "kl", maxit = 30, threads = 2))
  set.seed(2); b <- suppressWarnings(nmf(S, 4, method = "kl", maxit = 30, threads = 1))
  same(a, b)
})

test_that("the passes cut into pieces give the same fit on 1 and 2 threads, with either BLAS path", {
  ## issue 26: HALS's row blocks (over 2048 rows), MU's row blocks, the
  ## dense KL pass (row chunks and column blocks), the sparse KL pass (row
  ## chunks and columns) and the blocked dense products run on several
  ## threads; the pieces do not depend on the thread count, so neither may
  ## the result.  The blocked path (a BLAS without threads) is forced on and
  ## off, whatever the BLAS of this process.
  old <- .Call(mlnmf:::C_mlnmf_set_blocked, TRUE)
  on.exit(.Call(mlnmf:::C_mlnmf_set_blocked, old))
  set.seed(261)
  D <- matrix(rpois(5000 * 40, 3), 5000) + 0
  Sp <- Matrix::rsparsematrix(5000, 400, density = 0.02,
                              rand.x = function(n) as.numeric(rpois(n, 2) + 1))
  for (blocked in c(TRUE, FALSE)) {
    .Call(mlnmf:::C_mlnmf_set_blocked, blocked)
    for (m in c("hals", "mu", "kl")) for (Y in list(D, Sp, t(D))) {
      set.seed(1); a <- suppressWarnings(nmf(Y, 6, method = m, maxit = 15, threads = 1))
      set.seed(1); b <- suppressWarnings(nmf(Y, 6, method = m, maxit = 15, threads = 2))
      same(a, b)
    }
  }
})

test_that("the option mlnmf.threads follows the same rule", {
  op <- options(mlnmf.threads = 9999)
  on.exit(options(op))
  expect_identical(default_threads(), mlnmf:::max_threads())
  options(mlnmf.threads = 0)
  expect_error(default_threads(), "option 'mlnmf.threads' must be a single whole number >= 1, not 0")
})

## The .Call entries called directly: the clamp in C (src/threads.c).  A
## thread pool of OpenMP outlives its parallel region, so the threads of
## this process after the call show how many were started.
test_that("a thread count passed to C directly is clamped to the cores", {
  tasks <- function() length(list.files("/proc/self/task"))
  skip_if_not(file.exists("/proc/self/task"), "no /proc/self/task to count threads")
  opts <- list(method = 0L, maxit = 3L, tol = 0, eps = fit$eps, inner_max = 10L,
               inner_delta = 0.1, normalize = 1L, verbose = FALSE,
               threads = 20000L)
  big <- Matrix::Matrix(matrix(runif(400 * 300), 400), sparse = TRUE)
  big_d <- as.matrix(big)
  Fl <- list(matrix(runif(400 * 3), 400))
  ## the same calls on all cores first: any pool the BLAS or OpenMP starts
  ## lazily exists before the count
  warm <- modifyList(opts, list(threads = mlnmf:::.mlnmf_cores()))
  invisible(.Call(mlnmf:::C_mlnmf_finetune, big, Fl, matrix(runif(3 * 300), 3), warm, NULL))
  invisible(.Call(mlnmf:::C_mlnmf_finetune, big_d, Fl, matrix(runif(3 * 300), 3), warm, NULL))
  before <- tasks()
  r1 <- .Call(mlnmf:::C_mlnmf_finetune, big, Fl, matrix(runif(3 * 300), 3), opts, NULL)
  r2 <- .Call(mlnmf:::C_mlnmf_finetune, big_d, Fl, matrix(runif(3 * 300), 3), opts, NULL)
  fopts <- list(method = 2L, init = 0L, normalize = 1L, maxit = 3L, tol = 0,
                eps = 1e-16, inner_max = 5L, inner_alpha = 0.5, inner_delta = 0.1,
                extrapolate = FALSE, verbose = 0L, threads = .Machine$integer.max,
                trace = FALSE, progress = FALSE)
  r3 <- .Call(mlnmf:::C_mlnmf_fit, big_d, 3L, fopts, NULL, NULL, NULL)
  fopts$threads <- -5L
  set.seed(3); r4 <- .Call(mlnmf:::C_mlnmf_fit, big_d, 3L, fopts, NULL, NULL, NULL)
  fopts$threads <- NA_integer_
  set.seed(3); r5 <- .Call(mlnmf:::C_mlnmf_fit, big_d, 3L, fopts, NULL, NULL, NULL)
  expect_identical(r4, r5)
  expect_lte(tasks(), before)
  expect_true(all(is.finite(unlist(r3$F))))
})

## The BLAS's threads (R/zzz.R with_threads): with OpenBLAS on several
## threads, dense work keeps the BLAS's threads and runs mlnmf's passes on
## one; sparse work sets the BLAS to one thread for the call and back.
test_that("mlnmf's threads and a threaded BLAS do not run at the same time", {
  ns <- asNamespace("mlnmf")
  orig <- get("blas_threads", envir = ns)
  state <- new.env()
  state$n <- 4L
  state$log <- integer()
  fake <- function(n = NA_integer_) {
    old <- state$n
    if (!is.na(n)) { state$n <- as.integer(n); state$log <- c(state$log, n) }
    old
  }
  unlockBinding("blas_threads", ns)
  assign("blas_threads", fake, envir = ns)
  on.exit({ assign("blas_threads", orig, envir = ns); lockBinding("blas_threads", ns) })
  w <- mlnmf:::with_threads
  expect_identical(w(2L, FALSE, function(th) c(th, state$n)), c(1L, 4L))
  expect_identical(w(2L, TRUE, function(th) c(th, state$n)), c(2L, 1L))
  expect_identical(state$n, 4L)                      # given back
  expect_error(w(2L, TRUE, function(th) stop("boom")), "boom")
  expect_identical(state$n, 4L)                      # also after an error
  state$log <- integer()
  expect_identical(w(1L, TRUE, function(th) th), 1L) # threads = 1: untouched
  expect_identical(state$log, integer())
  state$n <- 1L                                      # BLAS on one thread
  expect_identical(w(2L, FALSE, function(th) th), 2L)
  state$n <- NA_integer_                             # reference BLAS, MKL, ...
  expect_identical(w(2L, TRUE, function(th) th), 2L)
  expect_identical(state$log, integer())
  ## the real calls go through it
  state$n <- 3L
  a <- suppressWarnings(nmf(S, 3, maxit = 5, threads = 2))
  expect_identical(state$log, c(1L, 3L))
  expect_identical(state$n, 3L)
})

test_that("the real BLAS's count is readable or NA, and left as it was", {
  b <- mlnmf:::blas_threads()
  expect_true(is.na(b) || b >= 1L)
  invisible(suppressWarnings(nmf(S, 3, maxit = 5, threads = 2)))
  invisible(suppressWarnings(nmf(X, 3, maxit = 5, threads = 2)))
  expect_identical(mlnmf:::blas_threads(), b)
})

## No fixed cost: no process is started by a fit, a prediction or a
## fine-tuning (parallel::detectCores() ran a shell pipeline at every call),
## and a single run starts no future.
test_that("no fit, predict or finetune call starts a process or a future", {
  skip_if_not_installed("future.apply")
  calls <- new.env()
  calls$what <- character()
  count <- function(what, where) {
    suppressMessages(trace(what, tracer = bquote(
      assign("what", c(get("what", envir = .(calls)), .(what)), envir = .(calls))),
      where = where, print = FALSE))
  }
  for (f in c("system", "system2", "pipe", "fifo")) count(f, baseenv())
  count("detectCores", asNamespace("parallel"))
  count("mcparallel", asNamespace("parallel"))
  count("future", asNamespace("future"))
  on.exit({
    for (f in c("system", "system2", "pipe", "fifo")) suppressMessages(untrace(f, where = baseenv()))
    suppressMessages(untrace("detectCores", where = asNamespace("parallel")))
    suppressMessages(untrace("mcparallel", where = asNamespace("parallel")))
    suppressMessages(untrace("future", where = asNamespace("future")))
  })
  ## the counter sees what it should
  invisible(parallel::detectCores())
  expect_true(all(c("detectCores", "system") %in% calls$what))
  old_plan <- future::plan(future::sequential)
  calls$what <- character()
  on.exit(future::plan(old_plan), add = TRUE)
  invisible(suppressWarnings(nmf(X, 3, maxit = 5)))
  invisible(suppressWarnings(nmf(X, 3, maxit = 5, seed = 1)))
  invisible(suppressWarnings(mlnmf(X, c(4, 2), maxit = 5, seed = 2, finetune = list(maxit = 2))))
  invisible(suppressWarnings(nmf(S, 3, maxit = 5, threads = 2)))
  invisible(predict(fit, X))
  invisible(suppressWarnings(finetune(fit, maxit = 2)))
  invisible(default_threads())
  ## restarts on the sequential plan run in this process, without futures
  invisible(suppressWarnings(nmf(X, 3, maxit = 5, nrun = 3, seed = 1)))
  expect_identical(calls$what, character())
  ## a single run starts no future on a parallel plan either (the plan
  ## itself starts its workers)
  future::plan(future::multisession, workers = 2)
  calls$what <- character()
  invisible(suppressWarnings(nmf(X, 3, maxit = 5, seed = 1)))
  expect_identical(calls$what, character())
  ## restarts: one future per worker, whatever the number of runs, and the
  ## same result as serially
  a <- suppressWarnings(nmf(X, 3, maxit = 20, nrun = 5, seed = 3))
  expect_identical(sum(calls$what == "future"), 2L)
  op <- options(mlnmf.future = FALSE)
  b <- suppressWarnings(nmf(X, 3, maxit = 20, nrun = 5, seed = 3))
  options(op)
  same(a, b)
})

## A dense fit whose heavy work is mlnmf's own sweep (src/xops_sweep.c: KL
## and beta passes) is treated like a sparse one by with_threads(): with
## OpenBLAS on several threads, mlnmf's threads run the sweep and OpenBLAS
## is set to one thread for the call, instead of the sweep running alone.
test_that("own_kernels() names the fits whose heavy work is mlnmf's own kernels", {
  ok <- isTRUE(.Call(mlnmf:::C_mlnmf_simd_state))
  X <- matrix(1, 5, 4)
  ok_kl <- mlnmf:::own_kernels(X, "kl", 1, c(3, 2), FALSE)
  expect_identical(ok_kl, ok)
  expect_identical(mlnmf:::own_kernels(X, "beta", 1.5, 32, FALSE), ok)
  expect_false(mlnmf:::own_kernels(X, "beta", 2, 3, FALSE))
  expect_false(mlnmf:::own_kernels(X, "hals", 2, 3, FALSE))   # too small
  expect_false(mlnmf:::own_kernels(X, "mu", 2, 3, FALSE))
  ## HALS and MU's products X H^T and X^T W at a first rank of 12 or less
  ## on an X of 2^17 entries or more (src/xops.c's xm_own_prod())
  Xb <- matrix(1, 512, 256)
  expect_identical(mlnmf:::own_kernels(Xb, "hals", 2, c(12, 3), FALSE), ok)
  expect_identical(mlnmf:::own_kernels(Xb, "mu", 2, 5, FALSE), ok)
  expect_false(mlnmf:::own_kernels(Xb, "hals", 2, 13, FALSE))
  expect_false(mlnmf:::own_kernels(Xb[, -1], "hals", 2, 5, FALSE))
  expect_false(mlnmf:::own_kernels(Xb, "mu", 2, 5, TRUE))
  expect_false(mlnmf:::own_kernels(X, "kl", 1, 33, FALSE))
  expect_false(mlnmf:::own_kernels(X, "kl", 1, 3, TRUE))
  expect_false(mlnmf:::own_kernels(Matrix::Matrix(X, sparse = TRUE), "kl", 1, 3, FALSE))
  old <- .Call(mlnmf:::C_mlnmf_set_simd, FALSE)
  on.exit(.Call(mlnmf:::C_mlnmf_set_simd, old))
  expect_false(mlnmf:::own_kernels(X, "kl", 1, 3, FALSE))
})
