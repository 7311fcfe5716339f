## Run the test suite against the installed mlnmf and print one plain
## summary line "N passed, N failed, N warnings[, N skipped]".  Exits 1 on
## any failure.  A warning is not a failure, but it shows: a test that
## expects one says so with expect_warning().
## Usage (from the package root):  R CMD INSTALL . && Rscript tools/run-tests.R
suppressPackageStartupMessages(library(testthat))
res <- test_dir("tests/testthat", package = "mlnmf", load_package = "installed",
                reporter = "summary", stop_on_failure = FALSE)
df <- as.data.frame(res)
n_fail <- sum(df$failed) + sum(df$error)
n_skip <- sum(df$skipped)
n_pass <- sum(df$passed)
n_warn <- sum(df$warning)
line <- sprintf("%d passed, %d failed, %d warnings", n_pass, n_fail, n_warn)
if (n_skip > 0) line <- paste0(line, sprintf(", %d skipped", n_skip))
cat("\n", line, "\n", sep = "")
if (n_fail > 0) quit(status = 1)
