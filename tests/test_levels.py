"""The kernels of every instruction-set level the CPU supports: the parity
and accuracy tests (of the losses and of the vector math) run again under
each lower level, forced with FASTLOSS_SIMD in a child
process (the level is picked once, at import)."""
import os
import pathlib
import subprocess
import sys

import pytest

import fastloss

HERE = pathlib.Path(__file__).resolve().parent
pytestmark = [
    pytest.mark.skipif(fastloss._ext is None, reason="the compiled backend only"),
    # (children re-running whole test files: the main run covers every level's
    # memory through the same C; under the sanitizer they would take most of CI)
    pytest.mark.skipif(bool(os.environ.get("FASTLOSS_UNDER_SANITIZER")), reason="not memory"),
]


def _child(level, *args):
    env = dict(os.environ, FASTLOSS_SIMD=level)
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=1200, cwd=str(HERE))


def test_the_best_level_runs_by_default():
    facts = fastloss.info()
    assert facts["simd"].split()[0] == facts["simd_levels"][0]


@pytest.mark.parametrize("level", ["avx2", "baseline"])
def test_parity_under_a_lower_level(level):
    if level not in fastloss.info()["simd_levels"]:
        pytest.skip(f"this CPU or build has no {level} level")
    r = _child(level, "-c", "import fastloss; print(fastloss.info()['simd'])")
    assert r.stdout.split()[0] == level, r.stdout + r.stderr
    # (the accuracy tests of the compiled backend only: the reference's do not
    # depend on the level; the vector math's own, which do)
    r = _child(level, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow",
               "-k", "not -reference-", str(HERE / "test_parity.py"),
               str(HERE / "test_accuracy.py"), str(HERE / "test_vecmath.py"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_an_unknown_level_is_ignored_with_a_warning():
    r = _child("avx9000", "-W", "always", "-c",
               "import fastloss; print(fastloss.info()['simd'])")
    assert "FASTLOSS_SIMD='avx9000'" in r.stderr
    assert r.stdout.split()[0] == fastloss.info()["simd_levels"][0]
