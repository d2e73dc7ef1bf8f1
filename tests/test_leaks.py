"""The resident set stays flat over many calls mixing successes and every
kind of error (references and buffers are released on exception paths): the
error calls are the hostile-input table of helpers.py, over every loss and
function, plus errors raised inside the kernels."""
import gc
import os

import numpy as np
import pytest

import fastloss
from helpers import hostile_cases


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                    reason="under AddressSanitizer freed memory waits in its quarantine, so the "
                           "resident set grows by design (scripts/sanitize.sh); the plain run checks")
def test_rss_flat_over_200000_calls_with_error_paths():
    rng = np.random.default_rng(0)
    y, p = rng.random((2, 100))
    labels, probs = rng.integers(0, 10, 100), rng.random((100, 10))
    bad = labels.copy()
    bad[5] = 99
    out, out2 = np.empty(100), np.empty((100, 10))
    calls = [
        lambda: fastloss.mse(y, p),
        lambda: fastloss.mse_grad(y, p, out=out),
        lambda: fastloss.huber_value_and_grad(y, p, sample_weight=y, reduction="none"),
        lambda: fastloss.softmax_cross_entropy_value_and_grad(labels, probs, out=out2),
        lambda: fastloss.binary_cross_entropy(y[::2], p[::2]),
        lambda: fastloss.binary_cross_entropy_with_logits(y, p, pos_weight=2.0),
        lambda: fastloss.multiclass_hinge_grad(labels, probs),
        # error paths, each raising inside the compiled entry or the kernel
        lambda: fastloss.sparse_categorical_cross_entropy(bad, probs),
        lambda: fastloss.hinge(y, p),
        lambda: fastloss.mse(y, p[:50]),
        lambda: fastloss.mse(y, p, reduction="bad"),
        lambda: fastloss.mse_grad(y, p, out=np.empty(3)),
        lambda: fastloss.softmax_cross_entropy(labels.astype(float), probs),
        lambda: fastloss.mse([], []),
        lambda: fastloss.mse(y, p, sample_weight=np.zeros(100)),
        lambda: fastloss.mse(y, ["a"] * 100),
    ]
    n_ok = 7
    # and every hostile call of the table (each loss x function x error kind)
    calls += [(lambda f=fn, a=args, k=kw: f(*a, **k)) for _, fn, args, kw, _, _ in hostile_cases(fastloss)]

    def run(n):
        errors = 0
        for i in range(n):
            try:
                calls[i % len(calls)]()
            except (ValueError, TypeError):
                errors += 1
        return errors

    run(20_000)
    # a leak grows the resident set in every round; the allocator settling
    # (other tests ran before in this process) does not repeat
    growth = []
    for _ in range(3):
        gc.collect()
        before = _rss_mib()
        errors = run(200_000)
        gc.collect()
        growth.append(_rss_mib() - before)
        assert errors == 200_000 - n_ok * (200_000 // len(calls)) - sum(
            i < n_ok for i in range(200_000 % len(calls)))
    assert min(growth) < 1.0, f"RSS grew {growth} MiB in three rounds of 200,000 calls"
