"""Run the test suite on every supported Python found on this machine.

    pip install nox && nox            # every supported version that is installed
    nox -s tests-3.12                 # one of them

Each session builds fastloss from this checkout into a fresh virtual
environment with the test extra, and runs the README's test command there.
Versions that are not installed are skipped (nox never downloads Python here).
"""
import glob
import os

import nox

SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = False


def _put_installed_pythons_on_path():
    """pyenv keeps each version in its own folder (its shims only answer for the
    selected one): put those folders first on PATH so that nox finds them."""
    dirs = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin")))
    if dirs:
        os.environ["PATH"] = os.pathsep.join(dirs + [os.environ.get("PATH", "")])


_put_installed_pythons_on_path()


@nox.session(python=SUPPORTED)
def tests(session):
    session.install(".[test]")
    # from the tests' folder, as the installed `pytest` command runs: the checkout
    # itself is not on sys.path, so the compiled package is what is tested
    session.run("pytest", *session.posargs, env={"CI": ""})
