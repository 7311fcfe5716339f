## The layer-permutation protocol of the paper's section 5: permute the
## order of some layers inside one block of consecutive layers and measure
## ||X - F_sigma(1) ... F_sigma(L) G_L||_F^2.  The random choices are made
## here with R's RNG; every chain product is done in one .Call into
## src/permute.c.

permutation_test <- function(fit, X = fit$data, groups = 3L,
                             fraction = c(0.05, 0.10, 0.15, 0.20), reps = 20L,
                             seed = NULL) {
  check_fit(fit, "fit")
  L <- fit$layers
  if (L < 2L)
    stopf("'fit' has a single layer: there is no order of layers to permute")
  if (is.null(X))
    stopf("'X' is missing and 'fit' does not store its data (keep.data = FALSE): pass 'X'")
  X <- check_data(X, "X")
  if (!identical(dim(X), as.integer(fit$dim)))
    stopf("'X' must be %d x %d like the data of 'fit', not %d x %d",
          fit$dim[1L], fit$dim[2L], nrow(X), ncol(X))
  groups <- check_count(groups, "groups")
  if (groups > L)
    stopf("'groups' must be at most the number of layers (%d), not %d", L, groups)
  fraction <- check_fraction(fraction)
  reps <- check_count(reps, "reps")
  if (!is.null(seed)) {
    if (!is.numeric(seed) || length(seed) != 1L || !is_whole(seed))
      stopf("'seed' must be NULL or a single whole number")
    genv <- globalenv()
    old <- if (exists(".Random.seed", envir = genv, inherits = FALSE))
      get(".Random.seed", envir = genv, inherits = FALSE)
    on.exit(if (is.null(old)) {
      if (exists(".Random.seed", envir = genv, inherits = FALSE))
        rm(".Random.seed", envir = genv)
    } else assign(".Random.seed", old, envir = genv), add = TRUE)
    set.seed(seed)
  }

  ## blocks A_g = layers floor(L (g-1)/groups) + 1 .. floor(L g/groups)
  bounds <- floor(L * (0:groups) / groups)
  bnames <- paste0("A", seq_len(groups))
  blocks <- setNames(lapply(seq_len(groups), function(g)
    seq.int(bounds[g] + 1L, bounds[g + 1L])), bnames)
  shape <- vapply(fit$F, function(f) paste(dim(f), collapse = "x"), "")
  eligible <- lapply(blocks, function(b) {
    cnt <- table(shape[b])
    b[cnt[shape[b]] >= 2L]
  })
  ne <- lengths(eligible)
  if (all(ne < 2L))
    stopf("no block has two layers of the same shape, so no layers can trade places (ranks %s); use a smaller 'groups' or a fit with repeated ranks",
          compact_ranks(fit$rank))
  if (any(ne < 2L))
    warning(sprintf("block%s %s ha%s no two layers of the same shape and %s left out",
                    if (sum(ne < 2L) > 1L) "s" else "",
                    paste(bnames[ne < 2L], collapse = ", "),
                    if (sum(ne < 2L) > 1L) "ve" else "s",
                    if (sum(ne < 2L) > 1L) "are" else "is"), call. = FALSE)

  use <- which(ne >= 2L)
  grid <- expand.grid(rep = seq_len(reps), fraction = fraction, block = use,
                      KEEP.OUT.ATTRS = FALSE)
  n <- nrow(grid)
  orders <- matrix(seq_len(L), L, n)
  moved <- neworder <- character(n)
  nmoved <- integer(n)
  for (r in seq_len(n)) {
    el <- eligible[[grid$block[r]]]
    m <- min(length(el), max(2L, floor(grid$fraction[r] * length(el) + 0.5)))
    o <- draw_order(L, el, shape[el], m)
    pos <- which(o != seq_len(L))
    orders[, r] <- o
    moved[r] <- paste(pos, collapse = ",")
    neworder[r] <- paste(o[pos], collapse = ",")
    nmoved[r] <- length(pos)
  }
  res <- permutation_errors(fit, X, orders)

  out <- data.frame(block = factor(bnames[grid$block], levels = bnames),
                    fraction = grid$fraction, rep = grid$rep, n_moved = nmoved,
                    moved = moved, order = neworder, error = res$error,
                    rel_error = sqrt(res$error / res$norm2),
                    unpermuted = res$base, stringsAsFactors = FALSE)
  structure(out, class = c("mlnmf_permutation", "data.frame"),
            blocks = blocks, eligible = eligible,
            unpermuted = c(error = res$base, rel_error = sqrt(res$base / res$norm2)),
            norm2 = res$norm2, layers = L, fractions = fraction, reps = reps,
            seed = seed)
}

check_fraction <- function(fraction) {
  if (!is.numeric(fraction) || length(fraction) == 0L || anyNA(fraction))
    stopf("'fraction' must be a numeric vector of values in (0, 1], not %s",
          describe(fraction))
  bad <- !(fraction > 0 & fraction <= 1)
  if (any(bad))
    stopf("'fraction' must be in (0, 1]: got %s",
          paste(format(fraction[bad]), collapse = ", "))
  as.double(fraction)
}

## One order of 1..L that moves m of the eligible layers `el` (shapes
## `shp`): a random subset of size m; a shape drawn only once gets a second
## layer of its shape; within each shape the chosen layers are deranged, so
## every chosen layer leaves its position.
draw_order <- function(L, el, shp, m) {
  pick <- sample.int(length(el), m)
  for (s in unique(shp[pick])) {
    if (sum(shp[pick] == s) == 1L) {
      free <- setdiff(which(shp == s), pick)
      pick <- c(pick, free[sample.int(length(free), 1L)])
    }
  }
  o <- seq_len(L)
  for (s in unique(shp[pick])) {
    pos <- sort(el[pick[shp[pick] == s]])
    o[pos] <- pos[derangement(length(pos))]
  }
  o
}

derangement <- function(k) {
  repeat {
    p <- sample.int(k)
    if (all(p != seq_len(k))) return(p)
  }
}

## Squared errors ||X - F_o[1] ... F_o[L] G_L||_F^2 for the orders in the
## columns of `orders` (L x P), plus the unpermuted error and ||X||^2.
permutation_errors <- function(fit, X, orders) {
  if (!is.matrix(orders)) orders <- matrix(orders, ncol = 1L)
  if (storage.mode(orders) != "integer") storage.mode(orders) <- "integer"
  if (storage.mode(X) != "double") storage.mode(X) <- "double"
  .Call(C_mlnmf_permute, X, fit$F, fit$G[[fit$layers]], orders)
}

print.mlnmf_permutation <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  blocks <- attr(x, "blocks")
  elig <- attr(x, "eligible")
  base <- attr(x, "unpermuted")
  if (is.null(blocks) || is.null(elig) || is.null(base) ||
      !all(c("block", "fraction", "error") %in% names(x)))
    return(NextMethod())
  cat(sprintf("Layer-permutation test: %d layers in %d blocks, %d permutations per block and fraction\n",
              attr(x, "layers"), length(blocks), attr(x, "reps")))
  for (g in names(blocks))
    cat(sprintf("  %s: layers %d-%d, %d eligible to trade places\n", g,
                min(blocks[[g]]), max(blocks[[g]]), length(elig[[g]])))
  cat(sprintf("Unpermuted ||X - F1...FL GL||^2: %s (relative error %s)\n",
              format(base[["error"]], digits = digits),
              format(base[["rel_error"]], digits = digits)))
  cat("Mean ||X - permuted product||^2 by block (rows) and fraction moved (columns):\n")
  M <- tapply(x$error, list(x$block, x$fraction), mean)
  colnames(M) <- paste0(format(100 * as.numeric(colnames(M))), "%")
  print(M, digits = digits)
  cat(sprintf("(%d rows; summary() for the spread, as.data.frame() for the table)\n",
              nrow(x)))
  invisible(x)
}

summary.mlnmf_permutation <- function(object, ...) {
  key <- list(block = object$block, fraction = object$fraction)
  stat <- function(f) {
    v <- tapply(object$error, key, f)
    as.vector(v)
  }
  lev <- expand.grid(block = levels(factor(object$block)),
                     fraction = sort(unique(object$fraction)),
                     KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
  qs <- function(p) function(v) unname(quantile(v, p))
  out <- data.frame(block = factor(lev$block, levels = levels(factor(object$block))),
                    fraction = lev$fraction,
                    n = stat(length), mean = stat(mean), sd = stat(sd),
                    min = stat(min), q25 = stat(qs(0.25)), median = stat(median),
                    q75 = stat(qs(0.75)), max = stat(max),
                    mean_rel_error = as.vector(tapply(object$rel_error, key, mean)),
                    unpermuted = as.vector(tapply(object$unpermuted, key, `[`, 1L)))
  out <- out[!is.na(out$n), , drop = FALSE]
  rownames(out) <- NULL
  out
}

plot.mlnmf_permutation <- function(x, type = c("lines", "boxplot"),
                                   measure = c("error", "rel_error"), log = "y",
                                   col = NULL, main = NULL, ...) {
  type <- check_choice(type, c("lines", "boxplot"), "type")
  measure <- check_choice(measure, c("error", "rel_error"), "measure")
  v <- x[[measure]]
  if (any(v <= 0)) log <- sub("y", "", log)
  blk <- droplevels(factor(x$block))
  fr <- sort(unique(x$fraction))
  nb <- nlevels(blk)
  if (is.null(col)) col <- if (nb > 1L) hcl.colors(nb, "Dark 3") else "black"
  col <- rep_len(col, nb)
  ylab <- if (measure == "error") "||X - permuted product||^2" else
    "||X - permuted product|| / ||X||"
  if (is.null(main)) main <- "Reconstruction error after permuting layers"
  base <- attr(x, "unpermuted")
  base <- if (!is.null(base)) base[[measure]] else if (measure == "error")
    x$unpermuted[1L] else sqrt(x$unpermuted[1L] / (x$error[1L] / x$rel_error[1L]^2))
  lab <- c(levels(blk), "unpermuted")
  lcol <- c(col, "gray40")
  if (type == "lines") {
    f <- factor(x$fraction, levels = fr)
    M <- tapply(v, list(f, blk), mean)
    lo <- tapply(v, list(f, blk), quantile, 0.25, names = FALSE)
    hi <- tapply(v, list(f, blk), quantile, 0.75, names = FALSE)
    lo <- matrix(as.numeric(lo), nrow(M))
    hi <- matrix(as.numeric(hi), nrow(M))
    yl <- headroom(range(c(lo, hi, M, base), na.rm = TRUE), grepl("y", log))
    matplot(100 * fr, M, type = "b", pch = 19, lty = 1, col = col, log = log,
            ylim = yl, xlab = "layers permuted (% of the block's eligible layers)",
            ylab = ylab, main = main, ...)
    dx <- 0.1 * if (length(fr) > 1L) min(diff(100 * fr)) else 1
    off <- (seq_len(nb) - (nb + 1) / 2) * dx / max(1, nb - 1)
    for (j in seq_len(nb))
      graphics::segments(100 * fr + off[j], lo[, j], 100 * fr + off[j], hi[, j],
                         col = col[j])
    abline(h = base, lty = 2, col = "gray40")
    legend("top", legend = lab, col = lcol, lty = c(rep(1, nb), 2),
           pch = c(rep(19, nb), NA), horiz = TRUE, bty = "n", cex = 0.8,
           text.width = graphics::strwidth(paste0(lab, "  "), cex = 0.8))
  } else {
    grp <- interaction(blk, factor(x$fraction, levels = fr))
    at <- rep((seq_along(fr) - 1) * (nb + 1), each = nb) + seq_len(nb)
    yl <- headroom(range(c(v, base)), grepl("y", log))
    boxplot(split(v, grp), at = at, col = rep(col, length(fr)), log = log,
            ylim = yl, xaxt = "n", xlab = "layers permuted (% of the block's eligible layers)",
            ylab = ylab, main = main, ...)
    axis(1, at = (seq_along(fr) - 1) * (nb + 1) + (nb + 1) / 2,
         labels = paste0(format(100 * fr), "%"))
    abline(h = base, lty = 2, col = "gray40")
    legend("top", legend = lab, pch = c(rep(15, nb), NA), pt.cex = 1.6,
           lty = c(rep(NA, nb), 2), col = lcol, horiz = TRUE, bty = "n",
           cex = 0.8, text.width = graphics::strwidth(paste0(lab, "  "), cex = 0.8))
  }
  invisible(x)
}

## Room above the data for a one-line legend.
headroom <- function(r, logscale) {
  if (logscale) c(r[1L], r[2L] * (r[2L] / r[1L])^0.2)
  else c(r[1L], r[2L] + 0.2 * diff(r) + (diff(r) == 0))
}
