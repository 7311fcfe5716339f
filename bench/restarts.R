## Restarts: the cost of nmf(nrun = 8) serially and through the future
## backend with 1 and 2 background workers (plan(cluster, workers = 1),
## plan(multisession, workers = 2)), on a small and a mid-size
## dense matrix.  Each run is held to the same work (tol = 0, a fixed
## 'maxit'), so the times compare the schedules, not the starts.  The
## workers are started (and warmed up) before timing: plan() setup is
## reported separately.  The fits must be identical on every schedule.
## Standalone:  R_LIBS=/tmp/lib_bench Rscript bench/restarts.R
suppressPackageStartupMessages({ library(mlnmf); library(future) })

blas_path <- extSoftVersion()[["BLAS"]]
cpu <- sub("^model name\\s*:\\s*", "",
           grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
load <- function() paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
cat(sprintf("%s; load average %s; cores %d; CPU %s; %s; BLAS %s; LAPACK %s; OPENBLAS_NUM_THREADS=%s; mlnmf %s; future %s; future.apply %s; threads = 1 per fit\n\n",
            format(Sys.time(), "%Y-%m-%d %H:%M"), load(),
            parallel::detectCores(), cpu, R.version.string, blas_path, La_library(),
            Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"), packageVersion("mlnmf"),
            packageVersion("future"), packageVersion("future.apply")))

best <- function(f, reps = 2L) min(vapply(seq_len(reps), function(r)
  system.time(f())[["elapsed"]], 0))

make <- function(d, N, k) {
  set.seed(20261130)
  X <- matrix(runif(d * k), d, k) %*% matrix(runif(k * N), k, N)
  X + matrix(runif(d * N, 0, 0.1 * mean(X)), d, N)
}
cases <- list(list(d = 100, N = 100, k = 5, maxit = 100),
              list(d = 1000, N = 800, k = 10, maxit = 100))
rows <- list()
for (cs in cases) {
  X <- make(cs$d, cs$N, cs$k)
  fit8 <- function() suppressWarnings(nmf(X, cs$k, nrun = 8, seed = 1, maxit = cs$maxit,
                                          tol = 0, threads = 1))
  one <- best(function() suppressWarnings(nmf(X, cs$k, init = "random", maxit = cs$maxit,
                                                tol = 0, threads = 1)), 3L)
  options(mlnmf.future = FALSE)
  t_serial <- best(fit8); ref <- fit8()
  options(mlnmf.future = TRUE)
  plan(sequential)
  t_seq <- best(fit8); same_seq <- identical(fit8()$F, ref$F)
  ## plan(multisession, workers = 1) is plan(sequential) in future; one
  ## background worker is plan(cluster, workers = 1)
  t_start1 <- system.time({ plan(cluster, workers = 1); fit8() })[["elapsed"]]
  t_ms1 <- best(fit8); same_1 <- identical(fit8()$F, ref$F)
  t_start2 <- system.time({ plan(multisession, workers = 2); fit8() })[["elapsed"]]
  t_ms2 <- best(fit8); same_2 <- identical(fit8()$F, ref$F)
  plan(sequential)
  rows[[length(rows) + 1L]] <- data.frame(
    data = sprintf("%d x %d, rank %d", cs$d, cs$N, cs$k),
    one_fit_s = one, serial_s = t_serial, sequential_s = t_seq,
    worker1_s = t_ms1, workers2_s = t_ms2,
    speedup_2_vs_serial = t_serial / t_ms2,
    first_call_with_startup_1_2_s = sprintf("%.2f / %.2f", t_start1, t_start2),
    identical_fits = same_seq && same_1 && same_2, load = load())
}
tab <- do.call(rbind, rows)
num <- vapply(tab, is.numeric, NA)
tab[num] <- lapply(tab[num], function(v) signif(v, 3))
cat("| ", paste(names(tab), collapse = " | "), " |\n", sep = "")
cat("|", paste(rep("---", ncol(tab)), collapse = "|"), "|\n", sep = "")
for (i in seq_len(nrow(tab)))
  cat("| ", paste(vapply(tab[i, ], as.character, ""), collapse = " | "), " |\n", sep = "")
cat(sprintf("\nload average at the end: %s\n", load()))
