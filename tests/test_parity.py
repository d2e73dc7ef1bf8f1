"""Compiled backend vs the NumPy reference twin, over dtypes x layouts x
reductions x weights x n_threads x options, with NaN, inf, huge, tiny,
subnormal, 0-d and empty inputs (hypothesis)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastloss
from fastloss import reference
from fastloss._testing import sample
from helpers import LAYOUTS, LOSSES, RTOL, assert_same, inputs, make_layout, option_values

assert fastloss.backend() == "compiled", "these tests compare the compiled backend"

DTYPES = ["float64", "float32", "float16", "int64", "int32", "uint8", "bool", ">f8", ">f4"]
LABEL_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", ">i8"]
SHAPES = st.one_of(
    st.sampled_from([(), (0,), (1,), (7,), (33,), (1023,), (1024,), (1025,), (2049,), (3, 0)]),
    st.lists(st.integers(0, 6), min_size=1, max_size=3).map(tuple),
)
ROW_SHAPES = st.sampled_from([(), (0,), (1,), (5,), (255,), (256,), (257,), (600,), (2, 3)])
# 16 and 17: either side of the most classes a row loss works class-major;
# 1100 > the kernels' 1024 chunk
CLASSES = st.sampled_from([1, 2, 3, 7, 8, 10, 16, 17, 33, 1100])


def _compute_dtype(dt):
    if dt.kind == "f":
        return np.dtype(np.float32) if dt.itemsize <= 4 else np.dtype(np.float64)
    return np.dtype(np.float64)


@st.composite
def cases(draw, loss):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    special = draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))
    if loss.kind == "rows":
        rows, k = draw(ROW_SHAPES), draw(CLASSES)
        if rows and rows[0] > 20 and k > 30:
            rows = (3,)
        k = max(k, loss.min_classes)
        dtype = draw(st.sampled_from(DTYPES[:5]))
    else:
        rows, k = draw(SHAPES), 1
        dtype = draw(st.sampled_from(DTYPES))
    kw = dict(draw(option_values(loss, k)))
    y, p = sample(loss, rng, rows, k, "float64", special, options=kw)
    kind = np.dtype(dtype).kind
    if kind in "iub":  # integer predictions: 0/1 are valid probabilities
        p = (np.nan_to_num(p) > 0.5) if kind == "b" else np.clip(np.nan_to_num(p), 0, 1).round()
    with np.errstate(over="ignore", invalid="ignore"):
        p = p.astype(dtype)
        if y.dtype.kind == "i":
            y = y.astype(draw(st.sampled_from(LABEL_DTYPES)))
        elif kind in "f":
            y = y.astype(dtype)
    if draw(st.integers(0, 9)) == 0 and y.size:  # an invalid target now and then
        y = y.copy()
        flat = y.reshape(-1)
        if y.dtype.kind in "iu":
            top = np.iinfo(y.dtype).max
            flat[-1] = min(k + 3, top) if draw(st.booleans()) else min(k, top)
        else:
            flat[rng.integers(flat.size)] = draw(st.sampled_from([np.nan, 2.0, -1.0, 0.5, 0.0]))
    w = None
    if draw(st.booleans()):
        w = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5, -1.0], size=rows)
    kw["reduction"] = draw(st.sampled_from(["mean", "sum", "none"]))
    kw["n_threads"] = draw(st.sampled_from([None, 1, 2, 3]))
    if w is not None:
        kw["sample_weight"] = make_layout(w, draw(st.sampled_from(LAYOUTS)))
    p = make_layout(p, draw(st.sampled_from(LAYOUTS)))
    y = make_layout(y, draw(st.sampled_from(LAYOUTS)))
    return y, p, w, kw, _compute_dtype(np.asarray(p).dtype)


def _den(loss, y, p, w, kw):
    """Per row (or element), what "mean" divides by: the weights, times
    the class weights or 0 for an ignored row where they take part."""
    ww = np.ones(np.shape(np.asarray(p))[:-1] if loss.kind == "rows" else np.shape(np.asarray(p)))
    if w is not None:
        ww = np.asarray(w, np.float64) * ww
    y = np.asarray(y)
    if loss.kind == "rows" and y.dtype.kind in "iu" and y.ndim == ww.ndim:
        ok = ((y >= 0) & (y < np.shape(np.asarray(p))[-1])) | (y == kw.get("ignore_index"))
        f = loss.mean_weights(np.where(ok, y, 0).astype(np.int64), kw.get("class_weight"),
                              kw.get("ignore_index"))
        if f is not None:
            ww = np.where(f != 0, ww * f.reshape(ww.shape), 0.0)
    return ww


def _check(loss, case):
    y, p, w, kw, ct = case
    rtol = RTOL[ct]
    den = _den(loss, y, p, w, kw)
    for suffix in ("", "_grad", "_value_and_grad", "_grad_hess"):
        name = loss.name + suffix
        try:
            r = getattr(reference, name)(y, p, **kw)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)) as info:
                getattr(fastloss, name)(y, p, **kw)
            assert str(info.value) == str(e)  # the same message too
            continue
        c = getattr(fastloss, name)(y, p, **kw)
        rs, cs = (r, c) if suffix in ("_value_and_grad", "_grad_hess") else ((r,), (c,))
        for i, (ci, ri) in enumerate(zip(cs, rs)):
            is_grad = suffix in ("_grad", "_grad_hess") or i == 1
            if is_grad or kw["reduction"] == "none":
                assert isinstance(ci, np.ndarray) and ci.dtype == ct and ci.shape == np.shape(ri)
                # per element: a few ulp apart relative to the element or, where a
                # difference of O(1) terms cancels (sigmoid(z) - y, softmax - t), to
                # the array's scale and to the per-element factor w (/ sum w)
                fin = np.abs(np.asarray(ri, np.float64))
                fin = fin[np.isfinite(fin)]
                scale = float(fin.max()) if fin.size else 0.0
                ww = np.abs(den)
                cw = kw.get("class_weight")
                factor = float(ww.max()) * (1 if cw is None else max(1.0, float(np.max(cw)))) \
                    if ww.size else 0.0
                if kw["reduction"] == "mean" and np.sum(den) != 0:
                    factor /= abs(float(np.sum(den)))
                if not np.isfinite(factor):
                    factor = 0.0
                assert_same(ci, ri, rtol=rtol * 64,
                            atol=max(rtol * 8 * (scale + factor), np.finfo(ct).tiny))
            else:
                assert type(ci) is float
                # tolerance relative to the magnitude of the summed terms
                kw_abs = dict(kw, reduction="none")
                if w is not None:
                    kw_abs["sample_weight"] = np.abs(w)
                terms = np.abs(np.asarray(getattr(reference, loss.name)(y, p, **kw_abs), np.float64))
                s = float(np.sum(terms[np.isfinite(terms)]))
                # (+ sum|w|: an absolute error of a few ulp per unit of weight
                # where a loss cancels to ~0)
                ww = den
                sw = float(np.sum(np.abs(ww)))
                if kw["reduction"] == "mean" and np.isfinite(ri):
                    total = abs(float(np.sum(ww)))
                    atol = rtol * 64 * (s + sw + abs(ri) * sw) / total
                else:
                    atol = rtol * 64 * (s + sw)
                assert_same(ci, ri, rtol=rtol, atol=atol if np.isfinite(atol) else 0.0)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@given(data=st.data())
def test_compiled_matches_reference(loss, data):
    _check(loss, data.draw(cases(loss)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "F", "noncontig2d"])
def test_pos_weight_columns(dtype, layout):
    rng = np.random.default_rng(9)
    y = (rng.random((300, 5)) < 0.3).astype(dtype)
    z = make_layout((rng.standard_normal((300, 5)) * 4).astype(dtype), layout)
    pw = [0.5, 1.0, 2.0, 3.0, 10.0]
    for red in ("mean", "none"):
        c = fastloss.binary_cross_entropy_with_logits_value_and_grad(y, z, pos_weight=pw, reduction=red)
        r = reference.binary_cross_entropy_with_logits_value_and_grad(y, z, pos_weight=pw, reduction=red)
        for ci, ri in zip(c, r):
            assert_same(ci, ri, rtol=RTOL[np.dtype(dtype)] * 64)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_value_and_grad_equal_separate_calls(loss, dtype):
    y, p = inputs(loss, rows=(5000,), k=7, dtype=dtype)
    w = np.random.default_rng(1).random(5000).astype(dtype)
    for kw in ({}, {"sample_weight": w}, {"reduction": "sum"}, {"reduction": "none"},
               {"sample_weight": w, "reduction": "none"}, {"n_threads": 2}):
        v, g = getattr(fastloss, loss.name + "_value_and_grad")(y, p, **kw)
        v1 = getattr(fastloss, loss.name)(y, p, **kw)
        g1 = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
        np.testing.assert_array_equal(v, v1)  # bitwise
        np.testing.assert_array_equal(g, g1)
        assert g.dtype == dtype


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("layout", ["C", "F", "noncontig2d", "strided"])
def test_out_is_written_and_returned(loss, layout):
    y, p = inputs(loss, rows=(30, 40) if loss.kind == "elementwise" else (30,), k=40)
    out = make_layout(np.full(p.shape, 7.0), layout)
    g = getattr(fastloss, loss.name + "_grad")(y, p, out=out)
    assert g is out
    np.testing.assert_allclose(out, getattr(reference, loss.name + "_grad")(y, p), rtol=1e-13,
                               atol=1e-15)
    out[...] = 7.0
    v, g = getattr(fastloss, loss.name + "_value_and_grad")(y, p, out=out)
    assert g is out and not np.any(out == 7.0)
    assert v == getattr(fastloss, loss.name)(y, p)


def test_float32_mse_accumulates_in_float64():
    # 2e6 float32 elements agree with the float64 computation on the same
    # values to 1e-8 relative: the sum runs in float64
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


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_nan_prediction_propagates(loss):
    y, p = inputs(loss, rows=(3,), k=4)
    grad = getattr(fastloss, loss.name + "_grad")
    # (a gradient that does not depend on the predictions, as nll_loss's -1 at
    # the label, stays finite)
    constant = np.array_equal(grad(y, p), grad(y, p * 0.5))
    p = p.copy()
    p[1] = np.nan
    assert np.isnan(getattr(fastloss, loss.name)(y, p))
    none = getattr(fastloss, loss.name)(y, p, reduction="none")
    assert np.isnan(none[1]) and not np.isnan(none[0]) and not np.isnan(none[2])
    g = grad(y, p)
    assert (np.isnan(g[1]).any() or constant) and not np.isnan(g[0]).any() and not np.isnan(g[2]).any()


@pytest.mark.parametrize("loss", [l for l in LOSSES if l.target_domain is None
                                  and l.kind == "elementwise"], ids=lambda l: l.name)
def test_nan_unchecked_target_propagates(loss):
    # targets that are not checked (regression): a NaN gives NaN, not an error
    assert np.isnan(getattr(fastloss, loss.name)([1.0, np.nan], [1.0, 2.0]))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_inputs_never_modified(loss):
    y, p = inputs(loss, rows=(3000,), k=5)
    w = np.random.default_rng(4).random(3000)
    copies = [a.copy() for a in (y, p, w)]
    for suffix in ("", "_grad", "_value_and_grad", "_grad_hess"):
        for red in ("mean", "sum", "none"):
            getattr(fastloss, loss.name + suffix)(y, p, sample_weight=w, reduction=red)
    for a, c in zip((y, p, w), copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "softmax_cross_entropy"])
def test_float32_long_rows_are_summed_in_float64(name):
    rng = np.random.default_rng(15)
    k = 200_000
    p = rng.random((2, k), dtype=np.float32)
    t = (rng.random((2, k), dtype=np.float32) / k).astype(np.float32)
    got = getattr(fastloss, name)(t, p, reduction="sum")
    exact = getattr(reference, name)(t.astype(np.float64), p.astype(np.float64), reduction="sum")
    assert abs(got - exact) <= 2e-6 * abs(exact)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_hard_label_blocks_give_the_same_bits(dtype):
    # blocks whose targets are all 0/1 take a one-log path; it must agree
    # bitwise with the two-log path used by blocks holding soft labels
    rng = np.random.default_rng(16)
    n = 4 * 1024
    p = rng.random(n).astype(dtype)
    p[:8] = [0, 1, 1e-300, 1 - 1e-16, 0.5, 0.25, 1, 0]
    y = (rng.random(n) < 0.5).astype(dtype)
    all_hard = fastloss.binary_cross_entropy(y, p, reduction="none")
    y_mixed = y.copy()
    y_mixed[1024 * 2 - 1] = 0.5  # block 1 now takes the two-log path
    mixed = fastloss.binary_cross_entropy(y_mixed, p, reduction="none")
    keep = np.arange(n) != 1024 * 2 - 1
    np.testing.assert_array_equal(all_hard[keep], mixed[keep])
    assert fastloss.binary_cross_entropy(y, p) == pytest.approx(reference.binary_cross_entropy(y, p),
                                                                rel=RTOL[np.dtype(dtype)] * 64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_blocks_of_hard_and_soft_labels_in_any_order(dtype):
    # a block runs the form the block before it needed, and runs again in the
    # general form when its targets turn out not to be all 0/1: every value
    # and derivative is the one its element gets alone, whatever the order
    # of the blocks and the thread count
    rng = np.random.default_rng(17)
    n = 6 * 1024 + 45  # a partial last block, whose last group is partial
    p = rng.random(n).astype(dtype)
    y = (rng.random(n) < 0.5).astype(dtype)
    y[1024 + 3] = 0.25                          # one soft label in block 1
    y[3 * 1024:4 * 1024] = rng.random(1024)     # block 3 all soft, block 4 hard again
    y[n - 2] = 0.75                             # in the last, partial group
    one = [(y[i:i + 1], p[i:i + 1]) for i in range(n)]
    alone = np.concatenate([fastloss.binary_cross_entropy(a, b, reduction="none") for a, b in one])
    dalone = np.concatenate([fastloss.binary_cross_entropy_grad(a, b, reduction="sum") for a, b in one])
    rtol = RTOL[np.dtype(dtype)] * 64
    np.testing.assert_allclose(alone, reference.binary_cross_entropy(y, p, reduction="none"), rtol=rtol)
    np.testing.assert_allclose(dalone, reference.binary_cross_entropy_grad(y, p, reduction="sum"),
                               rtol=rtol)
    sums = set()
    for n_threads in (1, 2):
        kw = dict(n_threads=n_threads)
        np.testing.assert_array_equal(
            fastloss.binary_cross_entropy(y, p, reduction="none", **kw), alone)
        np.testing.assert_array_equal(
            fastloss.binary_cross_entropy_grad(y, p, reduction="sum", **kw), dalone)
        v, g = fastloss.binary_cross_entropy_value_and_grad(y, p, reduction="sum", **kw)
        np.testing.assert_array_equal(g, dalone)
        sums |= {v, fastloss.binary_cross_entropy(y, p, reduction="sum", **kw)}
    assert len(sums) == 1
    assert sums.pop() == pytest.approx(float(np.sum(alone, dtype=np.float64)), rel=rtol)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_grad_hess_out_pair(loss):
    y, p = inputs(loss, rows=(40,), k=3)
    want_g, want_h = reference.__dict__[loss.name + "_grad_hess"](y, p)
    fn = getattr(fastloss, loss.name + "_grad_hess")
    g, h = np.empty(p.shape), np.empty(p.shape)
    rg, rh = fn(y, p, out=(g, h))
    assert rg is g and rh is h
    np.testing.assert_allclose(g, want_g, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h, want_h, rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="pair"):
        fn(y, p, out=g)
    with pytest.raises(ValueError, match="overlap"):
        fn(y, p, out=(g, g))
    with pytest.raises(ValueError, match="out"):
        fn(y, p, out=(g, np.empty(p.shape, np.float32)))
