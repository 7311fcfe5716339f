## The hierarchy of clusters across the layers of a fit.
##
## Layer i describes the columns of X by G_i (k_i x N) on the components
## F_1 ... F_i: column j belongs to the component with the largest entry of
## G_i[, j] (hard membership), and G_i[, j] / sum(G_i[, j]) is its soft
## membership.  Consecutive layers are linked by G_i ~ F_(i+1) G_(i+1):
## row a of G_i is sum_b F_(i+1)[a, b] G_(i+1)[b, ], so component a of
## layer i takes the share
##     w[a, b] = F_(i+1)[a, b] sum(G_(i+1)[b, ]) / sum_b' (same for b')
## of its mass from component b of layer i + 1, and its parent is the b with
## the largest share.

## groups (one value per column, or a column of the cell metadata kept in a
## fit made from a SingleCellExperiment or Seurat object): the composition
## of each component by group (hard members), and plot() colours each node
## by its largest group.
hierarchy <- function(fit, long = FALSE, groups = NULL) {
  check_fit(fit, "fit")
  long <- check_flag(long, "long")
  L <- fit$layers
  if (L < 2L)
    stopf("'fit' has one layer: a hierarchy needs at least two")
  N <- ncol(fit$G[[1L]])
  cn <- colnames(fit$G[[1L]])
  if (is.null(cn)) cn <- as.character(seq_len(N))
  lay <- paste0("layer", seq_len(L))
  ## hard memberships and their shares: N x L; soft ones: k_i x N per layer
  ## (as large as the fit's G_i, never a long table unless asked)
  hard <- matrix(0L, N, L, dimnames = list(cn, lay))
  share <- matrix(0, N, L, dimnames = list(cn, lay))
  soft <- setNames(vector("list", L), lay)
  for (i in seq_len(L)) {
    G <- fit$G[[i]]
    tot <- colSums(G)
    S <- sweep(G, 2L, ifelse(tot > 0, tot, 1), "/")
    h <- max.col(t(G), ties.method = "first")
    hard[, i] <- h
    share[, i] <- S[cbind(h, seq_len(N))]
    dimnames(S) <- list(NULL, cn)
    soft[[i]] <- S
  }
  edges <- vector("list", L - 1L)
  for (i in seq_len(L - 1L)) {
    F <- fit$F[[i + 1L]]
    mass <- rowSums(fit$G[[i + 1L]])
    W <- sweep(F, 2L, mass, "*")
    rs <- rowSums(W)
    W <- W / ifelse(rs > 0, rs, 1)
    par <- max.col(W, ties.method = "first")
    edges[[i]] <- data.frame(layer = i, from = rep(seq_len(nrow(F)), ncol(F)),
                             to = rep(seq_len(ncol(F)), each = nrow(F)),
                             weight = as.vector(W),
                             parent = as.vector(col(W) == par[row(W)]))
  }
  sizes <- lapply(seq_len(L), function(i) tabulate(hard[, i], nbins = fit$rank[i]))
  empty <- vapply(sizes, function(s) sum(s == 0L), 0L)
  if (any(empty > 0L)) {
    bad <- which(empty > 0L)
    warning(sprintf("%s: no column has its largest coefficient there, so %s no members%s",
                    paste(sprintf("layer %d has %d empty component%s (%s)", bad, empty[bad],
                                  ifelse(empty[bad] > 1L, "s", ""),
                                  vapply(bad, function(i)
                                    paste(which(sizes[[i]] == 0L), collapse = ", "), "")),
                          collapse = "; "),
                    if (sum(empty) > 1L) "they have" else "it has",
                    if (!is.null(fit$finetune) && !identical(fit$finetune$objective, "layer"))
                      " (fine-tuning on the data objective drives the upper layers by the deeper ones; objective = \"layer\" keeps each layer's own G)"
                    else ""), call. = FALSE)
  }
  comp <- NULL
  if (!is.null(groups)) {
    g <- cell_groups(groups, fit, N)                  # R/bioc.R
    comp <- lapply(seq_len(L), function(i)
      table(component = factor(hard[, i], seq_len(fit$rank[i])), group = g))
  }
  out <- list(membership = hard, share = share, soft = soft,
              edges = do.call(rbind, edges), sizes = sizes, composition = comp,
              rank = fit$rank, layers = L, finetuned = !is.null(fit$finetune))
  if (long) {
    out$membership <- hierarchy_long_hard(hard, share, cn)
    out$soft <- hierarchy_long_soft(soft, cn)
    out$share <- NULL
  }
  structure(out, class = "mlnmf_hierarchy")
}

## The long tables of hierarchy(long = TRUE): one row per layer and column
## (hard), one row per layer, column and component (soft).
hierarchy_long_hard <- function(hard, share, cn) {
  N <- nrow(hard)
  do.call(rbind, lapply(seq_len(ncol(hard)), function(i)
    data.frame(layer = i, column = cn, index = seq_len(N),
               component = unname(hard[, i]), share = unname(share[, i]),
               stringsAsFactors = FALSE)))
}

hierarchy_long_soft <- function(soft, cn) {
  N <- length(cn)
  do.call(rbind, lapply(seq_along(soft), function(i) {
    k <- nrow(soft[[i]])
    data.frame(layer = i, column = rep(cn, each = k),
               index = rep(seq_len(N), each = k),
               component = rep(seq_len(k), N),
               weight = as.vector(soft[[i]]), stringsAsFactors = FALSE)
  }))
}

print.mlnmf_hierarchy <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat(sprintf("Hierarchy of clusters over %d layers (ranks %s)%s\n", x$layers,
              compact_ranks(x$rank),
              if (x$finetuned) ", fine-tuned fit" else ""))
  shown <- min(x$layers, 10L)
  for (i in seq_len(shown)) {
    cat(sprintf("layer %d: %d components, columns per component: %s\n", i,
                x$rank[i], paste(x$sizes[[i]], collapse = " ")))
    if (i < x$layers) {
      e <- x$edges[x$edges$layer == i & x$edges$parent, ]
      e <- e[order(e$from), ]
      cat(sprintf("  parent in layer %d: %s\n", i + 1L,
                  paste(sprintf("%d->%d (%s)", e$from, e$to,
                                format(e$weight, digits = 2L)), collapse = ", ")))
    }
  }
  if (shown < x$layers) cat(sprintf("... %d more layers\n", x$layers - shown))
  invisible(x)
}

## The tree of components: one row of nodes per layer (layer 1 at the top),
## ordered by parent, node size by the number of columns, edges from each component to the
## components of the next layer with width by share (shares below 'min_weight'
## are not drawn), the parent edge in black.
plot.mlnmf_hierarchy <- function(x, min_weight = 0.1, main = NULL, ...) {
  L <- x$layers
  ## positions: the last layer in order; each layer above sorted by the
  ## position of its parent (then by share), so the parent edges rarely cross
  xs <- vector("list", L)
  xs[[L]] <- (seq_len(x$rank[L]) - 0.5) / x$rank[L]
  for (i in rev(seq_len(L - 1L))) {
    e <- x$edges[x$edges$layer == i & x$edges$parent, ]
    e <- e[order(e$from), ]
    o <- order(xs[[i + 1L]][e$to], -e$weight)
    k <- x$rank[i]
    xs[[i]] <- numeric(k)
    xs[[i]][o] <- (seq_len(k) - 0.5) / k
  }
  plot(NA, xlim = c(0, 1), ylim = c(L + 0.5, 0.5), axes = FALSE,
       xlab = "", ylab = "",
       main = if (is.null(main)) "Hierarchy of components across layers" else main,
       ...)
  axis(2L, at = seq_len(L), labels = paste("layer", seq_len(L)), las = 1L,
       tick = FALSE)
  e <- x$edges[x$edges$weight >= min_weight, ]
  if (nrow(e)) {
    for (r in seq_len(nrow(e))) {
      i <- e$layer[r]
      graphics::segments(xs[[i]][e$from[r]], i, xs[[i + 1L]][e$to[r]], i + 1L,
                         lwd = 0.5 + 4 * e$weight[r],
                         col = if (e$parent[r]) "black" else "grey70")
    }
  }
  comp <- x$composition
  if (!is.null(comp)) {
    lev <- colnames(comp[[1L]])
    cols <- group_colours(factor(lev, lev))
    legend("bottomright", legend = lev, pt.bg = cols, pch = 21, bty = "n",
           cex = 0.8, title = "largest group", inset = c(0, -0.02), xpd = TRUE)
  }
  for (i in seq_len(L)) {
    sz <- x$sizes[[i]]
    cex <- 1 + 3 * sqrt(sz / max(1, max(sz)))
    bg <- if (is.null(comp)) "steelblue"
          else ifelse(rowSums(comp[[i]]) > 0, cols[max.col(comp[[i]], "first")], "grey80")
    points(xs[[i]], rep(i, length(sz)), pch = 21, bg = bg, cex = cex)
    graphics::text(xs[[i]], rep(i, length(sz)), labels = seq_along(sz),
                   cex = 0.7, col = "white")
  }
  invisible(x)
}
