## Issue 21, part 4: online (mini-batch) fitting against the batch fit on a
## 1000 x 200000 count matrix at about 1% nonzero (rank-20 Poisson model),
## in memory as a dgCMatrix (the passes over the data are the same on disk:
## bench/ondisk.R reads the blocks of a TENxMatrix).
##   R_LIBS=<lib> Rscript bench/online.R      (BENCH_ONLINE_N: columns)
## Passes over the data: a batch HALS iteration reads X twice (X Ht and
## X^T W; the error comes from the products), its NNDSVD start 4 times (the
## randomized range finder, one power iteration) and the final error once;
## an online fit reads the first block for its start, X once per pass, once
## more to project every column on the final F and once for the exact error.
suppressPackageStartupMessages({ library(mlnmf); library(Matrix) })
N <- as.integer(Sys.getenv("BENCH_ONLINE_N", "200000"))
d <- 1000L; k <- 20L
set.seed(21)
W <- matrix(rgamma(d * k, 0.3), d) * (matrix(runif(d * k), d) < 0.3)
H <- matrix(rgamma(k * N, 0.3), k)
## scale the mean so that about 1% of the entries are nonzero
lam_mean <- mean(W %*% H[, 1:1000])
s <- 0.0101 / lam_mean
blocks <- lapply(seq(1L, N, by = 10000L), function(j0) {
  j <- j0:min(N, j0 + 9999L)
  L <- (W %*% H[, j, drop = FALSE]) * s
  x <- rpois(length(L), L)
  nz <- which(x > 0)
  sparseMatrix(i = (nz - 1L) %% d + 1L, j = (nz - 1L) %/% d + 1L, x = as.numeric(x[nz]),
               dims = c(d, length(j)))
})
X <- do.call(cbind, blocks)
rm(blocks, H)
cat(sprintf("X: %d x %d, %.2f%% nonzero, %s; BLAS %s; load %s\n", nrow(X), ncol(X),
            100 * length(X@x) / (as.double(nrow(X)) * ncol(X)),
            format(object.size(X), units = "MB"), basename(extSoftVersion()[["BLAS"]]),
            paste(scan("/proc/loadavg", what = "", n = 3, quiet = TRUE), collapse = " ")))
tm <- function(expr) { t <- system.time(r <- expr); list(r = r, s = t[["elapsed"]]) }
b <- tm(suppressWarnings(nmf(X, k, threads = 1, seed = 1)))
bp <- 2 * b$r$iter + 4 + 1
cat(sprintf("batch HALS: %d iterations (%d passes over X), relative error %.6f, %.1f s\n",
            b$r$iter, bp, b$r$error, b$s))
rows <- list()
for (batch in c(5000L, 20000L)) {
  o <- tm(suppressWarnings(nmf(X, k, online = TRUE, batch = batch, threads = 1, seed = 1)))
  op <- o$r$online$passes + 2
  rows[[length(rows) + 1L]] <- data.frame(
    batch = batch, passes = o$r$online$passes, passes_over_X = op,
    rel_error = signif(o$r$error, 6), vs_batch = round(o$r$error / b$r$error, 4),
    within_1pct = o$r$error <= 1.01 * b$r$error, fewer_passes = op < bp,
    seconds = round(o$s, 1))
  cat(sprintf("online batch %d: %d passes (%d over X), relative error %.6f (%.4f x batch), %.1f s\n",
              batch, o$r$online$passes, op, o$r$error, o$r$error / b$r$error, o$s))
}
tab <- do.call(rbind, rows)
print(tab, row.names = FALSE)
cat(sprintf("batch: %d passes, error %.6f, %.1f s; load at the end %s\n", bp, b$r$error, b$s,
            paste(scan("/proc/loadavg", what = "", n = 3, quiet = TRUE), collapse = " ")))
