#!/bin/sh
# bench/limit.R once per BLAS, each in its own R process, one BLAS thread.
# Usage (package root, mlnmf installed in $MLNMF_LIB or /tmp/lib_bench):
#   sh bench/run-limit.sh > /tmp/limit.out
cd "$(dirname "$0")" && . ./run-lib.sh
run "$REF" 1 limit.R
run "$OPEN" 1 limit.R
exit $status
