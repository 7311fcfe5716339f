#!/bin/sh
# tools/check-valgrind.sh: build mlnmf with -g -O0 and run it under valgrind
# memcheck with the reference BLAS/LAPACK.  Exits non-zero on any memcheck
# error (invalid read/write, use of uninitialised values, bad free) or any
# definitely lost block, and on any failing check in the scripts run.
#
#   tools/check-valgrind.sh         the representative subset (about 1 min):
#       tools/valgrind-cases.R      every C path: each method x init x
#                                   normalisation, given starts, Gram and
#                                   range-finder NNDSVD, one and several
#                                   blocks over X, 1 x N, N x 1, 1e+-300,
#                                   deep cascades, projection, step, every
#                                   C error path, interrupts of fit/predict
#       tools/gctorture-cases.R     each .Call under gctorture(TRUE)
#   FULL=1 tools/check-valgrind.sh  also every file of tests/testthat, each
#                                   in its own R process (JOBS of them at a
#                                   time, default 2): about 6 min
#   KEEP=1 ...                      keep the scratch folder and its logs
#
# valgrind needs the reference BLAS (optimised kernels confuse it); it is
# chosen for these R processes only through R_LD_LIBRARY_PATH (plain
# LD_LIBRARY_PATH is overridden by R's ldpaths).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mlnmf-vg.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "scratch kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
mkdir -p "$work/pkg" "$work/lib" "$work/logs"

command -v valgrind > /dev/null || { echo "check-valgrind: valgrind not found" >&2; exit 2; }

( cd "$root" && tar cf - --exclude=.git --exclude='*.o' --exclude='*.so' \
    --exclude='*.Rcheck' . ) | ( cd "$work/pkg" && tar xf - )

start=$(date +%s)
echo "== building with -g -O0 into $work/lib"
status=0
R_MAKEVARS_USER="$root/tools/Makevars.valgrind" \
  R CMD INSTALL --no-multiarch -l "$work/lib" "$work/pkg" > "$work/install.log" 2>&1 || status=$?
if [ $status -ne 0 ] || ! grep -q -- '-O0' "$work/install.log"; then
  cat "$work/install.log"
  echo "check-valgrind: FAILED to build the -O0 package (status $status)" >&2
  exit 1
fi

refblas=/usr/lib/x86_64-linux-gnu/blas
reflapack=/usr/lib/x86_64-linux-gnu/lapack
if [ -d "$refblas" ] && [ -d "$reflapack" ]; then
  export R_LD_LIBRARY_PATH="$refblas:$reflapack:/usr/lib/R/lib"
else
  echo "check-valgrind: warning: reference BLAS not found, using R's default BLAS"
fi
export MLNMF_LIB="$work/lib"
export MLNMF_CHECK_TOOL=valgrind
export VALGRIND_OPTS="--error-exitcode=42 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes"
Rscript --vanilla -e 'si <- sessionInfo(); cat("BLAS:", si$BLAS, "\nLAPACK:", si$LAPACK, "\n")'

# run one R script under valgrind; record a line "name rc errors lost"
run_vg() {
  name=$1; script=$2
  st=0
  R -d valgrind --vanilla -f "$script" > "$work/logs/$name.log" 2>&1 || st=$?
  errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$work/logs/$name.log" | tail -n 1)
  lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$work/logs/$name.log" | tail -n 1 | tr -d ,)
  echo "$name ${st} ${errs:-?} ${lost:-0}" >> "$work/results"
  echo "   $name: exit $st, ${errs:-?} memcheck errors, ${lost:-0} bytes definitely lost"
}

: > "$work/results"
echo "== valgrind: representative subset (tools/valgrind-cases.R)"
run_vg valgrind-cases "$root/tools/valgrind-cases.R"
echo "== valgrind: gctorture (tools/gctorture-cases.R)"
run_vg gctorture-cases "$root/tools/gctorture-cases.R"

if [ "${FULL:-0}" = 1 ]; then
  echo "== valgrind: every test file (FULL=1)"
  for f in "$work/pkg/tests/testthat/"test-*.R; do
    name=$(basename "$f" .R)
    cat > "$work/$name.R" <<EOR
library(testthat)
library(mlnmf, lib.loc = "$work/lib")
res <- as.data.frame(test_file("$f", reporter = "summary"))
cat(sprintf("\nTESTS $name: %d expectations, %d failed, %d errors, %d skipped\n",
            sum(res\$nb), sum(res\$failed), sum(res\$error), sum(res\$skipped)))
if (sum(res\$failed) > 0 || any(res\$error) || sum(res\$skipped) > 0) quit(status = 1)
EOR
  done
  ls "$work/"test-*.R | xargs -P "${JOBS:-2}" -I{} sh -c '
    name=$(basename {} .R)
    st=0
    R -d valgrind --vanilla -f {} > '"$work"'/logs/$name.log 2>&1 || st=$?
    errs=$(sed -n "s/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p" '"$work"'/logs/$name.log | tail -n 1)
    lost=$(sed -n "s/.*definitely lost: \([0-9,]*\) bytes.*/\1/p" '"$work"'/logs/$name.log | tail -n 1 | tr -d ,)
    echo "$name $st ${errs:-?} ${lost:-0}" >> '"$work"'/results
    echo "   $name: exit $st, ${errs:-?} memcheck errors, ${lost:-0} bytes definitely lost"'
fi

fail=0
nerr=0
nlost=0
while read -r name st errs lost; do
  if [ "$st" != 0 ] || [ "$errs" != 0 ] || [ "$lost" != 0 ]; then
    fail=1
    echo "-- $name: exit $st, $errs errors, $lost bytes definitely lost; log excerpt:"
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Mismatched|Syscall|.*definitely lost in)|^==[0-9]+==    (at|by) ' \
      "$work/logs/$name.log" | head -n 60 || true
    tail -n 15 "$work/logs/$name.log"
  fi
  [ "$errs" = "?" ] || nerr=$((nerr + errs))
  nlost=$((nlost + lost))
done < "$work/results"
grep -h -E '^(VALGRIND-CASES|GCTORTURE|TESTS)' "$work/logs/"*.log || true
nrun=$(wc -l < "$work/results")
secs=$(( $(date +%s) - start ))
echo "== check-valgrind summary: $nrun R processes under memcheck, $nerr errors, $nlost bytes definitely lost; ${secs}s"
if [ $fail -ne 0 ]; then
  echo "check-valgrind: FAILED"
  exit 1
fi
echo "check-valgrind: OK"
