"""Hostile inputs (the table in helpers.hostile_cases): every one gets the
documented exception naming the culprit, in both backends, and leaves its
inputs untouched; plus bad labels at the end of a large input under threads."""
import copy

import numpy as np
import pytest

import fastloss
from fastloss import reference
from helpers import hostile_cases

BACKENDS = {"compiled": fastloss, "reference": reference}


def _snapshot(args, kwargs):
    return copy.deepcopy((args, kwargs))


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and (
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, z) for x, z in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_hostile_input_raises_clearly_and_modifies_nothing(backend):
    cases = hostile_cases(BACKENDS[backend])
    failures = []
    for cid, fn, args, kwargs, exc, match in cases:
        before = _snapshot(args, kwargs)
        try:
            fn(*args, **kwargs)
            failures.append(f"{cid}: no exception")
        except exc as e:
            import re

            if not re.search(match, str(e)):
                failures.append(f"{cid}: {type(e).__name__}({e}) does not match {match!r}")
        except Exception as e:  # noqa: BLE001 - the wrong type is a failure
            failures.append(f"{cid}: {type(e).__name__}({e}), expected {exc.__name__}")
        if not _same(before, (args, kwargs)):
            failures.append(f"{cid}: an input was modified")
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} of {len(cases)})"
    assert len(cases) > 1000


@pytest.mark.parametrize("name", ["sparse_categorical_cross_entropy", "softmax_cross_entropy",
                                  "multiclass_hinge"])
@pytest.mark.parametrize("bad", [-1, 10, 2**63 - 1])
def test_bad_label_in_the_last_element_of_a_large_input_under_threads(name, bad):
    rng = np.random.default_rng(5)
    n, k = 300_000, 10
    p = rng.random((n, k))
    labels = rng.integers(0, k, n)
    labels[-1] = bad
    keep = labels.copy(), p.copy()
    for suffix in ("", "_grad", "_value_and_grad"):
        for t in (1, 2):
            with pytest.raises(ValueError, match=rf"y_true\[{n - 1}\] = {bad}"):
                getattr(fastloss, name + suffix)(labels, p, n_threads=t)
    np.testing.assert_array_equal(labels, keep[0])
    np.testing.assert_array_equal(p, keep[1])


def test_absurd_n_threads_is_capped_not_spawned():
    # documented: n_threads above the block count (and above 256) is capped
    y = np.random.default_rng(6).random(200_000)
    for fn in (fastloss.mse, fastloss.softmax_cross_entropy):
        yy, pp = (y, y[::-1]) if fn is fastloss.mse else (np.zeros(20_000, np.int64), y.reshape(-1, 10))
        assert fn(yy, pp, n_threads=10**6) == fn(yy, pp, n_threads=1)
