## Builds data/golub.rda from the NMF package's esGolub (run from the
## package root; needs the NMF package, e.g. Debian's r-cran-nmf, and its
## dependency Biobase).  Keeps the 500 genes with the largest standard
## deviation of the expression values across the 38 samples.
suppressPackageStartupMessages(library(Biobase))
data(esGolub, package = "NMF")
X <- exprs(esGolub)
keep <- order(apply(X, 1L, sd), decreasing = TRUE)[1:500]
expr <- X[keep, ]
stopifnot(all(expr == round(expr)), all(expr >= 0))
storage.mode(expr) <- "integer"
type <- factor(ifelse(esGolub$ALL.AML == "AML", "AML",
                      paste("ALL", as.character(esGolub$Cell))),
               levels = c("ALL B-cell", "ALL T-cell", "AML"))
names(type) <- colnames(expr)
desc <- as.character(fData(esGolub)$Description)[keep]
golub <- list(expr = expr, type = type,
              genes = data.frame(probe = rownames(expr), description = desc,
                                 stringsAsFactors = FALSE))
dir.create("data", showWarnings = FALSE)
save(golub, file = "data/golub.rda", compress = "xz")
cat(sprintf("golub: %d genes x %d samples; NMF %s\n", nrow(expr), ncol(expr),
            packageVersion("NMF")))
print(table(type))
