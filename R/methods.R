## S3 methods for "mlnmf" fits.

## F1 F2 ... Fi (d x k_i)
prototypes <- function(object, layer = object$layers) {
  check_fit(object)
  layer <- check_layer(layer, object$layers)
  P <- object$F[[1L]]
  for (i in seq_len(layer)[-1L]) P <- P %*% object$F[[i]]
  P
}

.print_fields <- c("F", "G", "layers", "dim", "rank", "method", "init",
                   "normalize", "error", "iter", "converged")

print.mlnmf <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  check_fit(x, "x", need = .print_fields)
  L <- x$layers
  cat(if (L == 1L) "Nonnegative matrix factorization" else
        sprintf("Multilayer NMF with %d layers", L),
      sprintf("(method \"%s\"%s, init \"%s\", normalize \"%s\")\n", x$method,
              if (identical(x$method, "beta")) sprintf(", beta = %g", fit_beta(x)) else "",
              x$init, x$normalize))
  cat(sprintf("Data: %d x %d%s;  rank%s: %s\n", x$dim[1L], x$dim[2L],
              if (isTRUE(x$sparse)) " (sparse)" else "",
              if (length(unique(x$rank)) > 1L) "s" else "",
              compact_ranks(x$rank)))
  print_mask(x$mask)
  print_runs(x, digits)
  cat(sprintf("Relative error ||X - F1...FL GL|| / ||X||: %s\n",
              format(x$error[L], digits = digits)))
  cat(sprintf("Iterations: %d in all (%d layers converged of %d)\n",
              sum(x$iter), sum(x$converged), L))
  if (!is.null(x$depth))
    cat(sprintf("Depth chosen by layers = \"auto\": %d of at most %d layers (%s)\n",
                x$depth$depth, x$depth$max_layers,
                if (x$depth$capped) "no layer was within 'depth_tol' of a scaled permutation"
                else sprintf("layer %d is within %g of a scaled permutation",
                             x$depth$depth + 1L, x$depth$tol)))
  if (!is.null(x$finetune))
    cat(sprintf("All layers fine-tuned jointly (%s, %d iterations%s); the cascade's error was %s\n",
                if (identical(x$finetune$objective, "layer"))
                  sprintf("layer-centric objective, beta = %g", x$finetune$beta)
                else if (identical(x$finetune$method, "beta"))
                  sprintf("data objective, beta = %g", x$finetune$beta)
                else sprintf("\"%s\"", x$finetune$method), x$finetune$iter,
                if (x$finetune$converged) "" else ", not converged",
                format(x$finetune$cascade_error[L], digits = digits)))
  invisible(x)
}

print_mask <- function(info) {
  if (is.null(info)) return(invisible())
  cat(sprintf("Missing: %.0f of %.0f entries (%.3g%%, mask %s); errors are over the observed entries\n",
              info$missing, info$missing + info$observed,
              100 * info$missing / (info$missing + info$observed),
              if (info$type == "given") "given" else sprintf("\"%s\"", info$type)))
}

compact_ranks <- function(r) {
  if (length(unique(r)) == 1L)
    return(if (length(r) == 1L) as.character(r) else sprintf("%d (every layer)", r[1L]))
  if (length(r) <= 8L) return(paste(r, collapse = ", "))
  paste(c(head(r, 4L), "...", utils::tail(r, 2L)), collapse = ", ")
}

summary.mlnmf <- function(object, ...) {
  check_fit(object, need = c(.print_fields, "objective"))
  tab <- data.frame(layer = seq_len(object$layers), rank = object$rank,
                    iterations = object$iter, converged = object$converged,
                    rel_error = object$error,
                    objective = object$objective)
  structure(list(call = object$call, method = object$method, beta = fit_beta(object),
                 init = object$init, normalize = object$normalize,
                 dim = object$dim, sparse = isTRUE(object$sparse),
                 mask = object$mask, layers = tab, runs = object$runs,
                 best_run = object$best_run, seed = object$seed,
                 sparsity = vapply(object$F, function(f)
                   mean(f <= 1e-8 * max(f)), 0),
                 hoyer = vapply(object$F, hoyer_sparsity, 0),
                 layer_divergence = layer_div_table(object)),
            class = "summary.mlnmf")
}

print.summary.mlnmf <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat("Call:\n")
  print(x$call)
  cat(sprintf("\nData %d x %d, %d layer%s, method \"%s\", init \"%s\", normalize \"%s\"\n\n",
              x$dim[1L], x$dim[2L], nrow(x$layers),
              if (nrow(x$layers) > 1L) "s" else "", x$method, x$init,
              x$normalize))
  if (isTRUE(x$sparse)) cat("The data are a sparse matrix (dgCMatrix).\n")
  print_mask(x$mask)
  if (isTRUE(x$sparse) || !is.null(x$mask)) cat("\n")
  tab <- x$layers
  tab$F_sparsity <- x$sparsity
  if (!is.null(x$hoyer)) tab$F_hoyer <- x$hoyer
  if (!is.null(x$layer_divergence)) tab <- cbind(tab, x$layer_divergence)
  print_long_table(tab, digits, "layers")
  print_runs_table(x, digits)
  beta <- if (is.null(x$beta)) 2 else x$beta
  cat(sprintf("\nobjective: %s, relative to %s\n",
              if (x$method == "kl") "I-divergence"
              else if (x$method == "beta") sprintf("beta-divergence (beta = %g)", beta)
              else "squared Frobenius error",
              if (x$method %in% c("kl", "beta")) "the sum of the layer's input" else
                "the squared norm of the layer's input"))
  invisible(x)
}

plot.mlnmf <- function(x, type = c("error", "trace", "factors", "basis", "consensus", "coef"),
                       main = NULL, layer = NULL, dim = NULL, annotation = NULL,
                       groups = NULL, ...) {
  check_fit(x, "x")
  type <- check_choice(type, c("error", "trace", "factors", "basis", "consensus", "coef"), "type")
  if (type %in% c("consensus", "coef"))                # R/consensus-plot.R
    return(invisible(plot_consensus(x, layer, annotation, main, type, ...)))
  if (type == "factors") return(invisible(plot_factors(x, layer, main, groups, ...)))
  if (type == "basis") {
    ## images when the rows are pixels (dim given, or a square number of
    ## rows), else the features x components heatmap (dim = FALSE forces it)
    d <- x$dim[1L]
    if (isFALSE(dim) || (is.null(dim) && round(sqrt(d))^2 != d))
      return(invisible(plot_consensus(x, layer, annotation, main, "basis", ...)))
    return(invisible(plot_basis(x, layer, dim, main, ...)))
  }
  if (type == "error") {
    check_fit(x, "x", need = "error")
    if (is.null(main)) main <- "Relative reconstruction error by layer"
    plot(seq_len(x$layers), x$error, type = "b", pch = 19, cex = 0.6,
         xlab = "layer i", ylab = "||X - F1...Fi Gi|| / ||X||",
         main = main, xaxt = "n", ...)
    int_axis(1L, x$layers)
  } else {
    tr <- x$trace
    if (!is.list(tr) || length(tr) != x$layers || all(lengths(tr) == 0L))
      stopf("'x' has no trace to plot (a fit keeps one when 'maxit' <= %d)",
            .max_trace)
    len <- max(lengths(tr))
    M <- vapply(tr, function(t) c(t, rep(NA, len - length(t))), numeric(len))
    M[!(M > 0)] <- NA
    ## "kl" and the beta-divergences measure their objective every 10
    ## iterations (NA between): draw the line through the measured points
    for (j in seq_len(ncol(M))) {
      ok <- which(!is.na(M[, j]))
      if (length(ok) > 1L && length(ok) < max(ok) - min(ok) + 1L)
        M[min(ok):max(ok), j] <- stats::approx(ok, M[ok, j], xout = min(ok):max(ok))$y
    }
    if (all(is.na(M)))
      stopf("'x' has no positive objective in its trace to plot on a log scale")
    ## the legend in the right margin, off the curves
    op <- par(mar = par("mar") + c(0, 0, 0, 5))
    on.exit(par(op))
    col <- hcl.colors(ncol(M), "viridis")
    matplot(seq_len(len) - 1L, M, type = "l", lty = 1, log = "y",
            col = col, xlab = "iteration", ylab = "relative objective",
            main = if (is.null(main)) "Objective per layer" else main, ...)
    show <- unique(round(seq(1, ncol(M), length.out = min(ncol(M), 10L))))
    legend("topleft", inset = c(1.02, 0), xpd = NA, bty = "n", lty = 1,
           col = col[show], legend = paste("layer", show), cex = 0.8)
  }
  invisible(x)
}

## Integer ticks from 1 to n on axis 'side' (layers, pairs, ranks).
int_axis <- function(side, n, from = 1L) {
  at <- unique(round(pretty(c(from, n))))
  axis(side, at = at[at >= from & at <= n])
}

## The fitted values, the residuals and reconstruct() are dense d x N
## matrices.  For a fit to sparse data they are made when they have at most
## getOption("mlnmf.dense_max", 1e7) entries (80 MB) or when asked with
## dense = TRUE; above the bound, or with dense = FALSE, the call stops and
## says how big the result would be.
dense_guard <- function(object, dense, what) {
  if (!is.null(dense)) dense <- check_flag(dense, "dense")
  if (!isTRUE(object$sparse) || isTRUE(dense)) return(invisible())
  n <- as.double(object$dim[1L]) * object$dim[2L]
  lim <- dense_max()
  if (is.null(dense) && n <= lim) return(invisible())
  stopf("the data of this fit are sparse and its %s would be a dense %d x %d matrix (%s)%s: call %s(..., dense = TRUE) to compute it",
        what, object$dim[1L], object$dim[2L], format_bytes(8 * n),
        if (is.null(dense)) sprintf(", more than getOption(\"mlnmf.dense_max\") = %g entries", lim)
        else "", what)
}

dense_max <- function() {
  lim <- getOption("mlnmf.dense_max", 1e7)
  if (!is.numeric(lim) || length(lim) != 1L || is.na(lim) || lim < 0)
    stopf("option 'mlnmf.dense_max' must be a single number >= 0, not %s",
          short_value(lim))
  lim
}

format_bytes <- function(b) {
  u <- c("bytes", "KiB", "MiB", "GiB", "TiB")
  e <- max(0, min(length(u) - 1, floor(log(max(b, 1), 1024))))
  sprintf("%.3g %s", b / 1024^e, u[e + 1])
}

fitted.mlnmf <- function(object, dense = NULL, ...) {
  check_fit(object)
  dense_guard(object, dense, "fitted")
  out <- prototypes(object) %*% object$G[[object$layers]]
  dimnames(out) <- list(rownames(object$F[[1L]]), colnames(object$G[[1L]]))
  out
}

## Residuals of a masked fit are NA at the missing entries.
residuals.mlnmf <- function(object, dense = NULL, ...) {
  check_fit(object)
  if (is.null(object$data))
    stopf("'object' was fitted with keep.data = FALSE: the data are not stored")
  dense_guard(object, dense, "residuals")
  X <- object$data
  if (is_sparse(X)) X <- as.matrix(X)
  out <- X - fitted(object, dense = TRUE)
  pat <- object$mask_pattern
  if (!is.null(pat)) {
    if (pat[[1L]] == 1L) out[as.matrix(object$data) == 0] <- NA
    else out[cbind(pat[[3L]] + 1L, rep(seq_len(ncol(out)), diff(pat[[2L]])))] <- NA
  }
  out
}

coef.mlnmf <- function(object, ...) {
  check_fit(object)
  object$G[[object$layers]]
}

predict.mlnmf <- function(object, newdata, maxit = 1000L, tol = 1e-8,
                          threads = default_threads(), samples = NULL, mask = NULL,
                          assay = NULL, slot = NULL, ...) {
  check_fit(object, need = c("F", "G", "layers", "dim", "method", "eps"))
  if (missing(newdata)) return(coef(object))
  maxit <- check_count(maxit, "maxit")
  tol <- check_number(tol, "tol", lower = 0)
  threads <- check_threads(threads)
  input <- model_data(newdata, samples, "newdata", allow_zero = TRUE, na_ok = TRUE,
                      default = if (is.null(object$samples)) "columns" else object$samples,
                      assay = assay, slot = slot)
  samples <- input$samples
  mk <- resolve_mask(orient_mask(mask, samples), input$X, "newdata", n_na = input$n_na)
  newdata <- mk$X
  if (nrow(newdata) != object$dim[1L])
    stopf("'newdata' must have %d %s like the data of the fit, not %d", object$dim[1L],
          if (samples == "rows") "columns (samples = \"rows\")" else "rows", nrow(newdata))
  ## the fit's validated control and penalties (fits made before they were
  ## stored: the defaults); projections never extrapolate (W is fixed)
  ctrl <- if (is.null(object$control)) check_control(list(), object$method) else object$control
  pen <- object$penalty
  ctrl$extrapolate <- FALSE
  opts <- solver_opts(object$method, maxit, tol, object$eps, ctrl,
                      verbose = FALSE, threads = threads, pen = pen,
                      beta = fit_beta(object))
  out <- with_threads(threads, is_sparse(newdata) ||              # R/zzz.R
                       own_kernels(newdata, object$method, fit_beta(object),
                                   object$rank, !is.null(mk$desc)), function(th) {
    opts$threads <- th
    .Call(C_mlnmf_project, x_arg(newdata), object$F, opts, mk$desc)
  })
  ## Each layer is solved on its input scaled to a maximum of one; only
  ## coefficients beyond the largest double can come back non-finite.
  if (!all(is.finite(out)))
    stopf("the coefficients of 'newdata' overflow (its largest entry is %g): they exceed the largest double; divide 'newdata' by a constant (the coefficients scale with it)",
          if (is_delayed(newdata)) max(newdata) else data_max(newdata))
  dimnames(out) <- list(paste0("h", seq_len(nrow(out))), colnames(newdata))
  out
}

## After layer-centric fine-tuning: each layer's divergence
## D_beta(G_(i-1) | F_i G_i) (data scaled to a largest entry of one) and as
## a fraction of the cascade's, the terms Leplat et al. compare.
layer_div_table <- function(fit) {
  ft <- fit$finetune
  if (is.null(ft$layer_divergence)) return(NULL)
  data.frame(layer_div = ft$layer_divergence,
             vs_cascade = ft$layer_divergence / ft$start_layer_divergence)
}

## the beta of a fit's divergence (fits made before 'beta' was stored:
## from the method)
fit_beta <- function(fit) {
  if (!is.null(fit$beta)) return(fit$beta)
  if (identical(fit$method, "kl")) 1 else 2
}

## Print a table with one row per layer (or pair of layers); beyond 20 rows
## show the first five, five spread over the middle and the last five.
print_long_table <- function(tab, digits, what) {
  n <- nrow(tab)
  if (n > 20L) {
    show <- unique(c(1:5, round(seq(6, n - 5L, length.out = 5L)), (n - 4L):n))
    print(tab[show, ], digits = digits, row.names = FALSE)
    cat(sprintf("(%d of %d %s shown)\n", length(show), n, what))
  } else print(tab, digits = digits, row.names = FALSE)
  invisible(tab)
}
