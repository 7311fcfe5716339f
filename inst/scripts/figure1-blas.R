## Assembles inst/extdata/figure1-blas.rds, the BLAS dependence of Figure 1
## that the vignette reports, from runs made beforehand on the machine of
## the shipped results:
##   MLNMF_CHECK_REF    figure1-check.R's output (MLNMF_CHECK_OUT) under the
##                      BLAS of the shipped results (here the reference BLAS)
##   MLNMF_CHECK_OTHER  the same under another BLAS (here OpenBLAS, one thread)
##   MLNMF_FIG1_OTHER   figure1.R's output (MLNMF_FIG1_OUT) for all 100 data
##                      sets under that other BLAS (optional)
## With the third file it also measures how far the median over 10 data sets
## of each third moves with the BLAS: the ratio of the two BLAS's medians
## over all 100 data sets, and over 'n_sub' random sets of 10 data sets
## (set.seed(1)), the quantiles of |log ratio| and the share of sets whose
## ratio is beyond figure1-check.R's factor.
##
## Run from the package root, with mlnmf installed, e.g.
##   MLNMF_CHECK_OUT=/tmp/chk-ref.rds Rscript inst/scripts/figure1-check.R
##   R_LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread:/usr/lib/R/lib \
##     OPENBLAS_NUM_THREADS=1 MLNMF_CHECK_OUT=/tmp/chk-ob.rds \
##     Rscript inst/scripts/figure1-check.R
##   R_LD_LIBRARY_PATH=... OPENBLAS_NUM_THREADS=1 MLNMF_FIG1_OUT=/tmp/fig1-ob.rds \
##     Rscript inst/scripts/figure1.R
##   MLNMF_CHECK_REF=/tmp/chk-ref.rds MLNMF_CHECK_OTHER=/tmp/chk-ob.rds \
##     MLNMF_FIG1_OTHER=/tmp/fig1-ob.rds Rscript inst/scripts/figure1-blas.R

source(file.path("inst", "scripts", "figure1-common.R"))
env <- function(v) {
  f <- Sys.getenv(v)
  if (!nzchar(f) || !file.exists(f)) stop(v, " must name an existing .rds file")
  readRDS(f)
}
ref <- env("MLNMF_CHECK_REF")
other <- env("MLNMF_CHECK_OTHER")
shipped <- readRDS(file.path("inst", "extdata", "figure1.rds"))
out <- list(reference = ref, openblas = other)

if (nzchar(Sys.getenv("MLNMF_FIG1_OTHER"))) {
  full <- env("MLNMF_FIG1_OTHER")
  if (!identical(full$settings, shipped$settings))
    stop("the full run under the other BLAS used other settings than the shipped one")
  med <- function(tab, ids) medians_by_third(tab[tab$dataset %in% ids, ])
  ids <- shipped$datasets$dataset
  all_ratio <- med(full$table, ids) / med(shipped$table, ids)
  n_sub <- 2000L
  size <- 10L
  set.seed(1)
  sub <- t(replicate(n_sub, {
    s <- sample(ids, size)
    med(full$table, s) / med(shipped$table, s)
  }))
  q <- exp(apply(abs(log(sub)), 2L, quantile, c(0.5, 0.9, 0.95, 0.99, 1)))
  beyond <- colMeans(abs(log(sub)) > log(ref$factor_tol))
  ds_ratio <- full$datasets$unpermuted /
    shipped$datasets$unpermuted[match(full$datasets$dataset, ids)]
  out$spread <- list(
    other_library = full$session$BLAS, threads = other$threads,  # as the check under that BLAS: run them alike
    datasets = length(ids),
    medians = data.frame(third = names(all_ratio),
                         other = unname(med(full$table, ids)),
                         shipped = unname(med(shipped$table, ids))),
    unpermuted_ratio = ds_ratio,
    maxit_hit = c(other = sum(full$datasets$maxit_hit > 0),
                  shipped = sum(shipped$datasets$maxit_hit > 0)),
    subsets = list(n = n_sub, size = size, seed = 1L, quantiles = q,
                   beyond = beyond, factor_tol = ref$factor_tol),
    timing = full$timing)
  cat(sprintf("All %d data sets: medians by third, other BLAS / shipped: %s\n",
              length(ids), paste(sprintf("%.3f", all_ratio), collapse = ", ")))
  cat(sprintf("%d random sets of %d data sets: quantiles of the factor between the medians\n",
              n_sub, size))
  print(round(q, 3))
  cat(sprintf("share of sets beyond a factor %g: %s\n", ref$factor_tol,
              paste(sprintf("%s %.1f%%", names(beyond), 100 * beyond), collapse = ", ")))
  cat(sprintf("unpermuted error per data set, other / shipped: %.2f to %.2f; %d of %d within 10%%\n",
              min(ds_ratio), max(ds_ratio), sum(abs(log(ds_ratio)) < log(1.1)), length(ds_ratio)))
}
out$stamp <- mlnmf:::results_stamp(shipped$settings)
saveRDS(out, file.path("inst", "extdata", "figure1-blas.rds"))
cat("wrote inst/extdata/figure1-blas.rds\n")
