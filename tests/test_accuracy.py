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
    """compute()'s exact results, through the directory FASTLOSS_ORACLE_CACHE
    when the run has one (conftest.py makes it; tests/test_levels.py's child
    runs under each instruction-set level read what the main run computed
    instead of computing it again), keyed by the cases' bytes and options."""
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


@functools.lru_cache(maxsize=None)
def _exact(name, dtype):
    """Each case's inputs, options and exact results (shared by the backends)."""
    loss = next(entry for entry in LOSSES if entry.name == name)
    assert loss.exact is not None, f"{name}: its table entry has no exact definition (exact=)"
    cases = accuracy_cases(loss, dtype)
    exact = _stored(name, dtype, cases, lambda: _compute_exact(loss, dtype, cases))
    return loss, [(y, p, options, ex) for (y, p, options), ex in zip(cases, exact)]


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


def _ulps(got, exact, scale, dtype):
    """|got - exact| in ulps of max(|exact|, scale) in dtype (inf when got is
    not finite and the exact result does not overflow dtype)."""
    info = np.finfo(dtype)
    if scale is not None and abs(scale) > info.max:  # intermediates beyond the dtype
        return 0.0
    if abs(exact) > info.max:
        return 0.0 if got == np.copysign(np.inf, float(exact)) else np.inf
    if not np.isfinite(got):
        return np.inf
    mag = max(abs(exact), abs(scale) if scale is not None else 0)
    ulp = np.spacing(np.asarray(min(float(mag), float(info.max)), dtype))
    return float(abs(mpmath.mpf(float(got)) - exact) / _mpf(ulp))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("name", [loss.name for loss in LOSSES])
def test_value_and_derivative_within_the_stated_ulps(name, backend, dtype):
    loss, cases = _exact(name, dtype)
    api = BACKENDS[backend]
    bound_v, bound_d = loss.ulps
    worst_v = worst_d = (0.0, None)
    for y, p, options, exact in cases:
        values = getattr(api, name)(y, p, reduction="none", **options)
        grads = getattr(api, name + "_grad")(y, p, reduction="sum", **options)
        for i, ex in enumerate(exact):
            where = (y[i], p[i], options)
            e = _ulps(values[i], ex.value, ex.value_scale, dtype)
            worst_v = max(worst_v, (e, where), key=lambda w: w[0])
            derivs = [ex.deriv] if loss.kind == "elementwise" else ex.deriv
            scales = (ex.deriv_scale if isinstance(ex.deriv_scale, list)
                      else [ex.deriv_scale] * len(derivs))
            got = np.atleast_1d(grads[i])
            for j, (d, s) in enumerate(zip(derivs, scales)):
                if d is not None:
                    e = _ulps(got[j], d, s, dtype)
                    worst_d = max(worst_d, (e, where + (j,)), key=lambda w: w[0])
    print(f"{name} {backend} {dtype}: value {worst_v[0]:.3g} ulp, derivative {worst_d[0]:.3g} ulp")
    assert worst_v[0] <= bound_v, f"{name} value: {worst_v[0]:.3g} ulp > {bound_v} at {worst_v[1]}"
    assert worst_d[0] <= bound_d, f"{name} derivative: {worst_d[0]:.3g} ulp > {bound_d} at {worst_d[1]}"
