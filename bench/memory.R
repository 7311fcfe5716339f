## Memory when fitting a dense double X (3000 x 2000, 45.8 MiB): R heap
## allocations during the fit (bench::bench_memory) and peak resident memory
## above the level just before the fit, each method in a fresh R process.
## Target for mlnmf: no copy of X; extra memory O((d + N) k) plus the
## stored layers.
## Second table, memory in depth: peak RSS of mlnmf(layers = L) on 10 x
## 100000 data at rank 10 for L in BENCH_MEM_LAYERS (default "1 20 60"),
## BENCH_MEM_DEPTH_ITERS iterations per layer (default 30); target: the
## stored output plus one layer's workspace, whatever L.  BENCH_MEM_PART
## = "one" or "depth" runs one table only; BENCH_MEM_LABEL names the build
## in the depth table (e.g. a commit).
source(if (file.exists("common.R")) "common.R" else "bench/common.R")
maxit <- as.integer(Sys.getenv("BENCH_MEM_ITERS", "20"))
part <- Sys.getenv("BENCH_MEM_PART", "both")
child <- file.path(bench_dir, "memory-child.R")
if (part %in% c("both", "one")) {
  who <- c("mlnmf hals", "mlnmf mu", "mlnmf hals keep.data = FALSE", "RcppML", "plain R hals", "NMF lee")
  rows <- lapply(who, function(w) {
    out <- system2(file.path(R.home("bin"), "Rscript"), c(shQuote(child), shQuote(w), maxit),
                   stdout = TRUE, stderr = FALSE)
    r <- strsplit(grep("^RESULT", out, value = TRUE), "\t")[[1]]
    data.frame(method = r[2], "R allocations (MiB)" = as.numeric(r[3]),
               "peak RSS above start (MiB)" = as.numeric(r[4]),
               "result size without X (MiB)" = as.numeric(r[5]),
               "R allocation calls" = as.integer(r[6]), check.names = FALSE)
  })
  d <- 3000; N <- 2000; k <- 20
  report("Memory of one fit", do.call(rbind, rows),
         sprintf("X %d x %d double (%.1f MiB), rank %d, %d iterations (tol = 0 / tiny). (d + N) k doubles = %.2f MiB. R allocations: bench::bench_memory (Rprofmem; sees R vectors incl. R_alloc, not malloc inside C++ code such as Eigen). Peak RSS: VmHWM after the fit minus VmRSS before it, after resetting VmHWM (/proc/self/clear_refs); pages of X already resident do not count, a copy of X does.",
                 d, N, d * N * 8 / 2^20, k, maxit, (d + N) * k * 8 / 2^20))
}

if (part %in% c("both", "depth")) {
  layers <- as.integer(strsplit(Sys.getenv("BENCH_MEM_LAYERS", "1 20 60"), " +")[[1]])
  iters <- as.integer(Sys.getenv("BENCH_MEM_DEPTH_ITERS", "30"))
  label <- Sys.getenv("BENCH_MEM_LABEL", paste("mlnmf", packageVersion("mlnmf")))
  rows <- lapply(layers, function(L) {
    out <- system2(file.path(R.home("bin"), "Rscript"), c(shQuote(child), "depth", iters, L),
                   stdout = TRUE, stderr = FALSE)
    r <- as.numeric(strsplit(grep("^RESULT", out, value = TRUE), "\t")[[1]][-1])
    data.frame(build = label, layers = as.integer(r[1]), "peak RSS above start (MiB)" = r[2],
               "result size (MiB)" = r[3], "peak minus result (MiB)" = r[2] - r[3],
               seconds = r[4], "relative error" = r[5], check.names = FALSE)
  })
  report("Memory in depth", do.call(rbind, rows),
         sprintf("mlnmf(X, 10, layers = L, maxit = %d, keep.data = FALSE) on X = make_data(10, 100000, 10) (7.6 MiB), HALS, nndsvd, %d thread(s), each L in a fresh R process. Each layer stores G_i (10 x 100000, 7.6 MiB). Peak RSS: VmHWM after the fit minus VmRSS before it, after resetting VmHWM (/proc/self/clear_refs). Target: 'peak minus result' independent of L (issue 10: within 50 MiB of L = 1's at L = 20).",
                 iters, threads))
}
