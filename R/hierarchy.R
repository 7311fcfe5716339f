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

## The tree of components as a tree: the deepest layer (the roots) at the
## top, layer 1 at the bottom, each node under its parent (the component of
## the next layer with the largest share).  hierarchy_layout() gives each
## node the interval of its leaves (childless nodes count one slot) and
## places it at the centre of that interval, so a parent lies within the
## x-range of its children, nodes of a layer are at least one slot apart and
## parent edges never cross.  Siblings (and the roots) are ordered by the
## weighted mean position of all the components they share mass with (one
## sweep after an order by number), which shortens the non-parent edges.
hierarchy_layout <- function(x) {
  L <- x$layers
  k <- x$rank
  pe <- x$edges[x$edges$parent, ]
  par_of <- lapply(seq_len(L - 1L), function(i) {
    e <- pe[pe$layer == i, ]
    e$to[order(e$from)]
  })
  ## W[[i]]: shares of layer i's components (rows) in layer i + 1's (columns)
  W <- lapply(seq_len(L - 1L), function(i) {
    e <- x$edges[x$edges$layer == i, ]
    m <- matrix(0, k[i], k[i + 1L])
    m[cbind(e$from, e$to)] <- e$weight
    m
  })
  place <- function(key) {
    ## order of each layer, top down: by the parent's rank, then by key
    ord <- vector("list", L)
    ord[[L]] <- order(key[[L]])
    for (i in rev(seq_len(L - 1L))) {
      rk <- match(par_of[[i]], ord[[i + 1L]])
      ord[[i]] <- order(rk, key[[i]])
    }
    ## widths bottom up (a node without children is one slot wide)
    w <- lapply(k, function(n) rep(1, n))
    for (i in seq_len(L - 1L)) {
      cw <- rowsum(w[[i]], factor(par_of[[i]], seq_len(k[i + 1L])))[, 1L]
      w[[i + 1L]] <- ifelse(cw > 0, cw, 1)
    }
    ## intervals top down: each node's children split its interval in order
    lo <- vector("list", L)
    lo[[L]] <- numeric(k[L])
    lo[[L]][ord[[L]]] <- cumsum(c(0, w[[L]][ord[[L]]]))[seq_len(k[L])]
    for (i in rev(seq_len(L - 1L))) {
      o <- ord[[i]]
      p <- par_of[[i]][o]
      off <- ave(w[[i]][o], p, FUN = function(v) cumsum(c(0, v))[seq_along(v)])
      lo[[i]] <- numeric(k[i])
      lo[[i]][o] <- lo[[i + 1L]][p] + off
    }
    tot <- sum(w[[L]])
    lapply(seq_len(L), function(i) (lo[[i]] + w[[i]] / 2) / tot)
  }
  xs <- place(lapply(k, seq_len))
  key <- vector("list", L)
  for (i in seq_len(L - 1L)) {
    m <- W[[i]]
    key[[i]] <- drop(m %*% xs[[i + 1L]]) / pmax(rowSums(m), 1e-300)
  }
  m <- W[[L - 1L]]
  key[[L]] <- drop(crossprod(m, xs[[L - 1L]])) / pmax(colSums(m), 1e-300)
  xs <- place(key)
  list(x = xs, parent = c(par_of, list(rep(NA_integer_, k[L]))),
       slot = min(1, unlist(lapply(xs, function(v) diff(sort(v))))))
}

## Nodes sized by their number of columns (shrunk so that neighbours never
## touch), numbered inside the point where the number fits; parent edges
## black, width by share; other edges of share >= min_weight faint.
plot.mlnmf_hierarchy <- function(x, min_weight = 0.1, main = NULL, ...) {
  L <- x$layers
  lay <- hierarchy_layout(x)
  xs <- lay$x
  comp <- x$composition
  op <- par(mar = c(1, 5, 3, if (is.null(comp)) 1 else 8))
  on.exit(par(op))
  plot(NA, xlim = c(0, 1), ylim = c(0.6, L + 0.4), axes = FALSE,
       xlab = "", ylab = "", xaxs = "i",
       main = if (is.null(main)) "Hierarchy of components across layers" else main,
       ...)
  at <- if (L <= 25L) seq_len(L) else unique(round(pretty(seq_len(L))))
  at <- at[at >= 1 & at <= L]
  axis(2L, at = at, labels = paste("layer", at), las = 1L, tick = FALSE)
  y <- function(i) i                                # roots (layer L) at the top
  e <- x$edges
  faint <- e[!e$parent & e$weight >= min_weight, ]
  for (r in seq_len(nrow(faint))) {
    i <- faint$layer[r]
    graphics::segments(xs[[i]][faint$from[r]], y(i), xs[[i + 1L]][faint$to[r]], y(i + 1L),
                       lwd = 0.5 + 2 * faint$weight[r], col = grDevices::adjustcolor("grey50", 0.4))
  }
  pe <- e[e$parent, ]
  for (r in seq_len(nrow(pe))) {
    i <- pe$layer[r]
    graphics::segments(xs[[i]][pe$from[r]], y(i), xs[[i + 1L]][pe$to[r]], y(i + 1L),
                       lwd = 1 + 3 * pe$weight[r], col = "black")
  }
  if (!is.null(comp)) {
    lev <- colnames(comp[[1L]])
    cols <- group_colours(factor(lev, lev))
    legend(grconvertX(1, "npc", "user"), grconvertY(1, "npc", "user"), legend = lev,
           pt.bg = cols, pch = 21, pt.cex = 1.5, bty = "n", cex = 0.8, title = "largest group",
           xjust = 0, yjust = 1, xpd = NA)
  }
  ## node sizes in inches: a pch 21 circle of cex c is 0.45 c (text size) wide
  ## (measured on png() and pdf())
  unit <- par("cex") * par("cin")[2L] / 1.2
  slot_in <- lay$slot * par("pin")[1L]
  gap_in <- par("pin")[2L] / (L - 0.2)
  raw <- lapply(x$sizes, function(sz) 1.5 + 4.5 * sqrt(sz / max(1, max(unlist(x$sizes)))))
  big <- 0.45 * max(unlist(raw)) * unit
  shrink <- min(1, 0.85 * slot_in / big, 0.6 * gap_in / big)
  nodes <- vector("list", L)
  for (i in seq_len(L)) {
    sz <- x$sizes[[i]]
    cex <- raw[[i]] * shrink
    bg <- if (is.null(comp)) rep("steelblue", length(sz))
          else ifelse(rowSums(comp[[i]]) > 0, cols[max.col(comp[[i]], "first")], "grey80")
    points(xs[[i]], rep(y(i), length(sz)), pch = 21, bg = bg, cex = cex)
    lab <- as.character(seq_along(sz))
    diam <- 0.45 * cex * unit
    lc <- pmin(1, 0.25 * cex)                       # the number grows with its node
    fits <- graphics::strwidth(lab, "inches", cex = lc) <= 0.8 * diam &
            graphics::strheight(lab, "inches", cex = lc) <= 0.6 * diam &
            lc * par("cex") >= 0.5
    if (any(fits))
      graphics::text(xs[[i]][fits], y(i), labels = lab[fits], cex = lc[fits],
                     col = ifelse(bg[fits] == "grey80", "black", "white"))
    if (i == 1L && !all(fits)) {
      ## the bottom layer has nothing below it: small nodes numbered there
      below <- !fits & graphics::strwidth(lab, "inches", cex = 0.7) <= 0.9 * slot_in &
               0.7 * par("cex") >= 0.5
      if (any(below))
        graphics::text(xs[[1L]][below], y(1L), labels = lab[below], cex = 0.7,
                       pos = 1L, offset = 0.3 + diam[below] / 2 / par("csi"))
      fits <- fits | below
    }
    nodes[[i]] <- data.frame(layer = i, node = seq_along(sz), x = xs[[i]], y = y(i),
                             parent = lay$parent[[i]], size = sz, cex = cex,
                             labelled = fits)
  }
  x$layout <- do.call(rbind, nodes)
  rownames(x$layout) <- NULL
  invisible(x)
}
