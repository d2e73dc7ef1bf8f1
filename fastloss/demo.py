"""``python -m fastloss demo``: the seed page's examples, computed by fastloss,
next to the NumPy reference twin and to what the seed's comments claim."""
from __future__ import annotations

import numpy as np

import fastloss
from fastloss import reference


def _row(label, fast, ref, claim=None):
    mark = ""
    if claim is not None:
        ok = np.allclose(fast, claim, rtol=1e-9, atol=0)
        mark = f"   seed says {claim!r:<8} {'ok' if ok else '<- WRONG in the seed'}"
    print(f"  {label:<34} fastloss {fast!r:<22} reference {ref!r:<22}{mark}")


def regression():
    print("== 1. House prices (seed: 'Understanding Loss Functions') ==")
    y_true = np.array([300, 400, 350, 500])
    y_pred = np.array([290, 420, 360, 480])
    print(f"  errors y_true - y_pred: {(y_true - y_pred).tolist()}; squared errors "
          f"{fastloss.mse(y_true, y_pred, reduction='none').tolist()}")
    _row("MSE", fastloss.mse(y_true, y_pred), reference.mse(y_true, y_pred), 350.0)
    _row("MAE", fastloss.mae(y_true, y_pred), reference.mae(y_true, y_pred), 15.0)
    _row("MSE of perfect predictions", fastloss.mse(y_true, y_true), reference.mse(y_true, y_true), 0.0)
    _row("Huber (delta=10)", fastloss.huber(y_true, y_pred, delta=10.0),
         reference.huber(y_true, y_pred, delta=10.0))
    print("  The squared errors average to (100+400+100+400)/4 = 250.0; the seed's 350.0 is a typo.\n")

    print("== 2. MSE and its gradient (seed: 'MSE Implementation') ==")
    y_true = np.array([250, 300, 400, 350, 500])
    y_pred = np.array([240, 320, 390, 360, 480])
    _row("MSE", fastloss.mse(y_true, y_pred), reference.mse(y_true, y_pred))
    print(f"  gradient 2(p - y)/n  fastloss {fastloss.mse_grad(y_true, y_pred).tolist()}"
          f"  reference {reference.mse_grad(y_true, y_pred).tolist()}")
    _row("error 1: MSE", fastloss.mse([300], [299]), reference.mse([300], [299]), 1.0)
    _row("error 10: MSE", fastloss.mse([300], [290]), reference.mse([300], [290]), 100.0)
    print("  A 10x larger error costs 100x more.\n")


def linear_regression():
    print("== 3. Training y = 2x by gradient descent on MSE (seed's loop, fastloss gradients) ==")
    X = np.array([1.0, 2, 3, 4, 5])
    y = 2 * X
    for lr, epochs in ((0.1, 10), (0.02, 10), (0.02, 40)):
        w = 0.5
        trace = []
        for epoch in range(epochs):
            loss, g = fastloss.mse_value_and_grad(y, w * X)
            w -= lr * float(X @ g)  # dL/dw = sum_i x_i dL/dp_i
            if epoch % 2 == 0 and epochs <= 10:
                trace.append(f"e{epoch}: w={w:.3f} loss={loss:.2f}")
        print(f"  lr={lr:<5} {epochs:>2} epochs -> w = {w:.3f}   " + "  ".join(trace))
    print(f"  With lr=0.1 each step multiplies the error (w - 2) by 1 - 0.1*2*mean(x^2) = -1.2:"
          f" w ends at {2 - 1.5 * 1.2 ** 10:.2f},\n  not 'close to optimal w=2.0' as the seed claims."
          " Any lr < 1/mean(x^2) = 0.0909 converges (0.02 shown).\n")


# ---- classification: the seed's examples and training loops, on fastloss --

def sigmoid(z):
    """scipy.special.expit, in NumPy: the seed's output activation."""
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
    """The seed's AND-gate logistic regression; gradient from fastloss:
    dL/dz = binary_cross_entropy_with_logits_grad = (sigmoid(z) - y) / n."""
    w = np.array(w, dtype=float)
    losses = []
    for _ in range(epochs):
        z = AND_X @ w + b
        losses.append(fastloss.binary_cross_entropy(AND_Y, sigmoid(z)))  # the seed's loss
        g = fastloss.binary_cross_entropy_with_logits_grad(AND_Y, z)
        w -= lr * (AND_X.T @ g)
        b -= lr * float(np.sum(g))
    return w, b, losses, sigmoid(z)


def train_softmax_regression(W, b=None, lr=0.1, epochs=100):
    """The seed's 3-class softmax regression; gradient from fastloss:
    dL/dlogits = softmax_cross_entropy_grad = (softmax - y) / n."""
    W = np.array(W, dtype=float)
    b = np.zeros(3) if b is None else np.array(b, dtype=float)
    losses, accs = [], []
    for _ in range(epochs):
        logits = TOY3_X @ W + b
        probs = softmax(logits)
        losses.append(fastloss.categorical_cross_entropy(TOY3_Y, probs))  # the seed's loss
        accs.append(float(np.mean(np.argmax(probs, 1) == np.argmax(TOY3_Y, 1))))
        g = fastloss.softmax_cross_entropy_grad(TOY3_Y, logits)
        W -= lr * (TOY3_X.T @ g)
        b -= lr * np.sum(g, axis=0)
    return W, b, losses, accs, probs


def train_svm(w, b=0.0, lr=0.01, epochs=100, lambda_reg=0.01):
    """The seed's linear SVM: hinge + L2; subgradient from fastloss:
    dL/dscores = hinge_grad = where(y*s < 1, -y, 0) / n."""
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
    print("== 4. Binary cross-entropy (seed: spam classifier) ==")
    y_true = np.array([1, 0, 1, 1, 0])
    y_pred = np.array([0.9, 0.1, 0.8, 0.7, 0.2])
    _row("BCE", fastloss.binary_cross_entropy(y_true, y_pred),
         reference.binary_cross_entropy(y_true, y_pred))
    for label, p in (("correct & confident (p=0.99)", 0.99), ("correct & uncertain (p=0.51)", 0.51),
                     ("wrong & confident (p=0.01)", 0.01)):
        _row(label, fastloss.binary_cross_entropy([1], [p]), reference.binary_cross_entropy([1], [p]))
    print("  Same labels on logits (stable for any logit): BCE-with-logits at z = +-1e300 gives "
          f"{fastloss.binary_cross_entropy_with_logits([1, 0, 0, 1], [1e300, -1e300, 1e300, -1e300], reduction='none').tolist()}")
    print()
    print("== 5. Training an AND gate (seed's loop, fastloss gradients; seed RNG replaced by seed 0) ==")
    w, b, losses, preds = train_and_gate(np.random.default_rng(0).standard_normal(2))
    print(f"  loss {losses[0]:.4f} -> {losses[-1]:.4f}; final predictions {preds.round(2).tolist()} "
          f"(seed: 'close to [0, 0, 0, 1]')")
    print("  Thresholded at 0.5 they are right for every initial w tried, but after 100 epochs the "
          "positive case sits near 0.7, not near 1.\n")


def multiclass_examples():
    print("== 6. Categorical cross-entropy (seed: cat / dog / bird) ==")
    y_true = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    y_pred = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.3, 0.4, 0.3]])
    _row("CCE", fastloss.categorical_cross_entropy(y_true, y_pred),
         reference.categorical_cross_entropy(y_true, y_pred))
    per = fastloss.categorical_cross_entropy(y_true, y_pred, reduction="none")
    for i, loss in enumerate(per):
        print(f"  sample {i + 1}: true={np.argmax(y_true[i])} pred={np.argmax(y_pred[i])} loss={loss:.4f}")
    labels = np.argmax(y_true, axis=1)
    _row("same with integer labels", fastloss.sparse_categorical_cross_entropy(labels, y_pred),
         reference.sparse_categorical_cross_entropy(labels, y_pred))
    print()
    print("== 7. Training 3-class softmax regression (seed's loop, fastloss gradients) ==")
    W, b, losses, accs, probs = train_softmax_regression(
        np.random.default_rng(0).standard_normal((3, 3)) * 0.1)
    print(f"  loss {losses[0]:.4f} -> {losses[-1]:.4f}; accuracy by epoch 0/20/40/60/80: "
          f"{[f'{a:.0%}' for a in accs[::20]]}")
    print("  It cannot exceed 75%: the four inputs lie on one line (x = (1,2,3) + t(1,1,1), t = 0..3),")
    print("  so every linear model's class scores are affine in t and each class wins one interval of")
    print("  t; class 1 at t = 1 and t = 3 with class 2 at t = 2 in between cannot all be right.\n")


def hinge_examples():
    print("== 8. Hinge loss (seed: SVM scores) ==")
    y_true = np.array([1, -1, 1, 1, -1])
    scores = np.array([2.1, -1.5, 0.8, 3.0, -0.5])
    _row("hinge", fastloss.hinge(y_true, scores), reference.hinge(y_true, scores))
    for y, s, what in ((1, 2.0, "correct & confident"), (1, 0.5, "correct, inside the margin"),
                       (1, -0.5, "wrong"), (-1, -2.0, "correct & confident")):
        print(f"  {what:<28} y={y:2d} score={s:5.1f} margin={y * s:5.1f} "
              f"loss={fastloss.hinge([y], [s]):.2f}")
    print()
    print("== 9. Training a linear SVM (seed's loop, fastloss subgradients) ==")
    w0 = np.random.default_rng(0).standard_normal(2) * 0.1
    for lr, epochs in ((0.01, 100), (0.01, 1000), (0.05, 200)):
        w, b, losses = train_svm(w0, lr=lr, epochs=epochs)
        pred = np.sign(SVM_X @ w + b)
        print(f"  lr={lr:<5} {epochs:>4} epochs: w={w.round(3).tolist()} b={b:.3f} loss={losses[-1]:.4f} "
              f"separates: {bool(np.all(pred == SVM_Y))}")
    print("  The seed's setting (lr 0.01, 100 epochs) leaves the separable data unseparated (for 200 of"
          " 200\n  initial weights tried); 1000 epochs, or lr 0.05 for 200 epochs, separate it.\n")


SECTIONS = [regression, linear_regression, binary_examples, multiclass_examples, hinge_examples]



def main():
    info = fastloss.info()
    print(f"fastloss {info['version']} - backend: {info['backend']}"
          + (f", SIMD: {info['simd']}, threads: {info['threads']}" if info["compiled_available"] else ""))
    print()
    for section in SECTIONS:
        section()


if __name__ == "__main__":
    main()
