"""Drop-in replacements for scikit-learn's metric functions, on fastloss's kernels.

``from fastloss.metrics import log_loss`` instead of ``from sklearn.metrics import
log_loss``: the same signature and semantics as current scikit-learn (1.9) —
sample weights, ``multioutput``, label handling, clipping, warnings and the
exception types of its errors — and the same number (to ~1e-12 relative; the
sums here are accumulated in float64 in a fixed order), computed in one
compiled pass instead of NumPy temporaries.  scikit-learn is not needed.

Each function validates like scikit-learn (finite inputs, consistent lengths,
1-D or 2-D), then calls one public fastloss loss:

=========================  =================================================
``mean_squared_error``     :func:`fastloss.mse`
``root_mean_squared_error``  square root of the per-output :func:`fastloss.mse`
``mean_absolute_error``    :func:`fastloss.mae`
``mean_pinball_loss``      :func:`fastloss.pinball`
``mean_absolute_percentage_error``  :func:`fastloss.absolute_percentage_error`
``mean_squared_log_error`` :func:`fastloss.squared_log_error` (and its root)
``mean_tweedie_deviance``  :func:`fastloss.tweedie_deviance` (``mean_poisson_deviance``:
                           power 1, ``mean_gamma_deviance``: power 2)
``r2_score``               its own compiled pass (the residual and the total sums
                           of squares per output)
``log_loss``               :func:`fastloss.binary_cross_entropy` (1-D
                           probabilities) or
                           :func:`fastloss.sparse_categorical_cross_entropy`,
                           with ``eps`` the dtype's machine epsilon
``brier_score_loss``       :func:`fastloss.mse` (1-D probabilities) or its own
                           compiled pass over the rows and their labels
``hinge_loss``             :func:`fastloss.hinge` (binary) or
                           :func:`fastloss.multiclass_hinge` (Crammer-Singer)
=========================  =================================================
"""
from __future__ import annotations

import numbers
import warnings
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

import fastloss as _fl

from . import _dispatch
from ._errors import TargetError, ZeroWeightError


def _stats(a, tol):
    """(min, max, number of NaN, rows whose sum is off one by more than tol)."""
    compiled = _dispatch.stats(a, tol)
    if compiled is not None:
        return compiled
    with np.errstate(invalid="ignore"):
        n_nan = int(np.isnan(a).sum())
        lo, hi = (np.nanmin(a), np.nanmax(a)) if n_nan < a.size else (np.inf, -np.inf)
        off = 0
        if tol >= 0:
            off = int(np.sum(~(np.abs(np.sum(a, axis=-1, dtype=np.float64) - 1) <= tol)))
    return float(lo), float(hi), n_nan, off

__all__ = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
           "mean_pinball_loss", "mean_absolute_percentage_error", "mean_squared_log_error",
           "root_mean_squared_log_error", "mean_tweedie_deviance", "mean_poisson_deviance",
           "mean_gamma_deviance", "r2_score", "log_loss", "brier_score_loss", "hinge_loss",
           "InvalidParameterError",
           "UndefinedMetricWarning"]

_MULTIOUTPUT = ("raw_values", "uniform_average")
_R2_MULTIOUTPUT = ("raw_values", "uniform_average", "variance_weighted")


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or value, as scikit-learn's
    ``InvalidParameterError``: both a ValueError and a TypeError, so code
    written against scikit-learn catches it either way.

    Examples
    --------
    >>> from fastloss.metrics import log_loss, InvalidParameterError
    >>> try:
    ...     log_loss([0, 1], [0.2, 0.9], normalize="yes")
    ... except ValueError as e:
    ...     print(type(e).__name__, isinstance(e, TypeError))
    InvalidParameterError True
    """


class UndefinedMetricWarning(UserWarning):
    """A metric that is not defined for the input (as scikit-learn's warning
    of that name): r2_score of fewer than two samples, which returns NaN.

    Examples
    --------
    >>> import warnings
    >>> from fastloss.metrics import r2_score, UndefinedMetricWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     r2_score([1.0], [2.0])
    nan
    >>> caught[0].category is UndefinedMetricWarning
    True
    """


# ---- validation shared by the metrics (scikit-learn's rules) ---------------

def _is_arraylike(x):
    return hasattr(x, "__len__") or hasattr(x, "shape") or hasattr(x, "__array__")


# parameter constraints: (test, how scikit-learn's message describes it)
_CONSTRAINTS = {
    "array-like": (lambda x: _is_arraylike(x) and not np.isscalar(x), "an array-like"),
    "None": (lambda x: x is None, "None"),
    "hidden None": (lambda x: x is None, None),  # accepted, not mentioned
    "str": (lambda x: isinstance(x, str), "an instance of 'str'"),
    "boolean": (lambda x: isinstance(x, (bool, np.bool_)),
                "an instance of 'bool' or an instance of 'numpy.bool'"),
    "multioutput": (lambda x: isinstance(x, str) and x in _MULTIOUTPUT,
                    "a str among {'raw_values', 'uniform_average'}"),
    "r2 multioutput": (lambda x: isinstance(x, str) and x in _R2_MULTIOUTPUT,
                       "a str among {'raw_values', 'uniform_average', 'variance_weighted'}"),
    "unit float": (lambda x: isinstance(x, (int, float, np.integer, np.floating))
                   and not isinstance(x, (bool, np.bool_)) and 0 <= x <= 1,
                   "a float in the range [0.0, 1.0]"),
    "pos label": (lambda x: isinstance(x, (numbers.Real, str, np.bool_)),
                  "an instance of 'float', an instance of 'str', an instance of 'bool' or an "
                  "instance of 'numpy.bool'"),
    "auto": (lambda x: isinstance(x, str) and x == "auto", "a str among {'auto'}"),
    "tweedie power": (lambda x: isinstance(x, (numbers.Real, np.bool_)) and (x <= 0 or x >= 1),
                      "a float in the range (-inf, 0.0] or a float in the range [1.0, inf)"),
}


def _check_params(func, **params):
    """Each keyword: (value, constraint names); InvalidParameterError, worded
    as scikit-learn's, for the first value that meets none of its constraints."""
    for name, (value, allowed) in params.items():
        if any(_CONSTRAINTS[c][0](value) for c in allowed):
            continue
        descs = [_CONSTRAINTS[c][1] for c in allowed if _CONSTRAINTS[c][1]]
        must = descs[0] if len(descs) == 1 else ", ".join(descs[:-1]) + " or " + descs[-1]
        raise InvalidParameterError(f"The {name!r} parameter of {func} must be {must}. "
                                    f"Got {value!r} instead.")


def _to_numpy(x, name, **kw):
    """np.asarray(x), or a TypeError that says why when NumPy cannot read x
    (an array on a GPU or another device: fastloss.metrics computes on the CPU)."""
    try:
        return np.asarray(x, **kw)
    except (RuntimeError, TypeError) as e:
        device = getattr(x, "device", None)
        if device is not None and str(device) != "cpu":
            raise TypeError(f"{name} is an array on device {str(device)!r}; fastloss.metrics "
                            "computes on the CPU with NumPy: move it to the CPU first (e.g. "
                            "x.cpu() for a torch tensor, x.get() for CuPy)") from None
        if isinstance(e, TypeError):
            raise
        raise TypeError(f"{name} cannot be read as a NumPy array: {e}") from None


def _num_samples(x, name):
    if not _is_arraylike(x) or isinstance(x, str):
        raise TypeError(f"Expected sequence or array-like for {name}, got {type(x)}")
    shape = np.shape(x)
    if len(shape) == 0:
        raise TypeError(f"Singleton array {np.asarray(x)!r} cannot be considered a valid "
                        f"collection ({name}).")
    return shape[0]


def _check_consistent_length(**arrays):
    lengths = {k: _num_samples(v, k) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"{[int(v) for v in lengths.values()]} ({', '.join(lengths)})")


def _float_dtype(*arrays):
    """scikit-learn's choice: the result type of the floating inputs, float64
    if there are none (float16 is computed as float32 by the kernels)."""
    floats = [a.dtype for a in arrays if a is not None and a.dtype.kind == "f"]
    dt = np.result_type(*floats) if floats else np.dtype(np.float64)
    return np.dtype(np.float32) if dt.itemsize < 4 else dt


def _as_numeric(x, name, dtype=None):
    a = _to_numpy(x, name)  # (a device array: TypeError naming the device)
    try:
        a = a if dtype is None else np.asarray(a, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} could not be converted to a numeric array: {e}") from None
    if a.dtype.kind not in "biuf":
        if a.dtype.kind == "c":
            raise ValueError(f"Complex data not supported ({name})")
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be numeric; got dtype {a.dtype}") from None
    return a


def _check_2d_at_most(a, name):
    if a.ndim > 2:
        raise ValueError(f"Found array with dim {a.ndim} ({name}). Expected <= 2.")
    if a.ndim == 0:
        raise TypeError(f"Singleton array {a!r} cannot be considered a valid collection ({name}).")
    if a.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={a.shape}) while a minimum of 1 "
                         f"is required ({name}).")


def _finite_error(a, name):
    """The ValueError scikit-learn raises for a non-finite input, or None."""
    if a.dtype.kind != "f":
        return None
    s = np.sum(a, dtype=np.float64)  # one pass; NaN or inf anywhere makes it non-finite
    if np.isfinite(s):
        return None
    if np.isnan(a).any():
        return ValueError(f"Input {name} contains NaN.")
    if np.isinf(a).any():
        return ValueError(f"Input {name} contains infinity or a value too large for {a.dtype!r}.")
    return None  # finite values whose sum overflowed


def _raise_if_not_finite(*named):
    for a, name in named:
        if a is not None:
            err = _finite_error(a, name)
            if err is not None:
                raise err


def _check_sample_weight(sample_weight, n, dtype):
    if sample_weight is None:
        return None
    if isinstance(sample_weight, numbers.Number):
        w = np.full(n, sample_weight, dtype=dtype)
    else:
        w = _as_numeric(sample_weight, "sample_weight", dtype=None)
        if w.ndim != 1:
            raise ValueError(f"Sample weights must be 1D array or scalar; got shape {w.shape}")
        if w.shape[0] != n:
            raise ValueError(f"sample_weight.shape == {w.shape}, expected {(n,)}!")
        w = np.asarray(w, dtype=dtype)
    return w


def _check_reg_targets(y_true, y_pred, sample_weight, multioutput, weights_checked=True,
                       named=_MULTIOUTPUT):
    """(y_true, y_pred) as 2-D float arrays of one dtype, the weights, the
    validated multioutput (a string or an array of weights)."""
    _check_consistent_length(y_true=y_true, y_pred=y_pred, sample_weight=sample_weight)
    yt = _as_numeric(y_true, "y_true")
    yp = _as_numeric(y_pred, "y_pred")
    w0 = None if sample_weight is None or isinstance(sample_weight, numbers.Number) \
        else _as_numeric(sample_weight, "sample_weight")
    dtype = _float_dtype(yt, yp, w0)
    yt, yp = np.asarray(yt, dtype), np.asarray(yp, dtype)
    for a, name in ((yt, "y_true"), (yp, "y_pred")):
        _check_2d_at_most(a, name)
    w = _check_sample_weight(sample_weight, yt.shape[0], dtype)
    if yt.ndim == 1:
        yt = yt.reshape(-1, 1)
    if yp.ndim == 1:
        yp = yp.reshape(-1, 1)
    if yt.shape[1] != yp.shape[1]:
        raise ValueError(f"y_true and y_pred have different number of output "
                         f"({yt.shape[1]}!={yp.shape[1]})")
    n_outputs = yt.shape[1]
    if n_outputs == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={yt.shape}) while a minimum of 1 "
                         "is required.")
    if isinstance(multioutput, str):
        if multioutput not in named:
            raise ValueError("The 'multioutput' parameter must be a str among "
                             f"{set(named)} or an array-like. Got {multioutput!r} instead.")
    elif multioutput is None or not _is_arraylike(multioutput):
        raise ValueError("The 'multioutput' parameter must be a str among "
                         f"{set(named)} or an array-like. Got {multioutput!r} instead.")
    elif not weights_checked:  # (root_mean_squared_error: numpy.average's rules)
        multioutput = np.asarray(multioutput)
    else:
        multioutput = _as_numeric(multioutput, "multioutput").astype(np.float64)
        _raise_if_not_finite((multioutput, "multioutput"))
        if multioutput.ndim != 1:
            raise ValueError(f"multioutput must be 1-D; got shape {multioutput.shape}")
        if n_outputs == 1:
            raise ValueError("Custom weights are useful only in multi-output cases.")
        if n_outputs != multioutput.shape[0]:
            raise ValueError(f"There must be equally many custom weights "
                             f"({multioutput.shape[0]}) as outputs ({n_outputs}).")
    return yt, yp, w, multioutput


def _weighted_mean(loss, yt, yp, w, raise_finite, options=None):
    """Σ w·loss / Σ w of one output column (or of all outputs): the kernel
    sums w itself; scikit-learn's errors for weights summing to zero (and its
    earlier NaN check) are reconstructed only on that error path."""
    try:
        v = loss(yt, yp, sample_weight=w, **(options or {}))
    except ZeroWeightError:
        if w is None:
            raise
        raise_finite()
        if not np.any(w):
            raise ValueError("Sample weights must contain at least one non-zero number.") from None
        raise ZeroDivisionError("Weights sum to zero, can't be normalized") from None
    if not np.isfinite(v):
        raise_finite()
    return v


def _column_means(loss, yt, yp, w, raise_finite, options=None):
    """Each output's Σ w·loss / Σ w: one compiled pass over all the columns
    (each column's own call to rounding), or a call per column on NumPy."""
    compiled = None
    options = options or {}
    if yt.dtype in (np.float32, np.float64) and all(
            a.flags.aligned for a in (yt, yp, w) if a is not None):
        compiled = _dispatch.column_sums(loss.__name__, yt, yp, w, **options)
    if compiled is None:
        return np.array([_weighted_mean(loss, yt[:, j], yp[:, j], w, raise_finite, options)
                         for j in range(yt.shape[1])])
    sums, sws = compiled
    if sws[0] == 0:  # Σ w is the same for every column
        # (raises scikit-learn's error)
        _weighted_mean(loss, yt[:, 0], yp[:, 0], w, raise_finite, options)
    errors = sums / sws
    if not np.isfinite(errors).all():
        raise_finite()
    return errors


def _regression(func, loss, y_true, y_pred, sample_weight, multioutput, root=False,
                options=None, domain_error=None, weights_checked=None):
    """A regression metric: the mean of an elementwise loss per output,
    aggregated by ``multioutput``.  ``options``: the loss's options;
    domain (the kernel's TargetError becomes that ValueError);
    ``weights_checked``: whether scikit-learn's target checks see the
    multioutput weights (by default all but root_mean_squared_error's do)."""
    try:
        return _regression_checked(func, loss, y_true, y_pred, sample_weight, multioutput,
                                   root, options or {},
                                   not root if weights_checked is None else weights_checked)
    except TargetError:
        if domain_error is None:
            raise
        raise ValueError(domain_error) from None


def _regression_checked(func, loss, y_true, y_pred, sample_weight, multioutput, root, options,
                        weights_checked):
    if (sample_weight is None and type(y_true) is np.ndarray and type(y_pred) is np.ndarray
            and y_true.ndim == 1 and y_true.shape == y_pred.shape and y_true.shape[0]
            and y_true.dtype == y_pred.dtype and y_true.dtype in (np.float64, np.float32)
            and (multioutput == "uniform_average" if isinstance(multioutput, str) else False)):
        # the common call, 1-D float arrays: the kernel without the checks, which
        # are made (below) only when the result is not finite
        v = loss(y_true, y_pred, **options)
        if np.isfinite(v):
            return float(np.sqrt(v)) if root else float(v)
    _check_params(func,
                  y_true=(y_true, ("array-like",)), y_pred=(y_pred, ("array-like",)),
                  sample_weight=(sample_weight, ("array-like", "None")),
                  multioutput=(multioutput, ("multioutput", "array-like")))
    yt, yp, w, multioutput = _check_reg_targets(y_true, y_pred, sample_weight, multioutput,
                                                weights_checked=weights_checked)

    def raise_finite():  # only when a result is not finite: find the culprit
        _raise_if_not_finite((yt, "y_true"), (yp, "y_pred"), (w, "sample_weight"))

    n, m = yt.shape
    named = multioutput if isinstance(multioutput, str) else None
    if m == 1 or (named == "uniform_average" and w is None and not root):
        # one output, or the unweighted mean of the per-output means: one call
        v = _weighted_mean(loss, yt[:, 0] if m == 1 else yt, yp[:, 0] if m == 1 else yp, w,
                           raise_finite, options)
        errors = np.array([np.sqrt(v) if root else v])
        if m > 1:
            return float(errors[0])
        if named is None:
            return float(np.average(errors, weights=multioutput))
        return errors if named == "raw_values" else float(errors[0])
    errors = _column_means(loss, yt, yp, w, raise_finite, options)
    if root:
        errors = np.sqrt(errors)
    if named == "raw_values":
        return errors
    if named == "uniform_average":
        return float(np.mean(errors))
    return float(np.average(errors, weights=multioutput))


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                       sample_weight: ArrayLike | None = None,
                       multioutput: str | ArrayLike = "uniform_average") -> float | np.ndarray:
    """Mean squared error regression loss (as ``sklearn.metrics.mean_squared_error``).

    Parameters
    ----------
    y_true : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth (correct) target values.
    y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs: all of them, their mean, or their average
        with these weights.

    Returns
    -------
    loss : float or ndarray of floats
        Σᵢ wᵢ (yᵢ − ŷᵢ)² / Σᵢ wᵢ per output, aggregated by ``multioutput``.

    Raises
    ------
    ValueError
        Inconsistent lengths or outputs, non-finite input, empty input, more
        than 2 dimensions, all-zero weights, bad ``multioutput``.
    ZeroDivisionError
        Weights summing to zero (as scikit-learn, through ``numpy.average``).

    Examples
    --------
    >>> from fastloss.metrics import mean_squared_error
    >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.375
    >>> mean_squared_error([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]],
    ...                    multioutput="raw_values")
    array([0.41666667, 1.        ])
    """
    return _regression("mean_squared_error", _fl.mse, y_true, y_pred, sample_weight, multioutput)


def root_mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                            sample_weight: ArrayLike | None = None,
                            multioutput: str | ArrayLike = "uniform_average") -> float | np.ndarray:
    """Root mean squared error (as ``sklearn.metrics.root_mean_squared_error``):
    the square root of each output's mean squared error, then aggregated.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`.

    Examples
    --------
    >>> from fastloss.metrics import root_mean_squared_error
    >>> root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.6123724356957945
    """
    return _regression("root_mean_squared_error", _fl.mse, y_true, y_pred, sample_weight,
                       multioutput, root=True)


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                        sample_weight: ArrayLike | None = None,
                        multioutput: str | ArrayLike = "uniform_average") -> float | np.ndarray:
    """Mean absolute error regression loss (as ``sklearn.metrics.mean_absolute_error``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats
        Σᵢ wᵢ |yᵢ − ŷᵢ| / Σᵢ wᵢ per output, aggregated by ``multioutput``.

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`.

    Examples
    --------
    >>> from fastloss.metrics import mean_absolute_error
    >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.5
    """
    return _regression("mean_absolute_error", _fl.mae, y_true, y_pred, sample_weight, multioutput)


def mean_pinball_loss(y_true: ArrayLike, y_pred: ArrayLike, *,
                      sample_weight: ArrayLike | None = None, alpha: float = 0.5,
                      multioutput: str | ArrayLike = "uniform_average") -> float | np.ndarray:
    """Pinball (quantile) loss (as ``sklearn.metrics.mean_pinball_loss``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    alpha : float, default 0.5
        The quantile the predictions estimate, in [0, 1].
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats
        Σᵢ wᵢ (α max(yᵢ − ŷᵢ, 0) + (1 − α) max(ŷᵢ − yᵢ, 0)) / Σᵢ wᵢ per output,
        aggregated by ``multioutput``.

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`; InvalidParameterError for alpha outside [0, 1].

    Examples
    --------
    >>> from fastloss.metrics import mean_pinball_loss
    >>> mean_pinball_loss([1, 2, 3], [0, 2, 3], alpha=0.1)
    0.03333333333333333
    """
    _check_params("mean_pinball_loss", alpha=(alpha, ("unit float",)))
    return _regression("mean_pinball_loss", _fl.pinball, y_true, y_pred, sample_weight,
                       multioutput, options={"alpha": float(alpha)})


def mean_absolute_percentage_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                                   sample_weight: ArrayLike | None = None,
                                   multioutput: str | ArrayLike = "uniform_average"
                                   ) -> float | np.ndarray:
    """Mean absolute percentage error (as
    ``sklearn.metrics.mean_absolute_percentage_error``): a fraction, not a percentage.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats
        Σᵢ wᵢ |ŷᵢ − yᵢ| / max(|yᵢ|, 2⁻⁵²) / Σᵢ wᵢ per output, aggregated by
        ``multioutput``.

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`.

    Examples
    --------
    >>> from fastloss.metrics import mean_absolute_percentage_error
    >>> mean_absolute_percentage_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
    0.3273809523809524
    """
    return _regression("mean_absolute_percentage_error", _fl.absolute_percentage_error, y_true,
                       y_pred, sample_weight, multioutput)


_MSLE_DOMAIN = "{} cannot be used when targets contain values less than or equal to -1."


def mean_squared_log_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                           sample_weight: ArrayLike | None = None,
                           multioutput: str | ArrayLike = "uniform_average") -> float | np.ndarray:
    """Mean squared logarithmic error (as ``sklearn.metrics.mean_squared_log_error``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values, all > -1.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats
        Σᵢ wᵢ (log1p ŷᵢ − log1p yᵢ)² / Σᵢ wᵢ per output, aggregated by ``multioutput``.

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`; ValueError for a value <= -1.

    Examples
    --------
    >>> from fastloss.metrics import mean_squared_log_error
    >>> round(mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 12)
    0.039730122985
    """
    return _regression("mean_squared_log_error", _fl.squared_log_error, y_true, y_pred,
                       sample_weight, multioutput,
                       domain_error=_MSLE_DOMAIN.format("Mean Squared Logarithmic Error"))


def root_mean_squared_log_error(y_true: ArrayLike, y_pred: ArrayLike, *,
                                sample_weight: ArrayLike | None = None,
                                multioutput: str | ArrayLike = "uniform_average"
                                ) -> float | np.ndarray:
    """Root mean squared logarithmic error (as
    ``sklearn.metrics.root_mean_squared_log_error``): the square root of each
    output's mean squared logarithmic error, then aggregated.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values, all > -1.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average"} or array_like of shape (n_outputs,)
        How to aggregate the outputs.

    Returns
    -------
    loss : float or ndarray of floats

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_log_error`.

    Examples
    --------
    >>> from fastloss.metrics import root_mean_squared_log_error
    >>> round(root_mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 12)
    0.199324165581
    """
    return _regression("root_mean_squared_log_error", _fl.squared_log_error, y_true, y_pred,
                       sample_weight, multioutput, root=True, weights_checked=True,
                       domain_error=_MSLE_DOMAIN.format("Root Mean Squared Logarithmic Error"))


_TWEEDIE_DOMAIN = {  # scikit-learn's message per range of powers
    "negative": "strictly positive y_pred.",
    "poisson": "non-negative y and strictly positive y_pred.",
    "gamma": "strictly positive y and y_pred.",
}


def _deviance(func, y_true, y_pred, sample_weight, power):
    """The mean unit Tweedie deviance of 1-D targets (as scikit-learn's
    mean_tweedie_deviance, whose domain rule per power the kernel checks)."""
    _check_params(func, y_true=(y_true, ("array-like",)), y_pred=(y_pred, ("array-like",)),
                  sample_weight=(sample_weight, ("array-like", "None")))
    yt_shape, yp_shape = np.shape(y_true), np.shape(y_pred)
    if len(yt_shape) == 2 and yt_shape[1] > 1 and yp_shape == yt_shape:
        _check_consistent_length(y_true=y_true, y_pred=y_pred, sample_weight=sample_weight)
        raise ValueError("Multioutput not supported in mean_tweedie_deviance")
    rule = ("negative" if power < 0 else None if power == 0 else
            "poisson" if power < 2 else "gamma")
    domain = (None if rule is None else
              f"Mean Tweedie deviance error with power={power} can only be used on "
              + _TWEEDIE_DOMAIN[rule])
    return _regression(func, _fl.tweedie_deviance, y_true, y_pred, sample_weight,
                       "uniform_average", options={"power": float(power)},
                       domain_error=domain)


def mean_tweedie_deviance(y_true: ArrayLike, y_pred: ArrayLike, *,
                          sample_weight: ArrayLike | None = None, power: float = 0) -> float:
    """Mean Tweedie deviance (as ``sklearn.metrics.mean_tweedie_deviance``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Ground truth and estimated target values (one output).
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    power : float, default 0
        The Tweedie power, <= 0 or >= 1: < 0 needs y_pred > 0; 0 is the
        squared error (any values); 1 (Poisson) and 1 < power < 2 (compound
        Poisson) need y_true >= 0 and y_pred > 0; >= 2 (2: Gamma) needs both > 0.

    Returns
    -------
    loss : float
        Σᵢ wᵢ dᵢ / Σᵢ wᵢ with dᵢ the unit deviance of :func:`fastloss.tweedie_deviance`.

    Raises
    ------
    ValueError
        As :func:`mean_squared_error`; values outside the power's domain
        (scikit-learn's message); 2-D targets with several outputs.
    InvalidParameterError
        power in (0, 1).

    Examples
    --------
    >>> from fastloss.metrics import mean_tweedie_deviance
    >>> round(mean_tweedie_deviance([2, 0, 1, 4], [0.5, 0.5, 2., 2.], power=1), 12)
    1.42601513196
    """
    _check_params("mean_tweedie_deviance", power=(power, ("tweedie power",)))
    return _deviance("mean_tweedie_deviance", y_true, y_pred, sample_weight, power)


def mean_poisson_deviance(y_true: ArrayLike, y_pred: ArrayLike, *,
                          sample_weight: ArrayLike | None = None) -> float:
    """Mean Poisson deviance (as ``sklearn.metrics.mean_poisson_deviance``):
    :func:`mean_tweedie_deviance` with power 1.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Ground truth and estimated target values, y_true >= 0, y_pred > 0.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.

    Returns
    -------
    loss : float

    Raises
    ------
    ValueError
        As :func:`mean_tweedie_deviance`.

    Examples
    --------
    >>> from fastloss.metrics import mean_poisson_deviance
    >>> round(mean_poisson_deviance([2, 0, 1, 4], [0.5, 0.5, 2., 2.]), 12)
    1.42601513196
    """
    return _deviance("mean_poisson_deviance", y_true, y_pred, sample_weight, 1)


def mean_gamma_deviance(y_true: ArrayLike, y_pred: ArrayLike, *,
                        sample_weight: ArrayLike | None = None) -> float:
    """Mean Gamma deviance (as ``sklearn.metrics.mean_gamma_deviance``):
    :func:`mean_tweedie_deviance` with power 2.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,)
        Ground truth and estimated target values, y_true > 0, y_pred > 0.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.

    Returns
    -------
    loss : float

    Raises
    ------
    ValueError
        As :func:`mean_tweedie_deviance`.

    Examples
    --------
    >>> from fastloss.metrics import mean_gamma_deviance
    >>> round(mean_gamma_deviance([2, 0.5, 1, 4], [0.5, 0.5, 2., 2.]), 12)
    1.05685281944
    """
    return _deviance("mean_gamma_deviance", y_true, y_pred, sample_weight, 2)


def r2_score(y_true: ArrayLike, y_pred: ArrayLike, *, sample_weight: ArrayLike | None = None,
             multioutput: str | ArrayLike = "uniform_average",
             force_finite: bool = True) -> float | np.ndarray:
    """Coefficient of determination R² (as ``sklearn.metrics.r2_score``).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (n_samples,) or (n_samples, n_outputs)
        Ground truth and estimated target values.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    multioutput : {"raw_values", "uniform_average", "variance_weighted"} or array_like
        How to aggregate the outputs' scores ("variance_weighted": weighted by
        each output's variance, the denominator below).
    force_finite : bool, default True
        A constant y_true scores 1.0 (perfect predictions) or 0.0 instead of NaN
        or -inf.

    Returns
    -------
    score : float or ndarray of floats
        1 - Σᵢ wᵢ (yᵢ − ŷᵢ)² / Σᵢ wᵢ (yᵢ − ȳ)² per output (ȳ the weighted
        mean), aggregated by ``multioutput``; NaN with an
        UndefinedMetricWarning for fewer than two samples.  Both sums come
        from one compiled pass over the inputs (each block of rows taken
        about its own mean, then combined: no cancellation of Σ w y²
        against the mean).

    Raises
    ------
    ValueError, ZeroDivisionError
        As :func:`mean_squared_error`.

    Examples
    --------
    >>> from fastloss.metrics import r2_score
    >>> round(r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 12)
    0.948608137045
    """
    _check_params("r2_score",
                  y_true=(y_true, ("array-like",)), y_pred=(y_pred, ("array-like",)),
                  sample_weight=(sample_weight, ("array-like", "None")),
                  multioutput=(multioutput, ("r2 multioutput", "array-like")),
                  force_finite=(force_finite, ("boolean",)))
    yt, yp, w, multioutput = _check_reg_targets(y_true, y_pred, sample_weight, multioutput,
                                                named=_R2_MULTIOUTPUT)

    def raise_finite():  # only when a sum is not finite (or for one sample): the culprit
        _raise_if_not_finite((yt, "y_true"), (yp, "y_pred"), (w, "sample_weight"))

    if yt.shape[0] < 2:
        raise_finite()
        if w is not None and not np.any(w):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        warnings.warn("R^2 score is not well-defined with less than two samples.",
                      UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    sums = _dispatch.r2_sums(yt, yp, w)
    if sums is None:
        ww = np.ones(yt.shape[0]) if w is None else w.astype(np.float64)
        y64, p64 = yt.astype(np.float64), yp.astype(np.float64)
        sw = float(np.sum(ww))
        sse = np.sum(ww[:, None] * (y64 - p64) ** 2, axis=0)
        mean = np.sum(ww[:, None] * y64, axis=0) / sw if sw != 0 else np.zeros(yt.shape[1])
        ss = np.sum(ww[:, None] * (y64 - mean) ** 2, axis=0)
    else:
        sw, sse, ss = sums
    if not (np.isfinite(sw) and np.isfinite(sse).all() and np.isfinite(ss).all()):
        raise_finite()
    if sw == 0:  # numpy.average's errors, as scikit-learn meets them
        if not np.any(w):
            raise ValueError("Sample weights must contain at least one non-zero number.")
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    nonzero_den = ss != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if not force_finite:
            scores = 1 - sse / ss
        else:
            nonzero_num = sse != 0
            scores = np.ones(yt.shape[1])
            valid = nonzero_den & nonzero_num
            scores[valid] = 1 - sse[valid] / ss[valid]
            scores[nonzero_num & ~nonzero_den] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores.astype(yt.dtype)
        weights = None
        if multioutput == "variance_weighted" and np.any(nonzero_den):
            weights = ss
    else:
        weights = multioutput
    return float(np.average(scores, weights=weights))


# ---- labels ----------------------------------------------------------------

_SPAN = 1 << 20  # integer labels spanning at most this many values are counted, not sorted


def _int_range(y):
    """(lo, hi) when y holds integer values of a small span, else None."""
    if y.size == 0 or y.dtype.kind not in "biuf":
        return None
    lo, hi = np.min(y), np.max(y)
    if y.dtype.kind == "f":
        if not (np.isfinite(lo) and np.isfinite(hi)) or float(hi) - float(lo) > _SPAN:
            return None
        if not np.array_equal(y, y.astype(np.int64)):
            return None
    lo, hi = int(lo), int(hi)
    if hi > np.iinfo(np.int64).max or lo < np.iinfo(np.int64).min:
        return None
    return (lo, hi) if hi - lo <= _SPAN else None


def _factorize(y, labels=None):
    """(sorted classes, index of each y among them, -1 where y is not one):
    np.unique's classes, the sorted unique labels (or ``labels``'), with an
    O(n) counting path for integer-valued labels instead of a sort."""
    classes = None if labels is None else np.unique(np.asarray(labels).reshape(-1))
    span = _int_range(y)
    if span is not None and (classes is None or classes.dtype.kind in "biuf"):
        lo, hi = span
        yi = y.astype(np.int64) - lo if (lo or y.dtype.kind not in "iu") else y
        lut = np.full(hi - lo + 1, -1, dtype=np.int64)
        if classes is None:
            present = np.flatnonzero(np.bincount(yi, minlength=hi - lo + 1))
            lut[present] = np.arange(present.size)
            classes = (present + lo).astype(y.dtype)
        elif classes.dtype.kind in "biu":  # exact integer comparisons
            c = classes.astype(object) if classes.dtype == np.uint64 else classes.astype(np.int64)
            hit = np.array([lo <= int(v) <= hi for v in c], dtype=bool)
            lut[np.array([int(v) - lo for v in c[hit]], dtype=np.int64)] = np.flatnonzero(hit)
        else:
            with np.errstate(invalid="ignore"):
                c = classes.astype(np.float64)
                hit = (c >= lo) & (c <= hi) & (c == np.round(c))
            lut[c[hit].astype(np.int64) - lo] = np.flatnonzero(hit)
        return classes, lut[yi]
    factorized = _dispatch.factorize(y) if y.dtype.kind in "SU" and y.ndim == 1 else None
    if factorized is not None:
        # strings: hashed once (O(n)); only the distinct values are sorted
        codes, first = factorized
        classes, idx = _by_sorting(y[first], classes)
        return classes, idx[codes]
    return _by_sorting(y, classes)


def _by_sorting(y, classes):
    """_factorize's general path: np.unique's sort, or a search of the sorted classes."""
    if classes is None:
        classes, idx = np.unique(y, return_inverse=True)
        return classes, idx.reshape(-1)
    if classes.size == 0:
        return classes, np.full(y.shape, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(classes, y), classes.size - 1)
    same = classes[pos] == y
    if classes.dtype.kind == "f" and y.dtype.kind == "f":  # NaN is a label too
        same |= np.isnan(classes[pos]) & np.isnan(y)
    return classes, np.where(same, pos, -1)


def _check_label_type(y):
    """LabelBinarizer's rule: float labels must be integer-valued."""
    if y.dtype.kind == "f" and y.size:
        with np.errstate(invalid="ignore"):
            if not np.array_equal(y, np.round(y)):
                raise ValueError(f"Unknown label type: {y!r}")


def _labels_1d(y_true, name="y_true"):
    y = _to_numpy(y_true, name)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} should be a 1d array, got an array of shape {y.shape} instead.")
    return y


def log_loss(y_true: ArrayLike, y_proba: ArrayLike | None = None, *, normalize: bool = True,
             sample_weight: ArrayLike | None = None, labels: ArrayLike | None = None,
             y_pred: ArrayLike | str = "deprecated") -> float:
    """Log loss, aka logistic or cross-entropy loss (as ``sklearn.metrics.log_loss``).

    −Σᵢ wᵢ log pᵢ,yᵢ (divided by Σᵢ wᵢ when ``normalize``), with p clipped to
    [eps, 1 − eps], eps the machine epsilon of p's dtype.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels of any kind (numbers, strings, bools); the classes are the sorted
        unique labels (of ``labels`` if given).
    y_proba : array_like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, columns in the sorted order of the classes; a
        1-D array is the probability of the positive (larger) class.
    normalize : bool, default True
        Mean per sample (weighted) if True, else the (weighted) sum.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    labels : array_like, optional
        All the class labels, when ``y_true`` may not show them all.
    y_pred : array_like, deprecated
        The former name of ``y_proba`` (scikit-learn 1.9 renamed it; a
        FutureWarning).

    Returns
    -------
    loss : float

    Raises
    ------
    ValueError
        Probabilities outside [0, 1] or not finite, inconsistent lengths, a
        single class without ``labels``, a class count that differs from the
        columns of ``y_proba``, labels of ``y_true`` missing from ``labels``,
        all-zero weights.
    ZeroDivisionError
        Weights summing to zero with ``normalize``.

    Warns
    -----
    UserWarning
        Rows of ``y_proba`` not summing to one (within sqrt(eps)), or
        ``labels`` not in sorted order.

    Examples
    --------
    >>> from fastloss.metrics import log_loss
    >>> log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    0.21616187468057912
    """
    _check_params("log_loss", y_true=(y_true, ("array-like",)),
                  y_proba=(y_proba, ("array-like", "hidden None")),
                  normalize=(normalize, ("boolean",)),
                  sample_weight=(sample_weight, ("array-like", "None")),
                  labels=(labels, ("array-like", "None")), y_pred=(y_pred, ("array-like", "str")))
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError("Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
                             "use `y_proba` instead.")
        warnings.warn("`y_pred` was renamed to `y_proba` in version 1.9 and will be removed in "
                      "1.11. Use `y_proba` instead.", FutureWarning, stacklevel=2)
        y_proba = y_pred
    if y_proba is None:
        raise TypeError("log_loss() missing the predicted probabilities y_proba")
    p, eps, rows_off = _probabilities(y_proba)
    _check_consistent_length(y_proba=p, y_true=y_true, sample_weight=sample_weight)
    w = _probability_weights(sample_weight, p.shape[0])
    y = _to_numpy(y_true, "y_true")
    if y.ndim == 2 and y.shape[1] > 1:  # a label-indicator matrix, as LabelBinarizer takes it
        return float(_log_loss_indicator(y, p, w, eps, rows_off, labels,
                                         "mean" if normalize else "sum"))
    idx = _label_columns(y_true, labels, p, rows_off)
    if w is not None and normalize and float(np.sum(w)) == 0.0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    reduction: Literal["mean", "sum"] = "mean" if normalize else "sum"
    if p.ndim == 1 or p.shape[1] == 1:
        target = idx.astype(p.dtype)
        return float(_fl.binary_cross_entropy(target, p.reshape(-1), eps=eps, sample_weight=w,
                                              reduction=reduction))
    return float(_fl.sparse_categorical_cross_entropy(idx, p, eps=eps, sample_weight=w,
                                                      reduction=reduction))


def _probabilities(y_proba):
    """(p, eps, rows off one): y_proba as a float32/float64 array of at most two
    dimensions, checked finite and in [0, 1] in one pass, eps the machine
    epsilon of its own dtype (float16's, computed in float32), and the number of
    rows of a 2-D p whose sum is off one by more than np.isclose's tolerance."""
    p = _as_numeric(y_proba, "y_proba")
    if p.dtype.kind != "f":
        p = p.astype(np.float64)
    eps = float(np.finfo(p.dtype).eps)
    if p.dtype.itemsize < 4:
        p = p.astype(np.float32)
    _check_2d_at_most(p, "y_proba")
    multi = p.ndim == 2 and p.shape[1] > 1
    lo, hi, n_nan, rows_off = _stats(p, 1e-8 + np.sqrt(eps) if multi else -1.0)
    if n_nan:
        raise ValueError("Input y_proba contains NaN.")
    if np.isinf(hi) or np.isinf(lo):
        raise ValueError(f"Input y_proba contains infinity or a value too large for {p.dtype!r}.")
    if hi > 1:
        raise ValueError(f"y_prob contains values greater than 1: {hi}")
    if lo < 0:
        raise ValueError(f"y_prob contains values lower than 0: {lo}")
    return p, eps, rows_off


def _probability_weights(sample_weight, n):
    """sample_weight as float64 (or None): finite, not all zero."""
    w = _check_sample_weight(sample_weight, n, np.float64)
    if w is not None:
        _raise_if_not_finite((w, "sample_weight"))
        if not np.any(w):
            raise ValueError("Sample weights must contain at least one non-zero number.")
    return w


def _label_columns(y_true, labels, p, rows_off):
    """The column of p that each label of 1-D y_true names: its index among the
    sorted classes (of ``labels`` if given), with scikit-learn's checks of the
    labels against p's columns (a 1-D p: the positive, larger, class of two)
    and its warnings (unsorted ``labels``, rows of p not summing to one)."""
    y = _labels_1d(y_true)
    _check_label_type(y)
    classes, idx = _factorize(y, labels)
    if labels is not None:
        lab = _to_numpy(labels, "labels")
        _check_label_type(lab)
        if classes.shape != lab.reshape(-1).shape or not np.all(classes == lab.reshape(-1)):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure that "
                "the columns of y_prob correspond to this ordering.", UserWarning, stacklevel=3)
        if idx.size and idx.min() < 0:
            undeclared = set(y.tolist()) - set(lab.reshape(-1).tolist())
            raise ValueError(f"y_true contains values {undeclared} not belonging to the passed "
                             f"labels {labels}.")
    if classes.shape[0] == 1:
        if labels is None:
            raise ValueError(f"y_true contains only one label ({classes[0]}). Please provide the "
                             "list of all expected class labels explicitly through the labels "
                             "argument.")
        raise ValueError(f"The labels array needs to contain at least two labels, got "
                         f"{classes}.")
    multi = p.ndim == 2 and p.shape[1] > 1
    k = p.shape[1] if multi else 2
    if multi and rows_off:
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=3)
    if classes.shape[0] != k:
        if labels is None:
            raise ValueError(f"y_true and y_prob contain different number of classes: "
                             f"{classes.shape[0]} vs {k}. Please provide the true labels "
                             f"explicitly through the labels argument. Classes found in y_true: "
                             f"{classes}")
        raise ValueError(f"The number of classes in labels is different from that in y_prob. "
                         f"Classes found in labels: {classes}")
    return idx


def _indicator(y, labels):
    """A 2-D label-indicator y_true, checked as LabelBinarizer checks it."""
    if y.dtype.kind not in "biuf" or not np.all((y == 0) | (y == 1)):
        raise ValueError("Multioutput target data is not supported with label binarization")
    if labels is not None:
        raise ValueError("The object was not fitted with multilabel input.")
    return y


def _log_loss_indicator(y, p, w, eps, rows_off, labels, reduction):
    k = _indicator(y, labels).shape[1]
    if p.ndim == 1 or p.shape[1] == 1:
        if k != 2:
            raise ValueError(f"y_true and y_prob contain different number of classes: {k} vs 2. "
                             "Please provide the true labels explicitly through the labels "
                             f"argument. Classes found in y_true: {np.arange(k)}")
        q = p.reshape(-1)
        p = np.column_stack([1 - q, q])  # as scikit-learn reads a 1-D y_prob
    if p.shape[1] != k:
        raise ValueError(f"y_true and y_prob contain different number of classes: {k} vs "
                         f"{p.shape[1]}. Please provide the true labels explicitly through the "
                         f"labels argument. Classes found in y_true: {np.arange(k)}")
    if w is not None and reduction == "mean" and float(np.sum(w)) == 0.0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    if rows_off:
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=3)
    return _fl.categorical_cross_entropy(y.astype(p.dtype), p, eps=eps, sample_weight=w,
                                         reduction=reduction)


def brier_score_loss(y_true: ArrayLike, y_proba: ArrayLike, *,
                     sample_weight: ArrayLike | None = None,
                     pos_label: float | str | bool | None = None,
                     labels: ArrayLike | None = None,
                     scale_by_half: bool | Literal["auto"] = "auto") -> float:
    """Brier score loss (as ``sklearn.metrics.brier_score_loss``).

    Σᵢ wᵢ Σⱼ (tᵢⱼ − pᵢⱼ)² / Σᵢ wᵢ, tᵢ the one-hot row of sample i's class: in
    [0, 2], halved to [0, 1] by ``scale_by_half``. For 1-D ``y_proba`` (the
    probability of the positive class) that is the mean of (tᵢ − pᵢ)² with
    tᵢ = 1 where ``y_true == pos_label``.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        Labels of any kind (numbers, strings, bools); for 2-D ``y_proba`` also a
        label-indicator matrix.
    y_proba : array_like of shape (n_samples,) or (n_samples, n_classes)
        Predicted probabilities: of the positive class (1-D, binary ``y_true``),
        or per class, columns in the sorted order of the classes.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.
    pos_label : int, float, bool or str, optional
        The positive class of 1-D ``y_proba``; by default 1 when ``y_true``
        takes values in {0, 1} or {-1, 1}, else the larger label (strings need
        it given).
    labels : array_like of shape (n_classes,), optional
        All the class labels for 2-D ``y_proba``, when ``y_true`` may not show
        them all.
    scale_by_half : bool or "auto", default "auto"
        Halve the score; "auto" halves it for 1-D ``y_proba`` or two columns.

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        Probabilities outside [0, 1] or not finite, inconsistent lengths,
        ``y_true`` not binary for 1-D ``y_proba`` (or of strings without
        ``pos_label``), a class count that differs from the columns of
        ``y_proba``, labels of ``y_true`` missing from ``labels``, all-zero
        weights.
    ZeroDivisionError
        Weights summing to zero.

    Warns
    -----
    UserWarning
        Rows of 2-D ``y_proba`` not summing to one (within sqrt(eps)), or
        ``labels`` not in sorted order.

    Examples
    --------
    >>> from fastloss.metrics import brier_score_loss
    >>> brier_score_loss([0, 1, 1, 0], [0.25, 0.75, 0.5, 0.5])
    0.15625
    >>> brier_score_loss(["eggs", "ham", "spam"],
    ...                  [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]])
    0.1466666666666667
    """
    _check_params("brier_score_loss", y_true=(y_true, ("array-like",)),
                  y_proba=(y_proba, ("array-like",)),
                  sample_weight=(sample_weight, ("array-like", "None")),
                  pos_label=(pos_label, ("pos label", "None")),
                  labels=(labels, ("array-like", "None")),
                  scale_by_half=(scale_by_half, ("boolean", "auto")))
    p, _, rows_off = _probabilities(y_proba)
    binary = p.ndim == 1 or p.shape[1] == 1
    if scale_by_half == "auto":
        scale_by_half = p.ndim == 1 or p.shape[1] < 3
    half = 0.5 if scale_by_half else 1.0
    _check_consistent_length(y_proba=p, y_true=y_true, sample_weight=sample_weight)
    w = _probability_weights(sample_weight, p.shape[0])
    if binary:  # Σⱼ over the two columns (1 - t, t) and (1 - p, p): 2 (t - p)²
        t = _positive(y_true, pos_label).astype(p.dtype)
        total = _fl.mse(t, p.reshape(-1), sample_weight=w, reduction="sum")
        return 2.0 * half * _weighted_average(w, t.shape[0], total)
    y = _to_numpy(y_true, "y_true")
    if y.ndim == 2 and y.shape[1] > 1:  # a label-indicator matrix
        if _indicator(y, labels).shape[1] != p.shape[1]:
            raise ValueError(f"y_true and y_prob contain different number of classes: "
                             f"{y.shape[1]} vs {p.shape[1]}. Please provide the true labels "
                             f"explicitly through the labels argument. Classes found in y_true: "
                             f"{np.arange(y.shape[1])}")
        if rows_off:
            warnings.warn("The y_prob values do not sum to one. Make sure to pass "
                          "probabilities.", UserWarning, stacklevel=2)
        d = y.astype(np.float64) - p
        return half * _weighted_average(w, d.shape[0], rows=np.einsum("ij,ij->i", d, d))
    idx = _label_columns(y_true, labels, p, rows_off)
    total = _dispatch.brier_sum(p, idx, w)
    if total is None:  # (the NumPy backend)
        d = p.astype(np.float64)
        d[np.arange(d.shape[0]), idx] -= 1.0
        return half * _weighted_average(w, d.shape[0], rows=np.einsum("ij,ij->i", d, d))
    return half * _weighted_average(w, p.shape[0], total)


def _weighted_average(w, n, total=None, rows=None):
    """Σᵢ wᵢ rowsᵢ / Σᵢ wᵢ, or a compiled ``total`` of it divided by Σᵢ wᵢ (n
    without weights), with np.average's ZeroDivisionError when the weights sum
    to zero."""
    if w is not None and float(np.sum(w)) == 0.0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    if rows is not None:
        return float(np.average(rows, weights=w))
    return float(total) / (n if w is None else float(np.sum(w)))


def _positive(y_true, pos_label):
    """y_true == pos_label for a binary 1-D y_true (scikit-learn's rules: finite,
    at most two classes, pos_label 1 for {0, 1} or {-1, 1}, else the larger
    label, and strings need it given)."""
    y = _labels_1d(y_true)
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise ValueError("Input y_true contains NaN or infinity.")
    classes, _ = _factorize(y)
    continuous = y.dtype.kind == "f" and not np.array_equal(y, np.round(y))
    if continuous or classes.shape[0] > 2:
        raise ValueError("The type of the target inferred from y_true is "
                         f"{'continuous' if continuous else 'multiclass'} but should be binary "
                         "according to the shape of y_prob.")
    if pos_label is None:
        if classes.dtype.kind in "OUS":
            shown = ", ".join(repr(c) for c in classes.tolist())
            raise ValueError(f"y_true takes value in {{{shown}}} and pos_label is not specified: "
                             "either make y_true take value in {0, 1} or {-1, 1} or pass "
                             "pos_label explicitly.")
        values = classes.tolist()
        pos_label = 1 if all(v in (0, 1) for v in values) or all(v in (-1, 1) for v in values) \
            else values[-1]
    return y == pos_label


def hinge_loss(y_true: ArrayLike, pred_decision: ArrayLike, *, labels: ArrayLike | None = None,
               sample_weight: ArrayLike | None = None) -> float:
    """Average hinge loss (as ``sklearn.metrics.hinge_loss``).

    Binary (at most two classes among ``labels``, or in ``y_true``): the labels
    are mapped to −1 and +1 (the larger to +1) and the loss is
    mean(max(0, 1 − y·s)).  Multi-class: the Crammer–Singer form
    mean(max(0, 1 − (s_y − max_{j≠y} s_j))), ``pred_decision`` of shape
    (n_samples, n_classes) in the sorted order of the labels.

    Parameters
    ----------
    y_true : array_like of shape (n_samples,)
        True labels (any kind).
    pred_decision : array_like of shape (n_samples,) or (n_samples, n_classes)
        Decision function values.
    labels : array_like, optional
        All the labels of a multi-class problem.
    sample_weight : array_like of shape (n_samples,), optional
        Sample weights.

    Returns
    -------
    loss : float

    Raises
    ------
    ValueError
        Inconsistent lengths or shapes, non-finite decisions, labels of
        ``y_true`` unknown to ``labels``.
    ZeroDivisionError
        Weights summing to zero.

    Examples
    --------
    >>> from fastloss.metrics import hinge_loss
    >>> hinge_loss([-1, 1, 1], [-2.18, 2.36, 0.09])
    0.30333333333333334
    """
    _check_params("hinge_loss", y_true=(y_true, ("array-like",)),
                  pred_decision=(pred_decision, ("array-like",)),
                  labels=(labels, ("array-like", "None")),
                  sample_weight=(sample_weight, ("array-like", "None")))
    _check_consistent_length(y_true=y_true, pred_decision=pred_decision,
                             sample_weight=sample_weight)
    s = _as_numeric(pred_decision, "pred_decision")
    if s.dtype.kind != "f":
        s = s.astype(np.float64)
    elif s.dtype.itemsize < 4:
        s = s.astype(np.float32)
    _check_2d_at_most(s, "pred_decision")
    lo, hi, n_nan, _ = _stats(s, -1.0)
    if n_nan:
        raise ValueError("Input pred_decision contains NaN.")
    if np.isinf(lo) or np.isinf(hi):
        raise ValueError("Input pred_decision contains infinity or a value too large for "
                         f"{s.dtype!r}.")
    y = _labels_1d(y_true)
    w = None
    if sample_weight is not None:
        w = np.asarray(_as_numeric(sample_weight, "sample_weight"), np.float64)
        if w.shape != (y.shape[0],):
            raise ValueError(f"sample_weight has shape {w.shape}, expected {(y.shape[0],)}")

    def zero_sum():  # numpy.average's error, raised where scikit-learn reaches it
        if w is not None and float(np.sum(w)) == 0.0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    classes, idx = _factorize(y, labels)
    if classes.size > 2:
        k = classes.size
        if s.ndim <= 1:
            raise ValueError(f"The shape of pred_decision cannot be 1d arraywith a multiclass "
                             f"target. pred_decision shape must be (n_samples, n_classes), that "
                             f"is ({y.shape[0]}, {k}). Got: {s.shape}")
        if k != s.shape[1]:
            if labels is None:
                raise ValueError("Please include all labels in y_true or pass labels as third "
                                 "argument")
            raise ValueError(f"The shape of pred_decision is not consistent with the number of "
                             f"classes. With a multiclass target, pred_decision shape must be "
                             f"(n_samples, n_classes), that is ({y.shape[0]}, {k}). Got: "
                             f"{s.shape}")
        if idx.size and idx.min() < 0:
            unseen = np.setdiff1d(np.unique(y), classes)
            raise ValueError(f"y contains previously unseen labels: {unseen.tolist()}")
        zero_sum()
        return float(_fl.multiclass_hinge(idx, s, sample_weight=w))
    if s.ndim == 2:
        if s.shape[1] != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {s.shape} instead.")
        s = s[:, 0]
    _check_label_type(y)
    if labels is not None:  # the binary mapping uses y_true's own classes
        classes, idx = _factorize(y)
    if classes.size > 2:
        raise ValueError("Multioutput target data is not supported with label binarization")
    if classes.size == 2:
        ypm = idx.astype(s.dtype) * 2 - 1
    else:  # one class: scikit-learn maps every label to the negative one
        ypm = np.full(y.shape, -1, dtype=s.dtype)
    zero_sum()
    return float(_fl.hinge(ypm, s, sample_weight=w))


def __dir__():
    """The public names only (the module's imports are not part of its API)."""
    return sorted(__all__)
