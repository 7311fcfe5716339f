## Issue 20, part 0: held-out rank selection on the full R-help counts (400 x 1000,
## 6% nonzero, 10% of all entries held out, 2 draws) against a row-mean predictor on
## random held-out sets of the same size.   R_LIBS=<lib> Rscript bench/rhelp-heldout.R
suppressPackageStartupMessages(library(mlnmf))
data(rhelp, package = "mlnmf"); X <- rhelp; storage.mode(X) <- "double"
X <- X[rowSums(X) > 0, colSums(X) > 0]
cat("dim", dim(X), "nnz share", mean(X > 0), "\n")
t0 <- proc.time()
r <- suppressWarnings(nmf_rank(X, c(2, 4, 6, 8, 10, 12, 16, 20), reps = 2, seed = 1, threads = 2))
print(r$summary); cat("best", r$best, "\n")
## the row-mean predictor on random held-out sets of the same fraction (10% of all entries)
set.seed(1)
rm_err <- replicate(5, {
  h <- sample(length(X), round(0.1 * length(X)))
  M <- X; M[h] <- NA
  mu <- rowMeans(M, na.rm = TRUE)
  pred <- mu[row(X)[h]]
  sqrt(sum((X[h] - pred)^2) / sum(X[h]^2))
})
cat("row-mean predictor held-out relative error:", round(rm_err, 4), "\n")
print(proc.time() - t0)
