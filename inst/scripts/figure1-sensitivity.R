## Sensitivity of the Figure 1 ordering (error after permuting layers of the
## first third > second third > last third) to the choices the paper leaves
## open: rank, solver, start, normalisation and iterations per layer.
##
## Part 1 ("choices"): each setting changes one choice of the main setting
## of figure1.R (rank 10, HALS, NNDSVD, l1 normalisation, maxit 500) and is
## run on the first 15 data sets of figure1.R (same seeds, so the "main"
## rows repeat its first 15 data sets), with the same protocol (100 layers,
## thirds, fractions 5 to 20 percent, 20 permutations each).
##
## Part 2 ("grid"): every combination of solver (HALS with the default
## extrapolation, HALS without it, plain Lee-Seung multiplicative updates
## with inner_max = 1), normalisation (none, l1, l2, max), start (random,
## NNDSVD; NNDSVDa for the multiplicative updates, whose zeros would never
## move) and iterations per layer (200, 1000), on the first 10 data sets.
## Lee-Seung MU from a random start without normalisation is the paper's
## likely setting.
##
## Every fit whose unpermuted relative error ||X - F1...FL GL|| / ||X|| is
## above 0.2 (or that fails) is flagged "broken": its permutation errors say
## how bad the model is, not how much the order of its layers matters.
##
## Run from the package root (it sources inst/scripts/figure1-common.R), with mlnmf installed:
##     Rscript inst/scripts/figure1-sensitivity.R
## It writes inst/extdata/figure1-sensitivity.rds, loaded by
## vignettes/figure1.Rmd.  MLNMF_CORES sets the number of workers (default 2).
## The run time is stored in the result ($timing) and printed at the end.
## The shipped results record their build, BLAS and times ($stamp,
## $session, $timing; the vignette quotes them).  No grid fit failed; the
## broken ones are flagged, not dropped.

library(mlnmf)
library(parallel)
source(file.path("inst", "scripts", "figure1-common.R"))

base <- list(rank = 10L, method = "hals", init = "nndsvd", normalize = "l1",
             maxit = 500L)
vary <- list(rank = list(3L, 5L, 8L),
             init = list("nndsvda", "nndsvdar", "random"),
             normalize = list("none", "l2", "max"),
             method = list("mu", "kl"),
             maxit = list(5L, 20L, 100L))
configs <- list(c(list(name = "main", factor = "main"), base))
for (f in names(vary)) for (v in vary[[f]]) {
  s <- base
  s[[f]] <- v
  ## the multiplicative solvers start from NNDSVDa (their default)
  if (f == "method") s$init <- "nndsvda"
  configs[[length(configs) + 1L]] <- c(list(name = sprintf("%s = %s", f, v), factor = f), s)
}
common <- list(datasets = 15L, n = 1000L, d = 10L, clusters = 3L, layers = 100L,
               tol = 1e-5, fraction = c(0.05, 0.10, 0.15, 0.20), reps = 20L)
cores <- as.integer(Sys.getenv("MLNMF_CORES", "2"))
if (.Platform$OS.type == "windows") cores <- 1L
broken_rel <- 0.2
## MLNMF_SENS_QUICK=1: a smoke test of the script (2 data sets, 12 layers)
quick <- nzchar(Sys.getenv("MLNMF_SENS_QUICK"))
if (quick) { common$datasets <- 2L; common$layers <- 12L }



one_run <- function(job) {
  cfg <- configs[[job$config]]
  i <- job$dataset
  set.seed(i)
  X <- simulate_gaussian_mixture(common$n, common$d, common$clusters)
  t0 <- proc.time()[["elapsed"]]
  fit <- suppressWarnings(
    mlnmf(X, rank = cfg$rank, layers = common$layers, method = cfg$method,
          init = cfg$init, normalize = cfg$normalize, maxit = cfg$maxit,
          tol = common$tol, progress = FALSE))
  secs <- proc.time()[["elapsed"]] - t0
  p <- permutation_test(fit, fraction = common$fraction, reps = common$reps,
                        seed = perm_seed(i))
  b <- attr(p, "unpermuted")
  excess <- p$error - b[["error"]]
  key <- list(block = p$block, fraction = p$fraction)
  lev <- expand.grid(block = levels(p$block), fraction = common$fraction,
                     KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
  dg <- layer_diagnostics(fit)
  blocks <- attr(p, "blocks")
  list(
    table = data.frame(config = cfg$name, dataset = i, block = lev$block,
                       fraction = lev$fraction,
                       excess_mean = as.vector(tapply(excess, key, mean)),
                       mse_mean = as.vector(tapply(p$mse, key, mean)),
                       rel_error_mean = as.vector(tapply(p$rel_error, key, mean)),
                       stringsAsFactors = FALSE),
    blocks = cbind(config = cfg$name, dataset = i, block_diagnostics(dg, blocks)),
    fit = data.frame(config = cfg$name, dataset = i, unpermuted = b[["error"]],
                     unpermuted_mse = b[["mse"]],
                     unpermuted_rel = b[["rel_error"]],
                     broken = b[["rel_error"]] > broken_rel,
                     converged = sum(fit$converged), iter_total = sum(fit$iter),
                     seconds = secs, stringsAsFactors = FALSE),
    identity_dist = dg[, "identity_dist"], peak = dg[, "peak"])
}

jobs <- expand.grid(dataset = seq_len(common$datasets), config = seq_along(configs))
jobs <- split(jobs, seq_len(nrow(jobs)))
## slow settings first, so the two workers finish together
cost <- vapply(jobs, function(j) switch(configs[[j$config]]$method, kl = 8, mu = 2, 1), 0)
jobs <- jobs[order(-cost)]
cat(sprintf("Sensitivity: %d settings x %d data sets on %d cores\n",
            length(configs), common$datasets, cores))
start <- proc.time()
runs <- mclapply(jobs, one_run, mc.cores = cores, mc.preschedule = FALSE)
elapsed <- (proc.time() - start)[["elapsed"]]
failed <- vapply(runs, inherits, NA, "try-error")
if (any(failed)) stop("some runs failed: ", conditionMessage(attr(runs[[which(failed)[1L]]], "condition")))

names_cfg <- vapply(configs, `[[`, "", "name")
per_layer <- function(what) {
  do.call(rbind, lapply(names_cfg, function(nm) {
    M <- do.call(cbind, lapply(runs[vapply(runs, function(r) r$fit$config == nm, NA)],
                               `[[`, what))
    data.frame(config = nm, layer = seq_len(nrow(M)), mean = rowMeans(M),
               median = apply(M, 1L, median), stringsAsFactors = FALSE)
  }))
}
## ---- Part 2: the solver grid -------------------------------------------
grid <- expand.grid(maxit = c(200L, 1000L), init = c("nndsvd", "random"),
                    normalize = c("none", "l1", "l2", "max"),
                    solver = c("hals", "hals-noextrap", "mu-plain"),
                    KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
grid <- grid[, c("solver", "normalize", "init", "maxit")]
grid$method <- ifelse(grid$solver == "mu-plain", "mu", "hals")
grid$extrapolate <- grid$solver == "hals"
grid$inner_max <- ifelse(grid$solver == "mu-plain", 1L, 50L)
grid$start <- ifelse(grid$init == "nndsvd" & grid$method == "mu", "nndsvda", grid$init)
grid$paper_setting <- grid$solver == "mu-plain" & grid$init == "random" &
  grid$normalize == "none"
grid$setting <- sprintf("%s / %s / %s / %d", grid$solver, grid$normalize,
                        grid$start, grid$maxit)
grid_datasets <- if (quick) 1L else 10L

grid_run <- function(job) {
  g <- grid[job$row, ]
  i <- job$dataset
  set.seed(i)
  X <- simulate_gaussian_mixture(common$n, common$d, common$clusters)
  t0 <- proc.time()[["elapsed"]]
  fit <- tryCatch(suppressWarnings(
    mlnmf(X, rank = 10L, layers = common$layers, method = g$method,
          init = g$start, normalize = g$normalize, maxit = g$maxit,
          tol = common$tol, progress = FALSE,
          control = list(extrapolate = g$extrapolate, inner_max = g$inner_max))),
    error = function(e) e)
  secs <- proc.time()[["elapsed"]] - t0
  row <- data.frame(setting = g$setting, dataset = i, failed = inherits(fit, "error"),
                    message = if (inherits(fit, "error")) conditionMessage(fit) else "",
                    first_layer_rel = NA_real_, unpermuted_rel = NA_real_,
                    unpermuted_mse = NA_real_, mse_A1 = NA_real_, mse_A2 = NA_real_,
                    mse_A3 = NA_real_, excess_A1 = NA_real_, excess_A2 = NA_real_,
                    excess_A3 = NA_real_, near_I_A3 = NA_real_, seconds = secs,
                    stringsAsFactors = FALSE)
  if (!row$failed) {
    p <- permutation_test(fit, fraction = common$fraction, reps = common$reps,
                          seed = perm_seed(i))
    b <- attr(p, "unpermuted")
    m <- tapply(p$mse, p$block, mean)
    row$first_layer_rel <- fit$error[1L]
    row$unpermuted_rel <- b[["rel_error"]]
    row$unpermuted_mse <- b[["mse"]]
    row[c("mse_A1", "mse_A2", "mse_A3")] <- as.list(unname(m))
    row[c("excess_A1", "excess_A2", "excess_A3")] <- as.list(unname(m - b[["mse"]]))
    dg <- layer_diagnostics(fit)
    row$near_I_A3 <- mean(dg[attr(p, "blocks")$A3, "identity_dist"] < near_identity)
  }
  row
}
gjobs <- expand.grid(dataset = seq_len(grid_datasets), row = seq_len(nrow(grid)))
gjobs <- split(gjobs, seq_len(nrow(gjobs)))
gcost <- vapply(gjobs, function(j) (if (grid$method[j$row] == "mu") 3 else 1) *
                  grid$maxit[j$row], 0)
gjobs <- gjobs[order(-gcost)]
cat(sprintf("Solver grid: %d settings x %d data sets on %d cores\n",
            nrow(grid), grid_datasets, cores))
gstart <- proc.time()
gruns <- mclapply(gjobs, grid_run, mc.cores = cores, mc.preschedule = FALSE)
gelapsed <- (proc.time() - gstart)[["elapsed"]]
gfailed <- vapply(gruns, inherits, NA, "try-error")
if (any(gfailed)) stop("some grid runs failed: ",
                       conditionMessage(attr(gruns[[which(gfailed)[1L]]], "condition")))
gfits <- do.call(rbind, gruns)
gfits$broken <- gfits$failed | gfits$unpermuted_rel > broken_rel
gfits <- gfits[order(match(gfits$setting, grid$setting), gfits$dataset), ]
rownames(gfits) <- NULL

si <- sessionInfo()
result <- list(
  configs = do.call(rbind, lapply(configs, function(cf)
    data.frame(config = cf$name, factor = cf$factor, rank = cf$rank,
               method = cf$method, init = cf$init, normalize = cf$normalize,
               maxit = cf$maxit, stringsAsFactors = FALSE))),
  common = common,
  thresholds = c(near_identity = near_identity, near_monomial = near_monomial),
  table = do.call(rbind, lapply(runs, `[[`, "table")),
  blocks = do.call(rbind, lapply(runs, `[[`, "blocks")),
  fits = do.call(rbind, lapply(runs, `[[`, "fit")),
  layers = list(identity_dist = per_layer("identity_dist"), peak = per_layer("peak")),
  broken_rel = broken_rel,
  grid = list(settings = grid, datasets = grid_datasets, fits = gfits,
              elapsed = gelapsed),
  timing = list(elapsed = elapsed, grid_elapsed = gelapsed, cores = cores),
  session = list(R = R.version.string,
                 BLAS = if (!is.null(si$BLAS)) si$BLAS else extSoftVersion()[["BLAS"]],
                 date = format(Sys.time(), "%Y-%m-%d")))
result$stamp <- mlnmf:::results_stamp(list(common = common, configs = result$configs,
                                            grid = grid))
for (nm in c("table", "blocks", "fits"))
  result[[nm]] <- result[[nm]][order(match(result[[nm]]$config, names_cfg),
                                     result[[nm]]$dataset), ]

out <- Sys.getenv("MLNMF_SENS_OUT", file.path("inst", "extdata", "figure1-sensitivity.rds"))
if (!dir.exists(dirname(out))) out <- "figure1-sensitivity.rds"
saveRDS(result, out, compress = "xz")
cat(sprintf("Done in %.1f + %.1f s elapsed on %d cores; saved %s (%.0f KB)\n",
            elapsed, gelapsed, cores, out, file.size(out) / 1024))
print(aggregate(cbind(broken, unpermuted_rel, mse_A1, mse_A2, mse_A3) ~ setting,
                data = transform(gfits, broken = as.numeric(broken)), FUN = median,
                na.action = na.pass))
m <- with(result$table, tapply(excess_mean, list(paste(config, dataset), block), mean))
cfg <- sub(" [0-9]+$", "", rownames(m))
print(data.frame(ordered = tapply(m[, 1] > m[, 2] & m[, 2] > m[, 3], cfg, mean)))
