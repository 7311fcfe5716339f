## Restarts: the 'nrun' and 'seed' arguments of mlnmf() and nmf().
##
## NMF is non-convex, so a fit depends on its start.  With nrun > 1,
## mlnmf() fits nrun times (run 1 from the chosen 'init', the others from
## random starts) and keeps the fit with the smallest final relative error;
## every run's error and iterations are kept in fit$runs.
##
## Random numbers: run i draws from its own L'Ecuyer-CMRG stream, stream 1
## seeded by set.seed(seed) and stream i + 1 = parallel::nextRNGStream(stream
## i).  A run's result depends only on its stream, never on which process
## runs it, so the same 'seed' gives the same fit on any future backend and
## any number of workers.  seed = NULL draws the seed from R's own stream
## (one draw, so set.seed() governs the result); with nrun = 1 and
## seed = NULL nothing here is used and the fit draws from R's stream as it
## always did.  The caller's RNG kind and state are restored afterwards.
##
## The runs go through future.apply::future_lapply() when future.apply is
## installed (the backend is the user's future::plan()), grouped into as
## many futures as the plan has workers (future.scheduling = 1), labelled
## "mlnmf-run-<j>" for group j; each run still draws from its own stream,
## so the grouping changes no result.  They run serially in this process,
## with no future, when there is one run, when the plan is sequential (a
## future there would only add its own cost, bench/threads.R), with
## options(mlnmf.future = FALSE), or without future.apply.

.max_nrun <- 10000L

## NULL for the plain path (nrun = 1, seed = NULL), else list(nrun, seed).
check_restarts <- function(nrun, seed) {
  if (!is.numeric(nrun) || length(nrun) != 1L || is.na(nrun) || !is_whole(nrun) ||
      nrun < 1)
    stopf("'nrun' must be a single whole number >= 1 (the number of starts), not %s",
          if (is.numeric(nrun) || is.logical(nrun)) short_value(nrun) else describe(nrun))
  if (nrun > .max_nrun)
    stopf("'nrun' must be at most %d, not %.0f", .max_nrun, nrun)
  if (!is.null(seed)) {
    if (!is.numeric(seed) || length(seed) != 1L || !is.finite(seed) ||
        !is_whole(seed) || abs(seed) > .Machine$integer.max)
      stopf("'seed' must be NULL or a single whole number (as for set.seed()), not %s",
            if (is.numeric(seed)) short_value(seed) else describe(seed))
    seed <- as.integer(seed)
  }
  if (nrun == 1 && is.null(seed)) return(NULL)
  list(nrun = as.integer(nrun), seed = seed)
}

## The caller's RNG state, and putting it back.
rng_save <- function() {
  list(kind = RNGkind(), seed = get0(".Random.seed", envir = globalenv(),
                                     inherits = FALSE))
}
rng_restore <- function(s) {
  suppressWarnings(RNGkind(s$kind[1L], s$kind[2L], s$kind[3L]))
  if (is.null(s$seed)) {
    if (exists(".Random.seed", envir = globalenv(), inherits = FALSE))
      rm(".Random.seed", envir = globalenv())
  } else assign(".Random.seed", s$seed, envir = globalenv())
}

## n L'Ecuyer-CMRG streams (each a .Random.seed), the first from
## set.seed(seed); the caller's RNG is left as it was.
rng_streams <- function(seed, n) {
  old <- rng_save()
  on.exit(rng_restore(old))
  suppressWarnings(RNGkind("L'Ecuyer-CMRG", "Inversion", "Rejection"))
  set.seed(seed)
  s <- vector("list", n)
  s[[1L]] <- get(".Random.seed", envir = globalenv())
  for (i in seq_len(n)[-1L]) s[[i]] <- parallel::nextRNGStream(s[[i - 1L]])
  s
}

## The seed of the streams: 'seed', or one draw from R's stream.
draw_seed <- function(seed) {
  if (!is.null(seed)) return(seed)
  sample.int(.Machine$integer.max, 1L)
}

## lapply over 1..n, element i with .Random.seed = streams[[i]]: through
## future.apply when use_future(n) (one future per worker of the plan),
## else serially.  Either way each element sees exactly its stream.
run_streams <- function(n, FUN, streams, label, what, ...) {
  old <- rng_save()
  on.exit(rng_restore(old))
  if (use_future(n)) {
    return(tryCatch(
      future.apply::future_lapply(seq_len(n), FUN, ..., future.seed = streams,
                                  future.scheduling = 1,
                                  future.label = paste0(label, "-%d")),
      error = function(e)
        stopf("the future backend (%s) failed while running %d %s: %s (the futures are named %s-<j>, one per group of %s; the results of the others are lost)",
              plan_name(), n, what, conditionMessage(e), label, what)))
  }
  lapply(seq_len(n), function(i) {
    assign(".Random.seed", streams[[i]], envir = globalenv())
    FUN(i, ...)
  })
}

plan_name <- function() {
  cl <- setdiff(class(future::plan()), c("FutureStrategy", "tweaked"))
  if (length(cl)) cl[1L] else "unknown"
}

## Futures for n runs: more than one run, not switched off, future.apply
## installed, and a plan other than sequential.
use_future <- function(n = 2L) {
  n > 1L && !identical(getOption("mlnmf.future"), FALSE) &&
    requireNamespace("future.apply", quietly = TRUE) &&
    !inherits(future::plan(), "sequential")
}

## One run: mlnmf() with nrun = 1 on 'args' (the values of the caller's
## arguments; each run validates them), from a random start for i > 1.
## Errors and warnings are caught and returned, so one failing run does not
## hide the others.  Runs
## after the first keep no data (the best fit gets run 1's, which is the
## same), and no call (it would embed the data), so workers send back little.
restart_run <- function(i, args, light = FALSE) {
  if (i > 1L) {
    args$init <- "random"
    args$keep.data <- FALSE
  }
  args$progress <- FALSE
  args$keep.runs <- NULL
  warns <- character()
  fit <- tryCatch(withCallingHandlers(
    do.call(run_fit, args),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    },
    message = function(m) if (i > 1L) invokeRestart("muffleMessage")),
    error = function(e) e)
  if (inherits(fit, "error"))
    return(list(fit = NULL, error = conditionMessage(fit), warnings = warns))
  fit$call <- NULL
  mem <- fit_memberships(fit)                     # R/consensus.R
  if (light) fit$F <- fit$G <- fit$trace <- NULL  # the best run is fitted again
  list(fit = fit, memberships = mem, error = NULL, warnings = warns)
}

## Whether the runs send back only their memberships and errors (the best
## run is then fitted once more from its stream): when nrun times one
## run's factors would exceed getOption("mlnmf.runs_memory", 64e6) bytes.
restarts_light <- function(args, n) {
  if (isTRUE(args$keep.runs)) return(FALSE)
  d <- dim(args$X)
  if (length(d) != 2L) return(FALSE)
  bytes <- 8 * n * sum(as.double(args$rank)) * (as.double(d[1L]) + d[2L])
  lim <- getOption("mlnmf.runs_memory", 64e6)
  is.numeric(lim) && length(lim) == 1L && !is.na(lim) && bytes > lim
}

## The single fit of one run (a separate function so that tests can make
## a run fail).
run_fit <- function(...) mlnmf(..., nrun = 1L, seed = NULL)

## The restarts of mlnmf(): 'args' are mlnmf()'s arguments (without nrun
## and seed), 'rs' is check_restarts()'s answer.
fit_restarts <- function(args, rs, call) {
  n <- rs$nrun
  seed <- draw_seed(rs$seed)
  streams <- rng_streams(seed, n)
  light <- restarts_light(args, n)
  step <- with_progress_steps(restart_run, n, "run")  # R/progress.R
  res <- run_streams(n, step, streams, "mlnmf-run", "runs", args = args, light = light)
  failed <- which(vapply(res, function(r) !is.null(r$error), NA))
  if (length(failed)) {
    i <- failed[1L]
    cond <- structure(
      class = c("mlnmf_restart_error", "error", "condition"),
      list(message = sprintf("run %d of %d failed: %s%s", i, n, res[[i]]$error,
                             if (length(failed) > 1L)
                               sprintf(" (%d runs failed: %s; the fits of the others are in the error's $fits)",
                                       length(failed), few(failed))
                             else if (n > 1L) " (the fits of the other runs are in the error's $fits)"
                             else ""),
           call = NULL, failed = failed,
           fits = lapply(res, `[[`, "fit")))
    stop(cond)
  }
  fits <- lapply(res, `[[`, "fit")
  err <- vapply(fits, function(f) f$error[f$layers], 0)
  ## layers = "auto" can stop the runs at different depths, and a deeper
  ## cascade never has a smaller error: compare at the common depth
  depth <- min(vapply(fits, `[[`, 0L, "layers"))
  ## a beta-divergence fit of one layer: the smallest divergence (its
  ## objective), not the smallest Frobenius error
  crit <- if (depth == 1L && identical(fits[[1L]]$method, "beta")) "objective" else "error"
  best <- which.min(vapply(fits, function(f) f[[crit]][depth], 0))
  mem <- stack_memberships(lapply(res, `[[`, "memberships"), fits[[1L]]$dim[2L])
  runs <- runs_table(fits, err)
  run_factors <- if (isTRUE(args$keep.runs))
    lapply(fits, function(f) list(F = f$F, G = f$G))
  warns <- res[[best]]$warnings
  data1 <- fits[[1L]][c("data", "mask_pattern")]
  fit <- fits[[best]]
  rm(fits, res)
  if (light) fit <- refit_run(best, streams, args, fit$error)
  if (best != 1L && isTRUE(args$keep.data)) {
    fit$data <- data1$data
    fit$mask_pattern <- data1$mask_pattern
  }
  fit$runs <- runs
  if (all(fit$runs$layers == fit$runs$layers[1L])) fit$runs$layers <- NULL
  fit$best_run <- best
  fit$seed <- seed
  fit$memberships <- mem
  if (!is.null(run_factors)) fit$run_factors <- run_factors
  fit$call <- call
  for (w in warns) warning(w, call. = FALSE)
  nc <- sum(!fit$runs$converged[-best])
  if (nc > 0L)
    warning(sprintf("%d of the %d other runs did not converge in 'maxit' = %d iterations (see $runs)",
                    nc, n - 1L, args$maxit), call. = FALSE)
  fit
}

## The table of the runs, $runs: the data frame data.frame() would build,
## without its per-column deparse (a sixth of a seeded small fit's time).
runs_table <- function(fits, err) {
  structure(list(run = seq_along(fits),
                 init = vapply(fits, `[[`, "", "init"),
                 error = err,
                 iterations = vapply(fits, function(f) sum(f$iter), 0),
                 converged = vapply(fits, function(f) all(f$converged), NA),
                 layers = vapply(fits, `[[`, 0L, "layers")),
            class = "data.frame", row.names = c(NA_integer_, -length(fits)))
}

## One run with a seed: mlnmf() fits it itself (no future, no capture of
## warnings and errors, no second pass over the arguments) on the stream
## of run 1 of fit_restarts(), set here, and adds the fields of the runs.
rng_first_stream <- function(seed) {
  suppressWarnings(RNGkind("L'Ecuyer-CMRG", "Inversion", "Rejection"))
  set.seed(seed)
}
seeded_fields <- function(fit, seed, keep.runs, call) {
  fit$call <- NULL                          # set last, as fit_restarts() does
  fit$runs <- runs_table(list(fit), fit$error[fit$layers])
  fit$runs$layers <- NULL                 # one run: one depth (as fit_restarts())
  fit$best_run <- 1L
  fit$seed <- seed
  fit$memberships <- stack_memberships(list(fit_memberships(fit)), fit$dim[2L])
  if (keep.runs) fit$run_factors <- list(list(F = fit$F, G = fit$G))
  fit$call <- call
  fit
}

## The best run fitted again from its own stream (the runs sent back only
## their memberships): the same fit bit for bit on the same BLAS, checked
## by its errors.
refit_run <- function(i, streams, args, error) {
  old <- rng_save()
  on.exit(rng_restore(old))
  suppressWarnings(RNGkind("L'Ecuyer-CMRG", "Inversion", "Rejection"))
  assign(".Random.seed", streams[[i]], envir = globalenv())
  r <- restart_run(i, args)
  if (!is.null(r$error)) stopf("refitting the best run (%d) failed: %s", i, r$error)
  if (!isTRUE(all.equal(r$fit$error, error, tolerance = 1e-8)))
    warning(sprintf("the best run (%d) fitted again ended at a relative error of %s, not %s (a different BLAS or thread count in the workers?)",
                    i, format(r$fit$error[length(error)]), format(error[length(error)])),
            call. = FALSE)
  r$fit
}

## Lines for print() and summary().
print_runs <- function(x, digits) {
  r <- x$runs
  if (is.null(r)) return(invisible())
  if (nrow(r) == 1L)
    cat(sprintf("One run, seed %d\n", x$seed))
  else
    cat(sprintf("Best of %d runs (seed %d): run %d; final errors of the runs from %s to %s (median %s)\n",
                nrow(r), x$seed, x$best_run, format(min(r$error), digits = digits),
                format(max(r$error), digits = digits),
                format(stats::median(r$error), digits = digits)))
  invisible()
}

print_runs_table <- function(x, digits) {
  if (is.null(x$runs)) return(invisible())
  cat(sprintf("\n%d run%s from seed %d (the first from init \"%s\", the others random); the fit is run %d, the smallest final error:\n",
              nrow(x$runs), if (nrow(x$runs) > 1L) "s" else "", x$seed,
              x$runs$init[1L], x$best_run))
  r <- x$runs
  r$best <- ifelse(r$run == x$best_run, "*", "")
  print_long_table(r, digits, "runs")
}
