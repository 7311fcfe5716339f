## Bad input, one row per case: every exported function and every S3 method
## answers with an R error that names the argument and says what is wrong;
## the registered C routines, called directly with wrong types, give an R
## error and never crash.

X <- matrix(c(0.9, 0.1, 0.4, 0.3, 0.8, 0.2, 0.5, 0.7, 0.6, 0.2, 0.3, 0.9,
              0.1, 0.6, 0.8, 0.4, 0.5, 0.7, 0.2, 0.9, 0.3, 0.8, 0.4, 0.6),
            nrow = 6, ncol = 4)
fit <- suppressWarnings(mlnmf(X, c(3, 2), maxit = 30, tol = 1e-4))
fit_nodata <- suppressWarnings(nmf(X, 2, maxit = 10, keep.data = FALSE))
fit_runs <- suppressWarnings(mlnmf(X, c(3, 2), maxit = 30, nrun = 3, seed = 1))
fit_short <- fit
fit_perm <- suppressWarnings(mlnmf(X, 2, layers = 6, maxit = 10))
fit_short$F <- fit$F[1]
fit_nan <- fit; fit_nan$F[[2]][1, 1] <- NaN
fit_eps <- fit; fit_eps$eps <- -1
fit_zeroG <- fit; fit_zeroG$G[[1]][] <- 0
fit_layersNA <- fit; fit_layersNA$layers <- NA
fit_dimNA <- fit; fit_dimNA$dim <- c(NA, 4L)
fit_methodNA <- fit; fit_methodNA$method <- NA_character_
fit_rank <- fit; fit_rank$rank <- c(3L, 1L)
fit_chain <- fit; fit_chain$F[[2]] <- fit$F[[2]][-1, , drop = FALSE]
lm_fit <- stats::lm(dist ~ speed, data = datasets::cars)
with_na <- X; with_na[2, 3] <- NA
with_nan <- X; with_nan[1, 1] <- NaN
with_inf <- X; with_inf[5, 2] <- Inf
with_neg <- X; with_neg[3, 4] <- -0.5
chr_mat <- matrix(letters[1:24], 6, 4)
opts <- list(method = 0L, init = 0L, normalize = 1L, maxit = 10L, tol = 1e-5,
             eps = 1e-16, inner_max = 50L, inner_alpha = 0.5, inner_delta = 0.1, extrapolate = TRUE, threads = 1L,
             verbose = FALSE, trace = TRUE, progress = FALSE)
W0 <- matrix(0.5, 6, 2)
H0 <- matrix(0.5, 2, 4)

choices <- function(...) paste0("must be one of ", paste0('"', c(...), '"', collapse = ", "))

bad <- list(
  ## X: type
  list("X character matrix", quote(mlnmf(chr_mat, 2)), "'X' must be a numeric matrix, not a character matrix"),
  list("X character vector", quote(mlnmf("a", 2)), "'X' must be a numeric matrix, not a character vector"),
  list("X list", quote(mlnmf(list(1, 2), 2)), "'X' must be a numeric matrix, not a list"),
  list("X factor", quote(mlnmf(factor(1:6), 2)), "'X' must be a numeric matrix, not a factor"),
  list("X NULL", quote(mlnmf(NULL, 2)), "'X' must be a numeric matrix, not NULL"),
  list("X function", quote(mlnmf(mean, 2)), "'X' must be a numeric matrix, not a function"),
  list("X data frame of text", quote(mlnmf(data.frame(a = 1:3, b = letters[1:3]), 1)),
       "'X' is a data frame with non-numeric columns: b"),
  list("X complex", quote(mlnmf(X + 0i, 2)), "'X' must be a numeric matrix, not a complex matrix"),
  ## X: shape
  list("X vector", quote(mlnmf(1:10, 2)), "'X' must be a numeric matrix, not an integer vector"),
  list("X 0 rows", quote(mlnmf(X[0, , drop = FALSE], 1)), "'X' must have at least one row and one column \\(it is 0 x 4\\)"),
  list("X 0 columns", quote(mlnmf(X[, 0, drop = FALSE], 1)), "'X' must have at least one row and one column \\(it is 6 x 0\\)"),
  ## X: values
  list("X NA", quote(mlnmf(with_na, 2)), "'X' must be finite: 1 entries are NA or NaN \\(give mask = \"NA\""),
  list("X NaN", quote(mlnmf(with_nan, 2)), "'X' must be finite: 1 entries"),
  list("X Inf", quote(mlnmf(with_inf, 2)), "'X' must be finite: 1 entries"),
  list("X negative", quote(mlnmf(with_neg, 2)), "'X' must be nonnegative: 1 entries are negative"),
  list("X all zero", quote(mlnmf(X * 0, 1)), "'X' is all zero"),
  list("X subnormal", quote(mlnmf(X * 1e-310, 1)), "'X' is too small to rescale"),
  ## samples (orientation of X)
  list("samples unknown", quote(mlnmf(X, 2, samples = "diagonal")), paste0("'samples' ", choices("columns", "rows"), ", not \"diagonal\"")),
  list("samples number", quote(nmf(X, 2, samples = 1)), paste0("'samples' ", choices("columns", "rows"))),
  ## rank
  list("rank missing", quote(mlnmf(X)), "'rank' is missing"),
  list("rank 0", quote(mlnmf(X, 0)), "'rank' must be >= 1: got 0"),
  list("rank negative", quote(mlnmf(X, -2)), "'rank' must be >= 1: got -2"),
  list("rank fractional", quote(mlnmf(X, 2.5)), "'rank' must contain whole numbers only"),
  list("rank NA", quote(mlnmf(X, NA_real_)), "'rank' must contain whole numbers only \\(no NA"),
  list("rank logical NA", quote(mlnmf(X, NA)), "'rank' must be a positive whole number or a vector of them, not a logical vector"),
  list("rank too large", quote(mlnmf(X, 5)), "'rank' of layer 1 is 5, larger than min\\(dim\\(X\\)\\) = 4"),
  list("rank grows", quote(mlnmf(X, c(2, 3))), "'rank' of layer 2 is 3, larger than"),
  list("rank wrong length", quote(mlnmf(X, c(3, 2), layers = 3)), "'rank' must have length 1 or 'layers' \\(3\\), not 2"),
  list("rank character", quote(mlnmf(X, "2")), "'rank' must be a positive whole number or a vector of them, not a character vector"),
  list("rank NULL", quote(mlnmf(X, NULL)), "'rank' must be .*, not NULL"),
  list("rank list", quote(mlnmf(X, list(2))), "'rank' must be .*, not a list"),
  list("rank function", quote(mlnmf(X, mean)), "'rank' must be .*, not a function"),
  list("rank empty", quote(mlnmf(X, integer(0), layers = 1)), "'rank' is empty: give one rank, or one per layer"),
  ## layers
  list("layers 0", quote(mlnmf(X, 2, layers = 0)), "'layers' must be a single whole number >= 1"),
  list("layers negative", quote(mlnmf(X, 2, layers = -1)), "'layers' must be a single whole number >= 1"),
  list("layers fractional", quote(mlnmf(X, 2, layers = 1.5)), "'layers' must be a single whole number >= 1"),
  list("layers NA", quote(mlnmf(X, 2, layers = NA)), "'layers' must be a single whole number >= 1"),
  list("layers character", quote(mlnmf(X, 2, layers = "3")), "'layers' must be a single whole number >= 1"),
  list("layers length 2", quote(mlnmf(X, 2, layers = c(1, 2))), "'layers' must be a single whole number >= 1"),
  list("layers beyond int", quote(mlnmf(X, 2, layers = 1e10)), "'layers' must be less than 2147483647"),
  list("layers beyond the limit", quote(mlnmf(X, 1, layers = 1e8, maxit = -1)), "'layers' must be at most 100000, not 100000000"),
  list("rank beyond int", quote(mlnmf(X, 1e10)), "'rank' of layer 1 is 10000000000, larger than min\\(dim\\(X\\)\\) = 4"),
  list("rank numeric empty", quote(mlnmf(X, numeric(0))), "'rank' is empty: give one rank, or one per layer"),
  ## method, init, normalize
  list("method unknown", quote(mlnmf(X, 2, method = "als")), paste0(choices("hals", "mu", "kl", "beta"), ', not "als"')),
  list("method NULL", quote(mlnmf(X, 2, method = NULL)), choices("hals", "mu", "kl", "beta")),
  list("method number", quote(mlnmf(X, 2, method = 1)), choices("hals", "mu", "kl")),
  list("method NA", quote(mlnmf(X, 2, method = NA_character_)), choices("hals", "mu", "kl")),
  list("init unknown", quote(mlnmf(X, 2, init = "svd")), paste0(choices("nndsvd", "nndsvda", "nndsvdar", "random"), ', not "svd"')),
  list("init number", quote(mlnmf(X, 2, init = 3)), "'init' must be one of .*, or a list with elements 'F' and 'G'"),
  list("init list without G", quote(mlnmf(X, 2, init = list(F = W0))), "'init' must be one of .*, or a list with elements 'F' and 'G'"),
  list("init F wrong dim", quote(mlnmf(X, 2, init = list(F = matrix(1, 6, 3), G = H0))), "'init\\$F\\[\\[1\\]\\]' must be 6 x 2, not 6 x 3"),
  list("init G wrong dim", quote(mlnmf(X, 2, init = list(F = W0, G = t(H0)))), "'init\\$G\\[\\[1\\]\\]' must be 2 x 4, not 4 x 2"),
  list("init F negative", quote(mlnmf(X, 2, init = list(F = -W0, G = H0))), "'init\\$F\\[\\[1\\]\\]' must be nonnegative"),
  list("init G NA", quote(mlnmf(X, 2, init = list(F = W0, G = H0 * NA))), "'init\\$G\\[\\[1\\]\\]' must be finite"),
  list("init too many layers", quote(mlnmf(X, 2, init = list(F = list(W0, W0), G = list(H0, H0)))), "'init' gives 2 layers but the model has 1"),
  list("init F and G lengths", quote(mlnmf(X, 2, init = list(F = list(W0), G = list(H0, H0)))), "'init\\$F' and 'init\\$G' must be matrices, or lists of matrices of equal length"),
  list("normalize unknown", quote(mlnmf(X, 2, normalize = "l3")), paste0(choices("l1", "none", "l2", "max"), ', not "l3"')),
  ## iteration control
  list("L1 negative", quote(mlnmf(X, 2, L1 = -0.1)), "'L1' must be >= 0, not -0.1"),
  list("L1 length 3", quote(mlnmf(X, 2, L1 = c(0.1, 0.2, 0.3))), "'L1' must be one number or two \\(for F and G\\), not a double vector of length 3"),
  list("L1 NA", quote(mlnmf(X, 2, L1 = NA_real_)), "'L1' must be finite, not NA"),
  list("L1 logical NA", quote(mlnmf(X, 2, L1 = NA)), "'L1' must be finite, not NA"),
  list("L1 text", quote(nmf(X, 2, L1 = "0.1")), "'L1' must be one number or two"),
  list("L1 empty", quote(nmf(X, 2, L1 = numeric(0))), "'L1' must be one number or two"),
  list("L2 Inf", quote(nmf(X, 2, L2 = c(0, Inf))), "'L2' must be finite"),
  list("L2 negative G", quote(nmf(X, 2, L2 = c(0, -1))), "'L2' must be >= 0"),
  list("L2 with kl", quote(nmf(X, 2, method = "kl", L2 = 0.1)), "'L2' is not supported by method \"kl\""),
  list("C step: pen not a list", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 0L, 1e-16, NULL, 1)), "'pen' must be NULL or a named list"),
  list("C step: pen l1 length", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 0L, 1e-16, NULL, list(l1 = 1, l2 = c(0, 0)))), "option 'l1' must be two doubles"),
  list("C step: pen l2 NaN", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 1L, 1e-16, NULL, list(l1 = c(0, 0), l2 = c(NaN, 0)))), "option 'l2' must be finite and >= 0"),
  list("C step: kl l2", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 2L, 1e-16, NULL, list(l1 = c(0, 0), l2 = c(1, 0)))), "'L2' is not supported by method \"kl\""),
  list("beta NA", quote(nmf(X, 2, beta = NA)), "'beta' must be a single finite number \\(0 Itakura-Saito, 1 KL, 2 Frobenius\\), not NA"),
  list("beta text", quote(nmf(X, 2, beta = "1.5")), "'beta' must be a single finite number"),
  list("beta length 2", quote(mlnmf(X, 2, beta = c(1, 2))), "'beta' must be a single finite number"),
  list("beta Inf", quote(nmf(X, 2, beta = Inf)), "'beta' must be a single finite number"),
  list("beta with kl", quote(nmf(X, 2, method = "kl", beta = 2)), "method \"kl\" is 'beta' = 1, not 2"),
  list("beta with hals", quote(nmf(X, 2, method = "hals", beta = 1.5)), "method \"hals\" is 'beta' = 2 \\(Frobenius\\), not 1.5"),
  list("method beta without beta", quote(nmf(X, 2, method = "beta")), "method \"beta\" needs 'beta'"),
  list("beta 0 with zeros", quote(nmf(replace(X, 1, 0), 2, beta = 0)), "'beta' = 0 <= 0 is infinite at zero entries, and 'X' has 1 observed zero entries"),
  list("beta negative with zeros", quote(nmf(replace(X, 1:2, 0), 2, beta = -1)), "'beta' = -1 <= 0 is infinite at zero entries, and 'X' has 2 observed zero entries"),
  list("L2 with beta", quote(nmf(X, 2, beta = 1.5, L2 = 0.1)), "'L2' is not supported by method \"beta\""),
  list("fit beta NA", quote(print(modifyList(fit, list(beta = NA_real_)))), "'x\\$beta' must be a single finite number, not NA"),
  list("C step: beta code without beta", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 3L, 1e-16, NULL, NULL)), "'method' must be c\\(3, beta\\)"),
  list("C step: beta l2", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, c(3, 1.5), 1e-16, NULL, list(l1 = c(0, 0), l2 = c(1, 0)))), "'L2' is not supported by method \"kl\" or \"beta\""),
  list("C fit: beta NaN", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(method = 3L, beta = NaN)), NULL, NULL, NULL)), "option 'beta' must be finite"),
  list("C beta_div: beta text", quote(.Call(mlnmf:::C_mlnmf_beta_div, X, W0, H0, "1", NULL)), "'beta' must be a single finite number"),
  list("C beta_div: W wrong", quote(.Call(mlnmf:::C_mlnmf_beta_div, X, t(W0), H0, 1.5, NULL)), "'W' and 'H' do not conform to 'X'"),
  list("C beta_div: X text", quote(.Call(mlnmf:::C_mlnmf_beta_div, chr_mat, W0, H0, 1.5, NULL)), "'X'"),
  list("finetune objective unknown", quote(finetune(fit, objective = "deep")), "'objective' must be one of \"data\", \"layer\", not \"deep\""),
  list("finetune lambda without layer", quote(finetune(fit, lambda = c(1, 1))), "'lambda' is used only with objective = \"layer\""),
  list("finetune lambda length", quote(finetune(fit, objective = "layer", lambda = 1)), "'lambda' must be NULL or 2 positive finite numbers \\(one per layer\\), not 1"),
  list("finetune lambda negative", quote(finetune(fit, objective = "layer", lambda = c(1, -1))), "'lambda' must be NULL or 2 positive finite numbers"),
  list("finetune beta NA", quote(finetune(fit, beta = NA)), "'beta' must be a single finite number"),
  list("finetune beta with kl", quote(finetune(fit, method = "kl", beta = 1.5)), "method \"kl\" is 'beta' = 1, not 1.5"),
  list("finetune layer on one layer", quote(finetune(fit_nodata, X = X, objective = "layer")), "objective = \"layer\" needs a fit with at least 2 layers"),
  list("C beta_pass: side 2", quote(.Call(mlnmf:::C_mlnmf_beta_pass, X, W0, H0, 1.5, 2L, NULL)), "'side' must be 0 or 1"),
  list("C beta_pass: beta NULL", quote(.Call(mlnmf:::C_mlnmf_beta_pass, X, W0, H0, NULL, 0L, NULL)), "'beta' must be a single finite number"),
  list("C beta_pass: H wrong", quote(.Call(mlnmf:::C_mlnmf_beta_pass, X, W0, t(H0), 1.5, 0L, NULL)), "'W' and 'H' do not conform to 'X'"),
  list("C fit: l1 negative", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(l1 = c(-1, 0))), NULL, NULL, NULL)), "option 'l1' must be finite and >= 0"),
  list("maxit negative", quote(mlnmf(X, 2, maxit = -1)), "'maxit' must be a single whole number >= 0"),
  list("maxit fractional", quote(mlnmf(X, 2, maxit = 10.5)), "'maxit' must be a single whole number >= 0"),
  list("maxit NA", quote(mlnmf(X, 2, maxit = NA_integer_)), "'maxit' must be a single whole number >= 0"),
  list("maxit character", quote(mlnmf(X, 2, maxit = "100")), "'maxit' must be a single whole number >= 0"),
  list("maxit INT_MAX", quote(mlnmf(X, 2, maxit = .Machine$integer.max)), "'maxit' must be less than 2147483647"),
  list("tol negative", quote(mlnmf(X, 2, tol = -1e-5)), "'tol' must be >= 0"),
  list("tol NA", quote(mlnmf(X, 2, tol = NA)), "'tol' must be a single finite number"),
  list("tol Inf", quote(mlnmf(X, 2, tol = Inf)), "'tol' must be a single finite number"),
  list("tol length 2", quote(mlnmf(X, 2, tol = c(1e-5, 1e-6))), "'tol' must be a single finite number"),
  list("eps 0", quote(mlnmf(X, 2, eps = 0)), "'eps' must be > 0 and <= 0.001"),
  list("eps negative", quote(mlnmf(X, 2, eps = -1e-16)), "'eps' must be > 0 and <= 0.001"),
  list("eps too large", quote(mlnmf(X, 2, eps = 0.5)), "'eps' must be > 0 and <= 0.001"),
  list("eps NaN", quote(mlnmf(X, 2, eps = NaN)), "'eps' must be a single finite number"),
  list("verbose NA", quote(mlnmf(X, 2, verbose = NA)), "'verbose' must be TRUE or FALSE"),
  list("progress number", quote(mlnmf(X, 2, progress = 1)), "'progress' must be TRUE or FALSE"),
  list("threads 0", quote(mlnmf(X, 2, threads = 0)), "'threads' must be a single whole number >= 1"),
  list("threads -1", quote(mlnmf(X, 2, threads = -1)), "'threads' must be a single whole number >= 1, not -1"),
  list("threads character", quote(mlnmf(X, 2, threads = "2")), "'threads' must be a single whole number >= 1, not a character vector"),
  list("threads NA", quote(mlnmf(X, 2, threads = NA)), "'threads' must be a single whole number >= 1"),
  list("threads option invalid", quote(local({ op <- options(mlnmf.threads = -2); on.exit(options(op)); default_threads() })),
       "option 'mlnmf.threads' must be a single whole number >= 1, not -2"),
  list("keep.data character", quote(mlnmf(X, 2, keep.data = "yes")), "'keep.data' must be TRUE or FALSE"),
  list("keep.data length 2", quote(mlnmf(X, 2, keep.data = c(TRUE, FALSE))), "'keep.data' must be TRUE or FALSE"),
  list("control not a list", quote(mlnmf(X, 2, control = 1)), "'control' must be a list, not a double vector"),
  list("control unknown entry", quote(mlnmf(X, 2, control = list(sweeps = 3))), "'control' has unknown entries: sweeps \\(known: inner_max, inner_alpha, inner_delta, extrapolate\\)"),
  list("control unnamed", quote(mlnmf(X, 2, control = list(3))), "'control' has unknown entries"),
  list("control inner_max 0", quote(mlnmf(X, 2, control = list(inner_max = 0))), "'control\\$inner_max' must be a single whole number >= 1"),
  list("control inner_alpha negative", quote(mlnmf(X, 2, control = list(inner_alpha = -1))), "'control\\$inner_alpha' must be >= 0"),
  list("control inner_delta > 1", quote(mlnmf(X, 2, control = list(inner_delta = 2))), "'control\\$inner_delta' must be >= 0 and <= 1"),
  ## nmf()
  list("nmf rank missing", quote(nmf(X)), "'rank' is missing: give the number of components"),
  list("nmf rank vector", quote(nmf(X, c(2, 2))), "'rank' must be a single whole number for nmf\\(\\)"),
  list("nmf rank character", quote(nmf(X, "2")), "'rank' must be a single whole number for nmf\\(\\)"),
  list("nmf X list", quote(nmf(list(X), 2)), "'X' must be a numeric matrix, not a list"),
  list("nmf method unknown", quote(nmf(X, 2, method = "frob")), choices("hals", "mu", "kl")),
  ## predict()
  list("predict newdata rows", quote(predict(fit, X[1:5, ])), "'newdata' must have 6 rows like the data of the fit, not 5"),
  list("predict newdata transposed", quote(predict(fit, t(X))), "'newdata' must have 6 rows like the data of the fit, not 4"),
  list("predict newdata vector", quote(predict(fit, X[, 1])), "'newdata' must be a numeric matrix, not a double vector"),
  list("predict newdata character", quote(predict(fit, chr_mat)), "'newdata' must be a numeric matrix, not a character matrix"),
  list("predict newdata NULL", quote(predict(fit, NULL)), "'newdata' must be a numeric matrix, not NULL"),
  list("predict newdata negative", quote(predict(fit, with_neg)), "'newdata' must be nonnegative"),
  list("predict newdata NA", quote(predict(fit, with_na)), "'newdata' must be finite"),
  list("predict newdata 0 columns", quote(predict(fit, X[, 0, drop = FALSE])), "'newdata' must have at least one row and one column"),
  list("predict newdata subnormal", quote(predict(fit, X * 1e-310)), "'newdata' is too small to rescale"),
  list("predict samples unknown", quote(predict(fit, X, samples = "diagonal")), paste0("'samples' ", choices("columns", "rows"))),
  list("predict newdata rows, wrong columns", quote(predict(fit, X[, 1:3], samples = "rows")), "'newdata' must have 6 columns \\(samples = \"rows\"\\) like the data of the fit, not 3"),
  list("predict newdata overflows", quote(predict(fit, X / max(X) * 1e308)), "the coefficients of 'newdata' overflow"),
  list("predict threads 0", quote(predict(fit, X, threads = 0)), "'threads' must be a single whole number >= 1, not 0"),
  list("predict maxit 0", quote(predict(fit, X, maxit = 0)), "'maxit' must be a single whole number >= 1"),
  list("predict tol negative", quote(predict(fit, X, tol = -1)), "'tol' must be >= 0"),
  ## the methods given something that is not a fit
  list("predict on an lm fit", quote(mlnmf:::predict.mlnmf(lm_fit, X)), "'object' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not an object of class 'lm'"),
  list("predict on a list", quote(mlnmf:::predict.mlnmf(list(), X)), "'object' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not a list"),
  list("fitted on an lm fit", quote(mlnmf:::fitted.mlnmf(lm_fit)), "'object' must be a fit returned by mlnmf\\(\\)"),
  list("residuals on a matrix", quote(mlnmf:::residuals.mlnmf(X)), "'object' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not an object of class 'matrix'"),
  list("coef on NULL", quote(mlnmf:::coef.mlnmf(NULL)), "'object' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not NULL"),
  list("summary on an lm fit", quote(mlnmf:::summary.mlnmf(lm_fit)), "'object' must be a fit returned by mlnmf\\(\\)"),
  list("print on a number", quote(mlnmf:::print.mlnmf(1)), "'x' must be a fit returned by mlnmf\\(\\) or nmf\\(\\), not a double vector"),
  list("plot on a list", quote(mlnmf:::plot.mlnmf(list(1))), "'x' must be a fit returned by mlnmf\\(\\)"),
  list("class without a fit", quote(fitted(structure(list(), class = "mlnmf"))), "'object' has class \"mlnmf\" but is not a complete fit"),
  list("fit with a layer removed", quote(coef(fit_short)), "'object' has class \"mlnmf\" but is not a complete fit"),
  list("fit with NaN in F[[2]]", quote(fitted(fit_nan)), "'object\\$F\\[\\[2\\]\\]' must be finite: 1 entries are NA, NaN or infinite"),
  list("fit with negative eps", quote(predict(fit_eps, X)), "'object\\$eps' must be a single number > 0 and <= 0.001, not -1"),
  list("fit with zero G[[1]]", quote(dependence(fit_zeroG)), "'fit\\$G\\[\\[1\\]\\]' is all zero"),
  list("fit with layers NA", quote(coef(fit_layersNA)), "'object\\$layers' must be a single whole number >= 1, not NA"),
  list("fit with dim NA", quote(predict(fit_dimNA, X)), "'object\\$dim' must be two whole numbers >= 1"),
  list("fit with method NA", quote(print(fit_methodNA)), "'x\\$method' must be one of \"hals\", \"mu\", \"kl\", \"beta\", not NA"),
  list("fit with wrong ranks", quote(summary(fit_rank)), "'object\\$rank' must give the 2 ranks of the layers"),
  list("fit with broken chain", quote(reconstruct(fit_chain)), "'fit\\$F\\[\\[2\\]\\]' has 2 rows, but F\\[\\[1\\]\\] has 3 columns"),
  list("prototypes layer 0", quote(prototypes(fit, 0)), "'layer' must be a single whole number from 1 to 2"),
  list("plot factors layer 3", quote(plot(fit, type = "factors", layer = 3)), "'layer' must be a single whole number from 1 to 2"),
  list("plot basis, wrong dim", quote(plot(fit, type = "basis", dim = c(2, 2))), "'dim' must be two whole numbers c\\(height, width\\) with height \\* width = 6"),
  list("plot basis dim wrong", quote(plot(fit, type = "basis", dim = c(2, 2))), "'dim' must be two whole numbers c\\(height, width\\) with height \\* width = 6"),
  list("plot trace without a trace", quote(plot(suppressWarnings(mlnmf(X, 2, maxit = 2e6, tol = 1e-2)), type = "trace")), "'x' has no trace to plot"),
  list("pinv NaN", quote(pinv(with_nan)), "'A' must be finite: 1 entries are NA, NaN or infinite"),
  list("dependence X too small", quote(dependence(fit, X = X * 1e-310)), "'X' is too small to rescale"),
  list("dependence X all zero", quote(dependence(fit, X = X * 0)), "'X' is all zero"),
  list("simulate n 1e9", quote(simulate_gaussian_mixture(n = 1e9)), "'d' \\* 'n' and 'd' \\* 'clusters' must be at most 2147483647 entries"),
  list("simulate sd 1e308", quote(simulate_gaussian_mixture(10, sd = 1e308)), "'sd' = 1e\\+308 and 'spread' = 10 give entries beyond the largest double"),
  list("residuals without data", quote(residuals(fit_nodata)), "'object' was fitted with keep.data = FALSE"),
  list("plot type unknown", quote(plot(fit, type = "loss")), paste0(choices("error", "trace", "factors", "basis", "consensus", "coef"), ', not "loss"')),
  ## the registered C routines, called directly
  list("C fit: X character", quote(.Call(mlnmf:::C_mlnmf_fit, chr_mat, 2L, opts, NULL, NULL, NULL)), "'X' must be a double matrix"),
  list("C fit: X integer", quote(.Call(mlnmf:::C_mlnmf_fit, matrix(1:24, 6), 2L, opts, NULL, NULL, NULL)), "'X' must be a double matrix"),
  list("C fit: X vector", quote(.Call(mlnmf:::C_mlnmf_fit, c(X), 2L, opts, NULL, NULL, NULL)), "'X' must be a double matrix"),
  list("C fit: X NULL", quote(.Call(mlnmf:::C_mlnmf_fit, NULL, 2L, opts, NULL, NULL, NULL)), "'X' must be a double matrix"),
  list("C fit: X all zero", quote(.Call(mlnmf:::C_mlnmf_fit, X * 0, 2L, opts, NULL, NULL, NULL)), "'X' has no positive entry"),
  list("C fit: rank double", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2, opts, NULL, NULL, NULL)), "'rank' must be a non-empty integer vector"),
  list("C fit: rank empty", quote(.Call(mlnmf:::C_mlnmf_fit, X, integer(0), opts, NULL, NULL, NULL)), "'rank' must be a non-empty integer vector"),
  list("C fit: rank NA", quote(.Call(mlnmf:::C_mlnmf_fit, X, NA_integer_, opts, NULL, NULL, NULL)), "'rank' .* of layer 1 is out of range"),
  list("C fit: rank too large", quote(.Call(mlnmf:::C_mlnmf_fit, X, 9L, opts, NULL, NULL, NULL)), "'rank' 9 of layer 1 is out of range"),
  list("C fit: opts NULL", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, NULL, NULL, NULL, NULL)), "'opts' must be a list"),
  list("C fit: opts unnamed", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, unname(opts), NULL, NULL, NULL)), "'opts' must be a named list"),
  list("C fit: option missing", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, opts[-1], NULL, NULL, NULL)), "option 'method' missing"),
  list("C fit: method text", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(method = "hals")), NULL, NULL, NULL)), "option 'method' must be numeric"),
  list("C fit: method code", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(method = 7L)), NULL, NULL, NULL)), "'method' code out of range"),
  list("C fit: maxit INT_MAX", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(maxit = .Machine$integer.max)), NULL, NULL, NULL)), "'maxit' out of range"),
  list("C fit: given init not lists", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), NULL, NULL, NULL)), "'init' must give lists 'F' and 'G'"),
  list("C fit: given init text", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), list("a"), list("b"), NULL)), "'init\\$F' must be a double matrix"),
  list("C fit: given init dims", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(init = 4L)), list(matrix(1, 3, 3)), list(matrix(1, 3, 3)), NULL)), "'init' factors of layer 1 have the wrong dimensions"),
  list("C project: newdata text", quote(.Call(mlnmf:::C_mlnmf_project, chr_mat, fit$F, opts, NULL)), "'newdata' must be a double matrix"),
  list("C project: F not a list", quote(.Call(mlnmf:::C_mlnmf_project, X, W0, opts, NULL)), "'F' must be a non-empty list"),
  list("C project: F empty", quote(.Call(mlnmf:::C_mlnmf_project, X, list(), opts, NULL)), "'F' must be a non-empty list"),
  list("C project: F text", quote(.Call(mlnmf:::C_mlnmf_project, X, list("a"), opts, NULL)), "'F' must be a double matrix"),
  list("C project: F rows", quote(.Call(mlnmf:::C_mlnmf_project, X, list(matrix(1, 3, 2)), opts, NULL)), "layer 1: 'F' has 3 rows, the input has 6"),
  list("C project: F chain", quote(.Call(mlnmf:::C_mlnmf_project, X, list(W0, W0), opts, NULL)), "layer 2: 'F' has 6 rows, the input has 2"),
  list("C project: opts number", quote(.Call(mlnmf:::C_mlnmf_project, X, fit$F, 1, NULL)), "'opts' must be a list"),
  list("C step: X integer", quote(.Call(mlnmf:::C_mlnmf_step, matrix(1L, 6, 4), W0, H0, 0L, 1e-16, NULL, NULL)), "'X' must be a double matrix"),
  list("C step: W vector", quote(.Call(mlnmf:::C_mlnmf_step, X, c(W0), H0, 0L, 1e-16, NULL, NULL)), "'W' must be a double matrix"),
  list("C step: H list", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, list(H0), 0L, 1e-16, NULL, NULL)), "'H' must be a double matrix"),
  list("C step: H transposed", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, t(H0), 0L, 1e-16, NULL, NULL)), "'W' and 'H' do not conform to 'X'"),
  list("C step: method code", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, 4L, 1e-16, NULL, NULL)), "'method' code out of range"),
  list("C step: method NULL", quote(.Call(mlnmf:::C_mlnmf_step, X, W0, H0, NULL, 1e-16, NULL, NULL)), "'method' code out of range"),
  list("C pinv: NaN", quote(.Call(mlnmf:::C_mlnmf_pinv, with_nan, -1)), "'A' must be finite: it has NA, NaN or infinite entries"),
  list("C pinv: overflow", quote(.Call(mlnmf:::C_mlnmf_pinv, matrix(1e-320, 6, 4), -1)), "the pseudoinverse of 'A' has entries beyond the largest double"),
  list("C dependence: X zero", quote(.Call(mlnmf:::C_mlnmf_dependence, X * 0, fit$F, fit$G, 1L, FALSE, NULL)), "'X' has no positive entry"),
  list("C dependence: G zero", quote(.Call(mlnmf:::C_mlnmf_dependence, X, fit$F, list(fit$G[[1]], fit$G[[2]] * 0), 1L, FALSE, NULL)), "'G\\[\\[2\\]\\]' has no positive entry"),
  list("C dependence: F NaN", quote(.Call(mlnmf:::C_mlnmf_dependence, X, fit_nan$F, fit$G, 1L, FALSE, NULL)), "'F\\[\\[2\\]\\]' has non-finite entries"),
  list("C dependence: F[[1]] Inf", quote(.Call(mlnmf:::C_mlnmf_dependence, X, list(fit$F[[1]] * Inf, fit$F[[2]]), fit$G, 1L, FALSE, NULL)), "'F\\[\\[1\\]\\]' has non-finite entries"),
  list("C blocked: NA", quote(.Call(mlnmf:::C_mlnmf_set_blocked, NA)), "'flag' must be TRUE or FALSE"),
  list("C blocked: double", quote(.Call(mlnmf:::C_mlnmf_set_blocked, 1)), "'flag' must be TRUE or FALSE"),
  list("C blas threads: double", quote(.Call(mlnmf:::C_mlnmf_blas_threads, 2)), "'n' must be a single integer"),
  list("C blas threads: text", quote(.Call(mlnmf:::C_mlnmf_blas_threads, "a")), "'n' must be a single integer"),
  list("C blas threads: NULL", quote(.Call(mlnmf:::C_mlnmf_blas_threads, NULL)), "'n' must be a single integer"),
  list("C blas threads: length 2", quote(.Call(mlnmf:::C_mlnmf_blas_threads, 1:2)), "'n' must be a single integer"),
  list("C cores: an argument", quote(.Call(mlnmf:::C_mlnmf_cores_call, 1L)), "Incorrect number of arguments"),
  list("finetune threads 0", quote(finetune(fit, threads = 0)), "'threads' must be a single whole number >= 1, not 0"),
  list("C scan: integer", quote(.Call(mlnmf:::C_mlnmf_scan, 1:4)), "'X' must be a double vector or matrix"),
  list("C scan: list", quote(.Call(mlnmf:::C_mlnmf_scan, list(1))), "'X' must be a double vector or matrix"),
  list("permutation fraction_of unknown", quote(permutation_test(fit_perm, fraction_of = "third")), "'fraction_of' must be one of \"block\", \"layers\", not \"third\""),
  list("permutation move_all NA", quote(permutation_test(fit_perm, move_all = NA)), "'move_all' must be TRUE or FALSE"),
  list("permutation min_moved 0", quote(permutation_test(fit_perm, min_moved = 0)), "'min_moved' must be a single whole number >= 1"),
  list("permutation reps too many", quote(permutation_test(fit_perm, reps = 1e7)), "'reps' must be at most 1000000, not 10000000"),
  list("C permute: not a permutation", quote(.Call(mlnmf:::C_mlnmf_permute, X, fit_perm$F, fit_perm$G[[6]], c(1L, 2L, 2L, 4:6), NULL)), "'orders' column 1 is not a permutation of 1..6: layer 2 appears twice")
)

## restarts and rank selection (issue 11): R/restarts.R, R/rank.R
bad <- c(bad, list(
  list("nrun 0", quote(nmf(X, 2, nrun = 0)), "'nrun' must be a single whole number >= 1 \\(the number of starts\\), not 0"),
  list("nrun negative", quote(mlnmf(X, 2, nrun = -3)), "'nrun' must be a single whole number >= 1 .*not -3"),
  list("nrun NA", quote(nmf(X, 2, nrun = NA)), "'nrun' must be a single whole number >= 1 .*not NA"),
  list("nrun fraction", quote(nmf(X, 2, nrun = 2.5)), "'nrun' must be a single whole number >= 1 .*not 2.5"),
  list("nrun text", quote(nmf(X, 2, nrun = "4")), "'nrun' must be a single whole number >= 1 .*not a character vector"),
  list("nrun two", quote(nmf(X, 2, nrun = c(2, 3))), "'nrun' must be a single whole number >= 1 .*not 2, 3"),
  list("nrun huge", quote(nmf(X, 2, nrun = 1e9)), "'nrun' must be at most 10000, not 1000000000"),
  list("nrun Inf", quote(nmf(X, 2, nrun = Inf)), "'nrun' must be a single whole number >= 1 .*not Inf"),
  list("seed text", quote(nmf(X, 2, seed = "abc")), "'seed' must be NULL or a single whole number \\(as for set.seed\\(\\)\\), not a character vector"),
  list("seed NA", quote(nmf(X, 2, seed = NA_real_)), "'seed' must be NULL or a single whole number .*not NA"),
  list("seed fraction", quote(mlnmf(X, 2, seed = 1.5)), "'seed' must be NULL or a single whole number .*not 1.5"),
  list("seed two", quote(nmf(X, 2, seed = 1:2)), "'seed' must be NULL or a single whole number .*not 1, 2"),
  list("seed too large", quote(nmf(X, 2, seed = 1e10)), "'seed' must be NULL or a single whole number .*not 1e\\+10"),
  list("seed list", quote(nmf(X, 2, seed = list(1))), "'seed' must be NULL or a single whole number .*not a list"),
  list("nmf_rank ranks missing", quote(nmf_rank(X)), "'ranks' is missing"),
  list("nmf_rank ranks 0", quote(nmf_rank(X, 0:2)), "'ranks' must be whole numbers >= 1 \\(the candidate ranks\\), not 0, 1, 2"),
  list("nmf_rank ranks text", quote(nmf_rank(X, "2")), "'ranks' must be whole numbers >= 1 .*not a character vector"),
  list("nmf_rank ranks too large", quote(nmf_rank(X, 2:5)), "'ranks' must be at most min\\(dim\\(X\\)\\) = 4, not 5"),
  list("nmf_rank fraction 0", quote(nmf_rank(X, 1:2, fraction = 0)), "'fraction' must be > 0 and <= 0.9"),
  list("nmf_rank fraction 1", quote(nmf_rank(X, 1:2, fraction = 1)), "'fraction' must be > 0 and <= 0.9"),
  list("nmf_rank fraction tiny", quote(nmf_rank(X, 1:2, fraction = 0.01)), "'fraction' = 0.01 of the 24 observed entries of 'X' holds out none: raise it"),
  list("nmf_rank reps 0", quote(nmf_rank(X, 1:2, reps = 0)), "'reps' must be a single whole number >= 1"),
  list("nmf_rank reps huge", quote(nmf_rank(X, 1:2, reps = 5000)), "'reps' must be at most 1000, not 5000"),
  list("nmf_rank seed text", quote(nmf_rank(X, 1:2, seed = "a")), "'seed' must be NULL or a single whole number"),
  list("nmf_rank mask matrix", quote(nmf_rank(X, 1:2, mask = X > 0.5)), "'mask' of nmf_rank\\(\\) must be NULL, \"NA\" or \"zeros\", not an object of class 'matrix'"),
  list("nmf_rank rank in dots", quote(nmf_rank(X, 1:2, layers = 2)), "'layers' cannot be passed to nmf\\(\\) by nmf_rank\\(\\)"),
  list("nmf_rank unnamed dots", quote(nmf_rank(X, 1:2, 0.1, 3, NULL, NULL, NULL, "mu")), "the arguments in '...' of nmf_rank\\(\\) must be named"),
  list("nmf_rank bad nmf argument", quote(nmf_rank(X, 1:2, seed = 1, method = "svd")), "'method' must be one of"),
  list("nmf_rank X text", quote(nmf_rank(chr_mat, 1:2)), "'X' must be a numeric matrix, not a character matrix"),
  list("nmf_rank X NA", quote(nmf_rank(with_na, 1:2)), "'X' must be finite: 1 entries are NA or NaN"),
  list("nmf_rank nrun 0", quote(nmf_rank(X, 1:2, nrun = 0)), "'nrun' must be a single whole number >= 1"),
  list("nmf_rank null NA", quote(nmf_rank(X, 1:2, null = NA)), "'null' must be TRUE or FALSE"),
  list("nmf_rank keep.runs", quote(nmf_rank(X, 1:2, keep.runs = TRUE)), "'keep.runs' cannot be passed to nmf\\(\\) by nmf_rank\\(\\)"),
  list("keep.runs NA", quote(nmf(X, 2, nrun = 2, keep.runs = NA)), "'keep.runs' must be TRUE or FALSE"),
  list("consensus one run", quote(consensus(fit)), "'fit' must be a fit with nrun > 1"),
  list("consensus not a fit", quote(consensus(lm_fit)), "'fit' must be a fit of mlnmf\\(\\) or nmf\\(\\), not an object of class 'lm'"),
  list("consensus layer 3", quote(consensus(fit_runs, layer = 3)), "'layer' must be a single whole number from 1 to 2"),
  list("cophenetic one run", quote(cophenetic(fit)), "'fit' must be a fit with nrun > 1"),
  list("dispersion layer text", quote(dispersion(fit_runs, layer = "a")), "'layer' must be a single whole number from 1 to 2"),
  list("silhouette one run", quote(silhouette_widths(fit)), "'fit' must be a fit with nrun > 1"),
  list("clusters type", quote(clusters(fit_runs, type = "tree")), "'type' must be one of"),
  list("plot consensus annotation length", quote(plot(fit_runs, type = "consensus", annotation = 1:3)), "'annotation' must have one entry per sample \\(4\\): 'annotation' has 3"),
  list("plot consensus annotation list", quote(plot(fit_runs, type = "consensus", annotation = list(1:4))), "'annotation' must be a factor \\(or vector\\) with one entry per sample, or a named list"),
  list("plot consensus one run", quote(plot(fit, type = "consensus")), "'x' must be a fit with nrun > 1"),
  list("feature_score layer", quote(feature_score(fit, layer = 3)), "'layer' must be a single whole number from 1 to 2"),
  list("extract_features method", quote(extract_features(fit, method = "min")), "'method' must be one of"),
  list("print mlnmf_rank other", quote(mlnmf:::print.mlnmf_rank(list())), "'x' must be a result of nmf_rank\\(\\), not a list"),
  list("plot mlnmf_rank other", quote(mlnmf:::plot.mlnmf_rank(lm_fit)), "'x' must be a result of nmf_rank\\(\\), not an object of class 'lm'")
))

## issue 23: the new arguments and options
sp_fit <- suppressWarnings(nmf(Matrix::Matrix(X, sparse = TRUE), 2, maxit = 20))
bad <- c(bad, list(
  list("hierarchy long NA", quote(hierarchy(fit, long = NA)), "'long' must be TRUE or FALSE"),
  list("hierarchy long text", quote(hierarchy(fit, long = "yes")), "'long' must be TRUE or FALSE"),
  list("fitted dense text", quote(fitted(sp_fit, dense = "yes")), "'dense' must be TRUE or FALSE"),
  list("reconstruct dense NA", quote(reconstruct(fit, dense = NA)), "'dense' must be TRUE or FALSE"),
  list("fitted dense FALSE sparse", quote(fitted(sp_fit, dense = FALSE)), "would be a dense 6 x 4 matrix"),
  list("option dense_max bad", quote(local({ op <- options(mlnmf.dense_max = -1); on.exit(options(op)); fitted(sp_fit) })), "option 'mlnmf.dense_max' must be a single number >= 0"),
  list("dense_max exceeded", quote(local({ op <- options(mlnmf.dense_max = 10); on.exit(options(op)); residuals(sp_fit) })), "more than getOption\\(\"mlnmf.dense_max\"\\) = 10 entries"),
  list("rank missing, no init", quote(nmf(X)), "'rank' is missing: give the number of components \\(or starting factors in 'init'\\)"),
  list("rank missing, init a name", quote(mlnmf(X, init = "random")), "'rank' is missing: .*starting factors in 'init'"),
  list("rank missing, init without F", quote(mlnmf(X, init = list(G = matrix(1, 2, 4)))), "'rank' is missing"),
  list("rank above min(dim)", quote(nmf(X, 7)), "larger than min\\(dim\\(X\\)\\) = 4 .*use at most 4"),
  list("finetune X wrong layout", quote(finetune(fit, t(X))), "'X' must be 6 x 4 like the data of the fit, not 4 x 6"),
  list("dependence X wrong shape", quote(dependence(fit, X[-1, ])), "'X' must be 6 x 4 like the data of the fit, not 5 x 4"),
  list("permutation max_bytes", quote(local({ op <- options(mlnmf.max_bytes = 10); on.exit(options(op)); permutation_test(fit_perm, reps = 2, groups = 1) })), "more than the limit of 10 bytes \\(option 'mlnmf.max_bytes'\\)"),
  list("permutation 1e308", quote(local({ f <- fit_perm; f$data <- f$data * 1e308; permutation_test(f, reps = 1, groups = 1) })), "beyond the largest double"),
  list("C finetune: eps 0", quote(.Call(mlnmf:::C_mlnmf_finetune, X, fit$F, fit$G[[2]], list(method = 0L, maxit = 1L, tol = 0, eps = 0, inner_max = 1L, inner_delta = 0.1, normalize = 0L, verbose = FALSE, threads = 1L), NULL)), "'eps', 'tol' and 'inner_delta' must be finite, 'eps' > 0"),
  list("C finetune: F no columns", quote(.Call(mlnmf:::C_mlnmf_finetune, X, list(matrix(0, 6, 0)), matrix(0, 0, 4), list(method = 0L, maxit = 1L, tol = 0, eps = 1e-16, inner_max = 1L, inner_delta = 0.1, normalize = 0L, verbose = FALSE, threads = 1L), NULL)), "'F\\[\\[1\\]\\]' has no columns"),
  list("C fit: inner_max 0", quote(.Call(mlnmf:::C_mlnmf_fit, X, 2L, modifyList(opts, list(inner_max = 0L)), NULL, NULL, NULL)), "'inner_max' out of range"),
  list("C permute: X infinite", quote(.Call(mlnmf:::C_mlnmf_permute, X * Inf, fit_perm$F, fit_perm$G[[6]], 1:6, NULL)), "'X' cannot be rescaled")
))

test_that("the bad-input table has at least 40 distinct rows", {
  labels <- vapply(bad, `[[`, "", 1L)
  expect_gte(length(bad), 40L)
  expect_false(anyDuplicated(labels) > 0L)
})

for (row in bad) {
  test_that(paste("bad input:", row[[1L]]), {
    expect_error(eval(row[[2L]]), row[[3L]], label = deparse1(row[[2L]]))
  })
}

test_that("R is still alive and fits after every bad call", {
  again <- suppressWarnings(mlnmf(X, c(3, 2), maxit = 30, tol = 1e-4))
  expect_identical(again$F, fit$F)
})
