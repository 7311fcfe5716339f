#!/bin/sh
# tools/check-sanitizers.sh: build mlnmf with AddressSanitizer and
# UndefinedBehaviorSanitizer and run the whole test suite, then the R code
# of every vignette, under them.  Exits non-zero on any sanitizer report,
# any test failure or error, and any vignette error.
#
#   tools/check-sanitizers.sh            from the package root (or anywhere)
#   KEEP=1 tools/check-sanitizers.sh     keep the scratch folder for a look
#   CC_SAN=clang tools/check-sanitizers.sh   clang instead of gcc (needs
#                                        libclang-rt-14-dev)
#
# Debian's R is not built with ASan, so the ASan runtime is preloaded into
# every R process, including the test-load of R CMD INSTALL (see
# RELIABILITY notes in CONTRIBUTING.md).  Leak detection is off (R frees
# little at exit: valgrind's definite-leak check covers leaks), R's own
# segfault handler is off so ASan's report is not hidden, and UBSan halts at
# its first report so the exit status says so.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mlnmf-san.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "scratch kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
log="$work/log"
mkdir -p "$work/pkg" "$work/lib"

# a clean copy of the sources: stale objects of another build must not be
# reused, and the worktree must not get sanitized objects
( cd "$root" && tar cf - --exclude=.git --exclude='*.o' --exclude='*.so' \
    --exclude='*.Rcheck' . ) | ( cd "$work/pkg" && tar xf - )

cc=${CC_SAN:-gcc}
if [ "$cc" = clang ]; then
  runtime=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
  sed -e 's/^CC = gcc \$(SAN)$/CC = clang $(SAN) -shared-libsan/' \
    "$root/tools/Makevars.asan" > "$work/Makevars"
else
  runtime=$(gcc -print-file-name=libasan.so)
  cp "$root/tools/Makevars.asan" "$work/Makevars"
fi
if [ ! -f "$runtime" ]; then
  echo "check-sanitizers: ASan runtime not found ($runtime)" >&2
  exit 2
fi

export R_MAKEVARS_USER="$work/Makevars"
export LD_PRELOAD="$runtime"
export ASAN_OPTIONS="detect_leaks=0:allow_user_segv_handler=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export MLNMF_CHECK_TOOL=sanitizers
export R_LIBS="$work/lib${R_LIBS:+:$R_LIBS}"
# _R_CHECK_* and friends are not needed: this is a plain install and run

start=$(date +%s)
echo "== building with $cc -fsanitize=address,undefined into $work/lib"
status=0
R CMD INSTALL --no-multiarch -l "$work/lib" "$work/pkg" > "$work/install.log" 2>&1 || status=$?
if [ $status -ne 0 ] || ! grep -q -- '-fsanitize=address' "$work/install.log"; then
  cat "$work/install.log"
  echo "check-sanitizers: FAILED to build a sanitized package (status $status)" >&2
  exit 1
fi
if grep -q 'warning:' "$work/install.log"; then
  grep 'warning:' "$work/install.log"
  echo "check-sanitizers: FAILED: compiler warnings" >&2
  exit 1
fi

echo "== test suite"
cat > "$work/run-tests.R" <<'EOR'
library(testthat)
library(mlnmf, lib.loc = Sys.getenv("MLNMF_LIB"))
stopifnot(grepl(Sys.getenv("MLNMF_LIB"), find.package("mlnmf"), fixed = TRUE))
res <- as.data.frame(test_dir(Sys.getenv("MLNMF_TESTS"), reporter = "summary",
                              stop_on_failure = FALSE, load_package = "none"))
cat(sprintf("\nTESTS: %d files, %d tests, %d expectations, %d failed, %d errors, %d skipped\n",
            length(unique(res$file)), nrow(res), sum(res$nb), sum(res$failed),
            sum(res$error), sum(res$skipped)))
if (sum(res$failed) > 0 || any(res$error) || sum(res$skipped) > 0) quit(status = 1)
EOR
status=0
MLNMF_LIB="$work/lib" MLNMF_TESTS="$work/pkg/tests/testthat" \
  Rscript --vanilla "$work/run-tests.R" > "$log" 2>&1 || status=$?
cat "$log"
fail=0
[ $status -eq 0 ] || { echo "check-sanitizers: test run exited with status $status"; fail=1; }

nvig=0
if ls "$work/pkg/vignettes/"*.Rmd > /dev/null 2>&1; then
  for rmd in "$work/pkg/vignettes/"*.Rmd; do
    nvig=$((nvig + 1))
    name=$(basename "$rmd" .Rmd)
    echo "== vignette $name"
    status=0
    ( cd "$work/pkg/vignettes" &&
      Rscript --vanilla -e "knitr::purl('$name.Rmd', output = '$work/$name.R', quiet = TRUE)" &&
      Rscript --vanilla -e "library(mlnmf, lib.loc = '$work/lib'); source('$work/$name.R', echo = FALSE)" ) \
      > "$work/vig-$name.log" 2>&1 || status=$?
    cat "$work/vig-$name.log" >> "$log"
    if [ $status -ne 0 ]; then
      tail -n 30 "$work/vig-$name.log"
      echo "check-sanitizers: vignette $name exited with status $status"
      fail=1
    fi
  done
fi

nrep=$(grep -c -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$log" || true)
if [ "$nrep" -gt 0 ]; then
  grep -n -A 30 -E 'ERROR: AddressSanitizer|runtime error:' "$log" | head -n 120
  fail=1
fi
secs=$(( $(date +%s) - start ))
summary=$(grep '^TESTS:' "$log" || echo "TESTS: no summary (the run died)")
echo "== check-sanitizers summary: $nrep sanitizer reports; $summary; $nvig vignettes; ${secs}s"
if [ $fail -ne 0 ]; then
  echo "check-sanitizers: FAILED"
  exit 1
fi
echo "check-sanitizers: OK"
