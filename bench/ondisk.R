## Issue 21: data larger than memory, read in column blocks (src/xops_blocks.c).
##
##   Rscript bench/ondisk.R            # write the data (once) and run every case
##   Rscript bench/ondisk.R child CASE # one case in a fresh process (used by the driver)
##
## Data, in /tmp (never in the repository; about 0.8 GB + 0.03 GB):
##   dense: a 1000 x 100000 HDF5Matrix of doubles (rank 10 + noise), chunks
##          of 1000 x 100 columns, 800 MB on disk;
##   tenx:  a 1000 x 200000 count matrix at 1% nonzero, 10x layout
##          (written with rhdf5::h5write(): HDF5Array 1.26's writeTENxMatrix()
##          fails), read by HDF5Array::TENxMatrix().
## Cases (each in a fresh R process, after the packages are loaded):
##   equal:  the same fit on disk and in memory (a 1000 x 10000 slice of dense,
##           and the whole tenx matrix as a dgCMatrix): largest differences;
##   memory: peak resident memory the fit adds (VmHWM reset by clear_refs)
##           against the matrix size and against factors + one block;
##   speed:  seconds per pass over the data during the fit against DelayedArray's
##           own read of the file (blockApply of a no-op), same process,
##           best of 3 reads.
## Prints tab-separated RESULT lines; the machine is shared (load printed).
args <- commandArgs(TRUE)
dir <- Sys.getenv("MLNMF_ONDISK_DIR", "/tmp/mlnmf-ondisk")
dense_file <- file.path(dir, "dense.h5")
tenx_file <- file.path(dir, "tenx.h5")
lib <- Sys.getenv("R_LIBS")
load <- function() paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
status <- function(key) {
  l <- grep(paste0("^", key, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", l)) / 1024        # MiB
}
say <- function(...) cat("RESULT", ..., sep = "\t", fill = FALSE)

write_data <- function() {
  dir.create(dir, showWarnings = FALSE)
  if (!file.exists(dense_file)) {
    set.seed(1)
    m <- 1000; n <- 100000; k <- 10
    W <- matrix(runif(m * k), m)
    rhdf5::h5createFile(dense_file)
    rhdf5::h5createDataset(dense_file, "x", c(m, n), storage.mode = "double",
                           chunk = c(m, 100), level = 0)
    for (j0 in seq(0, n - 1, by = 10000)) {
      H <- matrix(runif(k * 10000), k)
      rhdf5::h5write(W %*% H + matrix(runif(m * 10000, 0, 0.1), m), dense_file, "x",
                     index = list(NULL, j0 + 1:10000))
    }
    rhdf5::h5closeAll()
  }
  if (!file.exists(tenx_file)) {
    set.seed(2)
    X <- tenx_matrix()
    rhdf5::h5createFile(tenx_file)
    rhdf5::h5createGroup(tenx_file, "matrix")
    w <- function(name, v) rhdf5::h5write(v, tenx_file, paste0("matrix/", name))
    ## data and indices in chunks of 80000 entries, gzip level 4, as
    ## Cell Ranger writes them (one chunk would be decompressed whole)
    for (nm in c("data", "indices"))
      rhdf5::h5createDataset(tenx_file, paste0("matrix/", nm), length(X@x),
                             storage.mode = "integer", chunk = 80000, level = 4)
    w("data", as.integer(X@x)); w("indices", as.integer(X@i))
    w("indptr", as.numeric(X@p)); w("shape", as.integer(dim(X)))
    w("barcodes", sprintf("cell%d", seq_len(ncol(X))))
    rhdf5::h5closeAll()
  }
}

## 1000 x 200000 counts, 1% nonzero, from 8 cell types (the same draw every time)
tenx_matrix <- function() {
  set.seed(2)
  m <- 1000; n <- 200000; nnz <- m * n / 100
  type <- sample.int(8, n, TRUE)
  prof <- matrix(rgamma(m * 8, 0.3), m)
  j <- sort(sample.int(n, nnz, TRUE))
  i <- integer(nnz)
  for (t in 1:8) {
    q <- which(type[j] == t)
    i[q] <- sample.int(m, length(q), TRUE, prob = prof[, t])
  }
  X <- Matrix::sparseMatrix(i = i, j = j, x = rpois(nnz, 2) + 1, dims = c(m, n))
  X
}

child <- function(case) {
  suppressPackageStartupMessages({
    library(mlnmf); library(Matrix); library(HDF5Array)
  })
  ## TENxMatrix() first: it fails once another HDF5 object was opened
  X <- if (grepl("tenx", case)) TENxMatrix(tenx_file) else HDF5Array(dense_file, "x")
  k <- 10; maxit <- as.integer(Sys.getenv("MLNMF_ONDISK_MAXIT", "10"))
  if (case == "equal-dense") {
    S <- X[, 1:10000]
    D <- as.matrix(S)
    suppressMessages(setAutoBlockSize(8 * 1000 * 1500))
    for (meth in c("hals", "mu", "kl")) {
      a <- suppressWarnings(nmf(S, k, method = meth, maxit = maxit, seed = 1, tol = 0))
      b <- suppressWarnings(nmf(D, k, method = meth, maxit = maxit, seed = 1, tol = 0))
      say("equal", "dense 1000 x 10000", meth, a$iter, max(abs(a$F[[1]] - b$F[[1]])) / max(b$F[[1]]),
          max(abs(a$G[[1]] - b$G[[1]])) / max(b$G[[1]]), abs(a$error - b$error), "\n")
    }
    return(invisible())
  }
  if (case == "equal-tenx") {
    M <- tenx_matrix()
    for (meth in c("hals", "kl")) {
      a <- suppressWarnings(nmf(X, k, method = meth, maxit = maxit, seed = 1, tol = 0))
      b <- suppressWarnings(nmf(M, k, method = meth, maxit = maxit, seed = 1, tol = 0))
      say("equal", "tenx 1000 x 200000", meth, a$iter, max(abs(a$F[[1]] - b$F[[1]])) / max(b$F[[1]]),
          max(abs(a$G[[1]] - b$G[[1]])) / max(b$G[[1]]), abs(a$error - b$error), "\n")
    }
    return(invisible())
  }
  ## memory and speed: one fit of maxit iterations, tol = 0
  bs <- as.numeric(Sys.getenv("MLNMF_ONDISK_BLOCK", "1e8"))
  suppressMessages(setAutoBlockSize(bs))
  noop <- function() system.time(DelayedArray::blockApply(X, function(b) NULL,
                                  grid = DelayedArray::colAutoGrid(X), as.sparse = NA))[["elapsed"]]
  invisible(gc(full = TRUE))
  cat("5", file = "/proc/self/clear_refs")
  rss0 <- status("VmRSS")
  t0 <- proc.time()[["elapsed"]]
  fit <- suppressWarnings(nmf(X, k, maxit = maxit, seed = 1, tol = 0, keep.data = FALSE))
  secs <- proc.time()[["elapsed"]] - t0
  peak <- status("VmHWM") - rss0
  read <- min(noop(), noop(), noop())
  m <- nrow(X); n <- ncol(X)
  nblk <- ceiling(n / fit$blocks$block_cols)
  passes <- fit$blocks$reads / nblk
  need <- (8 * (m + n) * k + 8 * m * fit$blocks$block_cols) / 2^20
  say(case, sprintf("%d x %d", m, n), sprintf("%.0f", bs), fit$blocks$block_cols,
      fit$blocks$sparse, fit$iter, sprintf("%.1f", passes), sprintf("%.1f", peak),
      sprintf("%.1f", 8 * m * n / 2^20), sprintf("%.1f", need),
      sprintf("%.2f", secs / passes), sprintf("%.2f", read),
      sprintf("%.4f", fit$error), load(), "\n")
}

if (length(args) >= 2 && args[1] == "child") {
  child(args[2])
} else {
  suppressPackageStartupMessages(write_data())
  cat("columns: case, data, block bytes, block cols, sparse, iterations, passes, peak MiB added,",
      "dense matrix MiB, factors + one block MiB, s per pass, s blockApply no-op (best of 3),",
      "rel. error, load\n")
  for (case in c("equal-dense", "equal-tenx", "memory-dense", "memory-tenx"))
    system2("Rscript", c("bench/ondisk.R", "child", case))
}
