"""PyTorch losses on fastloss's kernels: differentiable, on CPU tensors.

For every loss NAME, ``fastloss.torch.NAME(y_true, y_pred, *, <options>,
sample_weight=None, reduction="mean", n_threads=None)`` returns a tensor that
is differentiable with respect to ``y_pred``.  The forward pass runs
``fastloss.NAME_value_and_grad`` once (value and gradient in one fused,
GIL-free pass) and keeps the gradient; the backward pass multiplies it by the
incoming gradient (per row or element for ``reduction="none"``).  When
``y_pred`` does not require a gradient only the value is computed.

CPU float32/float64 tensors are read in place through ``Tensor.numpy()`` (no
copy, any strides) and the gradient is handed back with ``torch.from_numpy``;
float16 and bfloat16 predictions are computed in float32 and their gradient
cast back.  Label tensors of any integer dtype (int64 as torch uses) are read
in place too.  ``fastloss.torch.Loss(name, **options)`` is the
``torch.nn.Module`` form, called as a criterion: ``criterion(input, target)``.

Not supported (a clear error, never a silent zero): tensors on another device
than the CPU, a gradient with respect to ``y_true`` or ``sample_weight``, and
second derivatives (``create_graph=True`` then differentiating the gradient
again; ``fastloss.NAME_grad_hess`` gives the diagonal of the Hessian).

Needs PyTorch (``pip install "fastloss[torch]"``).
"""
from __future__ import annotations

import inspect

import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover - exercised without torch
    raise ImportError("fastloss.torch needs PyTorch: pip install 'fastloss[torch]' (or a CPU "
                      "build: pip install torch --index-url "
                      "https://download.pytorch.org/whl/cpu)") from e

import fastloss as _fl

from ._api import example_inputs, option_doc
from ._examples import EXAMPLES
from ._losses import BY_NAME, LOSSES, REDUCTIONS

__all__ = [loss.name for loss in LOSSES] + ["Loss"]

_NATIVE = (torch.float32, torch.float64)


def _numpy(x, what, name, *, differentiable=False):
    """A NumPy view of a CPU tensor (no copy), anything else unchanged."""
    if not isinstance(x, torch.Tensor):
        return x
    if x.device.type != "cpu":
        raise ValueError(f"fastloss.torch.{name}: {what} is on device '{x.device}'; fastloss "
                         "computes on the CPU (move the tensors with .cpu(), or use torch's own "
                         "loss on that device)")
    if x.layout != torch.strided:
        raise TypeError(f"fastloss.torch.{name}: {what} is a {x.layout} tensor; pass a dense "
                        "one (.to_dense())")
    if x.requires_grad and not differentiable:
        raise ValueError(f"fastloss.torch.{name}: {what} requires a gradient, but fastloss "
                         "differentiates with respect to the prediction only (pass "
                         f"{what}.detach() if no gradient should flow into it)")
    x = x.detach().resolve_conj().resolve_neg()
    if x.dtype == torch.bfloat16:  # (NumPy has none: a float32 copy)
        x = x.float()
    return x.numpy()


class _FirstOrderOnly(torch.autograd.Function):
    """The gradient handed on unchanged, as a function of y_pred (and of
    whatever the incoming gradient depends on) whose own derivative is an
    error naming the loss: what a backward pass with create_graph=True
    returns, so that every way of differentiating the gradient again
    (``.backward()``, ``torch.autograd.grad``, ``torch.func``-style Hessians)
    fails instead of treating it as a constant or as unrelated to y_pred."""

    @staticmethod
    def forward(ctx, grad, y_pred, name):
        ctx.loss_name = name
        return grad.view_as(grad)

    @staticmethod
    def backward(ctx, *_):
        raise RuntimeError(f"fastloss.torch.{ctx.loss_name}: second derivatives are not "
                           f"supported (fastloss.{ctx.loss_name}_grad_hess gives the diagonal "
                           "of the Hessian as arrays)")


class _LossFunction(torch.autograd.Function):
    """forward: the value (and, when y_pred needs it, the gradient, in the same
    pass); backward: the kept gradient times the incoming one."""

    @staticmethod
    def forward(ctx, y_pred, call):
        p = _numpy(y_pred, call.pred_name, call.name, differentiable=True)
        if ctx.needs_input_grad[0]:
            value, grad = call.run(p, with_grad=True)
            ctx.grad = _gradient(grad, y_pred.dtype)
            ctx.call, ctx.dtype = call, y_pred.dtype
            ctx.save_for_backward(y_pred)  # (read only if a retained graph is run again)
        else:
            value = call.run(p, with_grad=False)
        out = torch.from_numpy(np.asarray(value))  # (integer predictions: float64)
        dtype = y_pred.dtype if y_pred.is_floating_point() else out.dtype
        return out if out.dtype == dtype else out.to(dtype)

    @staticmethod
    def backward(ctx, grad_output):
        call, g = ctx.call, ctx.grad
        if g is None:  # a retained graph, run again: the first run took the gradient
            (y_pred,) = ctx.saved_tensors
            p = _numpy(y_pred, call.pred_name, call.name, differentiable=True)
            g = _gradient(call.run(p, with_grad=True)[1], ctx.dtype)
        if call.reduction == "none":  # one incoming gradient per row (or element)
            go = grad_output.unsqueeze(-1) if call.kind == "rows" else grad_output
            out = g * go.to(g.dtype)
        elif grad_output.item() == 1.0:  # loss.backward(): hand the gradient over, no copy
            out, ctx.grad = g, None
        else:
            out = g * grad_output.to(g.dtype)
        if torch.is_grad_enabled():  # create_graph=True: the gradient is not constant
            (y_pred,) = ctx.saved_tensors
            out = _FirstOrderOnly.apply(out, y_pred, call.name)
        return out, None


def _gradient(grad, dtype):
    g = torch.from_numpy(grad)
    return g if g.dtype == dtype else g.to(dtype)


class _Call:
    """One call's arguments other than the prediction, as NumPy."""

    def __init__(self, loss, y_true, sample_weight, reduction, n_threads, options):
        self.name, self.kind, self.pred_name = loss.name, loss.kind, loss.pred_name
        self.y = _numpy(y_true, "y_true", loss.name)
        self.w = _numpy(sample_weight, "sample_weight", loss.name)
        self.reduction, self.n_threads = reduction, n_threads
        self.options = {k: _numpy(v, k, loss.name) for k, v in options.items()}
        self._value = getattr(_fl, loss.name)
        self._value_and_grad = getattr(_fl, loss.name + "_value_and_grad")

    def run(self, p, with_grad):
        f = self._value_and_grad if with_grad else self._value
        return f(self.y, p, sample_weight=self.w, reduction=self.reduction,
                 n_threads=self.n_threads, **self.options)


def _apply(loss, y_true, y_pred, sample_weight, reduction, n_threads, options):
    if not isinstance(y_pred, torch.Tensor):
        raise TypeError(f"fastloss.torch.{loss.name}: {loss.pred_name} must be a torch.Tensor; "
                        f"got {type(y_pred).__name__} (fastloss.{loss.name} takes arrays)")
    if reduction not in REDUCTIONS:
        raise ValueError(f"fastloss.torch.{loss.name}: reduction must be one of {REDUCTIONS}; "
                         f"got {reduction!r}")
    if (isinstance(y_true, torch.Tensor) and not y_true.dtype.is_complex
            and (y_true.is_floating_point() or y_true.dtype == torch.bool)
            and (loss.targets == "labels"
                 or (loss.targets == "labels_or_probs" and y_true.dim() < y_pred.dim()))):
        raise TypeError(f"fastloss.torch.{loss.name}: y_true must hold integer class labels; "
                        f"got {y_true.dtype} (pass y_true.long(), as torch's losses take them"
                        + (", or probabilities of the predictions' shape)"
                           if loss.targets == "labels_or_probs" else ")"))
    call = _Call(loss, y_true, sample_weight, reduction, n_threads, options)
    if y_pred.is_floating_point() and y_pred.dtype not in _NATIVE + (torch.float16,):
        # (bfloat16: NumPy has none) computed in float32, value and gradient cast back
        return _LossFunction.apply(y_pred.float(), call).to(y_pred.dtype)
    return _LossFunction.apply(y_pred, call)


def _make(loss):
    opts = [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default)
            for o in loss.options]

    def fn(y_true, y_pred, *, sample_weight=None, reduction="mean", n_threads=None, **options):
        loss.check_options(options)
        return _apply(loss, y_true, y_pred, sample_weight, reduction, n_threads, options)

    kw = inspect.Parameter.KEYWORD_ONLY
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter("y_true", inspect.Parameter.POSITIONAL_OR_KEYWORD),
         inspect.Parameter(loss.pred_name, inspect.Parameter.POSITIONAL_OR_KEYWORD), *opts,
         inspect.Parameter("sample_weight", kw, default=None),
         inspect.Parameter("reduction", kw, default="mean"),
         inspect.Parameter("n_threads", kw, default=None)])
    fn.__name__ = fn.__qualname__ = loss.name
    fn.__module__ = __name__
    unit = "row" if loss.kind == "rows" else "element"
    fn.__doc__ = f"""{loss.summary}

``fastloss.{loss.name}`` on tensors, differentiable with respect to
``{loss.pred_name}``: ``{loss.formula}``.  The forward pass computes the value
and the gradient (``{loss.gradient}``) in one pass and keeps the gradient;
backward multiplies it by the incoming gradient.

Parameters
----------
y_true : torch.Tensor or array_like
    As for ``fastloss.{loss.name}`` (integer label tensors are read in place);
    no gradient flows into it.
{loss.pred_name} : torch.Tensor
    CPU tensor (float32/float64 in place; float16 and bfloat16 computed in
    float32).
{"".join(option_doc(loss, o) for o in loss.options)}sample_weight : torch.Tensor or array_like, optional
    One weight per {unit}; ``"mean"`` is sum(w * loss) / sum(w).
reduction : {{"mean", "sum", "none"}}, default "mean"
    ``"none"``: the tensor of w * loss per {unit}.
n_threads : int, optional
    Threads for large inputs (``None``: automatic).

Returns
-------
torch.Tensor
    0-dimensional, or one value per {unit} for ``"none"``; of
    ``{loss.pred_name}``'s dtype.

Raises
------
ValueError
    What ``fastloss.{loss.name}`` raises (shapes, invalid targets, weights
    summing to zero), a tensor on another device, ``y_true`` or
    ``sample_weight`` requiring a gradient.
RuntimeError
    Differentiating the gradient again (second derivatives).
{_example(loss)}"""
    return fn


def _example(loss):
    """The Examples section (empty when fastloss/_examples.py lacks the loss)."""
    if loss.name not in EXAMPLES:
        return ""
    y, p = example_inputs(loss)
    ydt = "" if loss.kind == "rows" and loss.targets != "probs" else ", dtype=torch.float64"
    return f"""
Examples
--------
>>> import torch, fastloss.torch
>>> p = torch.tensor({p}, dtype=torch.float64, requires_grad=True)
>>> loss = fastloss.torch.{loss.name}(torch.tensor({y}{ydt}), p)
>>> round(loss.item(), 6)
{EXAMPLES[loss.name][0]}
>>> loss.backward()
>>> p.grad.shape == p.shape
True
"""


for _loss in LOSSES:
    globals()[_loss.name] = _make(_loss)
del _loss


class Loss(torch.nn.Module):
    """A fastloss loss as a ``torch.nn.Module`` criterion.

    ``Loss(name, *, reduction="mean", n_threads=None, **options)``; called as
    torch's criteria are, prediction first: ``criterion(input, target,
    sample_weight=None)`` is ``fastloss.torch.NAME(target, input, ...)``.

    Examples
    --------
    >>> import torch, fastloss.torch
    >>> criterion = fastloss.torch.Loss("softmax_cross_entropy", label_smoothing=0.1)
    >>> logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 0.2, 1.5]], requires_grad=True)
    >>> loss = criterion(logits, torch.tensor([0, 2]))
    >>> loss.backward()
    >>> logits.grad.shape
    torch.Size([2, 3])
    """

    def __init__(self, name, *, reduction="mean", n_threads=None, **options):
        super().__init__()
        if name not in BY_NAME:
            raise ValueError(f"unknown loss {name!r}; the losses: "
                             f"{', '.join(loss.name for loss in LOSSES)}")
        BY_NAME[name].check_options(options)
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
        self.name, self.reduction, self.n_threads, self.options = name, reduction, n_threads, options
        self._fn = globals()[name]

    def forward(self, input, target, sample_weight=None):  # noqa: A002 (torch's names)
        return self._fn(target, input, sample_weight=sample_weight, reduction=self.reduction,
                        n_threads=self.n_threads, **self.options)

    def extra_repr(self):
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"{self.name!r}, reduction={self.reduction!r}{opts}"


def __dir__():
    """The public names only."""
    return sorted(__all__)
