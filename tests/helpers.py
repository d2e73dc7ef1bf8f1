"""Shared test machinery, driven by the loss table (fastloss.LOSSES)."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from hypothesis import strategies as st

import fastloss
from fastloss._testing import sample


LOSSES = list(fastloss.LOSSES)
ELEMENTWISE = [loss for loss in LOSSES if loss.kind == "elementwise"]
ROWS = [loss for loss in LOSSES if loss.kind == "rows"]


def inputs(loss, rows=(3,), k=3, dtype="float64", seed=0, options=None):
    """Valid (y_true, y_pred) for a loss (under options, by name), from the
    table-driven sampler."""
    return sample(loss, np.random.default_rng(seed), rows, k, dtype, options=options)

# ---- checks that run beside the suite ---------------------------------
# Two checks build the package again and run the kernel tests on that build
# (under the sanitizers; from the sdist): minutes of subprocesses each.  A
# test marked in_background(work) has its work started in a thread as soon
# as the suite is collected (conftest.py), when the test is selected and not
# skipped, so that those subprocesses use the CPU time the rest of the suite
# leaves; the test then takes work's result with background_result(work),
# which re-raises work's exception (an assertion inside it fails the test).
_BACKGROUND = {}


def in_background(work):
    def mark(test):
        test.background_work = work
        return test
    return mark


def start_background(work):
    import threading

    box = {}

    def run():
        try:
            box["result"] = work()
        except BaseException as e:  # noqa: B036 (handed to the test)
            box["error"] = e

    t = threading.Thread(target=run, name=getattr(work, "__name__", "background"), daemon=True)
    _BACKGROUND[work] = (t, box)
    t.start()


def background_result(work):
    """work()'s result: from the thread start_background started, else run now."""
    started = _BACKGROUND.pop(work, None)
    if started is None:
        return work()
    t, box = started
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


# The tests that drive the compiled kernels through every layout, dtype, mode,
# error path and thread count: what the suite's second runs (under the
# sanitizers, and against the wheel built from the sdist) repeat.  The rest
# (accuracy against mpmath, the command line, integrations, processes) covers
# no kernel path these do not.
KERNEL_TESTS = ["test_parity.py", "test_errors.py", "test_hostile.py", "test_columns.py",
                "test_class_weights.py", "test_threads.py", "test_stream.py", "test_grad.py",
                "test_metrics.py", "test_mistakes.py", "test_vecmath.py", "test_semantics.py"]

# tolerance of compiled vs reference, relative to the magnitude of the terms
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-6}


def option_values(loss, k=None):
    """A strategy of valid option dicts for a loss: its default or a value
    from the option's bounds (fastloss._losses.Bounds.inside); with the
    class count k, class weights too (some 0, some large)."""
    def values(o):
        if o.per_class and k is not None:
            ramp = np.linspace(0.25, 4.0, k)
            return st.sampled_from([None, ramp, np.where(np.arange(k) % 3 == 1, 0.0, ramp)])
        return st.sampled_from([o.default, *o.inside()])
    return st.fixed_dictionaries({o.name: values(o) for o in loss.options})


def invalid_option_values(option):
    """(value, exception type) pairs outside an option's valid values (NaN,
    the open ends, beyond them; a non-bool for a boolean option)."""
    return option.outside()


LAYOUTS = ["C", "F", "strided", "reversed", "readonly", "noncontig2d", "list", "memmap"]
_MEMMAP_DIR = []


def _memmap(a):
    """A read-only np.memmap of a's bytes (its file is unlinked at once: the
    mapping stays valid).  Empty and 0-d arrays cannot be mapped: copies."""
    if a.size == 0 or a.ndim == 0:
        return a.copy()
    if not _MEMMAP_DIR:
        _MEMMAP_DIR.append(tempfile.mkdtemp(prefix="fastloss-memmap-"))
        atexit.register(shutil.rmtree, _MEMMAP_DIR[0], ignore_errors=True)
    fd, path = tempfile.mkstemp(dir=_MEMMAP_DIR[0], suffix=".dat")
    os.close(fd)
    m = np.memmap(path, dtype=a.dtype, mode="w+", shape=a.shape)
    m[...] = a
    m.flush()
    del m
    r = np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape)
    os.unlink(path)
    return r


def make_layout(a, layout, rng=None):
    """Return an array-like equal to ``a`` (same shape, values, dtype) in ``layout``."""
    a = np.asarray(a)
    if layout == "C":
        return a.copy(order="C")  # (np.ascontiguousarray would make 0-d arrays 1-d)
    if layout == "F":
        return a.copy(order="F")
    if layout == "strided":  # every 3rd element of a bigger buffer
        big = np.zeros(a.shape[:-1] + (a.shape[-1] * 3,) if a.ndim else (3,), a.dtype)
        if a.ndim == 0:
            big[0] = a
            return big[0:1:3].reshape(())
        big[..., ::3] = a
        return big[..., ::3]
    if layout == "reversed":  # negative strides
        if a.ndim == 0:
            return a.copy()
        r = a[(slice(None, None, -1),) * a.ndim].copy()
        return r[(slice(None, None, -1),) * a.ndim]
    if layout == "readonly":
        r = a.copy()
        r.flags.writeable = False
        return r
    if layout == "noncontig2d":  # a column-sliced view that no single stride walks
        if a.ndim < 2:
            return make_layout(a, "strided")
        big = np.zeros(a.shape[:-1] + (a.shape[-1] * 2 + 1,), a.dtype)
        big[..., 1::2] = a
        return big[..., 1::2]
    if layout == "memmap":
        return _memmap(a)
    if layout == "list":  # a list cannot hold the shape of an empty N-d array
        return a.tolist() if (a.size or a.ndim == 1) else a.copy()
    raise ValueError(layout)


def assert_same(c, r, rtol, atol=0.0):
    """Equal within tolerance; NaN where NaN, inf where inf (same sign)."""
    c = np.asarray(c, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    assert c.shape == r.shape, (c.shape, r.shape)
    np.testing.assert_array_equal(np.isnan(c), np.isnan(r))
    fin = np.isfinite(r)
    np.testing.assert_array_equal(c[~fin & ~np.isnan(r)], r[~fin & ~np.isnan(r)])
    # finite reference values: close (an overflow to inf in one only is a failure)
    np.testing.assert_allclose(c[fin], r[fin], rtol=rtol, atol=atol)


def run_python(*args, env=None, check=False):
    """Run ``python *args`` from the tests folder (so the source checkout is not
    on sys.path and the installed package is the one imported)."""
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=e,
                          cwd=os.path.dirname(os.path.abspath(__file__)), check=check)


# ---- hostile inputs --------------------------------------------------------
# One table of bad calls for every loss x function x backend (mismatched
# shapes in every argument, non-numeric, object and masked input, bad targets,
# labels and probabilities, bad out=, bad weights, bad options and n_threads).  Each
# entry: (id, fn, args, kwargs, exception type, regex that names the culprit).
# tests/test_hostile.py checks every entry; tests/test_leaks.py loops over the
# compiled ones to show that no error path leaks.
def hostile_cases(mod):
    cases = []
    for loss in LOSSES:
        y, p = inputs(loss, rows=(6,), k=4)
        pn, rows = loss.pred_name, loss.kind == "rows"
        wshape = p.shape[:-1] if rows else p.shape
        for suffix in ("", "_grad", "_value_and_grad"):
            fn = getattr(mod, loss.name + suffix)

            def add(tag, exc, match, yy=y, pp=p, **kw):
                cases.append((f"{loss.name}{suffix}:{tag}", fn, (yy, pp), kw, exc, match))

            add("y_pred longer", ValueError, "shape", pp=np.concatenate([p, p[:1]]))
            add("y_true shorter", ValueError, "y_true", yy=y[:-1])
            add("y_pred 0-d vs y_true 1-d", ValueError, f"y_true|{pn}", pp=p.reshape(-1)[0])
            add("y_true extra axis", ValueError, "y_true", yy=y[..., None])
            add("sample_weight short", ValueError, "sample_weight", sample_weight=np.ones(5))
            add("sample_weight extra axis", ValueError, "sample_weight",
                sample_weight=np.ones(wshape + (2,)))
            add("sample_weight strings", TypeError, "sample_weight", sample_weight=["a"] * 6)
            add("sample_weight all zero", fastloss.ZeroWeightError, "sample_weight",
                sample_weight=np.zeros(wshape))
            add("sample_weight sums to zero", fastloss.ZeroWeightError, "sample_weight",
                sample_weight=np.array([1.0, -1.0] * 3))
            add("y_pred object array", TypeError, pn, pp=p.astype(object))
            add("y_true object array", TypeError, "y_true", yy=np.asarray(y).astype(object))
            add("y_pred strings", TypeError, pn, pp=np.full(p.shape, "x"))
            add("y_true strings", TypeError, "y_true", yy=["a"] * 6)
            add("y_pred complex", TypeError, pn, pp=p + 1j)
            add("y_pred None", TypeError, pn, pp=None)
            add("y_pred ragged", ValueError, pn, pp=[[0.1, 0.2], [0.3]])
            add("y_pred masked", TypeError, f"{pn} is a masked", pp=np.ma.masked_array(p))
            add("y_true masked", TypeError, "y_true is a masked", yy=np.ma.masked_array(y))
            if loss.checks_predictions:  # e.g. probabilities outside [0, 1]: logits passed
                # the element checked: the label's (integer labels), else the last
                at = (5, int(y[-1])) if rows and loss.targets == "labels" else (
                    (5, p.shape[-1] - 1) if rows else 5)
                where = rf"\({at[0]}, {at[1]}\)" if rows else str(at)
                for bad in loss.pred_domain.outside:
                    bad_p = p.copy()
                    bad_p[at] = bad
                    add(f"{pn} = {bad}", fastloss.TargetError, rf"{pn}\[{where}\] = {bad}",
                        pp=bad_p)
            add("empty mean", ValueError, "empty", yy=y[:0], pp=p[:0])
            add("reduction", ValueError, "reduction", reduction="avg")
            add("unknown keyword", TypeError, "unexpected|keyword", dlta=1.0)
            for bad in (0, -1):
                add(f"n_threads={bad}", ValueError, "n_threads", n_threads=bad)
            add("n_threads str", TypeError, "n_threads", n_threads="2")
            add("n_threads float", TypeError, "n_threads", n_threads=1.5)
            for o in loss.options:
                for bad, exc in invalid_option_values(o) + [(10**400, TypeError if (
                        o.boolean or o.per_class) else ValueError)]:
                    add(f"{o.name}={bad}"[:40], exc, o.name, **{o.name: bad})
                add(f"{o.name} str", TypeError, o.name, **{o.name: "1"})
            if suffix:
                ro = np.empty(p.shape)
                ro.flags.writeable = False
                p_alias = p.copy()
                add("out shape", ValueError, "out", out=np.empty(p.shape + (1,)))
                add("out dtype", ValueError, "out", out=np.empty(p.shape, np.float32))
                add("out read-only", ValueError, "out", out=ro)
                add("out list", TypeError, "out", out=p.tolist())
                add("out aliases y_pred", ValueError, "overlap", pp=p_alias, out=p_alias)
                w_alias = np.ones(p.shape)
                add("out aliases sample_weight", ValueError, "overlap",
                    sample_weight=w_alias[..., 0] if rows else w_alias, out=w_alias)
            else:
                add("out on a value", TypeError, "out", out=np.empty(p.shape))
            # targets: values outside the target domain, labels outside [0, k)
            if loss.target_domain is not None:
                at = (5, p.shape[-1] - 1) if rows else 5
                where = rf"\({at[0]}, {at[1]}\)" if rows else str(at)
                for bad in loss.target_domain.outside:
                    bad_y = np.asarray(y, np.float64).copy()
                    bad_y[at] = bad
                    add(f"y_true = {bad}", fastloss.TargetError, rf"y_true\[{where}\] = {bad}",
                        yy=bad_y)
            if rows and loss.targets != "probs":
                k = p.shape[-1]
                for bad in (-1, k, 2**63 - 1):
                    lab = np.zeros(6, np.int64)
                    lab[-1] = bad
                    add(f"label {bad}", fastloss.TargetError, rf"y_true\[5\] = {bad}", yy=lab)
                lab = np.zeros(6, np.uint64)
                lab[-1] = 2**64 - 1
                add("label 2**64-1", fastloss.TargetError, r"y_true\[5\]", yy=lab)
                if loss.targets == "labels":
                    add("labels NaN float", TypeError, "y_true",
                        yy=np.array([0, 1, 2, 0, 1, np.nan]))
    return cases
