## The layer-permutation protocol of the paper's section 5: permute the
## order of some layers inside one block of consecutive layers and measure
## ||X - F_sigma(1) ... F_sigma(L) G_L||_F^2.  The random choices are made
## here with R's RNG; the chain products of each chunk of permutations are
## done in one .Call into src/permute.c.

permutation_test <- function(fit, X = NULL, groups = 3L,
                             fraction = c(0.05, 0.10, 0.15, 0.20), reps = 20L,
                             seed = NULL, fraction_of = c("block", "layers"),
                             move_all = TRUE, min_moved = 2L) {
  check_fit(fit, "fit")
  L <- fit$layers
  if (L < 2L)
    stopf("'fit' has a single layer: there is no order of layers to permute")
  a <- pt_check_args(L, groups, fraction, reps, seed, fraction_of, move_all, min_moved)
  dd <- dep_data(fit, X)       # dense or sparse, with the fit's mask
  X <- dd$X
  if (!is.null(seed)) {
    ## the caller's stream is restored on every exit, error and interrupt too
    genv <- globalenv()
    old <- if (exists(".Random.seed", envir = genv, inherits = FALSE))
      get(".Random.seed", envir = genv, inherits = FALSE)
    on.exit(if (is.null(old)) {
      if (exists(".Random.seed", envir = genv, inherits = FALSE))
        rm(".Random.seed", envir = genv)
    } else assign(".Random.seed", old, envir = genv), add = TRUE)
    set.seed(seed)
  }
  bl <- pt_blocks(fit, a$groups)
  plan <- pt_plan(bl, L, a)
  run <- pt_run(fit, X, dd$mask, bl, plan, a)
  ## the entries the errors sum over: the observed ones under a mask
  entries <- if (is.null(fit$mask)) as.double(nrow(X)) * ncol(X) else fit$mask$observed
  pt_table(run, bl, plan, a, entries, L, X)
}

## The arguments of permutation_test() validated, as one list.
pt_check_args <- function(L, groups, fraction, reps, seed, fraction_of,
                          move_all, min_moved) {
  groups <- check_count(groups, "groups")
  if (groups > L)
    stopf("'groups' must be at most the number of layers (%d), not %d", L, groups)
  fraction <- check_fraction(fraction)
  reps <- check_count(reps, "reps")
  if (reps > max_reps)
    stopf("'reps' must be at most %s, not %s", format(max_reps, scientific = FALSE),
          format(reps, scientific = FALSE))
  fraction_of <- check_choice(fraction_of, c("block", "layers"), "fraction_of")
  move_all <- check_flag(move_all, "move_all")
  min_moved <- check_count(min_moved, "min_moved")
  if (!is.null(seed) &&
      (!is.numeric(seed) || length(seed) != 1L || !is_whole(seed)))
    stopf("'seed' must be NULL or a single whole number")
  list(groups = groups, fraction = fraction, reps = reps, seed = seed,
       fraction_of = fraction_of, move_all = move_all, min_moved = min_moved)
}

## Blocks A_g = layers floor(L (g-1)/groups) + 1 .. floor(L g/groups), the
## layers of each that can trade places (two or more of one shape), and the
## blocks used (a warning names those left out).
pt_blocks <- function(fit, groups) {
  L <- fit$layers
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
  list(names = bnames, blocks = blocks, eligible = eligible, ne = ne,
       shape = shape, use = which(ne >= 2L))
}

## One row per (rep, fraction, block), rep varying fastest: the row count,
## the block and fraction of row r, the layers to draw for block b and
## fraction j (before the partner rule).  The result table is bounded by
## memory (getOption("mlnmf.max_bytes"), 2 GiB by default), not by rows.
pt_plan <- function(bl, L, a) {
  nf <- length(a$fraction)
  n <- as.double(a$reps) * nf * length(bl$use)
  n_draw <- function(b, j) {
    base <- if (a$fraction_of == "block") bl$ne[b] else L
    min(bl$ne[b], max(a$min_moved, floor(a$fraction[j] * base + 0.5)))
  }
  ## a row: 5 doubles, 3 integers, two strings of up to (moved + 1) layer
  ## numbers (a CHARSXP each, 56 bytes and the text) and their pointers
  moved <- 1 + max(vapply(bl$use, function(b)
    max(vapply(seq_len(nf), function(j) n_draw(b, j), 0)), 0))
  per_row <- 5 * 8 + 3 * 4 + 2 * (8 + 56 + 8 * ceiling(moved * (nchar(L) + 1) / 8))
  limit <- getOption("mlnmf.max_bytes", 2^31)
  if (n * per_row > limit)
    stopf("'reps' x length('fraction') x blocks is %s permutations: the table would take about %s, more than the limit of %s (option 'mlnmf.max_bytes'); use fewer 'reps' or fractions",
          format(n, scientific = FALSE), format_bytes(n * per_row), format_bytes(limit))
  n <- as.integer(n)
  reps <- a$reps
  list(n = n, n_draw = n_draw,
       row_block = function(r) bl$use[(r - 1L) %/% (reps * nf) + 1L],
       row_fraction = function(r) ((r - 1L) %/% reps) %% nf + 1L)
}

## The orders drawn and evaluated a chunk of rows at a time, so memory does
## not grow with 'reps' beyond the result and an interrupt is answered at
## once.  Returns the errors, the moves and the C pass's base and norm.
pt_run <- function(fit, X, mask, bl, plan, a) {
  L <- fit$layers
  n <- plan$n
  err <- numeric(n)
  nmoved <- integer(n)
  moved <- neworder <- character(n)
  chunk <- max(1L, min(n, perm_chunk %/% L))
  res <- NULL
  for (first in seq.int(1L, n, by = chunk)) {
    rows <- seq.int(first, min(n, first + chunk - 1L))
    orders <- matrix(seq_len(L), L, length(rows))
    for (t in seq_along(rows)) {
      r <- rows[t]
      b <- plan$row_block(r)
      el <- bl$eligible[[b]]
      o <- draw_order(L, el, bl$shape[el], plan$n_draw(b, plan$row_fraction(r)),
                      a$move_all)
      pos <- which(o != seq_len(L))
      orders[, t] <- o
      moved[r] <- paste(pos, collapse = ",")
      neworder[r] <- paste(o[pos], collapse = ",")
      nmoved[r] <- length(pos)
    }
    res <- permutation_errors(fit, X, orders, mask)
    err[rows] <- res$error
  }
  list(error = err, nmoved = nmoved, moved = moved, order = neworder,
       base = res$base, norm2 = res$norm2)
}

## The result: the table with its attributes.  Squared errors beyond the
## largest double (data near 1e308) are refused, not returned as Inf.
pt_table <- function(run, bl, plan, a, entries, L, X) {
  idx <- seq_len(plan$n)
  err <- run$error
  out <- data.frame(block = factor(bl$names[plan$row_block(idx)], levels = bl$names),
                    fraction = a$fraction[plan$row_fraction(idx)],
                    rep = (idx - 1L) %% a$reps + 1L, n_moved = run$nmoved,
                    moved = run$moved, order = run$order, error = err,
                    mse = err / entries,
                    rel_error = sqrt(err / run$norm2),
                    unpermuted = run$base, stringsAsFactors = FALSE)
  if (!all(is.finite(c(err, run$base, run$norm2, out$mse))))
    stopf("the squared errors of 'X' (largest entry %g) are beyond the largest double: divide 'X' by a constant and refit (the relative errors do not depend on it)",
          data_max(X))
  structure(out, class = c("mlnmf_permutation", "data.frame"),
            blocks = bl$blocks, eligible = bl$eligible,
            unpermuted = c(error = run$base, mse = run$base / entries,
                           rel_error = sqrt(run$base / run$norm2)),
            norm2 = run$norm2, entries = entries, layers = L,
            fractions = a$fraction, reps = a$reps, seed = a$seed,
            protocol = list(fraction_of = a$fraction_of, move_all = a$move_all,
                            min_moved = a$min_moved))
}

## reps above this would only be a mistake (each row is a few hundred bytes)
max_reps <- 1e6
## about this many order entries (L per permutation) per call into C
perm_chunk <- 2^20

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
## `shp`): a random subset of size m.  move_all = TRUE: a shape drawn only
## once gets a second layer of its shape, and within each shape the chosen
## layers are deranged, so every chosen layer leaves its position.
## move_all = FALSE: the chosen layers of each shape are shuffled by a
## uniformly random permutation, so some (or all) may stay in place.
draw_order <- function(L, el, shp, m, move_all = TRUE) {
  pick <- sample.int(length(el), m)
  if (move_all) {
    for (s in unique(shp[pick])) {
      if (sum(shp[pick] == s) == 1L) {
        free <- setdiff(which(shp == s), pick)
        pick <- c(pick, free[sample.int(length(free), 1L)])
      }
    }
  }
  o <- seq_len(L)
  for (s in unique(shp[pick])) {
    pos <- sort(el[pick[shp[pick] == s]])
    k <- length(pos)
    o[pos] <- pos[if (move_all) derangement(k) else sample.int(k)]
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
permutation_errors <- function(fit, X, orders, mask = NULL) {
  if (!is.matrix(orders)) orders <- matrix(orders, ncol = 1L)
  if (storage.mode(orders) != "integer") storage.mode(orders) <- "integer"
  .Call(C_mlnmf_permute, X, fit$F, fit$G[[fit$layers]], orders, mask)
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
  pr <- attr(x, "protocol")
  if (!is.null(pr))
    cat(sprintf("Fractions of %s; %s; at least %d layer%s drawn\n",
                if (pr$fraction_of == "block") "each block's eligible layers"
                else "all layers",
                if (pr$move_all) "every drawn layer moves"
                else "drawn layers shuffled (some may stay)",
                pr$min_moved, if (pr$min_moved > 1L) "s" else ""))
  for (g in names(blocks))
    cat(sprintf("  %s: layers %d-%d, %d eligible to trade places\n", g,
                min(blocks[[g]]), max(blocks[[g]]), length(elig[[g]])))
  has_mse <- "mse" %in% names(base) && "mse" %in% names(x)
  cat(sprintf("Unpermuted ||X - F1...FL GL||^2: %s%s (relative error %s)\n",
              format(base[["error"]], digits = digits),
              if (has_mse) sprintf(", per entry %s",
                                   format(base[["mse"]], digits = digits)) else "",
              format(base[["rel_error"]], digits = digits)))
  blk <- droplevels(factor(x$block))
  tab <- function(v) {
    M <- tapply(v, list(blk, x$fraction), mean)
    colnames(M) <- paste0(format(100 * as.numeric(colnames(M))), "%")
    M
  }
  cat("Mean ||X - permuted product||^2 by block (rows) and fraction (columns):\n")
  print(tab(x$error), digits = digits)
  if (has_mse) {
    cat("The same per entry of X (mean squared error, ||.||^2 / (d N)):\n")
    print(tab(x$mse), digits = digits)
  }
  cat("Mean relative error ||X - permuted product|| / ||X||:\n")
  print(tab(x$rel_error), digits = digits)
  cat(sprintf("(%d rows; summary() for the spread, as.data.frame() for the table)\n",
              nrow(x)))
  invisible(x)
}

summary.mlnmf_permutation <- function(object, ...) {
  blk <- droplevels(factor(object$block))
  cell <- interaction(blk, factor(object$fraction), drop = TRUE, lex.order = TRUE)
  first <- !duplicated(cell)
  keys <- data.frame(block = blk[first], fraction = object$fraction[first])
  ord <- order(keys$fraction, as.integer(keys$block))   # block varies fastest
  lv <- as.character(cell[first])[ord]
  stat <- function(v, f) vapply(split(v, cell)[lv], f, 0, USE.NAMES = FALSE)
  qs <- function(p) function(v) unname(quantile(v, p))
  mse <- if ("mse" %in% names(object)) object$mse else
    object$error / (if (is.null(attr(object, "entries"))) NA_real_ else attr(object, "entries"))
  out <- data.frame(block = keys$block[ord], fraction = keys$fraction[ord],
                    n = as.integer(stat(object$error, length)),
                    mean = stat(object$error, mean), sd = stat(object$error, sd),
                    min = stat(object$error, min), q25 = stat(object$error, qs(0.25)),
                    median = stat(object$error, median),
                    q75 = stat(object$error, qs(0.75)), max = stat(object$error, max),
                    mean_mse = stat(mse, mean), median_mse = stat(mse, median),
                    mean_rel_error = stat(object$rel_error, mean),
                    unpermuted = stat(object$unpermuted, function(v) v[1L]))
  rownames(out) <- NULL
  out
}

plot.mlnmf_permutation <- function(x, type = c("lines", "boxplot"),
                                   measure = c("error", "mse", "rel_error"), log = "y",
                                   col = NULL, main = NULL, ...) {
  type <- check_choice(type, c("lines", "boxplot"), "type")
  measure <- check_choice(measure, c("error", "mse", "rel_error"), "measure")
  if (!measure %in% names(x))
    stopf("'measure' \"%s\" is not a column of 'x'", measure)
  v <- x[[measure]]
  if (any(v <= 0)) log <- sub("y", "", log)
  blk <- droplevels(factor(x$block))
  fr <- sort(unique(x$fraction))
  nb <- nlevels(blk)
  if (is.null(col)) col <- if (nb > 1L) hcl.colors(nb, "Dark 3") else "black"
  col <- rep_len(col, nb)
  ylab <- switch(measure, error = "||X - permuted product||^2",
                 mse = "||X - permuted product||^2 per entry",
                 rel_error = "||X - permuted product|| / ||X||")
  if (is.null(main)) main <- "Reconstruction error after permuting layers"
  base <- attr(x, "unpermuted")
  base <- if (!is.null(base) && measure %in% names(base)) base[[measure]] else
    switch(measure, error = x$unpermuted[1L],
           mse = x$unpermuted[1L] * x$mse[1L] / x$error[1L],
           rel_error = sqrt(x$unpermuted[1L] / (x$error[1L] / x$rel_error[1L]^2)))
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
