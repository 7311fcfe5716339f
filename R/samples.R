## Which way the samples run in the data given to mlnmf(), nmf() and
## predict().  The model is the paper's: X is d x N, one sample per column.
## A data frame is read the way R reads data frames, one sample per row,
## and transposed; samples = "rows" does the same for a matrix, "columns"
## reads a data frame as d x N.  Every result (F, G, fitted, residuals,
## predict, the stored data) is in the model's layout.

## "columns" or "rows".  NULL: "rows" for a data frame, `default` for
## anything else (predict() passes the fit's own); a data frame read as rows
## by this default, against `default`, says so in one line.
check_samples <- function(samples, X, arg = "X", default = "columns") {
  if (!is.null(samples)) return(check_choice(samples, c("columns", "rows"), "samples"))
  if (!is.data.frame(X)) return(default)
  if (default != "rows")
    message(sprintf("'%s' is a data frame: its %d rows are taken as the samples (samples = \"rows\"; see ?mlnmf)",
                    arg, nrow(X)))
  "rows"
}

## The validated data (check_data's result) in the model's layout, d x N:
## its transpose, a copy, when the samples are its rows.
model_layout <- function(X, samples) if (samples == "rows") t(X) else X
