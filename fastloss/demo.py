"""``fastloss demo``: worked examples of every kind of loss and four small
training loops, computed by fastloss next to its NumPy reference twin."""
from __future__ import annotations

import time

import numpy as np

import fastloss
from fastloss import reference

__all__ = ["main", "train_and_gate", "train_softmax_regression", "train_svm", "sigmoid", "softmax",
           "AND_X", "AND_Y", "TOY3_X", "TOY3_Y", "SVM_X", "SVM_Y"]


# ---- printing helpers ------------------------------------------------------------

def _num(x, digits=6):
    """A computed number rounded to what matters (6 significant digits), no float noise."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.{digits}g}"


def _vec(a, width=8, digits=4):
    """A row of inputs or per-sample values: integers as integers."""
    a = np.ravel(a)
    if a.dtype.kind in "iub":
        return "".join(f"{int(v):>{width}}" for v in a)
    return "".join(f"{_num(v, digits):>{width}}" for v in a)


def _rel(fast, ref):
    """|fastloss - reference| / |reference|, as the agreement column shows it."""
    d = abs(float(fast) - float(ref))
    if d == 0:
        return "identical"
    return f"{d / max(abs(float(ref)), 1e-300):.1e}"


def _compare(rows, title="loss"):
    """A table: each row (label, fastloss value, reference value)."""
    w = max(len(r[0]) for r in rows)
    print(f"  {title:<{w}}  {'fastloss':>12}  {'reference':>12}  relative difference")
    for label, fast, ref in rows:
        print(f"  {label:<{w}}  {_num(fast):>12}  {_num(ref):>12}  {_rel(fast, ref)}")


def _heading(text):
    print()
    print(text)
    print("-" * len(text))


# ---- regression --------------------------------------------------------------------

def regression():
    _heading("1. Regression: house prices (in thousands)")
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    print(f"  {'y_true':<16}{_vec(y_true)}")
    print(f"  {'y_pred':<16}{_vec(y_pred)}")
    print(f"  {'error p - y':<16}{_vec(y_pred - y_true)}")
    print(f"  {'squared error':<16}{_vec(fastloss.mse(y_true, y_pred, reduction='none'))}")
    print(f"  {'absolute error':<16}{_vec(fastloss.mae(y_true, y_pred, reduction='none'))}")
    _compare([
        ("MSE", fastloss.mse(y_true, y_pred), reference.mse(y_true, y_pred)),
        ("MAE", fastloss.mae(y_true, y_pred), reference.mae(y_true, y_pred)),
        ("Huber, delta=10", fastloss.huber(y_true, y_pred, delta=10.0),
         reference.huber(y_true, y_pred, delta=10.0)),
        ("MSE of y_true itself", fastloss.mse(y_true, y_true), reference.mse(y_true, y_true)),
    ])
    print("  MSE = (100 + 400 + 100 + 400) / 4 = 250.0 (a value of 350.0 would be an arithmetic slip).")
    print("  Squaring weighs the two 20k errors four times as much as the 10k ones; MAE does not.")

    _heading("2. The gradient of MSE: 2 (y_pred - y_true) / n")
    y_true = np.array([250, 300, 400, 350, 500])
    y_pred = np.array([240, 320, 390, 360, 480])
    print(f"  {'y_true':<16}{_vec(y_true)}")
    print(f"  {'y_pred':<16}{_vec(y_pred)}")
    print(f"  {'gradient':<16}{_vec(fastloss.mse_grad(y_true, y_pred))}")
    print(f"  {'reference':<16}{_vec(reference.mse_grad(y_true, y_pred))}")
    print(f"  MSE = {_num(fastloss.mse(y_true, y_pred))}. Each prediction moves against its own "
          "error;\n  a 20k error pulls twice as hard as a 10k one.")
    print(f"  One prediction off by 1: MSE {_num(fastloss.mse([300], [299]))}; off by 10: MSE "
          f"{_num(fastloss.mse([300], [290]))}.\n  A 10x larger error costs 100x more.")


def linear_regression():
    _heading("3. Training y = 2x by gradient descent on MSE (gradients from fastloss)")
    X = np.array([1.0, 2, 3, 4, 5])
    y = 2 * X
    print("  x = 1..5, y = 2x, w starts at 0.5; dL/dw = sum_i x_i dL/dp_i = x . mse_grad(y, w x)")
    for lr, epochs, every in ((0.1, 10, 1), (0.02, 40, 5)):
        w = 0.5
        rows = []
        for epoch in range(1, epochs + 1):
            loss, g = fastloss.mse_value_and_grad(y, w * X)
            w -= lr * float(X @ g)
            if epoch % every == 0:
                rows.append((epoch, w, float(fastloss.mse(y, w * X))))
        shown = "every epoch" if every == 1 else f"every {every}th epoch"
        print(f"  learning rate {lr}, {epochs} epochs ({shown}):")
        print(f"    {'epoch':>5}  {'w':>10}  {'loss':>12}")
        for epoch, wv, lv in rows:
            print(f"    {epoch:>5}  {wv:>10.4f}  {_num(lv, 4):>12}")
    print("  At 0.1 each step multiplies the error w - 2 by 1 - 0.1 * 2 * mean(x^2) = -1.2: w swings")
    print(f"  ever wider and ends at {2 - 1.5 * 1.2 ** 10:.2f}. Any rate below 1 / mean(x^2) = 0.0909")
    print("  converges; at 0.02 the error shrinks by 0.56 an epoch.")


# ---- classification: examples and training loops -----------------------------------

def sigmoid(z):
    """The logistic function (scipy.special.expit), in NumPy."""
    return 1 / (1 + np.exp(-z))


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
AND_Y = np.array([0, 0, 0, 1], dtype=float)
TOY3_X = np.array([[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]], dtype=float)
TOY3_Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=float)
SVM_X = np.array([[1, 2], [2, 3], [3, 3], [6, 5], [7, 8], [8, 7]], dtype=float)
SVM_Y = np.array([1, 1, 1, -1, -1, -1], dtype=float)


def train_and_gate(w, b=0.0, lr=0.5, epochs=100):
    """Logistic regression on the AND gate; the gradient from fastloss:
    dL/dz = binary_cross_entropy_with_logits_grad = (sigmoid(z) - y) / n.
    Returns (w, b, loss of every epoch, final probabilities)."""
    w = np.array(w, dtype=float)
    losses = []
    for _ in range(epochs):
        z = AND_X @ w + b
        losses.append(fastloss.binary_cross_entropy(AND_Y, sigmoid(z)))
        g = fastloss.binary_cross_entropy_with_logits_grad(AND_Y, z)
        w -= lr * (AND_X.T @ g)
        b -= lr * float(np.sum(g))
    return w, b, losses, sigmoid(z)


def train_softmax_regression(W, b=None, lr=0.1, epochs=100):
    """3-class softmax regression; the gradient from fastloss:
    dL/dlogits = softmax_cross_entropy_grad = (softmax - y) / n.
    Returns (W, b, loss and accuracy of every epoch, final probabilities)."""
    W = np.array(W, dtype=float)
    b = np.zeros(3) if b is None else np.array(b, dtype=float)
    losses, accs = [], []
    for _ in range(epochs):
        logits = TOY3_X @ W + b
        probs = softmax(logits)
        losses.append(fastloss.categorical_cross_entropy(TOY3_Y, probs))
        accs.append(float(np.mean(np.argmax(probs, 1) == np.argmax(TOY3_Y, 1))))
        g = fastloss.softmax_cross_entropy_grad(TOY3_Y, logits)
        W -= lr * (TOY3_X.T @ g)
        b -= lr * np.sum(g, axis=0)
    return W, b, losses, accs, probs


def train_svm(w, b=0.0, lr=0.01, epochs=100, lambda_reg=0.01):
    """A linear SVM: hinge loss + L2 penalty; the subgradient from fastloss:
    dL/dscores = hinge_grad = where(y s < 1, -y, 0) / n.
    Returns (w, b, loss of every epoch)."""
    w = np.array(w, dtype=float)
    losses = []
    for _ in range(epochs):
        scores = SVM_X @ w + b
        losses.append(fastloss.hinge(SVM_Y, scores) + lambda_reg * float(np.sum(w**2)))
        g = fastloss.hinge_grad(SVM_Y, scores)
        w -= lr * (SVM_X.T @ g + 2 * lambda_reg * w)
        b -= lr * float(np.sum(g))
    return w, b, losses


def binary_examples():
    _heading("4. Binary cross-entropy: a spam classifier's probabilities")
    y_true = np.array([1, 0, 1, 1, 0])
    y_prob = np.array([0.9, 0.1, 0.8, 0.7, 0.2])
    print(f"  {'y_true (spam=1)':<18}{_vec(y_true)}")
    print(f"  {'P(spam)':<18}{_vec(y_prob)}")
    print(f"  {'loss per message':<18}"
          f"{_vec(fastloss.binary_cross_entropy(y_true, y_prob, reduction='none'))}")
    _compare([("BCE (mean)", fastloss.binary_cross_entropy(y_true, y_prob),
               reference.binary_cross_entropy(y_true, y_prob))])
    print("  One spam message (y = 1) predicted with P(spam) = p:")
    _compare([(f"p = {p} ({what})", fastloss.binary_cross_entropy([1], [p]),
               reference.binary_cross_entropy([1], [p]))
              for p, what in ((0.99, "right, confident"), (0.51, "right, unsure"),
                              (0.01, "wrong, confident"))], title="case")
    z = [1e300, -1e300, 1e300, -1e300]
    y = [1, 0, 0, 1]
    losses = fastloss.binary_cross_entropy_with_logits(y, z, reduction="none")
    print("  On logits instead (binary_cross_entropy_with_logits), finite for any logit:")
    print(f"    y = {y}, z = [+1e300, -1e300, +1e300, -1e300] -> losses "
          f"[{', '.join(_num(v) for v in losses)}]")

    _heading("5. Training an AND gate (logistic regression, lr 0.5, 100 epochs)")
    w0 = np.random.default_rng(0).standard_normal(2)
    w, b, losses, preds = train_and_gate(w0)
    print(f"  inputs {AND_X.astype(int).tolist()}, targets {AND_Y.astype(int).tolist()}")
    print("  loss at epochs 1, 25, 50, 75, 100: "
          + ", ".join(f"{losses[i]:.4f}" for i in (0, 24, 49, 74, 99)))
    print(f"  final probabilities {[round(float(p), 2) for p in preds]}: right at a 0.5 threshold, but "
          "the positive case is")
    print("  still far from 1 after 100 epochs (the loss keeps falling: more epochs push it up).")


def multiclass_examples():
    _heading("6. Categorical cross-entropy: cat / dog / bird")
    y_true = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    y_prob = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.3, 0.4, 0.3]])
    per = fastloss.categorical_cross_entropy(y_true, y_prob, reduction="none")
    names = ["cat", "dog", "bird"]
    print(f"  {'sample':<8}{'true':>6}{'P(cat)':>9}{'P(dog)':>9}{'P(bird)':>9}{'loss':>10}")
    for i in range(3):
        print(f"  {i + 1:<8}{names[int(np.argmax(y_true[i]))]:>6}"
              + "".join(f"{p:>9.2f}" for p in y_prob[i]) + f"{per[i]:>10.4f}")
    labels = np.argmax(y_true, axis=1)
    _compare([("CCE (mean)", fastloss.categorical_cross_entropy(y_true, y_prob),
               reference.categorical_cross_entropy(y_true, y_prob)),
              ("same, integer labels", fastloss.sparse_categorical_cross_entropy(labels, y_prob),
               reference.sparse_categorical_cross_entropy(labels, y_prob))])
    print("  Sample 3 gives the true class only 0.3: it costs -log(0.3) = 1.204, most of the mean.")

    _heading("7. Training 3-class softmax regression (lr 0.1, 100 epochs)")
    W, b, losses, accs, probs = train_softmax_regression(
        np.random.default_rng(0).standard_normal((3, 3)) * 0.1)
    print(f"  inputs {TOY3_X.astype(int).tolist()}, classes {np.argmax(TOY3_Y, 1).tolist()}")
    print(f"    {'epoch':>5}  {'loss':>8}  accuracy")
    for e in (1, 20, 40, 60, 80, 100):
        print(f"    {e:>5}  {losses[e - 1]:>8.4f}  {accs[e - 1]:.0%}")
    print("  No linear model can exceed 75% here: the four inputs lie on one line (x = (1,2,3) +")
    print("  t(1,1,1), t = 0..3), so each class wins one interval of t, and classes 1, 2, 1 at")
    print("  t = 1, 2, 3 cannot all be right.")


def hinge_examples():
    _heading("8. Hinge loss: SVM scores, labels -1 / +1")
    y_true = np.array([1, -1, 1, 1, -1])
    scores = np.array([2.1, -1.5, 0.8, 3.0, -0.5])
    print(f"  {'y':<12}{_vec(y_true)}")
    print(f"  {'score s':<12}{_vec(scores)}")
    print(f"  {'margin y s':<12}{_vec(y_true * scores)}")
    print(f"  {'loss':<12}{_vec(fastloss.hinge(y_true, scores, reduction='none'))}")
    _compare([("hinge (mean)", fastloss.hinge(y_true, scores), reference.hinge(y_true, scores))])
    print("  max(0, 1 - y s): zero once the margin reaches 1, linear below it (0.2 + 0.5) / 5 = 0.14.")

    _heading("9. Training a linear SVM (hinge + 0.01 |w|^2)")
    w0 = np.random.default_rng(0).standard_normal(2) * 0.1
    print(f"  {'lr':>5} {'epochs':>7}  {'w':>18} {'b':>8} {'loss':>8}  separates the data")
    for lr, epochs in ((0.01, 100), (0.01, 1000), (0.05, 200)):
        w, b, losses = train_svm(w0, lr=lr, epochs=epochs)
        pred = np.sign(SVM_X @ w + b)
        print(f"  {lr:>5} {epochs:>7}  {str(w.round(3).tolist()):>18} {b:>8.3f} {losses[-1]:>8.4f}  "
              f"{'yes' if np.all(pred == SVM_Y) else 'no'}")
    print("  100 epochs at lr 0.01 are too few for this (separable) data; 1000, or lr 0.05, suffice.")


def speed():
    _heading("10. Speed: one call on 1e7 float64 values (best of 5)")
    rng = np.random.default_rng(1)
    y = rng.random(10**7).round()
    z = rng.standard_normal(10**7)
    rows = []
    for name in ("mse", "binary_cross_entropy_with_logits"):
        fast, ref = getattr(fastloss, name + "_value_and_grad"), getattr(reference, name + "_value_and_grad")
        tf, tr = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            fast(y, z)
            tf.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ref(y, z)
            tr.append(time.perf_counter() - t0)
        rows.append((name + "_value_and_grad", min(tf), min(tr)))
    w = max(len(r[0]) for r in rows)
    print(f"  {'call':<{w}}  {'fastloss':>10}  {'NumPy reference':>15}  speed-up")
    for name, a, b in rows:
        print(f"  {name:<{w}}  {a * 1e3:>7.2f} ms  {b * 1e3:>12.2f} ms  {b / a:>7.1f}x")
    if fastloss.backend() != "compiled":
        print("  (both columns ran the NumPy reference: this comparison means nothing here)")


SECTIONS = [regression, linear_regression, binary_examples, multiclass_examples, hinge_examples,
            speed]


def main():
    info = fastloss.info()
    if info["backend"] == "compiled":
        print(f"fastloss {info['version']} demo - backend: compiled (SIMD {info['simd']}, "
              f"up to {info['threads']} threads)")
    else:
        why = ("the compiled extension is not available" if not info["compiled_available"]
               else "FASTLOSS_BACKEND=numpy")
        print(f"fastloss {info['version']} demo - backend: NumPy reference ({why}).")
        print("Both columns below run the same NumPy code, so the speed comparison is meaningless.")
    print("Each result is computed by fastloss and by its NumPy reference twin; the relative")
    print("difference column shows how closely they agree.")
    for section in SECTIONS:
        section()


if __name__ == "__main__":
    main()
