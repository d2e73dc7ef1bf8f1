"""Fingerprint every value the compiled kernels produce over a fixed corpus of
calls, so that a refactoring of the kernels can be shown to change no bit.

    python scripts/value_corpus.py save before.json     # with the old build installed
    python scripts/value_corpus.py compare before.json  # with the new one

The inputs are saved next to the fingerprints (before.json.npz) and reused by
"compare", so that the comparison does not depend on how test data is drawn.

The corpus: every loss x float32/float64 x sizes around the SIMD widths and the
1024-element blocks x contiguous, strided and reversed layouts x reductions x
with and without weights x default and non-default options x value, gradient
and value_and_grad x 1 and 2 threads, on data with edge values mixed in.  Each
call's result (or its exception type and message) is hashed.
"""
import hashlib
import collections
import json
import sys

import numpy as np

import fastloss
from fastloss._losses import LOSSES

SIZES = (1, 7, 31, 32, 33, 1023, 1024, 1025, 5000, 70001)


def _options(loss):
    """The defaults, and one other valid value of each option."""
    alt = {"delta": 0.5, "eps": 1e-7, "pos_weight": 3.0, "label_smoothing": 0.1}
    yield {}
    if loss.options:
        yield {o.name: alt[o.name] for o in loss.options if o.name in alt}


def _digest(result):
    """A hash of the result's bits; every NaN counted as one canonical NaN (the
    sign and payload of a NaN are not a value, and an add may keep either
    operand's)."""
    h = hashlib.sha256()
    for part in result if isinstance(result, tuple) else (result,):
        a = np.array(part)
        if a.dtype.kind == "f":
            a[np.isnan(a)] = np.nan
        h.update(str(a.dtype).encode() + str(a.shape).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def _data(loss, n, dtype, seed):
    from fastloss._testing import sample

    rng = np.random.default_rng(seed)
    rows = (n,) if loss.kind == "elementwise" else (max(1, n // 7),)
    y, p = sample(loss, rng, rows, 7, dtype, special=0.02)
    w = rng.random(rows).astype(dtype)
    return y, p, w


def _layouts(a):
    yield "C", a
    if a.ndim >= 1 and a.shape[0] > 1:
        big = np.repeat(a, 2, axis=0)
        yield "strided", big[::2]
        yield "reversed", np.ascontiguousarray(a[::-1])[::-1]


def corpus(inputs=None):
    """(fingerprints, inputs): inputs drawn afresh, or those given."""
    out, drawn = {}, {}
    for loss in LOSSES:
        for dtype in ("float64", "float32"):
            for n in SIZES:
                key0 = f"{loss.name}|{dtype}|{n}"
                if inputs is not None:
                    if key0 + "|y" not in inputs:
                        continue
                    y, p, w = (inputs[key0 + s] for s in ("|y", "|p", "|w"))
                else:
                    y, p, w = _data(loss, n, dtype, seed=n)
                drawn.update({key0 + "|y": y, key0 + "|p": p, key0 + "|w": w})
                for opts in _options(loss):
                    for lay, pp in _layouts(p):
                        yy = dict(_layouts(y)).get(lay, y)
                        for weights in (None, w):
                            for red in ("mean", "sum", "none"):
                                for suffix in ("", "_grad", "_value_and_grad"):
                                    for nt in (1, 2):
                                        key = (f"{loss.name}{suffix}|{dtype}|{n}|{lay}|"
                                               f"{'w' if weights is not None else '-'}|{red}|{nt}|"
                                               f"{sorted(opts.items())}")
                                        fn = getattr(fastloss, loss.name + suffix)
                                        try:
                                            r = fn(yy, pp, sample_weight=weights, reduction=red,
                                                   n_threads=nt, **opts)
                                            out[key] = _digest(r)
                                        except (ValueError, TypeError) as e:
                                            out[key] = f"{type(e).__name__}: {e}"
    return out, drawn


def main(argv):
    if len(argv) != 3 or argv[1] not in ("save", "compare"):
        print(__doc__)
        return 2
    assert fastloss.backend() == "compiled", "needs the compiled package"
    if argv[1] == "save":
        got, drawn = corpus()
        with open(argv[2], "w") as f:
            json.dump(got, f, indent=0, sort_keys=True)
        np.savez(argv[2] + ".npz", **drawn)
        print(f"{len(got)} calls saved to {argv[2]} (inputs in {argv[2]}.npz)")
        return 0
    with open(argv[2]) as f:
        want = json.load(f)
    with np.load(argv[2] + ".npz") as z:
        got, _ = corpus({k: z[k] for k in z.files})
    diff = [k for k in want if got.get(k) != want[k]]
    missing = set(want) ^ set(got)
    print(f"{len(got)} calls; {len(diff)} differ; {len(missing)} only on one side")
    per_function = collections.Counter(k.split("|")[0] for k in diff)
    for name, count in sorted(per_function.items()):
        print(f"  {name}: {count} differ")
    for k in diff[:20]:
        print("  differs:", k, want[k], "->", got.get(k))
    return 1 if diff or missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
