"""The seed page's worked examples and training loops, computed honestly.

Where the seed's printed comments are wrong, the tests assert the truth."""
import numpy as np
import pytest

import fastloss
from fastloss import reference


def test_house_prices():
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    # squared errors 100, 400, 100, 400: the mean is 250.0, not the seed's "350.0"
    np.testing.assert_array_equal(fastloss.mse(y_true, y_pred, reduction="none"), [100, 400, 100, 400])
    assert fastloss.mse(y_true, y_pred) == 250.0
    assert fastloss.mse(y_true, y_pred) == np.mean((y_true - y_pred) ** 2)
    assert fastloss.mae(y_true, y_pred) == 15.0
    assert fastloss.mse(y_true, np.array([300, 400, 350, 500])) == 0.0


def test_mse_gradient_example():
    y_true = np.array([250, 300, 400, 350, 500])
    y_pred = np.array([240, 320, 390, 360, 480])
    assert fastloss.mse(y_true, y_pred) == 220.0
    g = fastloss.mse_grad(y_true, y_pred)
    np.testing.assert_array_equal(g, 2 * (y_pred - y_true) / len(y_true))
    np.testing.assert_array_equal(g, [-4.0, 8.0, -4.0, 4.0, -8.0])


def test_small_vs_large_error():
    assert fastloss.mse(np.array([300]), np.array([299])) == 1.0
    assert fastloss.mse(np.array([300]), np.array([290])) == 100.0


def _seed_linear_regression(lr, epochs=10):
    """The seed's loop, verbatim in NumPy."""
    X = np.array([1, 2, 3, 4, 5])
    y = np.array([2, 4, 6, 8, 10])
    w = 0.5
    ws = []
    for _ in range(epochs):
        y_pred = w * X
        gradient = 2 * np.mean(X * (y_pred - y))
        w = w - lr * gradient
        ws.append(w)
    return ws


def _fastloss_linear_regression(lr, epochs=10):
    """The same loop, driven by fastloss: dL/dw = X . dL/dy_pred."""
    X = np.array([1.0, 2, 3, 4, 5])
    y = np.array([2.0, 4, 6, 8, 10])
    w = 0.5
    ws, losses = [], []
    for _ in range(epochs):
        loss, g = fastloss.mse_value_and_grad(y, w * X)
        w = w - lr * float(X @ g)
        ws.append(w)
        losses.append(loss)
    return ws, losses


def test_linear_regression_at_lr_0_1_diverges():
    ws, losses = _fastloss_linear_regression(0.1)
    np.testing.assert_allclose(ws, _seed_linear_regression(0.1), rtol=1e-12)
    # each step multiplies the error w - 2 by 1 - 0.1 * 2 * mean(X^2) = -1.2
    err = np.array(ws) - 2.0
    np.testing.assert_allclose(err[1:] / err[:-1], -1.2, rtol=1e-9)
    assert ws[-1] == pytest.approx(2.0 - 1.5 * 1.2**10, rel=1e-12)  # ~ -7.29, not 2.0
    assert ws[-1] == pytest.approx(-7.2876, abs=1e-4)
    assert losses[-1] > losses[0]


def test_linear_regression_with_stable_rate_converges():
    # lr = 0.02 < 1 / mean(X^2) = 1/11: error factor 1 - 0.02 * 22 = 0.56
    ws, losses = _fastloss_linear_regression(0.02, epochs=60)
    np.testing.assert_allclose(ws, _seed_linear_regression(0.02, epochs=60), rtol=1e-12)
    assert abs(ws[-1] - 2.0) < 1e-12 + 1.5 * 0.56**60 * 1.01
    assert abs(ws[-1] - 2.0) < 1e-13
    assert losses[-1] < 1e-20


def test_reference_agrees_on_the_seed_examples():
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    assert reference.mse(y_true, y_pred) == 250.0
    assert reference.mae(y_true, y_pred) == 15.0


def test_demo_prints_the_truth():
    from helpers import run_python

    out = run_python("-m", "fastloss", "demo", check=True).stdout
    assert "250.0" in out and "350.0" in out  # the truth next to the seed's claim
    assert "-7.29" in out
