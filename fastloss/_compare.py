"""Optional comparison implementations for the benchmark: what users write
today.  Each maker returns a zero-argument callable computing the same value
(or value and gradient, "vg") on the benchmark data, or None when the library
is missing or has no equivalent.  Nothing here is imported by fastloss itself.
"""
from __future__ import annotations

import importlib.util

import numpy as np


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_impl(loss, mode, y, p, threads, options=None):
    """torch.nn.functional on CPU, with `threads` intra-op threads; class
    weights and an ignored label (``options``) as its weight= and
    ignore_index= where it has them."""
    torch = _torch()
    if torch is None or mode == "grad":
        return None
    F = torch.nn.functional
    yt, pt = torch.from_numpy(y), torch.from_numpy(p)
    options = options or {}
    if options:
        cw = options.get("class_weight")
        kw = {"weight": torch.from_numpy(cw) if cw is not None else None}
        if options.get("ignore_index") is not None:
            kw["ignore_index"] = options["ignore_index"]
        fns = {"softmax_cross_entropy": lambda q: F.cross_entropy(q, yt, **kw),
               "nll_loss": lambda q: F.nll_loss(q, yt, **kw),
               "sparse_categorical_cross_entropy": lambda q: F.nll_loss(torch.log(q), yt, **kw)}
        if "ignore_index" not in kw:  # (torch's multi_margin_loss cannot skip rows)
            fns["multi_margin"] = lambda q: F.multi_margin_loss(q, yt, weight=kw["weight"])
        return _torch_run(torch, fns.get(loss), mode, pt, threads)
    fns = {
        "mse": lambda q: F.mse_loss(q, yt),
        "mae": lambda q: F.l1_loss(q, yt),
        "huber": lambda q: F.huber_loss(q, yt),
        "binary_cross_entropy": lambda q: F.binary_cross_entropy(q, yt),
        "binary_cross_entropy_with_logits": lambda q: F.binary_cross_entropy_with_logits(q, yt),
        "softmax_cross_entropy": lambda q: F.cross_entropy(q, yt),
        "sparse_categorical_cross_entropy": lambda q: F.nll_loss(torch.log(q), yt),
        "categorical_cross_entropy": lambda q: -(yt * torch.log(q)).sum(-1).mean(),
        "poisson_nll": lambda q: F.poisson_nll_loss(q, yt),
        "nll_loss": lambda q: F.nll_loss(q, yt),
        "multi_margin": lambda q: F.multi_margin_loss(q, yt),
        "kl_divergence": lambda q: F.kl_div(torch.log(q), yt, reduction="sum") / q.shape[0],
    }
    return _torch_run(torch, fns.get(loss), mode, pt, threads)


def _torch_run(torch, fn, mode, pt, threads):
    """A call of fn on the predictions pt (forward, or forward and backward)."""
    if fn is None:
        return None

    def run():
        old = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            if mode == "value":
                with torch.no_grad():
                    return float(fn(pt))
            q = pt.detach().requires_grad_(True)
            v = fn(q)
            v.backward()
            return float(v.detach()), q.grad
        finally:
            torch.set_num_threads(old)

    return run


def sklearn_impl(loss, mode, y, p):
    """scikit-learn's metric (values only)."""
    if mode != "value":
        return None
    try:
        from sklearn import metrics
    except ImportError:
        return None
    k = p.shape[-1] if p.ndim == 2 else None
    fns = {
        "mse": lambda: metrics.mean_squared_error(y, p),
        "mae": lambda: metrics.mean_absolute_error(y, p),
        "pinball": lambda: metrics.mean_pinball_loss(y, p, alpha=0.5),
        "tweedie_deviance": lambda: metrics.mean_tweedie_deviance(y, p, power=0.0),
        "squared_log_error": lambda: metrics.mean_squared_log_error(y, p),
        "absolute_percentage_error": lambda: metrics.mean_absolute_percentage_error(y, p),
        "binary_cross_entropy": lambda: metrics.log_loss((y > 0.5).astype(int), p, labels=[0, 1]),
        "hinge": lambda: metrics.hinge_loss(y, p),
        "sparse_categorical_cross_entropy": lambda: metrics.log_loss(y, p, labels=np.arange(k)),
        "multiclass_hinge": lambda: metrics.hinge_loss(y, p, labels=np.arange(k)),
    }
    return fns.get(loss)


_NUMBA_CACHE = {}


def numba_impl(loss, mode, y, p):
    """A fused numba loop (value only): the fastest thing users write by hand."""
    if mode != "value":
        return None
    try:
        import numba
    except ImportError:
        return None
    if not _NUMBA_CACHE:
        @numba.njit(fastmath=False, cache=False)
        def mse(y, p):
            s = 0.0
            for i in range(p.size):
                r = p[i] - y[i]
                s += r * r
            return s / p.size

        @numba.njit(fastmath=False)
        def bce(y, p):
            s = 0.0
            for i in range(p.size):
                q = min(max(p[i], 1e-15), 1 - 1e-15)
                s -= y[i] * np.log(q) + (1 - y[i]) * np.log(1 - q)
            return s / p.size

        @numba.njit(fastmath=False)
        def bce_logits(y, z):
            s = 0.0
            for i in range(z.size):
                s += (1 - y[i]) * z[i] + max(-z[i], 0.0) + np.log1p(np.exp(-abs(z[i])))
            return s / z.size

        @numba.njit(fastmath=False)
        def softmax_ce(labels, z):
            n, k = z.shape
            s = 0.0
            for r in range(n):
                m = z[r, 0]
                for j in range(1, k):
                    m = max(m, z[r, j])
                t = 0.0
                for j in range(k):
                    t += np.exp(z[r, j] - m)
                s += np.log(t) + m - z[r, labels[r]]
            return s / n

        _NUMBA_CACHE.update(mse=mse, binary_cross_entropy=bce,
                            binary_cross_entropy_with_logits=bce_logits,
                            softmax_cross_entropy=softmax_ce)
    fn = _NUMBA_CACHE.get(loss)
    if fn is None or (loss == "softmax_cross_entropy" and y.ndim != 1):
        return None
    fn(y, p)  # compile outside the timing
    return lambda: fn(y, p)


LIBRARIES = {"torch": ("torch1", "torch2"), "sklearn": ("sklearn",), "numba": ("numba",)}


def available():
    """{library: installed?} for the libraries the comparison columns use."""

    return {lib: importlib.util.find_spec(lib) is not None for lib in LIBRARIES}


def competitors(loss, mode, y, p, options=None):
    """name -> callable, for whatever is installed (with loss ``options``, only
    the libraries that take them)."""
    out = {}
    plain = not options
    for name, make in (("torch1", lambda: torch_impl(loss, mode, y, p, 1, options)),
                       ("torch2", lambda: torch_impl(loss, mode, y, p, 2, options)),
                       ("sklearn", lambda: sklearn_impl(loss, mode, y, p) if plain else None),
                       ("numba", lambda: numba_impl(loss, mode, y, p) if plain else None)):
        fn = make()
        if fn is not None:
            out[name] = fn
    return out
