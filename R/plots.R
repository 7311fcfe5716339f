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

## groups (a vector with one value per column, or a column of the cell
## metadata of the object the fit was made from: cell_groups()) orders the
## columns of G by group and draws the groups as a coloured strip under it.
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
  col <- hcl.colors(64L, "YlOrRd", rev = TRUE)
  op <- par(mfrow = c(1L, 2L), mar = c(4, 4, 3, 1))
  on.exit(par(op))
  if (is.null(main)) main <- sprintf("layer %d: F%d and G%d", layer, layer, layer)
  image_matrix(Fi[of, , drop = FALSE], col,
               main = sprintf("F%d (%d x %d)", layer, nrow(Fi), ncol(Fi)),
               xlab = "component", ylab = "row (by dominant component)", ...)
  axis(1L, at = seq_len(ncol(Fi)))
  image_matrix(Gi[, og, drop = FALSE], col,
               main = sprintf("G%d (%d x %d)", layer, nrow(Gi), ncol(Gi)),
               xlab = if (is.null(groups)) "column (by dominant component)" else "",
               ylab = "component", ...)
  axis(2L, at = seq_len(nrow(Gi)), labels = rev(seq_len(nrow(Gi))), las = 1L)
  if (!is.null(groups)) {
    ## the groups as a strip under G (where its x label would be) and a
    ## one-line legend below it, both off the data
    cols <- group_colours(g)
    n <- ncol(Gi)
    u <- par("usr")
    h <- u[4L] - u[3L]
    graphics::rect(seq_len(n) - 0.5, u[3L] - 0.09 * h, seq_len(n) + 0.5, u[3L] - 0.02 * h,
                   col = cols[as.integer(g)[og]], border = NA, xpd = TRUE)
    legend(mean(u[1:2]), u[3L] - 0.11 * h, legend = names(cols), fill = cols,
           horiz = TRUE, bty = "n", xjust = 0.5, yjust = 1, xpd = TRUE, cex = 0.8)
  }
  mtext(main, side = 3L, line = -1.2, outer = TRUE, font = 2L)
  invisible(list(F = Fi[of, , drop = FALSE], G = Gi[, og, drop = FALSE],
                 row_order = of, col_order = og))
}

plot_basis <- function(x, layer = NULL, dim = NULL, main = NULL, ...) {
  layer <- if (is.null(layer)) 1L else check_layer(layer, x$layers)
  P <- prototypes(x, layer)
  d <- nrow(P)
  if (is.null(dim)) {
    s <- round(sqrt(d))
    if (s * s != d)
      stopf("'dim' is needed: the %d rows of the data are not a square image; give dim = c(height, width) with height * width = %d",
            d, d)
    dim <- c(s, s)
  }
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
