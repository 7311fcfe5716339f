## Argument validators.  Each names the argument it checks and says what is
## wrong; none copies a double matrix that is already fine.

stopf <- function(fmt, ...) stop(sprintf(fmt, ...), call. = FALSE)

## The data matrix: numeric (double, integer or logical) matrix, a data
## frame of numeric columns, or a sparse Matrix (kept sparse: a dgCMatrix is
## used as it is, other Matrix classes are coerced to one); finite,
## nonnegative, not empty, not all zero.  With na_ok, NA and NaN entries are
## allowed (the mask decides what they mean: resolve_mask()).
check_data <- function(X, arg = "X", allow_zero = FALSE, na_ok = FALSE,
                       counts = FALSE) {
  if (is.data.frame(X)) {
    ok <- vapply(X, function(col) is.numeric(col) || is.logical(col), NA)
    if (!all(ok))
      stopf("'%s' is a data frame with non-numeric columns: %s", arg,
            paste(names(X)[!ok], collapse = ", "))
    X <- as.matrix(X)
  }
  if (isS4(X) && methods::is(X, "Matrix")) {
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
  want <- counts
  counts <- .Call(C_mlnmf_scan, vals)
  if (counts[2L] > 0)
    stopf("'%s' must be finite: %.0f entries are infinite", arg, counts[2L])
  if (counts[1L] > 0 && !na_ok)
    stopf("'%s' must be finite: %.0f entries are NA or NaN", arg, counts[1L])
  if (counts[3L] > 0)
    stopf("'%s' must be nonnegative: %.0f entries are negative", arg, counts[3L])
  if (!allow_zero && counts[4L] == 0)
    stopf("'%s' is all zero: there is nothing to factorize", arg)
  if (want) list(X = X, n_na = counts[1L]) else X
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

is_sparse <- function(X) isS4(X) && methods::is(X, "dgCMatrix")   # isS4: no S4 dispatch for a base matrix

## The largest entry of a dense or sparse data matrix (NA ignored).
data_max <- function(X) max(if (is_sparse(X)) X@x else X, na.rm = TRUE)

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
  if (is.numeric(rank) && length(rank) == 0L)
    stopf("'rank' is empty: give one rank, or one per layer")
  if (!is.numeric(rank))
    stopf("'rank' must be a positive whole number or a vector of them, not %s",
          describe(rank))
}

check_rank <- function(rank, layers, d, N) {
  check_rank_type(rank)
  if (anyNA(rank) || !is_whole(rank))
    stopf("'rank' must contain whole numbers only (no NA, no fractions)")
  if (any(rank < 1))
    stopf("'rank' must be >= 1: got %s",
          paste(format(rank[rank < 1], scientific = FALSE), collapse = ", "))
  if (length(rank) == 1L) rank <- rep(rank, layers)
  if (length(rank) != layers)
    stopf("'rank' must have length 1 or 'layers' (%d), not %d", layers,
          length(rank))
  ## layer i may not exceed min(k_{i-1}, N), k_0 = d: one vectorised pass
  lim <- pmin(c(d, rank[-layers]), N)
  bad <- which(rank > lim)
  if (length(bad)) {
    i <- bad[1L]
    stopf("'rank' of layer %d is %.0f, larger than min(%s) = %d of that layer's input: more components cannot fit better (a nonnegative m x n matrix is exactly W H with min(m, n) components) and NNDSVD has only that many singular vectors; use at most %d",
          i, rank[i], if (i == 1L) "dim(X)" else "rank of the previous layer, ncol(X)",
          as.integer(lim[i]), as.integer(lim[i]))
  }
  as.integer(rank)
}

## Limits on arguments that set the size of what is allocated, checked
## before anything proportional to them is: a cascade of more than
## .max_layers layers, or a trace of more than .max_trace iterations per
## layer (8 MB; a fit with a larger 'maxit' keeps no trace).
.max_layers <- 100000L
.max_trace <- 1000000L
.max_sim_entries <- .Machine$integer.max

## A fit: class, structure and values.  'need' names the fields the caller
## uses (they must be present); every field of a fit that is present is
## checked, so a fit with NaN in a factor, a negative 'eps' or 'layers',
## 'dim' or 'method' set to NA is refused with a message naming the field.
## Every F[[i]] and G[[L]] are always checked (fitted values, predictions and
## permutations use them); all_G = TRUE also checks the other G[[i]] (the
## dependence map uses them).
check_fit <- function(object, arg = "object",
                      need = c("F", "G", "layers"), all_G = FALSE) {
  if (!inherits(object, "mlnmf"))
    stopf("'%s' must be a fit returned by mlnmf() or nmf(), not %s", arg,
          describe(object))
  need <- union(c("F", "G", "layers"), need)
  if (!is.list(object) || !all(need %in% names(object)) ||
      !is.list(object$F) || !is.list(object$G))
    stopf("'%s' has class \"mlnmf\" but is not a complete fit (it needs %s, one F and G per layer)",
          arg, paste(need, collapse = ", "))
  L <- object$layers
  if (!is.numeric(L) || length(L) != 1L || !is_whole(L) || L < 1)
    stopf("'%s$layers' must be a single whole number >= 1, not %s", arg,
          short_value(L))
  if (length(object$F) != L || length(object$G) != L)
    stopf("'%s' has class \"mlnmf\" but is not a complete fit (it needs %s, one F and G per layer)",
          arg, paste(need, collapse = ", "))
  rows <- NA
  for (i in seq_len(L)) {
    Fi <- check_factor(object$F[[i]], sprintf("%s$F[[%d]]", arg, i))
    if (i > 1L && nrow(Fi) != rows)
      stopf("'%s$F[[%d]]' has %d rows, but F[[%d]] has %d columns: the factors do not chain",
            arg, i, nrow(Fi), i - 1L, rows)
    rows <- ncol(Fi)
  }
  N <- NA
  for (i in if (all_G) seq_len(L) else L) {
    Gi <- check_factor(object$G[[i]], sprintf("%s$G[[%d]]", arg, i))
    if (nrow(Gi) != ncol(object$F[[i]]))
      stopf("'%s$G[[%d]]' has %d rows, but F[[%d]] has %d columns", arg, i,
            nrow(Gi), i, ncol(object$F[[i]]))
    if (!is.na(N) && ncol(Gi) != N)
      stopf("'%s$G[[%d]]' has %d columns, but G[[1]] has %d", arg, i, ncol(Gi), N)
    N <- ncol(Gi)
  }
  if (!is.null(object$dim)) {
    dm <- object$dim
    if (!is.numeric(dm) || length(dm) != 2L || !is_whole(dm) || any(dm < 1))
      stopf("'%s$dim' must be two whole numbers >= 1 (the dimensions of the data), not %s",
            arg, short_value(dm))
    if (dm[1L] != nrow(object$F[[1L]]) || dm[2L] != N)
      stopf("'%s$dim' is %s, but the factors are for data of %d x %d", arg,
            paste(dm, collapse = " x "), nrow(object$F[[1L]]), N)
  }
  if (!is.null(object$method) &&
      !(is.character(object$method) && length(object$method) == 1L &&
        !is.na(object$method) && object$method %in% .methods))
    stopf("'%s$method' must be one of %s, not %s", arg,
          paste0("\"", .methods, "\"", collapse = ", "), short_value(object$method))
  if (!is.null(object$beta) &&
      !(is.numeric(object$beta) && length(object$beta) == 1L && is.finite(object$beta)))
    stopf("'%s$beta' must be a single finite number, not %s", arg, short_value(object$beta))
  if (!is.null(object$eps) &&
      !(is.numeric(object$eps) && length(object$eps) == 1L &&
        is.finite(object$eps) && object$eps > 0 && object$eps <= 1e-3))
    stopf("'%s$eps' must be a single number > 0 and <= 0.001, not %s", arg,
          short_value(object$eps))
  if (!is.null(object$rank) &&
      !(is.numeric(object$rank) && length(object$rank) == L &&
        is_whole(object$rank) &&
        all(object$rank == vapply(object$F, ncol, 0L))))
    stopf("'%s$rank' must give the %d ranks of the layers (the columns of each F[[i]]), not %s",
          arg, as.integer(L), short_value(object$rank))
  for (fld in intersect(c("error", "iter"), names(object))) {
    v <- object[[fld]]
    if (!is.numeric(v) || length(v) != L || !all(is.finite(v)) || any(v < 0))
      stopf("'%s$%s' must be %d finite nonnegative numbers (one per layer), not %s",
            arg, fld, as.integer(L), short_value(v))
  }
  if (!is.null(object$converged) &&
      !(is.logical(object$converged) && length(object$converged) == L &&
        !anyNA(object$converged)))
    stopf("'%s$converged' must be %d TRUE or FALSE values (one per layer)",
          arg, as.integer(L))
  invisible(object)
}

## One factor of a fit: a numeric matrix, finite, nonnegative, not all zero.
check_factor <- function(M, what) {
  if (!is.matrix(M) || !(is.numeric(M) || is.logical(M)) || length(M) == 0L)
    stopf("'%s' must be a nonempty numeric matrix, not %s", what, describe(M))
  counts <- .Call(C_mlnmf_scan, if (is.double(M)) M else M + 0)
  if (counts[1L] + counts[2L] > 0)
    stopf("'%s' must be finite: %.0f entries are NA, NaN or infinite", what,
          counts[1L] + counts[2L])
  if (counts[3L] > 0)
    stopf("'%s' must be nonnegative: %.0f entries are negative", what, counts[3L])
  if (counts[4L] == 0)
    stopf("'%s' is all zero: a fit's factors have positive entries", what)
  M
}

## A value shown in a message, short.
short_value <- function(x) {
  if (is.null(x)) return("NULL")
  if (!is.atomic(x)) return(describe(x))
  s <- paste(format(utils::head(x, 4L)), collapse = ", ")
  if (length(x) > 4L) s <- paste0(s, ", ...")
  if (length(x) == 0L) s <- describe(x)
  s
}

## Threads, the one rule of every function with a 'threads' argument (and
## of the option mlnmf.threads): a single number >= 1; 0, negative, NA,
## fractions and non-numbers are refused, and anything above the threads
## available (max_threads(): 9999, Inf) is reduced to them, as RcppML does.
## The C side clamps again (mlnmf_threads() in src/threads.c).
check_threads <- function(threads, what = "'threads'") {
  if (!is.numeric(threads) || length(threads) != 1L || is.na(threads) ||
      threads < 1 || !(is.infinite(threads) || is_whole(threads)))
    stopf("%s must be a single whole number >= 1, not %s (more than the %d threads available are reduced to %d)",
          what, if (is.numeric(threads) || is.logical(threads)) short_value(threads)
                else describe(threads), max_threads(), max_threads())
  as.integer(min(threads, max_threads()))
}

## The threads available: the processors of this process, read once when
## the package is loaded (.onLoad, without starting a process), at most
## OMP_THREAD_LIMIT when that is set, and at most 2 while R CMD check
## limits cores (_R_CHECK_LIMIT_CORES_, set by --as-cran).
max_threads <- function() thread_limit(.mlnmf_cores())

thread_limit <- function(n) {
  lim <- suppressWarnings(as.integer(Sys.getenv("OMP_THREAD_LIMIT", "")))
  if (!is.na(lim) && lim >= 1L) n <- min(n, lim)
  chk <- Sys.getenv("_R_CHECK_LIMIT_CORES_", "")
  if (nzchar(chk) && !identical(toupper(chk), "FALSE")) n <- min(n, 2L)
  as.integer(n)
}
