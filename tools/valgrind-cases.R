## tools/valgrind-cases.R: every C path of mlnmf on small inputs, for
## tools/check-valgrind.sh (run under valgrind memcheck).  Every result is
## looked at (stopifnot on its values), because valgrind reports a read of
## uninitialised memory only when something branches on it.  Matrices have
## more than 16 entries, so R allocates them outside its small-vector pages
## and an overrun is visible.
##
## Paths covered: mlnmf_fit with each method x each init x each
## normalisation, one and several layers, given starting factors; NNDSVD by
## the Gram matrix (small min(dim)) and by the randomized range finder
## (min(dim) > 4 (rank + 10)); the blockwise passes over X in one block and
## in several (> 2^17 entries); transposed layer inputs; 1 x N and N x 1
## data; data x 1e-300 and 1e300; mlnmf_project (fitted columns, zero
## columns, several layers); layers large enough that their scratch is
## collected after them (fit and projection); mlnmf_step for each method; every type and
## range error of the three routines; mlnmf_permute (orders against a
## pure-R product, chunked calls, each error branch); and an interrupt
## (setTimeLimit) in the middle of a fit, of a projection and of a
## permutation test, whose workspace must not leak.

library(mlnmf, lib.loc = Sys.getenv("MLNMF_LIB"))
set.seed(7)
n_calls <- 0L
sound <- function(fit, X) {
  n_calls <<- n_calls + 1L
  v <- c(unlist(fit$F), unlist(fit$G))
  stopifnot(all(is.finite(v)), all(v >= 0), all(is.finite(fit$error)),
            ## ("kl" measures its objective every 10 iterations: NA between)
            all(is.finite(unlist(fit$trace)) | (fit$method == "kl" & is.na(unlist(fit$trace)))),
            all(fit$error <= 1 + 1e-12))
  p <- predict(fit, X, maxit = 5)
  stopifnot(all(is.finite(p)), all(p >= 0))
  invisible(fit)
}
quiet <- function(expr) suppressWarnings(expr)

X <- matrix(runif(24 * 17), 24, 17)
X[sample(length(X), 100)] <- 0
for (method in c("hals", "mu", "kl")) {
  for (init in c("nndsvd", "nndsvda", "nndsvdar", "random"))
    for (normalize in c("l1", "none", "l2", "max"))
      sound(quiet(mlnmf(X, c(5, 3), method = method, init = init,
                        normalize = normalize, maxit = 8)), X)
  ## given start, all layers and the first of two
  f1 <- quiet(mlnmf(X, c(4, 2), method = method, maxit = 5))
  sound(quiet(mlnmf(X, c(4, 2), method = method, init = list(F = f1$F, G = f1$G),
                    maxit = 5)), X)
  sound(quiet(mlnmf(X, c(4, 2), method = method,
                    init = list(F = f1$F[[1]], G = f1$G[[1]]), maxit = 5)), X)
  ## randomized range finder (min(dim) = 60 > 4 * (2 + 10))
  Y <- matrix(runif(70 * 60), 70, 60)
  sound(quiet(mlnmf(Y, c(2, 2), method = method, maxit = 5)), Y)
  ## several blocks in the blockwise passes: 400 x 340 > 2^17 entries
  Z <- matrix(runif(400 * 340), 400, 340)
  sound(quiet(mlnmf(Z, 2, method = method, maxit = 3)), Z)
  ## thin data, extreme scales, deep and degenerate cascades
  sound(quiet(mlnmf(matrix(runif(30), 1, 30), 1, layers = 2, method = method, maxit = 5)),
        matrix(runif(30), 1, 30))
  sound(quiet(mlnmf(matrix(runif(30), 30, 1), 1, layers = 2, method = method, maxit = 5)),
        matrix(runif(30), 30, 1))
  sound(quiet(mlnmf(X * 1e-300, 3, method = method, maxit = 5)), X * 1e-300)
  sound(quiet(mlnmf(X * 1e300, 3, method = method, maxit = 5)), X * 1e300)
  sound(quiet(mlnmf(matrix(2, 6, 5), 1, layers = 3, method = method, maxit = 5)),
        matrix(2, 6, 5))
  sound(quiet(mlnmf(X, c(6, 5, 4, rep(3, 7)), method = method, maxit = 5)), X)
  ## src/thin_simd.c: a short, wide X (transposed once: 4096 entries or
  ## more), row counts leaving partial groups of 8 and 16 rows, ranks above
  ## and at HALS's limit for the shortcut (16), an L1 penalty
  Xw <- matrix(rexp(13 * 1001), 13, 1001)
  sound(quiet(mlnmf(Xw, c(13, 9, 5), method = method, maxit = 4, L1 = 0.01)), Xw)
  Xw <- matrix(rexp(32 * 203), 32, 203)
  sound(quiet(mlnmf(Xw, c(17, 16), method = method, maxit = 4)), Xw)
  ## projection: zero columns and several layers
  p <- predict(f1, cbind(0, X[, 1:5], 0), maxit = 10)
  stopifnot(all(is.finite(p)), dim(p) == c(2L, 7L))
  p <- predict(f1, matrix(0, 24, 3))
  stopifnot(all(p == 0))
  ## one step
  code <- match(method, c("hals", "mu", "kl")) - 1L
  W <- matrix(runif(24 * 3), 24, 3); H <- matrix(runif(3 * 17), 3, 17)
  st <- .Call(mlnmf:::C_mlnmf_step, X, W, H, code, 1e-16, NULL, NULL)
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)), all(st$H >= 0))
}

## sparse input (dgCMatrix: products, Gram, range finder, residual by the
## Gram identity, divergence), and masks: the missing pattern on dense and
## sparse data, mask = "zeros", per-row Grams over several blocks (rows >
## 65536 / k^2), 2 threads, predict with a mask, and the NA pattern
S <- methods::as(X, "CsparseMatrix")
SY <- methods::as(Y * (Y > 0.5), "CsparseMatrix")
MX <- matrix(runif(length(X)) < 0.2, nrow(X))
XN <- X; XN[MX] <- NA
MZ <- matrix(runif(length(Z)) < 0.1, nrow(Z))
for (method in c("hals", "mu", "kl")) {
  sound(quiet(mlnmf(S, c(5, 3), method = method, maxit = 8)), S)
  sound(quiet(mlnmf(SY, 3, method = method, maxit = 5, threads = 2)), SY)
  sound(quiet(mlnmf(X, c(5, 3), method = method, maxit = 8, mask = MX)), X)
  sound(quiet(mlnmf(XN, 4, method = method, maxit = 8, mask = "NA", threads = 2)), X)
  sound(quiet(mlnmf(S, 4, method = method, maxit = 8, mask = MX)), S)
  sound(quiet(mlnmf(S, 4, method = method, maxit = 8, mask = "zeros")), S)
  sound(quiet(mlnmf(Z, 30, method = method, maxit = 2, mask = MZ)), Z)
  p <- predict(quiet(mlnmf(S, 3, method = method, maxit = 5)), XN, mask = "NA", maxit = 5)
  stopifnot(all(is.finite(p)))
  code <- match(method, c("hals", "mu", "kl")) - 1L
  st <- .Call(mlnmf:::C_mlnmf_step, S, W, H, code, 1e-16, list(1L), NULL)
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)))
}
## penalties (issue 11): L1/L2 in the HALS sweeps, the exact shortcut, MU's
## denominators, the per-row Grams of a mask, KL's L1; extrapolated and
## plain; the penalised step; predict with the G penalties
for (method in c("hals", "mu", "kl")) {
  l2 <- if (method == "kl") 0 else c(0.5, 0.1)
  for (ex in c(TRUE, FALSE)) {
    sound(quiet(mlnmf(X, c(5, 3), method = method, maxit = 8, L1 = c(0.01, 0.02),
                      L2 = l2, control = list(extrapolate = ex))), X)
    sound(quiet(mlnmf(XN, 4, method = method, maxit = 8, mask = "NA", L1 = 0.01,
                      L2 = l2, control = list(extrapolate = ex))), X)
  }
  sound(quiet(mlnmf(S, 4, method = method, maxit = 8, L1 = 0.05, L2 = l2)), S)
  fp <- quiet(mlnmf(X, c(5, 3), method = method, maxit = 5, L1 = c(0, 0.05), L2 = l2))
  p <- predict(fp, X[, 1:6], maxit = 10)
  stopifnot(all(is.finite(p)))
  code <- match(method, c("hals", "mu", "kl")) - 1L
  pen <- list(l1 = c(0.1, 0.2), l2 = if (method == "kl") c(0, 0) else c(1, 0.5))
  st <- .Call(mlnmf:::C_mlnmf_step, X, W, H, code, 1e-16, NULL, pen)
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)))
  st <- .Call(mlnmf:::C_mlnmf_step, X, W, H, code, 1e-16, list(2L, p = rep(0L, 18L), i = integer(0)), pen)
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)))
}
pat <- .Call(mlnmf:::C_mlnmf_na_pattern, XN)
stopifnot(length(pat$i) == sum(MX), identical(.Call(mlnmf:::C_mlnmf_na_pattern, S)$p, rep(0L, ncol(S) + 1L)))
opts0 <- list(method = 0L, init = 0L, normalize = 1L, maxit = 10L, tol = 1e-5,
              eps = 1e-16, inner_max = 50L, inner_alpha = 0.5, inner_delta = 0.1,
              extrapolate = TRUE, threads = 1L, verbose = FALSE, trace = TRUE,
              progress = FALSE)
r <- tryCatch(.Call(mlnmf:::C_mlnmf_fit, X, 2L, opts0, NULL, NULL, list(2L, 1:3, 0L)),
              error = function(e) conditionMessage(e))
stopifnot(grepl("not a valid sparse pattern", r))

## every error path of the three routines
opts <- list(method = 0L, init = 0L, normalize = 1L, maxit = 10L, tol = 1e-5,
             eps = 1e-16, inner_max = 50L, inner_alpha = 0.5, inner_delta = 0.1, extrapolate = TRUE, threads = 1L,
             verbose = FALSE, trace = TRUE, progress = FALSE)
W0 <- matrix(0.5, 24, 2); H0 <- matrix(0.5, 2, 17)
bad_calls <- list(
  quote(.Call(mlnmf:::C_mlnmf_fit, "a", 2L, opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2, opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, integer(0), opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, c(3L, NA), opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, c(3L, 5L), opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X * 0, 2L, opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X * 1e-310, 2L, opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X * 1e308, c(3L, 2L), opts, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, NULL, NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, unname(opts), NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, opts[-1], NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(method = "a")), NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(method = 9L)), NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(maxit = .Machine$integer.max)), NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), NULL, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), list("a"), list("b"), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), list(W0), list(t(H0)), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, "a", list(W0), opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X, W0, opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X, list(), opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X, list("a"), opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X, list(W0, W0), opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X * 1e-310, list(W0), opts, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_project, X, list(W0), 1, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, matrix(1L, 24, 17), W0, H0, 0L, 1e-16, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, c(W0), H0, 0L, 1e-16, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, list(H0), 0L, 1e-16, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, t(H0), 0L, 1e-16, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 3L, 1e-16, NULL, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 0L, 1e-16, NULL, 1)),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 0L, 1e-16, NULL, list(l1 = 1))),
  quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 2L, 1e-16, NULL, list(l1 = c(0, 0), l2 = c(1, 0)))),
  quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(l1 = c(-1, 0))), NULL, NULL, NULL)))
for (cl in bad_calls) {
  ok <- tryCatch({ eval(cl); FALSE }, error = function(e) TRUE)
  if (!ok) stop("no error from ", deparse1(cl))
}

## interrupts: the error leaves through R_CheckUserInterrupt with R_alloc
## workspace live; it must be released (no definite leak)
for (method in c("mu", "kl")) {
  setTimeLimit(elapsed = 2, transient = TRUE)
  r <- tryCatch(mlnmf(Z, 12, method = method, maxit = 1e6, tol = 0),
                error = function(e) conditionMessage(e))
  setTimeLimit(elapsed = Inf)
  stopifnot(is.character(r), grepl("time limit", r))
}
## (set the limit and call in one top-level expression: under R -f each
## top-level expression is its own computation, and a transient limit
## ends with it)
fk <- quiet(mlnmf(Z[, 1:30], 8, method = "kl", maxit = 3))
r <- local({
  setTimeLimit(elapsed = 2, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf))
  tryCatch(predict(fk, Z, maxit = 1e6, tol = 0), error = function(e) conditionMessage(e))
})
stopifnot(is.character(r), grepl("time limit", r))
sound(quiet(mlnmf(X, 3, maxit = 5)), X)
## a deep cascade interrupted between layers, with its scratch arena
## (src/scratch.c) holding a block: the block is released, and the next
## deep fit opens an arena of its own
r <- local({
  setTimeLimit(elapsed = 2, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf))
  tryCatch(mlnmf(Z[, 1:40], 3, layers = 1e5, maxit = 5, tol = 0, progress = FALSE),
           error = function(e) conditionMessage(e))
})
stopifnot(is.character(r), grepl("time limit", r))
sound(quiet(mlnmf(Z[, 1:40], 3, layers = 12, maxit = 5)), Z[, 1:40])

## layers whose scratch is released and collected after each one
## (release_scratch in cascade.c: >= 16 MiB by its estimate, 8 (m + N) k
## doubles = 8 * 30010 * 9), in the fit and in predict() through them
Xl <- matrix(runif(10 * 30000), 10, 30000)
sound(quiet(mlnmf(Xl, 9, layers = 2, maxit = 2)), Xl)

## the instruments' C paths (pinv, dependence, permutations) and the scan,
## on matrices of more than 16 entries, with the values looked at
set.seed(7)
A <- matrix(runif(30 * 8), 30, 8) %*% diag(c(1, 1, 1, 1, 1, 0, 0, 1e-20))
P <- pinv(A)
stopifnot(max(abs(A %*% P %*% A - A)) < 1e-10, all(dim(pinv(t(A))) == c(30L, 8L)),
          all(pinv(matrix(0, 5, 7)) == 0), all(is.finite(pinv(matrix(2, 1, 1)))))
Xg <- simulate_gaussian_mixture(200, 10, 3)
fg <- quiet(mlnmf(Xg, rank = c(8, 6, 6, 6, 6, 6), maxit = 50))
dep <- dependence(fg)
stopifnot(nrow(dep) == 5L, all(is.finite(dep$map_error)))
stopifnot(all(is.finite(layer_map(fg, 1))), all(is.finite(layer_stats(fg)$condition)))
pt <- suppressWarnings(permutation_test(fg, groups = 2, fraction = c(0.5, 1), reps = 3, seed = 1))
stopifnot(all(is.finite(pt$error)), all(pt$error >= 0))
stopifnot(all(is.finite(reconstruct(fg, c(1, 2, 4, 3, 5, 6)))))
stopifnot(identical(.Call(mlnmf:::C_mlnmf_scan, c(1, -1, NA, 0)), c(1, 0, 1, 1)))

## issue 15: the scaled paths of pinv.c and dependence.c (data at 1e308 and
## 1e-300, r = max(G_0) / max(G_2) above and below one) and their errors
Pb <- pinv(matrix(1e308, 20, 20))
stopifnot(all(abs(Pb * 1e308 * 400 - 1) < 1e-3))
stopifnot(max(abs(pinv(A * 1e-300) * 1e-300 - P)) < 1e-8 * max(abs(P)))
for (s in c(1e-300, 1e300, 1e308 / max(Xg))) {
  ds <- dependence(fg, X = Xg * s)
  stopifnot(all(is.finite(as.matrix(ds[, 3:5]))),
            max(abs(ds$recon_map - dep$recon_map)) < 1e-8,
            all(is.finite(layer_map(fg, 1, X = Xg * s))))
}
Yv <- matrix(runif(48), 8, 6) * 1e307
stopifnot(all(is.finite(layer_map(fg, 1, Y1 = Yv, Y2 = Yv))))
for (e in list(quote(pinv(matrix(1e-320, 6, 4))),
               quote(.Call(mlnmf:::C_mlnmf_pinv, matrix(c(NaN, 1:24), 5, 5), -1)),
               quote(.Call(mlnmf:::C_mlnmf_dependence, Xg * 0, fg$F, fg$G, 1L, FALSE, NULL)),
               quote(.Call(mlnmf:::C_mlnmf_dependence, Xg, lapply(fg$F, `*`, NaN), fg$G, 1L, FALSE, NULL)),
               quote(.Call(mlnmf:::C_mlnmf_dependence, Xg, fg$F, lapply(fg$G, `*`, 0), 1L, FALSE, NULL))))
  stopifnot(inherits(tryCatch(eval(e), error = function(err) err), "error"))

## finetune.c and chain.c: each method; one layer (prefix = identity, G
## block only after F_1), decreasing ranks (C = P^T (X S^T), r > c) and
## constant ranks (C = (X^T P)^T S^T, r <= c); each normalisation; X in
## several blocks (> 2^17 entries: blocked products); verbose; an exact
## start whose zeros the floor lifts (the start may be restored); the
## C-level errors; an interrupt
ft_sound <- function(ft, X) {
  n_calls <<- n_calls + 1L
  v <- c(unlist(ft$F), unlist(ft$G))
  stopifnot(all(is.finite(v)), all(v >= 0), all(is.finite(ft$error)),
            all(is.finite(ft$finetune$trace)),
            ft$finetune$objective <= ft$finetune$start)
  invisible(ft)
}
for (method in c("hals", "mu", "kl")) {
  f1 <- quiet(mlnmf(X, 5, method = method, maxit = 5))
  ft_sound(quiet(finetune(f1, maxit = 3, threads = 2)), X)
  f3 <- quiet(mlnmf(X, c(6, 4, 3), method = method, maxit = 5))
  ft_sound(quiet(finetune(f3, maxit = 3)), X)
  fc <- quiet(mlnmf(X, c(4, 4, 4), method = method, maxit = 5, normalize = "none"))
  ft_sound(quiet(finetune(fc, maxit = 3)), X)
  fz <- quiet(mlnmf(Z, c(5, 3), method = method, maxit = 2))
  ft_sound(quiet(finetune(fz, maxit = 2, threads = 2)), Z)
}
for (nz in c("l2", "max")) {
  fn <- quiet(mlnmf(X, c(6, 4), maxit = 5, normalize = nz))
  ft_sound(quiet(finetune(fn, maxit = 2)), X)
}
invisible(capture.output(ft_sound(quiet(finetune(f3, maxit = 2, verbose = TRUE)), X)))
We <- matrix(runif(24 * 3), 24, 3); We[1:5, 1] <- 0
He <- matrix(runif(3 * 17), 3, 17)
fe <- .Call(mlnmf:::C_mlnmf_finetune, We %*% He, list(We), He,
            list(method = 0L, maxit = 1L, tol = 0, eps = 1e-16, inner_max = 1L,
                 inner_delta = 0.1, normalize = 0L, verbose = FALSE, threads = 1L),
            NULL)
stopifnot(is.logical(fe$restored), all(is.finite(fe$F[[1]])))
fo <- list(method = 0L, maxit = 2L, tol = 0, eps = 1e-16, inner_max = 2L,
           inner_delta = 0.1, normalize = 1L, verbose = FALSE, threads = 1L)
ft_bad <- list(
  quote(.Call(mlnmf:::C_mlnmf_finetune, "a", f3$F, f3$G[[3]], fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, list(), f3$G[[3]], fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, f3$F[-1], f3$G[[3]], fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, f3$F, t(f3$G[[3]]), fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, f3$F, -f3$G[[3]], fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X * 0, f3$F, f3$G[[3]], fo, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, f3$F, f3$G[[3]], unname(fo), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_finetune, X, f3$F, f3$G[[3]], modifyList(fo, list(method = 4L)), NULL)))
for (cl in ft_bad) {
  ok <- tryCatch({ eval(cl); FALSE }, error = function(e) TRUE)
  if (!ok) stop("no error from ", deparse1(cl))
}
fi <- quiet(mlnmf(Z, c(8, 6, 4), maxit = 2))
r <- local({
  setTimeLimit(elapsed = 1, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf))
  tryCatch(finetune(fi, maxit = 1e6, tol = 0), error = function(e) conditionMessage(e))
})
stopifnot(is.character(r), grepl("time limit", r))
## the permutation protocol's readings, its chunked evaluation (several
## calls into C), and every error branch of mlnmf_permute
fq <- quiet(mlnmf(Xg, rank = 10, layers = 9, maxit = 20))
p2 <- permutation_test(fq, fraction = c(0.2, 0.5), reps = 4, seed = 2,
                       fraction_of = "layers", move_all = FALSE, min_moved = 1)
stopifnot(all(is.finite(p2$error)), all(p2$mse >= 0), all(is.finite(summary(p2)$mean_mse)))
ref_perm <- function(o) sum((Xg - Reduce(`%*%`, c(fq$F[o], list(fq$G[[9]]))))^2)
ords <- cbind(1:9, c(2L, 1L, 3:9), c(1:7, 9L, 8L), c(9L, 2:8, 1L))
pe <- .Call(mlnmf:::C_mlnmf_permute, Xg, fq$F, fq$G[[9]], ords, NULL)
stopifnot(max(abs(pe$error - apply(ords, 2, ref_perm)) / pe$norm2) < 1e-10)
perm_bad <- list(
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg, fq$F, fq$G[[9]], cbind(1:9, c(1L, 1L, 3:9)), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg, fq$F, fq$G[[9]], cbind(c(0L, 2:9)), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg, fg$F, fg$G[[6]], cbind(c(2L, 1L, 3:6)), NULL)),
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg, fq$F, fq$G[[9]], 1:8, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg, fq$F, t(fq$G[[9]]), 1:9, NULL)),
  quote(.Call(mlnmf:::C_mlnmf_permute, Xg * 0, fq$F, fq$G[[9]], 1:9, NULL)))
for (cl in perm_bad) {
  ok <- tryCatch({ eval(cl); FALSE }, error = function(e) TRUE)
  if (!ok) stop("no error from ", deparse1(cl))
}
f200 <- quiet(mlnmf(Xg[, 1:40], rank = 10, layers = 200, maxit = 3))
r <- local({
  setTimeLimit(elapsed = 2, transient = TRUE)
  on.exit(setTimeLimit(elapsed = Inf))
  op <- options(mlnmf.max_bytes = Inf)    # the table would be ~3 GB: the interrupt comes first
  on.exit(options(op), add = TRUE)
  tryCatch(permutation_test(f200, reps = 1e6), error = function(e) conditionMessage(e))
})
stopifnot(is.character(r), grepl("time limit", r))

## the dense products as one BLAS call (an optimised BLAS's path) on a
## matrix above the block threshold, and mlnmf_set_blocked's type errors
old_blocked <- .Call(mlnmf:::C_mlnmf_set_blocked, FALSE)
Xb <- matrix(runif(400 * 340), 400)
set.seed(5); fb <- quiet(nmf(Xb, 5, maxit = 4, tol = 0))
sound(fb, Xb)
invisible(.Call(mlnmf:::C_mlnmf_set_blocked, old_blocked))
set.seed(5); fb2 <- quiet(nmf(Xb, 5, maxit = 4, tol = 0))
stopifnot(max(abs(fitted(fb) - fitted(fb2))) < 1e-6 * max(Xb))
for (bad in list(NA, 1L, c(TRUE, FALSE), NULL))
  stopifnot(tryCatch({ .Call(mlnmf:::C_mlnmf_set_blocked, bad); FALSE },
                     error = function(e) TRUE))

## the thread helpers (src/threads.c): the cores, the BLAS's count read,
## set and given back, their type errors, and thread counts beyond the
## cores passed to C directly (clamped)
stopifnot(.Call(mlnmf:::C_mlnmf_cores_call) >= 1L)
bt <- .Call(mlnmf:::C_mlnmf_blas_threads, NA_integer_)
invisible(.Call(mlnmf:::C_mlnmf_blas_threads, 1L))
invisible(.Call(mlnmf:::C_mlnmf_blas_threads, if (is.na(bt)) 1L else bt))
for (bad in list(2, "a", NULL, 1:2))
  stopifnot(tryCatch({ .Call(mlnmf:::C_mlnmf_blas_threads, bad); FALSE },
                     error = function(e) TRUE))
set.seed(6); ft <- quiet(nmf(Xb, 4, maxit = 3, tol = 0, threads = 2))
sound(ft, Xb)
ft_sound(quiet(finetune(ft, maxit = 2, threads = 1e6)), Xb)
invisible(.Call(mlnmf:::C_mlnmf_fit, Xb, 3L, modifyList(opts, list(threads = 100000L)), NULL, NULL, NULL))

## issue 23: the sparse residual's two paths (per-column difference, and
## the zeros summed one by one when it cancels, on an exact sparse product),
## with and without a mask; finetune's exact Frobenius pass of a kl fit on
## sparse data; the growing finetune trace
We <- matrix(0, 40, 3); He <- matrix(0, 3, 30)
We[cbind(1:40, rep(1:3, length.out = 40))] <- 1 + (1:40 %% 3)
He[cbind(rep(1:3, 10), 1:30)] <- 1 + (1:30 %% 2)
Se <- Matrix::Matrix(We %*% He, sparse = TRUE)
fs <- quiet(nmf(Se, 3, maxit = 300, tol = 0))
stopifnot(is.finite(fs$error), fs$error < 1e-6)
Me <- matrix(FALSE, 40, 30); Me[cbind(1:20, 1:20)] <- TRUE
fm <- quiet(nmf(Se, 3, mask = Me, maxit = 30))
stopifnot(is.finite(fm$error))
fk <- quiet(mlnmf(Se, c(3, 3), method = "kl", maxit = 20))
ftk <- quiet(finetune(fk, maxit = 70, tol = 0))
stopifnot(length(ftk$finetune$trace) == ftk$finetune$iter + 1L, all(is.finite(ftk$error)))

## the beta-divergence (issue 22): src/nmf_beta.c and src/xops_beta.c on
## dense data (one block and several: Z has 400 rows, so blocks of 655
## columns... and 340 columns, one block; Zb below has several), sparse data
## (the dense pass with the numerator at the stored entries), the missing
## pattern on both, mask = "zeros" (stored entries only), beta = 2 under a
## mask (the general pass) and without (products + Grams), L1, predict,
## transposed layer inputs, the step and the divergence entry.  The trace
## holds NA between measurements, so sound() is not used on it.
sound_beta <- function(fit, X) {
  n_calls <<- n_calls + 1L
  v <- c(unlist(fit$F), unlist(fit$G))
  tr <- unlist(fit$trace)
  stopifnot(all(is.finite(v)), all(v >= 0), all(is.finite(fit$objective)),
            all(is.finite(tr[!is.na(tr)])), sum(!is.na(tr)) >= fit$layers)
  p <- predict(fit, X, maxit = 5)
  stopifnot(all(is.finite(p)), all(p >= 0))
  invisible(fit)
}
Zb <- matrix(runif(1400 * 200), 1400, 200)
for (beta in c(0, 0.5, 1.5, 2, 3, 2.7)) {
  Xp <- X + 0.1
  sound_beta(quiet(mlnmf(Xp, c(5, 3), beta = beta, method = "beta", maxit = 12)), Xp)
  sound_beta(quiet(mlnmf(Xp, 4, beta = beta, method = "beta", maxit = 12, mask = MX,
                         L1 = 0.01)), Xp)
  sound_beta(quiet(nmf(S, 4, beta = beta, method = "beta", maxit = 12, mask = "zeros",
                       threads = 2)), S)
  if (beta > 0) {
    sound_beta(quiet(mlnmf(S, c(4, 2), beta = beta, method = "beta", maxit = 12)), S)
    sound_beta(quiet(nmf(S, 4, beta = beta, method = "beta", maxit = 12, mask = MX)), S)
  }
  sound_beta(quiet(nmf(Zb, 3, beta = beta, method = "beta", maxit = 3, threads = 2)), Zb)
  st <- .Call(mlnmf:::C_mlnmf_step, Xp, W, H, c(3, beta), 1e-16, NULL, list(l1 = c(0.1, 0), l2 = c(0, 0)))
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)))
  st <- .Call(mlnmf:::C_mlnmf_step, S, W, H, c(3, beta), 1e-16, list(1L), NULL)
  stopifnot(all(is.finite(st$W)), all(is.finite(st$H)))
  d <- .Call(mlnmf:::C_mlnmf_beta_div, S, W, H, beta, NULL)
  stopifnot(is.finite(d), d >= 0)
}
## the layer-centric fine-tuning's kernel (both sides, dense and sparse)
## and the fine-tuning itself, layer and data objectives
for (beta in c(0.5, 1, 1.5, 2)) {
  for (x in list(X, S)) for (sd in 0:1) {
    pp <- .Call(mlnmf:::C_mlnmf_beta_pass, x, W, H, beta, sd, NULL)
    stopifnot(all(is.finite(pp$num)), all(is.finite(pp$den)), is.finite(pp$div))
  }
  fb <- quiet(mlnmf(X, c(5, 3), beta = beta, maxit = 10))
  g1 <- quiet(finetune(fb, objective = "layer", maxit = 3))
  g2 <- quiet(finetune(fb, X = S, maxit = 3, beta = beta, method = "beta"))
  stopifnot(all(is.finite(unlist(g1$F))), all(is.finite(unlist(g2$G))),
            all(diff(g1$finetune$trace) <= 1e-12 * g1$finetune$trace[-1]))
}
for (cl in list(quote(.Call(mlnmf:::C_mlnmf_beta_div, X, W, H, "1", NULL)),
                quote(.Call(mlnmf:::C_mlnmf_beta_div, X, t(W), H, 1, NULL)),
                quote(.Call(mlnmf:::C_mlnmf_beta_div, X, W, H, NA_real_, NULL)),
                quote(.Call(mlnmf:::C_mlnmf_step, X, W, H, 3L, 1e-16, NULL, NULL)),
                quote(.Call(mlnmf:::C_mlnmf_beta_pass, X, W, H, 1, 2L, NULL)),
                quote(.Call(mlnmf:::C_mlnmf_beta_pass, X, W, t(H), 1, 0L, NULL)))) {
  ok <- tryCatch({ eval(cl); FALSE }, error = function(e) TRUE)
  if (!ok) stop("no error from ", deparse1(cl))
}

## XM_BLOCKS (src/xops_blocks.c): data read in column blocks by an R
## reader, dense and sparse blocks, each method, the Gram start (small m),
## the range finder, a tall X (the Gram of X^T X over blocks), projection,
## fine-tuning, and each error of the block reader.
blocks <- function(X, bc, rd = NULL) {
  if (is.null(rd)) rd <- function(j0, nc) X[, j0 + seq_len(nc), drop = FALSE]
  structure(list(rd, nrow(X), ncol(X), as.integer(bc), FALSE, new.env()),
            class = "mlnmf_blocks")
}
bopts <- list(method = 0L, init = 0L, normalize = 1L, maxit = 4L, tol = 0, eps = 1e-16,
              inner_max = 5L, inner_alpha = 0.5, inner_delta = 0.1, extrapolate = TRUE,
              verbose = 0L, threads = 1L, trace = TRUE, progress = FALSE,
              l1 = c(0, 0), l2 = c(0, 0))
Xk <- matrix(runif(30 * 70), 30); Xk[sample(length(Xk), 300)] <- 0
Sk <- Matrix::Matrix(Xk, sparse = TRUE)
for (src in list(blocks(Xk, 16), blocks(Xk, 16, function(j0, nc) Sk[, j0 + seq_len(nc), drop = FALSE]))) {
  for (meth in 0:2) for (ini in c(0L, 1L, 3L)) {
    o <- modifyList(bopts, list(method = meth, init = ini))
    set.seed(2); a <- .Call(mlnmf:::C_mlnmf_fit, src, c(4L, 2L), o, NULL, NULL, NULL)
    set.seed(2); b <- .Call(mlnmf:::C_mlnmf_fit, Xk, c(4L, 2L), o, NULL, NULL, NULL)
    stopifnot(max(abs(a$F[[1]] - b$F[[1]])) < 1e-8, max(abs(a$G[[2]] - b$G[[2]])) < 1e-8)
    n_calls <- n_calls + 1L
  }
  pr <- .Call(mlnmf:::C_mlnmf_project, src, a$F, modifyList(bopts, list(maxit = 5L)), NULL)
  stopifnot(all(is.finite(pr)), all(pr >= 0))
  for (meth in c(0L, 2L)) {
    fo <- list(method = meth, maxit = 3L, tol = 0, eps = 1e-16, inner_max = 5L,
               inner_delta = 0.1, normalize = 1L, verbose = FALSE, threads = 1L)
    f1 <- .Call(mlnmf:::C_mlnmf_finetune, src, a$F, a$G[[2]], fo, NULL)
    f2 <- .Call(mlnmf:::C_mlnmf_finetune, Xk, a$F, a$G[[2]], fo, NULL)
    stopifnot(max(abs(f1$G[[2]] - f2$G[[2]])) < 1e-8)
  }
}
Xr <- matrix(runif(200 * 150), 200)          # range finder: min(dim) > 4 (k + 10)
set.seed(3); a <- .Call(mlnmf:::C_mlnmf_fit, blocks(Xr, 40), 3L, bopts, NULL, NULL, NULL)
set.seed(3); b <- .Call(mlnmf:::C_mlnmf_fit, Xr, 3L, bopts, NULL, NULL, NULL)
stopifnot(max(abs(a$F[[1]] - b$F[[1]])) < 1e-8)
Xt <- t(Xk)                                  # tall: Gram of X^T X block by block
set.seed(3); a <- .Call(mlnmf:::C_mlnmf_fit, blocks(Xt, 7), 3L, bopts, NULL, NULL, NULL)
set.seed(3); b <- .Call(mlnmf:::C_mlnmf_fit, Xt, 3L, bopts, NULL, NULL, NULL)
stopifnot(max(abs(a$F[[1]] - b$F[[1]])) < 1e-8)
bad_blocks <- list(
  blocks(Xk, 16, function(j0, nc) { B <- Xk[, j0 + seq_len(nc), drop = FALSE]; B[1] <- -1; B }),
  blocks(Xk, 16, function(j0, nc) Xk[, seq_len(nc + 1L), drop = FALSE]),
  blocks(Xk, 16, function(j0, nc) "x"),
  blocks(Xk, 16, function(j0, nc) { B <- Sk[, j0 + seq_len(nc), drop = FALSE]; B@i[1] <- 99L; B }),
  blocks(Xk, 16, function(j0, nc) stop("the file is gone")),
  structure(list(1, 30, 70, 16L), class = "mlnmf_blocks"))
for (src in bad_blocks)
  stopifnot(tryCatch({ .Call(mlnmf:::C_mlnmf_fit, src, 3L, bopts, NULL, NULL, NULL); FALSE },
                     error = function(e) TRUE))
## a mask of missing entries on blocks (dense and sparse): each block's
## share of the pattern, NA at the masked entries passed by the reader's
## check, the masked kernels on each block; a negative entry outside the
## mask is refused
XkN <- Xk; XkN[matrix(runif(length(Xk)) < 0.1, 30)] <- NA
pat <- .Call(mlnmf:::C_mlnmf_na_pattern, XkN)
mdesc <- list(2L, pat$p, pat$i)
SkN <- methods::as(Matrix::Matrix(XkN, sparse = TRUE), "CsparseMatrix")
for (sp in c(FALSE, TRUE)) {
  src <- if (sp) blocks(XkN, 16, function(j0, nc) SkN[, j0 + seq_len(nc), drop = FALSE]) else blocks(XkN, 16)
  for (meth in 0:2) {
    o <- modifyList(bopts, list(method = meth, init = 1L))
    set.seed(2); a <- .Call(mlnmf:::C_mlnmf_fit, src, 3L, o, NULL, NULL, mdesc)
    set.seed(2); b <- .Call(mlnmf:::C_mlnmf_fit, if (sp) SkN else XkN, 3L, o, NULL, NULL, mdesc)
    stopifnot(max(abs(a$F[[1]] - b$F[[1]])) < 1e-8, max(abs(a$G[[1]] - b$G[[1]])) < 1e-8)
    n_calls <- n_calls + 1L
  }
  pa <- .Call(mlnmf:::C_mlnmf_project, src, a$F, modifyList(bopts, list(maxit = 5L)), mdesc)
  pb <- .Call(mlnmf:::C_mlnmf_project, if (sp) SkN else XkN, a$F, modifyList(bopts, list(maxit = 5L)), mdesc)
  stopifnot(max(abs(pa - pb)) < 1e-8)
}
neg <- blocks(XkN, 16, function(j0, nc) { B <- XkN[, j0 + seq_len(nc), drop = FALSE]; B[which(!is.na(B))[1]] <- -1; B })
stopifnot(tryCatch({ .Call(mlnmf:::C_mlnmf_fit, neg, 3L, bopts, NULL, NULL, mdesc); FALSE },
                   error = function(e) grepl("has the entry -1", conditionMessage(e))))

## the second round's paths: the pieces of the parallel passes (HALS row
## blocks over 2048 rows, MU row blocks, the dense KL row chunks and column
## blocks with the blocked products forced on and off, the sparse KL
## chunks) on 1 and 2 threads; layers = "auto" stopping in C and the
## monomial distance; the projection's warm start; the online fit
old_bl <- .Call(mlnmf:::C_mlnmf_set_blocked, TRUE)
Dtall <- matrix(rpois(2100 * 12, 2), 2100) + 0
Stall <- Matrix::rsparsematrix(2100, 40, 0.3, rand.x = function(n) as.numeric(rpois(n, 2) + 1))
for (bl in c(TRUE, FALSE)) {
  .Call(mlnmf:::C_mlnmf_set_blocked, bl)
  for (method in c("hals", "mu", "kl")) for (Y in list(Dtall, Stall)) for (th in 1:2) {
    set.seed(1)
    sound(quiet(nmf(Y, 3, method = method, maxit = 4, threads = th)), Y)
  }
}
.Call(mlnmf:::C_mlnmf_set_blocked, old_bl)
set.seed(2)
GM <- simulate_gaussian_mixture(n = 60, d = 6)
au <- quiet(mlnmf(GM, 6, layers = "auto", max_layers = 12, threads = 1))
sound(au, GM)
stopifnot(nrow(au$depth$table) == au$depth$depth + 1L || au$depth$capped)
md <- .Call(mlnmf:::C_mlnmf_monomial_dist, au$F[[1]])
stopifnot(is.finite(md), md >= 0, md <= 1,
          .Call(mlnmf:::C_mlnmf_monomial_dist, diag(3) * 2) == 0,
          is.na(.Call(mlnmf:::C_mlnmf_monomial_dist, matrix(0, 3, 3))))
pf <- quiet(nmf(X, 3, maxit = 10))
popts <- c(mlnmf:::solver_opts("hals", 20L, 1e-6, 1e-16, mlnmf:::check_control(list(), "hals"),
                               verbose = 0L, threads = 1L),
           list(start = pf$G[[1]]))
pw <- .Call(mlnmf:::C_mlnmf_project, X, pf$F, popts, NULL)
stopifnot(all(is.finite(pw)), all(pw >= 0))
on <- quiet(nmf(X, 3, online = TRUE, batch = 7, maxit = 3, threads = 1, seed = 1))
sound(on, X)

cat(sprintf("VALGRIND-CASES: %d fits checked, %d error calls, 4 interrupts, instruments: done\n",
            n_calls, length(bad_calls) + length(perm_bad)))
