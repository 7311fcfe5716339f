## Issue 19: the first layer of the paper's Figure 1 data under the stopping
## rule.  For the 100 data sets of inst/scripts/figure1.R (set.seed(i),
## simulate_gaussian_mixture(1000, 10)), fit the first layer alone,
## mlnmf(X, rank = 10, layers = 1) with the defaults but maxit = 3000, so
## that the rule, not the cap, decides: iterations, relative error, and how
## many would have reached the default maxit = 500.  Run it on two builds
## (R_LIBS) to compare two rules; the iterations depend on the BLAS only at
## round-off.
suppressMessages(library(mlnmf))
res <- t(vapply(1:100, function(i) {
  set.seed(i)
  X <- simulate_gaussian_mixture(1000, 10)
  f <- mlnmf(X, rank = 10, layers = 1, maxit = 3000)
  c(iter = f$iter, rel = f$error, converged = f$converged)
}, c(iter = 0, rel = 0, converged = 0)))
cat(sprintf("mlnmf %s (%s), BLAS %s\n", packageVersion("mlnmf"),
            dirname(system.file(package = "mlnmf")), extSoftVersion()[["BLAS"]]))
cat(sprintf("first layer, 100 data sets: iterations median %g, 90%% %g, max %g; above 500: %d (data sets %s); all stopped by the rule: %s\n",
            median(res[, "iter"]), quantile(res[, "iter"], 0.9), max(res[, "iter"]),
            sum(res[, "iter"] > 500), paste(which(res[, "iter"] > 500), collapse = ", "),
            all(res[, "converged"] == 1)))
cat(sprintf("relative error median %.6f, 90%% %.6f, max %.6f\n", median(res[, "rel"]),
            quantile(res[, "rel"], 0.9), max(res[, "rel"])))
