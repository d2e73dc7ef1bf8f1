"""Input checking and normalisation shared by both backends.

Both backends raise the same exceptions for the same inputs because they both
go through :func:`prepare`.  The compiled backend only comes here when its
cheap fast-path checks (contiguous native float arrays, no weights, defaults)
do not hold.
"""
from __future__ import annotations

import operator

import numpy as np

from ._losses import REDUCTIONS, VALUE

MAX_THREADS = 256  # explicit n_threads above this are capped (documented)


class Prepared:
    __slots__ = ("loss", "mode", "dtype", "shape", "y_true", "y_pred", "weight",
                 "reduction", "n_threads", "opts", "out", "n")


def compute_dtype(dtype):
    """The dtype a computation runs in, for a prediction of ``dtype``."""
    kind = dtype.kind
    if kind == "f":
        return np.dtype(np.float32) if dtype.itemsize <= 4 else np.dtype(np.float64)
    if kind in "iub":
        return np.dtype(np.float64)
    return None


def as_array(x, name, dtype=None):
    """``x`` as an ndarray in ``dtype`` (native byte order), TypeError if not numeric."""
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {e}") from None
    ct = compute_dtype(a.dtype)
    if ct is None:
        raise TypeError(
            f"{name} must be numeric (float, integer or bool); got an array of dtype {a.dtype}"
        )
    target = ct if dtype is None else dtype
    if a.dtype != target:  # also converts byte-swapped arrays to native order
        a = a.astype(target)
    return a


def check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in REDUCTIONS)}; got {reduction!r}"
        )
    return reduction


def check_n_threads(n_threads):
    if n_threads is None:
        return None
    if isinstance(n_threads, (bool, np.bool_)):
        raise TypeError("n_threads must be None or an integer >= 1, got a bool")
    try:
        nt = operator.index(n_threads)
    except TypeError:
        raise TypeError(
            f"n_threads must be None or an integer >= 1, got {type(n_threads).__name__}"
        ) from None
    if nt < 1:
        raise ValueError(f"n_threads must be None or an integer >= 1, got {nt}")
    return min(nt, MAX_THREADS)


def check_out(out, shape, dtype):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape} (the shape of y_pred)")
    if out.dtype != dtype:
        raise ValueError(f"out has dtype {out.dtype}, expected {dtype} (the computation dtype)")
    if not out.flags.writeable:
        raise ValueError("out is not writeable")
    return out


def prepare(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts):
    p = Prepared()
    p.loss, p.mode = loss, mode
    pname = loss.pred_name
    p.reduction = check_reduction(reduction)
    p.n_threads = check_n_threads(n_threads)
    p.opts = tuple(o.validate(v) for o, v in zip(loss.options, opts))
    yp = as_array(y_pred, pname)
    p.dtype = yp.dtype
    yt = as_array(y_true, "y_true", p.dtype)
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true and {pname} must have the same shape; got {yt.shape} and {yp.shape}"
        )
    w = None
    if sample_weight is not None:
        w = as_array(sample_weight, "sample_weight", p.dtype)
        if w.shape != yp.shape:
            raise ValueError(
                f"sample_weight must have the shape of {pname} {yp.shape}; got {w.shape}"
            )
    p.y_true, p.y_pred, p.weight, p.shape, p.n = yt, yp, w, yp.shape, yp.size
    if p.reduction == "mean" and p.n == 0:
        raise ValueError(f"reduction='mean' of an empty input is undefined (y_pred has shape {yp.shape}); "
                         "use reduction='sum' (0.0 for empty input)")
    if out is not None:
        if mode == VALUE:
            raise TypeError("out= is only accepted by the gradient functions")
        check_out(out, p.shape, p.dtype)
        for name, a in (("y_true", y_true), (pname, y_pred), ("sample_weight", sample_weight)):
            if isinstance(a, np.ndarray) and np.may_share_memory(out, a):
                raise ValueError(f"out must not overlap {name}: inputs are never modified")
    p.out = out
    return p


def zero_weight_error():
    return ValueError("reduction='mean' with sample_weight summing to zero is undefined")
