## Builds data/rhelp.rda: a document-term matrix of R's own help pages (the
## title, description and details sections of every help page of the base,
## stats, graphics, grDevices and utils packages).  Run from the package
## root: Rscript inst/scripts/make-rhelp.R.  The counts depend on the R
## version the script runs under (recorded in attr(rhelp, "R.version")).
pkgs <- c("base", "stats", "graphics", "grDevices", "utils")
leaves <- function(x) {
  if (is.character(x)) return(paste(x, collapse = " "))
  tag <- attr(x, "Rd_tag")
  if (!is.null(tag) && tag %in% c("\\code", "\\link", "\\eqn", "\\deqn",
                                  "\\url", "\\href", "\\email", "\\var",
                                  "\\preformatted", "\\verb", "\\file",
                                  "\\samp", "\\pkg", "\\env", "\\option",
                                  "\\command", "\\dontrun", "USERMACRO"))
    return("")
  paste(vapply(x, leaves, ""), collapse = " ")
}
docs <- character(); pkg <- character(); nm <- character()
for (p in pkgs) {
  db <- tools::Rd_db(p)
  for (f in names(db)) {
    rd <- db[[f]]
    tags <- vapply(rd, function(e) attr(e, "Rd_tag"), "")
    if ("\\docType" %in% tags &&
        any(grepl("package|data", unlist(rd[tags == "\\docType"])))) next
    keep <- tags %in% c("\\title", "\\description", "\\details")
    docs <- c(docs, paste(vapply(rd[keep], leaves, ""), collapse = " "))
    pkg <- c(pkg, p)
    nm <- c(nm, sub("\\.Rd$", "", f))
  }
}
stop_words <- c("the", "a", "an", "of", "to", "and", "or", "in", "is", "are",
  "be", "for", "by", "with", "as", "on", "this", "that", "it", "its", "if",
  "from", "at", "which", "not", "can", "will", "these", "see", "also", "may",
  "used", "use", "using", "when", "been", "has", "have", "but", "such", "than",
  "there", "their", "they", "them", "other", "only", "all", "any", "one",
  "two", "so", "then", "into", "no", "more", "some", "each", "should", "must",
  "where", "how", "what", "was", "were", "given", "default", "function",
  "functions", "r", "argument", "arguments", "value", "values", "object",
  "objects", "details", "e", "g", "i", "x", "y", "n", "via", "does", "do",
  "etc", "whether", "would", "both", "most", "same", "way", "currently",
  "possible", "usually", "much", "many", "very", "note", "often", "here",
  "just", "between", "about", "within", "because", "while", "returns",
  "return", "returned", "specified", "set", "called", "call", "calls")
tok <- lapply(tolower(docs), function(s) {
  w <- strsplit(gsub("[^a-z]+", " ", s), " +")[[1L]]
  w <- w[nchar(w) >= 3L & !(w %in% stop_words)]
  sub("([^s])s$", "\\1", w)             # crude plural stemming (not "ss")
})
df <- table(unlist(lapply(tok, unique)))
vocab <- names(df)[df >= 15 & df <= 0.25 * length(docs)]
vocab <- names(sort(df[vocab], decreasing = TRUE))[seq_len(min(400L, length(vocab)))]
dtm <- vapply(tok, function(w) tabulate(match(w, vocab), length(vocab)),
              integer(length(vocab)))
dimnames(dtm) <- list(vocab, paste(pkg, nm, sep = "::"))
ok <- colSums(dtm) >= 5L
rhelp <- dtm[, ok]
storage.mode(rhelp) <- "integer"
attr(rhelp, "package") <- factor(pkg[ok], levels = pkgs)
attr(rhelp, "R.version") <- R.version.string
dir.create("data", showWarnings = FALSE)
save(rhelp, file = "data/rhelp.rda", compress = "xz")
cat(sprintf("rhelp: %d terms x %d help pages, %.1f%% nonzero\n", nrow(rhelp),
            ncol(rhelp), 100 * mean(rhelp > 0)))
print(table(attr(rhelp, "package")))
