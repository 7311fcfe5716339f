## Stamps of shipped results (inst/extdata/*.rds).  The scripts of
## inst/scripts store results_stamp() in every file they write; the vignettes
## and the tests compare it with the installed package by stamp_differences().
## A stamp holds the package version, the defaults of mlnmf() (as a default
## fit reports them: method, init, normalize, maxit, tol, eps, control) and a
## probe of the stopping rule: the iterations per layer of one small default
## fit whose first layer is exactly representable, the case where stopping
## rules differ most.  Internal (not exported): the vignettes call
## mlnmf:::stamp_box().

## The probe: 3 layers of rank 10 on 200 points of the Figure 1 mixture in 10
## dimensions, drawn from a fixed seed; the caller's random stream is kept.
stamp_probe <- function() {
  had_seed <- exists(".Random.seed", envir = globalenv(), inherits = FALSE)
  if (had_seed) old <- get(".Random.seed", envir = globalenv(), inherits = FALSE)
  on.exit(if (had_seed) assign(".Random.seed", old, envir = globalenv())
          else if (exists(".Random.seed", envir = globalenv(), inherits = FALSE))
            rm(".Random.seed", envir = globalenv()))
  set.seed(20261207L, kind = "Mersenne-Twister", normal.kind = "Inversion",
           sample.kind = "Rejection")
  X <- simulate_gaussian_mixture(n = 200L, d = 10L, clusters = 3L)
  fit <- suppressWarnings(mlnmf(X, rank = 10L, layers = 3L, progress = FALSE,
                                threads = 1L))
  list(defaults = c(fit[c("method", "init", "normalize")],
                    list(maxit = as.numeric(fit$maxit), tol = fit$tol, eps = fit$eps),
                    fit$control),
       iter = as.integer(fit$iter))
}

## The stamp stored with results; 'settings' are the arguments the script
## gave (a solver setting it leaves out is the default recorded here).
results_stamp <- function(settings = list()) {
  si <- utils::sessionInfo()
  probe <- stamp_probe()
  list(mlnmf = as.character(utils::packageVersion("mlnmf")),
       date = format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"),
       R = R.version.string,
       BLAS = if (!is.null(si$BLAS)) si$BLAS else NA_character_,
       defaults = probe$defaults, probe_iter = probe$iter,
       settings = settings)
}

## How a stamp differs from the installed package: a character vector, one
## sentence per difference (empty when the results match the installed
## defaults).  The probe's iterations may differ by rounding under another
## BLAS; only a change in a layer by more than 3 iterations and more than
## half the larger count counts.
stamp_differences <- function(stamp, now = NULL) {
  if (is.null(stamp))
    return("they carry no stamp: made before mlnmf recorded the defaults of its results")
  if (is.null(now)) now <- results_stamp()
  out <- character()
  keys <- union(names(now$defaults), names(stamp$defaults))
  for (k in keys) {
    a <- stamp$defaults[[k]]; b <- now$defaults[[k]]
    if (!isTRUE(all.equal(a, b, check.attributes = FALSE)))
      out <- c(out, sprintf("default %s = %s then, %s now", k,
                            fmt_value(a), fmt_value(b)))
  }
  ia <- stamp$probe_iter; ib <- now$probe_iter
  if (length(ia) != length(ib) ||
      any(abs(ia - ib) > pmax(3, 0.5 * pmax(ia, ib))))
    out <- c(out, sprintf(paste("the stopping rule differs: a small default fit",
                                "took %s iterations per layer then, %s now"),
                          paste(ia, collapse = "/"), paste(ib, collapse = "/")))
  out
}

fmt_value <- function(x) {
  if (is.null(x)) return("(none)")
  if (is.numeric(x)) return(paste(format(x, digits = 6), collapse = ", "))
  paste(as.character(x), collapse = ", ")
}

## The box at the top of a vignette: 'files' is a named list of results
## (each with $stamp, or NULL); returns HTML (for a chunk with
## results = "asis") naming every file made with other defaults than the
## installed package's, or "" when all match.
stamp_box <- function(files) {
  now <- results_stamp()
  lines <- character()
  for (nm in names(files)) {
    st <- files[[nm]]$stamp
    d <- stamp_differences(st, now)
    if (length(d))
      lines <- c(lines, sprintf("<li><code>%s</code> (mlnmf %s): %s.</li>", nm,
                                if (is.null(st)) "?" else st$mlnmf,
                                paste(d, collapse = "; ")))
  }
  if (!length(lines)) return("")
  paste0('<div style="border: 2px solid #b35806; background: #fff7ec; ',
         'padding: 0.5em 1em; margin: 1em 0;"><p><strong>These results were ',
         'made with other defaults than the installed mlnmf ',
         as.character(utils::packageVersion("mlnmf")), '.</strong> ',
         'The numbers below are those of the shipped files, not what the ',
         'installed package gives; rerun the scripts of ',
         '<code>inst/scripts</code> to update them.</p><ul>',
         paste(lines, collapse = ""), '</ul></div>')
}
