"""What fastloss.xgboost and fastloss.lightgbm share: a loss as a gradient
boosting objective (per-sample gradient and Hessian from ``NAME_grad_hess``)
and as an evaluation metric, over the labels, raw scores and weights the
libraries pass."""
from __future__ import annotations

import sys
import threading

import numpy as np

import fastloss as _fl

from ._losses import BY_NAME, LOSSES
from ._validate import compute_dtype

OBJECTIVES = tuple(loss.name for loss in LOSSES if loss.boosting)


def objective_loss(name, options, library):
    """The loss of an objective, its options checked; a ValueError naming the
    losses that can be one."""
    loss = BY_NAME.get(name)
    if loss is None or not loss.boosting:
        raise ValueError(f"fastloss.{library}.objective: {name!r} is not an objective; the "
                         f"losses of raw scores are: {', '.join(OBJECTIVES)}")
    loss.check_options(options)
    _, pred = loss.domains_for(options)
    if pred.c_name != "FL_DOM_ANY":  # (poisson_nll with log_input=False: predictions >= 0)
        raise ValueError(f"fastloss.{library}.objective: {name} with {options} takes "
                         f"predictions {pred.rule}, but boosting adds trees to raw scores "
                         "(poisson_nll needs log_input=True)")
    return loss


def metric_loss(name, options, library):
    loss = BY_NAME.get(name)
    if loss is None:
        raise ValueError(f"fastloss.{library}.metric: unknown loss {name!r}; the losses: "
                         f"{', '.join(loss.name for loss in LOSSES)}")
    loss.check_options(options)
    return loss


def _inputs(loss, labels, preds, weight, library):
    """(y_true, predictions, sample weights or None) in fastloss's layout."""
    preds = np.asarray(preds)
    labels = np.asarray(labels)
    w = None if weight is None or np.size(weight) == 0 else np.asarray(weight)
    if loss.kind == "rows":
        if preds.ndim != 2 or preds.shape[1] < 2:
            raise ValueError(f"fastloss.{library}: {loss.name} needs one column of scores per "
                             f"class (a multi-class model with num_class >= 2); got predictions "
                             f"of shape {preds.shape}")
        if labels.ndim != 1:
            raise ValueError(f"fastloss.{library}: {loss.name} takes one class label per row; "
                             f"got labels of shape {labels.shape}")
        y = labels.astype(np.int64)
        if not np.array_equal(y, labels):
            raise ValueError(f"fastloss.{library}: {loss.name} takes integer class labels "
                             "0 .. num_class - 1; the labels have fractions")
        return y, preds, w
    if preds.ndim == 2 and labels.ndim == 1 and labels.size == preds.size:
        labels = labels.reshape(preds.shape)  # (multi-output regression, flat labels)
    if w is not None and preds.ndim == 2 and w.shape == (preds.shape[0],):
        w = np.broadcast_to(w[:, None], preds.shape)  # one weight per row, every output
    return labels, preds, w


class Spare:
    """The (gradient, Hessian) arrays an objective returned last, written
    again by its next call when nothing else holds them any more (the
    libraries copy them into their own buffers at once): a boosting round
    then writes memory already mapped instead of two fresh arrays.  An
    array still referenced anywhere (kept by the caller, a view of it) is
    never reused."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pair = None

    def take(self, shape, dtype):
        with self._lock:
            pair, self._pair = self._pair, None
        if pair is None:
            return None
        g, h = pair
        del pair
        # (references: g or h here, and getrefcount's argument)
        if sys.getrefcount(g) > 2 or sys.getrefcount(h) > 2 or g.shape != shape \
                or g.dtype != dtype or not (g.flags.writeable and h.flags.writeable):
            return None
        return g, h

    def keep(self, grad, hess):
        with self._lock:
            self._pair = (grad, hess)

    def __reduce__(self):  # a copy or an unpickled objective starts with none
        return (Spare, ())


def gradient_hessian(loss, options, labels, preds, weight, library, spare=None):
    """Per-sample (gradient, Hessian) of the loss at the raw scores, times the
    sample weights: NAME_grad_hess with reduction="none" (a "constant"
    objective's Hessian is the weight itself), written into ``spare``'s
    arrays when they are free."""
    y, p, w = _inputs(loss, labels, preds, weight, library)
    out = None
    if spare is not None:
        out = spare.take(p.shape, compute_dtype(p.dtype))
    grad, hess = getattr(_fl, loss.name + "_grad_hess")(y, p, sample_weight=w, reduction="none",
                                                        out=out, **options)
    if spare is not None:
        spare.keep(grad, hess)
    if loss.boosting == "constant":
        if w is None:
            hess[...] = 1
        else:
            hess[...] = w.reshape(hess.shape[:w.ndim] + (1,) * (hess.ndim - w.ndim))
    return grad, hess


def metric_value(loss, options, labels, preds, weight, library):
    """The (weighted) mean loss of the predictions."""
    y, p, w = _inputs(loss, labels, preds, weight, library)
    return float(getattr(_fl, loss.name)(y, p, sample_weight=w, **options))


def describe(loss, options):
    opts = "".join(f", {k}={v!r}" for k, v in options.items())
    return f"{loss.name}{opts}"


class Callback:
    """What an objective and a metric of either library share: the loss and its
    options (checked once), pickled by name and options (a copy starts with no
    spare arrays), shown as the call that made it."""

    kind = "objective"  # (or "metric")
    library = ""

    def __init__(self, name, options):
        check = objective_loss if self.kind == "objective" else metric_loss
        self.loss = check(name, options, self.library)
        self.options = options
        self.__name__ = name  # (the name XGBoost's estimators report a metric under)
        self._spare = Spare()

    def __reduce__(self):
        return (type(self), (self.loss.name, self.options))

    def __repr__(self):
        return f"fastloss.{self.library}.{self.kind}({describe(self.loss, self.options)})"
