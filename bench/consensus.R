## Issue 20: the consensus workflow against the NMF package, and the memory
## of the runs.  Run: R_LIBS=<lib> Rscript bench/consensus.R
## Golub (the shipped 500 x 38 subset), ranks 2:5, 30 runs each.
## NMF::nmf(method = "brunet", .opt = "-p": one core) once; mlnmf's
## nmf_rank(nrun = 30, method = "kl", reps = 3) on the sequential plan, then
## on 2 multisession workers; the same R process.  Machine shared: the load
## average is printed beside every time.
suppressMessages({library(mlnmf); library(NMF)})
data(golub, package = "mlnmf")
X <- golub$expr
load <- function() scan("/proc/loadavg", what = "", quiet = TRUE)[1]
tm <- function(expr) { g <- gc(); t <- system.time(expr); c(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]]) }
cat("BLAS:", extSoftVersion()[["BLAS"]], " cores:", parallel::detectCores(), "\n")
res <- list()
l0 <- load()
t_nmf <- tm(est <- NMF::nmf(X, 2:5, nrun = 30, method = "brunet", seed = 123456, .opt = "-p"))
res$nmf <- c(t_nmf, l0)
coph_nmf <- est$measures$cophenetic
cat(sprintf("NMF brunet 2:5 x 30: %.1f s elapsed, %.1f s CPU (load %s); cophenetic %s\n",
            t_nmf[1], t_nmf[2], l0, paste(round(coph_nmf, 4), collapse = " ")))
future::plan("sequential")
for (rep in 1:3) {
  l1 <- load()
  t1 <- tm(r <- nmf_rank(X, 2:5, nrun = 30, method = "kl", seed = 1))
  cat(sprintf("mlnmf nmf_rank(kl) 2:5 x 30, sequential: %.1f s elapsed, %.1f s CPU (load %s); cophenetic %s\n",
              t1[1], t1[2], l1, paste(round(r$summary$cophenetic, 4), collapse = " ")))
  res[[paste0("seq", rep)]] <- c(t1, l1)
}
future::plan("multisession", workers = 2)
for (rep in 1:3) {
  l2 <- load()
  t2 <- tm(r2 <- nmf_rank(X, 2:5, nrun = 30, method = "kl", seed = 1))
  cat(sprintf("mlnmf nmf_rank(kl) 2:5 x 30, 2 workers: %.1f s elapsed (load %s); identical to sequential: %s\n",
              t2[1], l2, identical(r2$summary, r$summary)))
  res[[paste0("par", rep)]] <- c(t2, l2)
}
future::plan("sequential")
## (each entry is c(elapsed, cpu, load): the load made it character)
num <- function(pat, i) min(sapply(res[grep(pat, names(res))], function(v) as.numeric(v[i])))
seq_best <- num("seq", 1)
par_best <- num("par", 1)
cat(sprintf("ratio NMF / mlnmf: %.1fx (one core, elapsed, best of 3), %.1fx (2 workers); CPU ratio %.1fx\n",
            as.numeric(t_nmf[1]) / seq_best, as.numeric(t_nmf[1]) / par_best,
            as.numeric(t_nmf[2]) / num("seq", 2)))
cat(sprintf("cophenetic peak: NMF rank %d, mlnmf rank %d\n", (2:5)[which.max(coph_nmf)],
            (2:5)[which.max(r$summary$cophenetic)]))

## memory: nrun = 100, rank 10, 20000 samples (200 features), 20 iterations
set.seed(1)
Y <- matrix(runif(200 * 20000), 200, 20000)
gc(reset = TRUE)
one <- mlnmf::nmf(Y, 10, maxit = 20, keep.data = FALSE)
one_bytes <- as.numeric(object.size(one))
g0 <- gc(reset = TRUE)
many <- suppressWarnings(mlnmf::nmf(Y, 10, nrun = 100, seed = 1, maxit = 20, keep.data = FALSE))
g1 <- gc()
runs_bytes <- as.numeric(object.size(many$memberships)) + as.numeric(object.size(many$runs))
cat(sprintf("memory: one fit %.1f MB; the runs' memberships and table %.1f MB (%.2fx one fit); the whole 100-run fit %.1f MB; peak R heap during the 100 runs %.0f MB (data %.0f MB)\n",
            one_bytes / 2^20, runs_bytes / 2^20, runs_bytes / one_bytes,
            as.numeric(object.size(many)) / 2^20, g1[2, 6] + g1[1, 6] * 56 / 2^20 * 0,
            as.numeric(object.size(Y)) / 2^20))
