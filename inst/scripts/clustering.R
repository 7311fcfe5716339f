## Precomputes the heavy part of the "clustering" vignette (issue 20):
## nmf_rank() on the shipped Golub data, ranks 2 to 5, 30 runs each, KL,
## against column-permuted data; the 30-run fit at rank 3; a two-layer
## cascade with 30 runs.  Saves inst/extdata/clustering.rds with the
## package version, the settings, the machine and the timings.
## Run from the package root:  Rscript inst/scripts/clustering.R
library(mlnmf)
data(golub)
X <- golub$expr
settings <- list(ranks = 2:5, nrun = 30L, method = "kl", reps = 3L,
                 fraction = 0.1, seed = 1L, null = TRUE, ml_rank = c(4L, 3L))
t_rank <- system.time(
  survey <- nmf_rank(X, settings$ranks, nrun = settings$nrun, null = settings$null,
                     reps = settings$reps, fraction = settings$fraction,
                     method = settings$method, seed = settings$seed))
t_fit <- system.time(
  fit <- nmf(X, 3, method = settings$method, nrun = settings$nrun, seed = settings$seed))
t_ml <- system.time(
  ml <- mlnmf(X, settings$ml_rank, method = settings$method, nrun = settings$nrun,
              seed = settings$seed))
strip <- function(f) { f$data <- NULL; f$trace <- NULL; f$call <- NULL; f }
result <- list(survey = survey, fit = strip(fit), ml = strip(ml), settings = settings,
               timing = c(nmf_rank = t_rank[["elapsed"]], fit = t_fit[["elapsed"]],
                          mlnmf = t_ml[["elapsed"]]),
               cpu = c(nmf_rank = t_rank[["user.self"]], fit = t_fit[["user.self"]],
                       mlnmf = t_ml[["user.self"]]),
               machine = list(R = R.version.string,
                              mlnmf = as.character(packageVersion("mlnmf")),
                              blas = extSoftVersion()[["BLAS"]],
                              cores = parallel::detectCores(),
                              loadavg = readLines("/proc/loadavg"),
                              plan = if (requireNamespace("future", quietly = TRUE))
                                setdiff(class(future::plan()), c("FutureStrategy", "tweaked"))[1L]
                              else "none",
                              date = format(Sys.time(), tz = "UTC", usetz = TRUE)))
out <- file.path("inst", "extdata", "clustering.rds")
saveRDS(result, out, compress = "xz")
cat("saved", out, "\n")
print(survey)
print(result$timing)
