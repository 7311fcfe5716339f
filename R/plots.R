## Pictures of the factors of a fit, with base graphics (plot.mlnmf's
## type = "factors" and type = "basis").
##
## "factors": heatmaps of F_i (rows x components) and G_i (components x
## columns) side by side.  Rows of F_i and columns of G_i are ordered by
## their dominant component (the largest entry), then by its weight, so the
## blocks each component explains show as blocks.
## "basis": the columns of F1 ... Fi (the prototypes of layer i) as images,
## for data whose rows are the pixels of an image of dimensions 'dim'.

check_layer <- function(layer, L) {
  if (!is.numeric(layer) || length(layer) != 1L || !is_whole(layer) ||
      layer < 1 || layer > L)
    stopf("'layer' must be a single whole number from 1 to %d", as.integer(L))
  as.integer(layer)
}

## The order that groups the rows of M (n x k) by their dominant column,
## largest weights first within a group.
dominant_order <- function(M) {
  top <- max.col(M, ties.method = "first")
  w <- M[cbind(seq_len(nrow(M)), top)]
  order(top, -w)
}

## image() of M drawn as printed: row 1 at the top.
image_matrix <- function(M, col, main, xlab, ylab, ...) {
  image(seq_len(ncol(M)), seq_len(nrow(M)), t(M[nrow(M):1, , drop = FALSE]),
        col = col, axes = FALSE, main = main, xlab = xlab, ylab = ylab,
        useRaster = TRUE, ...)
  box()
}

## Labels that fit: names (or indices) of n cells of 'len' inches each,
## drawn at cex 0.8 or smaller, never below 0.5 (6 pt at 12 pt text) and
## never for more than 60 cells; NULL when they do not fit.
fit_labels <- function(labels, len) {
  n <- length(labels)
  if (n == 0L || n > 60L) return(NULL)
  h <- graphics::strheight("Mg", units = "inches", cex = 1)
  cex <- min(0.8, len / (n * h * 1.3))
  if (cex * par("cex") < 0.5) NULL else list(labels = labels, cex = cex)
}

## A colour key: a vertical bar in its own narrow panel with value ticks.
factor_key <- function(col, zlim) {
  par(mar = c(4, 0.3, 3, 3.6))
  z <- seq(zlim[1L], zlim[2L], length.out = length(col))
  image(1, z, matrix(z, 1L), col = col, axes = FALSE, xlab = "", ylab = "",
        useRaster = TRUE)
  at <- axTicks(4L)
  axis(4L, at = at, labels = formatC(at, digits = 2L, format = "g"), las = 1L,
       cex.axis = 0.8)
  box()
}

## groups (a vector with one value per column, or a column of the cell
## metadata of the object the fit was made from: cell_groups()) orders the
## columns of G by group and draws the groups as a coloured strip under it.
## Layout: F_i, its key, G_i, its key (F and G have their own scales); row
## names of F_i and column names of G_i where they fit (fit_labels()).
plot_factors <- function(x, layer = NULL, main = NULL, groups = NULL, ...) {
  layer <- if (is.null(layer)) 1L else check_layer(layer, x$layers)
  check_fit(x, "x", all_G = TRUE)
  Fi <- x$F[[layer]]
  Gi <- x$G[[layer]]
  of <- dominant_order(Fi)
  og <- dominant_order(t(Gi))
  if (!is.null(groups)) {
    g <- cell_groups(groups, x, ncol(Gi))             # R/bioc.R
    og <- og[order(as.integer(g)[og])]
  }
  rn <- rownames(Fi)
  if (is.null(rn)) rn <- as.character(seq_len(nrow(Fi)))
  cn <- colnames(Gi)
  if (is.null(cn)) cn <- as.character(seq_len(ncol(Gi)))
  col <- hcl.colors(64L, "YlOrRd", rev = TRUE)
  op <- par(no.readonly = TRUE)
  on.exit(par(op))
  ## text (and margins) smaller on a small device, so that the panels fit
  din <- par("din")
  cex <- min(0.9, din[1L] / 9, din[2L] / 5)
  kw <- 5 * cex * par("cin")[2L]                    # a key panel: 5 lines wide
  layout(matrix(1:4, 1L), widths = c(1, lcm(2.54 * kw), 2, lcm(2.54 * kw)))
  par(oma = c(0, 0, 1.5, 0), cex = cex)              # after layout(), which sets cex
  ## panel sizes in inches before drawing, to choose the labels
  pw <- (din[1L] - 2 * kw) / 3
  ph <- din[2L] - (4 + 3 + 1.5) * par("csi")
  lf <- fit_labels(rn[of], ph)
  lg <- fit_labels(cn[og], 2 * pw - 4.5 * par("csi"))
  wid <- function(l) if (is.null(l)) 0
                     else max(graphics::strwidth(l$labels, "inches", cex = l$cex)) / par("csi")
  ## names longer than a third of their panel are not drawn
  if (!is.null(lf) && wid(lf) * par("csi") > pw / 3) lf <- NULL
  if (!is.null(lg) && wid(lg) * par("csi") > ph / 3) lg <- NULL
  if (is.null(main)) main <- sprintf("layer %d: F%d and G%d", layer, layer, layer)
  zf <- range(Fi, finite = TRUE)
  zg <- range(Gi, finite = TRUE)
  par(mar = c(4, 3 + if (is.null(lf)) 1 else wid(lf) + 0.5, 3, 1))
  image_matrix(Fi[of, , drop = FALSE], col,
               main = sprintf("F%d (%d x %d)", layer, nrow(Fi), ncol(Fi)),
               xlab = "component", ylab = "", zlim = zf, ...)
  axis(1L, at = seq_len(ncol(Fi)))
  if (!is.null(lf)) lf <- fit_labels(rn[of], par("pin")[2L])
  title(ylab = "row (by dominant component)",
        line = if (is.null(lf)) 1 else wid(lf) + 1)
  if (!is.null(lf))
    axis(2L, at = rev(seq_along(lf$labels)), labels = lf$labels, las = 1L,
         tick = FALSE, line = -0.6, cex.axis = lf$cex, gap.axis = 0)
  factor_key(col, zf)
  strip <- if (is.null(groups)) 0 else 1.2
  leg <- if (is.null(groups)) 0 else 1.5
  par(mar = c(max(4, 1 + strip + wid(lg) + leg + 0.5), 4, 3, 0.5))
  image_matrix(Gi[, og, drop = FALSE], col,
               main = sprintf("G%d (%d x %d)", layer, nrow(Gi), ncol(Gi)),
               xlab = "", ylab = "component", zlim = zg, ...)
  axis(2L, at = seq_len(nrow(Gi)), labels = rev(seq_len(nrow(Gi))), las = 1L)
  if (!is.null(lg)) lg <- fit_labels(cn[og], par("pin")[1L])   # the panel as drawn
  if (is.null(lg) && is.null(groups)) title(xlab = "column (by dominant component)", line = 1)
  u <- par("usr")
  lh <- (u[4L] - u[3L]) / par("pin")[2L] * par("csi")   # one margin line in y units
  if (!is.null(groups)) {
    ## the groups as a strip under G and a one-line legend at the bottom of
    ## the panel, both off the data
    cols <- group_colours(g)
    n <- ncol(Gi)
    graphics::rect(seq_len(n) - 0.5, u[3L] - 1.1 * lh, seq_len(n) + 0.5, u[3L] - 0.2 * lh,
                   col = cols[as.integer(g)[og]], border = NA, xpd = TRUE)
    legend(mean(u[1:2]), grconvertY(0, "nfc", "user"), legend = names(cols), fill = cols,
           horiz = TRUE, bty = "n", xjust = 0.5, yjust = 0, xpd = NA, cex = 0.8)
  }
  if (!is.null(lg))
    axis(1L, at = seq_along(lg$labels), labels = lg$labels, las = 2L, tick = FALSE,
         line = strip - 0.6, cex.axis = lg$cex, gap.axis = 0)
  factor_key(col, zg)
  mtext(main, side = 3L, line = 0.2, outer = TRUE, font = 2L)
  invisible(list(F = Fi[of, , drop = FALSE], G = Gi[, og, drop = FALSE],
                 row_order = of, col_order = og,
                 row_labels = !is.null(lf), col_labels = !is.null(lg)))
}

plot_basis <- function(x, layer = NULL, dim = NULL, main = NULL, ...) {
  layer <- if (is.null(layer)) 1L else check_layer(layer, x$layers)
  P <- prototypes(x, layer)
  d <- nrow(P)
  if (is.null(dim)) dim <- rep(round(sqrt(d)), 2L)  # plot.mlnmf: d is a square
  if (!is.numeric(dim) || length(dim) != 2L || !is_whole(dim) || any(dim < 1) ||
      prod(dim) != d)
    stopf("'dim' must be two whole numbers c(height, width) with height * width = %d (the rows of the data)",
          d)
  dim <- as.integer(dim)
  k <- ncol(P)
  nc <- ceiling(sqrt(k))
  nr <- ceiling(k / nc)
  op <- par(mfrow = c(nr, nc), mar = c(0.4, 0.4, 1.6, 0.4),
            oma = c(0, 0, if (is.null(main) || nzchar(main)) 2 else 0, 0))
  on.exit(par(op))
  col <- gray(seq(1, 0, length.out = 64L))
  for (j in seq_len(k)) {
    img <- matrix(P[, j], dim[1L], dim[2L])        # column-major pixels
    image_matrix(img, col, main = sprintf("%d", j), xlab = "", ylab = "", ...)
  }
  if (is.null(main))
    main <- sprintf("basis vectors of layer %d (columns of %s)", layer,
                    if (layer == 1L) "F1" else paste0("F1...F", layer))
  if (nzchar(main)) mtext(main, side = 3L, outer = TRUE, font = 2L)
  invisible(P)
}
