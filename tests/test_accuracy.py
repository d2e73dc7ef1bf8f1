"""Every loss's value and derivative against its exact definition (mpmath at
50 digits) at hard points: tiny and huge residuals, probabilities at and near
0 and 1, logits from subnormal to 1e300, both signs.  The oracle shares no
code with either backend (``Loss.exact`` is the definition, evaluated
exactly), so a formula that loses digits fails here even when the compiled
kernels and the NumPy reference lose them alike.  Each loss states its bound
(``Loss.ulps``) in units in the last place of the input dtype."""
import functools
import hashlib
import os
import pickle
from typing import NamedTuple

import mpmath
import numpy as np
import pytest

import fastloss
from fastloss import reference
from fastloss._losses import LOSSES
from fastloss._testing import accuracy_cases

mpmath.mp.dps = 50
BACKENDS = {"compiled": fastloss, "reference": reference}


def _mpf(x):
    return mpmath.mpf(float(x))


def _stored(name, dtype, cases, compute):
    """compute()'s results (the exact ones, as arrays), through the directory
    FASTLOSS_ORACLE_CACHE when the run has one (conftest.py makes it;
    tests/test_levels.py's child runs under each instruction-set level read
    what the main run computed instead of computing it again), keyed by the
    cases' bytes and options."""
    folder = os.environ.get("FASTLOSS_ORACLE_CACHE")
    if not folder or not os.path.isdir(folder):
        return compute()
    h = hashlib.sha256(f"{name} {dtype} {mpmath.mp.dps}".encode())
    for y, p, options in cases:
        h.update(np.ascontiguousarray(y).tobytes() + np.ascontiguousarray(p).tobytes())
        h.update(repr(sorted(options.items())).encode())
    path = os.path.join(folder, h.hexdigest() + ".pickle")
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    exact = compute()
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump(exact, f)
    os.replace(tmp, path)  # (whole or absent for a concurrent reader)
    return exact


class _Numbers(NamedTuple):
    """Exact results of one quantity over a case, as float64 arrays, so that
    the errors of a backend's results are measured in one vectorized step:
    hi + lo is the exact result (lo the rest beyond float64), ulp the dtype's
    ulp at the larger of its magnitude and its scale; over is +-1 where the
    exact result lies beyond the dtype's range (the backend must give that
    infinity); free marks what claims nothing (an undefined derivative, or a
    scale beyond the dtype's range)."""

    hi: np.ndarray
    lo: np.ndarray
    ulp: np.ndarray
    over: np.ndarray
    free: np.ndarray


def _numbers(exact, scales, dtype):
    info = np.finfo(dtype)
    n = len(exact)
    hi, lo, ulp, over = np.zeros(n), np.zeros(n), np.ones(n), np.zeros(n)
    free = np.zeros(n, bool)
    for i, (ex, scale) in enumerate(zip(exact, scales)):
        if ex is None or (scale is not None and abs(scale) > info.max):
            free[i] = True
        elif abs(ex) > info.max:
            over[i] = 1.0 if ex > 0 else -1.0
        else:
            hi[i] = float(ex)
            lo[i] = float(ex - hi[i])
            mag = max(abs(ex), abs(scale) if scale is not None else 0)
            ulp[i] = np.spacing(np.asarray(min(float(mag), float(info.max)), dtype))
    return _Numbers(hi, lo, ulp, over, free)


def _ulps(got, exact):
    """|got - exact| in ulps (of _Numbers exact), element by element: inf
    where got is not finite and the exact result is, or where it is not the
    infinity an exact result beyond the dtype's range rounds to."""
    got = np.asarray(got, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs((got - exact.hi) - exact.lo) / exact.ulp
    err[~np.isfinite(got)] = np.inf
    beyond = exact.over != 0
    err[beyond] = np.where(got[beyond] == exact.over[beyond] * np.inf, 0.0, np.inf)
    err[exact.free] = 0.0
    return err


@functools.lru_cache(maxsize=None)
def _exact(name, dtype):
    """Each case's inputs, options and exact results as _Numbers: the value,
    then the derivative (elementwise) or each class's (shared by the
    backends; what is stored is the arrays, so that a child run reads them
    without mpmath)."""
    loss = next(entry for entry in LOSSES if entry.name == name)
    assert loss.exact is not None, f"{name}: its table entry has no exact definition (exact=)"
    cases = accuracy_cases(loss, dtype)
    tables = _stored(name, dtype, cases, lambda: _tables(loss, dtype, cases))
    return loss, [(y, p, options, [_Numbers(*t) for t in numbers])
                  for (y, p, options), numbers in zip(cases, tables)]


def _tables(loss, dtype, cases):
    out = []
    for exs in _compute_exact(loss, dtype, cases):
        numbers = [_numbers([ex.value for ex in exs], [ex.value_scale for ex in exs], dtype)]
        k = 1 if loss.kind == "elementwise" else len(exs[0].deriv)
        for j in range(k):
            derivs = [ex.deriv if loss.kind == "elementwise" else ex.deriv[j] for ex in exs]
            scales = [ex.deriv_scale[j] if isinstance(ex.deriv_scale, list) else ex.deriv_scale
                      for ex in exs]
            numbers.append(_numbers(derivs, scales, dtype))
        out.append([tuple(t) for t in numbers])
    return out


def _compute_exact(loss, dtype, cases):
    out = []
    for y, p, options in cases:
        t = np.dtype(dtype).type
        opts = {o.name: _mpf(t(o.validate(options.get(o.name, o.default))))
                for o in loss.options if o.scalar}
        exact = []
        for yi, pi in zip(y, p):
            if loss.kind == "elementwise":
                args = (_mpf(yi), _mpf(pi))
            else:
                target = int(yi) if np.ndim(yi) == 0 else [_mpf(v) for v in yi]
                args = (target, [_mpf(v) for v in pi])
            exact.append(loss.exact(mpmath.mp, *args, dtype, **opts))
        out.append(exact)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("name", [loss.name for loss in LOSSES])
def test_value_and_derivative_within_the_stated_ulps(name, backend, dtype):
    loss, cases = _exact(name, dtype)
    api = BACKENDS[backend]
    bound_v, bound_d = loss.ulps
    worst_v = worst_d = (0.0, None)
    for y, p, options, (value, *derivs) in cases:
        values = getattr(api, name)(y, p, reduction="none", **options)
        grads = getattr(api, name + "_grad")(y, p, reduction="sum", **options)
        grads = np.asarray(grads).reshape(len(y), len(derivs))
        err = _ulps(values, value)
        i = int(np.argmax(err))
        worst_v = max(worst_v, (err[i], (y[i], p[i], options)), key=lambda w: w[0])
        for j, deriv in enumerate(derivs):
            err = _ulps(grads[:, j], deriv)
            i = int(np.argmax(err))
            worst_d = max(worst_d, (err[i], (y[i], p[i], options, j)), key=lambda w: w[0])
    print(f"{name} {backend} {dtype}: value {worst_v[0]:.3g} ulp, derivative {worst_d[0]:.3g} ulp")
    assert worst_v[0] <= bound_v, f"{name} value: {worst_v[0]:.3g} ulp > {bound_v} at {worst_v[1]}"
    assert worst_d[0] <= bound_d, f"{name} derivative: {worst_d[0]:.3g} ulp > {bound_d} at {worst_d[1]}"
