## Progress of long work (restarts, nmf_rank()) through progressr, when it
## is installed: the function FUN is wrapped so that each call signals one
## step of n.  Nothing is shown unless the user asks for it (progressr's
## convention: progressr::with_progress() around the call, or
## progressr::handlers(global = TRUE)); the steps are relayed from every
## future backend.  Without progressr, FUN is returned as it is.
with_progress_steps <- function(FUN, n, what, envir = parent.frame()) {
  if (n < 2L || !requireNamespace("progressr", quietly = TRUE)) return(FUN)
  p <- progressr::progressor(steps = n, envir = envir)
  force(FUN)
  function(i, ...) {
    r <- FUN(i, ...)
    p(sprintf("%s %d of %d", what, i, n))
    r
  }
}
