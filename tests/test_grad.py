"""Gradients against 4th-order central finite differences of the value."""
import numpy as np
import pytest

import fastloss
from helpers import ELEMENTWISE

H = 1e-5


def _away_from_kinks(loss, rng, n, opts):
    """Residuals at least 0.05 away from every kink of the loss (r = 0, |r| = delta)."""
    y = rng.standard_normal(n)
    r = rng.uniform(0.1, 4.0, n) * rng.choice([-1, 1], n)
    for o in loss.options:
        d = opts[o.name]
        near = np.abs(np.abs(r) - d) < 0.05
        r[near] += 0.1 * np.sign(r[near])
    return y, y + r


def _fd(f, p, i):
    e = np.zeros_like(p)
    e[i] = H
    return (-f(p + 2 * e) + 8 * f(p + e) - 8 * f(p - e) + f(p - 2 * e)) / (12 * H)


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_grad_matches_finite_differences(loss, reduction, weighted):
    rng = np.random.default_rng(5)
    opts = {o.name: (0.7 if o.check == "positive" else o.default) for o in loss.options}
    y, p = _away_from_kinks(loss, rng, 25, opts)
    kw = dict(opts, reduction=reduction)
    if weighted:
        kw["sample_weight"] = rng.uniform(0.1, 3.0, 25)
    value = getattr(fastloss, loss.name)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    fd = np.array([_fd(lambda q: value(y, q, **kw), p, i) for i in range(p.size)])
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("loss", ELEMENTWISE, ids=lambda l: l.name)
def test_none_grad_is_per_element_derivative(loss):
    rng = np.random.default_rng(6)
    opts = {o.name: o.default for o in loss.options}
    y, p = _away_from_kinks(loss, rng, (200), opts)
    y, p = y.reshape(10, 20), p.reshape(10, 20)
    w = rng.uniform(0.1, 3.0, (10, 20))
    kw = dict(opts, reduction="none", sample_weight=w)

    def f(q):
        return getattr(fastloss, loss.name)(y, q, **kw)

    fd = (-f(p + 2 * H) + 8 * f(p + H) - 8 * f(p - H) + f(p - 2 * H)) / (12 * H)
    g = getattr(fastloss, loss.name + "_grad")(y, p, **kw)
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-9)


def test_subgradient_conventions():
    y = np.array([1.0, 1.0, 1.0, 1.0])
    p = np.array([1.0, 3.0, -1.0, 1.5])
    np.testing.assert_array_equal(fastloss.mae_grad(y, p, reduction="sum"), [0, 1, -1, 1])
    # huber: r inside delta, delta*sign(r) outside; continuous at |r| = delta
    np.testing.assert_array_equal(fastloss.huber_grad(y, p, delta=1.0, reduction="sum"), [0, 1, -1, 0.5])
    np.testing.assert_array_equal(fastloss.huber(y, p, delta=1.0, reduction="none"), [0, 1.5, 1.5, 0.125])
    # against torch.nn.functional.huber_loss's definition at delta=2 (values worked by hand)
    np.testing.assert_array_equal(fastloss.huber(y, p, delta=2.0, reduction="none"), [0, 2.0, 2.0, 0.125])
