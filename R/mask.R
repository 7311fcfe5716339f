## Missing values: the 'mask' argument of mlnmf(), nmf() and predict().
##
## resolve_mask() turns what the user gave into what src/xops.c reads:
##   NULL                       no mask (type 0)
##   list(1L)                   observed = the stored entries of a sparse X
##   list(2L, p, i)             the missing entries as a column-compressed
##                              pattern over the columns of X (0-based rows)
## and returns it with X (a dense X under mask = "zeros" is read as sparse)
## and a summary kept in the fit.  Nothing of the size of X is allocated
## beyond the pattern itself.

.mask_names <- c("NA", "zeros")

resolve_mask <- function(mask, X, arg = "X", n_na = NULL) {
  ## n_na: the NA count of check_data(), when known; none and no mask
  ## means nothing to resolve (no second pass over X)
  if (is.null(mask) && identical(n_na, 0)) return(list(X = X, desc = NULL, info = NULL))
  d <- dim(X)
  delayed <- is_delayed(X)                  # read in column blocks (R/bioc.R)
  if (delayed && identical(mask, "zeros"))
    stopf("mask = \"zeros\" is not supported for a DelayedMatrix '%s' (data read in column blocks): give mask = \"NA\", a logical or a sparse mask, or fit the data in memory", arg)
  na <- if (!delayed) .Call(C_mlnmf_na_pattern, X)
        else if (identical(n_na, 0)) list(p = integer(d[2L] + 1L), i = integer())
        else na_pattern_delayed(X)
  n_na <- length(na$i)
  if (is.null(mask)) {
    if (n_na > 0)
      stopf("'%s' must be finite: %d entries are NA or NaN (give mask = \"NA\" to fit the observed entries only)",
            arg, n_na)
    return(list(X = X, desc = NULL, info = NULL))
  }
  if (is.character(mask)) {
    if (length(mask) != 1L || is.na(mask) || !(mask %in% .mask_names))
      stopf("'mask' must be NULL, \"NA\", \"zeros\", or a logical or sparse matrix of dim(%s), not %s",
            arg, if (is.character(mask) && length(mask) == 1L)
                   sprintf("\"%s\"", mask) else describe(mask))
    if (mask == "NA") {
      desc <- list(2L, na$p, na$i)
      return(finish_mask(X, desc, "NA", arg))
    }
    if (n_na > 0)
      stopf("'%s' has %d NA entries: with mask = \"zeros\" every entry must be a number; give a logical mask to ignore both",
            arg, n_na)
    if (!is_sparse(X)) {
      nz <- .Call(C_mlnmf_scan, X)[4L]
      if (nz == length(X))
        stopf("mask = \"zeros\" ignores the zeros of '%s', but it has none: use mask = NULL",
              arg)
      X <- methods::as(X, "CsparseMatrix")   # the nonzeros only, read once
    } else if (any(X@x == 0)) {
      X <- Matrix::drop0(X)                  # stored zeros are zeros too
    }
    return(finish_mask(X, list(1L), "zeros", arg))
  }
  if (is.matrix(mask) && is.logical(mask)) {
    check_mask_dim(mask, d, arg)
    if (anyNA(mask)) stopf("'mask' must not contain NA")
    idx <- which(mask) - 1                  # column-major, so sorted by column
    j <- idx %/% d[1L]
    p <- c(0L, cumsum(tabulate(j + 1, d[2L])))
    desc <- list(2L, as.integer(p), as.integer(idx - j * d[1L]))
  } else if (methods::is(mask, "sparseMatrix")) {
    check_mask_dim(mask, d, arg)
    M <- methods::as(mask, "CsparseMatrix")
    if (methods::is(M, "symmetricMatrix") || methods::is(M, "triangularMatrix"))
      M <- methods::as(M, "generalMatrix")
    M <- Matrix::drop0(M)
    if (methods::is(M, "dMatrix") && anyNA(M@x)) stopf("'mask' must not contain NA")
    desc <- list(2L, as.integer(M@p), as.integer(M@i))
  } else {
    stopf("'mask' must be NULL, \"NA\", \"zeros\", or a logical or sparse matrix of dim(%s), not %s",
          arg, describe(mask))
  }
  if (n_na > 0) {
    lin_na <- na$i + rep(seq_len(d[2L]) - 1, diff(na$p)) * d[1L]
    lin_mask <- desc[[3L]] + rep(seq_len(d[2L]) - 1, diff(desc[[2L]])) * d[1L]
    out <- sum(!(lin_na %in% lin_mask))
    if (out > 0)
      stopf("'%s' has %d NA entries that 'mask' does not mark as missing", arg, out)
  }
  finish_mask(X, desc, "given", arg)
}

check_mask_dim <- function(mask, d, arg) {
  if (!identical(as.integer(dim(mask)), as.integer(d)))
    stopf("'mask' must be %d x %d like '%s', not %s", d[1L], d[2L], arg,
          paste(dim(mask), collapse = " x "))
}

## Counts, and the rows and columns with nothing observed: no data inform
## their factor rows (they follow the start, the normalisation and
## extrapolation of the solver, and an L2 penalty drives them towards eps),
## which a warning says.
finish_mask <- function(X, desc, kind, arg) {
  d <- dim(X)
  total <- as.double(d[1L]) * d[2L]
  if (desc[[1L]] == 1L) {
    obs_col <- diff(X@p)
    obs_row <- tabulate(X@i + 1L, d[1L])
  } else {
    obs_col <- d[1L] - diff(desc[[2L]])
    obs_row <- d[2L] - tabulate(desc[[3L]] + 1L, d[1L])
  }
  n_obs <- sum(as.double(obs_col))
  if (n_obs == 0) stopf("'mask' leaves no entry of '%s' observed", arg)
  if (n_obs == total) return(list(X = X, desc = NULL, info = NULL))
  hid_r <- which(obs_row == 0)
  hid_c <- which(obs_col == 0)
  if (length(hid_r) || length(hid_c))
    warning(sprintf("'mask' hides every entry of %s of '%s': their factor rows are not estimated from the data (they follow the start, the solver's rescaling and any L2 penalty), so the fitted values there are not estimates",
                    paste(c(if (length(hid_r)) sprintf("row%s %s", if (length(hid_r) > 1L) "s" else "", few(hid_r)),
                            if (length(hid_c)) sprintf("column%s %s", if (length(hid_c) > 1L) "s" else "", few(hid_c))),
                          collapse = " and "), arg), call. = FALSE)
  list(X = X, desc = desc,
       info = list(type = kind, missing = total - n_obs, observed = n_obs,
                   hidden_rows = hid_r, hidden_cols = hid_c),
       obs_row = obs_row, obs_col = obs_col)
}

## Issue 20: a masked fit is not identified where a row or column has fewer
## observed entries than the rank (its factor row has more unknowns than
## equations), and the fit can put values there far beyond the data.  Say
## which, once, before the fit.
warn_few_observed <- function(mk, k, method, arg = "X") {
  if (is.null(mk$obs_row)) return(invisible())
  r <- which(mk$obs_row > 0 & mk$obs_row < k)
  c <- which(mk$obs_col > 0 & mk$obs_col < k)
  if (length(r) || length(c))
    warning(sprintf("'mask' leaves fewer observed entries than the rank (%d) in %s of '%s': the fit is not identified there and may impute values far beyond the data; %s",
                    k, paste(c(if (length(r)) sprintf("row%s %s", if (length(r) > 1L) "s" else "", few(r)),
                               if (length(c)) sprintf("column%s %s", if (length(c) > 1L) "s" else "", few(c))),
                             collapse = " and "), arg,
                    if (method == "kl") "a smaller rank or more observed entries avoid it"
                    else "a small 'L2' (e.g. 0.01 ||X / max(X)||_F, as nmf_rank() uses) keeps it bounded"),
            call. = FALSE)
  invisible()
}

## After a masked fit: the largest fitted value of layer 1, against the
## largest observed entry.  The bound sum_l max(F_l) max(G_l) is checked
## first (cheap); only when it exceeds 10 x the data's maximum is F G
## formed, in column blocks.
warn_imputed <- function(fit, X) {
  if (is.null(fit$mask)) return(invisible())
  F <- fit$F[[1L]]
  G <- fit$G[[1L]]
  if (is.null(G) || !is.matrix(G)) return(invisible())
  xmax <- if (is_sparse(X)) max(abs(X@x), na.rm = TRUE) else max(abs(X), na.rm = TRUE)
  if (!is.finite(xmax) || xmax <= 0) return(invisible())
  bound <- sum(apply(F, 2L, max) * apply(G, 1L, max))
  if (!(bound > 10 * xmax)) return(invisible())
  top <- 0
  step <- max(1L, floor(1e6 / max(1L, nrow(F))))
  for (s in seq(1L, ncol(G), by = step)) {
    b <- s:min(ncol(G), s + step - 1L)
    top <- max(top, F %*% G[, b, drop = FALSE])
  }
  if (top > 10 * xmax)
    warning(sprintf("the masked fit's values reach %s where the largest observed entry of 'X' is %s: the missing entries of rows or columns with few observed entries are not identified; give a small 'L2' (e.g. 0.01 ||X / max(X)||_F) or a smaller rank",
                    format(top, digits = 3), format(xmax, digits = 3)), call. = FALSE)
  invisible()
}

few <- function(i) {
  if (length(i) <= 6L) paste(i, collapse = ", ")
  else paste0(paste(i[1:5], collapse = ", "), ", ... (", length(i), " in all)")
}
