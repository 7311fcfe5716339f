## A fit-shaped object with random factors of the given ranks, so the chain
## algebra can be tested without running the cascade.
fake_fit <- function(d, N, ranks, seed = 1) {
  set.seed(seed)
  L <- length(ranks)
  rows <- c(d, ranks[-L])
  Fs <- lapply(seq_len(L), function(i) {
    f <- matrix(runif(rows[i] * ranks[i]), rows[i], ranks[i])
    sweep(f, 2, colSums(f), "/")
  })
  G <- matrix(runif(ranks[L] * N, 0, 20), ranks[L], N)
  X <- Reduce(`%*%`, c(Fs, list(G))) + matrix(runif(d * N), d, N)
  structure(list(F = Fs, G = c(vector("list", L - 1L), list(G)), layers = L,
                 rank = as.integer(ranks), dim = c(d, N), data = X),
            class = "mlnmf")
}

ref_error <- function(fit, X, o)
  sum((X - Reduce(`%*%`, c(fit$F[o], list(fit$G[[fit$layers]]))))^2)

test_that("the identity order gives the unpermuted error exactly", {
  fit <- fake_fit(7, 40, rep(5, 9))
  X <- fit$data
  r <- mlnmf:::permutation_errors(fit, X, cbind(1:9, 1:9))
  expect_equal(r$error, rep(r$base, 2), tolerance = 1e-10)
  expect_equal(r$base, ref_error(fit, X, 1:9), tolerance = 1e-10)
  expect_equal(r$norm2, sum(X^2), tolerance = 1e-12)
})

test_that("the unpermuted error agrees with the cascade's own error", {
  set.seed(3)
  X <- simulate_gaussian_mixture(60, 6, 3)
  fit <- suppressWarnings(mlnmf(X, rank = 4, layers = 6, maxit = 30))
  r <- mlnmf:::permutation_errors(fit, X, matrix(1:6))
  expect_equal(sqrt(r$base / r$norm2), fit$error[6], tolerance = 1e-8)
  pt <- permutation_test(fit, groups = 2, reps = 3, seed = 1)
  expect_equal(attr(pt, "unpermuted")[["rel_error"]], fit$error[6],
               tolerance = 1e-8)
})

test_that("the C chain products equal a pure-R Reduce(`%*%`) reference", {
  fit <- fake_fit(6, 50, c(6, 6, 6, 6, 6, 6, 6, 6, 6, 6))
  L <- 10
  X <- fit$data
  set.seed(11)
  orders <- cbind(c(2, 1, 3:10),                  # starts at the first layer
                  c(1:8, 10, 9),                  # ends at the last layer
                  c(10, 2:9, 1),                  # the whole chain
                  c(1, 5, 3, 4, 2, 6:10),
                  replicate(8, {
                    o <- 1:L
                    s <- sort(sample(L, 4))
                    o[s] <- s[c(2, 3, 4, 1)]
                    o
                  }),
                  1:10)
  r <- mlnmf:::permutation_errors(fit, X, orders)
  ref <- apply(orders, 2, function(o) ref_error(fit, X, o))
  expect_equal(r$error, ref, tolerance = 1e-10)
  ## a different X of the same size, far from the product
  Y <- matrix(runif(6 * 50, 0, 1000), 6, 50)
  r2 <- mlnmf:::permutation_errors(fit, Y, orders)
  expect_equal(r2$error, apply(orders, 2, function(o) ref_error(fit, Y, o)),
               tolerance = 1e-10)
  ## decreasing ranks: only equal shapes move
  fit2 <- fake_fit(9, 30, c(7, 5, 5, 5, 3, 3, 3))
  o2 <- cbind(c(1, 2, 4, 3, 5, 6, 7), c(1:5, 7, 6), c(1, 2, 4, 3, 5, 7, 6))
  r3 <- mlnmf:::permutation_errors(fit2, fit2$data, o2)
  expect_equal(r3$error, apply(o2, 2, function(o) ref_error(fit2, fit2$data, o)),
               tolerance = 1e-10)
})

test_that("the C entry point rejects malformed input", {
  fit <- fake_fit(5, 20, c(4, 4, 3))
  X <- fit$data
  G <- fit$G[[3]]
  call <- function(...) .Call(mlnmf:::C_mlnmf_permute, ..., NULL)
  expect_error(call(X, fit$F, G, matrix(c(1L, 2L, 4L))), "outside 1..3")
  expect_error(call(X, fit$F, G, matrix(c(1L, 3L, 2L))),
               "puts layer 3 \\(4 x 3\\) at position 2 \\(4 x 4\\)")
  expect_error(call(X, fit$F, G, 1:4), "one row per layer")
  expect_error(call(X, list(), G, 1:3), "non-empty list")
  expect_error(call(X, list(fit$F[[1]], "a", fit$F[[3]]), G, 1:3),
               "'F\\[\\[2\\]\\]' must be a double matrix")
  expect_error(call(X, fit$F[c(1, 3, 2)], G, 1:3), "'F\\[\\[3\\]\\]' has 4 rows, the chain needs 3")
  expect_error(call(X, fit$F, t(G), 1:3), "'G' must be 3 x 20")
  expect_error(call(1:3, fit$F, G, 1:3), "'X' must be a double matrix")
  expect_error(call(X * 0, fit$F, G, 1:3), "no positive entry")
})

test_that("the same seed gives the same table and the user's stream is kept", {
  fit <- fake_fit(5, 30, rep(5, 30))
  a <- permutation_test(fit, seed = 7, reps = 5)
  b <- permutation_test(fit, seed = 7, reps = 5)
  expect_identical(a, b)
  expect_false(identical(a$moved, permutation_test(fit, seed = 8, reps = 5)$moved))
  set.seed(123)
  u1 <- runif(3)
  set.seed(123)
  invisible(permutation_test(fit, seed = 99, reps = 2))
  expect_identical(runif(3), u1)
  ## no seed: the current stream decides
  set.seed(5)
  c1 <- permutation_test(fit, reps = 2)
  set.seed(5)
  c2 <- permutation_test(fit, reps = 2)
  expect_identical(c1, c2)
  ## no .Random.seed before the call: none after it
  old <- get(".Random.seed", envir = globalenv())
  rm(".Random.seed", envir = globalenv())
  invisible(permutation_test(fit, seed = 1, reps = 1))
  expect_false(exists(".Random.seed", envir = globalenv(), inherits = FALSE))
  assign(".Random.seed", old, envir = globalenv())
})

test_that("the table is tidy and every permutation really changes the order", {
  fit <- fake_fit(5, 30, rep(5, 60))
  pt <- permutation_test(fit, fraction = c(0.05, 0.1, 0.2, 1), reps = 6, seed = 2)
  expect_s3_class(pt, c("mlnmf_permutation", "data.frame"))
  expect_identical(names(pt), c("block", "fraction", "rep", "n_moved", "moved",
                                "order", "error", "mse", "rel_error", "unpermuted"))
  expect_identical(nrow(pt), 3L * 4L * 6L)
  expect_identical(levels(pt$block), c("A1", "A2", "A3"))
  expect_identical(attr(pt, "blocks"),
                   list(A1 = 1:20, A2 = 21:40, A3 = 41:60))
  ## 20 eligible layers per block: max(2, round(f * 20))
  expect_identical(pt$n_moved, as.integer(rep(c(2, 2, 4, 20), each = 6, times = 3)))
  for (i in seq_len(nrow(pt))) {
    pos <- as.integer(strsplit(pt$moved[i], ",")[[1]])
    o <- as.integer(strsplit(pt$order[i], ",")[[1]])
    expect_true(all(pos != o))
    expect_setequal(o, pos)
    expect_true(all(pos %in% attr(pt, "blocks")[[pt$block[i]]]))
    full <- seq_len(60)
    full[pos] <- o
    expect_equal(pt$error[i], ref_error(fit, fit$data, full), tolerance = 1e-10)
  }
  expect_equal(pt$rel_error, sqrt(pt$error / sum(fit$data^2)), tolerance = 1e-12)
  expect_equal(pt$unpermuted, rep(ref_error(fit, fit$data, 1:60), nrow(pt)),
               tolerance = 1e-10)
})

test_that("only layers of identical shape trade places (decreasing ranks)", {
  ranks <- c(8, 6, 6, 6, 4, 4, 4, 4, 4)
  fit <- fake_fit(10, 30, ranks)
  ## shapes: 10x8, 8x6, 6x6, 6x6, 6x4, 4x4, 4x4, 4x4, 4x4
  pt <- permutation_test(fit, groups = 1, fraction = c(0.2, 0.5, 1), reps = 15,
                         seed = 3)
  expect_identical(attr(pt, "eligible"), list(A1 = c(3L, 4L, 6L, 7L, 8L, 9L)))
  shape <- vapply(fit$F, function(f) paste(dim(f), collapse = "x"), "")
  for (i in seq_len(nrow(pt))) {
    pos <- as.integer(strsplit(pt$moved[i], ",")[[1]])
    o <- as.integer(strsplit(pt$order[i], ",")[[1]])
    expect_identical(shape[o], shape[pos])
    expect_true(all(table(shape[pos]) >= 2L))
    expect_true(all(pos != o))
  }
  expect_identical(pt$n_moved[pt$fraction == 1], rep(6L, 15))
  ## thirds: only the last block has two layers of one shape
  expect_warning(pt3 <- permutation_test(fit, seed = 1, reps = 2),
                 "blocks A1, A2 have no two layers of the same shape")
  expect_identical(attr(pt3, "eligible"),
                   list(A1 = integer(0), A2 = integer(0), A3 = 7:9))
  expect_identical(unique(as.character(pt3$block)), "A3")
  expect_warning(permutation_test(fake_fit(10, 30, c(8, 6, 6, 4, 4, 4)),
                                  groups = 2, seed = 1, reps = 1),
                 "block A1 has no two layers of the same shape")
  expect_error(permutation_test(fake_fit(10, 30, c(8, 6, 4))),
               "no block has two layers of the same shape")
})

test_that("arguments are validated with messages naming them", {
  fit <- fake_fit(3, 20, rep(3, 6))
  expect_error(permutation_test(fit, fraction = 0), "'fraction' must be in \\(0, 1\\]: got 0")
  expect_error(permutation_test(fit, fraction = c(0.1, 1.5)), "'fraction' must be in \\(0, 1\\]: got 1.5")
  expect_error(permutation_test(fit, fraction = -0.1), "'fraction' must be in")
  expect_error(permutation_test(fit, fraction = "a"), "'fraction' must be a numeric vector")
  expect_error(permutation_test(fit, fraction = NA_real_), "'fraction' must be a numeric vector")
  expect_error(permutation_test(fit, groups = 0), "'groups' must be a single whole number >= 1")
  expect_error(permutation_test(fit, groups = 7),
               "'groups' must be at most the number of layers \\(6\\), not 7")
  expect_error(permutation_test(fit, reps = 0), "'reps' must be a single whole number >= 1")
  expect_error(permutation_test(fit, seed = 1.5), "'seed' must be NULL or a single whole number")
  expect_error(permutation_test(fit, seed = "a"), "'seed' must be NULL or a single whole number")
  expect_error(permutation_test(list(F = 1)), "'fit' must be a fit returned by mlnmf")
  expect_error(permutation_test(fit, X = fit$data[, -1]),
               "'X' must be 3 x 20 like the data of the fit, not 3 x 19")
  expect_error(permutation_test(fit, X = -fit$data), "'X' must be nonnegative")
  nod <- fit
  nod$data <- NULL
  expect_error(permutation_test(nod), "'fit' was made with keep.data = FALSE: give the data as 'X'")
  expect_s3_class(permutation_test(nod, X = fit$data, reps = 1, seed = 1),
                  "mlnmf_permutation")
  set.seed(1)
  one <- nmf(matrix(runif(40), 5, 8), rank = 2)
  expect_error(permutation_test(one), "'fit' has a single layer")
})

test_that("print, summary and plot work", {
  fit <- fake_fit(5, 30, rep(5, 12))
  pt <- permutation_test(fit, reps = 4, seed = 1)
  out <- capture.output(print(pt))
  expect_match(out[1], "12 layers in 3 blocks, 4 permutations")
  expect_true(any(grepl("A1: layers 1-4, 4 eligible", out)))
  expect_true(any(grepl("Unpermuted", out)))
  sm <- summary(pt)
  expect_identical(nrow(sm), 12L)
  expect_identical(names(sm), c("block", "fraction", "n", "mean", "sd", "min",
                                "q25", "median", "q75", "max", "mean_mse",
                                "median_mse", "mean_rel_error", "unpermuted"))
  expect_equal(sm$mean_mse, sm$mean / (5 * 30), tolerance = 1e-12)
  expect_true(any(grepl("per entry", out)))
  expect_equal(sm$mean[sm$block == "A2" & sm$fraction == 0.1],
               mean(pt$error[pt$block == "A2" & pt$fraction == 0.1]),
               tolerance = 1e-12)
  expect_identical(sm$n, rep(4L, 12))
  expect_true(all(sm$min <= sm$median & sm$median <= sm$max))
  ## a subset keeps the class but not the attributes: printed as a data frame
  expect_output(print(pt[1:2, ]), "block")
  pdf(NULL)
  on.exit(dev.off())
  expect_identical(plot(pt), pt)
  expect_silent(plot(pt, type = "boxplot", measure = "rel_error"))
  expect_silent(plot(pt[pt$block == "A3", ], log = ""))
  expect_error(plot(pt, type = "pie"), "'type' must be one of")
  expect_silent(plot(pt, measure = "mse"))
})

test_that("the mean squared error per entry is the squared error over d N, from plain R products", {
  fit <- fake_fit(6, 40, rep(6, 9))
  X <- fit$data
  pt <- permutation_test(fit, reps = 3, seed = 4)
  for (i in seq_len(nrow(pt))) {
    o <- seq_len(9)
    o[as.integer(strsplit(pt$moved[i], ",")[[1]])] <-
      as.integer(strsplit(pt$order[i], ",")[[1]])
    Xhat <- Reduce(`%*%`, c(fit$F[o], list(fit$G[[9]])))
    expect_equal(pt$mse[i], mean((X - Xhat)^2), tolerance = 1e-10)
  }
  base <- attr(pt, "unpermuted")
  expect_equal(base[["mse"]],
               mean((X - Reduce(`%*%`, c(fit$F, list(fit$G[[9]]))))^2),
               tolerance = 1e-10)
  expect_identical(attr(pt, "entries"), 240)
})

test_that("fraction_of = 'layers' takes the fraction of all L layers", {
  fit <- fake_fit(4, 20, rep(4, 60))       # thirds of 20 layers, all eligible
  pb <- permutation_test(fit, fraction = c(0.05, 0.1, 0.2), reps = 4, seed = 1)
  pl <- permutation_test(fit, fraction = c(0.05, 0.1, 0.2), reps = 4, seed = 1,
                         fraction_of = "layers")
  ## of a block: max(2, round(f * 20)) = 2, 2, 4; of all: round(f * 60) = 3, 6, 12
  expect_identical(pb$n_moved, as.integer(rep(rep(c(2, 2, 4), each = 4), 3)))
  expect_identical(pl$n_moved, as.integer(rep(rep(c(3, 6, 12), each = 4), 3)))
  expect_identical(attr(pl, "protocol")$fraction_of, "layers")
  ## more than a block holds: capped at the block's eligible layers
  pc <- permutation_test(fit, fraction = 0.5, reps = 2, seed = 1, fraction_of = "layers")
  expect_identical(pc$n_moved, rep(20L, 6))
  expect_error(permutation_test(fit, fraction_of = "thirds"),
               "'fraction_of' must be one of \"block\", \"layers\"")
})

test_that("move_all = FALSE shuffles the drawn layers, which may stay in place", {
  fit <- fake_fit(4, 20, rep(4, 30))
  pt <- permutation_test(fit, groups = 1, fraction = 0.1, reps = 400, seed = 2,
                         move_all = FALSE)
  ## 3 layers drawn, uniformly shuffled: P(0 moved) = 1/6, P(2) = 1/2, P(3) = 1/3
  tabm <- table(factor(pt$n_moved, levels = 0:3)) / 400
  expect_identical(unname(tabm[["1"]]), 0)
  expect_equal(unname(as.vector(tabm[c("0", "2", "3")])), c(1/6, 1/2, 1/3),
               tolerance = 0.3)
  still <- pt$n_moved == 0
  expect_true(all(pt$moved[still] == ""))
  expect_equal(pt$error[still], pt$unpermuted[still], tolerance = 1e-12)
  expect_false(attr(pt, "protocol")$move_all)
  ## move_all = TRUE: every drawn layer moves, always 3
  pm <- permutation_test(fit, groups = 1, fraction = 0.1, reps = 50, seed = 2)
  expect_identical(unique(pm$n_moved), 3L)
  expect_error(permutation_test(fit, move_all = NA), "'move_all' must be TRUE or FALSE")
})

test_that("min_moved sets the least number of layers drawn", {
  fit <- fake_fit(4, 20, rep(4, 30))         # thirds of 10 eligible layers
  p1 <- permutation_test(fit, fraction = 0.05, reps = 30, seed = 3,
                         min_moved = 1, move_all = FALSE)
  ## round(0.05 * 10) = 1 layer drawn, shuffled alone: nothing moves
  expect_identical(unique(p1$n_moved), 0L)
  expect_equal(p1$error, p1$unpermuted, tolerance = 1e-12)
  ## move_all = TRUE gives a lone drawn layer a partner
  p2 <- permutation_test(fit, fraction = 0.05, reps = 5, seed = 3, min_moved = 1)
  expect_identical(unique(p2$n_moved), 2L)
  p5 <- permutation_test(fit, fraction = 0.05, reps = 5, seed = 3, min_moved = 5)
  expect_identical(unique(p5$n_moved), 5L)
  expect_identical(attr(p5, "protocol")$min_moved, 5L)
  expect_error(permutation_test(fit, min_moved = 0), "'min_moved' must be a single whole number >= 1")
  expect_error(permutation_test(fit, reps = 2e6), "'reps' must be at most 1000000")
  ## the table is bounded by memory (an estimate, before any drawing)
  expect_error(permutation_test(fit, reps = 1e6, fraction = seq(0.01, 1, by = 0.01)),
               "the table would take about .* GiB, more than the limit of 2 GiB \\(option 'mlnmf.max_bytes'\\)")
  op <- options(mlnmf.max_bytes = 1e4)
  on.exit(options(op), add = TRUE)
  expect_error(permutation_test(fit, reps = 100), "more than the limit of 9.77 KiB")
  options(op)
  expect_s3_class(permutation_test(fit, reps = 100, seed = 1), "mlnmf_permutation")
})

test_that("summary works when a block is left out (issue 15, defect 5)", {
  set.seed(1)
  f <- suppressWarnings(mlnmf(simulate_gaussian_mixture(40, 24), 3, 6, maxit = 50))
  expect_warning(pt <- permutation_test(f, reps = 3, seed = 1), "block A1 has no two layers")
  sm <- summary(pt)
  expect_identical(as.character(sm$block), rep(c("A2", "A3"), 4))
  expect_identical(sm$fraction, rep(c(0.05, 0.1, 0.15, 0.2), each = 2))
  expect_identical(sm$n, rep(3L, 8))
  expect_equal(sm$mean[5], mean(pt$error[pt$block == "A2" & pt$fraction == 0.15]),
               tolerance = 1e-12)
  expect_output(print(pt), "A2")
  ## a hand-made subset without attributes
  sub <- pt[pt$block == "A3" & pt$fraction == 0.1, ]
  expect_identical(nrow(summary(sub)), 1L)
})

test_that("the C routine refuses orders that are not permutations (issue 15, defect 8)", {
  fit <- fake_fit(5, 20, rep(5, 4))
  call <- function(o) .Call(mlnmf:::C_mlnmf_permute, fit$data, fit$F,
                            fit$G[[4]], o, NULL)
  expect_error(call(matrix(c(1L, 1L, 3L, 4L))),
               "'orders' column 1 is not a permutation of 1..4: layer 1 appears twice")
  expect_error(call(cbind(1:4, c(2L, 1L, 4L, 4L))),
               "'orders' column 2 is not a permutation of 1..4: layer 4 appears twice")
  expect_equal(call(cbind(1:4, c(2L, 1L, 4L, 3L)))$error,
               c(ref_error(fit, fit$data, 1:4), ref_error(fit, fit$data, c(2, 1, 4, 3))),
               tolerance = 1e-10)
})

test_that("a long permutation test stops at an interrupt (issue 15, defect 9)", {
  ## under the sanitizers or valgrind everything is many times slower
  bound <- if (nzchar(Sys.getenv("MLNMF_CHECK_TOOL"))) 120 else 1.5
  fit <- fake_fit(6, 40, rep(6, 200))
  ## 1e5 reps: 1.2e6 permutations, about 25 s of work uninterrupted, and a
  ## result of about 35 MB allocated up front (1e6 reps made it 336 MB, and
  ## a full garbage collection of the suite's heap for it took more CPU
  ## than the bound on its own)
  ## CPU time, not the wall clock: a loaded shared machine must not fail it
  cpu <- function() sum(proc.time()[c("user.self", "sys.self")])
  run <- function() {
    on.exit(setTimeLimit(cpu = Inf, elapsed = Inf), add = TRUE)
    t0 <- cpu()
    setTimeLimit(cpu = 0.3, transient = TRUE)
    err <- tryCatch({ permutation_test(fit, reps = 1e5, seed = 1); NULL },
                    error = function(e) e)
    setTimeLimit(cpu = Inf, elapsed = Inf)
    list(error = err, seconds = cpu() - t0)
  }
  set.seed(77)
  u <- runif(2)
  set.seed(77)
  r <- run()
  expect_s3_class(r$error, "error")
  expect_match(conditionMessage(r$error), "time limit")
  expect_lt(r$seconds, bound)
  ## the caller's stream was restored on the way out of the interrupted call
  expect_identical(runif(2), u)
  ## the next call works
  expect_s3_class(permutation_test(fit, reps = 1, seed = 1), "mlnmf_permutation")
})

test_that("chunked evaluation gives the same table as one chunk", {
  fit <- fake_fit(5, 30, rep(5, 12))
  a <- permutation_test(fit, reps = 30, seed = 9)
  old <- mlnmf:::perm_chunk
  ns <- asNamespace("mlnmf")
  unlockBinding("perm_chunk", ns)
  assign("perm_chunk", 12 * 7, envir = ns)          # 7 permutations per call
  on.exit({ assign("perm_chunk", old, envir = ns); lockBinding("perm_chunk", ns) })
  b <- permutation_test(fit, reps = 30, seed = 9)
  expect_identical(a$moved, b$moved)
  expect_equal(a$error, b$error, tolerance = 1e-12)
})
