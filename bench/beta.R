## Issue 22: the beta-divergence solver's cost per iteration against a
## Frobenius MU iteration (same R process, same data), and the time to
## scikit-learn's divergence after 200 iterations of NMF(solver = "mu",
## beta_loss =) from the same start (data and start written to disk and
## read by bench/beta_sklearn.py with Debian's /usr/bin/python3).
##   Rscript bench/beta.R [quick]     (appends its tables to stdout)
source(if (file.exists("common.R")) "common.R" else "bench/common.R")
suppressPackageStartupMessages(library(Matrix))
quick <- identical(commandArgs(TRUE)[1], "quick")
load <- function() paste(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3], collapse = " ")
cat(machine(), "\n\n")

## CPU seconds (user + system) of one call: the machine is shared and
## loaded, and every run here is single-threaded (threads = 1, one BLAS
## thread), so CPU time is the cost and wall time is not
cpu <- function(expr) {
  gc(FALSE)
  t0 <- proc.time()
  force(expr)
  t1 <- proc.time()
  sum((t1 - t0)[c("user.self", "sys.self")])
}
best_of <- function(n, f) min(vapply(seq_len(n), function(i) cpu(f()), 0))
per_iter <- function(X, k, its, reps, ...) {
  args <- list(...)
  best_of(reps, function() {
    set.seed(1)
    suppressWarnings(do.call(mlnmf::nmf, c(list(X, k, maxit = its, tol = 0, init = "random",
                                         threads = 1), args)))
  }) / its
}

## 1. cost of one iteration, relative to Frobenius MU (plain: one inner
## update; and the default, up to q inner updates per product)
counts <- function(d, N, dens, seed) {
  set.seed(seed)
  S <- rsparsematrix(d, N, dens, rand.x = function(n) rpois(n, 2) + 1)
  S
}
cases <- if (quick) list(list("sparse counts 2000 x 1000, 1%", counts(2000, 1000, 0.01, 1), 10),
                         list("dense counts 1000 x 500", as.matrix(counts(1000, 500, 0.3, 2)), 10)) else list(list("sparse counts 20000 x 5000, 1%", counts(20000, 5000, 0.01, 1), 20),
                   list("dense counts 5000 x 2000, 30% nonzero", as.matrix(counts(5000, 2000, 0.3, 2)), 20))
rows <- list()
for (cs in cases) {
  X <- cs[[2]]; k <- cs[[3]]; sp <- mlnmf:::is_sparse(X)
  its <- if (sp) 10L else 5L; reps <- if (sp) 3L else 1L
  t_mu1 <- per_iter(X, k, its, reps, method = "mu", control = list(inner_max = 1, extrapolate = FALSE))
  t_mu <- per_iter(X, k, its, reps, method = "mu")
  t_b1 <- per_iter(X, k, its, reps, beta = 1)
  ## beta not in {1, 2} on sparse data makes a dense pass (see ?mlnmf):
  ## a few iterations suffice to time it
  t_b15 <- per_iter(X, k, if (sp) 2L else its, 1, beta = 1.5)
  t_b05 <- per_iter(X, k, if (sp) 2L else its, 1, beta = 0.5)
  t_b3 <- per_iter(X, k, if (sp) 2L else its, 1, beta = 3)
  rows[[length(rows) + 1]] <- data.frame(
    data = cs[[1]], rank = k, mu_plain_ms = 1e3 * t_mu1, mu_default_ms = 1e3 * t_mu,
    beta1_ms = 1e3 * t_b1, beta1.5_ms = 1e3 * t_b15, beta0.5_ms = 1e3 * t_b05,
    beta3_ms = 1e3 * t_b3,
    ratio_beta1 = t_b1 / t_mu1, ratio_beta1.5 = t_b15 / t_mu1, load = load())
  print(rows[[length(rows)]])
}
cost <- do.call(rbind, rows)
cat("Iteration cost (CPU ms per outer iteration, best of 3 on sparse data (10 iterations; 2 for the dense passes), one run of 5 iterations on dense data; ratios against plain Frobenius MU):\n\n")
cat(knitr::kable(cost, format = "pipe", digits = 3), sep = "\n")

## 2. time to scikit-learn's divergence after 200 iterations, same start
py <- "/usr/bin/python3"
skl <- file.path(bench_dir, "beta_sklearn.py")
write_case <- function(dir, X, k, seed = 3) {
  dir.create(dir, showWarnings = FALSE)
  set.seed(seed)
  d <- nrow(X); N <- ncol(X)
  sc <- sqrt(mean(if (mlnmf:::is_sparse(X)) X@x * length(X@x) / (d * N) else X) / k)
  W0 <- matrix(runif(d * k), d) * sc; H0 <- matrix(runif(k * N), k) * sc
  if (mlnmf:::is_sparse(X)) writeMM(X, file.path(dir, "X.mtx")) else
    writeBin(as.double(X), file.path(dir, "X.bin"))
  unlink(if (mlnmf:::is_sparse(X)) file.path(dir, "X.bin") else file.path(dir, "X.mtx"))
  writeBin(as.double(W0), file.path(dir, "W0.bin"))
  writeBin(as.double(H0), file.path(dir, "H0.bin"))
  writeLines(paste(d, N, k), file.path(dir, "dims.txt"))
  list(W0 = W0, H0 = H0)
}
sk_run <- function(dir, beta, maxit, reps) {
  out <- system2(py, c(skl, dir, beta, maxit, reps), stdout = TRUE)
  cat(grep("^BLAS", out, value = TRUE)[1], "\n")
  v <- as.numeric(strsplit(out[length(out)], " ")[[1]])
  list(time = v[1], div = v[2], iter = v[3])
}
## mlnmf from the same start: the iterations to reach scikit-learn's
## divergence (measured every 10 iterations), then that many timed
mlnmf_to <- function(X, st, beta, target, reps) {
  k <- ncol(st$W0)
  fit1 <- function(its) suppressWarnings(
    mlnmf::nmf(X, k, beta = beta, init = list(F = st$W0, G = st$H0), maxit = its, tol = 0,
        threads = 1))
  f <- fit1(400L)
  s <- 1 / max(if (mlnmf:::is_sparse(X)) X@x else X)
  ## the trace is D(sX | .) / sum(sX); scikit-learn's D(X | .) is s^-beta times
  goal <- s^beta * target / (s * sum(X))
  tr <- f$trace[[1]]
  hit <- which(!is.na(tr) & tr <= goal * (1 + 1e-12))
  if (!length(hit)) return(list(time = NA, iter = NA))
  its <- max(1L, hit[1] - 1L)
  list(time = best_of(reps, function() fit1(its)), iter = its)
}
scases <- list(
  list("dense positive 2000 x 1000 (counts + 0.5)", 0,
       as.matrix(counts(2000, 1000, 0.3, 4)) + 0.5, 10),
  list("sparse counts 5000 x 2000, 2%", 1, counts(5000, 2000, 0.02, 5), 10),
  list("sparse counts 2000 x 1000, 5%", 1.5, counts(2000, 1000, 0.05, 5), 10))
if (quick) scases <- lapply(scases, function(c) { c[[3]] <- c[[3]][1:500, 1:300]; c })
srows <- list()
tmp <- file.path(tempdir(), "beta-bench")
for (cs in scases) {
  st <- write_case(tmp, cs[[3]], cs[[4]])
  sk <- sk_run(tmp, cs[[2]], 200L, 1L)
  ml <- mlnmf_to(cs[[3]], st, cs[[2]], sk$div, 1L)
  srows[[length(srows) + 1]] <- data.frame(
    data = cs[[1]], beta = cs[[2]], rank = cs[[4]], sklearn_200_s = sk$time,
    sklearn_divergence = sk$div, mlnmf_iterations = ml$iter, mlnmf_s = ml$time,
    speedup = sk$time / ml$time, load = load())
  print(srows[[length(srows)]])
}
vs <- do.call(rbind, srows)
cat("\nCPU time to scikit-learn's divergence after 200 MU iterations (same start; one run each):\n\n")
cat(knitr::kable(vs, format = "pipe", digits = 4), sep = "\n")
cat("\nload average at the end:", load(), "\n")
