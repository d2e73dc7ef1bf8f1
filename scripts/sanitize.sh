#!/usr/bin/env bash
# Build fastloss with AddressSanitizer + UndefinedBehaviorSanitizer in a fresh
# virtual environment and run the whole test suite under them.  Any report
# fails the run (UBSan does not recover; ASan aborts on the first error).
# Usage: scripts/sanitize.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${TMPDIR:-/tmp}/fastloss-asan-venv"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install -q --upgrade pip
FASTLOSS_SANITIZE=1 pip install -q --no-cache-dir --force-reinstall ".[test]"
CC="${CC:-gcc}"
asan="$($CC -print-file-name=libasan.so)"
ubsan="$($CC -print-file-name=libubsan.so)"
# Python itself is not instrumented: preload the runtimes; CPython's own
# allocations are not leak-checked (detect_leaks=0).
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
PYTHONMALLOC=malloc \
FASTLOSS_UNDER_SANITIZER=1 \
    python -P -m pytest -q -p no:cacheprovider "$@"
