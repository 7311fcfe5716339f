## The products with a large dense X run over column blocks with R's
## reference BLAS and as one call with an optimised BLAS (R/zzz.R,
## src/xops.c); both must give the same fits up to rounding.

test_that("reference_blas() recognises the BLAS libraries R reports", {
  rb <- mlnmf:::reference_blas
  expect_true(rb("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"))
  expect_true(rb("/usr/lib/R/lib/libRblas.so"))
  expect_true(rb(""))
  expect_true(rb(NA_character_))
  expect_false(rb("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"))
  expect_false(rb("/opt/intel/mkl/lib/intel64/libmkl_rt.so"))
  expect_false(rb("/System/Library/Frameworks/Accelerate.framework/Versions/A/Frameworks/vecLib.framework/Versions/A/libBLAS.dylib"))
  expect_false(rb("/usr/lib/x86_64-linux-gnu/libflexiblas.so.3"))
})

test_that("blocked and unblocked products give the same fits", {
  set_blocked <- function(flag) .Call(mlnmf:::C_mlnmf_set_blocked, flag)
  old <- set_blocked(TRUE)
  on.exit(set_blocked(old))
  set.seed(11)
  X <- matrix(runif(450 * 330), 450)     # 148500 entries: above the block threshold
  fit_with <- function(flag) {
    set_blocked(flag)
    set.seed(3)
    fit <- nmf(X, 6, maxit = 5, tol = 0, init = "random")
    small <- nmf(X[, 1:40], 6, maxit = 3, tol = 0)
    list(fit = fit, proj = predict(small, X, maxit = 3))
  }
  a <- suppressWarnings(fit_with(TRUE))
  b <- suppressWarnings(fit_with(FALSE))
  expect_equal(b$fit$F[[1]], a$fit$F[[1]], tolerance = 1e-9)
  expect_equal(b$fit$G[[1]], a$fit$G[[1]], tolerance = 1e-9)
  expect_equal(b$fit$error, a$fit$error, tolerance = 1e-12)
  expect_equal(b$proj, a$proj, tolerance = 1e-9)
  expect_error(set_blocked(NA), "TRUE or FALSE")
  expect_error(set_blocked(1L), "TRUE or FALSE")
})

## The sweep of src/xops_sweep.c on for one test: sweep_on() switches it on
## (and forces the blocked path when 'blocked' is given) and returns the
## function that puts both back, for on.exit(); the tests skip on a
## processor without AVX2 and FMA.  set_simd() switches it inside a test.
set_simd <- function(flag) .Call(mlnmf:::C_mlnmf_set_simd, flag)
sweep_on <- function(blocked = NULL) {
  old <- set_simd(TRUE)
  old_blocked <- if (!is.null(blocked)) .Call(mlnmf:::C_mlnmf_set_blocked, blocked)
  function() {
    set_simd(old)
    if (!is.null(old_blocked)) .Call(mlnmf:::C_mlnmf_set_blocked, old_blocked)
  }
}

## fit(simd, threads) with the kernels on against off (factors within tol,
## the objective 'obj' within obj_tol), and on 2 threads against 1 (the
## same bit for bit); returns the fit with the kernels on.
expect_kernels_match <- function(fit, tol, obj, obj_tol, label = NULL) {
  a <- fit(TRUE); b <- fit(FALSE)
  expect_equal(a$F[[1]], b$F[[1]], tolerance = tol, label = label)
  expect_equal(a$G[[1]], b$G[[1]], tolerance = tol, label = label)
  expect_equal(a[[obj]], b[[obj]], tolerance = obj_tol, label = label)
  a2 <- fit(TRUE, threads = 2)
  expect_identical(a2$F, a$F, label = label)
  expect_identical(a2$G, a$G, label = label)
  invisible(list(a = a, b = b))
}

## The dense I-divergence pass in one AVX2 sweep (src/xops_sweep.c), where
## the processor has AVX2 and FMA: the same fits as the BLAS path up to
## rounding, on sizes that leave vector tails (rows not a multiple of 8,
## columns not a multiple of 4, a last row block shorter than the others),
## ranks 1 to 32 and above (the BLAS path again), with the divergence
## measured inside the pass, and the same on 1 and 2 threads.
test_that("the vector KL pass gives the BLAS path's fits", {
  restore <- sweep_on()
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(12)
  for (d in list(c(301, 199, 7), c(37, 23, 3), c(700, 130, 32), c(130, 50, 1),
                 c(90, 41, 33))) {
    X <- matrix(rpois(d[1] * d[2], 2), d[1]) + 0
    start <- list(F = matrix(runif(d[1] * d[3]), d[1]), G = matrix(runif(d[3] * d[2]), d[3]))
    fit <- function(simd, threads = 1) {
      set_simd(simd)
      suppressWarnings(nmf(X, d[3], method = "kl", init = start, maxit = 25,
                           tol = 0, threads = threads))
    }
    ab <- expect_kernels_match(fit, 1e-10, "objective", 1e-12)
    a <- ab$a
    expect_equal(a$trace, ab$b$trace, tolerance = 1e-12)
    ## the pass that only measures (W fixed): predict()
    set_simd(TRUE); pa <- predict(a, X[, 1:17], maxit = 5)
    set_simd(FALSE); pb <- predict(a, X[, 1:17], maxit = 5)
    expect_equal(pa, pb, tolerance = 1e-10)
  }
  expect_error(set_simd(NA), "TRUE or FALSE")
})

## The sparse products X^T F and X F with AVX2 (src/xops_sparse_simd.c),
## and the sparse KL pass's columns (also under mask = "zeros"):
## HALS, MU and KL on sparse data (over XS_PAR_NNZ = 20000 stored entries, so
## that 2 threads split the work) give the scalar kernels' fits up to
## rounding, for ranks that leave every tail (k mod 4 = 1, 2, 3, 0), the
## largest rank they take (32) and one above (the scalar code again); the
## same on 1 and 2 threads; predict() too.
test_that("the vector sparse products give the scalar kernels' fits", {
  restore <- sweep_on()
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(14)
  X <- Matrix::rsparsematrix(700, 400, 0.1, rand.x = function(n) rpois(n, 2) + 1)
  for (k in c(1, 2, 3, 4, 5, 7, 20, 32, 33)) {
    start <- list(F = matrix(runif(700 * k), 700), G = matrix(runif(k * 400), k))
    for (method in c("hals", "mu", "kl", "kl zeros")) {
      fit <- function(simd, threads = 1) {
        set_simd(simd)
        suppressWarnings(nmf(X, k, method = sub(" zeros", "", method), init = start,
                             maxit = 12, tol = 0, threads = threads,
                             mask = if (grepl("zeros", method)) "zeros"))
      }
      ab <- expect_kernels_match(fit, 1e-10, "objective", 1e-12, label = paste(method, k))
    }
    set_simd(TRUE); pa <- predict(ab$a, X[, 1:50], maxit = 5)
    set_simd(FALSE); pb <- predict(ab$a, X[, 1:50], maxit = 5)
    expect_equal(pa, pb, tolerance = 1e-10)
  }
})

## The Gram matrix of a tall factor (la.c's la_crossprod) with the AVX2
## kernel over blocks of rows that fit in the cache (a factor above 2^16
## entries: 7000 x 12 here, two blocks; 7000 x 5, one block and a part),
## and the multiplicative update's elementwise loop with AVX2 (thin_simd.c's
## mult_update_simd, lengths with a tail): the same fits as the BLAS's dsyrk
## and the scalar loop up to rounding, on 1 and 2 threads alike.
test_that("the blocked Gram and the vector multiplicative update give the scalar fits", {
  restore <- sweep_on()
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(17)
  for (k in c(12, 5)) {
    X <- matrix(runif(7001 * 61), 7001)
    start <- list(F = matrix(runif(7001 * k), 7001), G = matrix(runif(k * 61), k))
    for (m in c("hals", "mu", "kl")) {
      fit <- function(simd, threads = 1) {
        set_simd(simd)
        suppressWarnings(nmf(X, k, method = m, init = start, maxit = 15, tol = 0,
                             threads = threads))
      }
      expect_kernels_match(fit, 1e-9, "objective", 1e-11, label = paste(m, k))
    }
  }
})

## The beta-divergence passes in the same sweep (xops_beta.c's
## xb_pass_sweep): dense and sparse data, the betas with their own vector
## terms (0, 0.5, 1.5) and one through pow() (3), against the blocked BLAS
## path, and the same on 1 and 2 threads.  Sparse data take the sweep only
## with a BLAS that does not block (the reference BLAS): that path is forced.
test_that("the vector beta-divergence pass gives the BLAS path's fits", {
  restore <- sweep_on(blocked = TRUE)
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(13)
  for (d in list(c(301, 199, 7), c(600, 90, 32), c(37, 23, 1))) {
    Xd <- matrix(rpois(d[1] * d[2], 2), d[1]) + 0.5
    Xs <- Matrix::rsparsematrix(d[1], d[2], 0.05, rand.x = function(n) rpois(n, 2) + 1)
    start <- list(F = matrix(runif(d[1] * d[3]), d[1]), G = matrix(runif(d[3] * d[2]), d[3]))
    for (beta in c(0, 0.5, 1.5, 3)) for (X in if (beta == 0) list(Xd) else list(Xd, Xs)) {
      fit <- function(simd, threads = 1) {
        set_simd(simd)
        suppressWarnings(nmf(X, d[3], beta = beta, init = start, maxit = 15,
                             tol = 0, threads = threads))
      }
      expect_kernels_match(fit, 1e-9, "objective", 1e-12)
    }
  }
})

## The Gram of the short side in NNDSVD (xm_gram, column case: more rows
## than columns) with the AVX2 kernel: the same start as the BLAS's, dense
## and sparse, column counts that leave partial blocks (38 = 9 x 4 + 2, 41)
## and row counts that leave a scalar tail.
test_that("the vector Gram gives the BLAS's NNDSVD start", {
  restore <- sweep_on()
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  data(golub, package = "mlnmf", envir = environment())
  set.seed(14)
  S <- Matrix::rsparsematrix(4001, 41, 0.1, rand.x = function(n) runif(n))
  for (X in list(golub$expr, S, as.matrix(S), golub$expr[1:203, 1:5])) {
    start <- function(simd) { set_simd(simd); suppressWarnings(nmf(X, 3, maxit = 0)) }
    a <- start(TRUE); b <- start(FALSE)
    expect_equal(a$F[[1]], b$F[[1]], tolerance = 1e-11)
    expect_equal(a$G[[1]], b$G[[1]], tolerance = 1e-11)
  }
})

## With a BLAS that does not block (the reference BLAS; forced here), the
## Frobenius solvers' products X B and X^T A with a large dense X use the
## same kernels (xops.c's xm_prod and xm_tprod), and with an optimised BLAS
## (blocked = FALSE) they do at rank 12 or less (xm_own_prod): the same fits
## as the BLAS's products up to rounding, ranks with partial column groups,
## and the same on 1 and 2 threads.
test_that("the vector products give the BLAS's HALS and MU fits", {
  restore <- sweep_on(blocked = TRUE)
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(15)
  for (d in list(c(701, 333, 32), c(450, 330, 6), c(133, 1001, 5), c(520, 300, 12),
                 c(520, 300, 13))) for (blk in c(TRUE, FALSE)) {
    .Call(mlnmf:::C_mlnmf_set_blocked, blk)
    X <- matrix(runif(d[1] * d[2]), d[1]) * 3      # above 2^17 entries: blocked
    start <- list(F = matrix(runif(d[1] * d[3]), d[1]), G = matrix(runif(d[3] * d[2]), d[3]))
    for (m in c("hals", "mu")) {
      fit <- function(simd, threads = 1) {
        set_simd(simd)
        suppressWarnings(nmf(X, d[3], method = m, init = start, maxit = 10, tol = 0,
                             threads = threads))
      }
      expect_kernels_match(fit, 1e-10, "error", 1e-12)
    }
  }
})

## The thin kernels (src/thin_simd.c): the products of a layer whose input
## has at most 32 rows (a short, wide X is transposed once for them; the
## cascade's deeper layers are stored transposed anyway) and HALS's exact
## shortcut at rank 16 or less.  The same fits as the BLAS path up to
## rounding: row counts that leave partial groups of eight rows and four
## columns, ranks around the limits (16 for the shortcut, 32 for the
## products), an L1 penalty (which the shortcut subtracts through B^{-1}),
## a cascade (transposed inputs), and 1 and 2 threads alike.
test_that("the thin kernels give the BLAS path's HALS and MU fits", {
  restore <- sweep_on()
  on.exit(restore())
  skip_if_not(set_simd(TRUE), "no AVX2 and FMA on this processor")
  set.seed(16)
  for (d in list(c(10, 1000, 10), c(7, 1237, 3), c(32, 701, 16), c(29, 513, 17),
                 c(13, 999, 1), c(32, 420, 32))) {
    k <- d[3]
    X <- matrix(rexp(d[1] * d[2]), d[1])
    start <- list(F = matrix(runif(d[1] * k), d[1]), G = matrix(runif(k * d[2]), k))
    for (m in c("hals", "mu")) for (L1 in c(0, 0.05)) {
      fit <- function(simd, threads = 1) {
        set_simd(simd)
        suppressWarnings(nmf(X, k, method = m, init = start, maxit = 8, tol = 0,
                             threads = threads, L1 = L1))
      }
      expect_kernels_match(fit, 1e-9, "error", 1e-11,
                           label = paste(paste(d, collapse = "x"), m, L1))
    }
  }
  ## a cascade: layers 2 and 3 read the transposed G of the layer before
  X <- simulate_gaussian_mixture(600, 12)
  deep <- function(simd) {
    set_simd(simd)
    set.seed(3)
    suppressWarnings(mlnmf(X, rank = c(12, 9, 5), maxit = 6, tol = 0, threads = 1))
  }
  a <- deep(TRUE); b <- deep(FALSE)
  for (i in 1:3) {
    expect_equal(a$F[[i]], b$F[[i]], tolerance = 1e-8, label = paste("layer", i))
    expect_equal(a$G[[i]], b$G[[i]], tolerance = 1e-8, label = paste("layer", i))
  }
  expect_equal(a$error, b$error, tolerance = 1e-10)
})

## The cascade's scratch arena (src/scratch.c): the layers cut their
## buffers from one block instead of R_alloc, which changes where the
## buffers are, not what is computed: deep fits with every solver, dense,
## sparse and masked, penalties, a rank that shrinks by layer (later layers
## need less than the block holds), a first layer too large for the arena,
## layers = "auto" and predict() through a
## deep fit (its layers share an arena too), the same bit for
## bit with the arena off (from the same RNG state: the sparse start draws a
## random range finder).
test_that("the scratch arena gives the same fits bit for bit", {
  set_arena <- function(flag) .Call(mlnmf:::C_mlnmf_set_arena, flag)
  old <- set_arena(TRUE)
  on.exit(set_arena(old))
  set.seed(31)
  X <- simulate_gaussian_mixture(300, 10, clusters = 3)
  S <- Matrix::rsparsematrix(120, 90, 0.08, rand.x = function(n) rpois(n, 3) + 1)
  M <- matrix(runif(length(X)) > 0.1, nrow(X))
  XL <- matrix(runif(10 * 30000), 10)
  cases <- list(
    hals = function() mlnmf(X, 10, layers = 30, maxit = 50),
    mu = function() mlnmf(X, c(8, 6, 6, 4, 3), method = "mu", maxit = 40),
    kl = function() mlnmf(S, c(9, 7, 5, 3), method = "kl", maxit = 40),
    sparse = function() mlnmf(S, c(12, 8, 8, 4), L1 = 0.05, maxit = 40),
    masked = function() mlnmf(X, c(6, 4, 3), mask = M, maxit = 40),
    beta = function() mlnmf(X, c(5, 4, 3), method = "beta", beta = 1.5, maxit = 30),
    auto = function() mlnmf(X, 10, layers = "auto", max_layers = 15, maxit = 50),
    ## a first layer above the arena's 16 MiB (R_alloc and a collection
    ## after it), then a smaller one
    large = function() mlnmf(XL, c(9, 5), maxit = 3),
    predict = function() predict(deep, X[, 1:70]),
    predict_kl = function() predict(deep_kl, S[, 1:50]))
  deep <- suppressWarnings(mlnmf(X, 10, layers = 20, maxit = 30))
  deep_kl <- suppressWarnings(mlnmf(S, c(9, 7, 5, 3), method = "kl", maxit = 30))
  for (nm in names(cases)) {
    set_arena(TRUE); set.seed(1); a <- suppressWarnings(cases[[nm]]())
    set_arena(FALSE); set.seed(1); b <- suppressWarnings(cases[[nm]]())
    if (is.list(a)) a$call <- b$call <- NULL
    expect_identical(a, b, label = nm)
  }
  expect_error(set_arena(NA), "TRUE or FALSE")
})
