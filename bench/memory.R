## Memory when fitting a dense double X (3000 x 2000, 45.8 MiB): R heap
## allocations during the fit (bench::bench_memory) and peak resident memory
## above the level just before the fit, each method in a fresh R process.
## Target for mlnmf: no copy of X; extra memory O((d + N) k) plus the
## stored layers.
source(if (file.exists("common.R")) "common.R" else "bench/common.R")
maxit <- as.integer(Sys.getenv("BENCH_MEM_ITERS", "20"))
who <- c("mlnmf hals", "mlnmf mu", "mlnmf hals keep.data = FALSE", "RcppML", "plain R hals", "NMF lee")
child <- file.path(bench_dir, "memory-child.R")
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
