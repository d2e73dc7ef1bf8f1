"""Every error of the API contract, in both backends, with clear messages."""
import numpy as np
import pytest

import fastloss
from fastloss import reference
from helpers import ELEMENTWISE, invalid_option_values

BACKENDS = [fastloss, reference]
Y = np.array([1.0, 2.0, 3.0])
P = np.array([1.5, 2.0, 2.0])


def _all_fns(mod):
    for loss in ELEMENTWISE:
        for suffix in ("", "_grad", "_value_and_grad"):
            yield loss, getattr(mod, loss.name + suffix)


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
def test_shape_mismatch(mod):
    for _, fn in _all_fns(mod):
        with pytest.raises(ValueError, match=r"same shape.*\(3,\).*\(4,\)"):
            fn(Y, np.zeros(4))
        with pytest.raises(ValueError, match="same shape"):
            fn(Y.reshape(3, 1), P)
        with pytest.raises(ValueError, match=r"sample_weight.*\(3,\).*\(2,\)"):
            fn(Y, P, sample_weight=[1.0, 2.0])


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
@pytest.mark.parametrize("bad", ["avg", "MEAN", None, 0, "none "])
def test_unknown_reduction_lists_valid_ones(mod, bad):
    for _, fn in _all_fns(mod):
        with pytest.raises(ValueError, match="'mean', 'sum', 'none'"):
            fn(Y, P, reduction=bad)


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
def test_mean_of_empty_or_zero_weight(mod):
    for _, fn in _all_fns(mod):
        with pytest.raises(ValueError, match="empty"):
            fn([], [])
        with pytest.raises(ValueError, match="zero"):
            fn(Y, P, sample_weight=[0.0, 0.0, 0.0])
        with pytest.raises(ValueError, match="zero"):
            fn(Y, P, sample_weight=[1.0, -1.0, 0.0])
    assert mod.mse([], [], reduction="sum") == 0.0
    assert mod.mse(Y, P, sample_weight=[0.0, 0.0, 0.0], reduction="sum") == 0.0


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
@pytest.mark.parametrize("bad", [["a", "b", "c"], np.array([1, 2, 3], dtype=object),
                                 np.array([1 + 1j, 2, 3]), "abc", None, {"a": 1}])
def test_non_numeric_is_type_error(mod, bad):
    for _, fn in _all_fns(mod):
        with pytest.raises(TypeError, match="y_pred must be numeric"):
            fn(Y, bad)
        with pytest.raises(TypeError, match="y_true must be numeric"):
            fn(bad, P)


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
def test_ragged_input(mod):
    with pytest.raises(ValueError, match="y_pred"):
        mod.mse([1.0, 2.0], [[1.0], [1.0, 2.0]])


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
def test_bad_out(mod):
    for loss in ELEMENTWISE:
        for suffix in ("_grad", "_value_and_grad"):
            fn = getattr(mod, loss.name + suffix)
            with pytest.raises(ValueError, match=r"out has shape \(4,\)"):
                fn(Y, P, out=np.empty(4))
            with pytest.raises(ValueError, match="out has dtype float32"):
                fn(Y, P, out=np.empty(3, np.float32))
            ro = np.empty(3)
            ro.flags.writeable = False
            with pytest.raises(ValueError, match="not writeable"):
                fn(Y, P, out=ro)
            with pytest.raises(TypeError, match="out must be a numpy.ndarray"):
                fn(Y, P, out=[0.0, 0.0, 0.0])
            p = P.copy()
            with pytest.raises(ValueError, match="overlap y_pred"):
                fn(Y, p, out=p)
            np.testing.assert_array_equal(p, P)
            y = Y.copy()
            with pytest.raises(ValueError, match="overlap y_true"):
                fn(y, P, out=y)
            w = np.ones(3)
            with pytest.raises(ValueError, match="overlap sample_weight"):
                fn(Y, P, sample_weight=w, out=w)


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
@pytest.mark.parametrize("bad", [0, -1, -100])
def test_bad_n_threads(mod, bad):
    for _, fn in _all_fns(mod):
        with pytest.raises(ValueError, match="n_threads"):
            fn(Y, P, n_threads=bad)
    for bad_type in (1.5, "2", True):
        with pytest.raises(TypeError, match="n_threads"):
            mod.mse(Y, P, n_threads=bad_type)


def test_huge_n_threads_is_capped():
    # documented: n_threads is capped (at 256 and at the number of blocks)
    assert fastloss.mse(Y, P, n_threads=10**6) == reference.mse(Y, P)
    big = np.random.default_rng(0).random(100_000)
    assert fastloss.mse(big, big * 0.5, n_threads=10**6) == fastloss.mse(big, big * 0.5, n_threads=1)


@pytest.mark.parametrize("mod", BACKENDS, ids=["compiled", "reference"])
def test_bad_options(mod):
    for loss in ELEMENTWISE:
        for o in loss.options:
            for bad in invalid_option_values(o):
                for suffix in ("", "_grad", "_value_and_grad"):
                    with pytest.raises(ValueError, match=o.name):
                        getattr(mod, loss.name + suffix)(Y, P, **{o.name: bad})
            with pytest.raises(TypeError, match=o.name):
                getattr(mod, loss.name)(Y, P, **{o.name: "1"})


def test_unknown_keyword_is_type_error():
    with pytest.raises(TypeError):
        fastloss.mse(Y, P, delta=1.0)
    with pytest.raises(TypeError):
        fastloss.mse(Y, P, out=np.empty(3))
    with pytest.raises(TypeError):
        fastloss.huber(Y, P, 1.0)  # options are keyword-only
