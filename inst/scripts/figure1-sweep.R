## Convergence sweep for Figure 1: the same protocol as figure1.R (100
## layers of rank 10, thirds, 5 to 20 percent of a third's layers permuted,
## 20 permutations per third and fraction, the main reading) at several
## levels of model accuracy, to see at which accuracy the paper's
## magnitudes (about 10, 0.20 and 0.08 per entry for the first, second and
## last third) appear, and what happens to the ordering first > second >
## last as the models become exact.
##
## Levels: every layer stopped after a fixed number of iterations (tol = 0,
## maxit = 5, 10, 30: the stopping rule plays no part), then the stopping
## rule at tol = 1e-3, 1e-4, the package defaults, and tol = 1e-6, 1e-7 and
## 1e-8 (maxit 5000, or 20000 for the two smallest tol, so that the rule,
## not the cap, stops a layer; the floor of the rule is 100 tol per layer,
## and the layers' errors compound over the 100 layers, so an unpermuted
## error near 1e-4 needs tol near 1e-8).
## Everything else is the package default (HALS, NNDSVD, l1).  The accuracy
## of a level is measured, not assumed: the unpermuted relative error
## ||X - F1...F100 G100|| / ||X|| of each fit is stored.
##
## Subset: the first 10 data sets of figure1.R (same seeds), to keep the
## run within minutes on 2 cores shared with other jobs;
## MLNMF_SWEEP_DATASETS changes the number.  Each fit is saved in
## MLNMF_SWEEP_CACHE (default: figure1-sweep-cache in the temporary
## directory) as it ends, so an interrupted run resumes where it stopped;
## delete the folder after changing the package.
##
## Run from the package root, with mlnmf installed:
##     nice -n 10 Rscript inst/scripts/figure1-sweep.R
## It writes inst/extdata/figure1-sweep.rds (MLNMF_SWEEP_OUT to change),
## loaded by vignettes/figure1.Rmd; MLNMF_CORES sets the workers (default 2).
## The run records its time, load average, BLAS and the package's stamp.

library(mlnmf)
library(parallel)
source(file.path("inst", "scripts", "figure1-common.R"))

base <- list(n = 1000L, d = 10L, clusters = 3L, sd = 1, spread = 10,
             layers = 100L, rank = 10L, groups = 3L,
             fraction = c(0.05, 0.10, 0.15, 0.20), reps = 20L)
levels <- data.frame(
  level = c("maxit 5", "maxit 10", "maxit 30", "tol 1e-3", "tol 1e-4",
            "defaults", "tol 1e-6", "tol 1e-7", "tol 1e-8"),
  maxit = c(5, 10, 30, 5000, 5000, NA, 5000, 20000, 20000),
  tol = c(0, 0, 0, 1e-3, 1e-4, NA, 1e-6, 1e-7, 1e-8),
  stringsAsFactors = FALSE)
n_data <- as.integer(Sys.getenv("MLNMF_SWEEP_DATASETS", "10"))
cache <- Sys.getenv("MLNMF_SWEEP_CACHE", file.path(tempdir(), "figure1-sweep-cache"))
dir.create(cache, showWarnings = FALSE, recursive = TRUE)
cores <- as.integer(Sys.getenv("MLNMF_CORES", "2"))
if (.Platform$OS.type == "windows") cores <- 1L

level_settings <- function(l) {
  s <- base
  if (!is.na(levels$maxit[l])) s$maxit <- as.integer(levels$maxit[l])
  if (!is.na(levels$tol[l])) s$tol <- levels$tol[l]
  s
}
one <- function(job) {
  f <- file.path(cache, sprintf("level%d-dataset%d.rds", job$level, job$dataset))
  if (file.exists(f)) return(readRDS(f))
  r <- figure1_dataset(job$dataset, level_settings(job$level), all_readings = FALSE)
  out <- list(table = cbind(level = levels$level[job$level],
                     r$table[, c("dataset", "block", "fraction", "n_moved",
                                 "mse_mean", "excess_mean", "rel_error_mean")],
                     stringsAsFactors = FALSE),
       dataset = cbind(level = levels$level[job$level], r$dataset,
                       maxit_used = r$used$maxit, tol_used = r$used$tol,
                       stringsAsFactors = FALSE))
  saveRDS(out, f)
  cat(sprintf("%s, data set %d: %.1f s\n", levels$level[job$level], job$dataset,
              r$dataset$fit_seconds))
  out
}
jobs <- expand.grid(dataset = seq_len(n_data), level = seq_len(nrow(levels)))
## the most accurate levels are the slowest: first, so the workers end together
jobs <- jobs[order(-jobs$level, jobs$dataset), ]
jobs <- split(jobs, seq_len(nrow(jobs)))
loadavg <- function() tryCatch(scan("/proc/loadavg", what = "", n = 3L, quiet = TRUE),
                                error = function(e) rep(NA_character_, 3L))
cat(sprintf("Sweep: %d levels x %d data sets on %d cores\n", nrow(levels), n_data, cores))
load_start <- loadavg()
t0 <- proc.time()[["elapsed"]]
runs <- mclapply(jobs, one, mc.cores = cores, mc.preschedule = FALSE)
elapsed <- proc.time()[["elapsed"]] - t0
failed <- vapply(runs, inherits, NA, "try-error")
if (any(failed)) stop("some runs failed: ", conditionMessage(attr(runs[[which(failed)[1L]]], "condition")))

ord <- function(d) d[order(match(d$level, levels$level), d$dataset), ]
si <- sessionInfo()
result <- list(
  levels = levels, base = base, datasets_run = n_data,
  table = ord(do.call(rbind, lapply(runs, `[[`, "table"))),
  datasets = ord(do.call(rbind, lapply(runs, `[[`, "dataset"))),
  timing = list(elapsed = elapsed, cores = cores, loadavg_start = load_start,
                loadavg_end = loadavg(),
                fit_seconds = sum(do.call(rbind, lapply(runs, `[[`, "dataset"))$fit_seconds)),
  session = list(R = R.version.string,
                 BLAS = if (!is.null(si$BLAS)) si$BLAS else extSoftVersion()[["BLAS"]],
                 threads = Sys.getenv("OPENBLAS_NUM_THREADS")),
  stamp = mlnmf:::results_stamp(list(base = base, levels = levels)))
rownames(result$table) <- rownames(result$datasets) <- NULL
out <- Sys.getenv("MLNMF_SWEEP_OUT", file.path("inst", "extdata", "figure1-sweep.rds"))
if (!dir.exists(dirname(out))) out <- "figure1-sweep.rds"
saveRDS(result, out, compress = "xz")
cat(sprintf("Done in %.0f s elapsed on %d cores (load average at start %s); saved %s\n",
            elapsed, cores, paste(load_start, collapse = " "), out))
per <- with(result$table, tapply(mse_mean, list(paste(level, dataset), block), mean))
lv <- sub(" [0-9]+$", "", rownames(per))
print(data.frame(
  unpermuted_rel = tapply(result$datasets$unpermuted_rel, result$datasets$level, median),
  A1 = tapply(per[, "A1"], lv, median), A2 = tapply(per[, "A2"], lv, median),
  A3 = tapply(per[, "A3"], lv, median))[levels$level, ], digits = 3)
