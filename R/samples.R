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
    X <- check_delayed(X, arg, allow_zero = allow_zero)
    return(list(X = if (samples == "rows") t(X) else X, samples = samples, n_na = 0,
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
