## Shared helpers of the benchmark scripts: the machine and BLAS in use,
## thread settings, data, relative errors, plain-R baselines, and writing a
## table to bench/README.md.  Source it from bench/ or the package root.

bench_dir <- local({
  d <- if (file.exists("common.R")) "." else "bench"
  normalizePath(d)
})

suppressPackageStartupMessages({
  library(mlnmf)
  library(RcppML)
})

threads <- as.integer(Sys.getenv("OPENBLAS_NUM_THREADS", "1"))
if (is.na(threads) || threads < 1L) threads <- 1L
RcppML::setRcppMLthreads(threads)
options(matprod = "blas")   # plain BLAS for %*% etc. (no NaN pre-scan)

blas_path <- extSoftVersion()[["BLAS"]]
blas_name <- if (grepl("openblas", blas_path)) "OpenBLAS" else
  if (grepl("/blas/", blas_path)) "reference" else basename(blas_path)

machine <- function() {
  cpu <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1]
  cpu <- sub("^model name\\s*:\\s*", "", cpu)
  sprintf("%s; load average %s (shared machine: other jobs may run); cores %s; CPU %s; %s; BLAS %s (%s), LAPACK %s; threads %d (OPENBLAS_NUM_THREADS=%s, RcppML threads %d); mlnmf %s, RcppML %s, NMF %s",
          format(Sys.time(), "%Y-%m-%d %H:%M"),
          paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " "), parallel::detectCores(), cpu,
          R.version.string, blas_name, blas_path, La_library(), threads,
          Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"), threads,
          packageVersion("mlnmf"), packageVersion("RcppML"),
          if (requireNamespace("NMF", quietly = TRUE)) packageVersion("NMF") else "-")
}

## X = W H + nonnegative noise (exponential, mean 'noise' * mean(W H)).
## sparsity > 0 zeroes that fraction of the entries of W and H.
## The seed must differ from every peer's: RcppML::nmf(seed = s) starts
## from set.seed(s); runif(k * d) laid out row by row, which with s = 1 was
## exactly the true W of data drawn after set.seed(1) (the first run of this
## suite used seed 1 for both and credited RcppML's "one-iteration"
## convergence to its solver).
make_data <- function(d, N, k, noise = 0.1, sparsity = 0, seed = 20261129) {
  set.seed(seed)
  W <- matrix(runif(d * k), d)
  H <- matrix(runif(k * N), k)
  if (sparsity > 0) {
    W[runif(d * k) < sparsity] <- 0
    H[runif(k * N) < sparsity] <- 0
  }
  X <- W %*% H
  X + matrix(rexp(d * N, 1 / (noise * mean(X))), d)
}

## ||X - A B||_F / ||X||_F, the same formula for every package.
rel_err <- function(X, A, B) sqrt(sum((X - A %*% B)^2) / sum(X^2))

elapsed <- function(expr) {
  gc(FALSE)
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  proc.time()[["elapsed"]] - t0
}

## Plain-R HALS and MU, what a user could write (one sweep per factor for
## HALS), random start scaled like the data.  With 'trace', the relative
## error after every iteration and the cumulative time, the error being
## computed off the clock from products already at hand.  The start uses
## its own seed (42), not make_data()'s.  Stops at maxit,
## at 'target' or when the clock passes 'cap' seconds.
plain_nmf <- function(X, k, method = c("hals", "mu"), maxit = 100L,
                      target = 0, cap = Inf, eps = 1e-16, seed = 42) {
  method <- match.arg(method)
  t0 <- proc.time()[["elapsed"]]
  set.seed(seed)
  a <- sqrt(mean(X) / k)
  W <- matrix(runif(nrow(X) * k, 0, 2 * a), nrow(X))
  H <- matrix(runif(k * ncol(X), 0, 2 * a), k)
  xn2 <- sum(X^2)
  off <- 0
  err <- tim <- numeric(0)
  for (it in seq_len(maxit)) {
    A <- tcrossprod(X, H)                 # X H^T, d x k
    B <- tcrossprod(H)                    # H H^T
    if (method == "hals") {
      for (l in seq_len(k))
        W[, l] <- pmax(W[, l] + (A[, l] - W %*% B[, l]) / B[l, l], eps)
    } else {
      W <- pmax(W * A / (W %*% B), eps)
    }
    C <- crossprod(W, X)                  # W^T X, k x N
    D <- crossprod(W)
    if (method == "hals") {
      for (l in seq_len(k))
        H[l, ] <- pmax(H[l, ] + (C[l, ] - crossprod(D[, l], H)) / D[l, l], eps)
    } else {
      H <- pmax(H * C / (D %*% H), eps)
    }
    t1 <- proc.time()[["elapsed"]]
    e <- sqrt(max(0, xn2 - 2 * sum(C * H) + sum(D * tcrossprod(H))) / xn2)
    err <- c(err, e)
    tim <- c(tim, t1 - t0 - off)
    off <- off + proc.time()[["elapsed"]] - t1
    if (e <= target || tim[it] > cap) break
  }
  list(W = W, H = H, err = err, time = tim)
}

fmt <- function(x, digits = 3) {
  if (is.character(x)) return(x)
  if (all(is.na(x) | (x == round(x) & abs(x) < 1e6))) return(ifelse(is.na(x), "-", format(x, scientific = FALSE, trim = TRUE)))
  ifelse(is.na(x), "-", formatC(x, digits = digits, format = "fg", flag = "#"))
}

md_table <- function(df) {
  df[] <- lapply(df, function(c) if (is.numeric(c)) fmt(c) else as.character(c))
  c(paste0("| ", paste(names(df), collapse = " | "), " |"),
    paste0("|", paste(rep("---", ncol(df)), collapse = "|"), "|"),
    apply(df, 1, function(r) paste0("| ", paste(r, collapse = " | "), " |")))
}

## Print the table and append it, with the machine and settings, to README.md.
report <- function(title, df, settings, notes = character(0)) {
  lines <- c("", sprintf("### %s (BLAS %s, %d thread%s)", title, blas_name, threads,
                         if (threads > 1) "s" else ""),
             "", paste0("Machine: ", machine()), "",
             paste0("Settings: ", settings), "", md_table(df))
  if (length(notes)) lines <- c(lines, "", notes)
  cat(lines, sep = "\n")
  cat("\n")
  cat(lines, sep = "\n", file = file.path(bench_dir, "README.md"), append = TRUE)
  cat("\n", file = file.path(bench_dir, "README.md"), append = TRUE)
  invisible(df)
}
