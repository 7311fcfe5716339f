## The 10x Genomics sparse layout written with rhdf5::h5write() (Debian's
## HDF5Array 1.26 writeTENxMatrix() fails), read back by HDF5Array::TENxMatrix().
write_tenx <- function(X, file, group = "matrix") {
  X <- methods::as(X, "CsparseMatrix")
  rhdf5::h5createFile(file)
  rhdf5::h5createGroup(file, group)
  w <- function(name, v) rhdf5::h5write(v, file, paste0(group, "/", name))
  w("data", as.integer(X@x))
  w("indices", as.integer(X@i))
  w("indptr", as.numeric(X@p))
  w("shape", as.integer(dim(X)))
  w("barcodes", if (is.null(colnames(X))) sprintf("cell%d", seq_len(ncol(X))) else colnames(X))
  rhdf5::h5closeAll()
  file
}

## A block source over an in-memory matrix (what R/bioc.R's block_source()
## builds for a DelayedMatrix), with a reader that may be altered.
mem_blocks <- function(X, bcols, reader = NULL) {
  if (is.null(reader)) reader <- function(j0, nc) X[, j0 + seq_len(nc), drop = FALSE]
  structure(list(reader, nrow(X), ncol(X), as.integer(bcols), FALSE,
                 new.env()), class = "mlnmf_blocks")
}
