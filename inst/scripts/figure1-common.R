## Layer diagnostics shared by figure1.R and figure1-sensitivity.R (sourced
## by both; run them from the package root).

## Thresholds for "close to the identity" and "close to a scaled permutation".
near_identity <- 0.05
near_monomial <- 0.99

## Per-layer diagnostics of the square layers: distance to the identity
## ||F - I||_F / ||I||_F, and the share of each column's mass on its largest
## entry (1 for a scaled permutation matrix), averaged over columns.
layer_diagnostics <- function(fit) {
  t(vapply(fit$F, function(F) {
    c(identity_dist = if (nrow(F) == ncol(F))
        sqrt(sum((F - diag(ncol(F)))^2) / ncol(F)) else NA_real_,
      peak = mean(apply(F, 2L, max) / pmax(colSums(F), .Machine$double.xmin)))
  }, c(identity_dist = 0, peak = 0)))
}

## Per third (blocks: the layer indices of each, from permutation_test()):
## mean distance to the identity, share of layers near the identity, share
## of near-monomial layers.
block_diagnostics <- function(dg, blocks) {
  data.frame(block = names(blocks),
             identity_dist = vapply(blocks, function(b)
               mean(dg[b, "identity_dist"], na.rm = TRUE), 0),
             share_identity = vapply(blocks, function(b)
               mean(dg[b, "identity_dist"] < near_identity, na.rm = TRUE), 0),
             share_monomial = vapply(blocks, function(b)
               mean(dg[b, "peak"] > near_monomial), 0),
             stringsAsFactors = FALSE)
}

## The readings of the protocol that figure1.R evaluates on every fit (the
## paper's text allows each; see ?permutation_test and the vignette).  The
## first is the main one, the vignette's Figure 1.
readings <- list(
  "block, all move"    = list(fraction_of = "block",  move_all = TRUE),
  "layers, all move"   = list(fraction_of = "layers", move_all = TRUE),
  "block, shuffled"    = list(fraction_of = "block",  move_all = FALSE),
  "layers, shuffled"   = list(fraction_of = "layers", move_all = FALSE))

## The permutations of data set i draw from their own stream, distinct from
## the data's (set.seed(i)): permutation_test(seed = perm_seed(i)).
perm_seed <- function(i) 100000L + i

## Per data set, third and fraction: mean and sd over the permutations of
## the squared error, of the mean squared error per entry (squared error /
## (d N)), of the excess over the unpermuted model, and of the relative error.
aggregate_permutations <- function(p, i, fraction) {
  base <- attr(p, "unpermuted")
  key <- list(block = p$block, fraction = p$fraction)
  agg <- function(v, f) as.vector(tapply(v, key, f))
  lev <- expand.grid(block = levels(p$block), fraction = fraction,
                     KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
  excess <- p$error - base[["error"]]
  data.frame(dataset = i, block = lev$block, fraction = lev$fraction,
             n_moved = agg(p$n_moved, mean),
             error_mean = agg(p$error, mean), error_sd = agg(p$error, sd),
             mse_mean = agg(p$mse, mean), mse_median = agg(p$mse, median),
             excess_mean = agg(excess, mean), excess_sd = agg(excess, sd),
             rel_error_mean = agg(p$rel_error, mean),
             rel_error_sd = agg(p$rel_error, sd),
             stringsAsFactors = FALSE)
}

## The solver settings that s gives explicitly; those it leaves out (NULL)
## take the installed package's defaults, which the fit records
## (fit$method, fit$init, ..., fit$tol) and the stamp of the results keeps.
solver_keys <- c("method", "init", "normalize", "maxit", "tol")
solver_args <- function(s) Filter(Negate(is.null), s[solver_keys])

## One data set of Figure 1 (settings s as in figure1.R): simulate after
## set.seed(i), fit, run the main reading and (all_readings = TRUE) the
## other readings of the protocol on the same fit.
figure1_dataset <- function(i, s, all_readings = TRUE) {
  set.seed(i)
  X <- simulate_gaussian_mixture(s$n, s$d, s$clusters, sd = s$sd, spread = s$spread)
  t0 <- proc.time()[["elapsed"]]
  fit <- suppressWarnings(do.call(mlnmf, c(list(X, rank = s$rank, layers = s$layers,
                                                 progress = FALSE), solver_args(s))))
  t1 <- proc.time()[["elapsed"]]
  run <- function(rd) permutation_test(fit, groups = s$groups, fraction = s$fraction,
                                       reps = s$reps, seed = perm_seed(i),
                                       fraction_of = rd$fraction_of,
                                       move_all = rd$move_all)
  p <- run(readings[[1L]])
  t2 <- proc.time()[["elapsed"]]
  base <- attr(p, "unpermuted")
  other <- if (all_readings) do.call(rbind, lapply(names(readings)[-1L], function(nm)
    cbind(reading = nm, aggregate_permutations(run(readings[[nm]]), i, s$fraction),
          stringsAsFactors = FALSE)))
  dg <- layer_diagnostics(fit)
  list(table = aggregate_permutations(p, i, s$fraction),
       readings = other,
       blocks = cbind(dataset = i, block_diagnostics(dg, attr(p, "blocks"))),
       dataset = data.frame(dataset = i, norm2 = attr(p, "norm2"),
                            unpermuted = base[["error"]],
                            unpermuted_mse = base[["mse"]],
                            unpermuted_rel = base[["rel_error"]],
                            first_layer_rel = fit$error[1L],
                            converged = sum(fit$converged),
                            maxit_hit = sum(fit$iter >= fit$maxit),
                            iter_total = sum(fit$iter),
                            fit_seconds = t1 - t0, perm_seconds = t2 - t1),
       layer_error = fit$error,
       used = fit[solver_keys],
       diagnostics = dg)
}

## Medians over data sets of the per-data-set mean MSE per entry, by third
## (averaged over the fractions first), as the check script compares them.
medians_by_third <- function(tab) {
  per <- tapply(tab$mse_mean, list(tab$dataset, tab$block), mean)
  apply(per, 2L, median)
}
