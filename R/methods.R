## S3 methods for "mlnmf" fits.

## F1 F2 ... Fi (d x k_i)
prototypes <- function(object, layer = object$layers) {
  P <- object$F[[1L]]
  for (i in seq_len(layer)[-1L]) P <- P %*% object$F[[i]]
  P
}

print.mlnmf <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  check_fit(x, "x")
  L <- x$layers
  cat(if (L == 1L) "Nonnegative matrix factorization" else
        sprintf("Multilayer NMF with %d layers", L),
      sprintf("(method \"%s\", init \"%s\", normalize \"%s\")\n", x$method,
              x$init, x$normalize))
  cat(sprintf("Data: %d x %d;  rank%s: %s\n", x$dim[1L], x$dim[2L],
              if (length(unique(x$rank)) > 1L) "s" else "",
              compact_ranks(x$rank)))
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
    cat(sprintf("All layers fine-tuned jointly (\"%s\", %d iterations%s); the cascade's error was %s\n",
                x$finetune$method, x$finetune$iter,
                if (x$finetune$converged) "" else ", not converged",
                format(x$finetune$cascade_error[L], digits = digits)))
  invisible(x)
}

compact_ranks <- function(r) {
  if (length(unique(r)) == 1L)
    return(if (length(r) == 1L) as.character(r) else sprintf("%d (every layer)", r[1L]))
  if (length(r) <= 8L) return(paste(r, collapse = ", "))
  paste(c(head(r, 4L), "...", utils::tail(r, 2L)), collapse = ", ")
}

summary.mlnmf <- function(object, ...) {
  check_fit(object)
  tab <- data.frame(layer = seq_len(object$layers), rank = object$rank,
                    iterations = object$iter, converged = object$converged,
                    rel_error = object$error,
                    objective = object$objective)
  structure(list(call = object$call, method = object$method,
                 init = object$init, normalize = object$normalize,
                 dim = object$dim, layers = tab,
                 sparsity = vapply(object$F, function(f)
                   mean(f <= 1e-8 * max(f)), 0)),
            class = "summary.mlnmf")
}

print.summary.mlnmf <- function(x, digits = max(3L, getOption("digits") - 3L), ...) {
  cat("Call:\n")
  print(x$call)
  cat(sprintf("\nData %d x %d, %d layer%s, method \"%s\", init \"%s\", normalize \"%s\"\n\n",
              x$dim[1L], x$dim[2L], nrow(x$layers),
              if (nrow(x$layers) > 1L) "s" else "", x$method, x$init,
              x$normalize))
  tab <- x$layers
  tab$F_sparsity <- x$sparsity
  print_long_table(tab, digits, "layers")
  cat(sprintf("\nobjective: %s, relative to %s\n",
              if (x$method == "kl") "I-divergence" else "squared Frobenius error",
              if (x$method == "kl") "sum of the layer's input" else
                "the squared norm of the layer's input"))
  invisible(x)
}

plot.mlnmf <- function(x, type = c("error", "trace"), main = NULL, ...) {
  check_fit(x, "x")
  type <- check_choice(type, c("error", "trace"), "type")
  if (type == "error") {
    if (is.null(main)) main <- "Relative reconstruction error by layer"
    plot(seq_len(x$layers), x$error, type = "b", pch = 19, cex = 0.6,
         xlab = "layer i", ylab = "||X - F1...Fi Gi|| / ||X||",
         main = main, ...)
  } else {
    tr <- x$trace
    len <- max(lengths(tr))
    M <- vapply(tr, function(t) c(t, rep(NA, len - length(t))), numeric(len))
    M[M <= 0] <- NA
    matplot(seq_len(len) - 1L, M, type = "l", lty = 1, log = "y",
            col = hcl.colors(ncol(M), "viridis"), xlab = "iteration",
            ylab = "relative objective",
            main = if (is.null(main)) "Objective per layer" else main, ...)
  }
  invisible(x)
}

fitted.mlnmf <- function(object, ...) {
  check_fit(object)
  out <- prototypes(object) %*% object$G[[object$layers]]
  dimnames(out) <- list(rownames(object$F[[1L]]), colnames(object$G[[1L]]))
  out
}

residuals.mlnmf <- function(object, ...) {
  check_fit(object)
  if (is.null(object$data))
    stopf("'object' was fitted with keep.data = FALSE: the data are not stored")
  object$data - fitted(object)
}

coef.mlnmf <- function(object, ...) {
  check_fit(object)
  object$G[[object$layers]]
}

predict.mlnmf <- function(object, newdata, maxit = 1000L, tol = 1e-8,
                          threads = default_threads(), ...) {
  check_fit(object, need = c("F", "G", "layers", "dim", "method", "eps"))
  if (missing(newdata)) return(coef(object))
  newdata <- check_data(newdata, "newdata", allow_zero = TRUE)
  if (nrow(newdata) != object$dim[1L])
    stopf("'newdata' must have %d rows like the data of the fit, not %d",
          object$dim[1L], nrow(newdata))
  maxit <- check_count(maxit, "maxit")
  tol <- check_number(tol, "tol", lower = 0)
  threads <- check_count(threads, "threads")
  opts <- list(threads = threads, method = match(object$method, .methods) - 1L, maxit = maxit,
               tol = tol, eps = object$eps, inner_max = 50L, inner_alpha = 0.5,
               inner_delta = 0.1, extrapolate = FALSE, verbose = FALSE)
  out <- .Call(C_mlnmf_project, newdata, object$F, opts)
  colnames(out) <- colnames(newdata)
  out
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
