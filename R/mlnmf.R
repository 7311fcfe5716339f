## The cascade front end: validate, then one .Call into src/cascade.c.

.methods <- c("hals", "mu", "kl")
.inits <- c("nndsvd", "nndsvda", "nndsvdar", "random")
.norms <- c("l1", "none", "l2", "max")

mlnmf <- function(X, rank, layers = length(rank), method = c("hals", "mu", "kl"),
                  init = NULL, normalize = c("l1", "none", "l2", "max"),
                  maxit = 500L, tol = 1e-5, eps = 1e-16, verbose = FALSE,
                  progress = interactive() && layers >= 10L, keep.data = TRUE,
                  threads = default_threads(), control = list(), samples = NULL,
                  mask = NULL, finetune = FALSE, max_layers = NULL, depth_tol = 0.05,
                  L1 = 0, L2 = 0, nrun = 1L, seed = NULL, assay = NULL, slot = NULL) {
  call <- match.call()
  ## cheap scalar arguments first, and the limits on sizes, before anything
  ## proportional to the data or to 'layers' is read or allocated
  if (missing(rank)) stopf("'rank' is missing: give one rank, or one per layer")
  check_rank_type(rank)
  restarts <- check_restarts(nrun, seed)            # R/restarts.R
  if (!is.null(restarts))
    return(fit_restarts(mget(setdiff(names(formals(mlnmf)), c("nrun", "seed"))),
                        restarts, call))
  auto <- identical(layers, "auto")
  if (auto) {
    depth <- check_auto_layers(max_layers, depth_tol)
    layers <- depth$max_layers
  } else if (!is.null(max_layers))
    stopf("'max_layers' is only used with 'layers' = \"auto\"")
  ft <- check_finetune_arg(finetune)
  layers <- check_count(layers, "layers")
  if (layers > .max_layers)
    stopf("'layers' must be at most %d, not %d", .max_layers, layers)
  method <- check_choice(method, .methods, "method")
  normalize <- check_choice(normalize, .norms, "normalize")
  maxit <- check_count(maxit, "maxit")
  tol <- check_number(tol, "tol", lower = 0)
  eps <- check_number(eps, "eps", lower = 0, upper = 1e-3, lower_open = TRUE)
  verbose <- check_flag(verbose, "verbose")
  progress <- check_flag(progress, "progress")
  keep.data <- check_flag(keep.data, "keep.data")
  threads <- check_threads(threads)
  ctrl <- check_control(control, method)
  pen <- check_penalties(L1, L2, method)
  input <- model_data(X, samples, na_ok = TRUE, assay = assay, slot = slot)
  samples <- input$samples
  if (is_delayed(input$X) && !is.null(mask))
    stopf("'mask' is not supported for a DelayedMatrix (data read in column blocks): fit the data in memory, or without a mask")
  mk <- resolve_mask(orient_mask(mask, samples), input$X, n_na = input$n_na)
  X <- mk$X
  if (!is.null(ft) && !is.null(mk$desc))
    stopf("'finetune' is not supported with missing entries ('mask'): fit without it, or leave finetune = FALSE")
  rank <- check_rank(rank, layers, nrow(X), ncol(X))
  if (is.null(init)) init <- if (method == "hals") "nndsvd" else "nndsvda"
  start <- check_init(init, rank, nrow(X), ncol(X))

  opts <- list(method = match(method, .methods) - 1L,
               init = start$code,
               normalize = c(none = 0L, l1 = 1L, l2 = 2L, max = 3L)[[normalize]],
               maxit = maxit, tol = tol, eps = eps,
               inner_max = ctrl$inner_max, inner_alpha = ctrl$inner_alpha,
               inner_delta = ctrl$inner_delta, extrapolate = ctrl$extrapolate,
               verbose = if (verbose) (if (layers == 1L) 2L else 1L) else 0L,
               threads = threads,
               trace = maxit <= .max_trace, progress = progress && !verbose,
               l1 = penalty_opts(pen)$l1, l2 = penalty_opts(pen)$l2)
  xa <- x_arg(X)                                     # R/bioc.R
  res <- .Call(C_mlnmf_fit, xa, rank, opts, start$F, start$G, mk$desc)

  nm <- paste0("layer", seq_len(layers))
  names(res$F) <- names(res$G) <- names(res$trace) <- nm
  rownames(res$F[[1L]]) <- rownames(X)
  for (i in seq_len(layers)) {
    h <- paste0("h", seq_len(rank[i]))
    colnames(res$F[[i]]) <- h
    dimnames(res$G[[i]]) <- list(h, colnames(X))
  }
  nc <- sum(!res$converged)
  if (nc > 0L)
    warning(sprintf("%d of %d layers did not converge in 'maxit' = %d iterations",
                    nc, layers, maxit), call. = FALSE)
  fit <- structure(c(res, list(rank = rank, layers = layers, method = method,
                               init = start$name, normalize = normalize,
                               maxit = maxit, tol = tol, eps = eps, dim = dim(X),
                               samples = samples, sparse = is_sparse(X),
                               mask = mk$info, data = if (keep.data) X,
                               mask_pattern = if (keep.data) mk$desc,
                               control = ctrl, penalty = pen, call = call,
                               source = input$source, coldata = input$coldata,
                               blocks = block_info(xa))),
                   class = "mlnmf")
  if (auto) {
    fit$depth <- auto_depth(fit, depth$depth_tol)
    fit <- truncate_fit(fit, fit$depth$depth)
  }
  if (!is.null(ft))
    fit <- do.call("finetune", c(list(fit, X, threads = threads), ft))
  fit
}

nmf <- function(X, rank, method = c("hals", "mu", "kl"), init = NULL,
                normalize = c("none", "l1", "l2", "max"), nrun = 1L, seed = NULL, ...) {
  if (missing(rank)) stopf("'rank' is missing: give the number of components")
  if (!is.numeric(rank) || length(rank) != 1L)
    stopf("'rank' must be a single whole number for nmf(); use mlnmf() for several layers")
  fit <- mlnmf(X, rank, layers = 1L, method = method, init = init,
               normalize = normalize, nrun = nrun, seed = seed, ...)
  fit$call <- match.call()
  fit
}

check_control <- function(control, method = "hals") {
  if (!is.list(control)) stopf("'control' must be a list, not %s", describe(control))
  known <- c("inner_max", "inner_alpha", "inner_delta", "extrapolate")
  bad <- setdiff(names(control), known)
  if (length(bad) || (length(control) && is.null(names(control))))
    stopf("'control' has unknown entries: %s (known: %s)",
          paste(bad, collapse = ", "), paste(known, collapse = ", "))
  list(inner_max = check_count(if (is.null(control$inner_max)) 50L else control$inner_max,
                               "control$inner_max"),
       inner_alpha = check_number(if (is.null(control$inner_alpha)) 0.5 else control$inner_alpha,
                                  "control$inner_alpha", lower = 0),
       inner_delta = check_number(if (is.null(control$inner_delta)) 0.1 else control$inner_delta,
                                  "control$inner_delta", lower = 0, upper = 1),
       extrapolate = check_flag(if (is.null(control$extrapolate)) method == "hals"
                                else control$extrapolate,
                                "control$extrapolate"))
}

## 'init' is a method name or list(F =, G =) with matrices (first layer) or
## lists of matrices (the first length(F) layers).
check_init <- function(init, rank, d, N) {
  if (is.character(init)) {
    name <- check_choice(init, .inits, "init")
    return(list(code = match(name, .inits) - 1L, name = name, F = NULL, G = NULL))
  }
  if (!is.list(init) || !all(c("F", "G") %in% names(init)))
    stopf("'init' must be one of %s, or a list with elements 'F' and 'G'",
          paste0("\"", .inits, "\"", collapse = ", "))
  Fs <- if (is.matrix(init$F)) list(init$F) else init$F
  Gs <- if (is.matrix(init$G)) list(init$G) else init$G
  if (!is.list(Fs) || !is.list(Gs) || length(Fs) != length(Gs) || length(Fs) < 1L)
    stopf("'init$F' and 'init$G' must be matrices, or lists of matrices of equal length")
  if (length(Fs) > length(rank))
    stopf("'init' gives %d layers but the model has %d", length(Fs), length(rank))
  prev <- d
  for (i in seq_along(Fs)) {
    Fi <- check_data(Fs[[i]], sprintf("init$F[[%d]]", i), allow_zero = TRUE)
    Gi <- check_data(Gs[[i]], sprintf("init$G[[%d]]", i), allow_zero = TRUE)
    if (!identical(dim(Fi), c(prev, rank[i])))
      stopf("'init$F[[%d]]' must be %d x %d, not %d x %d", i, prev, rank[i],
            nrow(Fi), ncol(Fi))
    if (!identical(dim(Gi), c(rank[i], N)))
      stopf("'init$G[[%d]]' must be %d x %d, not %d x %d", i, rank[i], N,
            nrow(Gi), ncol(Gi))
    Fs[[i]] <- Fi
    Gs[[i]] <- Gi
    prev <- rank[i]
  }
  list(code = 4L, name = "given", F = Fs, G = Gs)
}

## One core fewer than the machine has (at least one), or the option
## mlnmf.threads when set; never more than OMP_THREAD_LIMIT, nor than 2
## under R CMD check (see max_threads() in checks.R).
default_threads <- function() {
  opt <- getOption("mlnmf.threads")
  if (!is.null(opt)) {
    if (!is.numeric(opt) || length(opt) != 1L || is.na(opt) || !is_whole(opt) ||
        opt < 1)
      stopf("option 'mlnmf.threads' must be a single whole number >= 1, not %s",
            short_value(opt))
    return(min(as.integer(min(opt, .max_threads_arg)), max_threads()))
  }
  n <- suppressWarnings(as.integer(parallel::detectCores()))
  if (length(n) != 1L || is.na(n)) n <- 1L
  thread_limit(max(1L, n - 1L))
}
