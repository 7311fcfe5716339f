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
