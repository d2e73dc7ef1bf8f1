"""Losses whose semantics another library defines, compared with it on the
same inputs (skipped when that library is not installed)."""
import numpy as np
import pytest

import fastloss
from fastloss import reference


@pytest.mark.parametrize("api", [fastloss, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pinball_matches_sklearn_mean_pinball_loss(api, alpha, dtype):
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    y = rng.standard_normal(1001).astype(dtype)
    p = (y + rng.standard_normal(1001)).astype(dtype)
    p[:50] = y[:50]  # ties: zero loss and zero derivative
    w = rng.random(1001)
    for kw in ({}, {"sample_weight": w}):
        want = metrics.mean_pinball_loss(y.astype(np.float64), p.astype(np.float64), alpha=alpha, **kw)
        got = api.pinball(y, p, alpha=alpha, **kw)
        np.testing.assert_allclose(got, want, rtol=1e-12 if dtype == np.float64 else 1e-6)
    g = api.pinball_grad(y, p, alpha=alpha, reduction="sum")
    r = p.astype(np.float64) - y
    want = np.where(r > 0, 1 - alpha, np.where(r < 0, -alpha, 0))
    assert g.dtype == dtype and (g[:50] == 0).all()
    np.testing.assert_allclose(g, want, rtol=0 if dtype == np.float64 else 1e-6, atol=0)


def _regression_data(dtype, positive=False, n=1001, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.gamma(2.0, 1.5, n) if positive else rng.standard_normal(n) * 3
    p = np.exp(rng.standard_normal(n)) if positive else y + rng.standard_normal(n)
    return y.astype(dtype), p.astype(dtype), rng.random(n)


def _rtol(dtype):
    return 1e-12 if dtype == np.float64 else 2e-6


@pytest.mark.parametrize("api", [fastloss, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize("power", [-1.0, 0.0, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tweedie_matches_sklearn_mean_tweedie_deviance(api, power, dtype):
    metrics = pytest.importorskip("sklearn.metrics")
    y, p, w = _regression_data(dtype, positive=True)
    y[:20] = 0 if 0 < power < 2 else y[:20]  # zero counts where the power allows them
    for kw in ({}, {"sample_weight": w}):
        want = metrics.mean_tweedie_deviance(y.astype(np.float64), p.astype(np.float64),
                                             power=power, **kw)
        np.testing.assert_allclose(api.tweedie_deviance(y, p, power=power, **kw), want,
                                   rtol=_rtol(dtype))


@pytest.mark.parametrize("api", [fastloss, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize("power", [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_tweedie_rejects_what_sklearn_rejects(api, power):
    metrics = pytest.importorskip("sklearn.metrics")
    for y, p in (([1.0, 2.0], [1.0, 2.0]), ([0.0, 2.0], [1.0, 2.0]), ([-1.0, 2.0], [1.0, 2.0]),
                 ([1.0, 2.0], [0.0, 2.0]), ([1.0, 2.0], [-1.0, 2.0])):
        try:
            metrics.mean_tweedie_deviance(y, p, power=power)
            sklearn_ok = True
        except ValueError:
            sklearn_ok = False
        if sklearn_ok:
            api.tweedie_deviance(np.array(y), np.array(p), power=power)
        else:
            with pytest.raises(ValueError):
                api.tweedie_deviance(np.array(y), np.array(p), power=power)


@pytest.mark.parametrize("api", [fastloss, reference], ids=["compiled", "reference"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_log_error_and_ape_match_sklearn(api, dtype):
    metrics = pytest.importorskip("sklearn.metrics")
    y, p, w = _regression_data(dtype, positive=True)
    yy, pp = y.astype(np.float64), p.astype(np.float64)
    for kw in ({}, {"sample_weight": w}):
        np.testing.assert_allclose(api.squared_log_error(y, p, **kw),
                                   metrics.mean_squared_log_error(yy, pp, **kw), rtol=_rtol(dtype))
    y, p, w = _regression_data(dtype)
    y[:10] = 0  # |y| below eps: divided by eps, as scikit-learn does
    yy, pp = y.astype(np.float64), p.astype(np.float64)
    for kw in ({}, {"sample_weight": w}):
        np.testing.assert_allclose(api.absolute_percentage_error(y, p, **kw),
                                   metrics.mean_absolute_percentage_error(yy, pp, **kw),
                                   rtol=_rtol(dtype))
    with pytest.raises(fastloss.TargetError, match=r"y_true\[1\] = -1.0"):
        api.squared_log_error(np.array([0.0, -1.0]), np.array([0.0, 0.0]))
    with pytest.raises(ValueError):
        metrics.mean_squared_log_error([0.0, -1.0], [0.0, 0.0])
