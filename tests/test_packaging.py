"""What a new user does first: the README's commands from the checkout, the
warning of a source tree without an extension, the source distribution (it
builds, carries its tests and passes them) and the wheel's contents."""
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import fastloss
from helpers import KERNEL_TESTS, background_result, in_background

CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def _readme_commands():
    """The shell commands of the README's set-up section, in order."""
    with open(os.path.join(CHECKOUT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    setup = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [c.strip() for c in re.findall(r"```bash\n(.*?)```", setup, re.S)]


def test_readme_has_two_setup_commands_that_install_then_run():
    demo, tests = _readme_commands()
    assert demo.startswith("pip install . && ") and tests.startswith('pip install ".[test]" && ')
    assert "-P" not in tests  # works on every supported Python (3.10 has no -P)
    with open(os.path.join(CHECKOUT, ".ci", "run")) as f:
        assert f.read().rstrip().endswith(tests)  # CI runs exactly the README's test command


def test_readme_demo_command_runs_the_compiled_code_from_the_checkout():
    # the Python part of the first command, run as a user does: from the checkout,
    # with this environment's commands first on PATH (its fastloss is installed)
    demo = _readme_commands()[0].split("&&", 1)[1].strip()
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run(demo, shell=True, cwd=CHECKOUT, capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert "backend: compiled" in first, first
    assert "RuntimeWarning" not in r.stderr and "circular" not in r.stderr


def test_a_source_tree_without_extension_says_so_and_how_to_fix_it():
    if not os.path.exists(os.path.join(CHECKOUT, "setup.py")):
        pytest.skip("not run from a source tree")
    tree = os.path.join(CHECKOUT, "fastloss")
    if any(f.startswith("_ext.") and f.endswith((".so", ".pyd")) for f in os.listdir(tree)):
        pytest.skip("this source tree has an extension built in place")
    r = subprocess.run([sys.executable, "-c", "import fastloss; print(fastloss.backend())"],
                       cwd=CHECKOUT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "numpy", r.stderr
    assert "source checkout" in r.stderr and "build_ext --inplace" in r.stderr
    assert "circular" not in r.stderr


def test_demo_names_the_fallback_and_says_the_timing_is_meaningless():
    r = subprocess.run([sys.executable, "-m", "fastloss", "demo"], cwd=os.path.dirname(__file__),
                       capture_output=True, text=True, env=dict(os.environ, FASTLOSS_BACKEND="numpy"),
                       timeout=300)
    assert r.returncode == 0, r.stderr
    head = "\n".join(r.stdout.splitlines()[:3])
    assert "backend: NumPy reference" in head and "meaningless" in head


def test_metadata_and_license_as_pip_shows_them():
    from importlib import metadata

    md = metadata.metadata("fastloss")
    assert md["License-Expression"] == "BSD-3-Clause"
    classifiers = md.get_all("Classifier")
    for v in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {v}" in classifiers
    assert any(c.startswith("Operating System") for c in classifiers)
    assert md["Author"] or md["Author-email"]
    assert md["Keywords"]
    files = [str(f) for f in metadata.files("fastloss")]
    assert any(f.endswith("licenses/LICENSE") for f in files)
    assert not any(f.endswith("_ext.c") for f in files)  # generated C is not shipped


def _check_sdist():
    """The sdist built, unpacked, built into a wheel, the wheel installed in a
    fresh environment and the sdist's own kernel tests run against it."""
    import pathlib
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fastloss-sdist-") as tmp:
        _check_sdist_in(pathlib.Path(tmp))


def _check_sdist_in(tmp_path):
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), CHECKOUT],
                   check=True, capture_output=True, timeout=900)
    sdist = next(out.glob("fastloss-*.tar.gz"))
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
        t.extractall(tmp_path / "src", filter="data")
    for need in ("LICENSE", "tests/helpers.py", "tests/conftest.py", "bench/test_bench.py",
                 "scripts/generate.py", "src_c/fl_kernels.h", "noxfile.py", "setup.py"):
        assert need in names, need
    assert not any(n.endswith(("_ext.c", ".so")) for n in names)
    # a wheel from the sdist: no generated C, no debug information
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(sdist)],
                   check=True, capture_output=True, timeout=900)
    wheel = next(out.glob("fastloss-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        wnames = z.namelist()
        assert not any(n.endswith(".c") for n in wnames)
        assert any(n.endswith("licenses/LICENSE") for n in wnames)
        so = next(n for n in wnames if n.endswith(".so"))
        z.extract(so, tmp_path / "so")
    if shutil.which("readelf"):
        sections = subprocess.run(["readelf", "-S", str(tmp_path / "so" / so)], capture_output=True,
                                  text=True).stdout
        assert ".debug_info" not in sections
    # a fresh environment that sees this one's test dependencies, with fastloss from the wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, "outer-env.pth"), "w") as f:  # every site dir this one sees
        f.write("\n".join(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))
                + "\n")
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)], check=True,
                   capture_output=True, timeout=600)
    src = next((tmp_path / "src").glob("fastloss-*"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "FASTLOSS_RUN_SANITIZERS", "FASTLOSS_TEST_SDIST", "PYTHONPATH")}
    env["FASTLOSS_HYPOTHESIS_PROFILE"] = "quick"  # (the main run explores; this one packages)
    tests = [str(src / "tests" / t) for t in KERNEL_TESTS + ["test_build.py", "test_examples.py"]]
    r = subprocess.run([py, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow",
                        *tests], cwd=str(tmp_path), capture_output=True, text=True,
                       env=env, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " passed" in r.stdout.splitlines()[-1]
    # the tests ran against the wheel's package, not the unpacked sources
    r = subprocess.run([py, "-c", "import fastloss; print(fastloss.__file__, fastloss.backend())"],
                       cwd=str(tmp_path), capture_output=True, text=True, env=env)
    assert str(venv) in r.stdout and "compiled" in r.stdout, r.stdout + r.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (os.environ.get("CI") or os.environ.get("FASTLOSS_TEST_SDIST")),
                    reason="builds and tests the sdist (a few minutes): CI, or FASTLOSS_TEST_SDIST=1")
@pytest.mark.skipif(not os.path.exists(os.path.join(CHECKOUT, "setup.py")), reason="not a source tree")
@pytest.mark.skipif(bool(os.environ.get("FASTLOSS_UNDER_SANITIZER")), reason="packaging, not memory")
@in_background(_check_sdist)
def test_sdist_builds_a_clean_wheel_that_passes_the_sdists_kernel_tests():
    pytest.importorskip("build")
    background_result(_check_sdist)
