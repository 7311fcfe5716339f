## Where single-cell data live: SummarizedExperiment / SingleCellExperiment
## (Bioconductor), Seurat v4 objects (SeuratObject), and DelayedMatrix data
## (HDF5Matrix, TENxMatrix, any DelayedArray backend) read in column blocks.
##
## Objects in: object_data() is the one conversion point, called by
## model_data() (R/samples.R) for mlnmf(), nmf(), nmf_rank(), the restarts
## and predict().  Features are the rows and cells the columns of every
## assay, so the cells are the observations (the columns of X); the matrix
## is taken as it is stored (a dgCMatrix stays sparse, a DelayedMatrix stays
## on disk).  None of these packages is imported: each is reached through
## requireNamespace() only when the user gives such an object.
##
## Results back: add_reduced_dim() stores each layer's cell embedding
## t(G_i) (cells x k_i) with the loadings F_1 ... F_i (genes x k_i) where
## each ecosystem looks for it: reducedDim(x, name) with attr "basis" (as
## scater's runNMF() does) or a Seurat DimReduc.

## isS4() first: methods::is() on a base matrix costs a class lookup
## (a tenth of a small fit's time)
is_se <- function(X) isS4(X) && methods::is(X, "SummarizedExperiment")
is_seurat <- function(X) inherits(X, "Seurat")
is_delayed <- function(X) isS4(X) && methods::is(X, "DelayedMatrix")

need_pkg <- function(pkg, what) {
  if (!requireNamespace(pkg, quietly = TRUE))
    stopf("%s needs the package '%s': install it", what, pkg)
}

## The data matrix of an object, with what the fit keeps about it:
## list(X = the matrix, source = list(class, assay, slot) or NULL,
## coldata = the cell metadata (data.frame) or NULL).  Anything that is not
## an object is returned as it is.
object_data <- function(X, assay = NULL, slot = NULL, arg = "X") {
  if (is_se(X)) return(se_data(X, assay, slot, arg))
  if (is_seurat(X)) return(seurat_data(X, assay, slot, arg))
  if (!is.null(assay) || !is.null(slot))
    stopf("'assay' and 'slot' are for a SummarizedExperiment, SingleCellExperiment or Seurat '%s', not %s",
          arg, describe(X))
  list(X = X, source = NULL, coldata = NULL)
}

se_data <- function(X, assay, slot, arg) {
  need_pkg("SummarizedExperiment", sprintf("'%s' (a %s)", arg, class(X)[1L]))
  if (!is.null(slot))
    stopf("'slot' is for a Seurat object; a %s takes 'assay' only", class(X)[1L])
  have <- SummarizedExperiment::assayNames(X)
  if (length(SummarizedExperiment::assays(X)) == 0L)
    stopf("'%s' has no assays: there is no data to factorize", arg)
  if (is.null(have)) have <- rep("", length(SummarizedExperiment::assays(X)))
  if (is.null(assay))
    assay <- if ("logcounts" %in% have) "logcounts" else if (nzchar(have[1L])) have[1L] else 1L
  else if (!(is.character(assay) && length(assay) == 1L && !is.na(assay) &&
             assay %in% have))
    stopf("'assay' must name an assay of '%s' (%s), not %s", arg,
          paste0("\"", have, "\"", collapse = ", "), short_value(assay))
  M <- SummarizedExperiment::assay(X, assay, withDimnames = TRUE)
  if (!is.matrix(M) && !methods::is(M, "Matrix") && !is_delayed(M))
    stopf("assay \"%s\" of '%s' must be a numeric matrix, a sparse Matrix or a DelayedMatrix, not %s",
          assay, arg, describe(M))
  list(X = M, source = list(class = class(X)[1L], assay = assay, slot = NULL),
       coldata = as.data.frame(SummarizedExperiment::colData(X)))
}

seurat_data <- function(X, assay, slot, arg) {
  need_pkg("SeuratObject", sprintf("'%s' (a Seurat object)", arg))
  v <- tryCatch(as.character(X@version), error = function(e) NA_character_)
  if (is.na(v) || utils::compareVersion(v, "5.0.0") >= 0 ||
      any(vapply(X@assays, inherits, NA, "Assay5")))
    stopf("'%s' is a Seurat v5 object (version %s): only the Seurat v4 API (SeuratObject 4) is supported; extract the matrix, e.g. SeuratObject::LayerData(x, layer = \"data\"), and give it to nmf()",
          arg, v)
  have <- names(X@assays)
  if (is.null(assay)) assay <- SeuratObject::DefaultAssay(X)
  else if (!(is.character(assay) && length(assay) == 1L && !is.na(assay) &&
             assay %in% have))
    stopf("'assay' must name an assay of '%s' (%s), not %s", arg,
          paste0("\"", have, "\"", collapse = ", "), short_value(assay))
  slots <- c("data", "counts", "scale.data")
  slot <- if (is.null(slot)) "data" else check_choice(slot, slots, "slot")
  M <- SeuratObject::GetAssayData(X, slot = slot, assay = assay)
  if (length(M) == 0L || nrow(M) == 0L)
    stopf("slot \"%s\" of assay \"%s\" of '%s' is empty", slot, assay, arg)
  list(X = M, source = list(class = "Seurat", assay = assay, slot = slot),
       coldata = X[[]])
}

## The cells of a fit as a factor: 'groups' is a vector with one value per
## cell, or the name of a column of the cell metadata of the object the fit
## was made from (colData(x) or x[[]], kept in the fit).
cell_groups <- function(groups, fit, N, arg = "groups") {
  if (is.character(groups) && length(groups) == 1L && N != 1L) {
    cd <- fit$coldata
    if (is.null(cd))
      stopf("'%s' = \"%s\" names a column of the cell metadata, but the fit was not made from a SingleCellExperiment or Seurat object: give one value per cell",
            arg, groups)
    if (!(groups %in% names(cd)))
      stopf("'%s' = \"%s\" is not a column of the cell metadata (%s)", arg, groups,
            paste(utils::head(names(cd), 10L), collapse = ", "))
    groups <- cd[[groups]]
  }
  if (!is.atomic(groups) && !is.factor(groups) || length(groups) != N)
    stopf("'%s' must have one value per column of the data (%d), or name a column of the cell metadata",
          arg, N)
  factor(groups)
}

## The colours of the groups, one per level.
group_colours <- function(g) {
  stats::setNames(hcl.colors(max(2L, nlevels(g)), "Dark 3")[seq_len(nlevels(g))],
                  levels(g))
}

add_reduced_dim <- function(x, fit, name = "MLNMF") {
  check_fit(fit, "fit")
  if (!is.character(name) || length(name) != 1L || is.na(name) || !nzchar(name))
    stopf("'name' must be a single non-empty string")
  if (!is_se(x) && !is_seurat(x))
    stopf("'x' must be a SingleCellExperiment or a Seurat object, not %s", describe(x))
  if (!is.null(fit$samples) && fit$samples != "columns")
    stopf("'fit' was made with samples = \"rows\": its columns are not the cells of 'x'")
  N <- ncol(fit$G[[1L]])
  if (ncol(x) != N || nrow(fit$F[[1L]]) != nrow(x))
    stopf("'fit' is for data of %d x %d, but 'x' has %d features and %d cells",
          nrow(fit$F[[1L]]), N, nrow(x), ncol(x))
  cn <- colnames(fit$G[[1L]])
  if (!is.null(cn) && !is.null(colnames(x)) && !identical(cn, colnames(x)))
    stopf("the cells of 'fit' (the column names of its G) are not those of 'x', in the same order")
  L <- fit$layers
  nm <- if (L == 1L) name else paste0(name, "_", seq_len(L))
  if (is_se(x)) {
    if (!methods::is(x, "SingleCellExperiment"))
      stopf("'x' is a %s, which has no reduced dimensions: convert it with as(x, \"SingleCellExperiment\")",
            class(x)[1L])
    need_pkg("SingleCellExperiment", "add_reduced_dim() on a SingleCellExperiment")
    for (i in seq_len(L)) {
      emb <- reduced_embedding(fit, i, colnames(x), rownames(x), "NMF")
      SingleCellExperiment::reducedDim(x, nm[i]) <- emb
    }
    return(x)
  }
  need_pkg("SeuratObject", "add_reduced_dim() on a Seurat object")
  assay <- if (!is.null(fit$source$assay) && identical(fit$source$class, "Seurat"))
    fit$source$assay else SeuratObject::DefaultAssay(x)
  for (i in seq_len(L)) {
    key <- paste0(gsub("[^A-Za-z0-9]", "", nm[i]), "_")
    if (key == "_") key <- paste0("MLNMF", i, "_")
    emb <- reduced_embedding(fit, i, colnames(x), rownames(x), key)
    basis <- attr(emb, "basis")
    attr(emb, "basis") <- NULL
    x[[nm[i]]] <- SeuratObject::CreateDimReducObject(
      embeddings = emb, loadings = basis, key = key, assay = assay)
  }
  x
}

## Layer i of a fit as cells x k_i, with the loadings F_1 ... F_i
## (features x k_i) as attribute "basis".
reduced_embedding <- function(fit, i, cells, features, prefix) {
  emb <- t(fit$G[[i]])
  basis <- prototypes(fit, i)
  cols <- paste0(prefix, seq_len(ncol(emb)))
  dimnames(emb) <- list(cells, cols)
  dimnames(basis) <- list(features, cols)
  storage.mode(emb) <- "double"
  attr(emb, "basis") <- basis
  emb
}

## ---- DelayedMatrix data, read in column blocks (src/xops_blocks.c)

## Columns per block: DelayedArray::getAutoBlockSize() bytes of doubles
## (100 MB by default), at least one column.
block_cols <- function(m, n) {
  bytes <- DelayedArray::getAutoBlockSize()
  as.integer(max(1, min(n, floor(bytes / (8 * m)))))
}

## What src/xops_blocks.c reads: list(reader, m, n, block columns) of
## class "mlnmf_blocks".  reader(j0, nc) returns columns j0 + 1 .. j0 + nc
## of X as a double matrix, or as a dgCMatrix when X is sparse on disk
## (TENxMatrix, ...), never densified.  Its environment counts the reads and
## the widest block asked for (fit$blocks).
block_source <- function(X) {
  sparse <- isTRUE(DelayedArray::is_sparse(X))
  io <- new.env(parent = emptyenv())
  io$reads <- 0
  io$max_cols <- 0L
  bc <- block_cols(nrow(X), ncol(X))
  big <- big_blocks(X, bc, sparse)
  io$full <- 0L
  reader <- function(j0, nc) {
    io$reads <- io$reads + 1
    io$max_cols <- max(io$max_cols, nc)
    if (big) free_last_block(io, nrow(X) * bc)
    read_cols(X, j0, nc, sparse)
  }
  structure(list(reader, nrow(X), ncol(X), bc,
                 sparse, io), class = "mlnmf_blocks")
}

read_cols <- function(X, j0, nc, sparse) {
  idx <- list(NULL, j0 + seq_len(nc))
  if (sparse) {
    b <- methods::as(DelayedArray::extract_sparse_array(X, idx), "CsparseMatrix")
    as_dgc(b, "X")
  } else {
    b <- DelayedArray::extract_array(X, idx)
    if (storage.mode(b) != "double") storage.mode(b) <- "double"
    b
  }
}

## f(block, j0, nc, b, nb) for the column blocks of X (b = 1 .. nb, or the
## 0-based block numbers in 'which'), each read by block_source()'s reader,
## which frees the block before it: a block is f's own, garbage once f
## returns.  The results of f as a list.
each_block <- function(X, f, which = NULL) {
  src <- block_source(X)
  bc <- src[[4L]]
  nb <- ceiling(ncol(X) / bc)
  if (is.null(which)) which <- seq_len(nb) - 1L
  lapply(which, function(b) {
    j0 <- b * bc
    nc <- min(bc, ncol(X) - j0)
    f(src[[1L]](j0, nc), j0, nc, b + 1L, nb)
  })
}

## Dense blocks of 16 MiB or more are freed before the next one is read.
## The block read before is garbage by then, but R's collector, whose
## trigger grows with the heap that HDF5Array and its dependencies hold
## (about 380 MB here), would free it only after the next read: two blocks
## would be held at once, the peak memory of an on-disk fit.  A collection
## of the youngest generation frees it (about 1.5 ms here, against 0.3 s for
## a full collection; bench/README.md, seventh round).
big_blocks <- function(X, bc, sparse) !sparse && 8 * nrow(X) * bc >= 2^24
free_last_block <- function(io, cells) {
  used <- gc(full = FALSE)[2L, 1L]
  if (!is.null(io$floor) && used - io$floor > cells / 2) {
    used <- gc(full = TRUE)[2L, 1L]
    io$full <- io$full + 1L
  }
  io$floor <- used
  invisible()
}

## The argument of a .Call for X: the block source of a DelayedMatrix, X
## itself otherwise.
x_arg <- function(X) if (is_delayed(X)) block_source(X) else X

## A DelayedMatrix checked block by block (numeric; finite, nonnegative,
## not all zero), never whole; the first bad block is named.  na_ok: NA and
## NaN entries are allowed (a mask may mark them as missing) and counted.
check_delayed <- function(X, arg = "X", allow_zero = FALSE, na_ok = FALSE) {
  scan_delayed(X, arg, allow_zero, na_ok)
  X
}

## The same, returning the number of NA and NaN entries.
scan_delayed <- function(X, arg = "X", allow_zero = FALSE, na_ok = FALSE) {
  need_pkg("DelayedArray", sprintf("'%s' (a DelayedMatrix)", arg))
  tp <- DelayedArray::type(X)
  if (!(tp %in% c("double", "integer", "logical")))
    stopf("'%s' must be a numeric DelayedMatrix, not one of type %s", arg, tp)
  if (nrow(X) == 0L || ncol(X) == 0L)
    stopf("'%s' must have at least one row and one column (it is %d x %d)",
          arg, nrow(X), ncol(X))
  cnt <- each_block(X, function(blk, j0, nc, b, nb) {
    cnt <- .Call(C_mlnmf_scan, if (is_sparse(blk)) blk@x else blk)
    where <- sprintf("in column block %d of %d (columns %d to %d)", b, nb, j0 + 1L, j0 + nc)
    if (cnt[2L] > 0 || (!na_ok && cnt[1L] > 0))
      stopf("'%s' must be finite: %.0f entries are %s %s", arg,
            if (na_ok) cnt[2L] else cnt[1L] + cnt[2L],
            if (na_ok) "infinite" else "NA, NaN or infinite", where)
    if (cnt[3L] > 0)
      stopf("'%s' must be nonnegative: %.0f entries are negative %s", arg, cnt[3L], where)
    cnt
  })
  pos <- sum(vapply(cnt, `[`, 0, 4L))
  n_na <- sum(vapply(cnt, `[`, 0, 1L))
  if (!allow_zero && pos == 0)
    stopf("'%s' is all zero: there is nothing to factorize", arg)
  n_na
}

## The NA and NaN entries of a DelayedMatrix as list(p, i) (the pattern of
## C_mlnmf_na_pattern), block by block.
na_pattern_delayed <- function(X) {
  parts <- each_block(X, function(blk, ...) .Call(C_mlnmf_na_pattern, blk))
  off <- cumsum(c(0, vapply(parts, function(q) length(q$i), 0)))
  p <- c(0L, unlist(lapply(seq_along(parts), function(b) parts[[b]]$p[-1L] + off[b])))
  list(p = as.integer(p), i = unlist(lapply(parts, `[[`, "i")))
}

## What the fit keeps about the blocks: their columns, how many were read,
## the widest one asked for.
block_info <- function(src) {
  if (!inherits(src, "mlnmf_blocks")) return(NULL)
  list(block_cols = src[[4L]], reads = src[[6L]]$reads,
       max_cols = src[[6L]]$max_cols, sparse = src[[5L]], collections = src[[6L]]$full)
}

## ||X - P G||_F / ||X||_F for a DelayedMatrix, one column block at a time.
rel_error_blocks <- function(X, P, G) {
  s <- Reduce(`+`, each_block(X, function(blk, j0, nc, ...) {
    B <- as.matrix(blk)
    c(sum(B^2), sum((B - P %*% G[, j0 + seq_len(nc), drop = FALSE])^2))
  }))
  sqrt(s[2L] / s[1L])
}
