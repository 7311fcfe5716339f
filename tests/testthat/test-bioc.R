## Issue 21: SingleCellExperiment / Seurat objects in, embeddings back,
## DelayedMatrix data read in column blocks (src/xops_blocks.c).

## TENxMatrix() fails once another HDF5 object was opened in the session
## (Debian's HDF5Array 1.26): the 10x file is written and opened first.
test_that("a TENxMatrix is fitted from its sparse blocks, as in memory", {
  skip_if_not_installed("HDF5Array")
  skip_if_not_installed("rhdf5")
  set.seed(1)
  X <- Matrix::rsparsematrix(60, 500, 0.05, rand.x = function(n) rpois(n, 3) + 1)
  colnames(X) <- sprintf("c%d", 1:500)
  f <- write_tenx(X, tempfile(fileext = ".h5"))
  T <- HDF5Array::TENxMatrix(f)
  expect_true(DelayedArray::is_sparse(T))
  old <- DelayedArray::getAutoBlockSize()
  on.exit(suppressMessages(DelayedArray::setAutoBlockSize(old)))
  suppressMessages(DelayedArray::setAutoBlockSize(8 * 60 * 37))
  for (m in c("hals", "mu", "kl")) {
    g1 <- suppressWarnings(nmf(T, 5, method = m, seed = 1, maxit = 40))
    g2 <- suppressWarnings(nmf(X, 5, method = m, seed = 1, maxit = 40))
    expect_equal(g1$F[[1]], g2$F[[1]], tolerance = 1e-8)
    expect_equal(g1$G[[1]], g2$G[[1]], tolerance = 1e-8)
    expect_equal(g1$error, g2$error, tolerance = 1e-8)
    expect_true(g1$blocks$sparse)
    expect_identical(g1$blocks$block_cols, 37L)
    expect_lte(g1$blocks$max_cols, 37L)      # never more than one block
    expect_gt(g1$blocks$reads, 40)           # read again on every pass
  }
  expect_identical(colnames(g1$G[[1]]), colnames(X))
})

test_that("an HDF5Matrix gives the in-memory fit, predict() and finetune()", {
  skip_if_not_installed("HDF5Array")
  set.seed(2)
  D <- matrix(rexp(40 * 230), 40, dimnames = list(sprintf("g%d", 1:40), sprintf("c%d", 1:230)))
  H <- HDF5Array::writeHDF5Array(D, tempfile(fileext = ".h5"), "x", with.dimnames = TRUE)
  old <- DelayedArray::getAutoBlockSize()
  on.exit(suppressMessages(DelayedArray::setAutoBlockSize(old)))
  suppressMessages(DelayedArray::setAutoBlockSize(8 * 40 * 50))
  for (m in c("hals", "mu", "kl")) {
    g1 <- suppressWarnings(mlnmf(H, c(6, 3), method = m, seed = 3, maxit = 30))
    g2 <- suppressWarnings(mlnmf(D, c(6, 3), method = m, seed = 3, maxit = 30))
    for (i in 1:2) {
      expect_equal(g1$F[[i]], g2$F[[i]], tolerance = 1e-8)
      expect_equal(g1$G[[i]], g2$G[[i]], tolerance = 1e-8)
    }
    expect_equal(g1$error, g2$error, tolerance = 1e-8)
    expect_lte(g1$blocks$max_cols, 50L)
  }
  expect_identical(dimnames(g1$F[[1]])[[1]], rownames(D))
  expect_identical(colnames(g1$G[[2]]), colnames(D))
  ## the random start and the Gram start (min(dim) <= 4 (k + 10)) over blocks
  for (init in c("random", "nndsvda")) {
    g1 <- suppressWarnings(nmf(H, 4, init = init, seed = 4, maxit = 20))
    g2 <- suppressWarnings(nmf(D, 4, init = init, seed = 4, maxit = 20))
    expect_equal(g1$F[[1]], g2$F[[1]], tolerance = 1e-8)
  }
  ## a tall matrix: the Gram start over X^T X, column block by column block
  Ht <- HDF5Array::writeHDF5Array(t(D)[, 1:30], tempfile(fileext = ".h5"), "x")
  g1 <- suppressWarnings(nmf(Ht, 3, seed = 5, maxit = 10))
  g2 <- suppressWarnings(nmf(t(D)[, 1:30], 3, seed = 5, maxit = 10))
  expect_equal(g1$F[[1]], g2$F[[1]], tolerance = 1e-8, ignore_attr = TRUE)
  ## predict() and finetune() read the blocks too
  g1 <- suppressWarnings(mlnmf(H, c(6, 3), seed = 3, maxit = 30))
  g2 <- suppressWarnings(mlnmf(D, c(6, 3), seed = 3, maxit = 30))
  expect_equal(predict(g1, H), predict(g2, D), tolerance = 1e-8)
  f1 <- suppressWarnings(finetune(g1, maxit = 5))
  f2 <- suppressWarnings(finetune(g2, maxit = 5))
  expect_equal(f1$G[[2]], f2$G[[2]], tolerance = 1e-8)
  k1 <- suppressWarnings(finetune(g1, maxit = 3, method = "kl"))
  k2 <- suppressWarnings(finetune(g2, maxit = 3, method = "kl"))
  expect_equal(k1$error, k2$error, tolerance = 1e-8)
})

test_that("masks on a DelayedMatrix: the in-memory fit, dense and sparse blocks", {
  skip_if_not_installed("HDF5Array")
  set.seed(7)
  X <- matrix(rpois(40 * 300, 3), 40)
  storage.mode(X) <- "double"
  M <- matrix(runif(length(X)) < 0.1, 40)
  M[5, 290] <- FALSE
  XN <- X
  XN[M] <- NA
  XN[5, 290] <- NaN                     # in the last block
  MN <- is.na(XN)
  HN <- HDF5Array::writeHDF5Array(XN, tempfile(fileext = ".h5"), "x", chunkdim = c(40L, 25L))
  H <- HDF5Array::writeHDF5Array(X, tempfile(fileext = ".h5"), "x")
  S <- DelayedArray::DelayedArray(Matrix::Matrix(X * (X > 2), sparse = TRUE))
  expect_true(DelayedArray::is_sparse(S))
  old <- DelayedArray::getAutoBlockSize()
  on.exit(suppressMessages(DelayedArray::setAutoBlockSize(old)))
  suppressMessages(DelayedArray::setAutoBlockSize(8 * 40 * 70))
  same <- function(a, b) {
    expect_equal(a$F[[1]], b$F[[1]], tolerance = 1e-8)
    expect_equal(a$G[[1]], b$G[[1]], tolerance = 1e-8)
    expect_equal(a$error, b$error, tolerance = 1e-8)
    expect_equal(a$mask, b$mask)
    expect_lte(a$blocks$max_cols, 70L)
  }
  for (m in c("hals", "mu", "kl")) {
    fit <- function(D, mask) suppressWarnings(nmf(D, 4, method = m, seed = 1, maxit = 25, mask = mask))
    same(fit(HN, "NA"), fit(XN, "NA"))
    same(fit(HN, MN), fit(XN, MN))                               # NA inside the mask
    same(fit(H, M), fit(X, M))
    same(fit(S, M), fit(as(X * (X > 2), "CsparseMatrix"), M))    # sparse blocks
    Ms <- Matrix::Matrix(M, sparse = TRUE)
    same(fit(H, Ms), fit(X, Ms))
  }
  a <- suppressWarnings(mlnmf(HN, c(4, 2), seed = 2, maxit = 20, mask = "NA"))
  b <- suppressWarnings(mlnmf(XN, c(4, 2), seed = 2, maxit = 20, mask = "NA"))
  expect_equal(a$G[[2]], b$G[[2]], tolerance = 1e-8)
  expect_equal(predict(b, HN, mask = "NA"), predict(b, XN, mask = "NA"), tolerance = 1e-8)
  expect_equal(predict(b, H, mask = M), predict(b, X, mask = M), tolerance = 1e-8)
  ## what is refused: NA outside the mask, NA without a mask, mask = "zeros"
  expect_error(nmf(HN, 4, mask = M), "has \\d+ NA entries that 'mask' does not mark as missing")
  expect_error(nmf(HN, 4), "'X' must be finite: \\d+ entries are NA or NaN \\(give mask = \"NA\"")
  expect_error(nmf(S, 4, mask = "zeros"), "mask = \"zeros\" is not supported for a DelayedMatrix 'X'")
  Xi <- X
  Xi[1, 280] <- Inf
  Hi <- HDF5Array::writeHDF5Array(Xi, tempfile(fileext = ".h5"), "x")
  expect_error(nmf(Hi, 4, mask = M), "'X' must be finite: 1 entries are infinite in column block 4 of 5")
  ## (the fits of HN under mask = "NA" pass NA through the C reader, which
  ## checks the entries outside the mask only)
})

test_that("nmf_rank() on a DelayedMatrix holds out entries as in memory", {
  skip_if_not_installed("HDF5Array")
  set.seed(8)
  X <- matrix(rpois(30 * 200, 3), 30)
  storage.mode(X) <- "double"
  XN <- X
  XN[sample(length(X), 150)] <- NA
  H <- HDF5Array::writeHDF5Array(X, tempfile(fileext = ".h5"), "x")
  HN <- HDF5Array::writeHDF5Array(XN, tempfile(fileext = ".h5"), "x")
  old <- DelayedArray::getAutoBlockSize()
  on.exit(suppressMessages(DelayedArray::setAutoBlockSize(old)))
  suppressMessages(DelayedArray::setAutoBlockSize(8 * 30 * 45))
  withr_opt <- options(mlnmf.future = FALSE)
  on.exit(options(withr_opt), add = TRUE)
  a <- suppressWarnings(nmf_rank(H, 1:3, reps = 2, seed = 1, maxit = 40))
  b <- suppressWarnings(nmf_rank(X, 1:3, reps = 2, seed = 1, maxit = 40))
  expect_equal(a$table, b$table, tolerance = 1e-8)
  expect_equal(a$L2, b$L2, tolerance = 1e-12)
  ## mask = "NA": the same held-out draw as a sparse X (the NA entries are
  ## excluded from a draw over all entries)
  a <- suppressWarnings(nmf_rank(HN, 1:3, reps = 2, seed = 2, maxit = 40, mask = "NA"))
  b <- suppressWarnings(nmf_rank(as(XN, "CsparseMatrix"), 1:3, reps = 2, seed = 2,
                                 maxit = 40, mask = "NA"))
  expect_equal(a$table, b$table, tolerance = 1e-8)
  expect_equal(a$observed, sum(!is.na(XN)))
  ## consensus runs read the blocks too
  a <- suppressWarnings(nmf_rank(H, 2:3, reps = 1, seed = 3, maxit = 20, method = "kl", nrun = 3))
  b <- suppressWarnings(nmf_rank(X, 2:3, reps = 1, seed = 3, maxit = 20, method = "kl", nrun = 3))
  expect_equal(a$summary, b$summary, tolerance = 1e-8)
  expect_error(nmf_rank(H, 1:2, mask = "zeros"), "mask = \"zeros\" is not supported for a DelayedMatrix 'X'")
  expect_error(nmf_rank(H, 1:2, null = TRUE), "'null' = TRUE is not supported for a DelayedMatrix 'X'")
})

test_that("a DelayedMatrix with negative values in its last block is refused, naming the block", {
  skip_if_not_installed("HDF5Array")
  D <- matrix(runif(20 * 100), 20)
  D[3, 97] <- -1
  H <- HDF5Array::writeHDF5Array(D, tempfile(fileext = ".h5"), "x")
  old <- DelayedArray::getAutoBlockSize()
  on.exit(suppressMessages(DelayedArray::setAutoBlockSize(old)))
  suppressMessages(DelayedArray::setAutoBlockSize(8 * 20 * 30))
  sce <- SingleCellExperiment::SingleCellExperiment(list(logcounts = H))
  before <- sce
  expect_error(nmf(sce, 2),
               "assay \"logcounts\" of X' must be nonnegative: 1 entries are negative in column block 4 of 4 \\(columns 91 to 100\\)|'X' must be nonnegative: 1 entries are negative in column block 4 of 4 \\(columns 91 to 100\\)")
  expect_identical(sce, before)
  expect_error(add_reduced_dim(sce, 1), "'fit' must be a fit")
  expect_identical(SingleCellExperiment::reducedDimNames(sce), character(0))
  ## a non-numeric DelayedMatrix
  C <- DelayedArray::DelayedArray(matrix(letters[1:20], 4))
  expect_error(nmf(C, 2), "'X' must be a numeric DelayedMatrix, not one of type character")
})

test_that("the C block reader checks every block as it reads it", {
  set.seed(6)
  X <- matrix(runif(30 * 70), 30)
  W <- matrix(runif(30 * 3), 30); G <- matrix(runif(3 * 70), 3)
  opts <- list(method = 0L, init = 3L, normalize = 0L, maxit = 5L, tol = 0, eps = 1e-16,
               inner_max = 50L, inner_alpha = 0.5, inner_delta = 0.1, extrapolate = TRUE,
               verbose = 0L, threads = 1L, trace = TRUE, progress = FALSE,
               l1 = c(0, 0), l2 = c(0, 0))
  fit <- function(src) .Call(mlnmf:::C_mlnmf_fit, src, 3L, opts, list(W), list(G), NULL)
  opts$init <- 4L
  a <- fit(mem_blocks(X, 16))
  b <- fit(X)
  expect_equal(a$F[[1]], b$F[[1]], tolerance = 1e-10)
  neg <- mem_blocks(X, 16, function(j0, nc) {
    B <- X[, j0 + seq_len(nc), drop = FALSE]
    if (j0 + nc == 70) B[1, 1] <- -2
    B
  })
  expect_error(fit(neg), "column block 5 of 5 \\(columns 65 to 70\\) has the entry -2")
  wide <- mem_blocks(X, 16, function(j0, nc) X[, seq_len(nc + 1L), drop = FALSE])
  expect_error(fit(wide), "column block 1: the reader returned 30 x 17, not 30 x 16")
  bad <- mem_blocks(X, 16, function(j0, nc) "x")
  expect_error(fit(bad), "must return a double matrix or a dgCMatrix")
  sp <- Matrix::Matrix(X, sparse = TRUE)
  ssrc <- mem_blocks(X, 16, function(j0, nc) {
    B <- sp[, j0 + seq_len(nc), drop = FALSE]
    if (j0 == 16) B@i[1] <- 40L
    B
  })
  expect_error(fit(ssrc), "column block 2: the reader returned an invalid dgCMatrix")
})

test_that("a SingleCellExperiment: logcounts by default, sparse kept, same fit, dimnames", {
  skip_if_not_installed("SingleCellExperiment")
  set.seed(7)
  cnt <- Matrix::rsparsematrix(50, 120, 0.2, rand.x = function(n) rpois(n, 4) + 1)
  dimnames(cnt) <- list(sprintf("gene%d", 1:50), sprintf("cell%d", 1:120))
  lc <- log1p(cnt)
  sce <- SingleCellExperiment::SingleCellExperiment(
    list(counts = cnt, logcounts = lc),
    colData = data.frame(type = rep(c("A", "B", "C"), 40)))
  f1 <- nmf(sce, 4, seed = 1, maxit = 50)
  f2 <- nmf(lc, 4, seed = 1, maxit = 50)
  expect_equal(f1$F[[1]], f2$F[[1]], tolerance = 1e-10)
  expect_equal(f1$G[[1]], f2$G[[1]], tolerance = 1e-10)
  expect_true(f1$sparse)
  expect_true(methods::is(f1$data, "dgCMatrix"))
  expect_identical(rownames(f1$F[[1]]), rownames(sce))
  expect_identical(colnames(f1$G[[1]]), colnames(sce))
  expect_identical(f1$source, list(class = "SingleCellExperiment", assay = "logcounts", slot = NULL))
  f3 <- nmf(sce, 4, assay = "counts", seed = 1, maxit = 50)
  expect_equal(f3$F[[1]], nmf(cnt, 4, seed = 1, maxit = 50)$F[[1]], tolerance = 1e-10)
  ## without logcounts, the first assay
  se <- SummarizedExperiment::SummarizedExperiment(list(raw = cnt))
  expect_equal(nmf(se, 3, seed = 2, maxit = 20)$F[[1]],
               nmf(cnt, 3, seed = 2, maxit = 20)$F[[1]], tolerance = 1e-10)
  ## multilayer, restarts, predict and rank selection take the object too
  m1 <- mlnmf(sce, c(5, 2), nrun = 2, seed = 3, maxit = 40)
  m2 <- mlnmf(lc, c(5, 2), nrun = 2, seed = 3, maxit = 40)
  expect_equal(m1$G[[2]], m2$G[[2]], tolerance = 1e-10)
  expect_equal(predict(m1, sce), predict(m2, lc), tolerance = 1e-10)
  r1 <- nmf_rank(sce, 1:3, reps = 1, seed = 4, maxit = 30)
  r2 <- nmf_rank(lc, 1:3, reps = 1, seed = 4, maxit = 30)
  expect_equal(r1$table$test_error, r2$table$test_error, tolerance = 1e-10)
  ## bad input
  expect_error(nmf(sce, 2, assay = "tpm"),
               "'assay' must name an assay of 'X' \\(\"counts\", \"logcounts\"\\), not tpm")
  expect_error(nmf(sce, 2, slot = "data"), "'slot' is for a Seurat object")
  expect_error(nmf(sce, 2, samples = "rows"), "'samples' must be \"columns\" for a SingleCellExperiment")
  expect_error(nmf(lc, 2, assay = "counts"), "'assay' and 'slot' are for a SummarizedExperiment")
  chr <- SummarizedExperiment::SummarizedExperiment(list(a = matrix(letters[1:20], 4)))
  expect_error(nmf(chr, 2), "'assay \"a\" of X' must be a numeric matrix, not a character matrix")
})

test_that("add_reduced_dim() stores the embeddings and loadings of each layer", {
  skip_if_not_installed("SingleCellExperiment")
  set.seed(8)
  X <- matrix(rpois(40 * 90, 3), 40, dimnames = list(sprintf("g%d", 1:40), sprintf("c%d", 1:90)))
  sce <- SingleCellExperiment::SingleCellExperiment(list(counts = X),
                                                    colData = data.frame(type = rep(c("x", "y", "z"), 30)))
  f <- nmf(sce, 4, seed = 1, maxit = 30)
  out <- add_reduced_dim(sce, f)
  E <- SingleCellExperiment::reducedDim(out, "MLNMF")
  expect_identical(dim(E), c(90L, 4L))
  expect_equal(unname(E[, 1:4]), unname(t(f$G[[1]])), ignore_attr = TRUE)
  expect_identical(rownames(E), colnames(X))
  expect_equal(unname(attr(E, "basis")), unname(f$F[[1]]))
  expect_identical(rownames(attr(E, "basis")), rownames(X))
  m <- mlnmf(sce, c(5, 3, 2), seed = 1, maxit = 30)
  out <- add_reduced_dim(sce, m, name = "deep")
  expect_identical(SingleCellExperiment::reducedDimNames(out), c("deep_1", "deep_2", "deep_3"))
  B3 <- attr(SingleCellExperiment::reducedDim(out, "deep_3"), "basis")
  expect_equal(unname(B3), unname(m$F[[1]] %*% m$F[[2]] %*% m$F[[3]]))
  expect_error(add_reduced_dim(sce[, 1:10], f), "'fit' is for data of 40 x 90")
  expect_error(add_reduced_dim(X, f), "'x' must be a SingleCellExperiment or a Seurat object")
  se <- SummarizedExperiment::SummarizedExperiment(list(counts = X))
  expect_error(add_reduced_dim(se, f), "has no reduced dimensions")
  expect_error(add_reduced_dim(sce, f, name = ""), "'name' must be a single non-empty string")
  ## colours from a column of colData(x)
  h <- hierarchy(m, groups = "type")
  expect_identical(dim(h$composition[[1]]), c(5L, 3L))
  expect_equal(sum(h$composition[[2]]), 90)
  expect_equal(unname(colSums(h$composition[[3]])), c(30, 30, 30))
  pdf(NULL)
  on.exit(dev.off())
  expect_silent(plot(h))
  p <- plot(f, type = "factors", groups = "type")
  expect_identical(sort(p$col_order), 1:90)
  expect_true(all(diff(as.integer(factor(sce$type))[p$col_order]) >= 0))
  expect_error(hierarchy(m, groups = "nope"), "'groups' = \"nope\" is not a column of the cell metadata")
  expect_error(hierarchy(suppressWarnings(mlnmf(X, c(3, 2), maxit = 10)), groups = "type"),
               "not made from a SingleCellExperiment or Seurat object")
  expect_error(hierarchy(m, groups = 1:3), "'groups' must have one value per column of the data \\(90\\)")
  expect_identical(hierarchy(m, groups = sce$type)$composition, h$composition)
})

test_that("a Seurat v4 object: assay and slot, DimReduc back, v5 refused", {
  skip_if_not_installed("SeuratObject")
  env <- new.env()
  utils::data("pbmc_small", package = "SeuratObject", envir = env)
  pbmc <- env$pbmc_small
  M <- SeuratObject::GetAssayData(pbmc, slot = "data")
  f1 <- nmf(pbmc, 4, seed = 1, maxit = 40)
  f2 <- nmf(M, 4, seed = 1, maxit = 40)
  expect_equal(f1$F[[1]], f2$F[[1]], tolerance = 1e-10)
  expect_true(f1$sparse)
  expect_identical(rownames(f1$F[[1]]), rownames(pbmc))
  expect_identical(colnames(f1$G[[1]]), colnames(pbmc))
  fc <- nmf(pbmc, 3, slot = "counts", assay = "RNA", seed = 1, maxit = 20)
  expect_equal(fc$F[[1]], nmf(SeuratObject::GetAssayData(pbmc, slot = "counts"), 3,
                              seed = 1, maxit = 20)$F[[1]], tolerance = 1e-10)
  m <- mlnmf(pbmc, c(5, 3), seed = 2, maxit = 40)
  out <- add_reduced_dim(pbmc, m)
  expect_true(all(c("MLNMF_1", "MLNMF_2") %in% SeuratObject::Reductions(out)))
  E <- SeuratObject::Embeddings(out, "MLNMF_2")
  expect_equal(unname(E), unname(t(m$G[[2]])))
  Ld <- SeuratObject::Loadings(out, "MLNMF_2")
  expect_equal(unname(Ld), unname(m$F[[1]] %*% m$F[[2]]))
  expect_identical(rownames(E), colnames(pbmc))
  h <- hierarchy(m, groups = "RNA_snn_res.1")
  expect_equal(sum(h$composition[[1]]), ncol(pbmc))
  expect_error(nmf(pbmc, 2, assay = "ADT"), "'assay' must name an assay of 'X' \\(\"RNA\"\\)")
  expect_error(nmf(pbmc, 2, slot = "raw"), "'slot' must be one of \"data\", \"counts\", \"scale.data\"")
  v5 <- pbmc
  v5@version <- package_version("5.0.1")
  expect_error(nmf(v5, 2), "'X' is a Seurat v5 object \\(version 5.0.1\\)")
})

test_that("a block that survived a young-generation collection is freed by a full one", {
  ## free_last_block() runs before each read of a dense block of 16 MiB or
  ## more: a collection of the youngest generation, then a full one only when
  ## the cells in use have grown by more than half a block since the read
  ## before (that block was promoted by a collection while it was live)
  io <- new.env()
  io$full <- 0L
  cells <- 2e6
  mlnmf:::free_last_block(io, cells)
  expect_identical(io$full, 0L)
  floor0 <- io$floor
  ## a block still in use at the next read: the full collection is tried
  ## (deterministic: nothing can free it)
  held <- numeric(cells)
  held[1] <- 1
  mlnmf:::free_last_block(io, cells)
  expect_identical(io$full, 1L)
  expect_gte(io$floor - floor0, 0.9 * cells)
  rm(held)
  mlnmf:::free_last_block(io, cells)   # it is old garbage now
  floor1 <- io$floor
  ## a block promoted while it was live, garbage at the next read: freed
  ## there, by the young collection or by the full one after it
  blk <- numeric(cells)
  blk[1] <- 1
  invisible(gc(full = FALSE))
  rm(blk)
  mlnmf:::free_last_block(io, cells)
  expect_lt(io$floor, floor1 + cells / 2)
  ## dense blocks only, and only from 16 MiB on
  expect_true(mlnmf:::big_blocks(matrix(0, 1000, 1), 2100, FALSE))
  expect_false(mlnmf:::big_blocks(matrix(0, 1000, 1), 2000, FALSE))
  expect_false(mlnmf:::big_blocks(matrix(0, 1000, 1), 1e6, TRUE))
})
