## tools/gctorture-cases.R: each .Call entry point once under gctorture(TRUE)
## (a garbage collection at every allocation), on tiny inputs, and the
## results compared with the same calls made without it.  Run under
## valgrind by tools/check-valgrind.sh, a missing PROTECT shows as a read of
## freed memory with the file and line, or as results that differ.
library(mlnmf, lib.loc = Sys.getenv("MLNMF_LIB"))
set.seed(3)
X <- matrix(runif(6 * 5), 6, 5)
opts <- list(method = 0L, init = 0L, normalize = 1L, maxit = 3L, tol = 1e-5,
             eps = 1e-16, inner_max = 5L, inner_alpha = 0.5, inner_delta = 0.1, extrapolate = TRUE, threads = 1L,
             verbose = FALSE, trace = TRUE, progress = FALSE)
W <- matrix(runif(12), 6, 2); H <- matrix(runif(10), 2, 5)
## everything built before gctorture(TRUE), so that only the C code runs
## under it (R-level code under gctorture is slow, and not what is tested)
fit <- mlnmf:::C_mlnmf_fit; project <- mlnmf:::C_mlnmf_project
step <- mlnmf:::C_mlnmf_step
o_mu <- modifyList(opts, list(method = 1L, init = 3L))
o_kl <- modifyList(opts, list(method = 2L, init = 4L))
r32 <- c(3L, 2L); r2 <- 2L; lW <- list(W); lH <- list(H); lF <- list(W, diag(2))
m0 <- 0L; m2 <- 2L; eps <- 1e-16
permute <- mlnmf:::C_mlnmf_permute
lP <- list(W, matrix(c(0.7, 0.3, 0.2, 0.8), 2, 2), diag(2)); ords <- cbind(1:3, c(1L, 3L, 2L))
## Straight-line top-level code on purpose: a loop or a closure around the
## calls is byte-compiled under gctorture, which takes minutes.
set.seed(1); plain <- .Call(fit, X, r32, opts, NULL, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, X, r32, opts, NULL, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_hals")
set.seed(1); plain <- .Call(fit, X, r32, o_mu, NULL, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, X, r32, o_mu, NULL, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_mu_random")
set.seed(1); plain <- .Call(fit, X, r2, o_kl, lW, lH, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, X, r2, o_kl, lW, lH, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_kl_given")
set.seed(1); plain <- .Call(project, X, lF, opts, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(project, X, lF, opts, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of project")
set.seed(1); plain <- .Call(step, X, W, H, m0, eps, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(step, X, W, H, m0, eps, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of step_hals")
set.seed(1); plain <- .Call(step, X, W, H, m2, eps, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(step, X, W, H, m2, eps, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of step_kl")
pen <- list(l1 = c(0.1, 0.2), l2 = c(0.5, 0))
set.seed(1); plain <- .Call(step, X, W, H, m0, eps, NULL, pen)
set.seed(1); gctorture(TRUE); tortured <- .Call(step, X, W, H, m0, eps, NULL, pen); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of step_hals_penalised")
ftune <- mlnmf:::C_mlnmf_finetune
fo <- list(method = 0L, maxit = 2L, tol = 0, eps = 1e-16, inner_max = 2L,
           inner_delta = 0.1, normalize = 1L, verbose = FALSE, threads = 1L)
fo_kl <- modifyList(fo, list(method = 2L))
lF2 <- list(W, matrix(runif(4), 2, 2))
set.seed(1); plain <- .Call(ftune, X, lF2, H, fo, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(ftune, X, lF2, H, fo, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of finetune_hals")
set.seed(1); plain <- .Call(ftune, X, lF2, H, fo_kl, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(ftune, X, lF2, H, fo_kl, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of finetune_kl")
set.seed(1); plain <- .Call(permute, X, lP, H, ords, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(permute, X, lP, H, ords, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of permute")
setb <- mlnmf:::C_mlnmf_set_blocked; bT <- TRUE
plain <- .Call(setb, bT)
gctorture(TRUE); tortured <- .Call(setb, bT); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of set_blocked")
bth <- mlnmf:::C_mlnmf_blas_threads; nth <- NA_integer_
plain <- .Call(bth, nth)
gctorture(TRUE); tortured <- .Call(bth, nth); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of blas_threads")
cores <- mlnmf:::C_mlnmf_cores_call
plain <- .Call(cores)
gctorture(TRUE); tortured <- .Call(cores); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of cores_call")
bdiv <- mlnmf:::C_mlnmf_beta_div; b15 <- 1.5; mb <- c(3, 0.5)
o_beta <- modifyList(opts, list(method = 3L, init = 3L, beta = 1.5))
set.seed(1); plain <- .Call(fit, X, r32, o_beta, NULL, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, X, r32, o_beta, NULL, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_beta")
set.seed(1); plain <- .Call(step, X, W, H, mb, eps, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(step, X, W, H, mb, eps, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of step_beta")
plain <- .Call(bdiv, X, W, H, b15, NULL)
gctorture(TRUE); tortured <- .Call(bdiv, X, W, H, b15, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of beta_div")
bpass <- mlnmf:::C_mlnmf_beta_pass; s1 <- 1L
plain <- .Call(bpass, X, W, H, b15, s1, NULL)
gctorture(TRUE); tortured <- .Call(bpass, X, W, H, b15, s1, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of beta_pass")
## XM_BLOCKS: the reader is R code called from C at every block
## (the blocks made beforehand: Matrix's subsetting under gctorture is slow)
Xs <- Matrix::Matrix(X, sparse = TRUE)
bl <- lapply(c(0L, 2L, 4L), function(j0) X[, j0 + seq_len(min(2L, 5L - j0)), drop = FALSE])
sl <- lapply(c(0L, 2L, 4L), function(j0) Xs[, j0 + seq_len(min(2L, 5L - j0)), drop = FALSE])
bsrc <- structure(list(function(j0, nc) bl[[j0 %/% 2L + 1L]], 6, 5, 2L, FALSE,
                       new.env()), class = "mlnmf_blocks")
ssrc <- structure(list(function(j0, nc) sl[[j0 %/% 2L + 1L]], 6, 5, 2L, TRUE,
                       new.env()), class = "mlnmf_blocks")
o_rb <- modifyList(opts, list(init = 3L, maxit = 2L)); o_klb <- modifyList(o_kl, list(maxit = 2L))
set.seed(1); plain <- .Call(fit, bsrc, r2, o_rb, NULL, NULL, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, bsrc, r2, o_rb, NULL, NULL, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_blocks")
set.seed(1); plain <- .Call(fit, ssrc, r2, o_klb, lW, lH, NULL)
set.seed(1); gctorture(TRUE); tortured <- .Call(fit, ssrc, r2, o_klb, lW, lH, NULL); gctorture(FALSE)
if (!identical(plain, tortured)) stop("gctorture changed the result of fit_blocks_sparse_kl")
cat("GCTORTURE: 19 calls identical with and without gctorture\n")
