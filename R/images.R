## The data rebuilt from a fit with its layers in a given order:
##     X_hat = F_o[1] F_o[2] ... F_o[L] G_L,
## the matrix whose error permutation_test() measures, for looking at it
## (the Figure 2 vignette shows it as an image).  Only layers of the same
## shape may trade places, so the chain stays defined.

reconstruct <- function(fit, order = seq_len(fit$layers), dense = NULL) {
  check_fit(fit, "fit")
  L <- fit$layers
  order <- check_order(order, fit$F)
  dense_guard(fit, dense, "reconstruct")
  out <- fit$G[[L]]
  for (j in rev(seq_len(L))) out <- fit$F[[order[j]]] %*% out
  dimnames(out) <- list(rownames(fit$F[[1L]]), colnames(fit$G[[1L]]))
  out
}

## 'order' must be a permutation of 1..L that puts every layer at a position
## whose own layer has the same dimensions.
check_order <- function(order, Fs) {
  L <- length(Fs)
  if (!is.numeric(order) || length(order) != L || anyNA(order) ||
      !is_whole(order) || !setequal(order, seq_len(L)) || anyDuplicated(order))
    stopf("'order' must be a permutation of 1..%d (one entry per layer, each layer once)", L)
  order <- as.integer(order)
  shape <- vapply(Fs, function(f) paste(dim(f), collapse = " x "), "")
  bad <- which(shape[order] != shape)
  if (length(bad))
    stopf("'order' puts layer %d (%s) at position %d (%s): only layers of the same shape can trade places",
          order[bad[1L]], shape[order[bad[1L]]], bad[1L], shape[bad[1L]])
  order
}
