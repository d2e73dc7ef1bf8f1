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


SECTIONS = [regression, linear_regression]


def main():
    info = fastloss.info()
    print(f"fastloss {info['version']} - backend: {info['backend']}"
          + (f", SIMD: {info['simd']}, OpenMP: {info['openmp']}" if info["compiled_available"] else ""))
    print()
    for section in SECTIONS:
        section()


if __name__ == "__main__":
    main()
