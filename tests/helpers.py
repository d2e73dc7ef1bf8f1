"""Shared test machinery, driven by the loss table (fastloss.LOSSES)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import fastloss


LOSSES = list(fastloss.LOSSES)
ELEMENTWISE = [loss for loss in LOSSES if loss.kind == "elementwise"]
ROWS = [loss for loss in LOSSES if loss.kind == "rows"]


def inputs(loss, rows=(3,), k=3, dtype="float64", seed=0):
    """Valid (y_true, y_pred) for a loss, from the table-driven sampler."""
    from fastloss._bench import sample

    return sample(loss, np.random.default_rng(seed), rows, k, dtype)

# tolerance of compiled vs reference, relative to the magnitude of the terms
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-6}


def option_values(loss):
    """A strategy of valid option dicts for a loss, from its table entry."""
    strategies = {}
    for o in loss.options:
        if o.check == "positive":
            s = st.sampled_from([o.default, 1e-3, 0.5, 2.0, 1e3])
        elif o.check == "nonnegative":
            s = st.sampled_from([o.default, 0.0, 0.5, 2.0])
        elif o.check == "unit_interval":
            s = st.sampled_from([o.default, 0.0, 0.1, 0.9, 1.0])
        elif o.check == "eps":
            s = st.sampled_from([o.default, 1e-7, 1e-3, 0.1, 1e-300])
        else:
            s = st.sampled_from([o.default, -1.0, 1.0])
        strategies[o.name] = s
    return st.fixed_dictionaries(strategies)


def invalid_option_values(option):
    return {
        "positive": [0.0, -1.0, float("nan"), float("inf")],
        "nonnegative": [-1e-9, float("nan"), float("inf")],
        "unit_interval": [-0.1, 1.5, float("nan")],
        "eps": [0.0, -1e-3, 0.5, 0.7, float("nan")],
        "any": [float("nan"), float("inf")],
    }[option.check]


LAYOUTS = ["C", "F", "strided", "reversed", "readonly", "noncontig2d", "list"]


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
    import os
    import subprocess
    import sys

    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=e,
                          cwd=os.path.dirname(os.path.abspath(__file__)), check=check)
