"""fastloss.reference — the NumPy twin of fastloss.

Every public function of :mod:`fastloss` exists here with the same signature,
the same validation (and so the same exceptions) and the same semantics,
computed with the textbook NumPy formulas of the loss table
(:mod:`fastloss._losses`), e.g. ``np.mean((y_true - y_pred) ** 2)`` for mse.
It is what the tests compare the compiled kernels against, and what
fastloss runs on when the extension is missing or ``use_backend("numpy")`` is
in force.  Per-element math runs in the computation dtype (float32 or
float64), reductions accumulate in float64, as in the compiled backend.
"""
from __future__ import annotations

import numpy as np

from . import _api
from ._losses import Mode
from ._validate import denominators, input_error, prepare, weight_total, zero_weight_error


def _call(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts):
    # NaN/inf follow IEEE arithmetic (documented); no floating-point warnings
    with np.errstate(all="ignore"):
        return _compute(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)


def _compute(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts):
    sums = mode == Mode.SUMS  # (Σ w·ℓ, Σ w), for fastloss.Mean
    if sums:
        mode, reduction, out = Mode.VALUE, "sum", None
    p = prepare(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts)
    err = input_error(loss, p.y_true, p.labels, p.k, p.y_pred, p.opts)
    if err is not None:
        raise err
    kw = dict(zip(loss.option_names, p.opts))
    for o in loss.options:  # the class weights (in the computation dtype) and the ignored label
        if o.per_class:
            kw[o.name] = p.class_weight
        elif o.label:
            kw[o.name] = p.ignore_index
    if p.aux is not None:  # the per-column option, broadcast over the last axis
        kw[next(o.name for o in loss.options if o.columns)] = p.aux
    # per-element math in the computation dtype (float32 stays float32, as the
    # textbook formula on float32 arrays does); every sum in float64
    if loss.kind == "rows":
        target = (p.labels.reshape(-1).astype(np.intp) if p.labels is not None
                  else p.y_true.reshape(-1, p.k))
        pred = p.y_pred.reshape(-1, p.k)
    else:
        target, pred = p.y_true, p.y_pred
    w = p.weight
    # what "mean" divides by: the sample weights, times each row's factor
    # where class weights or an ignored label take part
    by_label = denominators(loss, p.labels, w, p.class_weight, p.ignore_index)
    den = w if by_label is None else by_label
    kept = None if p.ignore_index is None else p.labels != p.ignore_index
    total_w = None
    if p.reduction == "mean":
        total_w = float(p.n) if den is None else weight_total(
            float(np.sum(den, dtype=np.float64)), float(np.sum(np.abs(den), dtype=np.float64)),
            p.n, den)
        if total_w == 0:
            raise zero_weight_error(by_label is not None)

    value = None
    if mode != Mode.GRAD:
        ell = np.reshape(loss.value(target, pred, **kw), p.rows_shape)
        if w is not None:
            ell = w * ell
        if kept is not None:  # an ignored row adds nothing, whatever its weight
            ell = np.where(kept, ell, 0).astype(ell.dtype)
        if p.reduction == "none":
            value = np.asarray(ell, dtype=p.dtype)
        else:
            value = float(np.sum(ell, dtype=np.float64))
            if p.reduction == "mean":
                value = float(value / total_w)
        if sums:
            return value, float(p.n) if den is None else float(np.sum(den, dtype=np.float64))
        if mode == Mode.VALUE:
            return value

    def scaled(f):  # w * f (/ sum(w) for "mean"), in the computation dtype
        v = np.reshape(f(target, pred, **kw), p.shape)
        if w is not None:
            v = (w[..., None] if loss.kind == "rows" else w) * v
        if kept is not None:
            v = np.where(kept[..., None], v, 0).astype(v.dtype)
        if total_w is not None:
            v = v / total_w
        return np.asarray(v, dtype=p.dtype)

    d = scaled(loss.deriv)
    if mode == Mode.GRAD_HESS:
        h = scaled(loss.hess)
        if out is not None:
            out[0][...], out[1][...] = d, h
            d, h = out
        return d, h
    if out is not None:
        out[...] = d
        d = out
    return d if mode == Mode.GRAD else (value, d)


_api.define_losses(globals(), _call, __name__)
__all__ = list(_api.public_names())


def __dir__():
    """The public names only (the module's imports are not part of its API)."""
    return sorted(__all__)
