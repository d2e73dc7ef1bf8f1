"""Every error of the API contract, for every loss, in both backends, with
clear messages."""
import numpy as np
import pytest

import fastloss
from fastloss import reference
from helpers import LOSSES, ROWS, inputs, invalid_option_values

BACKENDS = [fastloss, reference]
IDS = ["compiled", "reference"]


def _fns(mod, loss):
    return [getattr(mod, loss.name + s) for s in ("", "_grad", "_value_and_grad")]


def _all(mod):
    for loss in LOSSES:
        y, p = inputs(loss)
        for fn in _fns(mod, loss):
            yield loss, fn, y, p


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_shape_mismatch(mod):
    for loss, fn, y, p in _all(mod):
        bigger = np.concatenate([p, p[:1]])
        with pytest.raises(ValueError, match=r"shape.*\(4,"):
            fn(y, bigger)
        with pytest.raises(ValueError, match=r"sample_weight.*\(3,\).*\(2,\)"):
            fn(y, p, sample_weight=[1.0, 2.0])


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("bad", ["avg", "MEAN", None, 0, "none "])
def test_unknown_reduction_lists_valid_ones(mod, bad):
    for loss, fn, y, p in _all(mod):
        with pytest.raises(ValueError, match="'mean', 'sum', 'none'"):
            fn(y, p, reduction=bad)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_mean_of_empty_or_zero_weight(mod):
    for loss, fn, y, p in _all(mod):
        with pytest.raises(ValueError, match="empty"):
            fn(y[:0], p[:0])
        with pytest.raises(ValueError, match="zero"):
            fn(y, p, sample_weight=[0.0, 0.0, 0.0])
        with pytest.raises(ValueError, match="zero"):
            fn(y, p, sample_weight=[1.0, -1.0, 0.0])
        s = getattr(mod, loss.name)(y[:0], p[:0], reduction="sum")
        assert s == 0.0 and type(s) is float
        assert getattr(mod, loss.name)(y, p, sample_weight=[0.0, 0.0, 0.0], reduction="sum") == 0.0


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("bad", [["a", "b", "c"], np.array([1, 2, 3], dtype=object),
                                 np.array([1 + 1j, 2, 3]), "abc", None, {"a": 1}])
def test_non_numeric_is_type_error(mod, bad):
    for loss, fn, y, p in _all(mod):
        with pytest.raises(TypeError, match=f"{loss.pred_name} must be numeric"):
            fn(y, bad)
        with pytest.raises(TypeError, match="y_true must"):
            fn(bad, p)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_ragged_input(mod):
    with pytest.raises(ValueError, match="y_pred"):
        mod.mse([1.0, 2.0], [[1.0], [1.0, 2.0]])


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_bad_out(mod):
    for loss, fn, y, p in _all(mod):
        if fn.__name__ == loss.name:
            continue
        with pytest.raises(ValueError, match=r"out has shape"):
            fn(y, p, out=np.empty(p.shape + (1,)))
        with pytest.raises(ValueError, match="out has dtype float32"):
            fn(y, p, out=np.empty(p.shape, np.float32))
        ro = np.empty(p.shape)
        ro.flags.writeable = False
        with pytest.raises(ValueError, match="not writeable"):
            fn(y, p, out=ro)
        with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
            fn(y, p, out=p.tolist())
        p2 = p.copy()
        with pytest.raises(ValueError, match=f"overlap {loss.pred_name}"):
            fn(y, p2, out=p2)
        np.testing.assert_array_equal(p2, p)
        if y.dtype == p.dtype and y.shape == p.shape:
            y2 = y.copy()
            with pytest.raises(ValueError, match="overlap y_true"):
                fn(y2, p, out=y2)
        w = np.ones(p.shape)
        with pytest.raises(ValueError, match="overlap sample_weight"):
            fn(y, p, sample_weight=w[..., 0] if loss.kind == "rows" else w,
               out=w)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("bad", [0, -1, -100])
def test_bad_n_threads(mod, bad):
    for loss, fn, y, p in _all(mod):
        with pytest.raises(ValueError, match="n_threads"):
            fn(y, p, n_threads=bad)
    for bad_type in (1.5, "2", True):
        with pytest.raises(TypeError, match="n_threads"):
            mod.mse([1.0], [2.0], n_threads=bad_type)


def test_huge_n_threads_is_capped():
    # documented: n_threads is capped (at 256 and at the number of blocks)
    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    assert fastloss.mse(y, p, n_threads=10**6) == reference.mse(y, p)
    assert fastloss.mse(y, p, n_threads=10**30) == reference.mse(y, p)  # beyond a C integer
    big = np.random.default_rng(0).random(100_000)
    assert fastloss.mse(big, big * 0.5, n_threads=10**6) == fastloss.mse(big, big * 0.5, n_threads=1)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_bad_options(mod):
    for loss in LOSSES:
        y, p = inputs(loss)
        for o in loss.options:
            for bad, exc in invalid_option_values(o):
                for fn in _fns(mod, loss):
                    with pytest.raises(exc, match=o.name):
                        fn(y, p, **{o.name: bad})
            with pytest.raises(TypeError, match=o.name):
                getattr(mod, loss.name)(y, p, **{o.name: "1"})


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_invalid_targets(mod):
    cases = {
        "binary_cross_entropy": ([0.0, 1.5, 2.0], r"in \[0, 1\].*y_true\[1\] = 1.5"),
        "hinge": ([1.0, -1.0, 0.0], r"-1 or \+1.*y_true\[2\] = 0.0"),
        "squared_hinge": ([2.0, 1.0, 1.0], r"-1 or \+1.*y_true\[0\] = 2.0"),
    }
    for name, (y, msg) in cases.items():
        for fn in _fns(mod, fastloss._losses.BY_NAME[name]):
            with pytest.raises(ValueError, match=msg):
                fn(y, [0.5, 0.5, 0.5])
            with pytest.raises(ValueError, match=r"y_true\[1\] = nan"):
                fn([1.0, np.nan, 1.0], [0.5, 0.5, 0.5])
    p = np.full((3, 4), 0.25)
    for fn in _fns(mod, fastloss._losses.BY_NAME["categorical_cross_entropy"]):
        t = np.eye(4)[[0, 1, 2]]
        t[2, 3] = -0.5
        with pytest.raises(ValueError, match=r"y_true\[\(2, 3\)\] = -0.5"):
            fn(t, p)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
                                   np.int64, np.uint64])
def test_labels_out_of_range_name_the_smallest_position(mod, dtype):
    p = np.full((6, 4), 0.25)
    for loss in ROWS:
        if loss.targets == "probs":
            continue
        for bad in ([0, 1, 4, 2, 9, 3], [0, 1, 2, 3, 0, np.iinfo(dtype).max]):
            lab = np.array(bad, dtype=dtype)
            pos = next(i for i, v in enumerate(bad) if v >= 4)
            for fn in _fns(mod, loss):
                with pytest.raises(ValueError, match=rf"outside \[0, 4\).*y_true\[{pos}\] = {bad[pos]}"):
                    fn(lab, p)
        if np.iinfo(dtype).min < 0:
            lab = np.array([0, 1, 2, -1, 3, 0], dtype=dtype)
            with pytest.raises(ValueError, match=r"y_true\[3\] = -1"):
                getattr(mod, loss.name)(lab, p)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_float_or_bool_labels_are_type_errors_with_a_hint(mod):
    p = np.full((3, 4), 0.25)
    for loss in ROWS:
        if loss.targets == "probs":
            continue
        for bad in (np.array([0.0, 1.0, 2.0]), np.array([True, False, True])):
            with pytest.raises(TypeError, match="integer class labels.*astype"):
                getattr(mod, loss.name)(bad, p)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_pos_weight_forms(mod):
    y = np.eye(3)
    z = np.arange(9.0).reshape(3, 3) - 4
    base = mod.binary_cross_entropy_with_logits(y, z)
    assert mod.binary_cross_entropy_with_logits(y, z, pos_weight=None) == base
    assert mod.binary_cross_entropy_with_logits(y, z, pos_weight=1.0) == pytest.approx(base, rel=1e-15)
    mod.binary_cross_entropy_with_logits(y, z, pos_weight=[1.0, 2.0, 3.0])
    for bad in ([1.0, 2.0], [[1.0, 2.0, 3.0]], [1.0, -2.0, 3.0], [1.0, np.nan, 1.0], 0.0, -1.0):
        with pytest.raises(ValueError, match="pos_weight"):
            mod.binary_cross_entropy_with_logits(y, z, pos_weight=bad)
    with pytest.raises(ValueError, match="pos_weight"):  # an array needs a 2-D input
        mod.binary_cross_entropy_with_logits(y[0], z[0], pos_weight=[1.0, 2.0, 3.0])


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_multiclass_shapes(mod):
    p = np.full((3, 4), 0.25)
    with pytest.raises(ValueError, match=r"labels\) must have shape \(3,\)"):
        mod.sparse_categorical_cross_entropy(np.array([0, 1]), p)
    with pytest.raises(ValueError, match="at least 2"):
        mod.multiclass_hinge(np.array([0, 0]), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) or probabilities of shape \(3, 4\)"):
        mod.softmax_cross_entropy(np.zeros((3, 5)), p)
    with pytest.raises(ValueError, match="classes on its last axis"):
        mod.softmax_cross_entropy(np.array(0), np.array(1.0))


def test_unknown_keyword_is_type_error():
    y, p = [1.0, 2.0], [1.0, 1.0]
    with pytest.raises(TypeError):
        fastloss.mse(y, p, delta=1.0)
    with pytest.raises(TypeError):
        fastloss.mse(y, p, out=np.empty(2))
    with pytest.raises(TypeError):
        fastloss.huber(y, p, 1.0)  # options are keyword-only


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_out_overlapping_a_non_ndarray_input_is_rejected(mod):
    b = np.arange(5001.0)
    out = b[1:]
    with pytest.raises(ValueError, match="overlap y_pred"):
        mod.mse_grad(np.zeros(5000), memoryview(b[:-1]), reduction="sum", out=out)
    np.testing.assert_array_equal(b, np.arange(5001.0))


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_self_overlapping_out_is_rejected(mod):
    out = np.lib.stride_tricks.as_strided(np.zeros(4), shape=(3, 4), strides=(0, 8), writeable=True)
    with pytest.raises(ValueError, match="share memory"):
        mod.mse_grad(np.ones((3, 4)), np.zeros((3, 4)), out=out)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_unaligned_out_is_written_correctly(loss):
    y, p = inputs(loss, rows=(50,), k=4)
    buf = np.zeros(p.size * 8 + 1, np.uint8)
    out = np.frombuffer(buf.data, dtype=np.float64, count=p.size, offset=1).reshape(p.shape)
    assert not out.flags.aligned and out.flags.writeable
    g = getattr(fastloss, loss.name + "_grad")(y, p, out=out)
    assert g is out
    np.testing.assert_allclose(out, getattr(reference, loss.name + "_grad")(y, p), rtol=1e-13, atol=1e-15)
