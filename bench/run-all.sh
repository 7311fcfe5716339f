#!/bin/sh
# Run the benchmark suite with R's reference BLAS and with OpenBLAS, with 1
# and 2 threads, each in its own R process; every script appends its table
# to bench/README.md.  The BLAS is chosen per process with
# R_LD_LIBRARY_PATH (folders searched before /usr/lib/R/lib), never by
# changing the machine's default.  Run bench/setup.sh first.
# About 30 minutes on a 2-core machine.
cd "$(dirname "$0")"
ARCH=/usr/lib/x86_64-linux-gnu
export R_LIBS=${MLNMF_LIB:-/tmp/lib_bench}
REF=$ARCH/blas:$ARCH/lapack:/usr/lib/R/lib
OPEN=$ARCH/openblas-pthread:/usr/lib/R/lib
run() {  # run BLASPATH THREADS script [VAR=value ...]
    path=$1; th=$2; script=$3; shift 3
    echo "== $script ($path, $th threads) $*"
    env R_LD_LIBRARY_PATH="$path" OPENBLAS_NUM_THREADS="$th" OMP_NUM_THREADS="$th" "$@" \
        Rscript "$script" || { echo "FAILED: $script"; status=1; }
}
status=0
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
