#!/bin/sh
# Run the benchmark suite with R's reference BLAS and with OpenBLAS, with 1
# and 2 threads, each in its own R process; every script appends its table
# to bench/README.md.  The BLAS is chosen per process with
# R_LD_LIBRARY_PATH (folders searched before /usr/lib/R/lib), never by
# changing the machine's default.  Run bench/setup.sh first.
# About 30 minutes on a 2-core machine.
cd "$(dirname "$0")"
. ./run-lib.sh
# equal quality: the NMF package (about 1 s per iteration, no BLAS-3) and
# the sparse-factor data only with OpenBLAS, 1 thread
run "$OPEN" 1 equal-quality.R BENCH_CAP=15 BENCH_NMF_ITER=10
run "$OPEN" 1 equal-quality.R BENCH_CAP=15 BENCH_NMF_ITER=0 BENCH_DATA=sparse
run "$OPEN" 2 equal-quality.R BENCH_CAP=15 BENCH_NMF_ITER=0
run "$REF" 1 equal-quality.R BENCH_CAP=15 BENCH_NMF_ITER=0
run "$REF" 2 equal-quality.R BENCH_CAP=15 BENCH_NMF_ITER=0
for p in "$OPEN" "$REF"; do for t in 1 2; do
    run "$p" "$t" blas-limit.R
done; done
run "$OPEN" 1 multilayer.R
run "$REF" 1 multilayer.R BENCH_NMF_LAYERS=0
run "$OPEN" 1 memory.R
# the Figure 1 experiment, once per BLAS (the script picks them itself)
run "$OPEN" 1 figure1.R
exit $status
