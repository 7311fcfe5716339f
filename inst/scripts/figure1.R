## Figure 1 of the paper at full scale: the layer-permutation protocol of
## section 5 on 100 data sets of 1000 points from three Gaussians in ten
## dimensions, a 100-layer model per data set, 5, 10, 15 and 20 percent of
## the layers of each third permuted, 20 random permutations per third and
## fraction.
##
## Run from the package root (it sources inst/scripts/figure1-common.R), with mlnmf installed (R CMD INSTALL .):
##     Rscript inst/scripts/figure1.R
## It writes inst/extdata/figure1.rds (about 140 KB), which
## vignettes/figure1.Rmd loads.  Set MLNMF_CORES to change the number of
## worker processes (default 2; parallel::mclapply, so 1 on Windows), and
## MLNMF_FIG1_OUT the file written (for timing runs under another BLAS).
##
## Reproducibility: data set i is simulated and fitted after set.seed(i) in
## its worker, and its permutations draw from their own stream,
## permutation_test(seed = 100000 + i), so the results do not depend on the
## number of cores or on which worker gets which data set.  The results
## depend on the BLAS (deep layers amplify rounding): inst/scripts/
## figure1-check.R reruns 10 data sets and compares them with the shipped
## ones.
##
## Besides the main reading of the protocol (fractions of a third's
## layers, every drawn layer moves), every fit is also permuted under the
## other readings of the file figure1-common.R (fractions of all L layers;
## drawn layers shuffled, so some may stay): $readings.
##
## Settings.  The paper does not give the rank.  A quick look at ranks 3, 5,
## 8 and 10 (inst/scripts/figure1-sensitivity.R does it on 15 data sets)
## gives the main setting rank = 10 = d: it is the only rank at which every
## layer of every third, F1 included, is square and can trade places with
## any other, which is what the paper's protocol describes; at ranks below
## d the first layer is d x k and stays in place.  Solver, start,
## normalisation, maxit and tol are the installed package's defaults (none
## is given to mlnmf()); the values the fits used are stored in $settings
## and the package's stamp (version, defaults, a probe of the stopping rule)
## in $stamp, which the vignette and tests/testthat/test-shipped.R compare
## with the installed package.
##
## The run records its own timing, load average and session in $timing and
## $session, prints them at the end, and the vignette quotes them.

library(mlnmf)
library(parallel)
source(file.path("inst", "scripts", "figure1-common.R"))

## No solver setting (method, init, normalize, maxit, tol) is given: the fits
## use the installed package's defaults, which are recorded in the result
## ($settings, from the fits, and $stamp, which tests/testthat/test-shipped.R
## compares with the installed package).
settings <- list(datasets = 100L, n = 1000L, d = 10L, clusters = 3L,
                 sd = 1, spread = 10, layers = 100L, rank = 10L, groups = 3L,
                 fraction = c(0.05, 0.10, 0.15, 0.20), reps = 20L,
                 entries = 1000 * 10,
                 seeds = "set.seed(i) for data set i, before simulating; permutation_test(seed = 100000 + i)")
cores <- as.integer(Sys.getenv("MLNMF_CORES", "2"))
if (.Platform$OS.type == "windows") cores <- 1L



cat(sprintf("Figure 1: %d data sets, %d layers of rank %d, on %d core%s\n",
            settings$datasets, settings$layers, settings$rank, cores,
            if (cores > 1L) "s" else ""))
loadavg <- function() tryCatch(scan("/proc/loadavg", what = "", n = 3L, quiet = TRUE),
                                error = function(e) rep(NA_character_, 3L))
load_start <- loadavg()
start <- proc.time()
runs <- mclapply(seq_len(settings$datasets), figure1_dataset, s = settings,
                 mc.cores = cores, mc.preschedule = FALSE)
elapsed <- (proc.time() - start)[["elapsed"]]
load_end <- loadavg()
failed <- vapply(runs, inherits, NA, "try-error")
if (any(failed))
  stop(sprintf("data sets %s failed: %s", paste(which(failed), collapse = ", "),
               conditionMessage(attr(runs[[which(failed)[1L]]], "condition"))))

## Per-layer summaries over the data sets (keeps the file small).
layer_summary <- function(M) {
  q <- apply(M, 1L, quantile, c(0.25, 0.5, 0.75), na.rm = TRUE)
  data.frame(layer = seq_len(nrow(M)), mean = rowMeans(M), q25 = q[1L, ],
             median = q[2L, ], q75 = q[3L, ])
}
LE <- vapply(runs, `[[`, numeric(settings$layers), "layer_error")
ID <- vapply(runs, function(r) r$diagnostics[, "identity_dist"], numeric(settings$layers))
PK <- vapply(runs, function(r) r$diagnostics[, "peak"], numeric(settings$layers))

si <- sessionInfo()
blas <- if (!is.null(si$BLAS)) si$BLAS else extSoftVersion()[["BLAS"]]
used <- runs[[1L]]$used
stopifnot(all(vapply(runs, function(r) identical(r$used, used), NA)))
result <- list(
  settings = c(settings, used),
  table = do.call(rbind, lapply(runs, `[[`, "table")),
  readings = list(settings = readings,
                  table = do.call(rbind, lapply(runs, `[[`, "readings"))[
                    , c("reading", "dataset", "block", "fraction", "n_moved",
                        "mse_mean", "rel_error_mean")]),
  datasets = do.call(rbind, lapply(runs, `[[`, "dataset")),
  blocks = do.call(rbind, lapply(runs, `[[`, "blocks")),
  thresholds = c(near_identity = near_identity, near_monomial = near_monomial),
  layers = list(rel_error = layer_summary(LE), identity_dist = layer_summary(ID),
                peak = layer_summary(PK)),
  timing = list(elapsed = elapsed, cores = cores,
                loadavg_start = load_start, loadavg_end = load_end,
                fit_seconds = sum(vapply(runs, function(r) r$dataset$fit_seconds, 0)),
                perm_seconds = sum(vapply(runs, function(r) r$dataset$perm_seconds, 0))),
  session = list(R = R.version.string, platform = si$platform,
                 running = si$running, BLAS = blas, LAPACK = si$LAPACK,
                 mlnmf = as.character(packageVersion("mlnmf")),
                 cpu = tryCatch({
                   x <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1L]
                   if (is.na(x)) NA_character_ else sub("^model name\\s*:\\s*", "", x)
                 }, error = function(e) NA_character_),
                 cores_available = detectCores(), date = format(Sys.time(), "%Y-%m-%d")),
  stamp = mlnmf:::results_stamp(settings))

out <- Sys.getenv("MLNMF_FIG1_OUT", file.path("inst", "extdata", "figure1.rds"))
if (!dir.exists(dirname(out))) out <- "figure1.rds"
saveRDS(result, out, compress = "xz")

cat(sprintf("Done in %.1f s elapsed on %d cores (fits %.1f s, permutations %.1f s of CPU time in the workers)\n",
            elapsed, cores, result$timing$fit_seconds, result$timing$perm_seconds))
cat("Load average (1, 5, 15 min) at start:", load_start, " at end:", load_end, "\n")
cat("BLAS:  ", blas, "\nLAPACK:", si$LAPACK, "\n")
cat(sprintf("Saved %s (%.0f KB)\n", out, file.size(out) / 1024))
print(aggregate(cbind(error_mean, mse_mean, excess_mean, rel_error_mean) ~ block + fraction,
                data = result$table, FUN = mean))
cat("Median over data sets of the mean MSE per entry, by third:\n")
print(medians_by_third(result$table))
