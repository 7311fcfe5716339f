## Memory flat in depth: the peak resident memory of a fit is its stored
## output plus one layer's workspace, whatever the number of layers.  Each
## fit runs in a fresh R process, which reports its peak resident set
## (VmHWM of /proc/self/status, reset just before the fit) above its
## resident set before the fit, and the size of the result.  Data as in
## issue 10: 10 x 100000 at rank 10, where every layer stores 7.6 MiB (G_i)
## and the old code kept about 78 MiB of scratch per layer until the end.

memory_child <- function(layers, what = c("fit", "predict")) {
  what <- match.arg(what)
  script <- tempfile("memory-child", fileext = ".R")
  on.exit(unlink(script))
  writeLines(c(
    'args <- commandArgs(TRUE)',
    'library(mlnmf, lib.loc = args[1])',
    'L <- as.integer(args[2])',
    'set.seed(1)',
    'X <- matrix(runif(10 * 100000), 10)',
    'mib <- function(key) {',
    '  l <- grep(paste0("^", key, ":"), readLines("/proc/self/status"), value = TRUE)',
    '  as.numeric(gsub("[^0-9]", "", l)) / 1024',
    '}',
    'peak_above <- function(expr) {',
    '  invisible(gc(full = TRUE))',
    '  cat("5", file = "/proc/self/clear_refs")',
    '  r0 <- mib("VmRSS")',
    '  force(expr)',
    '  mib("VmHWM") - r0',
    '}',
    'if (args[3] == "fit") {',
    '  peak <- peak_above(fit <- suppressWarnings(mlnmf(X, 10, layers = L,',
    '    maxit = 1, threads = 1, keep.data = FALSE, progress = FALSE)))',
    '  stopifnot(length(fit$G) == L, all(is.finite(fit$error)))',
    '  out <- fit',
    '} else {',
    '  ## factors from a small fit, so the process holds little before',
    '  ## predict() projects the whole of X through them',
    '  fit <- suppressWarnings(mlnmf(X[, 1:1000], 10, layers = L, maxit = 1,',
    '    threads = 1, keep.data = FALSE, progress = FALSE))',
    '  peak <- peak_above(out <- predict(fit, X, maxit = 1, threads = 1))',
    '  stopifnot(all(is.finite(out)), identical(dim(out), c(10L, 100000L)))',
    '}',
    'cat(sprintf("MEMORY %.3f %.3f\\n", peak, as.numeric(object.size(out)) / 2^20))'), script)
  lib <- dirname(find.package("mlnmf"))
  ## ASan (tools/check-sanitizers.sh) holds freed memory in a quarantine
  ## on purpose; the child turns it off so freed memory leaves as it would
  env <- if (Sys.getenv("MLNMF_CHECK_TOOL") == "sanitizers")
    paste0("ASAN_OPTIONS=", Sys.getenv("ASAN_OPTIONS"), ":quarantine_size_mb=0")
  out <- system2(file.path(R.home("bin"), "Rscript"),
                 c("--vanilla", shQuote(script), shQuote(lib), layers, what),
                 stdout = TRUE, stderr = TRUE, env = env)
  line <- grep("^MEMORY ", out, value = TRUE)
  if (length(line) != 1L)
    stop("the child R process failed:\n", paste(out, collapse = "\n"))
  v <- as.numeric(strsplit(line, " ")[[1]][-1])
  list(peak = v[1], output = v[2])
}

test_that("peak memory of 20 layers is within 50 MiB of one layer's, plus the extra output", {
  skip_if_not(file.exists("/proc/self/status") && file.exists("/proc/self/clear_refs"),
              "peak RSS is read from Linux's /proc")
  one <- memory_child(1L)
  twenty <- memory_child(20L)
  ## the stored output grows by 19 G_i of 7.6 MiB each
  expect_gt(twenty$output - one$output, 19 * 7.5)
  work1 <- one$peak - one$output
  work20 <- twenty$peak - twenty$output
  expect_lt(work20, work1 + 50,
            label = sprintf("peak RSS above the output with 20 layers (%.1f MiB; 1 layer: %.1f MiB)",
                            work20, work1))
})

test_that("peak memory of predict() through 20 layers is within 50 MiB of one layer's", {
  skip_if_not(file.exists("/proc/self/status") && file.exists("/proc/self/clear_refs"),
              "peak RSS is read from Linux's /proc")
  one <- memory_child(1L, "predict")
  twenty <- memory_child(20L, "predict")
  expect_equal(twenty$output, one$output)          # 10 x 100000 either way
  expect_lt(twenty$peak, one$peak + 50,
            label = sprintf("peak RSS of predict() through 20 layers (%.1f MiB; 1 layer: %.1f MiB)",
                            twenty$peak, one$peak))
})
