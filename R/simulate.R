## The paper's synthetic data: a mixture of spherical Gaussians, shifted to
## be nonnegative.  R's RNG only, so set.seed() reproduces it.

simulate_gaussian_mixture <- function(n = 1000L, d = 10L, clusters = 3L,
                                      sd = 1, spread = 10, proportions = NULL) {
  n <- check_count(n, "n")
  d <- check_count(d, "d")
  clusters <- check_count(clusters, "clusters")
  sd <- check_number(sd, "sd", lower = 0)
  spread <- check_number(spread, "spread", lower = 0)
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
  X <- centers[, labels, drop = FALSE] + matrix(stats::rnorm(d * n, 0, sd), d, n)
  shift <- max(0, -min(X))
  X <- X + shift
  dimnames(X) <- NULL
  dimnames(centers) <- list(NULL, paste0("cluster", seq_len(clusters)))
  attr(X, "labels") <- labels
  attr(X, "centers") <- centers + shift
  attr(X, "shift") <- shift
  X
}
