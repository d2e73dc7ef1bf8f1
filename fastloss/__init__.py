"""fastloss — machine-learning losses and their gradients, compiled.

For each loss NAME (see ``fastloss.LOSSES``): ``NAME(y_true, y_pred, ...)``,
``NAME_grad(...)`` and ``NAME_value_and_grad(...)`` (one fused pass).
``fastloss.reference`` is the NumPy twin with the textbook formulas.
"""
from __future__ import annotations

import glob
import os
import warnings

from . import _api, _dispatch, _threads, reference
from ._backend import backend, use_backend
from ._errors import TargetError, ZeroWeightError
from ._losses import LOSSES, REDUCTIONS
from ._stream import Mean

__version__ = "0.1.0"

_ext = _dispatch._ext  # (the compiled kernels, or None)


def _why_no_extension(err):
    """The warning for a missing extension: a source checkout that was never
    built says so, and how to get the compiled package."""
    here = os.path.dirname(os.path.abspath(__file__))
    built = glob.glob(os.path.join(here, "_ext.*"))
    checkout = os.path.dirname(here)
    if not any(p.endswith((".so", ".pyd")) for p in built) and os.path.exists(
            os.path.join(checkout, "setup.py")):
        return (f"fastloss: imported from the source checkout {checkout}, which has no built "
                "extension, so everything runs on the NumPy reference backend. Start Python "
                "outside the checkout (or use the installed `fastloss` and `pytest` commands) to "
                "use the installed compiled package, or build in place with "
                "`python setup.py build_ext --inplace`.")
    return (f"fastloss: the compiled extension could not be imported ({err}); running on the "
            "NumPy reference backend")


if _ext is None:
    warnings.warn(_why_no_extension(_dispatch.IMPORT_ERROR), RuntimeWarning, stacklevel=2)
else:
    _threads.register_threadpoolctl(__version__)

_api.define_losses(globals(), _dispatch.call, __name__, _dispatch.handle)


def info():
    """Facts about this build and process.

    Returns
    -------
    dict
        ``version``, ``backend`` (in force in this thread), ``compiled_available``
        and, with the extension: ``simd`` (the runtime-dispatched path),
        ``libmvec``, ``threads`` (the most ``n_threads=None`` uses), ``thread_cap``
        (the most an explicit ``n_threads`` gets), ``cpus`` (the CPUs this
        process may use), ``pool_workers`` (threads started so far), the block
        sizes and the compiled ``kernels``.

    Examples
    --------
    >>> import fastloss
    >>> sorted(k for k in fastloss.info() if k in ("backend", "version"))
    ['backend', 'version']
    """
    facts = {"version": __version__, "backend": backend(), "compiled_available": _ext is not None}
    facts.update(_dispatch.info())
    return facts


__all__ = ["reference", "backend", "use_backend", "info", "LOSSES", "REDUCTIONS", "Mean",
           "TargetError", "ZeroWeightError",
           *_api.public_names()]


def __dir__():
    """The public names only (plus the optional submodules and the version)."""
    return sorted([*__all__, "metrics", "dask", "demo", "torch", "xgboost", "lightgbm",
                   "__version__"])
