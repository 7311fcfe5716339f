## Pictures of the consensus (plot.mlnmf's type = "consensus" and "coef"),
## base graphics.  "consensus": the consensus matrix ordered by its
## average-linkage tree, the tree above it, colour tracks for the
## consensus clusters and for the user's factors ('annotation'), a colour
## key and the tracks' legends at the right, off the data.  "coef": the
## heatmap of G_i (components x samples), the samples in the same order
## (the consensus tree's for a fit with several runs, else by dominant
## component) under the same tracks.  "basis" (the heatmap; images of
## the basis are R/plots.R's): the prototypes F1...Fi transposed, features
## along the x axis grouped by their dominant component (the track
## "component"), each feature scaled to a maximum of 1, with tracks for a
## per-feature 'annotation'.

.track_cols <- c("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E",
                 "#E6AB02", "#A6761D", "#666666", "#1F78B4", "#B2DF8A")

check_annotation <- function(annotation, N, what = "sample") {
  if (is.null(annotation)) return(list())
  if (is.factor(annotation) || is.atomic(annotation))
    annotation <- list(annotation = annotation)
  if (!is.list(annotation) || is.null(names(annotation)) ||
      any(!nzchar(names(annotation))))
    stopf("'annotation' must be a factor (or vector) with one entry per %s, or a named list or data frame of them, not %s",
          what, describe(annotation))
  for (nm in names(annotation)) {
    a <- annotation[[nm]]
    if (!(is.factor(a) || is.atomic(a)) || length(a) != N)
      stopf("'annotation' must have one entry per %s (%d): '%s' has %d", what, N, nm,
            length(a))
  }
  lapply(annotation, function(a) factor(a))
}

draw_tracks <- function(tracks, o) {
  nt <- length(tracks)
  par(mar = c(0.3, 1, 0, 1))
  plot.new()
  plot.window(c(0.5, length(o) + 0.5), c(0.5, nt + 0.5), xaxs = "i", yaxs = "i")
  for (t in seq_len(nt)) {
    f <- tracks[[t]][o]
    col <- .track_cols[(seq_along(levels(f)) - 1L + 3L * (t - 1L)) %% length(.track_cols) + 1L]
    y <- nt - t + 1
    rect(seq_along(o) - 0.5, y - 0.45, seq_along(o) + 0.5, y + 0.45,
         col = col[as.integer(f)], border = NA)
    text(0.5, y, names(tracks)[t], pos = 2, xpd = NA, cex = 0.8)
  }
}

track_legends <- function(tracks) {
  par(mar = c(0, 0, 0, 0))
  plot.new()
  nt <- length(tracks)
  leg <- unlist(lapply(seq_len(nt), function(t) c(names(tracks)[t], levels(tracks[[t]]))))
  col <- unlist(lapply(seq_len(nt), function(t) {
    n <- length(levels(tracks[[t]]))
    c(NA, .track_cols[(seq_len(n) - 1L + 3L * (t - 1L)) %% length(.track_cols) + 1L])
  }))
  legend("topleft", legend = leg, fill = col, border = ifelse(is.na(col), NA, "black"),
         bty = "n", cex = 0.75, xpd = NA)
}

colour_key <- function(col, zlim, label) {
  par(mar = c(2, 1, 2.5, 3.5))
  z <- seq(zlim[1L], zlim[2L], length.out = length(col))
  image(1, z, matrix(z, 1L), col = col, axes = FALSE, xlab = "", ylab = "")
  axis(4, las = 1, cex.axis = 0.8)
  box()
  mtext(label, side = 3, line = 0.4, cex = 0.75)
}

plot_consensus <- function(x, layer = NULL, annotation = NULL, main = NULL,
                           type = "consensus", ...) {
  if (is.null(layer)) layer <- 1L
  many <- !is.null(x$memberships) && ncol(x$memberships[[1L]]) >= 2L
  if (type == "basis") {
    layer <- check_layer(layer, x$layers)
    P <- prototypes(x, layer)
    if (is.null(rownames(P))) rownames(P) <- seq_len(nrow(P))
    hc <- NULL
    o <- dominant_order(P)
    cl <- max.col(P, ties.method = "first")
  } else if (type == "consensus" || many) {
    cr <- consensus_runs(x, layer, "x")
    C <- consensus_matrix(cr$M, cr$names)
    hc <- consensus_tree(C)
    o <- hc$order
    cl <- consensus_clusters(C, cr$rank)
    layer <- cr$layer
  } else {
    layer <- check_layer(layer, x$layers)
    check_fit(x, "x", all_G = TRUE)
    hc <- NULL
    o <- dominant_order(t(x$G[[layer]]))
    cl <- fit_memberships(x)[[layer]]
  }
  N <- length(o)
  tracks <- c(stats::setNames(list(factor(cl)), if (type == "basis") "component" else "clusters"),
              check_annotation(annotation, N, if (type == "basis") "feature" else "sample"))
  if (type == "consensus") {
    M <- C[o, o]
    col <- hcl.colors(64L, "Blues 3", rev = TRUE)
    zlim <- c(0, 1)
    key <- "consensus"
    if (is.null(main)) main <- sprintf("Consensus of %d runs, layer %d (rank %d)",
                                       ncol(cr$M), layer, x$rank[layer])
  } else {
    M <- if (type == "basis") t(P)[, o, drop = FALSE] else x$G[[layer]][, o, drop = FALSE]
    M <- M / pmax(apply(M, 2L, max), .Machine$double.xmin)[col(M)]
    col <- hcl.colors(64L, "YlOrRd", rev = TRUE)
    zlim <- c(0, 1)
    key <- "share of\nmax"
    if (is.null(main))
      main <- if (type == "basis")
        sprintf("%s by feature (each feature scaled to a maximum of 1)",
                if (layer == 1L) "F1" else paste0("F1...F", layer))
      else sprintf("G%d (columns scaled to a maximum of 1)", layer)
  }
  nt <- length(tracks)
  op <- par(no.readonly = TRUE)
  on.exit(par(op))
  layout(matrix(c(1, 4, 2, 4, 3, 5), 3L, byrow = TRUE), widths = c(5, 1.5),
         heights = c(if (is.null(hc)) 0.9 else 1.3, 0.22 * nt + 0.1, 5))
  par(oma = c(0, 4, 2, 0))
  if (is.null(hc)) {
    par(mar = c(0, 1, 0, 1)); plot.new()
  } else {
    par(mar = c(0, 1, 0.5, 1))
    plot(stats::as.dendrogram(hc), leaflab = "none", axes = FALSE,
         xlim = c(0.5, N + 0.5), xaxs = "i")
  }
  draw_tracks(tracks, o)
  par(mar = c(if (N <= 60) 6 else 1, 1, 0.3, 1))
  image(seq_len(N), seq_len(nrow(M)), t(M[nrow(M):1, , drop = FALSE]), col = col,
        zlim = zlim, axes = FALSE, xlab = "", ylab = "", useRaster = TRUE, ...)
  box()
  if (N <= 60 && !is.null(colnames(M)))
    axis(1, at = seq_len(N), labels = colnames(M), las = 2, cex.axis = 0.55, tick = FALSE)
  if (type != "consensus")
    axis(2, at = seq_len(nrow(M)), labels = rev(if (is.null(rownames(M))) seq_len(nrow(M)) else rownames(M)),
         las = 1, cex.axis = 0.8)
  track_legends(tracks)
  colour_key(col, zlim, key)
  mtext(main, side = 3L, outer = TRUE, font = 2L, line = 0.5)
  invisible(list(order = o, clusters = cl, tree = hc))
}
