#!/bin/sh
# bench/threads.R under the three BLAS settings of issue 26: R's reference
# BLAS, OpenBLAS at its default thread count (all cores, as a user gets it)
# and OpenBLAS with one thread.  MLNMF_LIB: the library with mlnmf.
# Writes /tmp/threads-<n>.rds and prints the tables; bench/threads-table.R
# turns the .rds files into the README section.
cd "$(dirname "$0")/.." || exit 1
. bench/run-lib.sh
export R_LIBS=${MLNMF_LIB:-/tmp/lib_bench}
OUT=${BENCH_DIR:-/tmp}
echo "load before: $(cat /proc/loadavg)"
env R_LD_LIBRARY_PATH="$OPEN" BENCH_OUT=$OUT/threads-2.rds Rscript bench/threads.R "OpenBLAS, default threads" || status=1
env R_LD_LIBRARY_PATH="$REF" BENCH_OUT=$OUT/threads-1.rds Rscript bench/threads.R "reference" || status=1
env R_LD_LIBRARY_PATH="$OPEN" OPENBLAS_NUM_THREADS=1 BENCH_OUT=$OUT/threads-3.rds Rscript bench/threads.R "OpenBLAS, 1 thread" || status=1
echo "load after: $(cat /proc/loadavg)"
exit $status
