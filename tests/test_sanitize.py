"""The kernel tests (helpers.KERNEL_TESTS) under AddressSanitizer +
UndefinedBehaviorSanitizer (scripts/sanitize.sh: its own build in a fresh
virtual environment).  A few minutes, so it runs in CI (CI=true) or when
FASTLOSS_RUN_SANITIZERS=1."""
import os
import shutil
import subprocess

import pytest
from helpers import KERNEL_TESTS, background_result, in_background

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "sanitize.sh")


def _have_sanitizers():
    cc = os.environ.get("CC", "gcc")
    if not shutil.which(cc):
        return False
    libs = [subprocess.run([cc, f"-print-file-name={lib}"], capture_output=True, text=True).stdout.strip()
            for lib in ("libasan.so", "libubsan.so")]
    return all(os.path.isabs(p) and os.path.exists(p) for p in libs)


def _run_under_sanitizers():
    """The kernel tests under the sanitizers: None, or why they cannot run here."""
    if not _have_sanitizers():
        return "the compiler has no AddressSanitizer/UndefinedBehaviorSanitizer runtime"
    import sys
    import tempfile

    env = dict(os.environ, FASTLOSS_PYTHON=sys.executable)
    # built from a copy of the checkout: the rest of the suite may be using
    # the checkout meanwhile (the sdist check builds from it)
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix="fastloss-asan-src-") as tmp:
        src = os.path.join(tmp, "src")
        shutil.copytree(checkout, src, ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "*.so", "__pycache__", ".nox"))
        r = subprocess.run(["bash", os.path.join(src, "scripts", "sanitize.sh"),
                            *(os.path.join(src, "tests", t) for t in KERNEL_TESTS)],
                           capture_output=True, text=True, timeout=3000, env=env)
    log = r.stdout[-4000:] + "\n" + r.stderr[-4000:]
    assert r.returncode == 0, log
    assert "AddressSanitizer" not in r.stderr and "runtime error:" not in r.stderr, log
    assert " passed" in r.stdout, log
    return None


@pytest.mark.skipif(not (os.environ.get("CI") or os.environ.get("FASTLOSS_RUN_SANITIZERS")),
                    reason="a few minutes: runs in CI or with FASTLOSS_RUN_SANITIZERS=1")
@pytest.mark.skipif(bool(os.environ.get("FASTLOSS_UNDER_SANITIZER")), reason="this is that run")
@pytest.mark.skipif(not os.path.exists(SCRIPT), reason="needs the source checkout")
@in_background(_run_under_sanitizers)
def test_kernel_tests_pass_under_asan_and_ubsan():
    why_not = background_result(_run_under_sanitizers)
    if why_not:
        pytest.skip(why_not)
