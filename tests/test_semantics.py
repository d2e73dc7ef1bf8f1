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
