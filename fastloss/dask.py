"""Losses over dask arrays: a tree reduction of compiled per-chunk partials.

For every loss NAME, ``fastloss.dask.NAME(y_true, y_pred, *, <options>,
sample_weight=None, reduction="mean", split_every=8)`` returns a lazy
``dask.delayed`` value; ``.compute()`` gives the float that ``fastloss.NAME``
would give on the whole arrays (to ~1e-15 relative).  Each chunk's step calls
the compiled kernel (``reduction="sum"``, GIL released) and returns the partial
(Σ w·ℓ, Σ w); partials are added in a tree of fan-in ``split_every`` and the
root divides.  It runs on dask's threaded scheduler (the GIL-free kernels use
every core) and on ``dask.distributed`` clusters alike.

``y_true`` and ``sample_weight`` are rechunked to match ``y_pred`` (for row
losses: its row chunks; the class axis of ``y_pred`` is made one chunk, as are
the columns when ``pos_weight`` is given per column).  An invalid target is
reported with its position within its chunk.
NumPy arrays (e.g. ``np.load(path, mmap_mode="r")``) are accepted and wrapped
with ``dask.array.from_array``.  Needs the ``dask`` extra
(``pip install "fastloss[dask]"``).
"""
from __future__ import annotations

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as e:  # pragma: no cover - exercised without dask
    raise ImportError("fastloss.dask needs dask: pip install 'fastloss[dask]'") from e

from ._api import example_inputs, option_doc
from ._errors import ZeroWeightError
from ._examples import EXAMPLES
from ._losses import BY_NAME, LOSSES
from ._stream import Mean

__all__ = [loss.name for loss in LOSSES]


def _partial(name, opts, y, p, w):
    """(Σ w·ℓ, Σ w) of one chunk: one batch of a fastloss.Mean (compiled kernel)."""
    m = Mean(name, **opts).update(y, p, w, n_threads=1)
    return np.array([m.sum, m.sum_weight])


def _combine(*parts):
    return np.sum(np.stack(parts), axis=0)


def _finish(total, reduction, name, by_label=False):
    s, sw = float(total[0]), float(total[1])
    if reduction == "sum":
        return s
    if sw == 0:
        why = (", of rows all ignored (ignore_index) or weighing zero (sample_weight times "
               "class_weight)" if by_label else "")
        raise ZeroWeightError(f"{name}: reduction='mean' of an empty input{why} or of "
                              "sample_weight summing to zero is undefined")
    return s / sw


def _as_dask(a, like_chunks=None):
    if isinstance(a, da.Array):
        return a if like_chunks is None else a.rechunk(like_chunks)
    a = a if hasattr(a, "shape") else np.asarray(a)
    return da.from_array(a, chunks=like_chunks if like_chunks is not None else "auto")


def _reduce(name, y_true, y_pred, sample_weight, reduction, split_every, opts):
    loss = BY_NAME[name]
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum' for dask arrays; got {reduction!r}")
    if not isinstance(split_every, int) or isinstance(split_every, bool) or split_every < 2:
        raise ValueError(f"split_every must be an integer >= 2; got {split_every!r}")
    p = _as_dask(y_pred)
    arrays = [o.name for o in loss.options if o.columns and np.ndim(opts.get(o.name)) > 0]
    if arrays:  # a per-column option: every chunk needs whole rows
        if p.ndim != 2 or any(np.shape(opts[k]) != (p.shape[1],) for k in arrays):
            raise ValueError(f"{arrays[0]} as an array must have one entry per column of a 2-D "
                             f"{loss.pred_name}; got shape {np.shape(opts[arrays[0]])} for "
                             f"{loss.pred_name} of shape {p.shape}")
        p = p.rechunk({1: -1})
    if loss.kind == "rows":
        if p.ndim < 1:
            raise ValueError(f"{loss.pred_name} must have the classes on its last axis")
        p = p.rechunk({p.ndim - 1: -1})
        row_chunks = p.chunks[:-1]
        yshape = np.shape(y_true)
        y = _as_dask(y_true)
        if y.shape == p.shape:
            y = y.rechunk(p.chunks)
        elif y.shape == p.shape[:-1]:
            y = y.rechunk(row_chunks)
        else:
            raise ValueError(f"y_true must have shape {p.shape[:-1]} (labels) or {p.shape} "
                             f"(probabilities); got {yshape}")
        wshape, wchunks = p.shape[:-1], row_chunks
    else:
        y = _as_dask(y_true)
        if y.shape != p.shape:
            raise ValueError(f"y_true and {loss.pred_name} must have the same shape; got "
                             f"{y.shape} and {p.shape}")
        y = y.rechunk(p.chunks)
        wshape, wchunks = p.shape, p.chunks
    w = None
    if sample_weight is not None:
        w = _as_dask(sample_weight)
        if w.shape != wshape:
            raise ValueError(f"sample_weight must have shape {wshape}; got {w.shape}")
        w = w.rechunk(wchunks)
    pb = p.to_delayed()
    yb = y.to_delayed()
    wb = w.to_delayed() if w is not None else None
    parts = []
    for idx in np.ndindex(pb.shape):
        ridx = idx[:-1] if loss.kind == "rows" else idx
        yi = yb[idx] if y.ndim == p.ndim else yb[ridx]
        wi = wb[ridx] if wb is not None else None
        parts.append(dask.delayed(_partial, pure=True)(name, opts, yi, pb[idx], wi))
    if not parts:
        parts = [dask.delayed(np.zeros)(2)]
    while len(parts) > 1:  # the tree: fan-in split_every
        parts = [dask.delayed(_combine, pure=True)(*parts[i:i + split_every])
                 for i in range(0, len(parts), split_every)]
    by_label = any(opts.get(o.name) is not None for o in loss.options if not o.scalar)
    return dask.delayed(_finish, pure=True)(parts[0], reduction, name, by_label)


def _example(loss):
    """The Examples section (empty when fastloss/_examples.py lacks the loss)."""
    if loss.name not in EXAMPLES:
        return ""
    y, p = example_inputs(loss)
    return f"""
Examples
--------
>>> import dask.array as da, fastloss.dask
>>> round(fastloss.dask.{loss.name}(da.asarray({y}), da.asarray({p})).compute(), 6)
{EXAMPLES[loss.name][0]}
"""


def _make(loss):
    def fn(y_true, y_pred, *, sample_weight=None, reduction="mean", split_every=8, **options):
        loss.check_options(options)
        return _reduce(loss.name, y_true, y_pred, sample_weight, reduction, split_every, options)

    opt_doc = "".join(option_doc(loss, o) for o in loss.options)
    fn.__name__ = fn.__qualname__ = loss.name
    fn.__doc__ = f"""{loss.summary}

Lazy ``fastloss.{loss.name}(..., reduction=reduction)`` over dask arrays:
``{loss.formula}``, reduced over every chunk by a tree of compiled partials.

Parameters
----------
y_true, {loss.pred_name} : dask.array.Array or array_like
    As for ``fastloss.{loss.name}``; rechunked to match ``{loss.pred_name}``.
{opt_doc}sample_weight : dask.array.Array or array_like, optional
    Weights, one per {'row' if loss.kind == 'rows' else 'element'}.
reduction : {{"mean", "sum"}}, default "mean"
split_every : int, default 8
    Fan-in of the tree that adds the chunk partials.

Returns
-------
dask.delayed.Delayed
    ``.compute()`` gives the float ``fastloss.{loss.name}`` gives in memory.

Raises
------
ValueError
    Shapes that do not match, a bad option or reduction (at once); the
    errors of ``fastloss.{loss.name}`` (invalid targets, weights summing to
    zero) when computed.
TypeError
    An unknown keyword argument.

{_example(loss)}"""
    return fn


for _loss in LOSSES:
    globals()[_loss.name] = _make(_loss)
del _loss


def __dir__():
    """The public names only (the module's imports are not part of its API)."""
    return sorted(__all__)
