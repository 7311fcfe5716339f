## Markdown tables of bench/threads.sh's results (/tmp/threads-[123].rds or
## the files given), with the verdicts computed from the numbers.
##   Rscript bench/threads-table.R [files]
f <- commandArgs(TRUE)
if (!length(f)) f <- sprintf("/tmp/threads-%d.rds", 1:3)
r <- lapply(f, readRDS)
md <- function(d) {
  cat("| ", paste(names(d), collapse = " | "), " |\n", sep = "")
  cat("|", paste(rep("---", ncol(d)), collapse = "|"), "|\n", sep = "")
  for (i in seq_len(nrow(d)))
    cat("| ", paste(vapply(d[i, ], as.character, ""), collapse = " | "), " |\n", sep = "")
  cat("\n")
}
s <- do.call(rbind, lapply(r, `[[`, "solvers"))
if (is.null(s) || !nrow(s)) {          # BENCH_ONLY=none: the fixed costs only
  md(do.call(rbind, lapply(r, `[[`, "fixed")))
  quit(save = "no")
}
s$verdict <- ifelse(grepl("reference", s$blas),
                    ifelse(s$`t1 / t2` >= 1.6, "2 threads >= 1.6x: met", "2 threads >= 1.6x: missed"),
                    ifelse(s$`t1 / t2` >= 0.95, "not slower at 2 (within 5%)",
                           "slower at 2"))
## a ratio of two thread counts means nothing while other processes hold
## the cores: no verdict above a 1-minute load average of 2.5 on 2 cores
## (the benchmark's own two threads make up to 2 of it)
busy <- as.numeric(sub(" .*", "", s$load)) > 2.5
s$verdict[busy] <- "not interpretable: machine busy"
s$`ms/it, threads 1`[s$`ms/it, threads 1` < 0] <- NA   # t(11) < t(1): noise
md(s)
fx <- do.call(rbind, lapply(r, `[[`, "fixed"))
md(fx)
