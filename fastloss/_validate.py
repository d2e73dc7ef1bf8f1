"""Input checking and normalisation shared by both backends.

Both backends raise the same exceptions for the same inputs because they both
go through :func:`prepare` (the compiled backend only when its cheap
fast-path checks do not hold) and build target errors with
:func:`target_error`.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ._errors import TargetError, ZeroWeightError
from ._losses import REDUCTIONS, Mode


class Prepared:
    """Validated inputs.  Elementwise: y_true, y_pred, weight of one shape.
    Rows: y_pred (..., k); y_true labels (...) of an integer dtype or dense
    (..., k); weight (...)."""

    __slots__ = ("loss", "mode", "dtype", "shape", "y_true", "y_pred", "weight", "labels",
                 "reduction", "n_threads", "opts", "aux", "out", "n", "k", "rows_shape",
                 "class_weight", "ignore_index")


def compute_dtype(dtype):
    """The dtype a computation runs in, for a prediction of ``dtype``."""
    kind = dtype.kind
    if kind == "f":
        return np.dtype(np.float32) if dtype.itemsize <= 4 else np.dtype(np.float64)
    if kind in "iub":
        return np.dtype(np.float64)
    return None


def _asarray(x, name):
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; fastloss does not apply masks (they would be ignored). "
            f"Pass the kept values (x.compressed() for 1-D data), or give the masked entries "
            f"zero weight: sample_weight=~np.ma.getmaskarray(x), values x.filled(0)")
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {e}") from None


def as_array(x, name, dtype=None):
    """``x`` as an ndarray in ``dtype`` (native byte order), TypeError if not numeric.
    long double is computed in float64: a finite value beyond float64's range
    is a ValueError (it would become inf)."""
    a = _asarray(x, name)
    ct = compute_dtype(a.dtype)
    if ct is None:
        raise TypeError(
            f"{name} must be numeric (float, integer or bool); got an array of dtype {a.dtype}"
        )
    target = ct if dtype is None else dtype
    if a.dtype != target:  # also converts byte-swapped arrays to native order
        with np.errstate(over="ignore"):
            b = a.astype(target)
        if a.dtype.kind == "f" and a.dtype.itemsize > b.dtype.itemsize:
            lost = np.isinf(b) & np.isfinite(a)
            if lost.any():
                pos = int(np.argmax(lost.ravel()))
                raise ValueError(
                    f"{name} holds a value beyond {b.dtype}'s range ({a.ravel()[pos]!r} at flat "
                    f"position {pos}): {a.dtype} input is computed in {b.dtype}")
        a = b
    return a


def as_labels(x, name="y_true"):
    """Integer class labels, any integer dtype (kept; byte-swapped made native)."""
    a = _asarray(x, name)
    if a.dtype.kind not in "iu":
        hint = ""
        if a.dtype.kind in "fb":
            hint = (" (class labels must be integers: pass labels.astype(np.int64), or "
                    "probabilities of shape (n, k))")
        raise TypeError(f"{name} must hold integer class labels; got dtype {a.dtype}{hint}")
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


def check_reduction(reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction must be one of {', '.join(repr(r) for r in REDUCTIONS)}; got {reduction!r}"
        )
    return reduction


def check_n_threads(n_threads):
    """None, or n_threads as an int >= 1 (the compiled backend caps it at the
    CPUs this process may use)."""
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
    return min(nt, 1 << 30)  # (any count beyond the CPUs means all of them)


def _self_overlapping(a):
    """Whether two elements of a share memory (e.g. a stride-0 or as_strided view)."""
    dims = sorted((abs(st), n) for st, n in zip(a.strides, a.shape) if n > 1)
    extent = a.itemsize
    for stride, n in dims:
        if stride < extent:
            return True
        extent = stride * n
    return False


def check_out(out, shape, dtype):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape} (the shape of the prediction)")
    if out.dtype != dtype:
        raise ValueError(f"out has dtype {out.dtype}, expected {dtype} (the computation dtype)")
    if not out.flags.writeable:
        raise ValueError("out is not writeable")
    if _self_overlapping(out):
        raise ValueError("out has elements that share memory (a stride-0 or overlapping view)")
    return out


def _targets(loss, p, y_true, yp):
    """Targets of a rows loss: (labels or None, dense or None)."""
    pname = loss.pred_name
    lead = yp.shape[:-1]
    want = loss.targets
    if want == "labels_or_probs":  # decided by dtype, then by shape
        y_true = _asarray(y_true, "y_true")
        if y_true.dtype.kind not in "fb" or y_true.shape == lead:
            want = "labels"  # (non-integers get as_labels' TypeError, with its hint)
        elif y_true.shape == yp.shape:
            want = "probs"
        else:
            raise ValueError(f"y_true must be integer labels of shape {lead} or probabilities of "
                             f"shape {yp.shape}; got shape {y_true.shape}")
    if want == "labels":
        lab = as_labels(y_true)
        if lab.shape != lead:
            raise ValueError(f"y_true (labels) must have shape {lead} (the rows of {pname} "
                             f"{yp.shape}); got {lab.shape}")
        return lab, None
    yt = as_array(y_true, "y_true", p.dtype)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true and {pname} must have the same shape; got {yt.shape} and {yp.shape}")
    return None, yt


def _label_options(loss, p, vals):
    """class_weight and ignore_index of a row loss: kept in p (the weights in
    the computation dtype), their slots in vals 1.0 / 0.0 and the label /
    NaN (what the kernels read)."""
    for i, o in enumerate(loss.options):
        v = vals[i]
        if o.per_class:
            if v is not None:
                if v.shape != (p.k,):
                    raise ValueError(f"{o.name} must have one entry per class ({p.k}, the last "
                                     f"axis of {loss.pred_name}); got {v.shape[0]}")
                with np.errstate(over="ignore"):
                    cw = v.astype(p.dtype)
                if not np.isfinite(cw).all():
                    raise ValueError(f"{o.name} holds a weight beyond {p.dtype}'s range")
                p.class_weight = cw
            vals[i] = 0.0 if v is None else 1.0
        elif o.label:
            if v is not None and p.labels is None:
                raise ValueError(f"{o.name} applies to integer labels; y_true holds "
                                 "probabilities (give rows to skip zero sample_weight)")
            p.ignore_index = v
            vals[i] = math.nan if v is None else float(v)


def denominators(loss, labels, weight, class_weight, ignore_index):
    """What "mean" divides the sum of a row loss by, row by row (float64, of
    the labels' shape), where class weights or an ignored label take part:
    the sample weights (or 1) times Loss.mean_weights' factors, 0 for an
    ignored row whatever its weight; None when it is the sample weights alone."""
    f = loss.mean_weights(labels, class_weight, ignore_index)
    if f is None:
        return None
    if weight is None:
        return f
    d = np.asarray(weight, np.float64) * f
    return d if ignore_index is None else np.where(labels != ignore_index, d, 0.0)


def den_weights(loss, labels, weight, class_weight, opts):
    """denominators() for the compiled entry, which has the validated option
    values opts (table order) and weights: 1-D."""
    labels = np.asarray(labels).reshape(-1)
    d = denominators(loss, labels, np.asarray(weight).reshape(-1), class_weight,
                     ignored_label(loss, opts))
    return np.asarray(weight, np.float64).reshape(-1) if d is None else d


def ignored_label(loss, opts):
    """The ignore_index in the validated option values opts (table order), or None."""
    for o, v in zip(loss.options, opts or ()):
        if o.label:
            return None if v is None or v != v else int(v)
    return None


def prepare(loss, mode, y_true, y_pred, sample_weight, reduction, n_threads, out, opts):
    p = Prepared()
    p.loss, p.mode = loss, mode
    pname = loss.pred_name
    p.reduction = check_reduction(reduction)
    p.n_threads = check_n_threads(n_threads)
    vals = [o.validate(v) for o, v in zip(loss.options, opts)]
    yp = as_array(y_pred, pname)
    p.dtype = yp.dtype
    p.aux = None
    for i, v in enumerate(vals):  # a per-column option: kept as aux, scalar slot 1.0
        if isinstance(v, np.ndarray) and loss.options[i].columns:
            if yp.ndim != 2 or v.shape != (yp.shape[1],):
                raise ValueError(f"{loss.options[i].name} as an array must have one entry per column "
                                 f"of a 2-D {pname}; got shape {v.shape} for {pname} of shape {yp.shape}")
            p.aux = v.astype(p.dtype)
            vals[i] = 1.0
    p.class_weight = p.ignore_index = None
    if loss.kind == "rows":
        if yp.ndim < 1 or yp.shape[-1] < loss.min_classes:
            raise ValueError(f"{pname} must have the classes on its last axis, at least "
                             f"{loss.min_classes}; got shape {yp.shape}")
        p.labels, p.y_true = _targets(loss, p, y_true, yp)
        p.rows_shape, p.k = yp.shape[:-1], yp.shape[-1]
        wshape, what = p.rows_shape, "one weight per row"
        _label_options(loss, p, vals)
    else:
        p.labels = None
        p.y_true = as_array(y_true, "y_true", p.dtype)
        if p.y_true.shape != yp.shape:
            raise ValueError(
                f"y_true and {pname} must have the same shape; got {p.y_true.shape} and {yp.shape}"
            )
        p.rows_shape, p.k = yp.shape, 1
        wshape, what = yp.shape, f"the shape of {pname}"
    p.opts = tuple(vals)
    w = None
    if sample_weight is not None:
        w = as_array(sample_weight, "sample_weight", p.dtype)
        if w.shape != wshape:
            raise ValueError(f"sample_weight must have {what} {wshape}; got {w.shape}")
    p.y_pred, p.weight, p.shape = yp, w, yp.shape
    p.n = int(np.prod(p.rows_shape))
    if p.reduction == "mean" and p.n == 0:
        raise ValueError(f"reduction='mean' of an empty input is undefined ({pname} has shape "
                         f"{yp.shape}); use reduction='sum' (0.0 for empty input)")
    if out is not None:
        if mode == Mode.VALUE:
            raise TypeError("out= is only accepted by the gradient functions")
        if mode == Mode.GRAD_HESS:
            if not isinstance(out, tuple) or len(out) != 2:
                raise TypeError("out must be a pair (grad_out, hess_out) of arrays, got "
                                f"{type(out).__name__}")
            outs = out
        else:
            outs = (out,)
        for o in outs:
            check_out(o, p.shape, p.dtype)
        if len(outs) == 2 and np.may_share_memory(outs[0], outs[1]):
            raise ValueError("out's two arrays must not overlap each other")
        # the caller's arrays and what they were converted to (a memoryview or
        # another array-like may share memory with out too)
        targets = p.labels if p.labels is not None else p.y_true
        for o in outs:
            for name, orig, conv in (("y_true", y_true, targets), (pname, y_pred, yp),
                                     ("sample_weight", sample_weight, w)):
                if (isinstance(orig, np.ndarray) and np.may_share_memory(o, orig)) or (
                        conv is not None and np.may_share_memory(o, conv)):
                    raise ValueError(f"out must not overlap {name}: inputs are never modified")
    p.out = out
    return p


def _first(mask):
    """The first True flat position of mask in C order, or None."""
    flat = mask.ravel()
    i = int(np.argmax(flat)) if flat.size else 0
    return i if flat.size and flat[i] else None


def input_error(loss, y_true, labels, k, y_pred=None, opts=None):
    """The ValueError for the first invalid input, or None if every input is
    valid: a target outside the loss's valid set (labels outside [0, k)), or a
    prediction outside the loss's prediction domain (e.g. a probability
    outside [0, 1]), under the validated option values ``opts`` (table order;
    None: the defaults).  "First" is the
    smallest position in C order; for row losses with labels, the first row
    (its label before its probabilities); at one position the target first.
    The message names the position and its value."""
    pname = loss.pred_name
    tdom, pdom = loss.domains_for(values=opts) if opts is not None else loss.domains_for()
    ignored = ignored_label(loss, opts)
    with np.errstate(invalid="ignore"):
        if labels is not None:
            bad_t = (labels < 0) | (labels >= k)
            if ignored is not None:
                bad_t &= labels != ignored
        elif tdom is not None:
            bad_t = ~tdom.contains(y_true)
        else:
            bad_t = None
        bad_p = None
        if pdom.c_name != "FL_DOM_ANY" and y_pred is not None:
            valid = pdom.contains
            if labels is not None:  # the probability each row reads: its label's
                rows = y_pred.reshape(labels.size, k)
                lab = labels.reshape(-1)
                ok = (lab >= 0) & (lab < k)
                if ignored is not None:
                    ok &= lab != ignored
                picked = rows[np.arange(lab.size), np.where(ok, lab, 0)]
                bad_p = ok & ~valid(picked)
            else:
                bad_p = ~valid(y_pred)
    it = _first(bad_t) if bad_t is not None else None
    ip = _first(bad_p) if bad_p is not None else None  # (rows for labels, else elements)
    if it is None and ip is None:
        return None
    if ip is None or (it is not None and it <= ip):
        shape = labels.shape if labels is not None else y_true.shape
        pos = _index(it, shape)
        if labels is not None:
            return TargetError(f"y_true has a label outside [0, {k}) (the classes of {pname}'s "
                               f"last axis): y_true[{pos}] = {labels[pos]}", "y_true", pos,
                               labels[pos])
        return TargetError(f"{loss.name} needs y_true {tdom.rule}{_under(loss, opts)}; got y_true[{pos}] "
                           f"= {y_true[pos]}", "y_true", pos, y_true[pos])
    if labels is not None:  # that row's label's probability
        ip = ip * k + int(labels.reshape(-1)[ip])
    pos = _index(ip, y_pred.shape)
    plural = f" ({pdom.plural})" if pdom.plural else ""
    return TargetError(f"{loss.name} needs {pname} {pdom.rule}{_under(loss, opts)}{plural}; got "
                       f"{pname}[{pos}] = {y_pred[pos]} {loss.pred_hint}".rstrip(), pname, pos,
                       y_pred[pos])


def _under(loss, opts):
    """", with power=2.0" for a loss whose domains depend on its options."""
    if loss.domains is None or opts is None:
        return ""
    shown = []
    for o, v in zip(loss.options, opts):
        shown.append(f"{o.name}={bool(v) if o.boolean else v!r}")
    return " with " + ", ".join(shown)


def _index(flat, shape):
    """A flat C-order position as an int (1-D) or a tuple of ints."""
    pos = tuple(int(i) for i in np.unravel_index(flat, shape))
    return pos[0] if len(pos) == 1 else pos


_ROUNDING = 2.0 ** -52  # twice float64's unit roundoff


def weight_total(s, s_abs, n, weight):
    """The sum of the weights that reduction="mean" divides by.

    One rule decides when the weights sum to zero, on both backends: their
    exact sum (of the values in the computation dtype) is zero.  ``s`` and
    ``s_abs`` are float64 sums of the n weights and of their absolute values,
    in any order: any order's rounding error is below n * 2**-52 * s_abs, so a
    larger |s| proves the exact sum nonzero and is used as it is.  Otherwise
    (the weights cancel to within rounding) the exactly rounded sum
    (``math.fsum``) decides, and is what the mean divides by."""
    if s != s:  # a NaN weight: NaN, as IEEE arithmetic says
        return s
    if abs(s) > n * _ROUNDING * s_abs and s_abs < math.inf:
        return s
    if s_abs == 0:
        return 0.0
    if callable(weight):  # (computed only when needed)
        weight = weight()
    w = np.asarray(weight, dtype=np.float64).ravel()
    if not np.isfinite(w).all():  # infinite weights: IEEE arithmetic
        return s
    try:
        return math.fsum(w.tolist())
    except OverflowError:  # the exact sum is beyond float64
        return s


def zero_weight_error(by_label=False):
    """The error of a "mean" whose denominator is zero (by_label: the loss's
    class weights or ignored label take part in it)."""
    if by_label:
        return ZeroWeightError("reduction='mean' with every row ignored (ignore_index) or "
                               "weighing zero (sample_weight times class_weight) is undefined")
    return ZeroWeightError("reduction='mean' with sample_weight summing to zero is undefined")
