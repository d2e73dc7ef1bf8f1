"""The loss table: one entry per loss drives the compiled kernels' lookup,
the public API, the NumPy reference twin, the tests and the benchmarks.

A new elementwise loss is
  * one line in ``FL_EW_LOSSES`` and one per-element formula (value and
    derivative) in ``src_c/fl_losses.h``, and
  * one :class:`Loss` entry below with its textbook NumPy formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Option:
    """A scalar loss option (keyword-only argument)."""

    name: str
    default: float
    check: str  # "positive" | "nonnegative" | "unit_interval" | "any"
    doc: str

    def validate(self, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{self.name} must be a real number, got {type(value).__name__}")
        v = float(value)
        ok = {
            "positive": v > 0 and math.isfinite(v),
            "nonnegative": v >= 0 and math.isfinite(v),
            "unit_interval": 0 <= v < 1,
            "any": math.isfinite(v),
        }[self.check]
        if not ok:
            want = {
                "positive": "a finite number > 0",
                "nonnegative": "a finite number >= 0",
                "unit_interval": "in [0, 1)",
                "any": "finite",
            }[self.check]
            raise ValueError(f"{self.name} must be {want}, got {value!r}")
        return v


@dataclass(frozen=True)
class Loss:
    name: str
    kind: str  # "elementwise" (later: "multiclass", ...)
    summary: str
    formula: str  # per-element value, as documented
    gradient: str  # per-element derivative w.r.t. the prediction
    value: Callable  # reference: per-element loss, the textbook NumPy formula
    deriv: Callable  # reference: per-element derivative w.r.t. y_pred
    options: tuple = field(default_factory=tuple)
    pred_name: str = "y_pred"
    # bench / auto-threading hint: "memory" bound or "compute" bound
    bound: str = "memory"

    @property
    def option_names(self):
        return tuple(o.name for o in self.options)


# ---- reference formulas: written the way the textbook reads ----------------

def _mse(y_true, y_pred):
    return (y_true - y_pred) ** 2


def _mse_d(y_true, y_pred):
    return 2 * (y_pred - y_true)


def _mae(y_true, y_pred):
    return np.abs(y_true - y_pred)


def _mae_d(y_true, y_pred):
    return np.sign(y_pred - y_true)


def _huber(y_true, y_pred, delta):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


def _huber_d(y_true, y_pred, delta):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r))


LOSSES = (
    Loss(
        "mse", "elementwise", "Mean squared error, for regression.",
        "(y_pred - y_true)**2", "2 (y_pred - y_true)", _mse, _mse_d,
    ),
    Loss(
        "mae", "elementwise", "Mean absolute error, for regression (robust to outliers).",
        "|y_pred - y_true|", "sign(y_pred - y_true), 0 where they are equal", _mae, _mae_d,
    ),
    Loss(
        "huber", "elementwise",
        "Huber loss: quadratic near zero, linear beyond delta (as torch.nn.functional.huber_loss).",
        "r**2/2 if |r| <= delta else delta (|r| - delta/2), r = y_pred - y_true",
        "r if |r| <= delta else delta sign(r)", _huber, _huber_d,
        options=(Option("delta", 1.0, "positive", "Threshold between the quadratic and linear parts (> 0)."),),
    ),
)

BY_NAME = {loss.name: loss for loss in LOSSES}

REDUCTIONS = ("mean", "sum", "none")
VALUE, GRAD, VALUE_AND_GRAD = 0, 1, 2
