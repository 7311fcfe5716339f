## One fit in a fresh process (called by memory.R): R heap allocations
## during the fit (bench::bench_memory, i.e. Rprofmem) and the peak resident
## memory above the level before the fit (VmHWM reset via clear_refs).
## who = "depth": an mlnmf cascade of args[3] layers on 10 x 100000 data at
## rank 10 instead, reporting the peak, the result's size and the time.
source(if (file.exists("common.R")) "common.R" else "bench/common.R")
args <- commandArgs(TRUE)
who <- args[1]; maxit <- as.integer(args[2])
status <- function(key) {
  l <- grep(paste0("^", key, ":"), readLines("/proc/self/status"), value = TRUE)
  as.numeric(gsub("[^0-9]", "", l)) / 1024        # MiB
}
if (who == "depth") {
  L <- as.integer(args[3])
  X <- make_data(10, 100000, 10)
  invisible(gc(full = TRUE))
  cat("5", file = "/proc/self/clear_refs")
  rss0 <- status("VmRSS")
  secs <- elapsed(fit <- suppressWarnings(
    mlnmf::mlnmf(X, 10, layers = L, maxit = maxit, keep.data = FALSE,
                 progress = FALSE, threads = threads)))
  peak <- status("VmHWM")
  cat(sprintf("RESULT\t%d\t%.1f\t%.2f\t%.2f\t%.4f\n", L, peak - rss0,
              as.numeric(object.size(fit)) / 2^20, secs, fit$error[L]))
  quit(save = "no")
}
X <- make_data(3000, 2000, 20); k <- 20
if (who == "NMF lee") suppressPackageStartupMessages(library(NMF))
run <- switch(who,
  "mlnmf hals" = function() mlnmf::nmf(X, k, method = "hals", tol = 0, maxit = maxit),
  "mlnmf mu" = function() mlnmf::nmf(X, k, method = "mu", tol = 0, maxit = maxit),
  "mlnmf hals keep.data = FALSE" = function() mlnmf::nmf(X, k, tol = 0, maxit = maxit, keep.data = FALSE),
  "RcppML" = function() RcppML::nmf(X, k, tol = 1e-12, maxit = maxit, verbose = FALSE, seed = 1),
  "NMF lee" = function() NMF::nmf(X, k, method = "lee", seed = 123, .options = "v0", .pbackend = NA,
                                   .stop = NMF::nmf.stop.iteration(maxit)),
  "plain R hals" = function() plain_nmf(X, k, "hals", maxit = maxit),
  stop("unknown method"))
invisible(gc(full = TRUE))
cat("5", file = "/proc/self/clear_refs")
rss0 <- status("VmRSS")
mem <- bench::bench_memory(fit <- suppressWarnings(run()))
peak <- status("VmHWM")
out_size <- as.numeric(object.size(fit)) - if (!is.null(fit$data)) as.numeric(object.size(X)) else 0
cat(sprintf("RESULT\t%s\t%.1f\t%.1f\t%.2f\t%d\n", who, as.numeric(mem$mem_alloc) / 2^20,
            peak - rss0, out_size / 2^20, NROW(mem$memory[[1]])))
