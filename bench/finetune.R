## Fine-tuning cost: time per joint sweep of finetune() for L = 10 and 100
## layers on the paper's Gaussian-mixture data (10 x 1000, rank 10), each
## method, next to the cascade's time and the errors before and after.
## Standalone (no peers needed):  Rscript bench/finetune.R
## with mlnmf installed in the library path (e.g. R_LIBS=/tmp/lib_bench).
suppressPackageStartupMessages(library(mlnmf))

blas_path <- extSoftVersion()[["BLAS"]]
cpu <- sub("^model name\\s*:\\s*", "",
           grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
cat(sprintf("%s; load average %s; cores %d; CPU %s; %s; BLAS %s; LAPACK %s; OPENBLAS_NUM_THREADS=%s; mlnmf %s; threads = 1\n\n",
            format(Sys.time(), "%Y-%m-%d %H:%M"),
            paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " "),
            parallel::detectCores(), cpu, R.version.string, blas_path, La_library(),
            Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"), packageVersion("mlnmf")))

## best of 'reps' elapsed times
best <- function(f, reps = 3L) min(vapply(seq_len(reps), function(r)
  system.time(f())[["elapsed"]], 0))

sweeps <- 20L
set.seed(1)
X <- simulate_gaussian_mixture(n = 1000, d = 10, clusters = 3)
rows <- list()
for (L in c(10L, 100L)) for (method in c("hals", "mu", "kl")) {
  fit <- suppressWarnings(mlnmf(X, 10, layers = L, method = method, threads = 1))
  t_casc <- best(function() suppressWarnings(
    mlnmf(X, 10, layers = L, method = method, threads = 1)))
  ## tol = 0: exactly 'sweeps' sweeps
  t_ft <- best(function() suppressWarnings(
    finetune(fit, maxit = sweeps, tol = 0, threads = 1)))
  t_0 <- best(function() finetune(fit, maxit = 0L, threads = 1))
  ft <- suppressWarnings(finetune(fit, maxit = sweeps, tol = 0, threads = 1))
  rows[[length(rows) + 1L]] <- data.frame(
    layers = L, method = method,
    cascade_s = t_casc,
    per_sweep_ms = 1000 * (t_ft - t_0) / sweeps,
    per_sweep_per_layer_ms = 1000 * (t_ft - t_0) / sweeps / L,
    setup_ms = 1000 * t_0,
    error_cascade = fit$error[L], error_after = ft$error[L],
    objective_ratio = ft$finetune$objective / ft$finetune$start)
}
res <- do.call(rbind, rows)
cat(sprintf("%d sweeps (tol = 0), best of 3; per_sweep excludes the fixed cost of a call (setup_ms: maxit = 0, two exact objective passes, copies)\n\n", sweeps))
print(format(res, digits = 3), row.names = FALSE)
