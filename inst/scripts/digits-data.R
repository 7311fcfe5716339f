## Builds data/digits.rda: 500 of the UCI optical handwritten digits (the
## first 50 of each digit 0-9, in file order) as a 64 x 500 integer matrix,
## one column per image, one row per pixel.
##
## Source file: the copy of the UCI test set (optdigits.tes, 1797 images,
## 8 x 8 pixels, 17 grey levels 0..16, last column the digit) that ships with
## scikit-learn as sklearn/datasets/data/digits.csv.gz; here from Debian's
## python3-sklearn 1.2.1+dfsg-1 (apt-get install python3-sklearn):
##     /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
## Dataset: E. Alpaydin and C. Kaynak (1998), Optical Recognition of
## Handwritten Digits, UCI Machine Learning Repository, licence CC BY 4.0.
##
## Run from the package root:  Rscript inst/scripts/digits-data.R [path]
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args)) args[1L] else
  "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
raw <- as.matrix(read.csv(gzfile(src), header = FALSE))
stopifnot(ncol(raw) == 65L, nrow(raw) == 1797L, all(raw == round(raw)),
          all(raw[, 1:64] >= 0 & raw[, 1:64] <= 16))
label <- raw[, 65L]
keep <- unlist(lapply(0:9, function(k) which(label == k)[1:50]))
digits <- t(raw[keep, 1:64])
storage.mode(digits) <- "integer"
## pixel p = 8 (row - 1) + column of the image: the file lists each image row by row
dimnames(digits) <- list(sprintf("r%dc%d", rep(1:8, each = 8), rep(1:8, 8)),
                         paste(label[keep], rep(1:50, 10), sep = "."))
save(digits, file = file.path("data", "digits.rda"), compress = "xz")
cat(sprintf("saved data/digits.rda: %d x %d, %.1f KB; source rows %s ...\n",
            nrow(digits), ncol(digits), file.size(file.path("data", "digits.rda")) / 1024,
            paste(head(keep), collapse = ", ")))
