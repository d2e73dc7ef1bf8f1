"""Test and benchmark data drawn from the loss table (private).

Every input comes from the domains of a loss (``Loss.pred_domain`` and
``Loss.target_domain``): their typical values, their edge values and, for the
error tests, the values outside them.  The tests, the benchmarks and
scripts/value_corpus.py all draw from here, so a new loss gets its data from
its table entry alone.
"""
from __future__ import annotations

import numpy as np

from ._losses import PROBABILITY, REAL


def sample(loss, rng, rows_shape, k=10, dtype="float64", special=0.0, targets=None,
           options=None):
    """(y_true, y_pred) typical for ``loss``: predictions drawn from its
    prediction domain (rows of probabilities from a Dirichlet distribution),
    targets from its target domain, or near the predictions (regression) when
    targets are not checked.  A ``special`` fraction of the predictions (and
    of regression targets) is replaced by the domain's edge values (NaN, inf,
    0/1 probabilities, huge logits, subnormals).  ``targets="labels"`` asks for
    hard labels (integer labels for a labels-or-probabilities row loss, 0/1
    for a binary one), ``"probs"`` for soft targets.  ``options`` (by name)
    choose the domains of a loss whose valid inputs depend on them."""
    target_domain, pred = loss.domains_for(options)
    dtype = np.dtype(dtype)
    rows = loss.kind == "rows"
    shape = tuple(rows_shape) + ((k,) if rows else ())
    if rows and pred is PROBABILITY:  # each row sums to one
        p = rng.dirichlet(np.ones(k), size=int(np.prod(rows_shape))).reshape(shape)
    else:
        p = np.array(pred.draw(rng, shape))
    if special:
        mask = rng.random(shape) < special
        p[mask] = rng.choice(pred.special, size=int(mask.sum()))
    with np.errstate(over="ignore"):
        p = p.astype(dtype)
    if rows:
        labels = rng.integers(0, k, size=rows_shape)
        ignored = (options or {}).get("ignore_index")  # (labels only)
        if loss.targets == "labels" or (loss.targets == "labels_or_probs" and (
                targets == "labels" or (targets is None and rng.random() < 0.5))) or (
                ignored is not None):
            if ignored is not None:  # about a quarter of the rows skipped
                labels = np.where(rng.random(rows_shape) < 0.25, ignored, labels)
            return labels, p
        t = np.eye(k)[labels] if rng.random() < 0.5 else rng.dirichlet(np.ones(k), size=labels.size)
        return t.reshape(shape).astype(dtype), p
    domain = target_domain
    if domain is not None:
        y = domain.draw(rng, shape, hard={"labels": True, "probs": False}.get(targets))
    else:  # regression: targets near the predictions, with the same edge values
        y = np.array((p.astype(np.float64) if not special else rng.standard_normal(shape))
                     + rng.standard_normal(shape))
        if special:
            mask = rng.random(shape) < special
            y[mask] = rng.choice(REAL.special, size=int(mask.sum()))
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(y).astype(dtype), p


def accuracy_cases(loss, dtype, k=3):
    """Hard inputs for the accuracy oracle, from the grids of the loss's
    domains: a list of ``(y_true, y_pred, options)`` with every combination of
    a target and a prediction (elementwise), or rows of ``k`` predictions
    built from pairs of grid points (with a repeated maximum and a mirrored
    value) under every label or a few target rows (row losses).  Values that
    are not finite in ``dtype`` are left out; options run through their
    default and two further valid values."""
    dtype = np.dtype(dtype)

    def finite(values):
        with np.errstate(over="ignore"):
            a = np.unique(np.array(values, np.float64).astype(dtype))
        return a[np.isfinite(a)]

    cases = []
    for options in option_sets(loss):
        tdom, pdom = loss.domains_for(options)
        preds = finite(pdom.grid)
        preds = preds[pdom.contains(preds)]
        if loss.kind == "elementwise":
            targets = finite((tdom or REAL).grid)
            targets = targets[(tdom or REAL).contains(targets)]
            y, p = np.meshgrid(targets, preds, indexing="ij")
            cases.append((y.ravel(), p.ravel(), options))
            continue
        a, b = np.meshgrid(preds, preds, indexing="ij")
        a, b = a.ravel(), b.ravel()
        rows = np.concatenate([np.stack([a, b] + [c] * (k - 2), axis=1)
                               for c in (np.zeros_like(a), a, -b, 1 - b)]).astype(dtype)
        rows = rows[pdom.contains(rows).all(axis=1)]
        if loss.targets in ("labels", "labels_or_probs"):
            for label in range(k):
                cases.append((np.full(len(rows), label), rows, options))
        if loss.targets in ("probs", "labels_or_probs"):
            for t in _target_rows(k):
                cases.append((np.tile(t, (len(rows), 1)).astype(dtype), rows, options))
    return cases


def option_sets(loss):
    """The default options, then each option of the formula (not the class
    weights or the ignored label) at two further valid values."""
    sets = [{}]
    for o in loss.options:
        if o.scalar:
            sets += [{o.name: v} for v in (o.examples or o.inside()[:2])]
    return sets


def _target_rows(k):
    """Dense targets: one-hot, split, nearly one-hot, uniform."""
    one = np.eye(k)[0]
    half = np.r_[0.5, 0.5, np.zeros(k - 2)]
    near = np.r_[1e-8, 1 - 1e-8, np.zeros(k - 2)]
    return [one, np.eye(k)[1], half, near, np.full(k, 1 / k)]
