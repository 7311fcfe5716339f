#!/bin/sh
# Install what the benchmarks need: the peers (RcppML, NMF), bench (for
# mem_alloc) and OpenBLAS (pthread build).  Installing libopenblas0-pthread
# makes Debian's alternatives switch the machine's default BLAS to it; the
# previous default is put back, so only processes started with
# R_LD_LIBRARY_PATH (see run-all.sh) use OpenBLAS.
# Then installs mlnmf from this worktree into a private library
# (MLNMF_LIB, default /tmp/lib_bench).
set -e
cd "$(dirname "$0")/.."
ARCH=x86_64-linux-gnu
blas_before=$(readlink -f /usr/lib/$ARCH/libblas.so.3)
lapack_before=$(readlink -f /usr/lib/$ARCH/liblapack.so.3)
pkgs="r-cran-rcppml r-cran-nmf r-cran-bench libopenblas0-pthread"
if ! apt-get install -y $pkgs; then
    apt-get update && apt-get install -y $pkgs
fi
blas_after=$(readlink -f /usr/lib/$ARCH/libblas.so.3)
lapack_after=$(readlink -f /usr/lib/$ARCH/liblapack.so.3)
# put the default back if the install moved it (the alternative's link
# target is the unversioned .so.3 in the same folder)
if [ "$blas_before" != "$blas_after" ]; then
    update-alternatives --set libblas.so.3-$ARCH "$(dirname "$blas_before")/libblas.so.3"
fi
if [ "$lapack_before" != "$lapack_after" ]; then
    update-alternatives --set liblapack.so.3-$ARCH "$(dirname "$lapack_before")/liblapack.so.3"
fi
echo "default BLAS: $(readlink -f /usr/lib/$ARCH/libblas.so.3)"
test -d /usr/lib/$ARCH/openblas-pthread
LIB=${MLNMF_LIB:-/tmp/lib_bench}
mkdir -p "$LIB"
R CMD INSTALL -l "$LIB" .
