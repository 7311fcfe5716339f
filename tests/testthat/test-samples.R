## Orientation of the data (R/samples.R, model_data): a data frame is read one
## observation per row, a matrix one per column unless samples = "rows";
## results are in the model's d x N layout either way.

df <- local({
  set.seed(21)
  d <- as.data.frame(matrix(runif(30 * 6), 30, 6))
  names(d) <- paste0("v", 1:6)
  rownames(d) <- paste0("s", 1:30)
  d
})
M <- t(as.matrix(df))             # the model's layout: 6 features x 30 samples

same_fit <- function(a, b) {
  expect_identical(a$F, b$F)
  expect_identical(a$G, b$G)
  expect_identical(a$error, b$error)
}

test_that("a data frame is read by rows, with a one-line message", {
  expect_message(fit <- nmf(df, 3, threads = 1),
                 "^'X' is a data frame: its 30 rows are taken as the samples \\(samples = \"rows\"; see \\?mlnmf\\)\n$")
  same_fit(fit, nmf(M, 3, threads = 1))
  expect_identical(fit$dim, c(6L, 30L))
  expect_identical(fit$samples, "rows")
  expect_identical(rownames(fit$F[[1]]), names(df))
  expect_identical(colnames(fit$G[[1]]), rownames(df))
  expect_identical(fit$data, M)
  expect_equal(dim(fitted(fit)), c(6L, 30L))
  expect_equal(residuals(fit), M - fitted(fit), tolerance = 1e-12)
})

test_that("iris: 4 variables, 150 observations", {
  expect_message(fit <- mlnmf(iris[, 1:4], 2, threads = 1), "its 150 rows")
  expect_identical(dim(fit$F[[1]]), c(4L, 2L))
  expect_identical(rownames(fit$F[[1]]), names(iris)[1:4])
  expect_identical(dim(fit$G[[1]]), c(2L, 150L))
})

test_that("samples given: no message, and either reading of either input", {
  expect_message(fit_rows <- nmf(df, 3, samples = "rows", threads = 1), NA)
  same_fit(fit_rows, nmf(M, 3, threads = 1))
  ## a data frame read as d x N (the reading of version 0.2.0)
  expect_message(fit_cols <- nmf(df, 3, samples = "columns", threads = 1), NA)
  same_fit(fit_cols, nmf(as.matrix(df), 3, threads = 1))
  expect_identical(fit_cols$dim, c(30L, 6L))
  ## a matrix with one observation per row; partial matching of the value
  fit_m <- mlnmf(as.matrix(df), c(3, 2), samples = "r", threads = 1)
  same_fit(fit_m, mlnmf(M, c(3, 2), threads = 1))
  expect_identical(fit_m$samples, "rows")
  expect_identical(mlnmf(M, 2, threads = 1)$samples, "columns")
  ## the instruments take the stored data, already in the model's layout
  dep <- dependence(fit_m)
  expect_equal(dep$map_error, dependence(mlnmf(M, c(3, 2), threads = 1))$map_error,
               tolerance = 1e-12)
})

test_that("the user's data frame and matrix are left unchanged", {
  df0 <- df
  A <- as.matrix(df)
  A0 <- A
  suppressMessages(nmf(df, 2, threads = 1))
  nmf(A, 2, samples = "rows", threads = 1)
  expect_identical(df, df0)
  expect_identical(A, A0)
})

test_that("predict() reads newdata like the data of the fit, a data frame by rows", {
  fit_df <- suppressMessages(nmf(df, 3, threads = 1))
  fit_m <- nmf(M, 3, threads = 1)
  new_df <- df[c(2, 5, 7), ]
  new_m <- M[, c(2, 5, 7)]
  ref <- predict(fit_m, new_m, threads = 1)
  expect_identical(dim(ref), c(3L, 3L))
  ## the fit read its data by rows: a data frame needs no message, and a
  ## matrix is read by rows too
  expect_message(p1 <- predict(fit_df, new_df, threads = 1), NA)
  expect_identical(p1, ref)
  expect_identical(predict(fit_df, as.matrix(new_df), threads = 1), ref)
  expect_identical(predict(fit_df, new_m, samples = "columns", threads = 1), ref)
  ## a fit by columns: a data frame is still read by rows, and says so
  expect_message(p2 <- predict(fit_m, new_df, threads = 1),
                 "'newdata' is a data frame: its 3 rows are taken as the samples")
  expect_identical(p2, ref)
  expect_identical(predict(fit_m, as.matrix(new_df), samples = "rows", threads = 1), ref)
  expect_identical(colnames(p2), rownames(new_df))
  ## a fit from before 'samples' existed (no $samples): columns
  old <- fit_m
  old$samples <- NULL
  expect_identical(predict(old, new_m, threads = 1), ref)
})

test_that("bad 'samples' and mis-oriented newdata give clear errors", {
  expect_error(nmf(M, 2, samples = "diagonal"),
               "'samples' must be one of \"columns\", \"rows\", not \"diagonal\"")
  expect_error(nmf(M, 2, samples = 1), "'samples' must be one of \"columns\", \"rows\"")
  expect_error(nmf(M, 2, samples = NA_character_), "'samples' must be one of")
  fit_df <- suppressMessages(nmf(df, 3, threads = 1))
  expect_error(predict(fit_df, df[, 1:5]),
               "'newdata' must have 6 columns \\(samples = \"rows\"\\) like the data of the fit, not 5")
  expect_error(predict(fit_df, M[1:5, ], samples = "columns"),
               "'newdata' must have 6 rows like the data of the fit, not 5")
  expect_error(predict(fit_df, df, samples = "sideways"), "'samples' must be one of")
  ## a data frame that is not valid data: the error, and no message first
  expect_message(expect_error(nmf(data.frame(a = 1:3, b = letters[1:3]), 1),
                              "non-numeric columns: b"), NA)
})
