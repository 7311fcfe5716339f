## Issue 22, item 5: Leplat et al.'s finding on data a user has.  The
## shipped R-help document-term matrix (400 terms x 1000 messages), ranks
## 20, 10, 5, KL (beta = 1): the cascade (mlnmf), then the layer-centric
## fine-tuning (finetune(objective = "layer"), lambda = 1 / D_l at the
## start).  Per layer: the deep model's D(G_(l-1) | F_l G_l) as a
## percentage of the cascade's, and the Hoyer sparsity of F_l, over seeds.
##   Rscript inst/scripts/deep-layer-rhelp.R [seeds] [out.rds]
## Writes inst/extdata/deep-layer-rhelp.rds (read by vignettes/deep.Rmd).
suppressPackageStartupMessages({ library(mlnmf); library(Matrix) })
args <- commandArgs(TRUE)
seeds <- if (length(args) >= 1L) seq_len(as.integer(args[1])) else 1:10
out <- if (length(args) >= 2L) args[2] else "inst/extdata/deep-layer-rhelp.rds"
data(rhelp, package = "mlnmf")
X <- as(as(rhelp, "CsparseMatrix"), "generalMatrix")
X <- as(X * 1, "dMatrix")
ranks <- c(20, 10, 5); maxit_cascade <- 200L; maxit_deep <- 100L
rows <- list()
t0 <- proc.time()[["elapsed"]]
## saved after every seed, so an interrupted run keeps what it has
save_now <- function() {
  tab <- do.call(rbind, rows)
  saveRDS(list(table = tab, version = as.character(packageVersion("mlnmf")),
               settings = list(data = "rhelp (400 x 1000, sparse)", ranks = ranks,
                               beta = 1, init = "random", seeds = unique(tab$seed),
                               maxit_cascade = maxit_cascade, maxit_deep = maxit_deep,
                               lambda = "1 / D_l at the start (Leplat et al.)",
                               normalize = "l1"),
               date = format(Sys.time(), "%Y-%m-%d %H:%M"),
               seconds = proc.time()[["elapsed"]] - t0), out)
  tab
}
for (s in seeds) {
  set.seed(s)
  fit <- suppressWarnings(mlnmf(X, ranks, method = "kl", init = "random",
                                maxit = maxit_cascade, threads = 1))
  deep <- suppressWarnings(finetune(fit, objective = "layer", maxit = maxit_deep))
  ft <- deep$finetune
  rows[[length(rows) + 1L]] <- data.frame(
    seed = s, layer = seq_along(ranks), rank = ranks,
    cascade_div = ft$start_layer_divergence, deep_div = ft$layer_divergence,
    percent = 100 * ft$layer_divergence / ft$start_layer_divergence,
    hoyer_cascade = vapply(fit$F, mlnmf:::hoyer_sparsity, 0),
    hoyer_deep = vapply(deep$F, mlnmf:::hoyer_sparsity, 0),
    iterations = ft$iter)
  cat(sprintf("seed %d: %s%% (%.0f s)\n", s,
              paste(round(rows[[length(rows)]]$percent, 1), collapse = " / "),
              proc.time()[["elapsed"]] - t0))
  tab <- save_now()
}
print(aggregate(cbind(percent, hoyer_cascade, hoyer_deep) ~ layer, tab, median))
