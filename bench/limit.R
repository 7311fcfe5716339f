## Issue 26, parts 1 and 4: every solver's iteration against its limit.
## For each solver (hals, mu, kl) x storage (dense, sparse, masked) x
## mlnmf threads (1, 2), in one R process per BLAS (bench/run-limit.sh):
##   mlnmf     ms per outer iteration: (t(maxit = 1 + M) - t(maxit = 1)) / M,
##             tol = 0, best of 3, from the plain-R loop's start given as
##             'init' (the start and the first pass left out);
##             MU also with control inner_max = 1, the same update as the
##             plain-R loop (the default makes up to 50 inner updates per
##             pair of products)
##   products  the products an iteration cannot avoid, alone, best of 5:
##             Frobenius X^T W and X H^T (crossprod / tcrossprod, Matrix's for
##             sparse data); KL W H twice, R H^T and W^T R (dense) and for
##             sparse data the same through Matrix (its sparse products)
##   plain R   the same update as a plain-R loop with the same BLAS (and
##             Matrix for sparse data), ms per iteration, best of 3
## Data: dense 2000 x 1000, rank 10, uniform (Frobenius) or Poisson(3)
## (KL); sparse 20000 x 5000, 1% nonzero counts, rank 20; masked: the dense
## data with 10% of its entries missing (mask = "NA").
## BENCH_LIMIT_QUICK = 1: smaller data (a smoke test).  BENCH_LIMIT_ONLY:
## only the solver:storage cases matching it (a regular expression).
suppressPackageStartupMessages({ library(mlnmf); library(Matrix) })
options(matprod = "blas")
quick <- Sys.getenv("BENCH_LIMIT_QUICK", "0") == "1"
M <- as.integer(Sys.getenv("BENCH_ITERS", if (quick) "3" else "10"))
elapsed <- function(expr) system.time(expr)[["elapsed"]]
best <- function(f, reps = 3) min(vapply(seq_len(reps), function(i) elapsed(f()), 0))
blas <- extSoftVersion()[["BLAS"]]
blas_name <- if (grepl("openblas", blas)) "OpenBLAS" else "reference"

set.seed(1)
dm <- if (quick) 400 else 2000; dn <- if (quick) 200 else 1000; dk <- 10
sm <- if (quick) 4000 else 20000; sn <- if (quick) 1000 else 5000; sk <- 20
Xu <- matrix(runif(dm * dk), dm) %*% matrix(runif(dk * dn), dk) + matrix(runif(dm * dn, 0, 0.1), dm)
Xp <- matrix(rpois(dm * dn, 3), dm) + 0
Xs <- rsparsematrix(sm, sn, 0.01, rand.x = function(n) rpois(n, 3) + 1)
miss <- matrix(runif(dm * dn) < 0.1, dm)
Xu_na <- Xu; Xu_na[miss] <- NA
Xp_na <- Xp; Xp_na[miss] <- NA

## plain-R updates (one outer iteration), from W (m x k) and H (k x n)
plain <- list(
  mu = function(X, W, H, O = NULL) {
    if (is.null(O)) {
      W <- pmax(W * (X %*% t(H)) / (W %*% tcrossprod(H)), 1e-16)
      H <- pmax(H * crossprod(W, X) / (crossprod(W) %*% H), 1e-16)
    } else {
      W <- pmax(W * (X %*% t(H)) / ((O * (W %*% H)) %*% t(H)), 1e-16)
      H <- pmax(H * crossprod(W, X) / crossprod(W, O * (W %*% H)), 1e-16)
    }
    list(W, H)
  },
  hals = function(X, W, H, O = NULL) {
    if (!is.null(O)) return(NULL)           # (a per-row Gram in R: not a loop anyone writes)
    A <- as.matrix(X %*% t(H)); B <- tcrossprod(H)
    for (l in seq_len(ncol(W))) W[, l] <- pmax(1e-16, W[, l] + (A[, l] - W %*% B[, l]) / B[l, l])
    C <- as.matrix(crossprod(X, W)); D <- crossprod(W); Ht <- t(H)
    for (l in seq_len(ncol(W))) Ht[, l] <- pmax(1e-16, Ht[, l] + (C[, l] - Ht %*% D[, l]) / D[l, l])
    list(W, t(Ht))
  },
  kl = function(X, W, H, O = NULL) {
    if (inherits(X, "sparseMatrix")) {      # R at the stored entries only
      Xt <- as(X, "TsparseMatrix"); i <- Xt@i + 1L; j <- Xt@j + 1L
      R <- sparseMatrix(i, j, x = Xt@x / rowSums(W[i, , drop = FALSE] * t(H)[j, , drop = FALSE]), dims = dim(X))
      W <- pmax(W * as.matrix(R %*% t(H)) / matrix(rowSums(H), nrow(W), ncol(W), byrow = TRUE), 1e-16)
      R <- sparseMatrix(i, j, x = Xt@x / rowSums(W[i, , drop = FALSE] * t(H)[j, , drop = FALSE]), dims = dim(X))
      H <- pmax(H * as.matrix(crossprod(W, R)) / colSums(W), 1e-16)
      return(list(W, H))
    }
    den <- if (is.null(O)) NULL else O
    W <- pmax(W * ((X / (W %*% H)) %*% t(H)) /
                (if (is.null(den)) matrix(rowSums(H), nrow(W), ncol(W), byrow = TRUE) else den %*% t(H)), 1e-16)
    H <- pmax(H * crossprod(W, X / (W %*% H)) / (if (is.null(den)) colSums(W) else crossprod(W, den)), 1e-16)
    list(W, H)
  })

products <- function(method, X, W, H) {
  if (method == "kl") {
    if (inherits(X, "sparseMatrix"))   # the two sparse products of R
      return(best(function() { X %*% t(H); crossprod(X, W) }, 5))
    return(best(function() { R <- X / (W %*% H); R %*% t(H); R <- X / (W %*% H); crossprod(W, R) }, 5))
  }
  best(function() { crossprod(X, W); X %*% t(H) }, 5)
}

rows <- list()
cases <- expand.grid(method = c("hals", "mu", "kl"), storage = c("dense", "sparse", "masked"),
                     stringsAsFactors = FALSE)
## BENCH_LIMIT_ONLY: a regular expression on "solver:storage" (e.g. "kl:dense")
only <- Sys.getenv("BENCH_LIMIT_ONLY")
if (nzchar(only)) cases <- cases[grepl(only, paste(cases$method, cases$storage, sep = ":")), ]
for (ci in seq_len(nrow(cases))) {
  method <- cases$method[ci]; storage <- cases$storage[ci]
  k <- if (storage == "sparse") sk else dk
  X <- switch(storage, dense = if (method == "kl") Xp else Xu, sparse = Xs,
              masked = if (method == "kl") Xp_na else Xu_na)
  mask <- if (storage == "masked") "NA" else NULL
  Xz <- X; O <- NULL
  if (storage == "masked") { Xz[is.na(Xz)] <- 0; O <- 1 * !is.na(X) }
  set.seed(2)
  W <- matrix(runif(nrow(X) * k), nrow(X)); H <- matrix(runif(k * ncol(X)), k)
  prod_t <- products(method, Xz, W, H)
  f <- plain[[method]]
  pr <- if (is.null(f(Xz[1:5, 1:5, drop = FALSE], W[1:5, , drop = FALSE], H[, 1:5, drop = FALSE],
                     if (is.null(O)) NULL else O[1:5, 1:5]))) NA else
    best(function() { r <- list(W, H); for (i in seq_len(M)) r <- f(Xz, r[[1]], r[[2]], O) }) / M
  variants <- if (method == "mu") list(default = list(), "inner_max = 1" = list(inner_max = 1L)) else
    list(default = list())
  for (th in 1:2) for (vn in names(variants)) {
    ## from the same given start as the plain-R loop: the start's cost
    ## (NNDSVD's randomized range finder on sparse data varies by seconds
    ## from call to call) is not part of t(1 + M) - t(1)
    fit <- function(mi) suppressWarnings(nmf(X, k, method = method, maxit = mi, tol = 0, threads = th,
                                             mask = mask, control = variants[[vn]],
                                             init = list(F = W, G = H), keep.data = FALSE))
    t1 <- best(function() fit(1L)); tM <- best(function() fit(1L + M))
    per <- (tM - t1) / M
    rows[[length(rows) + 1L]] <- data.frame(
      solver = method, storage = storage, variant = vn, threads = th,
      "mlnmf ms/it" = round(1000 * per, 1), "products ms" = round(1000 * prod_t, 1),
      "plain R ms/it" = round(1000 * pr, 1),
      "mlnmf / products" = round(per / prod_t, 2), "plain R / mlnmf" = round(pr / per, 2),
      check.names = FALSE)
    cat(sprintf("%s %s %s threads %d: %.1f ms/it, products %.1f ms, plain R %.1f ms/it (load %s)\n",
                method, storage, vn, th, 1000 * per, 1000 * prod_t, 1000 * pr,
                readLines("/proc/loadavg")))
  }
}
tab <- do.call(rbind, rows)
cat(sprintf("\n### %s BLAS (%s), OPENBLAS_NUM_THREADS=%s, %s\n\n", blas_name, blas,
            Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"), format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")))
cat("Load average at the end:", readLines("/proc/loadavg"), "\n\n")
cat(paste0("| ", paste(names(tab), collapse = " | "), " |\n"))
cat(paste0("|", paste(rep("---", ncol(tab)), collapse = "|"), "|\n"))
for (i in seq_len(nrow(tab))) cat(paste0("| ", paste(vapply(tab[i, ], as.character, ""), collapse = " | "), " |\n"))
