## The Moore-Penrose inverse: one .Call into src/pinv.c (LAPACK dgesdd).

pinv <- function(A, tol = NULL) {
  if (is.numeric(A) && is.null(dim(A)) || is.logical(A) && is.null(dim(A)))
    A <- as.matrix(A)
  if (!is.matrix(A))
    stopf("'A' must be a numeric matrix, not %s", describe(A))
  if (!(is.numeric(A) || is.logical(A)))
    stopf("'A' must be a numeric matrix, not a %s matrix", typeof(A))
  if (storage.mode(A) != "double") storage.mode(A) <- "double"
  nbad <- sum(!is.finite(A))
  if (nbad > 0L)
    stopf("'A' must be finite: %d entries are NA, NaN or infinite", nbad)
  tol <- if (is.null(tol)) -1 else check_number(tol, "tol", lower = 0)
  out <- .Call(C_mlnmf_pinv, A, tol)
  if (!is.null(dimnames(A))) dimnames(out) <- rev(dimnames(A))
  out
}
