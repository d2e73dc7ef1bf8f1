"""Builds the public functions of a backend from the loss table.

For each loss NAME: ``NAME``, ``NAME_grad`` and ``NAME_value_and_grad``, with
explicit keyword-only signatures and numpydoc docstrings generated from the
table, all forwarding to one ``call(handle, mode, y_true, y_pred,
sample_weight, reduction, n_threads, out, opts)``.
"""
from __future__ import annotations

from ._losses import LOSSES

_TEMPLATE = '''
def {name}(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None):
    return _call(_h, 0, y_true, {pred}, sample_weight, reduction, n_threads, None, ({opt_tuple}))

def {name}_grad(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None, out=None):
    return _call(_h, 1, y_true, {pred}, sample_weight, reduction, n_threads, out, ({opt_tuple}))

def {name}_value_and_grad(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None, out=None):
    return _call(_h, 2, y_true, {pred}, sample_weight, reduction, n_threads, out, ({opt_tuple}))
'''

_COMMON_PARAMS = """\
sample_weight : array_like, optional
    Non-negative weights of the shape of {pred}.  ``"mean"`` is then
    sum(w * loss) / sum(w) (as ``numpy.average``).
reduction : {{"mean", "sum", "none"}}, default "mean"
    ``"none"`` returns the array of w * loss per element.
n_threads : int, optional
    Threads for large inputs (``None``: automatic, respecting
    ``OMP_NUM_THREADS``/threadpoolctl).  The reduced value is bitwise the same
    for every thread count."""

_DOC = """{summary}

Per element: ``{formula}``.
{what}

Parameters
----------
y_true : array_like
    Targets, of the shape of {pred}.
{pred} : array_like
    Predictions.  float32 and float64 are computed natively; float16 as
    float32; integers and bool as float64.
{opt_doc}{common}{out_doc}
Returns
-------
{returns}

Raises
------
ValueError
    Shape mismatch, unknown reduction, bad option, ``"mean"`` of an empty
    input or of weights summing to zero, bad ``out``.
TypeError
    Non-numeric input.

Notes
-----
NaN in {pred} or y_true propagates to a NaN result.
"""


def _doc(loss, suffix):
    pred = loss.pred_name
    opt_doc = "".join(f"{o.name} : float, default {o.default}\n    {o.doc}\n" for o in loss.options)
    out_doc = ""
    if suffix:
        out_doc = ("\nout : ndarray, optional\n    Where to write the gradient (shape of "
                   f"{pred}, computation dtype, writeable, not overlapping an input).")
    if suffix == "":
        what = "Returns the reduced loss."
        returns = "float, or ndarray for reduction=\"none\""
    elif suffix == "_grad":
        what = (f"Returns the gradient of the reduced loss with respect to {pred}; per element "
                f"``{loss.gradient}``, times w (and / sum(w) for \"mean\").")
        returns = f"ndarray of the shape of {pred}"
    else:
        what = "Returns the loss and its gradient, computed in one pass."
        returns = "(float or ndarray, ndarray)"
    return _DOC.format(summary=loss.summary, formula=loss.formula, what=what, pred=pred,
                       opt_doc=opt_doc, common=_COMMON_PARAMS.format(pred=pred),
                       out_doc=out_doc, returns=returns)


def public_names():
    for loss in LOSSES:
        for suffix in ("", "_grad", "_value_and_grad"):
            yield loss.name + suffix


def define_losses(namespace, call, module, handle=lambda loss: loss):
    """Define NAME, NAME_grad, NAME_value_and_grad for every loss in namespace."""
    for loss in LOSSES:
        src = _TEMPLATE.format(
            name=loss.name, pred=loss.pred_name,
            opt_sig="".join(f"{o.name}={o.default!r}, " for o in loss.options),
            opt_tuple="".join(f"{o.name}, " for o in loss.options),
        )
        scope = {"_call": call, "_h": handle(loss)}
        exec(compile(src, f"<fastloss.{loss.name}>", "exec"), scope)
        for suffix in ("", "_grad", "_value_and_grad"):
            fn = scope[loss.name + suffix]
            fn.__module__ = module
            fn.__doc__ = _doc(loss, suffix)
            namespace[fn.__name__] = fn
