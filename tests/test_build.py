"""Build properties: IEEE behaviour kept, fallback backend, no hidden copies."""
import shutil
import subprocess
import tracemalloc

import numpy as np
import pytest

import fastloss
from fastloss import reference
from helpers import run_python


def test_import_does_not_flush_denormals_to_zero():
    # a -ffast-math link would set FTZ/DAZ for the whole process at import
    tiny = np.float64(2.2250738585072014e-308)
    assert tiny / 4 != 0.0
    assert fastloss.mse([0.0], [5e-324], reduction="sum") == 0.0  # (5e-324)^2 underflows honestly
    assert fastloss.mae([0.0], [5e-324], reduction="sum") == 5e-324  # subnormal kept


def test_info_reports_build():
    info = fastloss.info()
    assert info["compiled_available"] and info["backend"] == "compiled"
    assert 1 <= info["threads"] <= info["cpus"] and info["thread_cap"] >= 1
    assert set(info["kernels"]) == {loss.name for loss in fastloss.LOSSES}
    out = run_python("-m", "fastloss", "info", check=True).stdout
    assert '"simd"' in out and '"thread_cap"' in out


def _run(code, **env):
    return run_python("-c", code, env=env)


def test_missing_extension_falls_back_with_one_warning():
    code = (
        "import sys, warnings\n"
        "sys.modules['fastloss._ext'] = None\n"  # makes 'from . import _ext' fail
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    import fastloss\n"
        "    import fastloss.reference\n"
        "print(len([x for x in w if 'compiled extension' in str(x.message)]))\n"
        "print(fastloss.backend())\n"
        "print(fastloss.mse([300, 400, 350, 500], [290, 420, 360, 480]))\n"
        "try:\n"
        "    with fastloss.use_backend('compiled'): pass\n"
        "except RuntimeError as e: print('RuntimeError')\n"
    )
    r = _run(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1", "numpy", "250.0", "RuntimeError"]


def test_env_forces_reference_backend():
    r = _run("import fastloss; print(fastloss.backend()); print(fastloss.mse([1.0], [3.0]))",
             FASTLOSS_BACKEND="numpy")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["numpy", "4.0"]


@pytest.mark.parametrize("layout", ["strided", "reversed", "fortran", "readonly"])
def test_strided_inputs_are_not_copied(layout):
    rng = np.random.default_rng(7)
    base_y, base_p = rng.random((2, 3_000_000))
    if layout == "strided":
        y, p = base_y[::3], base_p[::3]
    elif layout == "reversed":
        y, p = base_y[::-1], base_p[::-1]
    elif layout == "fortran":
        y, p = np.asfortranarray(base_y.reshape(1500, 2000)), np.asfortranarray(base_p.reshape(1500, 2000))
    else:
        y, p = base_y.view(), base_p.view()
        y.flags.writeable = p.flags.writeable = False
    fastloss.mse(y, p)  # warm up
    tracemalloc.start()
    try:
        v = fastloss.huber(y, p, reduction="sum")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"a reduced call allocated {peak} bytes"
    assert v == pytest.approx(reference.huber(y, p, reduction="sum"), rel=1e-12)


def test_memmap_input(tmp_path):
    rng = np.random.default_rng(8)
    a = rng.random(100_000)
    np.save(tmp_path / "y.npy", a)
    np.save(tmp_path / "p.npy", a[::-1].copy())
    y = np.load(tmp_path / "y.npy", mmap_mode="r")
    p = np.load(tmp_path / "p.npy", mmap_mode="r")
    assert fastloss.mse(y, p) == pytest.approx(reference.mse(a, a[::-1]), rel=1e-12)
    assert fastloss.mae_grad(y, p).shape == (100_000,)


def test_unaligned_input():
    buf = np.zeros(8 * 1001 + 1, np.uint8)
    a = np.frombuffer(buf.data, dtype=np.float64, count=1000, offset=1)
    assert not a.flags.aligned
    assert fastloss.mse(a, a + 0) == 0.0


OWN_V4 = ("_ZGVeN8v_exp", "_ZGVeN8v_log", "_ZGVeN16v_expf", "_ZGVeN16v_logf",
          "_ZGVeN16v_expm1f", "_ZGVeN16v_log1pf")
OWN_BELOW_V4 = ("_ZGVdN8v_expf", "_ZGVdN8v_logf", "_ZGVdN8v_log1pf",
                "_ZGVbN4v_expf", "_ZGVbN4v_logf", "_ZGVbN4v_log1pf")


def test_vector_math_is_inlined_or_vectorized():
    # float64 expm1 at every level, and exp below the AVX-512 level, are the
    # kernels' own, inlined into the loops: no vector exp or expm1 of the C
    # library is called.  At the AVX-512 level exp, log, expf, logf, expm1f
    # and log1pf are the kernels' own vector functions (fl_vmath_v4.h), and
    # below it expf, logf and log1pf (fl_vmathf.c), under the C library's
    # names: defined in the module, never imported (tests/test_vecmath.py
    # holds them to their stated bounds).  The others are the SIMD variants
    # of the C library's functions (libmvec's) -- a flag-order slip, e.g.
    # -fno-fast-math after -fno-math-errno, would silently make them scalar.
    with open(fastloss._ext.__file__, "rb") as f:
        blob = f.read()
    for name in (b"_ZGVdN4v_exp", b"_ZGVbN2v_exp", b"_ZGVeN8v_expm1", b"_ZGVdN4v_expm1",
                 b"_ZGVbN2v_expm1", b"_ZGVdN8v_expm1f"):
        assert name + b"\x00" not in blob, name
    if not fastloss.info()["libmvec"]:
        return
    assert b"_ZGVdN4v_log\x00" in blob and b"_ZGVdN8v_expf\x00" in blob
    assert b"_ZGVeN8v_log1p\x00" in blob
    nm = shutil.which("nm")
    if nm is None:
        pytest.skip("nm (binutils) is not installed")
    imported = subprocess.run([nm, "-D", "--undefined-only", fastloss._ext.__file__],
                              capture_output=True, text=True, check=True).stdout
    defined = subprocess.run([nm, "--defined-only", fastloss._ext.__file__],
                             capture_output=True, text=True, check=True).stdout
    for name in OWN_V4 + OWN_BELOW_V4:
        assert f" {name}@" not in imported and f" {name}\n" not in imported, name
        assert f" {name}\n" in defined, name


@pytest.mark.parametrize("name", [loss.name for loss in fastloss.LOSSES])
def test_reduced_call_needs_no_memory_of_the_inputs_size(name):
    from helpers import inputs

    loss = fastloss._losses.BY_NAME[name]
    y, p = inputs(loss, rows=(400_000,) if loss.kind == "elementwise" else (40_000,), k=10)
    fn = getattr(fastloss, name)
    fn(y, p)  # warm up
    tracemalloc.start()
    try:
        fn(y, p, n_threads=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024, f"{name} allocated {peak} bytes for a {p.nbytes}-byte input"
