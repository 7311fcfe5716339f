## The paper's synthetic data: a mixture of spherical Gaussians, shifted to
## be nonnegative.  R's RNG only, so set.seed() reproduces it.

simulate_gaussian_mixture <- function(n = 1000L, d = 10L, clusters = 3L,
                                      sd = 1, spread = 10, proportions = NULL) {
  n <- check_count(n, "n")
  d <- check_count(d, "d")
  clusters <- check_count(clusters, "clusters")
  sd <- check_number(sd, "sd", lower = 0)
  spread <- check_number(spread, "spread", lower = 0)
  ## sizes before anything proportional to them is allocated: a matrix of
  ## at most 2^31 - 1 entries (16 GB); and scales that keep every entry
  ## finite (|rnorm| < 40 for each of R's normal generators, and the shift
  ## adds at most as much again)
  if (as.double(d) * n > .max_sim_entries || as.double(d) * clusters > .max_sim_entries)
    stopf("'d' * 'n' and 'd' * 'clusters' must be at most %d entries, not %.0f",
          .max_sim_entries, max(as.double(d) * n, as.double(d) * clusters))
  if (!(spread + 80 * sd <= .Machine$double.xmax))
    stopf("'sd' = %g and 'spread' = %g give entries beyond the largest double (spread + 80 * sd must be at most %g)",
          sd, spread, .Machine$double.xmax)
  if (is.null(proportions)) {
    proportions <- rep(1 / clusters, clusters)
  } else {
    if (!is.numeric(proportions) || length(proportions) != clusters ||
        any(!is.finite(proportions)) || any(proportions < 0) ||
        sum(proportions) <= 0)
      stopf("'proportions' must be %d finite nonnegative numbers (one per cluster) with a positive sum",
            clusters)
    proportions <- proportions / sum(proportions)
  }

  centers <- matrix(stats::runif(d * clusters, 0, spread), d, clusters)
  labels <- sample.int(clusters, n, replace = TRUE, prob = proportions)
  ## in blocks of about 2^20 entries, so an interrupt is answered at once;
  ## rnorm draws the same stream in blocks as in one call
  X <- matrix(0, d, n)
  step <- max(1L, (2^20) %/% d)
  for (j0 in seq(1L, n, by = step)) {
    cols <- j0:min(n, j0 + step - 1L)
    X[, cols] <- centers[, labels[cols], drop = FALSE] +
      stats::rnorm(d * length(cols), 0, sd)
  }
  shift <- max(0, -min(X))
  X <- X + shift
  if (!is.finite(max(X)))                     # the bound above should hold
    stopf("'sd' = %g and 'spread' = %g gave entries beyond the largest double", sd, spread)
  dimnames(X) <- NULL
  dimnames(centers) <- list(NULL, paste0("cluster", seq_len(clusters)))
  attr(X, "labels") <- labels
  attr(X, "centers") <- centers + shift
  attr(X, "shift") <- shift
  X
}
