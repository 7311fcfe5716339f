## The dependence map between consecutive layers (paper section 4.2) and
## per-layer diagnostics.  The heavy products run in src/dependence.c.

## G_0 = X for the first pair: the stored data, or the data given as 'X'
## (in the user's layout, see fit_data()).
dep_data <- function(fit, X) {
  X <- fit_data(fit, X, na_ok = TRUE)
  ## a masked fit: its errors are over the entries it observed
  mask <- fit$mask_pattern
  if (is.null(mask)) X <- resolve_mask(NULL, X)$X
  else if (mask[[1L]] == 1L && !is_sparse(X)) X <- resolve_mask("zeros", X)$X
  ## the relative errors are computed on X scaled to a maximum of one, as
  ## the fit does; a maximum below the smallest normal double cannot be
  mx <- data_max(X)
  if (mx < .Machine$double.xmin)
    stopf("'X' is too small to rescale: its largest entry %g is below %g; multiply it by a constant",
          mx, .Machine$double.xmin)
  list(X = X, mask = mask)
}

check_pair <- function(i, L) {
  if (L < 2L)
    stopf("'fit' has one layer: the dependence map needs at least two")
  if (!is.numeric(i) || length(i) != 1L || !is_whole(i) || i < 1 || i > L - 1L)
    stopf("'i' must be a single whole number from 1 to %d (the map predicts F[[i + 1]] from F[[i]])",
          L - 1L)
  as.integer(i)
}

check_y <- function(Y, arg, d) {
  if (is.null(Y)) return(NULL)
  if (!is.matrix(Y))
    stopf("'%s' must be a numeric matrix, not %s", arg, describe(Y))
  if (!(is.numeric(Y) || is.logical(Y)))
    stopf("'%s' must be a numeric matrix, not a %s matrix", arg, typeof(Y))
  if (!identical(dim(Y), as.integer(d)))
    stopf("'%s' must be %d x %d (the shape of F[[i + 1]]), not %d x %d",
          arg, d[1L], d[2L], nrow(Y), ncol(Y))
  if (storage.mode(Y) != "double") storage.mode(Y) <- "double"
  nbad <- sum(!is.finite(Y))
  if (nbad > 0L)
    stopf("'%s' must be finite: %d entries are NA, NaN or infinite", arg, nbad)
  Y
}

layer_map <- function(fit, i, Y1 = NULL, Y2 = NULL, X = NULL) {
  check_fit(fit, "fit", need = c("F", "G", "layers", "dim"), all_G = TRUE)
  L <- fit$layers
  if (missing(i)) stopf("'i' is missing: the map predicts F[[i + 1]] from F[[i]]")
  i <- check_pair(i, L)
  d <- dim(fit$F[[i + 1L]])
  Y1 <- check_y(Y1, "Y1", d)
  Y2 <- check_y(Y2, "Y2", d)
  dd <- if (i == 1L) dep_data(fit, X) else list(X = matrix(0, 0L, fit$dim[2L]))
  res <- .Call(C_mlnmf_dependence, dd$X, fit$F, fit$G, i, TRUE, dd$mask)
  Z <- res$maps[[1L]]
  if (!all(is.finite(Z)))
    stopf("the map of pair %d overflows: pinv(F[[%d]]) G[[%d]] pinv(G[[%d]]) has entries beyond the largest double (is 'X' on the scale of the fit?)",
          i, i, i - 1L, i + 1L)
  ## The terms of Y1 and Y2 are their projections on the complements of
  ## the column space of F_i and the row space of G_(i+1); both projections
  ## are invariant to the scale of F_i, G_(i+1) and Y, so they are computed
  ## on scaled copies (Y of 1e308 would overflow the products otherwise).
  if (!is.null(Y1))
    Z <- Z + scaled_proj(Y1, function(Y) {
      Fi <- fit$F[[i]] / max(fit$F[[i]])
      Y - pinv(Fi) %*% (Fi %*% Y)
    })
  if (!is.null(Y2))
    Z <- Z + scaled_proj(Y2, function(Y) {
      Gn <- fit$G[[i + 1L]] / max(fit$G[[i + 1L]])
      Y - (Y %*% Gn) %*% pinv(Gn)
    })
  if (!all(is.finite(Z)))
    stopf("the map of pair %d with 'Y1' or 'Y2' has entries beyond the largest double: use smaller 'Y1' or 'Y2'",
          i)
  dimnames(Z) <- dimnames(fit$F[[i + 1L]])
  Z
}

## s * proj(Y / s) for s = max(abs(Y)): proj linear, computed on order one.
scaled_proj <- function(Y, proj) {
  s <- max(abs(Y))
  if (s == 0) return(Y)
  proj(Y / s) * s
}

dependence <- function(fit, X = NULL) {
  check_fit(fit, "fit", need = c("F", "G", "layers", "dim"), all_G = TRUE)
  L <- fit$layers
  if (L < 2L)
    stopf("'fit' has one layer: the dependence map needs at least two")
  dd <- dep_data(fit, X)
  pairs <- seq_len(L - 1L)
  st <- .Call(C_mlnmf_dependence, dd$X, fit$F, fit$G, pairs, FALSE, dd$mask)$stats
  bad <- which(!is.finite(st[, 1:3, drop = FALSE]), arr.ind = TRUE)
  if (nrow(bad))
    stopf("the %s of pair %d is beyond the largest double: 'X' (largest entry %g) is not on the scale of the fit's factors",
          c("map error", "map reconstruction error", "fit reconstruction error")[bad[1L, 2L]],
          pairs[bad[1L, 1L]], data_max(dd$X))
  out <- data.frame(from = pairs, to = pairs + 1L,
                    map_error = st[, 1L], recon_map = st[, 2L],
                    recon_fit = st[, 3L],
                    rank_F = as.integer(st[, 4L]),
                    maxrank_F = vapply(fit$F[pairs], function(f) min(dim(f)), 0L),
                    rank_G = as.integer(st[, 5L]),
                    maxrank_G = as.integer(fit$rank[pairs + 1L]))
  class(out) <- c("mlnmf_dependence", "data.frame")
  out
}

print.mlnmf_dependence <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat(sprintf("Dependence map f(F_i) = pinv(F_i) G_(i-1) pinv(G_(i+1)) over %d consecutive pair%s (G_0 = X)\n",
              nrow(x), if (nrow(x) == 1L) "" else "s"))
  cat("map_error = ||F_(i+1) - f(F_i)|| / ||F_(i+1)||\n",
      "recon_map, recon_fit = ||G_(i-1) - F_i Z G_(i+1)|| / ||G_(i-1)||",
      " with Z = f(F_i), F_(i+1)\n\n", sep = "")
  print_long_table(as.data.frame(unclass(x), stringsAsFactors = FALSE),
                   digits, "pairs")
  invisible(x)
}

plot.mlnmf_dependence <- function(x, log = "y", ...) {
  M <- cbind(x$map_error, x$recon_map, x$recon_fit)
  if (grepl("y", log)) M[!(M > 0)] <- NA
  if (all(is.na(M))) { M[] <- 0; log <- sub("y", "", log) }
  ## the legend below the axis, off the data
  op <- par(mar = par("mar") + c(4, 0, 0, 0))
  on.exit(par(op))
  matplot(x$from, M, type = "b", pch = c(19, 1, 4), lty = c(1, 2, 3),
          col = c("black", "steelblue", "firebrick"), log = log,
          xlab = "pair (i, i + 1)", ylab = "relative error", xaxt = "n",
          main = "Dependence map between consecutive layers", ...)
  int_axis(1L, max(x$from), min(x$from))
  legend("top", inset = c(0, 1.25), xpd = NA, bty = "n", pch = c(19, 1, 4), lty = c(1, 2, 3),
         col = c("black", "steelblue", "firebrick"),
         legend = c("||F(i+1) - f(F(i))|| / ||F(i+1)||",
                    "reconstruction of G(i-1), map",
                    "reconstruction of G(i-1), fit"))
  invisible(x)
}

## Relative Frobenius distance of a square F to the nearest monomial matrix
## P D (D diagonal): with the permutation fixed the best D takes the matched
## entries, so the distance is sqrt(1 - max_p sum_j F[p[j], j]^2 / ||F||^2).
monomial_dist <- function(F) {
  F <- as.matrix(F)
  storage.mode(F) <- "double"
  .Call(C_mlnmf_monomial_dist, F)          # src/depth.c (exact assignment)
}

layer_stats <- function(fit) {
  check_fit(fit, "fit")
  rows <- lapply(seq_len(fit$layers), function(i) {
    F <- fit$F[[i]]
    sq <- nrow(F) == ncol(F)
    s <- svd(F, nu = 0L, nv = 0L)$d
    rk <- sum(s > max(dim(F)) * .Machine$double.eps * s[1L])
    data.frame(layer = i, rows = nrow(F), cols = ncol(F),
               monomial_dist = if (sq) monomial_dist(F) else NA_real_,
               identity_dist = if (sq) sqrt(sum((F - diag(ncol(F)))^2) / ncol(F))
                               else NA_real_,
               condition = if (rk < length(s)) Inf else s[1L] / s[length(s)],
               rank = rk,
               sparsity = mean(F <= 1e-8 * max(F)))
  })
  out <- do.call(rbind, rows)
  class(out) <- c("mlnmf_layer_stats", "data.frame")
  out
}

print.mlnmf_layer_stats <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat(sprintf("Layer diagnostics of a %d-layer fit\n", nrow(x)))
  cat("monomial_dist: relative distance to the nearest scaled permutation;",
      "identity_dist: ||F - I|| / ||I||\n\n")
  print_long_table(as.data.frame(unclass(x), stringsAsFactors = FALSE),
                   digits, "layers")
  invisible(x)
}

plot.mlnmf_layer_stats <- function(x, ...) {
  op <- par(mfrow = c(1L, 2L))
  on.exit(par(op))
  M <- cbind(x$monomial_dist, x$identity_dist, x$sparsity)
  if (all(is.na(M))) M[] <- 0
  matplot(x$layer, M, type = "b", pch = c(19, 1, 4), lty = 1:3,
          col = c("black", "steelblue", "firebrick"), xlab = "layer i",
          ylab = "value", main = "Structure of F_i", ...)
  legend("topright", bty = "n", pch = c(19, 1, 4), lty = 1:3,
         col = c("black", "steelblue", "firebrick"),
         legend = c("to monomial", "to identity", "sparsity"))
  cond <- x$condition
  fin <- is.finite(cond)
  plot(x$layer, ifelse(fin, cond, NA), type = "b", pch = 19, cex = 0.6,
       log = if (any(fin)) "y" else "", xlab = "layer i",
       ylab = "condition number", main = "Conditioning of F_i",
       ylim = if (any(fin)) range(cond[fin]) else c(1, 10))
  if (any(!fin)) points(x$layer[!fin], rep(par("usr")[4L], sum(!fin)),
                        pch = 2, col = "firebrick", xpd = TRUE)
  invisible(x)
}
