## Issue 26: MU on dense data against the plain-R loop, by the time to an
## error rather than per iteration.  mlnmf's default MU makes up to 50
## inner updates per pair of products (Gillis and Glineur's accelerated MU),
## so its iteration costs more than the plain-R loop's single update and buys
## more descent; bench/limit.R compares iterations, this compares the time
## each takes to reach the relative error the plain-R loop reaches after
## 200 iterations, from the same start.
## Data as bench/limit.R's dense Frobenius case: 2000 x 1000, rank 10.
##   R_LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread:/usr/lib/R/lib \
##     OPENBLAS_NUM_THREADS=1 Rscript bench/mu-to-error.R
suppressPackageStartupMessages(library(mlnmf))
options(matprod = "blas")
elapsed <- function(expr) system.time(expr)[["elapsed"]]
set.seed(1)
dm <- 2000; dn <- 1000; dk <- 10
X <- matrix(runif(dm * dk), dm) %*% matrix(runif(dk * dn), dk) + matrix(runif(dm * dn, 0, 0.1), dm)
set.seed(2)
W0 <- matrix(runif(dm * dk), dm); H0 <- matrix(runif(dk * dn), dk)
xn <- sqrt(sum(X^2))
relerr <- function(W, H) sqrt(sum((X - W %*% H)^2)) / xn

mu_plain <- function(W, H, iters) {
  for (i in seq_len(iters)) {
    W <- pmax(W * (X %*% t(H)) / (W %*% tcrossprod(H)), 1e-16)
    H <- pmax(H * crossprod(W, X) / (crossprod(W) %*% H), 1e-16)
  }
  list(W = W, H = H)
}
iters <- 200L
reps <- as.integer(Sys.getenv("BENCH_REPS", "3"))
t_plain <- min(vapply(seq_len(reps), function(i) elapsed(r <- mu_plain(W0, H0, iters)), 0))
r <- mu_plain(W0, H0, iters)
target <- relerr(r$W, r$H)

## mlnmf from the same start: the fewest iterations whose error is at most
## the target (its trace is the squared relative error after each
## iteration), then the time of a fit with that many iterations, whose
## final error is checked against the target
fit <- function(maxit, control = list(), threads = 1L)
  suppressWarnings(nmf(X, dk, method = "mu", init = list(F = W0, G = H0), maxit = maxit,
                       tol = 0, threads = threads, control = control, keep.data = FALSE))
rows <- list()
for (v in list(list(name = "default", control = list()),
               list(name = "inner_max = 1", control = list(inner_max = 1L)))) {
  f <- fit(2000L, v$control)
  need <- which(sqrt(f$trace[[1L]][-1L]) <= target)[1L]
  t_m <- if (is.na(need)) NA else
    min(vapply(seq_len(reps), function(i) elapsed(fit(need, v$control)), 0))
  if (!is.na(need)) stopifnot(fit(need, v$control)$error[1L] <= target * (1 + 1e-9))
  rows[[length(rows) + 1L]] <- data.frame(
    variant = v$name, "iterations to the target" = need, "mlnmf s" = round(t_m, 3),
    "plain R s (200 iterations)" = round(t_plain, 3), "plain R / mlnmf" = round(t_plain / t_m, 2),
    check.names = FALSE)
}
tab <- do.call(rbind, rows)
cat(sprintf("MU to the plain-R loop's error after %d iterations (%.6f), best of %d; BLAS %s, OPENBLAS_NUM_THREADS=%s, load %s\n\n",
            iters, target, reps, basename(extSoftVersion()[["BLAS"]]),
            Sys.getenv("OPENBLAS_NUM_THREADS", "(unset)"),
            sub(" [0-9]+/.*", "", readLines("/proc/loadavg"))))
cat(paste0("| ", paste(names(tab), collapse = " | "), " |\n"))
cat(paste0("|", paste(rep("---", ncol(tab)), collapse = "|"), "|\n"))
for (i in seq_len(nrow(tab))) cat(paste0("| ", paste(vapply(tab[i, ], as.character, ""), collapse = " | "), " |\n"))
