"""Shared test machinery, driven by the loss table (fastloss.LOSSES)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import fastloss
from fastloss import reference

LOSSES = list(fastloss.LOSSES)
ELEMENTWISE = [loss for loss in LOSSES if loss.kind == "elementwise"]
ROWS = [loss for loss in LOSSES if loss.kind == "rows"]


def inputs(loss, rows=(3,), k=3, dtype="float64", seed=0):
    """Valid (y_true, y_pred) for a loss, from the table-driven sampler."""
    from fastloss._bench import sample

    return sample(loss, np.random.default_rng(seed), rows, k, dtype)

# tolerance of compiled vs reference, relative to the magnitude of the terms
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 2e-6}


def fns(backend_module, loss, mode):
    suffix = {"value": "", "grad": "_grad", "vg": "_value_and_grad"}[mode]
    return getattr(backend_module, loss.name + suffix)


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


SPECIALS = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e150, -1e150, 1e-300, 5e-324,
            -5e-324, 0.5]


def values(n, rng, special_fraction=0.2, dtype=np.float64):
    """n values: mostly normal, some special (NaN, inf, huge, tiny, subnormal)."""
    x = rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e3], size=n)
    mask = rng.random(n) < special_fraction
    x[mask] = rng.choice(SPECIALS, size=int(mask.sum()))
    with np.errstate(over="ignore", under="ignore"):
        return x.astype(dtype)


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


def scale_of(loss, y, p, w, opts):
    """sum |w * loss| and sum |w| (float64, reference formulas): the magnitude
    the tolerance of a reduced value is relative to."""
    y64, p64 = np.asarray(y, np.float64), np.asarray(p, np.float64)
    with np.errstate(all="ignore"):
        ell = np.abs(loss.value(y64, p64, **opts))
        ww = np.ones_like(ell) if w is None else np.abs(np.asarray(w, np.float64))
        return float(np.sum(ww * ell)), float(np.sum(ww))


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


def call_both(fn_name, *args, **kwargs):
    """Call fastloss.fn and reference.fn; return (compiled, reference) results
    or the pair of exception types."""
    out = []
    for mod in (fastloss, reference):
        kw = dict(kwargs)
        if "out" in kw and kw["out"] is not None:
            kw["out"] = kw["out"].copy()
        try:
            out.append(getattr(mod, fn_name)(*args, **kw))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(e)
    return out


def run_python(*args, env=None, check=False):
    """Run ``python *args`` from the tests folder (so the source checkout is not
    on sys.path and the installed package is the one imported)."""
    import os
    import subprocess
    import sys

    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=e,
                          cwd=os.path.dirname(os.path.abspath(__file__)), check=check)
