## Sparse input against RcppML: time to equal error and peak memory, on
## count data with structure (each column a bag of draws from a mixture of
## k "topics": the document-term / cells-x-genes model), not structureless
## random sparse matrices (there rank 20 explains under 1% and equal-error
## comparisons mean nothing).
##   BENCH_SPARSE = "d,N,density[;d,N,density...]", rank 20; default
##   20000 x 5000 at 1% (documents x terms) and 1000 x 100000 at 0.5%
##   (the single-cell shape: genes x cells).
## Every fit runs in a fresh R process (bench/sparse-child.R) so that its
## peak resident memory (VmHWM above the level after loading the data) is
## its own; the data are made once and read from an .rds file.
source(if (file.exists("common.R")) "common.R" else "bench/common.R")

specs <- strsplit(Sys.getenv("BENCH_SPARSE", "20000,5000,0.01;1000,100000,0.005"), ";")[[1]]
k <- 20

make_counts <- function(d, N, k, density, seed = 20261130) {
  set.seed(seed)
  W <- matrix(rgamma(d * k, 0.3), d)
  H <- matrix(rgamma(k * N, 0.3), k)
  draws <- max(1L, round(1.3 * density * d))
  ii <- jj <- xx <- vector("list", N)
  for (c0 in seq(1, N, by = 500)) {
    cols <- c0:min(N, c0 + 499)
    P <- W %*% H[, cols, drop = FALSE]
    for (t in seq_along(cols)) {
      cnt <- tabulate(sample.int(d, draws, replace = TRUE, prob = P[, t]), d)
      nz <- which(cnt > 0)
      ii[[cols[t]]] <- nz; jj[[cols[t]]] <- rep(cols[t], length(nz))
      xx[[cols[t]]] <- cnt[nz]
    }
  }
  Matrix::sparseMatrix(i = unlist(ii), j = unlist(jj), x = as.double(unlist(xx)),
                       dims = c(d, N))
}

for (spec in specs) {
spec <- as.numeric(strsplit(spec, ",")[[1]])
d <- spec[1]; N <- spec[2]; density <- spec[3]
f_data <- file.path(tempdir(), sprintf("sparse-%g-%g-%g.rds", d, N, density))
if (file.exists(f_data)) A <- readRDS(f_data) else {
  A <- make_counts(d, N, k, density)
  saveRDS(A, f_data)
}
mb_sparse <- as.numeric(object.size(A)) / 2^20
cat(sprintf("data %d x %d, %.2f%% nonzero, %.1f MiB as dgCMatrix (%.0f MiB dense)\n",
            d, N, 100 * length(A@x) / (d * N), mb_sparse, 8 * d * N / 2^20))

child <- file.path(bench_dir, "sparse-child.R")
run_child <- function(who, maxit, thr) {
  out <- system2(file.path(R.home("bin"), "Rscript"),
                 c(child, shQuote(who), maxit, thr, f_data),
                 stdout = TRUE, stderr = TRUE,
                 env = sprintf("OPENBLAS_NUM_THREADS=%d", thr))
  res <- grep("^RESULT", out, value = TRUE)
  if (!length(res)) stop("the child for ", who, " failed:\n", paste(out, collapse = "\n"))
  r <- strsplit(res, "\t")[[1]]
  c(time = as.numeric(r[2]), err = as.numeric(r[3]), peak = as.numeric(r[4]),
    iter = as.numeric(r[5]))
}

rows <- list()
for (thr in c(1L, 2L)) {
  rc <- run_child("RcppML", 20, thr)
  target <- rc[["err"]]
  rows[[length(rows) + 1]] <- data.frame(threads = thr, method = "RcppML",
    iterations = 20, rel_error = rc[["err"]], seconds = rc[["time"]],
    peak_MiB = rc[["peak"]], peak_over_sparse = rc[["peak"]] / mb_sparse)
  ## mlnmf: the iterations to the target from one traced run (in this
  ## process), then a timed run with exactly that many in a child
  for (m in c("hals", "mu")) {
    set.seed(1)          # the start of the child's run (sparse-child.R)
    f <- suppressWarnings(mlnmf::nmf(A, k, method = m, tol = 0, maxit = 100,
                                     threads = thr))
    e <- sqrt(f$trace[[1]])[-1]
    it <- which(e <= target)[1]
    if (is.na(it)) it <- 100
    r <- run_child(paste("mlnmf", m), it, thr)
    rows[[length(rows) + 1]] <- data.frame(threads = thr, method = paste("mlnmf", m),
      iterations = it, rel_error = r[["err"]], seconds = r[["time"]],
      peak_MiB = r[["peak"]], peak_over_sparse = r[["peak"]] / mb_sparse)
  }
}
tab <- do.call(rbind, rows)
ratio <- vapply(seq_len(nrow(tab)), function(i) {
  base <- tab$seconds[tab$method == "RcppML" & tab$threads == tab$threads[i]]
  base / tab$seconds[i]
}, 0)
tab$speedup_vs_RcppML <- ratio
report(sprintf("Sparse counts %d x %d, %.2f%% nonzero, rank %d: time to RcppML's error after 20 iterations",
               d, N, 100 * length(A@x) / (d * N), k), tab,
       sprintf("data: bags of draws from k = 20 gamma(0.3) topics (bench/sparse.R); dgCMatrix %.1f MiB; every fit in a fresh process, start included; error ||A - WH||_F / ||A||_F computed identically for all; peak = VmHWM above the level after loading the data; OPENBLAS_NUM_THREADS and RcppML threads = mlnmf threads",
               mb_sparse))
}
