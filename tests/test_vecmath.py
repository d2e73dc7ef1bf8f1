"""Accuracy of the vectorized transcendentals the kernels use (libmvec's
exp/log/log1p without fast-math): within 4 ulp of the scalar libm over
millions of values, and exact on the special values."""
import math

import numpy as np
import pytest

from fastloss import _ext

ULP_BOUND = 4
N = 2_000_000


def _inputs(name, rng):
    if name == "exp":
        x = rng.uniform(-745.0, 709.7, N)
    elif name == "log":
        x = 10.0 ** rng.uniform(-307, 308, N)
    else:  # log1p: near 0, moderate, large, and towards -1
        x = np.concatenate([rng.uniform(-1e-8, 1e-8, N // 4), rng.uniform(-0.999, 10, N // 4),
                            10.0 ** rng.uniform(-300, 300, N // 4),
                            -1 + 10.0 ** rng.uniform(-15, -1, N // 4)])
    return x


def _ulps(got, want, dtype):
    got, want = got.astype(np.float64), want.astype(np.float64)
    both = np.isfinite(want) & np.isfinite(got)
    spacing = np.spacing(np.abs(want[both]).astype(dtype)).astype(np.float64)
    spacing = np.maximum(spacing, np.finfo(dtype).smallest_subnormal)
    return np.abs(got[both] - want[both]) / spacing, both


@pytest.mark.parametrize("name", ["exp", "log", "log1p"])
def test_float64_within_a_few_ulp_of_libm(name):
    rng = np.random.default_rng(0)
    x = _inputs(name, rng)
    got = _ext.vmath(name, x)
    want = np.array([getattr(math, name)(v) for v in x.tolist()])
    ulps, both = _ulps(got, want, np.float64)
    assert both.all(), "finite inputs gave non-finite results"
    assert ulps.max() <= ULP_BOUND, f"max {ulps.max()} ulp"


@pytest.mark.parametrize("name", ["exp", "log", "log1p"])
def test_float32_within_a_few_ulp(name):
    rng = np.random.default_rng(1)
    x = _inputs(name, rng)
    lo, hi = {"exp": (-103.0, 88.7), "log": (1e-45, 3e38), "log1p": (-0.9999, 3e38)}[name]
    x = np.clip(x, lo, hi).astype(np.float32)
    got = _ext.vmath(name, x)
    # reference: the float64 libm result rounded to float32
    want = np.array([getattr(math, name)(v) for v in x.astype(np.float64).tolist()]).astype(np.float32)
    ulps, both = _ulps(got, want, np.float32)
    assert ulps.max() <= ULP_BOUND, f"max {ulps.max()} ulp"


SPECIALS = {
    "exp": [(0.0, 1.0), (-0.0, 1.0), (1.0, math.e), (np.inf, np.inf), (-np.inf, 0.0), (np.nan, np.nan),
            (1000.0, np.inf), (-1000.0, 0.0), (5e-324, 1.0), (-5e-324, 1.0)],
    "log": [(1.0, 0.0), (0.0, -np.inf), (-0.0, -np.inf), (np.inf, np.inf), (-1.0, np.nan),
            (np.nan, np.nan), (5e-324, math.log(5e-324)), (2.2250738585072014e-308, math.log(2.2250738585072014e-308))],
    "log1p": [(0.0, 0.0), (-1.0, -np.inf), (np.inf, np.inf), (-2.0, np.nan), (np.nan, np.nan),
              (5e-324, 5e-324), (1e-300, 1e-300)],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["exp", "log", "log1p"])
def test_special_values(name, dtype):
    pairs = [(x, w) for x, w in SPECIALS[name]
             if dtype == np.float64 or not np.isfinite(x) or float(np.float32(x)) == x]
    x = np.array([p[0] for p in pairs], dtype=dtype)
    want = np.array([p[1] for p in pairs], dtype=np.float64)
    got = _ext.vmath(name, x).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf])
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin].astype(dtype), rtol=4 * np.finfo(dtype).eps)
