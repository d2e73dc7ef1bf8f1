"""Backend selection: thread-local (contextvars), overridable at import."""
from __future__ import annotations

import contextlib
import contextvars
import os
import warnings

BACKENDS = ("compiled", "numpy")

# no default on the variable itself: an unset variable means "the default"
BACKEND_VAR = contextvars.ContextVar("fastloss_backend")
HAVE_COMPILED = False
DEFAULT = "numpy"


def _forced():
    forced = os.environ.get("FASTLOSS_BACKEND", "").strip().lower()
    if forced and forced not in BACKENDS:
        warnings.warn(f"FASTLOSS_BACKEND={forced!r} is not one of {BACKENDS}; ignored",
                      RuntimeWarning, stacklevel=3)
        return ""
    return forced


def init(compiled_available):
    """Called once by fastloss._dispatch: whether the compiled backend exists
    (it is then the default, unless FASTLOSS_BACKEND=numpy)."""
    global HAVE_COMPILED, DEFAULT
    HAVE_COMPILED = compiled_available
    DEFAULT = "compiled" if HAVE_COMPILED and _forced() != "numpy" else "numpy"


def backend():
    """The backend in force in this thread/context.

    Returns
    -------
    str
        ``"compiled"`` or ``"numpy"`` (the reference twin).

    Examples
    --------
    >>> import fastloss
    >>> fastloss.backend() in ("compiled", "numpy")
    True
    """
    return BACKEND_VAR.get(DEFAULT)


@contextlib.contextmanager
def use_backend(name):
    """Run the enclosed block on backend ``name``.

    Thread-local (a context variable): other threads keep their own backend.

    Parameters
    ----------
    name : {"compiled", "numpy"}
        The compiled kernels or the NumPy reference twin.

    Yields
    ------
    None
        (a context manager)

    Raises
    ------
    ValueError
        An unknown backend name.

    Examples
    --------
    >>> import fastloss
    >>> with fastloss.use_backend("numpy"):
    ...     fastloss.backend(), round(fastloss.mse([1.0, 2.0], [1.5, 2.0]), 6)
    ('numpy', 0.125)
    """
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    if name == "compiled" and not HAVE_COMPILED:
        raise RuntimeError("the compiled backend is not available (the extension did not import)")
    token = BACKEND_VAR.set("compiled" if name == "compiled" else "numpy")
    try:
        yield name
    finally:
        BACKEND_VAR.reset(token)
