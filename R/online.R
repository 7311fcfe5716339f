## Online (mini-batch) NMF for the Frobenius loss, nmf(online = TRUE)
## (issue 21): the algorithm of Mairal, Bach, Ponce and Sapiro (2010), as in
## scikit-learn's MiniBatchNMF, in the package's orientation (X is d x N,
## the columns are the samples, F the dictionary):
##
##   for each pass, for each block b of 'batch' consecutive columns:
##     G_b = argmin_{G >= 0} ||X_b - F G||    (F fixed: the projection of
##                                              predict(), src/cascade.c, to
##                                              a relative change of 1e-4,
##                                              from the block's G of the
##                                              previous pass)
##     A <- rho A + G_b G_b^T,  B <- rho B + X_b G_b^T,
##                                  rho = forget^(batch / N)
##     F <- HALS sweeps on  min 1/2 tr(F^T F A) - tr(F^T B),  F >= eps
##
## so F is updated from running sufficient statistics and each block's G
## is solved once per pass.  A block is read once per pass (a dense or
## sparse block of the matrix, or of a DelayedMatrix through the block
## reader of R/bioc.R), so the data are never held whole.  The pass error
## is the sum of the blocks' errors with the F each was solved against; the
## passes stop when it improves by at most 'tol' of itself, or after
## 'maxit' passes.  Then every column is projected on the final F (one more
## pass), and the fit is assembled by the cascade with that start and
## maxit = 0, which adds its exact error (one more pass).

online_nmf <- function(X, rank, call, batch, forget, maxit, tol, eps, threads,
                       init, control, verbose, args) {
  input <- model_data(X, args$samples, assay = args$assay, slot = args$slot)
  Xi <- input$X                                   # d x N, the package's layout
  d <- nrow(Xi); N <- ncol(Xi)
  rank <- check_rank(rank, 1L, d, N)
  if (!is.null(init) && !is.character(init)) init <- check_init(init, rank, d, N)
  res <- online_nmf_passes(column_reader(Xi), d, N, rank, batch, forget, maxit, tol, eps,
                           threads, init, check_control(control, "hals"), verbose)
  res$samples <- input$samples          # the orientation read (said once)
  res
}

## The passes, from a reader of column blocks (column_reader()).
online_nmf_passes <- function(cols, d, N, rank, batch, forget, maxit, tol, eps,
                              threads, init, ctrl, verbose) {
  ctrl$extrapolate <- FALSE
  ## a block's G during the passes: HALS on G alone to 1e-4 (at most 10
  ## iterations; F moves after every block anyway); the final projection
  ## to predict()'s 1e-6 (at most 200)
  popts <- solver_opts("hals", 10L, 1e-4, eps, ctrl, verbose = FALSE,
                       threads = threads)
  fopts <- solver_opts("hals", 200L, 1e-6, eps, ctrl, verbose = FALSE,
                       threads = threads)
  starts <- seq(0L, N - 1L, by = batch)
  W <- online_start(cols, starts, batch, N, rank, init, threads)
  xn2 <- 0
  A <- matrix(0, rank, rank); B <- matrix(0, d, rank)
  rho <- forget^(batch / N)
  errs <- numeric(0)
  converged <- FALSE
  G <- NULL                    # each block's G of the last pass: warm starts
  xb2 <- numeric(length(starts))  # each block's ||X_b||^2, from the first pass
  for (p in seq_len(maxit)) {
    e2 <- 0
    for (b in seq_along(starts)) {
      j0 <- starts[b]
      idx <- j0 + seq_len(min(batch, N - j0))
      Xb <- cols(j0, length(idx))
      Gb <- project_block(Xb, W, popts, threads, if (!is.null(G)) G[, idx, drop = FALSE])
      if (is.null(G)) G <- matrix(0, rank, N)
      G[, idx] <- Gb
      XGt <- as.matrix(Xb %*% t(Gb))                # d x k
      GGt <- tcrossprod(Gb)
      if (p == 1L) {
        xb2[b] <- if (is_sparse(Xb)) sum(Xb@x^2) else sum(Xb^2)
        xn2 <- xn2 + xb2[b]
      }
      ## the block's error against the F it was solved with
      e2 <- e2 + max(0, xb2[b] - 2 * sum(W * XGt) + sum(crossprod(W) * GGt))
      A <- rho * A + GGt
      B <- rho * B + XGt
      W <- hals_dictionary(W, A, B, eps, ctrl$inner_max, ctrl$inner_delta)
    }
    errs[p] <- sqrt(e2 / xn2)
    if (verbose) message(sprintf("pass %d: relative error %.6g", p, errs[p]))
    if (p > 1L && errs[p - 1L] - errs[p] <= tol * errs[p]) {
      converged <- TRUE
      break
    }
  }
  for (j0 in starts) {
    idx <- j0 + seq_len(min(batch, N - j0))
    G[, idx] <- project_block(cols(j0, length(idx)), W, fopts, threads, G[, idx, drop = FALSE])
  }
  list(F = W, G = G, passes = p, pass_error = errs, converged = converged,
       batch = batch, forget = forget)
}

## A function (j0, nc) returning columns j0 + 1 .. j0 + nc of X (a matrix,
## a dgCMatrix or a DelayedMatrix, read block by block).
column_reader <- function(X) {
  if (is_delayed(X)) {
    sparse <- isTRUE(DelayedArray::is_sparse(X))
    return(function(j0, nc) read_cols(X, j0, nc, sparse))
  }
  function(j0, nc) X[, j0 + seq_len(nc), drop = FALSE]
}

## The starting dictionary: a fit of the first block (the start asked for,
## 20 iterations), or the F given in 'init'.
online_start <- function(cols, starts, batch, N, rank, init, threads) {
  if (is.list(init)) return(pmax(init$F[[1L]], 1e-16))   # checked: check_init()
  Xb <- cols(starts[1L], min(batch, N))
  if (ncol(Xb) < rank)
    stopf("'batch' (%d columns) must be at least the rank (%d)", ncol(Xb), rank)
  f <- suppressWarnings(mlnmf(Xb, rank, layers = 1L, init = if (is.null(init)) "nndsvd" else init,
                              maxit = 20L, threads = threads, keep.data = FALSE,
                              progress = FALSE))
  f$F[[1L]]
}

## G (k x nb) of a block with F fixed: the projection of predict(), from
## 'start' (the block's G of the previous pass) when given.
project_block <- function(Xb, W, opts, threads, start = NULL) {
  if (!any(if (is_sparse(Xb)) Xb@x > 0 else Xb > 0))
    return(matrix(0, ncol(W), ncol(Xb)))
  opts$start <- start
  with_threads(threads, is_sparse(Xb), function(th) {
    opts$threads <- th
    .Call(C_mlnmf_project, Xb, list(W), opts, NULL)
  })
}

## Up to q HALS sweeps over the columns of W for min 1/2 tr(W^T W A) -
## tr(W^T B), W >= eps, stopping when a sweep changes W by at most delta
## times what the first changed it (as the solvers' inner sweeps).
hals_dictionary <- function(W, A, B, eps, q, delta) {
  first <- 0
  for (s in seq_len(q)) {
    ch <- 0
    for (l in seq_len(ncol(W))) {
      if (!(A[l, l] > 0)) next
      w <- pmax(eps, W[, l] + (B[, l] - W %*% A[, l]) / A[l, l])
      ch <- ch + sum((w - W[, l])^2)
      W[, l] <- w
    }
    if (s == 1L) first <- ch else if (ch <= delta^2 * first) break
  }
  W
}

## nmf(online = TRUE): check what the online fit supports, run the passes
## (online_nmf), and assemble the fit with the cascade (maxit = 0 from the
## online factors: the exact error, the fit's usual fields).
nmf_online <- function(X, rank, method, init, normalize, nrun, seed, batch,
                       forget, call, dots) {
  if (method != "hals")
    stopf("'online' = TRUE fits the Frobenius loss with HALS sweeps: use method = \"hals\", not \"%s\"",
          method)
  if (!identical(nrun, 1L) && !identical(nrun, 1))
    stopf("'online' = TRUE makes one run: leave 'nrun' at 1")
  bad <- intersect(names(dots), c("mask", "L1", "L2", "finetune", "layers", "max_layers",
                                  "keep.runs", "beta"))
  bad <- bad[!vapply(dots[bad], function(v) is.null(v) || identical(v, FALSE) ||
                                             identical(v, 0), TRUE)]
  if (length(bad))
    stopf("'online' = TRUE does not support %s", paste0("'", bad, "'", collapse = ", "))
  batch <- check_count(batch, "batch")
  forget <- check_number(forget, "forget", lower = 0, upper = 1, lower_open = TRUE)
  or <- function(x, default) if (is.null(x)) default else x
  maxit <- check_count(or(dots$maxit, 100L), "maxit")
  tol <- check_number(or(dots$tol, 1e-4), "tol", lower = 0)
  eps <- check_number(or(dots$eps, 1e-16), "eps", lower = 0, upper = 1e-3, lower_open = TRUE)
  threads <- check_threads(or(dots$threads, default_threads()))
  verbose <- check_flag(or(dots$verbose, FALSE), "verbose")
  run <- function() online_nmf(X, rank, call, batch, forget, maxit, tol, eps, threads,
                               init, or(dots$control, list()), verbose, dots)
  res <- if (is.null(seed)) run() else {
    ## the first stream of the restarts' seeding (R/restarts.R); the
    ## caller's RNG state is put back
    old <- rng_save()
    on.exit(rng_restore(old), add = TRUE)
    suppressWarnings(RNGkind("L'Ecuyer-CMRG", "Inversion", "Rejection"))
    assign(".Random.seed", rng_streams(check_restarts(1L, seed)$seed, 1L)[[1L]],
           envir = globalenv())
    run()
  }
  keep <- setdiff(names(dots), c("maxit", "tol", "control", "verbose", "progress", "samples"))
  dots$samples <- res$samples
  fit <- do.call(mlnmf, c(list(X, rank, layers = 1L, method = "hals",
                               init = list(F = res$F, G = res$G),
                               normalize = normalize, maxit = 0L,
                               control = list(extrapolate = FALSE), progress = FALSE),
                          dots[c(keep, "samples")]))
  fit$iter <- res$passes
  fit$converged <- res$converged
  fit$maxit <- maxit
  fit$tol <- tol
  fit$online <- res[c("passes", "pass_error", "batch", "forget")]
  fit$call <- call
  if (!res$converged)
    warning(sprintf("the online fit did not converge in 'maxit' = %d passes", maxit),
            call. = FALSE)
  fit
}
