"""Where calls run: the compiled kernels (fastloss._ext) or the NumPy reference
twin (fastloss.reference), per thread (fastloss.use_backend).

This module is the one place that decides it.  It binds the compiled entry to
the backend switch, the reference and the shared validation (so that the
public functions reach the kernels without a Python-level hop), sets the
kernels' thread limits, and offers the private entries that fastloss.metrics,
Mean, fastloss.dask and the benchmarks use; none of them checks the backend
itself.  Import order points one way: _ext imports nothing of the package;
this module imports _ext, reference and the validation.
"""
from __future__ import annotations

import os
import threading

import numpy as np

from . import _backend, _threads, _validate, reference
from ._losses import BY_NAME, Mode

try:
    from . import _ext
    IMPORT_ERROR = None
except ImportError as e:  # exercised by a subprocess test
    _ext = None
    IMPORT_ERROR = e

_backend.init(compiled_available=_ext is not None)


def _configure_threads():
    """The kernels' thread limits for this process (again in a child after fork)."""
    _ext.configure_threads(_threads.thread_cap(_ext.MAX_THREADS), _threads.default_threads(),
                           threading.main_thread().ident)


if _ext is not None:
    _ext.bind(backend_var=_backend.BACKEND_VAR, compiled="compiled",
              default_backend=_backend.DEFAULT, fallback=reference._call,
              prepare=_validate.prepare, input_error=_validate.input_error,
              weight_total=_validate.weight_total, zero_weight_error=_validate.zero_weight_error,
              check_n_threads=_validate.check_n_threads, den_weights=_validate.den_weights,
              modes={m.name: m.value for m in Mode})
    _configure_threads()
    os.register_at_fork(after_in_child=_configure_threads)
    _HANDLES = {name: _ext.Kernel(loss) for name, loss in BY_NAME.items()}
    # the public functions' entry: the compiled call, which hands calls made
    # under use_backend("numpy") to the reference
    call = _ext.call
else:
    _HANDLES = dict(BY_NAME)
    call = reference._call


def handle(loss):
    """What the public functions pass to ``call`` for a loss (entry or name)."""
    name = loss if isinstance(loss, str) else loss.name
    if name not in _HANDLES:
        raise ValueError(f"unknown loss {name!r}; one of {', '.join(_HANDLES)}")
    return _HANDLES[name]


def compiled():
    """Whether the compiled kernels run the calls of this thread."""
    return _ext is not None and _backend.backend() == "compiled"


def sums(loss, y_true, y_pred, sample_weight, n_threads, opts):
    """(Σ w·ℓ, Σ w) of one batch from one pass, for fastloss.Mean."""
    return call(handle(loss), Mode.SUMS, y_true, y_pred, sample_weight, "sum", n_threads, None,
                opts)


def column_sums(loss, y_true, y_pred, sample_weight=None, **options):
    """Per-column (Σ w·ℓ, Σ w) of an elementwise loss in one compiled pass over
    float32/float64 arrays (see fastloss._ext.column_sums), or None when the
    reference backend runs (the caller then computes it with NumPy)."""
    if not compiled():
        return None
    return _ext.column_sums(handle(loss), y_true, y_pred, sample_weight, **options)


def stats(a, tol):
    """(min, max, number of NaN, rows not summing to one within tol) of a
    float32/float64 array in one compiled pass, or None (reference backend)."""
    if not compiled() or a.dtype not in ("float32", "float64"):
        return None
    return _ext.stats(a, tol)


def r2_sums(y, p, w):
    """(sum(w), per-column sum(w (y - p)**2), per-column sum(w (y - mean)**2))
    of 2-D float32/float64 y and p (and 1-D w or None) in one compiled pass,
    or None when the reference backend runs (the caller then uses NumPy)."""
    if not compiled() or y.dtype not in ("float32", "float64") or not all(
            a.flags.aligned for a in (y, p, w) if a is not None):
        return None
    return _ext.r2_sums(y, p, w)


def brier_sum(p, y, w):
    """sum(w_i sum_j (t_ij - p_ij)**2) of 2-D float32/float64 p, t the one-hot
    rows of int64 labels y in [0, k), float64 weights w or None, in one
    compiled pass; None when the reference backend runs (the caller then uses
    NumPy)."""
    if not compiled() or p.dtype not in ("float32", "float64") or not p.flags.aligned:
        return None
    return _ext.brier_sum(p, np.ascontiguousarray(y, np.int64),
                          None if w is None else np.ascontiguousarray(w, np.float64))


def floor(a, b, out=None, n_threads=1, out2=None):
    """The benchmarks' memory floor: a pass over the bytes of a and b (and a
    write of out and out2) doing nothing else (see fastloss._ext.floor);
    compiled only."""
    return _ext.floor(a, b, out, n_threads=n_threads, out2=out2)


def factorize(a):
    """(codes, first) of a 1-D string array by the compiled hash table, or None
    without the extension (see fastloss._ext.factorize)."""
    return None if _ext is None else _ext.factorize(a)


def info():
    """The compiled backend's facts, with the CPUs this process may use."""
    if _ext is None:
        return {}
    return {**_ext.info(), "cpus": _threads.cpu_count()}
