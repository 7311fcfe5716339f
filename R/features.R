## The features that define each component (issue 20): feature_score() and
## extract_features(), Kim and Park (2007) as the NMF package computes them,
## on the basis of any layer (the prototypes F1...Fi, d x k_i).
##
##   score of feature g:  1 + (1 / log2 k) sum_c p_gc log2 p_gc,
##                        p_gc = F_gc / sum_c F_gc       (0 log 0 = 0)
## 1 when the feature loads on one component only, 0 when it loads on all
## equally (and 0 for a feature with no loading at all).
##
## extract_features(method = "kim"): the features with score >=
## median + 3 MAD of the scores whose largest loading is at least the
## median loading, each assigned to the component of that largest loading,
## by decreasing score.  method = "max": for component c, the features by
## decreasing loading on c until the first one whose loading on another
## component is at least as large.

layer_basis <- function(fit, layer) {
  if (!inherits(fit, "mlnmf"))
    stopf("'fit' must be a fit of mlnmf() or nmf(), not %s", describe(fit))
  check_fit(fit, "fit")
  if (!is.numeric(layer) || length(layer) != 1L || !is_whole(layer) ||
      layer < 1 || layer > fit$layers)
    stopf("'layer' must be a single whole number from 1 to %d (the layers of 'fit'), not %s",
          as.integer(fit$layers), if (is.numeric(layer)) short_value(layer) else describe(layer))
  P <- prototypes(fit, layer)
  if (is.null(rownames(P))) rownames(P) <- rownames(fit$F[[1L]])
  P
}

feature_score <- function(fit, layer = 1L) {
  score_kim(layer_basis(fit, layer))
}

score_kim <- function(P) {
  k <- ncol(P)
  s <- rowSums(P)
  p <- P / ifelse(s > 0, s, 1)
  e <- rowSums(ifelse(p > 0, p * log2(p), 0))
  out <- if (k > 1L) 1 + e / log2(k) else rep(1, nrow(P))
  out[!(s > 0)] <- 0
  names(out) <- rownames(P)
  out
}

extract_features <- function(fit, layer = 1L, method = c("kim", "max")) {
  P <- layer_basis(fit, layer)
  method <- check_choice(method, c("kim", "max"), "method")
  k <- ncol(P)
  res <- if (method == "kim") {
    s <- score_kim(P)
    th <- stats::median(s) + 3 * stats::mad(s)
    top <- max.col(P, ties.method = "first")
    big <- P[cbind(seq_len(nrow(P)), top)] >= stats::median(P)
    sel <- which(s >= th & big)
    sel <- sel[order(s[sel], decreasing = TRUE)]
    out <- split(sel, factor(top[sel], levels = seq_len(k)))
    attr(out, "threshold") <- th
    out
  } else {
    lapply(seq_len(k), function(c) {
      o <- order(P[, c], decreasing = TRUE)
      other <- if (k > 1L) apply(P[o, -c, drop = FALSE], 1L, max) else rep(-Inf, length(o))
      stop_at <- which(other >= P[o, c])[1L]
      if (is.na(stop_at)) o else o[seq_len(stop_at - 1L)]
    })
  }
  th <- attr(res, "threshold")
  res <- lapply(unname(res), function(i) {
    i <- as.integer(i)
    names(i) <- rownames(P)[i]
    i
  })
  names(res) <- colnames(P)
  structure(res, method = method, layer = as.integer(layer), threshold = th)
}
