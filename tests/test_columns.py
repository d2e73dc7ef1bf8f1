"""The compiled per-column sums (fastloss._ext.column_sums, behind
fastloss.metrics' per-output errors): bitwise each column's own 1-D call, for
every elementwise loss, dtype, layout, width, weighting and thread count."""
import numpy as np
import pytest

import fastloss
from fastloss._losses import BY_NAME
from helpers import ELEMENTWISE, inputs, make_layout

ext = fastloss._ext
pytestmark = pytest.mark.skipif(ext is None, reason="compiled backend not built")

# widths: 1, the split widths specialised in C, a generic one, and more than
# one group of columns (FL_COLGROUP = 64); rows straddling blocks of 1024
SHAPES = [(1, 1), (5, 2), (1023, 3), (1025, 4), (2100, 5), (1500, 6), (1100, 7), (1030, 8),
          (300, 70)]
LAYOUTS = ["C", "F", "noncontig2d", "reversed"]


def _options(loss):
    # a non-default value of every option, to see that options reach the kernel
    vals = {"positive": 0.5, "nonnegative": 0.5, "unit_interval": 0.1, "eps": 1e-3, "any": 1.0}
    return {o.name: vals[o.check] for o in loss.options}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
def test_bitwise_each_column(loss, dtype):
    f = getattr(fastloss, loss.name)
    rng = np.random.default_rng(7)
    for i, (n, m) in enumerate(SHAPES):
        yt, yp = inputs(loss, rows=(n, m), dtype=dtype, seed=i)
        w = rng.random(n).astype(dtype)
        w[::7] = 0
        layout = LAYOUTS[i % len(LAYOUTS)]
        a, b = make_layout(yt, layout), make_layout(yp, LAYOUTS[(i + 1) % len(LAYOUTS)])
        opts = _options(loss) if i % 2 else {}
        for weights in (None, w, w[::-1]):
            for nt in (1, 2):
                sums, sws = ext.column_sums(loss.name, a, b, weights, n_threads=nt, **opts)
                assert sums.shape == sws.shape == (m,)
                for j in range(m):
                    one = f(yt[:, j], yp[:, j], sample_weight=weights, reduction="sum",
                            n_threads=1, **opts)
                    assert sums[j] == one, (layout, n, m, j, nt)
                    total = n if weights is None else float(
                        np.sum(weights.astype(np.float64)))
                    assert sws[j] == pytest.approx(total, rel=1e-12)
                    if sws[j]:
                        assert sums[j] / sws[j] == f(yt[:, j], yp[:, j], sample_weight=weights,
                                                     n_threads=1, **opts)


def test_inputs_unchanged_and_empty():
    y = np.arange(12.0).reshape(4, 3)
    p = y[::-1].copy()
    y0, p0 = y.copy(), p.copy()
    s, w = ext.column_sums("mae", y, p)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(s, np.abs(y - p).sum(axis=0))
    np.testing.assert_array_equal(w, [4.0, 4.0, 4.0])
    s, w = ext.column_sums("mse", np.zeros((0, 2)), np.zeros((0, 2)))
    np.testing.assert_array_equal(s, [0.0, 0.0])
    np.testing.assert_array_equal(w, [0.0, 0.0])
    s, w = ext.column_sums("mse", np.zeros((3, 0)), np.zeros((3, 0)))
    assert s.shape == w.shape == (0,)


def test_invalid_target_names_it():
    loss = fastloss.binary_cross_entropy
    yt, yp = inputs(BY_NAME["binary_cross_entropy"], rows=(3000, 3))
    yt = yt.copy()
    yt[2500, 2] = 2.0
    with pytest.raises(ValueError, match=r"y_true\[2500\] = 2\.0"):
        ext.column_sums("binary_cross_entropy", yt, yp, n_threads=2)
    with pytest.raises(ValueError, match=r"y_true\[2500\] = 2\.0"):
        loss(yt[:, 2], yp[:, 2])


@pytest.mark.parametrize("args, kwargs, exc, match", [
    (("softmax_cross_entropy", np.zeros((2, 3)), np.zeros((2, 3))), {}, ValueError, "elementwise"),
    (("nope", np.zeros((2, 3)), np.zeros((2, 3))), {}, ValueError, "elementwise"),
    (("mse", np.zeros(3), np.zeros(3)), {}, ValueError, "2-D"),
    (("mse", np.zeros((2, 3)), np.zeros((3, 2))), {}, ValueError, "2-D of one shape"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3), np.float32)), {}, TypeError, "dtype"),
    (("mse", np.zeros((2, 3), int), np.zeros((2, 3), int)), {}, TypeError, "float32 or float64"),
    (("mse", [[0.0]], [[0.0]]), {}, TypeError, "numpy arrays"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3)), np.ones(3)), {}, ValueError, "sample_weight"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3)), np.ones(2, np.float32)), {}, TypeError,
     "sample_weight"),
    (("huber", np.zeros((2, 3)), np.zeros((2, 3))), {"delta": -1.0}, ValueError, "delta"),
    (("huber", np.zeros((2, 3)), np.zeros((2, 3))), {"nope": 1.0}, TypeError, "nope"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3))), {"n_threads": 0}, ValueError, "n_threads"),
    (("mse", np.zeros((2, 3)).astype(">f8"), np.zeros((2, 3)).astype(">f8")), {}, ValueError,
     "byte order"),
])
def test_bad_arguments(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ext.column_sums(*args, **kwargs)
