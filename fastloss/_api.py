"""Builds the public functions of a backend from the loss table.

For each loss NAME: ``NAME``, ``NAME_grad``, ``NAME_value_and_grad`` and
``NAME_grad_hess``, with
explicit keyword-only signatures and numpydoc docstrings generated from the
table, all forwarding to one ``call(handle, mode, y_true, y_pred,
sample_weight, reduction, n_threads, out, opts)``.
"""
from __future__ import annotations

from ._examples import EXAMPLES
from ._losses import LOSSES, Mode

_TEMPLATE = '''
def {name}(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None):
    return _call(_h, {VALUE}, y_true, {pred}, sample_weight, reduction, n_threads, None, ({opt_tuple}))

def {name}_grad(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None, out=None):
    return _call(_h, {GRAD}, y_true, {pred}, sample_weight, reduction, n_threads, out, ({opt_tuple}))

def {name}_value_and_grad(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None, out=None):
    return _call(_h, {VALUE_AND_GRAD}, y_true, {pred}, sample_weight, reduction, n_threads, out, ({opt_tuple}))

def {name}_grad_hess(y_true, {pred}, *, {opt_sig}sample_weight=None, reduction="mean", n_threads=None, out=None):
    return _call(_h, {GRAD_HESS}, y_true, {pred}, sample_weight, reduction, n_threads, out, ({opt_tuple}))
'''
SUFFIXES = ("", "_grad", "_value_and_grad", "_grad_hess")

_COMMON_PARAMS = """\
sample_weight : array_like, optional
    Weights, {wshape}.  ``"mean"`` is then
    sum(w * loss) / sum(w) (as ``numpy.average``).
reduction : {{"mean", "sum", "none"}}, default "mean"
    ``"none"`` returns the array of w * loss per {unit}.
n_threads : int, optional
    Threads for large inputs (``None``: automatic, at most the CPUs this
    process may use, ``OMP_NUM_THREADS`` and threadpoolctl's limit).  An
    explicit value is capped at the CPUs this process may use.  The reduced
    value is bitwise the same for every thread count."""

_DOC = """{summary}

Loss: ``{formula}``.
{what}

Parameters
----------
y_true : array_like
    {targets}
{pred} : array_like
    {pred_doc}  float32 and float64 are computed natively; float16 as
    float32; integers and bool as float64.
{opt_doc}{common}{out_doc}

Returns
-------
{returns}

Raises
------
ValueError
    Shape mismatch, unknown reduction, bad option, ``"mean"`` of an empty
    input or of weights summing to zero, bad ``out``{invalid}.
TypeError
    Non-numeric input, a masked array{labels_type}.

Notes
-----
{nan_note}

Examples
--------
{examples}
"""


_TARGETS = {
    "same": "Targets, of the shape of {pred}{rule}.",
    "probs": "Target probabilities (one-hot or soft), of the shape of {pred}{rule}.",
    "labels": "Integer class labels in [0, k), of {pred}'s shape without its last axis "
              "(any integer dtype).",
    "labels_or_probs": "Integer class labels in [0, k) of {pred}'s shape without its last "
                       "axis, or target probabilities of the shape of {pred}.",
}
_PRED = {
    "y_pred": "Predictions.",
    "y_prob": "Predicted probabilities.",
    "logits": "Raw scores (logits).",
    "scores": "Raw scores (decision values).",
    "log_probs": "Log-probabilities (e.g. a log_softmax's output).",
}


def example_inputs(loss):
    """Literal (y_true, prediction) of the docstring example of a loss."""
    if loss.kind == "rows":
        pred = {"y_pred": "[[0.6, 0.3, 0.1], [0.2, 0.2, 0.5]]",
                "y_prob": "[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]",
                "logits": "[[2.0, 1.0, 0.1], [0.5, 0.2, 1.5]]",
                "scores": "[[2.0, 1.5, 0.1], [0.5, 0.2, 1.2]]",
                "log_probs": "[[-0.4, -1.5, -2.0], [-1.6, -2.1, -0.4]]"}[loss.pred_name]
        return ("[[1, 0, 0], [0, 0, 1]]" if loss.targets == "probs" else "[0, 2]"), pred
    return {"y_pred": ("[1.0, 2.0, 3.0]", "[1.5, 2.0, 2.0]"),
            "y_prob": ("[0, 1, 1]", "[0.1, 0.8, 0.6]"),
            "logits": ("[0, 1, 1]", "[-2.0, 1.5, 0.3]"),
            "scores": ("[-1, 1, 1]", "[-2.0, 0.5, 1.5]")}[loss.pred_name]


def _examples(loss, suffix):
    """The docstring example (its results from fastloss/_examples.py; none when
    missing there: tests/test_docs.py then fails, not the import)."""
    if loss.name not in EXAMPLES:
        return ""
    y, p = example_inputs(loss)
    value, grad, *hess = EXAMPLES[loss.name]
    hess = hess[0] if hess else ""  # (an outdated _examples.py: tests/test_docs.py fails)
    call = f"fastloss.{loss.name}{suffix}({y}, {p})"
    lines = [">>> import fastloss"]
    if suffix == "":
        lines += [f">>> round({call}, 6)", value]
    elif suffix == "_grad":
        lines += [f">>> {call}.round(6)", grad]
    elif suffix == "_grad_hess":
        lines += [f">>> grad, hess = {call}", ">>> hess.round(6)", hess]
    else:
        lines += [f">>> value, grad = {call}", ">>> round(value, 6), grad.round(6)",
                  f"({value}, {grad})"]
    return "\n".join(lines)


def option_type(o):
    """An option's type as a numpydoc parameter line shows it."""
    if o.boolean:
        return "bool"
    if o.per_class:
        return "array_like of float, optional"
    if o.label:
        return "int, optional"
    return "float"


# what "mean" divides by, per way of applying class weights (Loss.class_weights)
CLASS_WEIGHT_MEANS = {
    "label": "Each row's loss and gradient are times its label's weight c[y]; "
             "``\"mean\"`` divides by sum(w_i c[y_i]) over the rows not ignored (as torch's "
             "nll_loss / cross_entropy).",
    "label_rows": "Each row's loss and gradient are times its label's weight c[y]; "
                  "``\"mean\"`` divides by sum(w_i) over the rows not ignored (as torch's "
                  "multi_margin_loss).",
    "classes": "Class j's target is times c[j] (t'_j = c[j] t_j after the smoothing; "
               "with labels: (1 - ls) c[y] (-log p_y) + ls/k sum_j c[j] (-log p_j)); "
               "``\"mean\"`` divides by sum(w_i c[y_i]) over the rows not ignored for labels "
               "and by sum(w_i) for probability targets (as torch's cross_entropy).",
}


def option_doc(loss, o):
    doc = o.doc
    if o.per_class:
        doc += " " + CLASS_WEIGHT_MEANS[loss.class_weights]
    return f"{o.name} : {option_type(o)}, default {o.default}\n    {doc}\n"


def _doc(loss, suffix):
    pred = loss.pred_name
    rows = loss.kind == "rows"
    rule = f" ({loss.target_domain.rule})" if loss.target_domain else ""
    targets = _TARGETS[loss.targets].format(pred=pred, rule=rule)
    pred_doc = _PRED[pred] + (" Classes on the last axis (k of them)." if rows else "")
    opt_doc = "".join(option_doc(loss, o) for o in loss.options)
    out_doc = ""
    if suffix == "_grad_hess":
        out_doc = ("\nout : (ndarray, ndarray), optional\n    Where to write the gradient and the "
                   f"second derivatives (each of the shape of {pred}, computation dtype, "
                   "writeable, overlapping neither an input nor each other).")
    elif suffix:
        out_doc = ("\nout : ndarray, optional\n    Where to write the gradient (shape of "
                   f"{pred}, computation dtype, writeable, not overlapping an input).")
    if suffix == "":
        what = (f"Returns the reduced loss (its gradient with respect to {pred}, "
                f"``{loss.gradient}``, is ``{loss.name}_grad``).")
        returns = "float, or ndarray for reduction=\"none\""
    elif suffix == "_grad":
        what = (f"Returns the gradient of the reduced loss with respect to {pred}: "
                f"``{loss.gradient}``, times w (and / sum(w) for \"mean\").")
        returns = f"ndarray of the shape of {pred}"
    elif suffix == "_grad_hess":
        part = ("the diagonal of each row's block of the Hessian" if rows
                else "the second derivative of each element")
        what = (f"Returns the gradient of the reduced loss with respect to {pred} and the "
                f"diagonal of its Hessian ({part}), computed in one pass, each times w (and / "
                "sum(w) for \"mean\"): for gradient boosting.  Where the loss is piecewise "
                "linear the second derivative is 0; where the gradient is taken at a clipped "
                "probability, so is the second derivative.")
        returns = f"(ndarray, ndarray), each of the shape of {pred}"
    else:
        what = ("Returns the loss and its gradient, computed in one pass; the gradient is that of "
                f"the reduced loss with respect to {pred}: ``{loss.gradient}``, times w (and / "
                "sum(w) for \"mean\").")
        returns = "(float or ndarray, ndarray)"
    common = _COMMON_PARAMS.format(
        pred=pred, unit="row" if rows else "element",
        wshape=f"one per row ({pred}'s shape without its last axis)" if rows else f"of the shape of {pred}")
    invalid = ""
    if loss.target_domain or loss.targets in ("labels", "labels_or_probs") or loss.checks_predictions:
        bad = []
        if loss.target_domain or loss.targets != "same":
            bad.append("targets not " + (loss.target_domain.rule if loss.target_domain
                                         else "in [0, k)"))
        if loss.checks_predictions:
            which = "the label's probability of a row" if loss.targets == "labels" else pred
            bad.append(f"{which} not {loss.pred_domain.rule} (a NaN propagates instead)")
        invalid = (", " + " or ".join(bad) + " (the message names the first position; checked "
                   "in the same pass, so out= may be partly written)")
    labels_type = ", float or bool labels" if loss.targets in ("labels", "labels_or_probs") else ""
    if loss.target_domain is not None or loss.targets in ("labels", "labels_or_probs"):
        nan_note = (f"A NaN in {pred} propagates to a NaN result (and a NaN gradient there, where "
                    "the gradient depends on it); a NaN "
                    "target is invalid (ValueError).")
        if loss.targets == "labels_or_probs":
            nan_note = (f"A NaN in {pred}, or in probability targets (not checked, as in torch), "
                        "propagates to a NaN result; integer labels outside [0, k) are a ValueError.")
    else:
        nan_note = (f"NaN in {pred} or y_true propagates to a NaN result (and a NaN gradient "
                    "there).")
    nan_note += " ±inf follow IEEE arithmetic."
    return _DOC.format(summary=loss.summary, formula=loss.formula, what=what, pred=pred,
                       targets=targets, pred_doc=pred_doc, opt_doc=opt_doc, common=common,
                       out_doc=out_doc, returns=returns, invalid=invalid, labels_type=labels_type,
                       nan_note=nan_note,
                       examples=_examples(loss, suffix))


def public_names():
    for loss in LOSSES:
        for suffix in SUFFIXES:
            yield loss.name + suffix


def define_losses(namespace, call, module, handle=lambda loss: loss):
    """Define NAME, NAME_grad, NAME_value_and_grad for every loss in namespace."""
    for loss in LOSSES:
        src = _TEMPLATE.format(
            name=loss.name, pred=loss.pred_name, **{m.name: int(m) for m in Mode},
            opt_sig="".join(f"{o.name}={o.default!r}, " for o in loss.options),
            opt_tuple="".join(f"{o.name}, " for o in loss.options),
        )
        scope = {"_call": call, "_h": handle(loss)}
        exec(compile(src, f"<fastloss.{loss.name}>", "exec"), scope)
        for suffix in SUFFIXES:
            fn = scope[loss.name + suffix]
            fn.__module__ = module
            fn.__doc__ = _doc(loss, suffix)
            namespace[fn.__name__] = fn
