## L1 and L2 penalties of mlnmf() and nmf() (issue 11): each one number (both
## factors) or two (F, then G), finite and >= 0.  Returned as c(F =, G =).
check_penalty <- function(x, arg) {
  if (is.logical(x) && length(x) %in% 1:2 && all(is.na(x)))
    stopf("'%s' must be finite, not NA", arg)
  if (!is.numeric(x) || !(length(x) %in% 1:2))
    stopf("'%s' must be one number or two (for F and G), not %s of length %d", arg,
          describe(x), length(x))
  if (anyNA(x) || !all(is.finite(x)))
    stopf("'%s' must be finite, not %s", arg, short_value(x))
  if (any(x < 0))
    stopf("'%s' must be >= 0, not %s", arg, short_value(x))
  x <- rep_len(as.double(x), 2L)
  names(x) <- c("F", "G")
  x
}

check_penalties <- function(L1, L2, method) {
  L1 <- check_penalty(L1, "L1")
  L2 <- check_penalty(L2, "L2")
  if (method %in% c("kl", "beta") && any(L2 > 0))
    stopf("'L2' is not supported by method \"%s\" (it supports 'L1' only); use method \"hals\" or \"mu\"",
          method)
  list(L1 = L1, L2 = L2)
}

## the C options of the penalties (unnamed doubles: F's, then G's; none:
## zeros)
penalty_opts <- function(pen) {
  if (is.null(pen)) return(list(l1 = c(0, 0), l2 = c(0, 0)))
  list(l1 = unname(pen$L1), l2 = unname(pen$L2))
}
