#!/bin/sh
# The issue 14 targets (bench/README.md, "Summary, issue 14"): equal error on
# noisy and bench data, the sparse shapes with 1 and 2 threads, memory in
# depth, fine-tuning, restarts, and the Figure 1 experiment with OpenBLAS.
# Run bench/setup.sh first.  About 25 minutes on a 2-core machine.
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
run "$OPEN" 1 noisy.R
run "$OPEN" 1 sparse.R          # 1 and 2 threads, each fit in a fresh process
run "$REF" 1 memory.R BENCH_MEM_PART=depth
run "$OPEN" 1 finetune.R
run "$OPEN" 1 restarts.R
run "$OPEN" 1 figure1.R BENCH_FIG1_BLAS=OpenBLAS
exit $status
