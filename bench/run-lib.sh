# Shared by run-all.sh and run-issue14.sh (sourced from bench/): the two
# BLAS paths and run(), which starts one script in its own R process with
# the BLAS chosen by R_LD_LIBRARY_PATH and the given thread count.
ARCH=/usr/lib/x86_64-linux-gnu
export R_LIBS=${MLNMF_LIB:-/tmp/lib_bench}
REF=$ARCH/blas:$ARCH/lapack:/usr/lib/R/lib
OPEN=$ARCH/openblas-pthread:/usr/lib/R/lib
status=0
run() {  # run BLASPATH THREADS script [VAR=value ...]
    path=$1; th=$2; script=$3; shift 3
    echo "== $script ($path, $th threads) $*"
    env R_LD_LIBRARY_PATH="$path" OPENBLAS_NUM_THREADS="$th" OMP_NUM_THREADS="$th" "$@" \
        Rscript "$script" || { echo "FAILED: $script"; status=1; }
}
