#!/bin/sh
# The issue 14 targets (bench/README.md, "Summary, issue 14"): equal error on
# noisy and bench data, the sparse shapes with 1 and 2 threads, memory in
# depth, fine-tuning, restarts, and the Figure 1 experiment with OpenBLAS.
# Run bench/setup.sh first.  About 25 minutes on a 2-core machine.
cd "$(dirname "$0")"
. ./run-lib.sh
run "$OPEN" 1 noisy.R
run "$OPEN" 1 sparse.R          # 1 and 2 threads, each fit in a fresh process
run "$REF" 1 memory.R BENCH_MEM_PART=depth
run "$OPEN" 1 finetune.R
run "$OPEN" 1 restarts.R
run "$OPEN" 1 figure1.R BENCH_FIG1_BLAS=OpenBLAS
exit $status
