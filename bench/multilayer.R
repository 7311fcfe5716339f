## Multilayer: mlnmf(X, rank, layers = L) against the loop a user writes
## today, one layer at a time with RcppML::nmf or NMF::nmf (G_0 = X,
## G_{i-1} ~ F_i G_i).  Every package runs with its own default stopping
## rule; the table shows the error ||X - F1 ... FL GL||_F / ||X||_F so the
## quality is visible next to the time.
##   BENCH_NMF_LAYERS = largest L for which the NMF::nmf loop runs (default
##   10; paper data only); BENCH_NMF_MAXIT = its maxIter per layer (default
##   100: with its own default of 2000 one 10 x 1000 layer takes ~40 s here)
source(if (file.exists("common.R")) "common.R" else "bench/common.R")
suppressPackageStartupMessages(library(NMF))
nmf_max_L <- as.integer(Sys.getenv("BENCH_NMF_LAYERS", "10"))
nmf_maxit <- as.integer(Sys.getenv("BENCH_NMF_MAXIT", "100"))

chain_err <- function(X, Fs, G) {
  P <- Reduce(`%*%`, Fs)
  rel_err(X, P, G)
}
loop_rcppml <- function(X, k, L) {
  G <- X; Fs <- vector("list", L)
  for (i in seq_len(L)) {
    r <- RcppML::nmf(G, k, verbose = FALSE, seed = i)
    Fs[[i]] <- r$w
    G <- r$d * r$h
  }
  list(F = Fs, G = G)
}
loop_nmfpkg <- function(X, k, L, method) {
  G <- X; Fs <- vector("list", L)
  for (i in seq_len(L)) {
    f <- NMF::nmf(G, k, method = method, seed = i, .options = "v0", .pbackend = NA,
                  maxIter = nmf_maxit)
    Fs[[i]] <- NMF::basis(f)
    G <- NMF::coef(f)
  }
  list(F = Fs, G = G)
}

set.seed(11)
## "paper": 1000 points from three Gaussians in 10 dimensions, made
## nonnegative by absolute values (the paper's Figure 1 data); "medium":
## W H + noise, 300 x 1000.
paper <- t(abs(rbind(matrix(rnorm(334 * 10, 3), 334), matrix(rnorm(333 * 10, 6), 333),
                     matrix(rnorm(333 * 10, 9), 333))))
data <- list(paper = list(X = paper, k = 5L), medium = list(X = make_data(300, 1000, 10), k = 10L))

rows <- list()
for (nm in names(data)) for (L in c(10L, 100L)) {
  X <- data[[nm]]$X; k <- data[[nm]]$k
  add <- function(who, tm, fit) rows[[length(rows) + 1L]] <<- data.frame(
    data = sprintf("%s %d x %d", nm, nrow(X), ncol(X)), rank = k, L = L, method = who,
    seconds = tm, "s / layer" = tm / L, error = formatC(chain_err(X, fit$F, fit$G), digits = 5, format = "g"),
    check.names = FALSE)
  for (m in c("hals", "mu")) {
    tm <- elapsed(f <- suppressWarnings(mlnmf::mlnmf(X, k, layers = L, method = m, progress = FALSE)))
    add(paste("mlnmf", m), tm, list(F = f$F, G = f$G[[L]]))
  }
  tm <- elapsed(f <- loop_rcppml(X, k, L)); add("loop RcppML::nmf", tm, f)
  if (L <= nmf_max_L && nm == "paper") for (m in c("lee", "brunet")) {
    tm <- elapsed(f <- loop_nmfpkg(X, k, L, m)); add(paste0("loop NMF::nmf ", m), tm, f)
  }
}
tab <- do.call(rbind, rows)
ref <- tab$seconds[tab$method == "loop RcppML::nmf"][match(paste(tab$data, tab$L),
        paste(tab$data, tab$L)[tab$method == "loop RcppML::nmf"])]
tab[["RcppML loop / method"]] <- ref / tab$seconds
report("Multilayer: mlnmf(layers = L) vs a loop over layers", tab,
       sprintf("Each package with its default stopping: mlnmf (init nndsvd, tol 1e-5, maxit 500, normalize l1), RcppML::nmf (tol 1e-4, maxit 100, seed = layer), NMF::nmf (its default stopping but maxIter = %d, seed = layer, random start; paper data, L <= %d only). The same rank at every layer. error = ||X - F1...FL GL|| / ||X||. 'RcppML loop / method' > 1: faster than the RcppML loop.", nmf_maxit, nmf_max_L))
