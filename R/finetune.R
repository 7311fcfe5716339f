## Joint fine-tuning of every layer of a fit (src/finetune.c) and the
## automatic choice of the number of layers.

finetune <- function(fit, X = NULL, maxit = 200L, tol = 1e-6,
                     method = fit$method, control = list(), verbose = FALSE,
                     threads = default_threads(), objective = c("data", "layer"),
                     beta = NULL, lambda = NULL) {
  check_fit(fit, "fit", need = c("F", "G", "layers", "dim", "eps", "normalize"))
  if (!is.null(fit$mask))
    stopf("'fit' was fitted to data with missing entries (a mask): fine-tuning is not supported for it")
  if (is_delayed(X)) {                                  # R/bioc.R
    X <- check_delayed(X, "X")
    if (!identical(dim(X), as.integer(fit$dim)))
      stopf("'X' must be %d x %d like the data of 'fit', not %d x %d",
            fit$dim[1L], fit$dim[2L], nrow(X), ncol(X))
  } else X <- fit_data(fit, X)
  maxit <- check_count(maxit, "maxit", min = 0L)
  tol <- check_number(tol, "tol", lower = 0)
  objective <- check_choice(objective, c("data", "layer"), "objective")
  ## beta: given (with the method left out, or agreeing), or the method's
  ## (the fit's own beta for the fit's own method)
  mb <- if (is.null(beta) && identical(method, fit$method))
          list(method = fit$method, beta = fit_beta(fit))
        else check_beta(beta, if (missing(method)) .methods else method)
  method <- mb$method
  beta <- mb$beta
  verbose <- check_flag(verbose, "verbose")
  if (objective == "layer" || method == "beta") {
    check_beta_zeros(beta, X, NULL)
    return(finetune_beta_fit(fit, X, objective, beta, lambda, maxit, tol, verbose))
  }
  if (!is.null(lambda)) stopf("'lambda' is used only with objective = \"layer\"")
  threads <- check_threads(threads)
  ctrl <- check_control(control, for_what = "finetune")
  L <- fit$layers
  opts <- solver_opts(method, maxit, tol, fit$eps, ctrl, verbose = verbose,
                      threads = threads,
                      normalize = c(none = 0L, l1 = 1L, l2 = 2L, max = 3L)[[fit$normalize]])
  Fl <- lapply(fit$F, function(f) { storage.mode(f) <- "double"; f })
  GL <- fit$G[[L]]
  storage.mode(GL) <- "double"
  res <- with_threads(threads, is_sparse(X) ||                    # R/zzz.R
                       own_kernels(X, method, NULL, fit$rank, FALSE), function(th) {
    opts$threads <- th
    .Call(C_mlnmf_finetune, x_arg(X), Fl, GL, opts, NULL)
  })

  cascade_error <- ft_cascade_error(fit)
  fit <- ft_take_factors(fit, res)
  ## the exact blockwise pass of C (no d x N temporaries, no cancellation)
  err <- sqrt(if (method == "kl") res$frob else res$objective)
  ## every G_i is now F_(i+1) ... F_L G_L, so F_1 ... F_i G_i is the same
  ## product for every i and every layer has the final error
  fit$error <- rep(err, L)
  fit$finetune <- list(method = method, iter = res$iter,
                       converged = res$converged, trace = res$trace,
                       start = res$start, objective = res$objective,
                       restored = res$restored, maxit = maxit, tol = tol,
                       cascade_error = cascade_error)
  ft_warn(res, maxit)
  fit
}

## What both fine-tunings share: the cascade's error before the first
## fine-tuning, the new factors under the fit's names, the warning.
ft_cascade_error <- function(fit)
  if (is.null(fit$finetune)) fit$error else fit$finetune$cascade_error

ft_take_factors <- function(fit, res) {
  for (i in seq_len(fit$layers)) {
    dimnames(res$F[[i]]) <- dimnames(fit$F[[i]])
    dimnames(res$G[[i]]) <- dimnames(fit$G[[i]])
  }
  names(res$F) <- names(res$G) <- names(fit$F)
  fit$F <- res$F
  fit$G <- res$G
  fit
}

ft_warn <- function(res, maxit) {
  if (!res$converged && maxit > 0L)
    warning(sprintf("fine-tuning did not converge in 'maxit' = %d iterations", maxit),
            call. = FALSE)
}

## objective = "layer" (any beta), or "data" with a beta the C code does not
## cover (R/finetune_layer.R); the fit's fields as finetune() leaves them.
finetune_beta_fit <- function(fit, X, objective, beta, lambda, maxit, tol, verbose) {
  L <- fit$layers
  res <- if (objective == "layer") finetune_layer(fit, X, beta, lambda, maxit, tol, verbose)
         else finetune_data_beta(fit, X, beta, maxit, tol, verbose)
  cascade_error <- ft_cascade_error(fit)
  fit <- ft_take_factors(fit, res)
  P <- diag(1, fit$dim[1L])
  fit$error <- vapply(seq_len(L), function(i) {
    P <<- if (i == 1L) fit$F[[1L]] else P %*% fit$F[[i]]
    rel_error_r(X, P, fit$G[[i]])
  }, 0)
  fit$finetune <- list(method = if (objective == "layer") "layer" else "beta",
                       objective = objective, beta = beta, iter = res$iter,
                       converged = res$converged, trace = res$trace,
                       lambda = res$lambda, layer_divergence = res$terms,
                       start_layer_divergence = res$start_terms,
                       maxit = maxit, tol = tol, cascade_error = cascade_error)
  ft_warn(res, maxit)
  fit
}

## mlnmf(finetune = ): FALSE, TRUE, or a list of arguments of finetune().
check_finetune_arg <- function(finetune) {
  if (is.logical(finetune) && length(finetune) == 1L && !is.na(finetune))
    return(if (finetune) list() else NULL)
  if (is.list(finetune) && !is.object(finetune)) {
    known <- c("maxit", "tol", "method", "control", "verbose", "objective",
               "beta", "lambda")
    bad <- setdiff(names(finetune), known)
    if (length(bad) || (length(finetune) && is.null(names(finetune))))
      stopf("'finetune' has unknown entries: %s (known: %s)",
            paste(bad, collapse = ", "), paste(known, collapse = ", "))
    return(finetune)
  }
  stopf("'finetune' must be TRUE, FALSE or a list of arguments of finetune(), not %s",
        describe(finetune))
}

## layers = "auto": validate the cap.
check_auto_layers <- function(max_layers, depth_tol) {
  if (is.null(max_layers))
    stopf("'layers' = \"auto\" needs 'max_layers', the largest number of layers to try")
  max_layers <- check_count(max_layers, "max_layers")
  if (max_layers < 2L)
    stopf("'max_layers' must be at least 2 for 'layers' = \"auto\", not %d", max_layers)
  depth_tol <- check_number(depth_tol, "depth_tol", lower = 0, upper = 1,
                            lower_open = TRUE)
  list(max_layers = max_layers, depth_tol = depth_tol)
}

## The depth criterion: a layer F_i (i >= 2) within depth_tol of a scaled
## permutation matrix (monomial_dist, as layer_stats() measures it) only
## relabels and rescales the components of layer i - 1, so it and the rest
## of the cascade carry no new information.  The depth is the last layer
## before the first such layer.  Rectangular layers (k_i < k_(i-1)) always
## compress and always count.  The cascade (src/depth.c, the same distance)
## stops at the first such layer, so the fit has at most one layer past the
## depth; max_layers is the cap it was given.
auto_depth <- function(fit, depth_tol, max_layers = fit$layers) {
  L <- fit$layers
  md <- vapply(fit$F, function(F)
    if (nrow(F) == ncol(F)) monomial_dist(F) else NA_real_, 0)
  hit <- which(seq_len(L) >= 2L & !is.na(md) & md < depth_tol)
  depth <- if (length(hit)) unname(hit[1L]) - 1L else L
  list(depth = depth,
       table = data.frame(layer = seq_len(L), rank = fit$rank,
                          monomial_dist = md, rel_error = fit$error,
                          kept = seq_len(L) <= depth),
       tol = depth_tol, max_layers = max_layers, capped = !length(hit))
}

truncate_fit <- function(fit, depth) {
  keep <- seq_len(depth)
  for (el in c("F", "G", "trace")) fit[[el]] <- fit[[el]][keep]
  for (el in c("iter", "converged", "error", "objective", "rank"))
    fit[[el]] <- fit[[el]][keep]
  fit$layers <- depth
  fit
}

## ||X - P G||_F / ||X||_F in R, for dense or sparse X (the sparse one
## through the Gram identity, never densified)
rel_error_r <- function(X, P, G) {
  if (is_delayed(X)) return(rel_error_blocks(X, P, G))   # R/bioc.R
  if (is_sparse(X)) {
    x2 <- sum(X@x^2)
    r2 <- x2 - 2 * sum(P * as.matrix(X %*% t(G))) + sum(crossprod(P) * tcrossprod(G))
    return(sqrt(max(0, r2) / x2))
  }
  sqrt(sum((X - P %*% G)^2) / sum(X^2))
}
