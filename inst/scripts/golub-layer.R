## Issue 22, item 4: does fine-tuning keep the layers of a Golub cascade
## meaningful?  For c(6, 4, 3, 2) and c(3, 2), each layer's hard clusters
## (argmax of each column of G_i, as hierarchy() assigns them) against the
## three labels (ALL B / ALL T / AML), by the adjusted Rand index: the
## cascade, fine-tuning on the data objective, and on the layer-centric
## objective, for the default method ("hals", beta = 2) and for "kl".
##   Rscript inst/scripts/golub-layer.R [out.rds]
suppressPackageStartupMessages(library(mlnmf))
data(golub, package = "mlnmf")
ari <- function(a, b) {
  tab <- table(a, b); n <- sum(tab)
  c2 <- function(x) sum(x * (x - 1) / 2)
  idx <- c2(tab); ea <- c2(rowSums(tab)); eb <- c2(colSums(tab))
  exp <- ea * eb / (n * (n - 1) / 2); mx <- (ea + eb) / 2
  if (mx == exp) return(0)
  (idx - exp) / (mx - exp)
}
layer_ari <- function(fit) vapply(fit$G, function(G)
  ari(max.col(t(G), ties.method = "first"), golub$type), 0)
rows <- list()
for (method in c("hals", "kl")) for (rk in list(c(6, 4, 3, 2), c(3, 2))) {
  fit <- suppressWarnings(mlnmf(golub$expr, rank = rk, method = method, threads = 1))
  fd <- suppressWarnings(finetune(fit, maxit = 200, threads = 1))
  fl <- suppressWarnings(finetune(fit, objective = "layer", maxit = 200))
  empty <- function(f) sum(vapply(f$G, function(G)
    sum(tabulate(max.col(t(G), ties.method = "first"), nrow(G)) == 0L), 0))
  rows[[length(rows) + 1L]] <- data.frame(
    method = method, ranks = paste(rk, collapse = ","), layer = seq_along(rk),
    ari_cascade = layer_ari(fit), ari_data = layer_ari(fd), ari_layer = layer_ari(fl),
    empty_cascade = empty(fit), empty_data = empty(fd), empty_layer = empty(fl),
    err_cascade = fit$error, err_data = fd$error, err_layer = fl$error)
}
tab <- do.call(rbind, rows)
tab$layer_within_0.05 <- tab$ari_layer >= tab$ari_cascade - 0.05
tab$data_within_0.05 <- tab$ari_data >= tab$ari_cascade - 0.05
print(tab, digits = 3, row.names = FALSE)
out <- commandArgs(TRUE)[1]
if (!is.na(out))
  saveRDS(list(table = tab, version = as.character(packageVersion("mlnmf")),
               settings = "mlnmf(golub$expr, rank, method, threads = 1) defaults; finetune(maxit = 200) data and objective = \"layer\" (lambda default)",
               date = format(Sys.time(), "%Y-%m-%d %H:%M")), out)
