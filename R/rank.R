## Rank selection by held-out entries: nmf_rank().
##
## For each of 'reps' repeats, a random 'fraction' of the observed entries
## of X is held out (hidden through the 'mask' of nmf()); for each candidate
## rank, nmf() is fitted to the rest and the fitted values F G are compared
## with X at the held-out entries:
##     test error = ||X_h - (F G)_h|| / ||X_h||     (h: the held-out entries)
##     train error = the fit's own relative error over the entries it saw.
## The training error falls with the rank; the held-out error falls while
## the rank adds structure and rises once it fits noise.
##
## The fits (reps x ranks of them) run through the same future backend as
## the restarts (run_streams() in R/restarts.R), each with its own
## L'Ecuyer-CMRG stream derived from 'seed'; the held-out sets are drawn in
## the calling process from their own streams.  So the table depends on
## 'seed' only, not on the backend.

nmf_rank <- function(X, ranks, fraction = 0.1, reps = 3L, mask = NULL,
                     seed = NULL, samples = NULL, ..., nrun = 1L, null = FALSE,
                     assay = NULL, slot = NULL) {
  call <- match.call()
  if (missing(ranks)) stopf("'ranks' is missing: give the candidate ranks, e.g. 1:10")
  if (!is.numeric(ranks) || length(ranks) < 1L || anyNA(ranks) || !is_whole(ranks) ||
      any(ranks < 1))
    stopf("'ranks' must be whole numbers >= 1 (the candidate ranks), not %s",
          if (is.numeric(ranks)) short_value(ranks) else describe(ranks))
  ranks <- sort(unique(as.integer(ranks)))
  fraction <- check_number(fraction, "fraction", lower = 0, upper = 0.9,
                           lower_open = TRUE)
  reps <- check_count(reps, "reps")
  if (reps > 1000L) stopf("'reps' must be at most 1000, not %d", reps)
  if (!is.null(seed)) seed <- check_restarts(1L, seed)$seed
  nrun <- check_restarts(nrun, 1L)$nrun
  null <- check_flag(null, "null")
  if (!is.null(mask) && !(is.character(mask) && length(mask) == 1L &&
                          mask %in% .mask_names))
    stopf("'mask' of nmf_rank() must be NULL, \"NA\" or \"zeros\", not %s",
          if (is.character(mask) && length(mask) == 1L) sprintf("\"%s\"", mask)
          else describe(mask))
  args <- list(...)
  if (length(args) && (is.null(names(args)) || any(!nzchar(names(args)))))
    stopf("the arguments in '...' of nmf_rank() must be named (they are passed to nmf())")
  clash <- intersect(names(args), c("rank", "layers", "mask", "samples", "keep.runs"))
  if (length(clash))
    stopf("'%s' cannot be passed to nmf() by nmf_rank(): %s", clash[1L],
          "the ranks are 'ranks', the mask is nmf_rank()'s own")
  if (is.null(args$keep.data)) args$keep.data <- FALSE

  input <- model_data(X, samples, na_ok = identical(mask, "NA"), assay = assay, slot = slot)
  if (is_delayed(input$X) && identical(mask, "zeros"))
    stopf("mask = \"zeros\" is not supported for a DelayedMatrix 'X' (data read in column blocks): use mask = NULL or \"NA\", or run nmf_rank() on the data in memory")
  if (is_delayed(input$X) && null)
    stopf("'null' = TRUE is not supported for a DelayedMatrix 'X' (data read in column blocks): it permutes every column of 'X' in memory")
  X <- input$X
  if (max(ranks) > min(dim(X)))
    stopf("'ranks' must be at most min(dim(X)) = %d, not %d", min(dim(X)), max(ranks))
  obs <- observed_entries(X, mask)
  size <- round(fraction * obs$n)
  if (size < 1)
    stopf("'fraction' = %g of the %.0f observed entries of 'X' holds out none: raise it",
          fraction, obs$n)
  heldout_args <- heldout_penalty(args, X, mask)

  seed <- draw_seed(seed)
  grid <- expand.grid(rank = ranks, rep = seq_len(reps))
  sgrid <- if (nrun > 1L) expand.grid(run = seq_len(nrun), rank = ranks)
  ## streams: held-out sets, held-out fits, consensus runs; then the
  ## randomized data and the same again for it
  n_str <- reps + nrow(grid) + NROW(sgrid)
  streams <- rng_streams(seed, 2L * n_str + 1L)
  real <- rank_measures(X, ranks, obs, size, reps, mask, grid, sgrid,
                        streams[seq_len(n_str)], args, heldout_args)
  res <- list(table = real$table, summary = real$summary,
              best = real$summary$rank[which.min(real$summary$test_error)],
              fraction = fraction, heldout = size, observed = obs$n, reps = reps,
              nrun = nrun, L2 = heldout_args$L2, seed = seed, dim = dim(X),
              sparse = is_sparse(X), mask = if (is.null(mask)) "none" else mask,
              call = call)
  if (null) {
    Xr <- randomize_columns(X, streams[[2L * n_str + 1L]])
    rnd <- rank_measures(Xr, ranks, observed_entries(Xr, mask), size, reps, mask,
                         grid, sgrid, streams[n_str + seq_len(n_str)], args,
                         heldout_penalty(args, Xr, mask))
    res$null_table <- rnd$table
    res$null_summary <- rnd$summary
  }
  structure(res, class = "mlnmf_rank")
}

## The held-out fits of nmf_rank(), and with nrun > 1 the consensus runs
## at every rank, on X; 'streams' has reps + nrow(grid) + nrow(sgrid).
rank_measures <- function(X, ranks, obs, size, reps, mask, grid, sgrid, streams,
                          args, heldout_args) {
  held <- draw_heldout(obs, size, streams[seq_len(reps)])
  if (is_delayed(X) && length(obs$exclude))      # its NA entries, found once
    held <- lapply(held, structure, na = obs$exclude)
  step <- with_progress_steps(rank_job, nrow(grid), "held-out fit")  # R/progress.R
  res <- run_streams(nrow(grid), step, streams[reps + seq_len(nrow(grid))],
                     "mlnmf-rank", "fits", grid = grid, data = X, held = held,
                     mask = mask, args = heldout_args)
  failed <- which(vapply(res, function(r) !is.null(r$error), NA))
  if (length(failed)) {
    j <- failed[1L]
    stopf("the fit at rank %d, repeat %d failed: %s%s", grid$rank[j], grid$rep[j],
          res[[j]]$error, if (length(failed) > 1L)
            sprintf(" (%d of the %d fits failed)", length(failed), nrow(grid)) else "")
  }
  tab <- data.frame(rank = grid$rank, rep = grid$rep,
                    train_error = vapply(res, `[[`, 0, "train"),
                    test_error = vapply(res, `[[`, 0, "test"),
                    iterations = vapply(res, `[[`, 0, "iter"),
                    converged = vapply(res, `[[`, NA, "converged"))
  nc <- sum(!tab$converged)
  if (nc > 0L)
    warning(sprintf("%d of the %d fits did not converge (see $table; raise 'maxit')",
                    nc, nrow(tab)), call. = FALSE)
  smry <- data.frame(
    rank = ranks,
    train_error = tapply(tab$train_error, tab$rank, mean)[as.character(ranks)],
    test_error = tapply(tab$test_error, tab$rank, mean)[as.character(ranks)],
    test_sd = if (reps > 1L) tapply(tab$test_error, tab$rank, stats::sd)[as.character(ranks)]
              else NA_real_,
    row.names = NULL)
  if (!is.null(sgrid))
    smry <- cbind(smry, consensus_measures(X, ranks, sgrid, mask,
                                           streams[reps + nrow(grid) + seq_len(nrow(sgrid))],
                                           args))
  list(table = tab, summary = smry)
}

## The consensus runs of nmf_rank(): nrun fits at every rank (the first
## from the fit's 'init', the others random, as nmf(nrun =)), each sending
## back its memberships and error only; per rank the residual (the
## smallest relative error of the runs), the cophenetic coefficient, the
## dispersion and the mean silhouette width of the consensus.
consensus_measures <- function(X, ranks, sgrid, mask, streams, args) {
  args <- c(list(X = X, layers = 1L, mask = mask, samples = "columns"), args)
  if (is.null(args$normalize)) args$normalize <- "none"
  step <- with_progress_steps(survey_job, nrow(sgrid), "consensus run")
  res <- run_streams(nrow(sgrid), step, streams, "mlnmf-consensus", "runs",
                     sgrid = sgrid, args = args)
  failed <- which(vapply(res, function(r) !is.null(r$error), NA))
  if (length(failed)) {
    j <- failed[1L]
    stopf("the consensus run %d at rank %d failed: %s", sgrid$run[j], sgrid$rank[j],
          res[[j]]$error)
  }
  out <- lapply(ranks, function(k) {
    r <- res[sgrid$rank == k]
    M <- do.call(cbind, lapply(r, function(x) as.raw(x$memberships[[1L]])))
    C <- consensus_matrix(M)
    cl <- consensus_clusters(C, k)
    data.frame(residual = min(vapply(r, `[[`, 0, "value")),
               cophenetic = cophenetic_coef(C), dispersion = dispersion_coef(C),
               silhouette = mean(silhouette_of(1 - C, cl)))
  })
  do.call(rbind, out)
}

survey_job <- function(j, sgrid, args) {
  args$rank <- sgrid$rank[j]
  r <- restart_run(sgrid$run[j], args, light = TRUE)
  if (!is.null(r$error)) return(list(error = r$error))
  list(error = NULL, memberships = r$memberships, value = r$fit$error[1L])
}

## The entries that may be held out: every entry (mask NULL), the non-NA
## ones (mask "NA") or the nonzero ones (mask "zeros").  For a sparse X
## under "zeros" they are positions in X@x; otherwise linear indices.
observed_entries <- function(X, mask) {
  total <- as.double(nrow(X)) * ncol(X)
  if (is_delayed(X)) {                     # mask NULL or "NA"; R/bioc.R
    na <- if (identical(mask, "NA")) pattern_linear(na_pattern_delayed(X), nrow(X)) else numeric()
    return(list(kind = "linear", total = total, exclude = na, n = total - length(na)))
  }
  if (is_sparse(X)) {
    if (identical(mask, "zeros")) {
      pos <- which(!is.na(X@x) & X@x != 0)
      return(list(kind = "x", idx = pos, n = as.double(length(pos))))
    }
    na <- if (identical(mask, "NA")) sparse_linear(X, which(is.na(X@x))) else numeric()
    return(list(kind = "linear", total = total, exclude = na, n = total - length(na)))
  }
  if (is.null(mask)) return(list(kind = "linear", total = total, exclude = numeric(), n = total))
  keep <- if (mask == "NA") which(!is.na(X)) else which(!is.na(X) & X != 0)
  list(kind = "list", idx = keep, n = as.double(length(keep)))
}

## Linear (column-major, 1-based) indices of the entries of a pattern
## list(p, i) of an m-row matrix.
pattern_linear <- function(pat, m) {
  pat$i + 1 + rep(seq_along(pat$p[-1L]) - 1, diff(pat$p)) * as.double(m)
}

## The entries of a DelayedMatrix at sorted linear indices 'lin', read
## column block by column block (only the blocks that hold some).
delayed_values <- function(X, lin) {
  m <- as.double(nrow(X))
  bc <- block_cols(nrow(X), ncol(X))       # block_source()'s blocks
  cols <- (lin - 1) %/% m                  # 0-based
  out <- numeric(length(lin))
  each_block(X, function(blk, j0, nc, b, nb) {
    q <- which(cols %/% bc == b - 1L)
    out[q] <<- as.matrix(blk)[cbind(lin[q] - cols[q] * m, cols[q] - j0 + 1)]
    NULL
  }, which = unique(cols %/% bc))
  out
}

## Linear (column-major, 1-based) indices of the entries at positions
## 'pos' of X@x.
sparse_linear <- function(X, pos) {
  j <- findInterval(pos - 1, X@p, rightmost.closed = FALSE)
  X@i[pos] + 1 + (j - 1) * as.double(nrow(X))
}

## The penalty of the held-out fits: unless the user gives 'L2' (or uses
## a divergence, "kl" or "beta", which take no L2), L2 = 0.01 ||Y||_F on both factors, Y the
## observed entries of X scaled to a largest entry of one as the solvers
## see them.  Without it, a component carried by a few rows is not
## identified for a column whose entries on those rows are held out, and
## the unpenalised HALS fit puts values there orders of magnitude beyond
## the data.  Measured on R-help (2 repeats, ranks 2-12, NEWS.md 0.4.0):
## held-out errors up to 595 (mask NULL) and 3.8e5 (mask "zeros") without
## it; 0.96 to 1.27 and 0.78 to 0.84 with it.  0.1 ||Y||_F smooths R-help
## further but hides the planted rank of dense test data; 0.001 leaves
## R-help errors of 2-3.
.heldout_L2 <- 0.01

heldout_penalty <- function(args, X, mask) {
  if (!is.null(args$L2)) return(args)
  ## (a bad 'method' or 'beta' is left to the fits, whose error names it)
  mb <- tryCatch(check_beta(args$beta, if (is.null(args$method)) .methods else args$method),
                 error = function(e) NULL)
  if (is.null(mb) || mb$method %in% c("kl", "beta")) return(args)
  if (is_delayed(X)) {                     # block by block (DelayedArray)
    mx <- max(X, na.rm = TRUE)
    args$L2 <- if (mx > 0) .heldout_L2 * sqrt(sum((X / mx)^2, na.rm = TRUE)) else 0
    return(args)
  }
  v <- if (is_sparse(X)) X@x else X
  v <- v[!is.na(v)]
  mx <- max(abs(v))
  args$L2 <- if (mx > 0) .heldout_L2 * sqrt(sum((v / mx)^2)) else 0
  args
}

## X with the entries of each column permuted (NMF's randomize()): the
## null of nmf_rank(null = TRUE), from its own stream.
randomize_columns <- function(X, stream) {
  old <- rng_save()
  on.exit(rng_restore(old))
  assign(".Random.seed", stream, envir = globalenv())
  m <- nrow(X)
  if (is_sparse(X)) {
    X <- methods::as(X, "CsparseMatrix")
    nz <- diff(X@p)
    i <- unlist(lapply(nz, function(n) sort(sample.int(m, n)) - 1L))
    x <- unlist(lapply(seq_along(nz), function(j) {
      v <- X@x[X@p[j] + seq_len(nz[j])]
      v[sample.int(length(v))]
    }))
    X@i <- as.integer(i)
    X@x <- as.double(x)
    return(X)
  }
  for (j in seq_len(ncol(X))) X[, j] <- X[sample.int(m), j]
  X
}

## One held-out set per repeat, each drawn from its own stream; sorted.
## Cost O(stored entries + held-out), never O(d N) for the linear kind:
## sample.int(total, size) draws by hashing when total > 1e7 and
## size <= total / 2 (fraction <= 1/2), and the NA exclusion is a hash
## lookup against the stored NA entries (test-rank.R bounds the memory).
draw_heldout <- function(obs, size, streams) {
  old <- rng_save()
  on.exit(rng_restore(old))
  lapply(streams, function(s) {
    assign(".Random.seed", s, envir = globalenv())
    if (obs$kind == "linear") {
      h <- numeric()
      while (length(h) < size) {           # the excluded (NA) entries are redrawn
        s <- sample.int(obs$total, size - length(h))     # distinct within a draw
        h <- if (length(h)) unique(c(h, s)) else as.double(s)
        if (length(obs$exclude)) h <- h[!(h %in% obs$exclude)]
      }
      sort(h)
    } else sort(obs$idx[sample.int(length(obs$idx), size)])
  })
}

## One fit of nmf_rank(): rank grid$rank[j], held-out set grid$rep[j].
rank_job <- function(j, grid, data, held, mask, args) {
  X <- data
  k <- grid$rank[j]
  h <- held[[grid$rep[j]]]
  na <- attr(h, "na")
  attributes(h) <- NULL
  d <- dim(X)
  if (is_sparse(X) && identical(mask, "zeros")) {
    vals <- X@x[h]
    lin <- sparse_linear(X, h)
    Xt <- X
    Xt@x[h] <- 0
    Xt <- Matrix::drop0(Xt)
    mk <- "zeros"
  } else if (is_sparse(X) || is_delayed(X)) {
    ## the held-out entries (and the NA ones) as a sparse mask: X is not
    ## copied (a DelayedMatrix is read in column blocks, R/bioc.R)
    lin <- h
    cols <- (h - 1) %/% d[1L]
    vals <- if (is_delayed(X)) delayed_values(X, h)
            else X[cbind(as.integer(h - cols * d[1L]), as.integer(cols + 1))]
    miss <- h
    if (identical(mask, "NA"))
      miss <- sort(c(miss, if (is_delayed(X)) na else sparse_linear(X, which(is.na(X@x)))))
    mc <- (miss - 1) %/% d[1L]
    mk <- Matrix::sparseMatrix(i = as.integer(miss - mc * d[1L]), j = as.integer(mc + 1),
                               x = TRUE, dims = d)
    Xt <- X
  } else {
    lin <- h
    vals <- X[h]
    Xt <- X
    if (identical(mask, "zeros")) {
      Xt[h] <- 0
      mk <- "zeros"
    } else {
      Xt[h] <- NA
      mk <- "NA"
    }
  }
  nh <- sqrt(sum(vals^2))
  if (nh == 0)
    return(list(error = "the held-out entries are all zero, so their relative error is undefined: raise 'fraction'"))
  warns <- character()
  fit <- tryCatch(withCallingHandlers(
    do.call(nmf, c(list(Xt, k, mask = mk, samples = "columns"), args)),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }), error = function(e) e)
  if (inherits(fit, "error")) return(list(error = conditionMessage(fit)))
  pred <- predict_entries(fit$F[[1L]], fit$G[[1L]], lin, d[1L])
  list(error = NULL, train = fit$error[1L], test = sqrt(sum((vals - pred)^2)) / nh,
       iter = sum(fit$iter), converged = all(fit$converged))
}

## (F G) at linear indices 'lin' of an m x N matrix, in blocks, without
## forming F G.
predict_entries <- function(F, G, lin, m) {
  out <- numeric(length(lin))
  Gt <- t(G)
  for (s in seq(1, length(lin), by = 1e6)) {
    b <- s:min(length(lin), s + 1e6 - 1)
    cols <- (lin[b] - 1) %/% m
    rows <- lin[b] - cols * m
    out[b] <- rowSums(F[rows, , drop = FALSE] * Gt[cols + 1, , drop = FALSE])
  }
  out
}

print.mlnmf_rank <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  if (!inherits(x, "mlnmf_rank") || !is.data.frame(x$summary))
    stopf("'x' must be a result of nmf_rank(), not %s", describe(x))
  cat(sprintf("Rank selection by held-out entries: %d x %d data%s, %.0f held out of %.0f %sentries (%.3g%%), %d repeat%s, seed %d\n",
              x$dim[1L], x$dim[2L], if (isTRUE(x$sparse)) " (sparse)" else "",
              x$heldout, x$observed,
              switch(x$mask, none = "", "NA" = "non-missing ", zeros = "nonzero "),
              100 * x$fraction, x$reps, if (x$reps > 1L) "s" else "", x$seed))
  if (!is.null(x$L2) && any(x$L2 > 0))
    cat(sprintf("Held-out fits penalised with L2 = %s\n",
                paste(format(x$L2, digits = 3), collapse = ", ")))
  if (isTRUE(x$nrun > 1L))
    cat(sprintf("Consensus of %d runs per rank: residual (smallest relative error), cophenetic, dispersion, mean silhouette\n",
                x$nrun))
  print(x$summary, digits = digits, row.names = FALSE)
  if (!is.null(x$null_summary)) {
    cat("The same on randomized data (each column's entries permuted):\n")
    print(x$null_summary, digits = digits, row.names = FALSE)
  }
  cat(sprintf("Smallest mean held-out error at rank %d", x$best))
  if (!is.null(x$summary$cophenetic))
    cat(sprintf("; largest cophenetic coefficient at rank %d",
                x$summary$rank[which.max(x$summary$cophenetic)]))
  cat("\n")
  invisible(x)
}

plot.mlnmf_rank <- function(x, main = NULL, ...) {
  if (!inherits(x, "mlnmf_rank") || !is.data.frame(x$table))
    stopf("'x' must be a result of nmf_rank(), not %s", describe(x))
  if (is.null(x$summary$cophenetic) && is.null(x$null_summary))
    return(invisible(plot_heldout(x, if (is.null(main)) "Rank selection by held-out entries" else main, ...)))
  s <- x$summary
  n <- x$null_summary
  meas <- c(test_error = "held-out error", residual = "residual (relative error)",
            cophenetic = "cophenetic coefficient", dispersion = "dispersion",
            silhouette = "mean silhouette width", train_error = "training error")
  meas <- meas[names(meas) %in% names(s)]
  meas <- meas[seq_len(min(6L, length(meas)))]
  np <- length(meas)
  op <- par(mfrow = c(ceiling(np / 3), min(3L, np)), mar = c(4, 4, 2.5, 1),
            oma = c(2.2, 0, if (is.null(main) || nzchar(main)) 1.8 else 0, 0))
  on.exit(par(op))
  for (m in names(meas)) {
    y <- s[[m]]
    yn <- if (!is.null(n)) n[[m]]
    yl <- range(c(y, yn), finite = TRUE)
    plot(s$rank, y, type = "b", pch = 19, col = "firebrick", ylim = yl, xaxt = "n",
         xlab = "rank", ylab = "", main = meas[[m]], ...)
    axis(1, at = s$rank)
    if (!is.null(yn)) lines(n$rank, yn, type = "b", pch = 1, lty = 2, col = "grey40")
  }
  par(fig = c(0, 1, 0, 1), oma = c(0, 0, 0, 0), mar = c(0, 0, 0, 0), new = TRUE)
  plot(0, 0, type = "n", bty = "n", xaxt = "n", yaxt = "n", xlab = "", ylab = "")
  legend("bottom", c("data", if (!is.null(n)) "randomized data"), horiz = TRUE,
         col = c("firebrick", "grey40"), pch = c(19, 1), lty = c(1, 2), bty = "n",
         xpd = TRUE)
  if (is.null(main))
    main <- sprintf("Rank selection: %d x %d data%s", x$dim[1L], x$dim[2L],
                    if (isTRUE(x$nrun > 1L)) sprintf(", %d runs per rank", x$nrun) else "")
  if (nzchar(main)) mtext(main, side = 3L, line = -1.5, outer = TRUE, font = 2L)
  invisible(x)
}

plot_heldout <- function(x, main, ...) {
  tab <- x$table
  s <- x$summary
  yl <- range(c(tab$test_error, tab$train_error))
  plot(tab$rank, tab$test_error, pch = 1, col = "grey50", ylim = yl,
       xlab = "rank", ylab = "relative error", main = main, xaxt = "n", ...)
  axis(1, at = s$rank)
  lines(s$rank, s$test_error, type = "b", pch = 19, col = "firebrick")
  lines(s$rank, s$train_error, type = "b", pch = 17, col = "steelblue")
  abline(v = x$best, lty = 3)
  legend("topright", c("held-out (mean)", "held-out (each repeat)", "training (mean)"),
         col = c("firebrick", "grey50", "steelblue"), pch = c(19, 1, 17),
         lty = c(1, NA, 1), bty = "n")
  invisible(x)
}
