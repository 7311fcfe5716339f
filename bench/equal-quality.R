## Equal quality, not equal iterations: the time each method needs to reach
## the relative error RcppML::nmf reaches after 20 (and 100) iterations,
## initialisation included.  Errors are computed here, identically for all:
## ||X - W H||_F / ||X||_F.
##   BENCH_DATA = dense (uniform W, H; default) or sparse (half the entries
##   of W and H zero); BENCH_CAP = seconds allowed per method (default 20);
##   BENCH_NMF_ITER = iterations given to NMF::nmf (default 10, 0 skips it).
source(if (file.exists("common.R")) "common.R" else "bench/common.R")

kind <- Sys.getenv("BENCH_DATA", "dense")
cap <- as.numeric(Sys.getenv("BENCH_CAP", "20"))
nmf_iter <- as.integer(Sys.getenv("BENCH_NMF_ITER", "10"))
d <- 3000; N <- 2000; k <- 20
X <- make_data(d, N, k, noise = 0.1, sparsity = if (kind == "sparse") 0.5 else 0)

## RcppML: the targets, and its own time to each (smallest maxit on a grid)
grid <- c(1, 2, 3, 5, 10, 20, 100)
rc <- t(vapply(grid, function(mi) {
  tm <- elapsed(r <- RcppML::nmf(X, k, tol = 1e-12, maxit = mi, verbose = FALSE, seed = 1))
  c(maxit = mi, time = tm, err = rel_err(X, r$w %*% diag(r$d), r$h))
}, numeric(3)))
e20 <- rc[rc[, "maxit"] == 20, "err"]
e100 <- rc[rc[, "maxit"] == 100, "err"]
e20 <- unname(e20); e100 <- unname(e100)
targets <- c("e20" = e20, "e20+0.1%" = e20 * 1.001, "e20+1%" = e20 * 1.01, "e100" = e100)

first_reach <- function(err, tgt) { i <- which(err <= tgt); if (length(i)) i[1] else NA_integer_ }

res <- list()
res$RcppML <- list(
  time = sapply(targets, function(t) rc[first_reach(rc[, "err"], t), "time"]),
  iter = sapply(targets, function(t) rc[first_reach(rc[, "err"], t), "maxit"]),
  err_end = unname(rc[nrow(rc), "err"]), t_end = unname(rc[nrow(rc), "time"]), it_end = 100)

## mlnmf: one capped run with the trace finds the iteration count for each
## target; a fresh run with exactly that maxit (tol = 0) is then timed.
variants <- list("hals" = list(method = "hals", control = list()),
                 "hals, no extrapolation" = list(method = "hals",
                                                 control = list(extrapolate = FALSE)),
                 "mu" = list(method = "mu", control = list()))
fit_ml <- function(m, maxit)
  suppressWarnings(mlnmf::nmf(X, k, method = variants[[m]]$method, tol = 0,
                              maxit = maxit, control = variants[[m]]$control))
for (m in names(variants)) {
  t2 <- elapsed(fit_ml(m, 2))
  per <- max(1e-3, (elapsed(fit_ml(m, 6)) - t2) / 4)
  mcap <- max(5L, as.integer((cap - t2) / per))
  t_end <- elapsed(f <- fit_ml(m, mcap))
  e <- sqrt(f$trace[[1]])[-1]                        # after iteration 1, 2, ...
  chk <- rel_err(X, f$F[[1]], f$G[[1]])
  ## with extrapolation the trace may rise; the fit returns its best pair
  stopifnot(abs(chk - min(e)) < 1e-6)
  its <- sapply(targets, function(t) first_reach(e, t))
  tms <- sapply(its, function(i) if (is.na(i)) NA else elapsed(fit_ml(m, i)))
  res[[paste0("mlnmf ", m)]] <- list(time = tms, iter = its, err_end = chk,
                                     t_end = t_end, it_end = f$iter)
}

## plain R: one run with a timed trace
for (m in c("hals", "mu")) {
  p <- plain_nmf(X, k, m, maxit = 100000L, target = min(targets), cap = cap)
  its <- sapply(targets, function(t) first_reach(p$err, t))
  res[[paste0("plain R ", m)]] <- list(time = p$time[its], iter = its,
                                       err_end = p$err[length(p$err)],
                                       t_end = p$time[length(p$time)],
                                       it_end = length(p$err))
}

## NMF package: fixed iteration budget (about 1 s per iteration here)
if (nmf_iter > 0 && requireNamespace("NMF", quietly = TRUE)) {
  suppressPackageStartupMessages(library(NMF))
  for (m in c("lee", "brunet")) {
    tm <- elapsed(f <- NMF::nmf(X, k, method = m, seed = 123, .options = "v0",
                                .pbackend = NA, .stop = NMF::nmf.stop.iteration(nmf_iter)))
    er <- rel_err(X, NMF::basis(f), NMF::coef(f))
    reach <- er <= targets
    res[[paste0("NMF ", m)]] <- list(time = ifelse(reach, tm, NA),
                                     iter = ifelse(reach, nmf_iter, NA),
                                     err_end = er, t_end = tm, it_end = nmf_iter)
  }
}

if (nzchar(Sys.getenv("BENCH_DEBUG"))) str(res)
rt <- setNames(as.numeric(res$RcppML$time), names(targets))
tab <- do.call(rbind, lapply(names(res), function(nm) {
  r <- res[[nm]]
  r$time <- setNames(as.numeric(r$time), names(targets))
  r$iter <- setNames(as.numeric(r$iter), names(targets))
  data.frame(method = nm,
             "it to e20" = r$iter[["e20"]], "s to e20" = r$time[["e20"]],
             "speedup vs RcppML (e20)" = rt[["e20"]] / r$time[["e20"]],
             "s to e20+0.1%" = r$time[["e20+0.1%"]],
             "s to e20+1%" = r$time[["e20+1%"]],
             "speedup vs RcppML (e20+1%)" = rt[["e20+1%"]] / r$time[["e20+1%"]],
             "s to e100" = r$time[["e100"]],
             "last it" = r$it_end, "s at last" = r$t_end, "err at last" = r$err_end,
             check.names = FALSE)
}))
tab[["err at last"]] <- formatC(tab[["err at last"]], digits = 7, format = "f")

report(sprintf("Equal quality, %s data", kind), tab,
       sprintf("X = W H + noise, %d x %d, rank %d, W and H uniform(0, 1)%s, noise exponential with mean 0.1 mean(W H), set.seed(20261129). Targets: RcppML::nmf(tol = 1e-12, seed = 1) relative error after 20 iterations e20 = %.8f and after 100 e100 = %.8f; also e20 relaxed by 0.1%% and 1%%. RcppML time to a target: smallest maxit in {%s} reaching it. mlnmf: defaults (init nndsvd, eps 1e-16, extrapolation on for hals; 'hals, no extrapolation' sets control = list(extrapolate = FALSE)), tol = 0, maxit = iterations found from a traced run capped at about the cap's time, then timed afresh. plain R: random start (seed 42), one HALS sweep / MU step per factor, error off the clock. Cap %g s per method; NMF::nmf (seed 123 = random start) with %d iterations. '-' = target not reached. 'speedup vs RcppML' = RcppML's time to the same target divided by the method's (> 1: faster than RcppML).",
               d, N, k, if (kind == "sparse") " with half the entries set to 0" else "",
               e20, e100, paste(grid, collapse = ", "), cap, nmf_iter))
