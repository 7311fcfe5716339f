## Consensus clustering of restarts (issue 20): consensus(), cophenetic(),
## dispersion(), silhouette_widths(), clusters().
##
## A fit with nrun > 1 keeps, for every run and every layer i, the cluster
## of each sample: the component with the largest entry of the sample's
## column of G_i after the components are scaled so that the columns of the
## prototypes F1...Fi sum to one (NMF's predict() on a fit normalised that
## way).  They are kept in fit$memberships[[i]], an N x nrun raw matrix
## (0 = the run has no layer i, with layers = "auto"); one byte per sample
## and run, so nrun = 100 on 100000 samples keeps 10 MB per layer.
##
##   connectivity of run r:  M_r[a, b] = 1 if samples a and b share a cluster
##   consensus:              C = mean over the runs of M_r
##   cophenetic coefficient: cor(1 - C, the cophenetic distances of the
##                           average-linkage tree of 1 - C)     (Brunet 2004)
##   dispersion:             sum(4 (C - 1/2)^2) / N^2         (Kim, Park 2007)
##   silhouette width of a:  (b_a - a_a) / max(a_a, b_a), with the
##                           dissimilarity 1 - C and the consensus clusters
##                           (the tree cut at the layer's rank)

## The memberships of one fit: a list with one integer vector per layer.
fit_memberships <- function(fit) {
  P <- NULL
  lapply(seq_len(fit$layers), function(i) {
    P <<- if (is.null(P)) fit$F[[1L]] else P %*% fit$F[[i]]
    s <- colSums(P)
    s[!(s > 0)] <- 1
    max.col(t(fit$G[[i]] * s), ties.method = "first")
  })
}

## Per-layer N x nrun raw matrices from the runs' membership lists.
stack_memberships <- function(mem, N) {
  L <- max(lengths(mem))
  lapply(seq_len(L), function(i) {
    M <- matrix(as.raw(0L), N, length(mem))
    for (r in seq_along(mem))
      if (length(mem[[r]]) >= i) M[, r] <- as.raw(mem[[r]][[i]])
    M
  })
}

## The checks shared by every consensus function: a fit with the
## memberships of at least two runs at 'layer'.
consensus_runs <- function(fit, layer, arg = "fit") {
  if (!inherits(fit, "mlnmf"))
    stopf("'%s' must be a fit of mlnmf() or nmf(), not %s", arg, describe(fit))
  mem <- fit$memberships
  if (is.null(mem) || !is.list(mem) || ncol(mem[[1L]]) < 2L)
    stopf("'%s' must be a fit with nrun > 1 (the consensus is over restarts): refit with e.g. nrun = 30",
          arg)
  if (is.null(layer)) layer <- 1L
  if (!is.numeric(layer) || length(layer) != 1L || !is_whole(layer) ||
      layer < 1 || layer > length(mem))
    stopf("'layer' must be a single whole number from 1 to %d (the layers of '%s'), not %s",
          length(mem), arg, if (is.numeric(layer)) short_value(layer) else describe(layer))
  layer <- as.integer(layer)
  M <- mem[[layer]]
  keep <- colSums(M != as.raw(0L)) == nrow(M)
  if (sum(keep) < 2L)
    stopf("only %d run%s of '%s' reached layer %d: the consensus needs two",
          sum(keep), if (sum(keep) == 1L) "" else "s", arg, layer)
  list(M = M[, keep, drop = FALSE], layer = layer,
       rank = fit$rank[layer], names = colnames(fit$G[[layer]]))
}

consensus <- function(fit, layer = 1L) {
  cr <- consensus_runs(fit, layer)
  consensus_matrix(cr$M, cr$names)
}

## mean over the runs of the connectivity matrices: Z Z^T / R with Z the
## N x (sum of the runs' ranks) indicator of (run, cluster)
consensus_matrix <- function(M, names = NULL) {
  N <- nrow(M)
  R <- ncol(M)
  lab <- matrix(as.integer(M), N)
  off <- c(0L, cumsum(apply(lab, 2L, max)))[seq_len(R)]
  j <- lab + rep(off, each = N)
  Z <- Matrix::sparseMatrix(i = rep(seq_len(N), R), j = as.vector(j), x = 1,
                            dims = c(N, max(j)))
  C <- as.matrix(Matrix::tcrossprod(Z)) / R
  dimnames(C) <- list(names, names)
  C
}

consensus_tree <- function(C) stats::hclust(stats::as.dist(1 - C), method = "average")

## stats::cophenetic(x) takes no further arguments, so mlnmf has its own
## function (with 'layer'); everything but a fit goes to stats' function.
cophenetic <- function(x, layer = 1L, ...) {
  if (!inherits(x, "mlnmf")) return(stats::cophenetic(x))
  cophenetic_coef(consensus(x, layer))
}

cophenetic_coef <- function(C) {
  d <- stats::as.dist(1 - C)
  if (all(d == d[1L])) return(1)            # one value: a perfect (trivial) tree
  stats::cor(d, stats::cophenetic(consensus_tree(C)))
}

dispersion <- function(fit, layer = 1L) {
  C <- consensus(fit, layer)
  dispersion_coef(C)
}

dispersion_coef <- function(C) sum(4 * (C - 0.5)^2) / nrow(C)^2

## Silhouette widths of the consensus clusters, with dissimilarity 1 - C.
silhouette_widths <- function(fit, layer = 1L) {
  cr <- consensus_runs(fit, layer)
  C <- consensus_matrix(cr$M, cr$names)
  cl <- consensus_clusters(C, cr$rank)
  sil <- silhouette_of(1 - C, cl)
  names(sil) <- cr$names
  structure(sil, cluster = cl, mean = mean(sil))
}

## cluster::silhouette's definition: a sample alone in its cluster has
## width 0.
silhouette_of <- function(D, cl) {
  ids <- sort(unique(cl))
  if (length(ids) < 2L) return(rep(0, length(cl)))
  avg <- vapply(ids, function(k) rowSums(D[, cl == k, drop = FALSE]), numeric(length(cl)))
  avg <- matrix(avg, length(cl))
  n_k <- tabulate(match(cl, ids), length(ids))
  own <- match(cl, ids)
  a <- avg[cbind(seq_along(cl), own)] / pmax(n_k[own] - 1L, 1L)
  other <- sweep(avg, 2L, n_k, "/")
  other[cbind(seq_along(cl), own)] <- Inf
  b <- apply(other, 1L, min)
  s <- (b - a) / pmax(a, b)
  s[n_k[own] == 1L | !is.finite(s)] <- 0
  s
}

## The average-linkage tree of 1 - C cut into k clusters, numbered by the
## order in which they appear along the samples.
consensus_clusters <- function(C, k) {
  k <- min(k, nrow(C))
  stats::cutree(consensus_tree(C), k = k)
}

clusters <- function(fit, layer = 1L, type = NULL) {
  if (!inherits(fit, "mlnmf"))
    stopf("'fit' must be a fit of mlnmf() or nmf(), not %s", describe(fit))
  many <- !is.null(fit$memberships) && ncol(fit$memberships[[1L]]) >= 2L
  if (is.null(type)) type <- if (many) "consensus" else "fit"
  type <- check_choice(type, c("consensus", "fit", "runs"), "type")
  if (type == "fit") {
    check_fit(fit, "fit", all_G = TRUE)
    layer <- check_layer(layer, fit$layers)
    m <- fit_memberships(fit)[[layer]]
    names(m) <- colnames(fit$G[[layer]])
    return(m)
  }
  cr <- consensus_runs(fit, layer)
  if (type == "runs") {
    M <- matrix(as.integer(cr$M), nrow(cr$M), dimnames = list(cr$names, NULL))
    return(M)
  }
  cl <- consensus_clusters(consensus_matrix(cr$M, cr$names), cr$rank)
  names(cl) <- cr$names
  cl
}

## Bytes of the memberships and of one fit's factors (for print and the
## memory notes).
membership_bytes <- function(fit) sum(vapply(fit$memberships, function(m) as.double(length(m)), 0))
