"""Gradients against 4th-order central finite differences of the value, for
every loss, on the table's data: away from kinks (found by the differences
themselves) and inside the probability clip range."""
import numpy as np
import pytest

import fastloss
from fastloss._losses import PROBABILITY
from helpers import LOSSES, inputs

H = 1e-5


def _point(loss, rng):
    """(y, p, options): the table's typical data, with a moderate non-default
    value of every option; probabilities kept inside the clip range (there the
    documented gradient is the derivative of the value)."""
    opts = {o.name: o.inside()[0] for o in loss.options}
    y, p = inputs(loss, rows=(6,), k=4, seed=int(rng.integers(1 << 30)), options=opts)
    p = p.copy()
    if loss.pred_domain is PROBABILITY:
        p = 0.05 + 0.9 * p
    return y, p, opts


def _fd(f, p, idx, h=H):
    e = np.zeros_like(p)
    e[idx] = h
    return (-f(p + 2 * e) + 8 * f(p + e) - 8 * f(p - e) + f(p - 2 * e)) / (12 * h)


def _check(g, f, p):
    """g against the finite differences of f where f is smooth: there the
    differences at steps H and 2H agree; an element within 4H of a kink
    (|r| = delta, y s = 1, tied scores) does not count.  Nearly all do."""
    smooth = 0
    for idx in np.ndindex(p.shape):
        d1, d2 = _fd(f, p, idx), _fd(f, p, idx, 2 * H)
        if abs(d1 - d2) > 1e-7 * (1 + abs(d1)):
            continue
        smooth += 1
        np.testing.assert_allclose(g[idx], d1, rtol=1e-6, atol=1e-8, err_msg=str(idx))
    assert smooth >= 0.9 * p.size, f"only {smooth} of {p.size} points away from kinks"


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_grad_matches_finite_differences(loss, reduction, weighted):
    rng = np.random.default_rng(5)
    y, p, opts = _point(loss, rng)
    kw = dict(opts, reduction=reduction)
    if weighted:
        kw["sample_weight"] = rng.uniform(0.1, 3.0, 6)
    value = getattr(fastloss, loss.name)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    _check(g, lambda q: value(y, q, **kw), p)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_none_grad_is_the_derivative_of_each_weighted_term(loss):
    rng = np.random.default_rng(6)
    y, p, opts = _point(loss, rng)
    w = rng.uniform(0.1, 3.0, 6)
    kw = dict(opts, reduction="none", sample_weight=w)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    value = getattr(fastloss, loss.name)
    _check(g, lambda q: value(y, q, **kw).sum(), p)  # term i depends on row i only


def test_subgradient_conventions():
    y = np.array([1.0, 1.0, 1.0, 1.0])
    p = np.array([1.0, 3.0, -1.0, 1.5])
    np.testing.assert_array_equal(fastloss.mae_grad(y, p, reduction="sum"), [0, 1, -1, 1])
    # huber: r inside delta, delta*sign(r) outside; continuous at |r| = delta
    np.testing.assert_array_equal(fastloss.huber_grad(y, p, delta=1.0, reduction="sum"), [0, 1, -1, 0.5])
    np.testing.assert_array_equal(fastloss.huber(y, p, delta=1.0, reduction="none"), [0, 1.5, 1.5, 0.125])
    np.testing.assert_array_equal(fastloss.huber(y, p, delta=2.0, reduction="none"), [0, 2.0, 2.0, 0.125])
    # hinge: -y where y*s < 1, 0 at and beyond the margin (np.where(margin < 1, -y, 0))
    np.testing.assert_array_equal(fastloss.hinge_grad([1, -1, 1], [1.0, 0.5, 0.2], reduction="sum"),
                                  [0, 1, -1])
    # multi-class hinge: +1 at the first arg-max rival on ties, -1 at the label
    g = fastloss.multiclass_hinge_grad(np.array([2]), np.array([[1.0, 1.0, 0.5]]), reduction="sum")
    np.testing.assert_array_equal(g, [[1, 0, -1]])


def test_saturated_probabilities_keep_a_learning_signal():
    # the clip guards the log; the gradient is evaluated at the clipped p
    g = fastloss.binary_cross_entropy_grad([1.0, 0.0], [0.0, 1.0], reduction="sum")
    assert np.all(np.isfinite(g)) and g[0] < -1e14 and g[1] > 1e14
    g32 = fastloss.binary_cross_entropy_grad(np.float32([1.0, 0.0]), np.float32([0.0, 1.0]), reduction="sum")
    assert np.all(np.isfinite(g32)) and g32[0] < -1e6 and g32[1] > 1e6


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_hess_is_the_derivative_of_the_gradient(loss, reduction):
    """The second derivatives against central differences of the gradient,
    element by element (rows: the diagonal of each row's block), at smooth
    points; grad_hess's gradient is the gradient."""
    rng = np.random.default_rng(11)
    y, p, opts = _point(loss, rng)
    w = rng.uniform(0.1, 3.0, 6)
    kw = dict(opts, reduction=reduction, sample_weight=w)
    g, h = getattr(fastloss, loss.name + "_grad_hess")(y, p, **kw)
    grad = getattr(fastloss, loss.name + "_grad")
    np.testing.assert_array_equal(g, grad(y, p, **kw))
    smooth = 0
    for idx in np.ndindex(p.shape):
        def gi(q, idx=idx):  # the gradient's own entry as the prediction moves
            return grad(y, q, **kw)[idx]
        d1, d2 = _fd(gi, p, idx), _fd(gi, p, idx, 2 * H)
        if abs(d1 - d2) > 1e-6 * (1 + abs(d1)):
            continue  # a kink of the gradient within a few steps
        smooth += 1
        np.testing.assert_allclose(h[idx], d1, rtol=1e-5, atol=1e-7, err_msg=str(idx))
    assert smooth >= 0.9 * p.size, f"only {smooth} of {p.size} points away from kinks"


@pytest.mark.parametrize("api", [fastloss, fastloss.reference], ids=["fastloss", "reference"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_hess_where_a_probability_rounds_to_one(api, dtype):
    """p (1 - p) at the largest logit is the other terms' share times p, not
    p times a 1 - p that rounded to 0: against mpmath at 50 digits."""
    import mpmath
    mpmath.mp.dps = 50
    rows = [[0.0, -40.0, -45.0], [5.0, -30.0, -31.0], [2.0, 2.0, -50.0], [-3.0, -70.0, -3.5]]
    z = np.array(rows, dtype=dtype)
    _, h = api.softmax_cross_entropy_grad_hess(np.array([0, 1, 2, 0]), z, reduction="none")
    for i, row in enumerate(rows):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in z[i]]
        for j, ej in enumerate(e):
            p = ej / mpmath.fsum(e)
            want = float(p * (1 - p))
            np.testing.assert_allclose(h[i, j], want, rtol=2e-12 if dtype == np.float64 else 2e-5,
                                       err_msg=f"row {rows[i]}, class {j}")
