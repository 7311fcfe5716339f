## The cascade front end: validate, then one .Call into src/cascade.c.

.methods <- c("hals", "mu", "kl", "beta")
.inits <- c("nndsvd", "nndsvda", "nndsvdar", "random")
.norms <- c("l1", "none", "l2", "max")

mlnmf <- function(X, rank, layers = length(rank), method = c("hals", "mu", "kl", "beta"),
                  init = NULL, normalize = c("l1", "none", "l2", "max"),
                  maxit = 500L, tol = 1e-5, eps = 1e-16, verbose = FALSE,
                  progress = interactive() && layers >= 10L, keep.data = TRUE,
                  threads = default_threads(), control = list(), samples = NULL,
                  mask = NULL, finetune = FALSE, max_layers = NULL, depth_tol = 0.05,
                  L1 = 0, L2 = 0, nrun = 1L, seed = NULL, keep.runs = FALSE,
                  beta = NULL, assay = NULL, slot = NULL) {
  call <- match.call()
  ## cheap scalar arguments first, and the limits on sizes, before anything
  ## proportional to the data or to 'layers' is read or allocated
  if (missing(rank)) {                               # starting factors fix it
    rank <- init_rank(init)
    if (is.null(rank))
      stopf("'rank' is missing: give one rank, or one per layer (or starting factors in 'init', whose ranks are then used)")
  }
  check_rank_type(rank)
  restarts <- check_restarts(nrun, seed)            # R/restarts.R
  keep.runs <- check_flag(keep.runs, "keep.runs")
  if (!is.null(restarts)) {
    if (restarts$nrun > 1L)
      return(fit_restarts(mget(setdiff(names(formals(mlnmf)), c("nrun", "seed"))),
                          restarts, call))
    ## one run with a seed: this call, on the seed's first stream (the
    ## stream of run 1 of fit_restarts()); the caller's RNG is put back
    rng_old <- rng_save()                          # R/restarts.R
    on.exit(rng_restore(rng_old))
    rng_first_stream(restarts$seed)
  }
  auto <- identical(layers, "auto")
  if (auto) {
    depth <- check_auto_layers(max_layers, depth_tol)
    layers <- depth$max_layers
  } else if (!is.null(max_layers))
    stopf("'max_layers' is only used with 'layers' = \"auto\"")
  ft <- check_finetune_arg(finetune)
  layers <- check_count(layers, "layers")
  if (layers > .max_layers)
    stopf("'%s' must be at most %d, not %d", if (auto) "max_layers" else "layers",
          .max_layers, layers)
  mb <- check_beta(beta, method)
  method <- mb$method
  beta <- mb$beta
  normalize <- check_choice(normalize, .norms, "normalize")
  maxit <- check_count(maxit, "maxit", min = 0L)     # 0: the start, evaluated
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
  if (is_delayed(input$X) && method == "beta" && beta != 1)
    stopf("'beta' = %g (method \"beta\") is not supported for a DelayedMatrix (data read in column blocks): use beta = 1 or 2, or fit the data in memory", beta)
  mk <- resolve_mask(orient_mask(mask, samples), input$X, n_na = input$n_na)
  X <- mk$X
  check_beta_zeros(beta, X, mk$desc)
  if (!is.null(ft) && !is.null(mk$desc))
    stopf("'finetune' is not supported with missing entries ('mask'): fit without it, or leave finetune = FALSE")
  rank <- check_rank(rank, layers, nrow(X), ncol(X))
  if (!is.null(mk$desc) && all(pen$L2 == 0)) warn_few_observed(mk, rank[1L], method)   # R/mask.R
  if (is.null(init)) init <- if (method == "hals") "nndsvd" else "nndsvda"
  start <- check_init(init, rank, nrow(X), ncol(X))

  opts <- solver_opts(method, maxit, tol, eps, ctrl,
                      verbose = if (verbose) (if (layers == 1L) 2L else 1L) else 0L,
                      threads = threads, pen = pen, init = start$code,
                      normalize = c(none = 0L, l1 = 1L, l2 = 2L, max = 3L)[[normalize]],
                      trace = maxit <= .max_trace, progress = progress && !verbose,
                      beta = beta, depth_tol = if (auto) depth$depth_tol else 0)
  xa <- x_arg(X)                                     # R/bioc.R
  res <- with_threads(threads, is_sparse(X) ||                   # R/zzz.R
                       own_kernels(X, method, beta, rank, !is.null(mk$desc)), function(th) {
    opts$threads <- th
    .Call(C_mlnmf_fit, xa, rank, opts, start$F, start$G, mk$desc)
  })
  ## layers = "auto": the cascade stopped at the first layer that meets the
  ## depth criterion (src/depth.c), or ran all max_layers
  if (auto) {
    layers <- length(res$F)
    rank <- rank[seq_len(layers)]
  }

  nm <- paste0("layer", seq_len(layers))
  names(res$F) <- names(res$G) <- names(res$trace) <- nm
  rownames(res$F[[1L]]) <- rownames(X)
  for (i in seq_len(layers)) {
    h <- paste0("h", seq_len(rank[i]))
    colnames(res$F[[i]]) <- h
    dimnames(res$G[[i]]) <- list(h, colnames(X))
  }
  nc <- sum(!res$converged)
  if (nc > 0L && maxit > 0L)
    warning(sprintf("%d of %d layers did not converge in 'maxit' = %d iterations",
                    nc, layers, maxit), call. = FALSE)
  fit <- structure(c(res, list(rank = rank, layers = layers, method = method,
                               beta = beta,
                               init = start$name, normalize = normalize,
                               maxit = maxit, tol = tol, eps = eps, dim = dim(X),
                               samples = samples, sparse = is_sparse(X),
                               mask = mk$info, data = if (keep.data) X,
                               mask_pattern = if (keep.data) mk$desc,
                               control = ctrl, penalty = pen, call = call,
                               source = input$source, coldata = input$coldata,
                               blocks = block_info(xa))),
                   class = "mlnmf")
  if (!is.null(mk$desc)) warn_imputed(fit, X)                                   # R/mask.R
  if (auto) {
    fit$depth <- auto_depth(fit, depth$depth_tol, depth$max_layers)
    fit <- truncate_fit(fit, fit$depth$depth)
  }
  if (!is.null(ft)) {                 # finetune() reads the fit's stored data
    if (!keep.data) fit$data <- X
    fit <- do.call("finetune", c(list(fit, threads = threads), ft))
    if (!keep.data) fit["data"] <- list(NULL)
  }
  if (!is.null(restarts)) fit <- seeded_fields(fit, restarts$seed, keep.runs, call)
  fit
}

nmf <- function(X, rank, method = c("hals", "mu", "kl", "beta"), init = NULL,
                normalize = c("none", "l1", "l2", "max"), nrun = 1L, seed = NULL,
                online = FALSE, batch = 1024L, forget = 0.7, ...) {
  if (missing(rank)) {
    rank <- init_rank(init)
    if (is.null(rank))
      stopf("'rank' is missing: give the number of components (or starting factors in 'init')")
  }
  if (!is.numeric(rank) || length(rank) != 1L)
    stopf("'rank' must be a single whole number for nmf(); use mlnmf() for several layers")
  if (check_flag(online, "online"))
    return(nmf_online(X, rank, match.arg(method), init, normalize, nrun, seed,
                      batch, forget, match.call(), list(...)))
  fit <- mlnmf(X, rank, layers = 1L, method = method, init = init,
               normalize = normalize, nrun = nrun, seed = seed, ...)
  fit$call <- match.call()
  fit
}

## The one validator of 'control'.  The cascade and predict() read all four
## entries; finetune() (for = "finetune") only inner_max and inner_delta,
## with its own default of 10 inner sweeps per block (a block there is one
## factor of the chain, revisited every sweep, so fewer inner sweeps pay).
check_control <- function(control, method = "hals", for_what = c("fit", "finetune")) {
  for_what <- match.arg(for_what)
  if (!is.list(control)) stopf("'control' must be a list, not %s", describe(control))
  known <- if (for_what == "fit") c("inner_max", "inner_alpha", "inner_delta", "extrapolate")
           else c("inner_max", "inner_delta")
  bad <- setdiff(names(control), known)
  if (length(bad) || (length(control) && is.null(names(control))))
    stopf("'control' has unknown entries: %s (known: %s)",
          paste(bad, collapse = ", "), paste(known, collapse = ", "))
  or <- function(x, default) if (is.null(x)) default else x
  out <- list(inner_max = check_count(or(control$inner_max, if (for_what == "fit") 50L else 10L),
                                      "control$inner_max"),
              inner_alpha = check_number(or(control$inner_alpha, 0.5),
                                         "control$inner_alpha", lower = 0),
              inner_delta = check_number(or(control$inner_delta, 0.1),
                                         "control$inner_delta", lower = 0, upper = 1),
              extrapolate = check_flag(or(control$extrapolate, method == "hals"),
                                       "control$extrapolate"))
  out[known]
}

## The one builder of the options list that the C entry points read
## (src/util.c, util_opt_*): the settings every solver shares, the penalties
## (none: zeros) and, in '...', an entry point's own.
solver_opts <- function(method, maxit, tol, eps, ctrl, verbose, threads,
                        pen = NULL, ...) {
  c(list(method = match(method, .methods) - 1L, maxit = maxit, tol = tol,
         eps = eps, inner_max = ctrl$inner_max,
         inner_alpha = if (is.null(ctrl$inner_alpha)) 0.5 else ctrl$inner_alpha,
         inner_delta = ctrl$inner_delta,
         extrapolate = isTRUE(ctrl$extrapolate), verbose = verbose,
         threads = threads),
    penalty_opts(pen), list(...))
}

## The ranks fixed by starting factors given in 'init' (scikit-learn's
## n_components = "auto"): the columns of each F, or NULL when 'init' gives
## none.
init_rank <- function(init) {
  if (!is.list(init) || is.null(init$F)) return(NULL)
  Fs <- if (is.matrix(init$F)) list(init$F) else init$F
  if (!is.list(Fs) || !length(Fs) || !all(vapply(Fs, is.matrix, NA))) return(NULL)
  vapply(Fs, ncol, 0L)
}

## 'beta' and 'method': beta = NULL takes the method's (Frobenius 2, "kl"
## 1); a beta without a chosen method picks "kl" for 1, "hals" for 2 and
## "beta" (multiplicative updates) otherwise; a chosen method must agree.
## The default vector of 'method' counts as not chosen.
check_beta <- function(beta, method) {
  chosen <- is.character(method) && length(method) == 1L
  method <- if (!chosen && identical(method, .methods)) "hals"
            else check_choice(method, .methods, "method")
  if (is.null(beta)) {
    if (method == "beta")
      stopf("method \"beta\" needs 'beta', the beta of the divergence (a real number)")
    return(list(method = method, beta = if (method == "kl") 1 else 2))
  }
  if (!is.numeric(beta) || length(beta) != 1L || !is.finite(beta))
    stopf("'beta' must be a single finite number (0 Itakura-Saito, 1 KL, 2 Frobenius), not %s",
          short_value(beta))
  beta <- as.double(beta)
  if (!chosen) method <- if (beta == 1) "kl" else if (beta == 2) "hals" else "beta"
  if (method == "kl" && beta != 1)
    stopf("method \"kl\" is 'beta' = 1, not %g: use method = \"beta\" (or leave 'method' out)", beta)
  if (method %in% c("hals", "mu") && beta != 2)
    stopf("method \"%s\" is 'beta' = 2 (Frobenius), not %g: use method = \"beta\" (or leave 'method' out)",
          method, beta)
  list(method = method, beta = beta)
}

## beta <= 0 (Itakura-Saito and beyond) is infinite at x = 0: refused, as
## scikit-learn refuses it, when X has zeros the mask does not exclude.
check_beta_zeros <- function(beta, X, desc, arg = "X") {
  if (beta > 0) return(invisible())
  nz <- observed_zeros(X, desc)
  if (nz > 0)
    stopf("'beta' = %g <= 0 is infinite at zero entries, and '%s' has %.0f observed zero entries: add a small constant to '%s', exclude them with 'mask' (e.g. mask = \"zeros\"), or use beta > 0",
          beta, arg, nz, arg)
}

## the zeros of X among its observed entries (desc: resolve_mask()'s)
observed_zeros <- function(X, desc) {
  if (is_sparse(X)) {
    stored0 <- sum(X@x == 0, na.rm = TRUE)
    if (!is.null(desc) && desc[[1L]] == 1L) return(stored0)
    z <- prod(as.double(dim(X))) - length(X@x) + stored0
  } else z <- sum(X == 0, na.rm = TRUE)
  if (!is.null(desc) && desc[[1L]] == 2L && length(desc[[3L]])) {
    cols <- rep(seq_len(ncol(X)), diff(desc[[2L]]))
    v <- X[cbind(desc[[3L]] + 1L, cols)]
    z <- z - sum(v == 0, na.rm = TRUE)
  }
  z
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
## mlnmf.threads when set (checked and reduced like 'threads'); never more
## than OMP_THREAD_LIMIT, nor than 2 under R CMD check (see max_threads()
## in checks.R).  The cores are read once, at load.
default_threads <- function() {
  opt <- getOption("mlnmf.threads")
  if (!is.null(opt)) return(check_threads(opt, "option 'mlnmf.threads'"))
  thread_limit(max(1L, .mlnmf_cores() - 1L))
}
