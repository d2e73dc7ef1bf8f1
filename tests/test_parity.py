"""Compiled backend vs the NumPy reference twin, over dtypes x layouts x
reductions x weights x n_threads x options, with NaN, inf, huge, tiny,
subnormal, 0-d and empty inputs (hypothesis)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastloss
from fastloss import reference
from helpers import (ELEMENTWISE, LAYOUTS, RTOL, assert_same, make_layout, option_values,
                     scale_of, values)

assert fastloss.backend() == "compiled", "these tests compare the compiled backend"

DTYPES = ["float64", "float32", "float16", "int64", "int32", "uint8", "bool", ">f8", ">f4"]
SHAPES = st.one_of(
    st.sampled_from([(), (0,), (1,), (7,), (33,), (1023,), (1024,), (1025,), (2049,), (3, 0)]),
    st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
)


def _compute_dtype(dt):
    if dt.kind == "f":
        return np.dtype(np.float32) if dt.itemsize <= 4 else np.dtype(np.float64)
    return np.dtype(np.float64)


@st.composite
def cases(draw, loss):
    shape = draw(SHAPES)
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    kind = np.dtype(dtype).kind

    def gen():
        if kind == "b":
            return rng.random(n) < 0.5
        if kind in "iu":
            return rng.integers(0, 100, n)
        special = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
        return values(n, rng, special)

    with np.errstate(over="ignore"):
        y = gen().astype(dtype).reshape(shape)
        p = gen().astype(dtype).reshape(shape)
    w = None
    if draw(st.booleans()):
        w = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5, -1.0], size=n).reshape(shape)
    layout_y, layout_p, layout_w = (draw(st.sampled_from(LAYOUTS)) for _ in range(3))
    kw = dict(draw(option_values(loss)))
    kw["reduction"] = draw(st.sampled_from(["mean", "sum", "none"]))
    kw["n_threads"] = draw(st.sampled_from([None, 1, 2, 3]))
    if w is not None:
        kw["sample_weight"] = make_layout(w, layout_w)
    p = make_layout(p, layout_p)  # a list holds Python floats/ints: float64
    return make_layout(y, layout_y), p, w, kw, _compute_dtype(np.asarray(p).dtype)


def _check(loss, case):
    y, p, w, kw, ct = case
    opts = {o.name: kw[o.name] for o in loss.options}
    rtol = RTOL[ct]
    y_arr, p_arr = np.asarray(y).astype(ct), np.asarray(p).astype(ct)
    for suffix in ("", "_grad", "_value_and_grad"):
        name = loss.name + suffix
        try:
            r = getattr(reference, name)(y, p, **kw)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                getattr(fastloss, name)(y, p, **kw)
            continue
        c = getattr(fastloss, name)(y, p, **kw)
        rs, cs = (r, c) if suffix == "_value_and_grad" else ((r,), (c,))
        for i, (ci, ri) in enumerate(zip(cs, rs)):
            is_grad = suffix == "_grad" or i == 1
            if is_grad or kw["reduction"] == "none":
                assert isinstance(ci, np.ndarray) and ci.dtype == ct and ci.shape == np.shape(p)
                # per element: rounding of the float64 truth, a few ulp apart
                assert_same(ci, ri, rtol=rtol * 8, atol=np.finfo(ct).tiny)
            else:
                assert type(ci) is float
                s, sw = scale_of(loss, y_arr, p_arr, w, opts)
                if kw["reduction"] == "mean" and np.isfinite(ri):
                    total = abs(float(np.sum(np.asarray(w, np.float64)))) if w is not None else y_arr.size
                    atol = rtol * (s + abs(ri) * sw) / total
                else:
                    atol = rtol * s
                assert_same(ci, ri, rtol=rtol, atol=atol if np.isfinite(atol) else 0.0)


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
@given(data=st.data())
def test_compiled_matches_reference(loss, data):
    _check(loss, data.draw(cases(loss)))


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_grad_equal_separate_calls(loss, dtype):
    rng = np.random.default_rng(1)
    y, p = (rng.standard_normal(5000).astype(dtype) for _ in range(2))
    w = rng.random(5000).astype(dtype)
    for kw in ({}, {"sample_weight": w}, {"reduction": "sum"}, {"reduction": "none"},
               {"sample_weight": w, "reduction": "none"}):
        v, g = getattr(fastloss, loss.name + "_value_and_grad")(y, p, **kw)
        v1 = getattr(fastloss, loss.name)(y, p, **kw)
        g1 = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
        np.testing.assert_array_equal(v, v1)  # bitwise
        np.testing.assert_array_equal(g, g1)
        assert g.dtype == dtype


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
@pytest.mark.parametrize("layout", ["C", "F", "noncontig2d", "strided"])
def test_out_is_written_and_returned(loss, layout):
    rng = np.random.default_rng(2)
    y, p = rng.standard_normal((2, 30, 40))
    out = make_layout(np.full((30, 40), 7.0), layout)
    g = getattr(fastloss, loss.name + "_grad")(y, p, out=out)
    assert g is out
    np.testing.assert_allclose(out, getattr(reference, loss.name + "_grad")(y, p), rtol=1e-14)
    out[...] = 7.0
    v, g = getattr(fastloss, loss.name + "_value_and_grad")(y, p, out=out)
    assert g is out and not np.any(out == 7.0)
    assert v == getattr(fastloss, loss.name)(y, p)


def test_float32_mse_accumulates_in_float64():
    # the criterion: 2e6 float32 elements agree with the float64
    # computation on the same values to 1e-8 relative
    rng = np.random.default_rng(3)
    y = rng.standard_normal(2_000_000).astype(np.float32)
    p = (y + rng.standard_normal(2_000_000)).astype(np.float32)
    exact = np.mean((p.astype(np.float64) - y.astype(np.float64)) ** 2)
    got = fastloss.mse(y, p)
    assert abs(got - exact) <= 1e-8 * exact
    # while a float32 accumulation is visibly off
    naive = np.float32(0)
    d = (p - y) ** 2
    for chunk in np.array_split(d, 64):
        naive = np.float32(naive + np.float32(np.sum(chunk, dtype=np.float32)))
    assert np.float64(naive) / 2_000_000 != got


@pytest.mark.parametrize("dtype,expect", [
    (np.float16, np.float32), (np.int8, np.float64), (np.int64, np.float64),
    (np.uint16, np.float64), (np.bool_, np.float64), (">f4", np.float32), (">f8", np.float64),
    (np.longdouble, np.float64),
])
def test_dtype_conversion(dtype, expect):
    y = np.array([1, 0, 1, 1], dtype=dtype)
    p = np.array([0, 0, 1, 0], dtype=dtype)
    g = fastloss.mse_grad(y, p)
    assert g.dtype == expect
    assert fastloss.mse(y, p, reduction="none").dtype == expect
    assert fastloss.mse(y, p) == pytest.approx(0.5)
    # y_true is brought to y_pred's computation dtype
    assert fastloss.mse_grad(y.astype(np.float64), np.asarray(p, np.float32)).dtype == np.float32


def test_zero_d_and_empty():
    assert fastloss.mse(3.0, 1.0) == 4.0
    assert fastloss.mse(np.float32(3.0), np.float32(1.0)) == 4.0
    g = fastloss.mse_grad(3.0, 1.0)
    assert g.shape == () and g == -4.0
    assert fastloss.mse([], [], reduction="sum") == 0.0
    assert fastloss.mse(np.empty((3, 0)), np.empty((3, 0)), reduction="none").shape == (3, 0)
    assert fastloss.mse_grad(np.empty((0, 2)), np.empty((0, 2)), reduction="sum").shape == (0, 2)


def test_nan_propagates():
    y = np.array([1.0, 2.0, 3.0])
    p = np.array([1.0, np.nan, 3.0])
    for loss in ELEMENTWISE:
        assert np.isnan(getattr(fastloss, loss.name)(y, p))
        assert np.isnan(getattr(fastloss, loss.name)(p, y))
        g = getattr(fastloss, loss.name + "_grad")(y, p)
        assert np.isnan(g[1]) and not np.isnan(g[0]) and not np.isnan(g[2])


def test_inputs_never_modified():
    rng = np.random.default_rng(4)
    y, p, w = rng.standard_normal((3, 3000))
    copies = [a.copy() for a in (y, p, w)]
    for loss in ELEMENTWISE:
        for suffix in ("", "_grad", "_value_and_grad"):
            for red in ("mean", "sum", "none"):
                getattr(fastloss, loss.name + suffix)(y, p, sample_weight=w, reduction=red)
    for a, c in zip((y, p, w), copies):
        np.testing.assert_array_equal(a, c)
