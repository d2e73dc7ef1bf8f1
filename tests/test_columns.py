"""The compiled per-column sums (fastloss._ext.column_sums, behind
fastloss.metrics' per-output errors), for every elementwise loss, dtype,
layout, width, weighting and thread count:

* rows stored contiguously (C order, up to 64 columns) run a block of rows as
  one contiguous stretch through the loss's vector code into per-element
  values (what reduction="none" gives), then sum each column in the kernel's
  lanes: bitwise that lane sum of the column's reduction="none" values, and
  equal to the column's own reduction="sum" call to rounding (that call fuses
  the accumulation, e.g. into a multiply-add);
* other layouts run each column's block through the kernel with its strides:
  bitwise the column's own reduction="sum" call;
* either way the same bits for any number of threads."""
import numpy as np
import pytest

import fastloss
from fastloss._losses import BY_NAME
from helpers import ELEMENTWISE, inputs, make_layout

ext = fastloss._ext
column_sums = fastloss._dispatch.column_sums  # (name or entry, then fastloss._ext.column_sums)
pytestmark = pytest.mark.skipif(ext is None, reason="compiled backend not built")

# widths: 1, narrow, wide, and more than the 64 columns of the one-stretch
# path; rows straddling the blocks of 1024 and the 32 lanes
SHAPES = [(1, 1), (5, 2), (1023, 3), (1025, 4), (2100, 5), (1500, 6), (1100, 7), (1030, 8),
          (3000, 64), (300, 70)]
LAYOUT_PAIRS = [("C", "C"), ("F", "F"), ("C", "F"), ("noncontig2d", "C"), ("reversed", "reversed")]
BLOCK, LANES = 1024, 32


def _options(loss):
    # a non-default value of every option, to see that options reach the kernel
    return {o.name: o.inside()[0] for o in loss.options}


def _lane_sum(v):
    """The kernel's sum of per-element values v (float64): per block of 1024,
    32 lanes in order then a fixed tree; block sums added in order."""
    total = 0.0
    for b0 in range(0, len(v), BLOCK):
        blk, a = v[b0:b0 + BLOCK], np.zeros(LANES)
        for i in range(0, len(blk), LANES):
            c = blk[i:i + LANES]
            a[:len(c)] += c
        h = LANES // 2
        while h:
            a[:h] += a[h:2 * h]
            h //= 2
        total += a[0]
    return total


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
def test_each_column(loss, dtype):
    f = getattr(fastloss, loss.name)
    rng = np.random.default_rng(7)
    for i, (n, m) in enumerate(SHAPES):
        opts = _options(loss) if i % 2 else {}
        yt, yp = inputs(loss, rows=(n, m), dtype=dtype, seed=i, options=opts)
        w = rng.random(n).astype(dtype)
        w[::7] = 0
        # every shape in C order (the common case), and in another pair of layouts
        for (la, lb), weights in [(p, wt) for p in {("C", "C"), LAYOUT_PAIRS[i % 5]}
                                  for wt in (None, w, w[::-1])]:
            a, b = make_layout(yt, la), make_layout(yp, lb)
            one_stretch = a.flags.c_contiguous and b.flags.c_contiguous and m <= 64
            sums, sws = column_sums(loss, a, b, weights, n_threads=1, **opts)
            assert sums.shape == sws.shape == (m,)
            s2, w2 = column_sums(loss, a, b, weights, n_threads=2, **opts)
            np.testing.assert_array_equal(s2, sums)  # bitwise, any thread count
            np.testing.assert_array_equal(w2, sws)
            for j in range(m):
                one = f(yt[:, j], yp[:, j], sample_weight=weights, reduction="sum",
                        n_threads=1, **opts)
                if one_stretch:
                    v = f(yt[:, j], yp[:, j], reduction="none", n_threads=1, **opts)
                    if weights is not None:  # w * loss, rounded as the kernel rounds it
                        v = weights.astype(v.dtype) * v
                    assert sums[j] == _lane_sum(v.astype(np.float64)), (la, lb, n, m, j)
                    scale = float(np.sum(np.abs(v), dtype=np.float64))
                    # per element the two modes agree to the input precision (in
                    # float32 the two loops, vectorized differently, may give logs an
                    # ulp apart), the sums then to rounding
                    tol = 1e-13 if dtype == "float64" else 2 * np.finfo(np.float32).eps
                    assert abs(sums[j] - one) <= tol * scale, (la, lb, n, m, j)
                else:
                    assert sums[j] == one, (la, lb, n, m, j)
                total = n if weights is None else float(np.sum(weights.astype(np.float64)))
                assert sws[j] == pytest.approx(total, rel=1e-12)
                if not one_stretch and sws[j]:
                    assert sums[j] / sws[j] == f(yt[:, j], yp[:, j], sample_weight=weights,
                                                 n_threads=1, **opts)


def test_inputs_unchanged_and_empty():
    y = np.arange(12.0).reshape(4, 3)
    p = y[::-1].copy()
    y0, p0 = y.copy(), p.copy()
    s, w = column_sums("mae", y, p)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(s, np.abs(y - p).sum(axis=0))
    np.testing.assert_array_equal(w, [4.0, 4.0, 4.0])
    s, w = column_sums("mse", np.zeros((0, 2)), np.zeros((0, 2)))
    np.testing.assert_array_equal(s, [0.0, 0.0])
    np.testing.assert_array_equal(w, [0.0, 0.0])
    s, w = column_sums("mse", np.zeros((3, 0)), np.zeros((3, 0)))
    assert s.shape == w.shape == (0,)


def test_invalid_target_names_it():
    loss = fastloss.binary_cross_entropy
    yt, yp = inputs(BY_NAME["binary_cross_entropy"], rows=(3000, 3))
    yt = yt.copy()
    yt[2500, 2] = 2.0
    with pytest.raises(ValueError, match=r"y_true\[2500\] = 2\.0"):
        column_sums("binary_cross_entropy", yt, yp, n_threads=2)
    with pytest.raises(ValueError, match=r"y_true\[2500\] = 2\.0"):
        loss(yt[:, 2], yp[:, 2])


@pytest.mark.parametrize("args, kwargs, exc, match", [
    (("softmax_cross_entropy", np.zeros((2, 3)), np.zeros((2, 3))), {}, ValueError, "elementwise"),
    (("nope", np.zeros((2, 3)), np.zeros((2, 3))), {}, ValueError, "unknown loss 'nope'"),
    (("mse", np.zeros(3), np.zeros(3)), {}, ValueError, "2-D"),
    (("mse", np.zeros((2, 3)), np.zeros((3, 2))), {}, ValueError, "2-D of one shape"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3), np.float32)), {}, TypeError, "dtype"),
    (("mse", np.zeros((2, 3), int), np.zeros((2, 3), int)), {}, TypeError, "float32 or float64"),
    (("mse", [[0.0]], [[0.0]]), {}, TypeError, "numpy arrays"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3)), np.ones(3)), {}, ValueError, "sample_weight"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3)), np.ones(2, np.float32)), {}, TypeError,
     "sample_weight"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3)), np.ones(2).astype(">f8")), {}, ValueError,
     "sample_weight must be aligned, in native byte order"),
    (("mse", np.zeros((2, 0)), np.zeros((2, 0)), np.ones(3)), {}, ValueError, "sample_weight"),
    (("huber", np.zeros((2, 3)), np.zeros((2, 3))), {"delta": -1.0}, ValueError, "delta"),
    (("huber", np.zeros((2, 3)), np.zeros((2, 3))), {"nope": 1.0}, TypeError, "nope"),
    (("mse", np.zeros((2, 3)), np.zeros((2, 3))), {"n_threads": 0}, ValueError, "n_threads"),
    (("mse", np.zeros((2, 3)).astype(">f8"), np.zeros((2, 3)).astype(">f8")), {}, ValueError,
     "byte order"),
])
def test_bad_arguments(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        column_sums(*args, **kwargs)


# ---- fastloss._ext.factorize: O(n) hashing of string labels ----------------

def _check_factorization(a):
    codes, first = ext.factorize(a)
    assert codes.dtype == np.int64 and codes.shape == a.shape
    uniq = a[first]
    np.testing.assert_array_equal(uniq[codes], a)  # every item maps to its value
    assert len(set(uniq.tolist())) == len(uniq)  # distinct values are distinct
    assert len(uniq) == len(np.unique(a))
    # numbered in order of first appearance
    np.testing.assert_array_equal(first, np.sort(first))
    if a.size:
        np.testing.assert_array_equal(codes[first], np.arange(len(first)))


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33])
def test_factorize_bytes_every_tail(width):
    rng = np.random.default_rng(width)
    # few values differing only in their last byte, and in their first
    pool = [bytes([97 + (i % 3)]) + b"x" * (width - 2) + bytes([98 + i]) if width > 1
            else bytes([97 + i]) for i in range(6)]
    a = np.array(pool, dtype=f"S{width}")[rng.integers(0, 6, 5000)]
    _check_factorization(a)
    _check_factorization(a[::-3])  # strided, negative
    _check_factorization(a[:0])


def test_factorize_unicode_and_high_cardinality():
    rng = np.random.default_rng(0)
    words = np.array(["é", "ß", "日本", "a\x00b", "a", "", "😀x", "abc" * 5])
    _check_factorization(words[rng.integers(0, len(words), 10000)])
    many = np.array([f"id{v}" for v in rng.integers(0, 10**6, 200_000)])  # the table grows
    _check_factorization(many)
    swapped = many.astype(many.dtype.newbyteorder(">"))
    _check_factorization(swapped)
    with pytest.raises(TypeError, match="str or bytes"):
        ext.factorize(np.arange(3))
    for bad in (None, ["a", "b"], "ab"):
        with pytest.raises(TypeError, match="numpy array"):
            ext.factorize(bad)
    with pytest.raises(TypeError, match="str or bytes"):
        ext.factorize(many.reshape(2, -1))


@pytest.mark.parametrize("m", [3, 80])
def test_invalid_targets_in_several_columns(m):
    """Bad targets in several columns: an error is raised, naming a bad row of a
    column that has one (the first such column that the kernel flagged)."""
    yt, yp = inputs(BY_NAME["hinge"], rows=(2000, m))
    yt = yt.copy()
    yt[1500, 0] = 0.5
    yt[3, m - 1] = 7.0
    yt[1800, m - 1] = 9.0
    with pytest.raises(ValueError, match=r"y_true\[1500\] = 0\.5"):
        column_sums("hinge", yt, yp)
    yt[1500, 0] = 1.0
    with pytest.raises(ValueError, match=r"y_true\[3\] = 7\.0"):
        column_sums("hinge", yt, yp, n_threads=2)
