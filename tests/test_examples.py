"""The demo's worked examples and training loops, checked against the
textbook NumPy formulas and loops (the same loops written out by hand)."""
import numpy as np
import pytest

import fastloss
from fastloss import reference


def test_house_prices():
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    # squared errors 100, 400, 100, 400: the mean is 250.0
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


def _textbook_linear_regression(lr, epochs=10):
    """The loop written out in NumPy, without fastloss."""
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
    np.testing.assert_allclose(ws, _textbook_linear_regression(0.1), rtol=1e-12)
    # each step multiplies the error w - 2 by 1 - 0.1 * 2 * mean(X^2) = -1.2
    err = np.array(ws) - 2.0
    np.testing.assert_allclose(err[1:] / err[:-1], -1.2, rtol=1e-9)
    assert ws[-1] == pytest.approx(2.0 - 1.5 * 1.2**10, rel=1e-12)  # ~ -7.29, not 2.0
    assert ws[-1] == pytest.approx(-7.2876, abs=1e-4)
    assert losses[-1] > losses[0]


def test_linear_regression_with_stable_rate_converges():
    # lr = 0.02 < 1 / mean(X^2) = 1/11: error factor 1 - 0.02 * 22 = 0.56
    ws, losses = _fastloss_linear_regression(0.02, epochs=60)
    np.testing.assert_allclose(ws, _textbook_linear_regression(0.02, epochs=60), rtol=1e-12)
    assert abs(ws[-1] - 2.0) < 1e-12 + 1.5 * 0.56**60 * 1.01
    assert abs(ws[-1] - 2.0) < 1e-13
    assert losses[-1] < 1e-20


def test_reference_agrees_on_the_worked_examples():
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    assert reference.mse(y_true, y_pred) == 250.0
    assert reference.mae(y_true, y_pred) == 15.0


def test_demo_prints_the_truth():
    from helpers import run_python

    out = run_python("-m", "fastloss", "demo", check=True).stdout
    assert "backend: compiled" in out.splitlines()[0]
    assert "MSE                          250.0         250.0  identical" in out
    assert "-7.29" in out and "0.14" in out
    assert not any(line != line.rstrip() for line in out.splitlines())  # no trailing spaces
    assert "0.13999999" not in out and "seed" not in out.lower()


# ---- classification: binary, categorical and hinge examples ----

from fastloss import demo  # noqa: E402


def test_spam_bce_example():
    y_true = np.array([1, 0, 1, 1, 0])
    y_pred = np.array([0.9, 0.1, 0.8, 0.7, 0.2])
    exact = -(np.log(0.9) + np.log(0.9) + np.log(0.8) + np.log(0.7) + np.log(0.8)) / 5
    assert fastloss.binary_cross_entropy(y_true, y_pred) == pytest.approx(exact, rel=1e-15)
    assert f"{fastloss.binary_cross_entropy(y_true, y_pred):.4f}" == "0.2027"


def test_confident_uncertain_wrong():
    got = [fastloss.binary_cross_entropy(np.array([1]), np.array([p])) for p in (0.99, 0.51, 0.01)]
    np.testing.assert_allclose(got, [-np.log(0.99), -np.log(0.51), -np.log(0.01)], rtol=1e-15)
    assert [f"{g:.4f}" for g in got] == ["0.0101", "0.6733", "4.6052"]


def test_cat_dog_bird_cce():
    y_true = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    y_pred = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.3, 0.4, 0.3]])
    per = fastloss.categorical_cross_entropy(y_true, y_pred, reduction="none")
    np.testing.assert_allclose(per, -np.log([0.8, 0.7, 0.3]), rtol=1e-15)
    # per sample, one row at a time: categorical_cross_entropy(y_true[i:i+1], y_pred[i:i+1])
    for i in range(3):
        assert fastloss.categorical_cross_entropy(y_true[i:i + 1], y_pred[i:i + 1]) == per[i]
    assert fastloss.categorical_cross_entropy(y_true, y_pred) == pytest.approx(np.mean(per), rel=1e-15)
    assert f"{np.mean(per):.4f}" == "0.5946"
    assert fastloss.sparse_categorical_cross_entropy(np.array([1, 0, 2]), y_pred) == pytest.approx(
        np.mean(per), rel=1e-15)


def test_hinge_examples():
    y_true = np.array([1, -1, 1, 1, -1])
    scores = np.array([2.1, -1.5, 0.8, 3.0, -0.5])
    np.testing.assert_allclose(fastloss.hinge(y_true, scores, reduction="none"), [0, 0, 0.2, 0, 0.5],
                               atol=1e-15)
    assert fastloss.hinge(y_true, scores) == pytest.approx(0.14, rel=1e-14)
    table = [(1, 2.0, 0.0), (1, 0.5, 0.5), (1, -0.5, 1.5), (-1, -2.0, 0.0)]
    for y, s, loss in table:
        assert fastloss.hinge(np.array([y]), np.array([s])) == loss


def _textbook_and_gate(w, b=0, learning_rate=0.5):
    """The AND-gate loop written out in NumPy (expit written out)."""
    def binary_cross_entropy(y_true, y_pred, epsilon=1e-15):
        y_pred = np.clip(y_pred, epsilon, 1 - epsilon)
        return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0, 0, 0, 1])
    w = w.copy()
    losses = []
    for epoch in range(100):
        z = X @ w + b
        y_pred = 1 / (1 + np.exp(-z))
        losses.append(binary_cross_entropy(y, y_pred))
        error = y_pred - y
        dw = X.T @ error / len(y)
        db = np.mean(error)
        w -= learning_rate * dw
        b -= learning_rate * db
    return w, b, losses, y_pred


def _textbook_softmax_regression(W, learning_rate=0.1):
    def categorical_cross_entropy(y_true, y_pred, epsilon=1e-15):
        y_pred = np.clip(y_pred, epsilon, 1 - epsilon)
        return -np.mean(np.sum(y_true * np.log(y_pred), axis=-1))

    X = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]])
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]])
    W = W.copy()
    b = np.zeros(3)
    losses, accs = [], []
    for epoch in range(100):
        logits = X @ W + b
        y_pred = demo.softmax(logits)
        losses.append(categorical_cross_entropy(y_true, y_pred))
        accs.append(np.mean(np.argmax(y_pred, axis=1) == np.argmax(y_true, axis=1)))
        error = y_pred - y_true
        dW = X.T @ error / len(y_true)
        db = np.mean(error, axis=0)
        W -= learning_rate * dW
        b -= learning_rate * db
    return W, b, losses, accs


def _textbook_svm(w, b=0, learning_rate=0.01, lambda_reg=0.01, epochs=100):
    X = np.array([[1, 2], [2, 3], [3, 3], [6, 5], [7, 8], [8, 7]])
    y = np.array([1, 1, 1, -1, -1, -1])
    w = w.copy()
    losses = []
    for epoch in range(epochs):
        scores = X @ w + b
        loss = np.mean(np.maximum(0, 1 - y * scores)) + lambda_reg * np.sum(w ** 2)
        losses.append(loss)
        margin = y * scores
        dloss = np.where(margin < 1, -y, 0)
        dw = (X.T @ dloss) / len(y) + 2 * lambda_reg * w
        db = np.mean(dloss)
        w -= learning_rate * dw
        b -= learning_rate * db
    return w, b, losses


@pytest.mark.parametrize("seed", range(5))
def test_and_gate_loop_reproduces_the_textbook_loop(seed):
    w0 = np.random.default_rng(seed).standard_normal(2)
    w, b, losses, preds = demo.train_and_gate(w0)
    sw, sb, slosses, spreds = _textbook_and_gate(w0)
    np.testing.assert_allclose(w, sw, rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(sb, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(losses, slosses, rtol=1e-12)
    # what it reaches: right at a 0.5 threshold, but the positive case is far from 1
    assert np.array_equal(preds > 0.5, [False, False, False, True])
    assert 0.5 < preds[3] < 0.8


@pytest.mark.parametrize("seed", range(5))
def test_softmax_regression_loop_reproduces_the_textbook_loop_and_stops_at_75_percent(seed):
    W0 = np.random.default_rng(seed).standard_normal((3, 3)) * 0.1
    W, b, losses, accs, _ = demo.train_softmax_regression(W0)
    sW, sb, slosses, saccs = _textbook_softmax_regression(W0)
    np.testing.assert_allclose(W, sW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, sb, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(losses, slosses, rtol=1e-12)
    assert accs == saccs and max(accs) == 0.75


def test_no_linear_model_exceeds_75_percent_on_the_toy_set():
    X, Y = demo.TOY3_X, np.argmax(demo.TOY3_Y, 1)
    # the inputs lie on a line: x_t = x_0 + t (1, 1, 1)
    np.testing.assert_array_equal(X - X[0], np.outer(np.arange(4), np.ones(3)))
    rng = np.random.default_rng(0)
    best = max(np.mean(np.argmax(X @ rng.standard_normal((3, 3)) * 10 + rng.standard_normal(3), 1) == Y)
               for _ in range(20000))
    assert best == 0.75


@pytest.mark.parametrize("seed", range(5))
def test_svm_loop_reproduces_the_textbook_loop(seed):
    w0 = np.random.default_rng(seed).standard_normal(2) * 0.1
    w, b, losses = demo.train_svm(w0)
    sw, sb, slosses = _textbook_svm(w0)
    np.testing.assert_allclose(w, sw, rtol=1e-12, atol=1e-12)
    assert b == pytest.approx(sb, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(losses, slosses, rtol=1e-12)


def test_svm_at_lr_0_01_does_not_yet_separate_but_longer_training_does():
    separated = {100: 0, 1000: 0}
    for seed in range(30):
        w0 = np.random.default_rng(seed).standard_normal(2) * 0.1
        for epochs in separated:
            w, b, _ = demo.train_svm(w0, lr=0.01, epochs=epochs)
            separated[epochs] += bool(np.all(np.sign(demo.SVM_X @ w + b) == demo.SVM_Y))
    assert separated[100] < 15  # "usually does not": here never
    assert separated[1000] == 30


def test_extreme_logits_are_finite_and_exact():
    z = np.array([1e4, -1e4, 1e300, -1e300, 1e4, -1e4, 1e300, -1e300])
    y = np.array([1, 0, 1, 0, 0, 1, 0, 1.0])
    v = fastloss.binary_cross_entropy_with_logits(y, z, reduction="none")
    np.testing.assert_array_equal(v, [0, 0, 0, 0, 1e4, 1e4, 1e300, 1e300])
    g = fastloss.binary_cross_entropy_with_logits_grad(y, z, reduction="sum")
    np.testing.assert_array_equal(g, [0, 0, 0, 0, 1, -1, 1, -1])
    z2 = np.array([[1e4, -1e4, 0.0], [1e300, -1e300, 0.0]])
    v2 = fastloss.softmax_cross_entropy(np.array([0, 1]), z2, reduction="none")
    np.testing.assert_array_equal(v2, [0.0, 2e300])
    assert np.all(np.isfinite(fastloss.softmax_cross_entropy_grad(np.array([0, 1]), z2)))
