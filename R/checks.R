## Argument validators.  Each names the argument it checks and says what is
## wrong; none copies a double matrix that is already fine.

stopf <- function(fmt, ...) stop(sprintf(fmt, ...), call. = FALSE)

## The data matrix: numeric (double, integer or logical) matrix, a data
## frame of numeric columns, or a sparse Matrix (kept sparse: a dgCMatrix is
## used as it is, other Matrix classes are coerced to one); finite,
## nonnegative, not empty, not all zero.  With na_ok, NA and NaN entries are
## allowed (the mask decides what they mean: resolve_mask()).
check_data <- function(X, arg = "X", allow_zero = FALSE, na_ok = FALSE) {
  if (is.data.frame(X)) {
    ok <- vapply(X, function(col) is.numeric(col) || is.logical(col), NA)
    if (!all(ok))
      stopf("'%s' is a data frame with non-numeric columns: %s", arg,
            paste(names(X)[!ok], collapse = ", "))
    X <- as.matrix(X)
  }
  if (methods::is(X, "Matrix")) {
    X <- as_dgc(X, arg)
    vals <- X@x
  } else {
    if (!is.matrix(X))
      stopf("'%s' must be a numeric matrix, not %s", arg, describe(X))
    if (!(is.numeric(X) || is.logical(X)))
      stopf("'%s' must be a numeric matrix, not a %s matrix", arg, typeof(X))
    if (storage.mode(X) != "double") storage.mode(X) <- "double"
    vals <- X
  }
  if (nrow(X) == 0L || ncol(X) == 0L)
    stopf("'%s' must have at least one row and one column (it is %d x %d)",
          arg, nrow(X), ncol(X))
  ## one pass in C: counts of NA/NaN, infinite, negative and positive entries
  counts <- .Call(C_mlnmf_scan, vals)
  if (counts[2L] > 0)
    stopf("'%s' must be finite: %.0f entries are infinite", arg, counts[2L])
  if (counts[1L] > 0 && !na_ok)
    stopf("'%s' must be finite: %.0f entries are NA or NaN", arg, counts[1L])
  if (counts[3L] > 0)
    stopf("'%s' must be nonnegative: %.0f entries are negative", arg, counts[3L])
  if (!allow_zero && counts[4L] == 0)
    stopf("'%s' is all zero: there is nothing to factorize", arg)
  X
}

## A sparse Matrix as a dgCMatrix (general, double, column-compressed); a
## dgCMatrix is returned as it is, without a copy.
as_dgc <- function(X, arg) {
  if (methods::is(X, "dgCMatrix")) return(X)
  out <- tryCatch({
    Y <- methods::as(X, "CsparseMatrix")
    if (!methods::is(Y, "generalMatrix")) Y <- methods::as(Y, "generalMatrix")
    if (!methods::is(Y, "dMatrix")) Y <- methods::as(Y, "dMatrix")
    Y
  }, error = function(e) NULL)
  if (!methods::is(out, "dgCMatrix"))
    stopf("'%s' is a Matrix of class '%s' that cannot be read as a dgCMatrix",
          arg, class(X)[1L])
  out
}

is_sparse <- function(X) methods::is(X, "dgCMatrix")

describe <- function(x) {
  if (is.null(x)) "NULL"
  else if (is.function(x)) "a function"
  else if (is.factor(x)) "a factor"
  else if (is.object(x) && !is.data.frame(x))
    sprintf("an object of class '%s'", class(x)[1L])
  else if (is.list(x)) "a list"
  else if (is.atomic(x) && is.null(dim(x)))
    sprintf("%s %s vector", if (typeof(x) == "integer") "an" else "a",
            typeof(x))
  else sprintf("an object of class '%s'", class(x)[1L])
}

is_whole <- function(x) is.numeric(x) && all(is.finite(x)) && all(x == round(x))

check_count <- function(x, arg, min = 1L) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || !is_whole(x) || x < min)
    stopf("'%s' must be a single whole number >= %d", arg, min)
  if (x >= .Machine$integer.max)
    stopf("'%s' must be less than %d, not %g", arg, .Machine$integer.max, x)
  as.integer(x)
}

check_number <- function(x, arg, lower = -Inf, upper = Inf,
                         lower_open = FALSE) {
  if (!is.numeric(x) || length(x) != 1L || !is.finite(x))
    stopf("'%s' must be a single finite number", arg)
  if (x < lower || (lower_open && x == lower) || x > upper)
    stopf("'%s' must be %s %g%s", arg, if (lower_open) ">" else ">=", lower,
          if (is.finite(upper)) sprintf(" and <= %g", upper) else "")
  as.double(x)
}

check_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x))
    stopf("'%s' must be TRUE or FALSE", arg)
  x
}

check_choice <- function(x, choices, arg) {
  if (!is.character(x) || length(x) < 1L || is.na(x[1L]))
    stopf("'%s' must be one of %s", arg, paste0("\"", choices, "\"", collapse = ", "))
  x <- x[1L]
  i <- pmatch(x, choices)
  if (is.na(i))
    stopf("'%s' must be one of %s, not \"%s\"", arg,
          paste0("\"", choices, "\"", collapse = ", "), x)
  choices[i]
}

## Ranks for 'layers' layers of a d x N matrix: layer i factorizes a
## k_{i-1} x N matrix (k_0 = d), so k_i <= min(k_{i-1}, N).
check_rank_type <- function(rank) {
  if (!is.numeric(rank) || length(rank) == 0L)
    stopf("'rank' must be a positive whole number or a vector of them, not %s",
          describe(rank))
}

check_rank <- function(rank, layers, d, N) {
  check_rank_type(rank)
  if (anyNA(rank) || !is_whole(rank))
    stopf("'rank' must contain whole numbers only (no NA, no fractions)")
  if (any(rank < 1))
    stopf("'rank' must be >= 1: got %s", paste(rank[rank < 1], collapse = ", "))
  if (length(rank) == 1L) rank <- rep(rank, layers)
  if (length(rank) != layers)
    stopf("'rank' must have length 1 or 'layers' (%d), not %d", layers,
          length(rank))
  prev <- d
  for (i in seq_along(rank)) {
    lim <- min(prev, N)
    if (rank[i] > lim)
      stopf("'rank' of layer %d is %d, larger than min(%s) = %d of that layer's input",
            i, rank[i], if (i == 1L) "dim(X)" else "rank of the previous layer, ncol(X)",
            lim)
    prev <- rank[i]
  }
  as.integer(rank)
}

check_fit <- function(object, arg = "object",
                      need = c("F", "G", "layers")) {
  if (!inherits(object, "mlnmf"))
    stopf("'%s' must be a fit returned by mlnmf() or nmf(), not %s", arg,
          describe(object))
  if (!is.list(object) || !all(need %in% names(object)) ||
      !is.list(object$F) || !is.list(object$G) ||
      length(object$F) != object$layers || length(object$G) != object$layers)
    stopf("'%s' has class \"mlnmf\" but is not a complete fit (it needs %s, one F and G per layer)",
          arg, paste(need, collapse = ", "))
  invisible(object)
}
