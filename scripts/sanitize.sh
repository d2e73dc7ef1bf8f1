#!/usr/bin/env bash
# Build fastloss with AddressSanitizer + UndefinedBehaviorSanitizer in a fresh
# virtual environment and run the whole test suite under them.  Any report
# fails the run (UBSan does not recover; ASan aborts on the first error).
# Usage: scripts/sanitize.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
venv="${TMPDIR:-/tmp}/fastloss-asan-venv-$$"
trap 'rm -rf "$venv"' EXIT
# The interpreter that runs this script ($FASTLOSS_PYTHON, else python): when it already has the test
# dependencies (as in CI, where the suite itself starts this script), the new
# environment sees its packages through a .pth file and only the sanitized
# fastloss is built; otherwise the test extra is installed too.
outer="${FASTLOSS_PYTHON:-$(command -v python || command -v python3)}"
if "$outer" -c "import pytest, hypothesis, numpy" 2>/dev/null; then
    reuse="$("$outer" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
else
    reuse=""
fi
"$outer" -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install -q --upgrade pip
if [ -n "$reuse" ]; then
    echo "$reuse" > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/outer-env.pth"
    FASTLOSS_SANITIZE=1 pip install -q --no-cache-dir --no-deps .
else
    FASTLOSS_SANITIZE=1 pip install -q --no-cache-dir ".[test]"
fi
# (found, not imported: the sanitized extension needs the runtimes preloaded)
(cd / && python -c "import importlib.util as u, sys; o = u.find_spec('fastloss').origin; sys.exit(0 if o.startswith('$venv') else 'the sanitized build is not the one found: ' + o)")
CC="${CC:-gcc}"
asan="$($CC -print-file-name=libasan.so)"
ubsan="$($CC -print-file-name=libubsan.so)"
# Python itself is not instrumented: preload the runtimes; CPython's own
# allocations are not leak-checked (detect_leaks=0).  Run from / so that the
# checkout does not shadow the sanitized package (python -m puts the current
# directory on sys.path; -P, which would avoid it, needs Python 3.11).
cd /
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
PYTHONMALLOC=malloc \
FASTLOSS_UNDER_SANITIZER=1 \
FASTLOSS_HYPOTHESIS_PROFILE="${FASTLOSS_HYPOTHESIS_PROFILE:-quick}" \
    python -m pytest -q -p no:cacheprovider --rootdir "$repo" "${@:-$repo/tests}"
