## Which way the samples run in the data given to mlnmf(), nmf() and
## predict().  The model is the paper's: X is d x N, one sample per column.
## A data frame is read the way R reads data frames, one sample per row,
## and transposed; samples = "rows" does the same for a matrix, "columns"
## reads a data frame as d x N.  Every result (F, G, fitted, residuals,
## predict, the stored data) is in the model's layout.

## The data validated (check_data) and in the model's layout, with the
## reading used: list(X = d x N double matrix, samples = "columns" or
## "rows").  samples = NULL: "rows" for a data frame, `default` for anything
## else (predict() passes the fit's own).  A data frame read by rows by
## this default, against `default`, says so in one line.  Reading by rows
## transposes, one copy.
model_data <- function(X, samples, arg = "X", default = "columns",
                       allow_zero = FALSE, na_ok = FALSE, assay = NULL, slot = NULL) {
  obj <- object_data(X, assay, slot, arg)            # R/bioc.R
  X <- obj$X
  if (!is.null(obj$source)) {
    if (!is.null(samples) && !identical(samples, "columns"))
      stopf("'samples' must be \"columns\" for a %s: its cells are its columns",
            obj$source$class)
    samples <- "columns"
  }
  if (is_delayed(X)) {
    samples <- if (is.null(samples)) default else check_choice(samples, c("columns", "rows"), "samples")
    n_na <- scan_delayed(X, arg, allow_zero = allow_zero, na_ok = na_ok)
    return(list(X = if (samples == "rows") t(X) else X, samples = samples, n_na = n_na,
                source = obj$source, coldata = obj$coldata))
  }
  frame <- is.data.frame(X)
  say <- is.null(samples) && frame && default != "rows"
  samples <- if (!is.null(samples)) check_choice(samples, c("columns", "rows"), "samples")
             else if (frame) "rows" else default
  chk <- check_data(X, if (is.null(obj$source)) arg else source_name(obj$source, arg),
                    allow_zero = allow_zero, na_ok = na_ok, counts = TRUE)
  X <- chk$X
  if (say)
    message(sprintf("'%s' is a data frame: its %d rows are taken as the samples (samples = \"rows\"; see ?mlnmf)",
                    arg, nrow(X)))
  list(X = if (samples != "rows") X else if (is_sparse(X)) Matrix::t(X) else t(X),
       samples = samples, n_na = chk$n_na, source = obj$source, coldata = obj$coldata)
}

## Where the matrix of an object came from, for messages.
source_name <- function(src, arg) {
  if (is.null(src$slot)) sprintf("assay \"%s\" of %s", src$assay, arg)
  else sprintf("slot \"%s\" of assay \"%s\" of %s", src$slot, src$assay, arg)
}

## A mask given in the user's layout, in the model's: transposed with the
## data when the samples are rows.
orient_mask <- function(mask, samples) {
  if (samples == "rows" && (is.matrix(mask) || methods::is(mask, "Matrix"))) t(mask)
  else mask
}

## The data an instrument of a fit works on (finetune(), dependence(),
## layer_map(), permutation_test()), in the model's layout: the data the fit
## stored when 'X' is NULL, else 'X' read the way mlnmf() read the fit's
## data (the fit knows its 'samples'), of the fit's shape.
fit_data <- function(fit, X, arg = "X", na_ok = FALSE) {
  if (is.null(X)) {
    if (is.null(fit$data))
      stopf("'fit' was made with keep.data = FALSE: give the data as '%s'", arg)
    return(fit$data)
  }
  samples <- if (identical(fit$samples, "rows")) "rows" else "columns"
  X <- model_data(X, samples, arg, na_ok = na_ok)$X
  if (!identical(dim(X), as.integer(fit$dim))) {
    want <- if (samples == "rows") rev(fit$dim) else fit$dim
    got <- if (samples == "rows") rev(dim(X)) else dim(X)
    stopf("'%s' must be %d x %d like the data of the fit, not %d x %d%s",
          arg, want[1L], want[2L], got[1L], got[2L],
          if (samples == "rows") " (one sample per row, as mlnmf() read it)" else "")
  }
  X
}
