import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# the suite's second runs in CI — under the sanitizers (scripts/sanitize.sh),
# where every kernel call is instrumented, and against the wheel built from the
# sdist: fewer generated examples per property (the parametrized cases, every
# loss, layout and mode, all still run)
settings.register_profile(
    "quick", max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("FASTLOSS_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# explicit n_threads are capped at the CPUs the process may use; the tests
# lift the cap (the documented escape hatch) so that the bitwise-determinism
# tests really run 3 and 8 threads on a small machine
os.environ.setdefault("FASTLOSS_MAX_THREADS", "8")

import fastloss  # noqa: E402

if fastloss.info()["backend"] != "compiled" and not os.environ.get("FASTLOSS_BACKEND"):
    raise SystemExit(
        "fastloss imported without its compiled extension "
        f"(from {fastloss.__file__}). Install it (pip install '.[test]') and run the tests with "
        "the installed 'pytest' command (not 'python -m pytest' from the checkout), so that the "
        "source checkout does not shadow the installed package."
    )


def pytest_collection_finish(session):
    """Start the background work of the selected tests that will not be
    skipped (helpers.in_background)."""
    from helpers import start_background

    for item in session.items:
        work = getattr(getattr(item, "function", None), "background_work", None)
        if work is None:
            continue
        if any(item.iter_markers("skip")) or any(
                m.args and m.args[0] for m in item.iter_markers("skipif")):
            continue
        start_background(work)


def pytest_configure(config):
    """A directory for the accuracy oracle's exact results, shared with the
    child runs of tests/test_levels.py (which inherit the environment):
    they test other kernels on the same cases (tests/test_accuracy.py)."""
    if not os.environ.get("FASTLOSS_ORACLE_CACHE"):
        import tempfile

        config._fastloss_oracle_cache = tempfile.mkdtemp(prefix="fastloss-oracle-")
        os.environ["FASTLOSS_ORACLE_CACHE"] = config._fastloss_oracle_cache


def pytest_unconfigure(config):
    folder = getattr(config, "_fastloss_oracle_cache", None)
    if folder:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("FASTLOSS_ORACLE_CACHE", None)
