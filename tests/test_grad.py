"""Gradients against 4th-order central finite differences of the value, for
every loss, away from its kinks (and inside the probability clip range)."""
import numpy as np
import pytest

import fastloss
from helpers import LOSSES, inputs

H = 1e-5


def _smooth_point(loss, rng):
    """(y, p, options) where the loss is differentiable with margin >> H."""
    opts = {o.name: o.default for o in loss.options}
    if loss.name == "huber":
        opts["delta"] = 0.7
    if loss.name == "binary_cross_entropy_with_logits":
        opts["pos_weight"] = 2.5
    if loss.name == "softmax_cross_entropy":
        opts["label_smoothing"] = 0.1
    y, p = inputs(loss, rows=(6,), k=4, seed=int(rng.integers(1 << 30)))
    p = p.copy()
    if loss.pred_name == "y_prob":  # inside the clip range
        p = 0.05 + 0.9 * p
    if loss.name in ("mae", "huber"):
        r = rng.uniform(0.1, 4.0, p.shape) * rng.choice([-1, 1], p.shape)
        if loss.name == "huber":
            r[np.abs(np.abs(r) - 0.7) < 0.05] += 0.1
        p = y + r
    if loss.name in ("hinge", "squared_hinge"):  # y*s away from 1
        m = rng.uniform(0.1, 2.0, p.shape) * rng.choice([-1, 1], p.shape)
        p = y * (1 + m)
    if loss.name == "multiclass_hinge":  # distinct scores, margins away from 0
        p = rng.permuted(np.tile(np.arange(4.0), (6, 1)), axis=1) * 0.37
        p[np.arange(6), y] += rng.choice([-0.2, 0.2, 1.5], 6)
    return y, p, opts


def _fd(f, p, idx):
    e = np.zeros_like(p)
    e[idx] = H
    return (-f(p + 2 * e) + 8 * f(p + e) - 8 * f(p - e) + f(p - 2 * e)) / (12 * H)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_grad_matches_finite_differences(loss, reduction, weighted):
    rng = np.random.default_rng(5)
    y, p, opts = _smooth_point(loss, rng)
    kw = dict(opts, reduction=reduction)
    if weighted:
        kw["sample_weight"] = rng.uniform(0.1, 3.0, 6)
    value = getattr(fastloss, loss.name)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    fd = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        fd[idx] = _fd(lambda q: value(y, q, **kw), p, idx)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_none_grad_is_the_derivative_of_each_weighted_term(loss):
    rng = np.random.default_rng(6)
    y, p, opts = _smooth_point(loss, rng)
    w = rng.uniform(0.1, 3.0, 6)
    kw = dict(opts, reduction="none", sample_weight=w)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    value = getattr(fastloss, loss.name)
    fd = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        row = idx[0]
        fd[idx] = _fd(lambda q: value(y, q, **kw)[row], p, idx)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


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
