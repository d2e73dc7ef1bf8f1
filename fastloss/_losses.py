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


_CHECKS = {  # check -> (predicate, what the message asks for)
    "positive": (lambda v: v > 0 and math.isfinite(v), "a finite number > 0"),
    "nonnegative": (lambda v: v >= 0 and math.isfinite(v), "a finite number >= 0"),
    "unit_interval": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "eps": (lambda v: 0 < v < 0.5, "in (0, 0.5)"),
    "any": (math.isfinite, "finite"),
}


@dataclass(frozen=True)
class Option:
    """A scalar loss option (keyword-only argument).

    ``none``: the value meant by passing None (None is then the default);
    ``columns``: a 1-D array of one value per column of a 2-D input is also
    accepted (each value checked like the scalar)."""

    name: str
    default: object
    check: str  # a key of _CHECKS
    doc: str
    none: float | None = None
    columns: bool = False

    def validate(self, value):
        """The option as a float (or, for ``columns``, a 1-D float64 array)."""
        if value is None and self.none is not None:
            return self.none
        pred, want = _CHECKS[self.check]
        if self.columns and isinstance(value, (list, tuple, np.ndarray)):
            a = np.asarray(value)
            if a.dtype.kind not in "iuf" or a.ndim != 1:
                raise ValueError(f"{self.name} must be a scalar or a 1-D array of numbers, "
                                 f"got an array of shape {a.shape} and dtype {a.dtype}")
            a = a.astype(np.float64)
            if not all(pred(float(v)) for v in a):
                raise ValueError(f"{self.name} must have every entry {want}")
            return a
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{self.name} must be a real number, got {type(value).__name__}")
        try:
            v = float(value)
        except OverflowError:  # an int beyond float64
            raise ValueError(f"{self.name} must be {want}; got an integer too large for a "
                             f"float ({int(value).bit_length()} bits)") from None
        if not pred(v):
            raise ValueError(f"{self.name} must be {want}, got {value!r}")
        return v


@dataclass(frozen=True, repr=False)
class Loss:
    """One loss.

    kind "elementwise": ``value``/``deriv`` map same-shape (y, p) to the
    per-element loss and its derivative.  kind "rows": p is (n, k) with the
    classes on the last axis, and ``value``/``deriv`` map (targets, p) to the
    n row losses and the (n, k) derivative of each row loss.
    ``targets``: "same" (elementwise), "probs" (dense (n, k)), "labels"
    (integers (n,)) or "labels_or_probs".
    ``valid``: None, or a function of the targets giving a boolean mask of the
    valid ones (``valid_rule`` says what valid means, for the message).
    ``pred_valid``: None, or the same for the predictions (the losses on
    probabilities: in [0, 1], NaN allowed as it propagates); ``pred_hint``
    ends that message (which loss to use for logits).  With integer labels,
    only the probability the loss reads (the label's, one per row) is checked."""

    name: str
    kind: str
    summary: str
    formula: str  # the loss (per element or per row), as documented
    gradient: str  # its derivative w.r.t. the prediction
    value: Callable  # reference: the textbook NumPy formula
    deriv: Callable  # reference: its derivative w.r.t. the prediction
    options: tuple = field(default_factory=tuple)
    pred_name: str = "y_pred"
    targets: str = "same"
    valid: Callable | None = None
    valid_rule: str = ""
    pred_valid: Callable | None = None
    pred_hint: str = ""
    # a cheaper form when every target of a block is 0 or 1 (the kernels pick it)
    hard_labels: bool = False
    min_classes: int = 1
    # bench / auto-threading hint: "memory" bound or "compute" bound
    bound: str = "memory"
    # the docstring example's results, rounded to 6 digits (value, gradient) on
    # the inputs _api.example_inputs gives this kind of loss
    example: tuple = ()

    def __repr__(self):
        opts = "".join(f", {o.name}={o.default!r}" for o in self.options)
        return f"<{self.kind} loss {self.name}({self.pred_name}{opts})>"

    @property
    def option_names(self):
        return tuple(o.name for o in self.options)

    def check_options(self, options):
        """Validate keyword options given by name (TypeError for an unknown one,
        ValueError for a bad value), for the callers that take **options."""
        unknown = set(options) - set(self.option_names)
        if unknown:
            raise TypeError(f"{self.name} has no option {', '.join(sorted(unknown))} "
                            f"(its options: {', '.join(self.option_names) or 'none'})")
        for o in self.options:
            if o.name in options:
                o.validate(options[o.name])


# ---- reference formulas: written the way the textbook reads ----------------

def _eps(eps, p):
    """eps raised so that 1 - eps stays below 1 in p's dtype (2**-24 in float32)."""
    return max(eps, 2.0**-24 if p.dtype == np.float32 else 2.0**-53)

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


def _bce(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob), 1 - _eps(eps, y_prob))
    return -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def _bce_d(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob), 1 - _eps(eps, y_prob))
    return (p - y_true) / (p * (1 - p))


def _in_unit_interval(y):
    return (y >= 0) & (y <= 1)


def _probability(p):
    """In [0, 1], or NaN (a NaN prediction propagates to the result)."""
    return ((p >= 0) & (p <= 1)) | np.isnan(p)


_LOGITS_HINT = "(are these logits? binary_cross_entropy_with_logits takes them)"
_SOFTMAX_HINT = "(are these logits? softmax_cross_entropy takes them)"


def _bce_logits(y_true, logits, pos_weight):
    softplus_neg = np.maximum(-logits, 0) + np.log1p(np.exp(-np.abs(logits)))
    return (1 - y_true) * logits + (1 + (pos_weight - 1) * y_true) * softplus_neg


def _bce_logits_d(y_true, logits, pos_weight):
    e = np.exp(-np.abs(logits))
    sigmoid_neg = np.where(logits >= 0, e, 1) / (1 + e)
    return (1 - y_true) - (1 + (pos_weight - 1) * y_true) * sigmoid_neg


def _hinge(y_true, scores):
    return np.maximum(0, 1 - y_true * scores)


def _hinge_d(y_true, scores):
    ys = y_true * scores
    return np.where(np.isnan(ys), ys, np.where(ys < 1, -y_true, 0))  # NaN stays NaN


def _plus_minus_one(y):
    return (y == 1) | (y == -1)


def _squared_hinge(y_true, scores):
    return np.maximum(0, 1 - y_true * scores) ** 2


def _squared_hinge_d(y_true, scores):
    return -2 * y_true * np.maximum(0, 1 - y_true * scores)


def _cce(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob), 1 - _eps(eps, y_prob))
    return -np.sum(y_true * np.log(p), axis=-1)


def _cce_d(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob), 1 - _eps(eps, y_prob))
    return -y_true / p


def _picked(y_prob, labels):
    return y_prob[np.arange(len(labels)), labels]


def _scce(labels, y_prob, eps):
    return -np.log(np.clip(_picked(y_prob, labels), _eps(eps, y_prob), 1 - _eps(eps, y_prob)))


def _scce_d(labels, y_prob, eps):
    g = np.zeros_like(y_prob)
    p = np.clip(_picked(y_prob, labels), _eps(eps, y_prob), 1 - _eps(eps, y_prob))
    g[np.arange(len(labels)), labels] = -1 / p
    return g


def _smoothed_targets(y_true, logits, label_smoothing):
    k = logits.shape[-1]
    if y_true.ndim == logits.ndim - 1:  # integer labels
        t = np.zeros_like(logits)
        t[np.arange(len(y_true)), y_true] = 1
    else:
        t = y_true
    return (1 - label_smoothing) * t + label_smoothing / k


def _log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def _softmax_ce(y_true, logits, label_smoothing):
    logp = _log_softmax(logits)
    if y_true.ndim == logits.ndim - 1:  # labels: the label's log-probability (as torch's nll)
        loss = -_picked(logp, y_true)
        if label_smoothing:
            loss = (1 - label_smoothing) * loss - label_smoothing / logits.shape[-1] * np.sum(logp, axis=-1)
        return loss
    return -np.sum(_smoothed_targets(y_true, logits, label_smoothing) * logp, axis=-1)


def _softmax_ce_d(y_true, logits, label_smoothing):
    t = _smoothed_targets(y_true, logits, label_smoothing)
    return np.exp(_log_softmax(logits)) * np.sum(t, axis=-1, keepdims=True) - t


def _crammer_singer(labels, scores):
    n = np.arange(len(labels))
    rivals = scores.copy()
    rivals[n, labels] = -np.inf
    rival = np.argmax(np.where(np.isnan(rivals), -np.inf, rivals), axis=-1)  # first arg-max
    margin = 1 - (scores[n, labels] - rivals[n, rival])
    nan_row = np.isnan(scores).any(axis=-1)
    return margin, rival, nan_row


def _multiclass_hinge(labels, scores):
    margin, _, nan_row = _crammer_singer(labels, scores)
    return np.where(nan_row, np.nan, np.maximum(0, margin))


def _multiclass_hinge_d(labels, scores):
    margin, rival, nan_row = _crammer_singer(labels, scores)
    g = np.zeros_like(scores)
    v = np.flatnonzero(margin > 0)
    g[v, rival[v]] = 1
    g[v, labels[v]] = -1
    g[nan_row] = np.nan
    return g


_EPS = Option("eps", 1e-15, "eps", "Probabilities are clipped to [eps, 1 - eps] (eps is raised to "
              "2**-24 for float32, 2**-53 for float64, so that 1 - eps stays below 1).")

LOSSES = (
    Loss(
        "mse", "elementwise", "Mean squared error, for regression.",
        "(y_pred - y_true)**2", "2 (y_pred - y_true)", _mse, _mse_d,
        example=('0.416667', 'array([ 0.333333,  0.      , -0.666667])')
    ),
    Loss(
        "mae", "elementwise", "Mean absolute error, for regression (robust to outliers).",
        "|y_pred - y_true|", "sign(y_pred - y_true), 0 where they are equal", _mae, _mae_d,
        example=('0.5', 'array([ 0.333333,  0.      , -0.333333])')
    ),
    Loss(
        "huber", "elementwise",
        "Huber loss: quadratic near zero, linear beyond delta (as torch.nn.functional.huber_loss).",
        "r**2/2 if |r| <= delta else delta (|r| - delta/2), r = y_pred - y_true",
        "r if |r| <= delta else delta sign(r)", _huber, _huber_d,
        options=(Option("delta", 1.0, "positive", "Threshold between the quadratic and linear parts (> 0)."),),
        example=('0.208333', 'array([ 0.166667,  0.      , -0.333333])')
    ),
    Loss(
        "binary_cross_entropy", "elementwise",
        "Binary cross-entropy on probabilities (the textbook formula), soft labels allowed.",
        "-(y log q + (1 - y) log(1 - q)), q = clip(y_prob, eps, 1 - eps)",
        "(q - y) / (q (1 - q)) at the clipped q (the clip guards the logs and is not "
        "differentiated, so saturated predictions keep a learning signal)",
        _bce, _bce_d, options=(_EPS,), pred_name="y_prob",
        valid=_in_unit_interval, valid_rule="in [0, 1]", bound="compute",
        pred_valid=_probability, pred_hint=_LOGITS_HINT, hard_labels=True,
        example=('0.279777', 'array([ 0.37037 , -0.416667, -0.555556])')
    ),
    Loss(
        "binary_cross_entropy_with_logits", "elementwise",
        "Binary cross-entropy on logits, stable for every finite logit "
        "(as torch.nn.functional.binary_cross_entropy_with_logits).",
        "(1 - y) z + (1 + (w+ - 1) y) softplus(-z), softplus(-z) = max(-z, 0) + log1p(exp(-|z|))",
        "(1 - y) - (1 + (w+ - 1) y) sigmoid(-z)  (sigmoid(z) - y when pos_weight is 1)",
        _bce_logits, _bce_logits_d,
        options=(Option("pos_weight", None, "positive",
                        "Weight w+ of the positive targets: a positive scalar, or a 1-D array of one "
                        "positive weight per column of a 2-D input (multi-label). None means 1.",
                        none=1.0, columns=True),),
        pred_name="logits", bound="compute", valid=_in_unit_interval, valid_rule="in [0, 1]",
        example=('0.294232', 'array([ 0.039734, -0.060809, -0.141852])')
    ),
    Loss(
        "hinge", "elementwise", "Hinge loss of SVMs; labels are -1 or +1.",
        "max(0, 1 - y s)", "-y where y s < 1, else 0 (the usual subgradient)",
        _hinge, _hinge_d, pred_name="scores", valid=_plus_minus_one, valid_rule="-1 or +1",
        example=('0.166667', 'array([ 0.      , -0.333333,  0.      ])')
    ),
    Loss(
        "squared_hinge", "elementwise", "Squared hinge loss; labels are -1 or +1.",
        "max(0, 1 - y s)**2", "-2 y max(0, 1 - y s)",
        _squared_hinge, _squared_hinge_d, pred_name="scores", valid=_plus_minus_one,
        valid_rule="-1 or +1",
        example=('0.083333', 'array([ 0.      , -0.333333, -0.      ])')
    ),
    Loss(
        "categorical_cross_entropy", "rows",
        "Categorical cross-entropy on probabilities (the textbook formula); targets one-hot or "
        "probabilities, classes on the last axis.",
        "-sum_j y_j log(clip(p_j, eps, 1 - eps)) per row",
        "-y / p at the clipped p", _cce, _cce_d, options=(_EPS,), pred_name="y_prob",
        targets="probs", valid=_in_unit_interval, valid_rule="in [0, 1]", bound="compute",
        pred_valid=_probability, pred_hint=_SOFTMAX_HINT,
        example=('0.43375', 'array([[-0.714286, -0.      , -0.      ],\n       [-0.      , -0.      , -0.833333]])')
    ),
    Loss(
        "sparse_categorical_cross_entropy", "rows",
        "Categorical cross-entropy with integer class labels (n,) and probabilities (n, k).",
        "-log(clip(p[label], eps, 1 - eps)) per row",
        "-1 / p[label] at the label (clipped p), 0 elsewhere", _scce, _scce_d,
        options=(_EPS,), pred_name="y_prob", targets="labels", bound="compute",
        pred_valid=_probability, pred_hint=_SOFTMAX_HINT,
        example=('0.43375', 'array([[-0.714286,  0.      ,  0.      ],\n       [ 0.      ,  0.      , -0.833333]])')
    ),
    Loss(
        "softmax_cross_entropy", "rows",
        "Cross-entropy of softmax(logits), log-softmax computed stably per row (as "
        "torch.nn.functional.cross_entropy); targets are integer labels (n,) or probabilities (n, k).",
        "-sum_j t_j log_softmax(z)_j per row, t = (1 - ls) target + ls / k",
        "softmax(z) sum_j t_j - t", _softmax_ce, _softmax_ce_d,
        options=(Option("label_smoothing", 0.0, "unit_interval",
                        "Mix the target with the uniform distribution (0 <= ls <= 1), as torch."),),
        pred_name="logits", targets="labels_or_probs", bound="compute",
        example=('0.455988', 'array([[-0.170499,  0.121216,  0.049283],\n       [ 0.11213 ,  0.083068, -0.195198]])')
    ),
    Loss(
        "multiclass_hinge", "rows",
        "Crammer-Singer multi-class hinge loss (as sklearn.metrics.hinge_loss for multi-class input).",
        "max(0, 1 - (s_label - max_{j != label} s_j)) per row",
        "+1 at the first arg-max rival, -1 at the label, where the margin is violated",
        _multiclass_hinge, _multiclass_hinge_d, pred_name="scores", targets="labels",
        min_classes=2,
        example=('0.4', 'array([[-0.5,  0.5,  0. ],\n       [ 0.5,  0. , -0.5]])'),
    ),
)

BY_NAME = {loss.name: loss for loss in LOSSES}

REDUCTIONS = ("mean", "sum", "none")
VALUE, GRAD, VALUE_AND_GRAD = 0, 1, 2
SUMS = 3  # private: (sum(w * loss), sum(w)) of reduction="sum" (fastloss.Mean)


# ---- the C kernels' view of the table --------------------------------------------

_C_DOMAINS = {"": "FL_DOM_ANY", "in [0, 1]": "FL_DOM_UNIT", "-1 or +1": "FL_DOM_SIGN"}


def c_table():
    """src_c/fl_table.h's text: the table as the C kernels instantiate it.

    FL_EW_TABLE(X) has X(name, target domain, predictions are probabilities,
    hard-label form, per-column option) for each elementwise loss, and
    FL_ROW_TABLE(X) X(name, target domain, prediction domain) for each row
    loss; the C function of each loss (fl_ew_<name> in fl_ew_losses.h,
    fl_row_<name> in fl_row_losses.h) must exist."""
    ew, rows = [], []
    for loss in LOSSES:
        targets = _C_DOMAINS[loss.valid_rule] if loss.targets in ("same", "probs") else "FL_DOM_ANY"
        if loss.kind == "elementwise":
            ew.append(f"    X({loss.name}, {targets}, {int(loss.pred_valid is not None)}, "
                      f"{int(loss.hard_labels)}, {int(any(o.columns for o in loss.options))})")
        else:
            preds = "FL_DOM_PROB" if loss.pred_valid is not None else "FL_DOM_ANY"
            rows.append(f"    X({loss.name}, {targets}, {preds})")
    return ("/* Generated from fastloss/_losses.py by the build: do not edit. */\n"
            "#ifndef FL_TABLE_H\n#define FL_TABLE_H\n"
            "#define FL_EW_TABLE(X) \\\n" + " \\\n".join(ew) + "\n"
            "#define FL_ROW_TABLE(X) \\\n" + " \\\n".join(rows) + "\n#endif\n")
