"""Benchmark machinery shared by ``python -m fastloss bench`` and ``bench/``.

What is measured comes from the loss table: every loss x {value, grad,
value_and_grad} x dtype x size, for fastloss, the NumPy reference twin and the
memory floor (a pass over the same bytes doing nothing but an OR per word:
read-only for values, read + write for gradients).  Gradients write into a
reused ``out=`` buffer (as a training loop would).  Ratios come from the same
run, implementations interleaved, so machine noise hits all of them alike.
"""
from __future__ import annotations

import datetime
import functools
import platform
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np

import fastloss
from fastloss import _dispatch, metrics as fm, reference
from fastloss._compare import LIBRARIES, available, competitors
from fastloss._losses import BY_NAME, LOSSES
from fastloss._testing import sample

MODES = ("value", "grad", "vg", "gh")
_SUFFIX = {"value": "", "grad": "_grad", "vg": "_value_and_grad", "gh": "_grad_hess"}


@dataclass(frozen=True)
class Case:
    loss: str
    mode: str
    dtype: str
    n: int
    weighted: bool = False  # with class_weight and ignore_index (see WEIGHTED)

    @property
    def id(self):
        return (f"{self.loss}-{self.mode}-{self.dtype}-{self.n:.0e}".replace("+0", "")
                + ("-weighted" if self.weighted else ""))

    @property
    def label(self):
        """The loss column of the table."""
        return self.loss + (" +cw,ign" if self.weighted else "")


# the weighted variant of a row loss that takes class weights: 10 class
# weights, and the label -100 on a tenth of the rows, skipped by ignore_index
WEIGHTED = {"class_weight": np.linspace(0.5, 2.0, 10), "ignore_index": -100}


def cases(losses=None, modes=MODES, dtypes=("float64", "float32"), sizes=(10, 10**3, 10**5, 10**7),
          weighted=False):
    """Every (loss, mode, dtype, n); n counts elements (rows x 10 classes for
    row losses).  ``weighted``: each loss that takes class weights also with
    WEIGHTED's options."""
    for loss in LOSSES:
        if losses and loss.name not in losses:
            continue
        for w in (False, True) if weighted and loss.class_weights else (False,):
            for mode in modes:
                for dtype in dtypes:
                    for n in sizes:
                        yield Case(loss.name, mode, dtype, n, w)


def _rows(loss_name, n):
    """The leading shape of n elements' inputs: n/10 rows of 10 classes for a
    row loss, n values otherwise."""
    return (max(1, n // 10),) if BY_NAME[loss_name].kind == "rows" else (n,)


def elements(loss_name, n):
    """How many predictions make_data(loss_name, ..., n) holds."""
    return _rows(loss_name, n)[0] * (10 if BY_NAME[loss_name].kind == "rows" else 1)


def make_data(loss_name, dtype, n, seed=0, weighted=False):
    """Benchmark inputs (y_true, y_pred, out): n elements (n/10 rows x 10 classes
    for row losses), integer labels and hard 0/1 binary targets (the common
    case), out for gradients; ``weighted``: a tenth of the labels WEIGHTED's
    ignore_index."""
    loss = BY_NAME[loss_name]
    rng = np.random.default_rng(seed)
    y, p = sample(loss, rng, _rows(loss_name, n), 10, dtype, targets="labels")
    if weighted:
        y = np.where(rng.random(y.shape) < 0.1, WEIGHTED["ignore_index"], y)
    return y, p, np.empty_like(p)


def case_options(case):
    """The loss options a case runs with."""
    if not case.weighted:
        return {}
    return dict(WEIGHTED, class_weight=WEIGHTED["class_weight"].astype(case.dtype))


def implementations(case, data, n_threads=1):
    """name -> zero-argument callable, for fastloss, reference and the floor."""
    y, p, out = data
    name = case.loss + _SUFFIX[case.mode]
    fast, ref = getattr(fastloss, name), getattr(reference, name)
    opts = case_options(case)
    if opts:
        fast, ref = functools.partial(fast, **opts), functools.partial(ref, **opts)
    grad = case.mode != "value"
    floor = _dispatch.floor
    if case.mode == "gh":  # a pair of outputs; the floor writes both
        out = (out, np.empty_like(out))
        floor_call = lambda: floor(y, p, out[0], out2=out[1])  # noqa: E731
    else:
        floor_call = (lambda: floor(y, p, out)) if grad else (lambda: floor(y, p))
    impls = {
        "fastloss": (lambda: fast(y, p, out=out, n_threads=n_threads)) if grad
        else (lambda: fast(y, p, n_threads=n_threads)),
        "reference": (lambda: ref(y, p, out=out)) if grad else (lambda: ref(y, p)),
        "floor": floor_call,
    }
    if case.mode in ("vg", "gh"):  # what the value (or the Hessian) adds to the gradient
        g = functools.partial(getattr(fastloss, case.loss + _SUFFIX["grad"]), **opts)
        impls["grad"] = lambda: g(y, p, out=out[0] if case.mode == "gh" else out,
                                  n_threads=n_threads)
    return impls


def _time(fn, budget, number=None):
    """Seconds per call: `number` calls (by default as many as make one sample
    last about `budget`, at least one)."""
    if number is None:
        t0 = time.perf_counter()
        fn()
        number = max(1, int(budget / max(time.perf_counter() - t0, 1e-7)))
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


def measure(case, n_threads=1, repeats=7, budget=0.02, compare=False):
    """Median seconds per call of each implementation, interleaved: one warm-up
    call each (which also sizes the batches), then `repeats` samples."""
    data = make_data(case.loss, case.dtype, case.n, weighted=case.weighted)
    impls = implementations(case, data, n_threads)
    if compare:
        impls.update(competitors(case.loss, case.mode, data[0], data[1], case_options(case)))
    number = {}
    for k, fn in impls.items():
        t0 = time.perf_counter()
        fn()
        number[k] = max(1, int(budget / max(time.perf_counter() - t0, 1e-7)))
    samples = {k: [] for k in impls}
    for _ in range(repeats):
        for k, fn in impls.items():
            samples[k].append(_time(fn, budget, number[k]))
    return {k: float(np.median(v)) for k, v in samples.items()}


# two input sizes (elements) whose arrays stay in a core's cache, with the
# gradient's output: 2 x 8 KiB to 2 x 64 KiB of float64
CACHE_SIZES = (1024, 8192)
CACHE_FROM = 10**5  # the sizes whose rows show it


def arithmetic_seconds(case, repeats=7, budget=0.01):
    """fastloss's seconds per element of `case` on inputs that stay in cache,
    one thread: the difference of the times of two in-cache sizes over the
    difference of their element counts, so that the call's fixed cost
    cancels.  It is the time of the loss's arithmetic alone: times n, over
    the memory floor at n, it is the least fast/floor this machine allows."""
    calls = []
    for n in CACHE_SIZES:
        small = Case(case.loss, case.mode, case.dtype, n, case.weighted)
        data = make_data(case.loss, case.dtype, n, weighted=case.weighted)
        calls.append((data[1].size, implementations(small, data, 1)["fastloss"]))
    number = []
    for _, fn in calls:
        t0 = time.perf_counter()
        fn()
        number.append(max(1, int(budget / max(time.perf_counter() - t0, 1e-7))))
    samples = [[], []]
    for _ in range(repeats):
        for i, (_, fn) in enumerate(calls):
            samples[i].append(_time(fn, budget, number[i]))
    (n1, _), (n2, _) = calls
    return max(float(np.median(samples[1]) - np.median(samples[0])), 0.0) / (n2 - n1)


HALF_DECADES = tuple(int(round(10 ** (e / 2))) for e in range(2, 15))  # 10 ... 1e7
HEADLINE = dict(sizes=(10**3, 10**7), dtypes=("float64",), modes=("value", "grad"))
FULL = dict(sizes=(10, 10**3, 10**5, 10**7), dtypes=("float64", "float32"), modes=MODES)


def estimate_seconds(sizes, losses, dtypes, modes, compare, repeats=7):
    """A rough duration of a run (calibrated on the 2-core development machine):
    each implementation takes 1 + repeats samples per case, a sample lasting
    about 10 ms or one call of about 3 ns an element, whichever is longer."""
    names = [loss.name for loss in LOSSES if not losses or loss.name in losses]
    impls = 3
    if compare:

        impls += sum(len(LIBRARIES[lib]) for lib, ok in available().items() if ok)
    total = 0.0
    for n in sizes:
        r = repeats if n < 10**7 else 5
        total += len(names) * len(dtypes) * len(modes) * impls * (1 + r) * max(n * 3e-9, 0.01)
    return total


def _fmt_t(s):
    for unit, f in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if s >= f:
            return f"{s / f:7.2f} {unit}"
    return f"{s / 1e-9:7.2f} ns"


def main(sizes=HEADLINE["sizes"], losses=None, dtypes=HEADLINE["dtypes"],
         n_threads=1, modes=HEADLINE["modes"], compare=True, plot=None, file=None,
         weighted=False):
    """The speed-up table (and, with `plot`, a chart).  `compare`: add the
    columns of the competitors that are installed (the missing ones are named);
    `weighted`: the losses that take class weights also with WEIGHTED's."""
    info = fastloss.info()
    print(f"fastloss {info['version']} bench: SIMD {info.get('simd')}, threads {info.get('threads')}, "
          f"n_threads={n_threads}; median of interleaved samples", file=file)
    print("x/fast = how many times longer x takes than fastloss (speed-up); fast/floor = fastloss "
          "time over the memory floor (1.00 = at the memory limit; for gh, reading two arrays and "
          "writing two); cache/floor = fastloss's time per element on inputs that stay in cache, "
          "times n, over the same floor (its arithmetic alone: the least fast/floor this machine "
          f"allows; n >= {CACHE_FROM:.0e}, one thread); x/grad = value_and_grad (vg) or grad_hess "
          "(gh) time over the gradient alone", file=file)
    cols = ()
    if compare:

        have = available()
        for lib, ok in have.items():
            if not ok:
                print(f"{lib} not installed: column{'s' if len(LIBRARIES[lib]) > 1 else ''} "
                      f"{', '.join(c + '/fast' for c in LIBRARIES[lib])} skipped", file=file)
        cols = tuple(c for lib, ok in have.items() if ok for c in LIBRARIES[lib])
    vg = "vg" in modes or "gh" in modes
    hdr = (f"{'loss':<34} {'mode':<5} {'dtype':<7} {'n':>6} {'fastloss':>10} {'ref/fast':>8} "
           + "".join(f"{c + '/fast':>13}" for c in cols) + f" {'fast/floor':>10}"
           + f" {'cache/floor':>11}" + (f" {'x/grad':>8}" if vg else ""))
    print(hdr, file=file)
    print("-" * len(hdr), file=file)
    rows = []
    for case in cases(losses, modes, dtypes, sizes, weighted):
        m = measure(case, n_threads, repeats=7 if case.n < 10**7 else 5, compare=compare)
        if n_threads == 1 and case.n >= CACHE_FROM:
            m["cache"] = arithmetic_seconds(case) * elements(case.loss, case.n)
        rows.append((case, m))
        cache = f"{m['cache'] / m['floor']:>10.2f}x" if "cache" in m else f"{'-':>11}"
        # (an installed library without this loss or mode: n/a)
        ratios = "".join(f"{(m[c] / m['fastloss']):>12.1f}x" if c in m else f"{'n/a':>13}"
                         for c in cols)
        print(f"{case.label:<34} {case.mode:<5} {case.dtype:<7} {case.n:>6.0e} {_fmt_t(m['fastloss']):>10} "
              f"{m['reference'] / m['fastloss']:>7.1f}x{ratios} {m['fastloss'] / m['floor']:>9.2f}x"
              f" {cache}"
              + ((f" {m['fastloss'] / m['grad']:>7.2f}x" if "grad" in m else f" {'-':>8}") if vg
                 else ""),
              file=file, flush=True)
    if plot:
        chart(rows, plot)
        print(f"chart written to {plot}", file=file)
    return rows


def machine():
    """A short description of this machine for captions: CPU model, CPUs, date."""

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{model}, {fastloss.info().get('cpus', 1)} CPUs, SIMD {fastloss.info().get('simd')}; "
            f"{datetime.date.today().isoformat()}")


def chart(rows, path):
    """PNG of throughput (elements per second) against input size: one row of
    panels per loss, one column per mode measured, each with fastloss, the
    reference, the memory floor and the competitors measured (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(c.loss for c, _ in rows))
    modes = list(dict.fromkeys(c.mode for c, _ in rows))
    dtype = rows[0][0].dtype
    fig, axes = plt.subplots(len(names), len(modes), figsize=(4.2 * len(modes), 2.6 * len(names)),
                             squeeze=False)
    styles = (("fastloss", "o-"), ("reference", "s--"), ("floor", ":"), ("torch1", "^-."),
              ("sklearn", "v-."), ("numba", "d-."))
    for i, name in enumerate(names):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            for impl, style in styles:
                pts = sorted((c.n, c.n / m[impl]) for c, m in rows
                             if c.loss == name and c.mode == mode and c.dtype == dtype and impl in m)
                if pts:
                    ax.loglog(*zip(*pts), style, label=impl, markersize=3)
            ax.set_title(f"{name} — {mode}", fontsize=8)
            ax.grid(True, which="both", alpha=0.3)
            ax.tick_params(labelsize=7)
            if i == len(names) - 1:
                ax.set_xlabel("elements", fontsize=8)
            if j == 0:
                ax.set_ylabel("elements / s", fontsize=8)
            ax.legend(fontsize=6)
    fig.suptitle(f"fastloss throughput ({dtype}, one thread; higher is better)\n{machine()}",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / len(names)))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def threads_report(losses=None, n=10**7, repeats=9, file=None):
    """Thread scaling at n elements (float64, value): n_threads=2 against 1, and
    two Python threads each scoring their own arrays (4 calls each) against one
    thread doing all 8 calls: the throughput ratio.  The samples are taken in
    adjacent pairs (1 thread, then 2), and each speed-up is the median of the
    per-pair ratios: on a shared machine, load from other tenants drifts on a
    scale of seconds, and pairing cancels most of it (the spread of the paired
    ratios, quartiles, is printed too)."""

    print(f"thread scaling, n = {n:.0e}, float64, value; threads (n_threads=None) "
          f"{fastloss.info().get('threads')}", file=file)
    print(f"{'loss':<34} {'n_threads=1':>12} {'n_threads=2':>12} {'speed-up':>9} "
          f"{'(quartiles)':>13} {'2 Py threads':>13} {'(quartiles)':>13}", file=file)
    for loss in LOSSES:
        if losses and loss.name not in losses:
            continue
        y1, p1, _ = make_data(loss.name, "float64", n, seed=1)
        y2, p2, _ = make_data(loss.name, "float64", n, seed=2)
        fn = getattr(fastloss, loss.name)
        calls = 4  # per Python thread: a scoring loop, not a single call

        def score(y, p):
            for _ in range(calls):
                fn(y, p, n_threads=1)

        t1, t2, seq, par = [], [], [], []
        for _ in range(repeats):
            t1.append(_time(lambda: fn(y1, p1, n_threads=1), 0.0))
            t2.append(_time(lambda: fn(y1, p1, n_threads=2), 0.0))
            t0 = time.perf_counter()
            score(y1, p1)
            score(y2, p2)
            seq.append(time.perf_counter() - t0)
            th = threading.Thread(target=score, args=(y2, p2))
            t0 = time.perf_counter()
            th.start()
            score(y1, p1)
            th.join()
            par.append(time.perf_counter() - t0)
        r_two = np.array(t1) / np.array(t2)
        r_py = np.array(seq) / np.array(par)
        q = lambda r: "{:.2f}-{:.2f}".format(*np.percentile(r, [25, 75]))
        print(f"{loss.name:<34} {_fmt_t(float(np.median(t1))):>12} "
              f"{_fmt_t(float(np.median(t2))):>12} {float(np.median(r_two)):>8.2f}x {q(r_two):>13} "
              f"{float(np.median(r_py)):>12.2f}x {q(r_py):>13}", file=file, flush=True)


__all__ = ["Case", "cases", "make_data", "implementations", "measure", "main", "chart",
           "threads_report", "metrics_cases", "metrics_report"]


def metrics_cases(n=10**6, seed=0):
    """(label, fastloss.metrics function name, args, kwargs): typical calls of
    every drop-in metric at n rows, for the comparison with scikit-learn."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(n)
    p = y + rng.standard_normal(n)
    y3 = rng.standard_normal((n, 3))
    p3 = y3 + rng.standard_normal((n, 3))
    w = rng.random(n)
    yb, pb = rng.integers(0, 2, n), rng.random(n)
    yc, pc = rng.integers(0, 5, n), rng.dirichlet(np.ones(5), n)
    ys = np.array(["cat", "dog", "emu", "fox", "gnu"])[yc]
    sb, sc = rng.standard_normal(n), rng.standard_normal((n, 5))
    return [
        ("mean_squared_error", "mean_squared_error", (y, p), {}),
        ("mean_squared_error, weights", "mean_squared_error", (y, p), {"sample_weight": w}),
        ("mean_squared_error, 3 outputs raw", "mean_squared_error", (y3, p3),
         {"multioutput": "raw_values"}),
        ("root_mean_squared_error", "root_mean_squared_error", (y, p), {}),
        ("mean_absolute_error", "mean_absolute_error", (y, p), {}),
        ("mean_absolute_error, 3 outputs", "mean_absolute_error", (y3, p3), {}),
        ("mean_pinball_loss, alpha=0.9", "mean_pinball_loss", (y, p), {"alpha": 0.9}),
        ("mean_absolute_percentage_error", "mean_absolute_percentage_error", (y, p), {}),
        ("mean_squared_log_error", "mean_squared_log_error", (np.abs(y), np.abs(p)), {}),
        ("root_mean_squared_log_error", "root_mean_squared_log_error", (np.abs(y), np.abs(p)),
         {}),
        ("mean_poisson_deviance", "mean_poisson_deviance", (np.abs(y), np.abs(p) + 0.1), {}),
        ("mean_gamma_deviance", "mean_gamma_deviance", (np.abs(y) + 0.1, np.abs(p) + 0.1), {}),
        ("mean_tweedie_deviance, power=1.5", "mean_tweedie_deviance",
         (np.abs(y), np.abs(p) + 0.1), {"power": 1.5}),
        ("r2_score", "r2_score", (y, p), {}),
        ("r2_score, weights", "r2_score", (y, p), {"sample_weight": w}),
        ("r2_score, 3 outputs variance_weighted", "r2_score", (y3, p3),
         {"multioutput": "variance_weighted"}),
        ("log_loss, binary 1-D", "log_loss", (yb, pb), {}),
        ("log_loss, 5 classes", "log_loss", (yc, pc), {}),
        ("log_loss, 5 classes, weights", "log_loss", (yc, pc), {"sample_weight": w}),
        ("log_loss, 5 string classes", "log_loss", (ys, pc), {}),
        ("brier_score_loss, binary 1-D", "brier_score_loss", (yb, pb), {}),
        ("brier_score_loss, 5 classes", "brier_score_loss", (yc, pc), {}),
        ("brier_score_loss, 5 classes, weights", "brier_score_loss", (yc, pc),
         {"sample_weight": w}),
        ("hinge_loss, binary {0,1}", "hinge_loss", (yb, sb), {}),
        ("hinge_loss, 5 classes", "hinge_loss", (yc, sc), {}),
    ]


def metrics_report(n=10**6, repeats=7, file=None):
    """fastloss.metrics against sklearn.metrics: best-of-repeats times,
    interleaved, and the speed-up (scikit-learn needed)."""

    from sklearn import metrics as skm


    nt = fastloss.info().get("threads", 1)
    print(f"fastloss.metrics vs scikit-learn, n = {n:.0e} rows; best of {repeats} interleaved "
          "calls", file=file)
    print(f"floor = reading the two inputs once with {nt} threads and doing nothing else "
          "(calls with two inputs of 8-byte numbers); sklearn/floor = the speed-up of a pass that only "
          "reads the inputs (about the most a memory-bound implementation can show)", file=file)
    print(f"{'call':<36} {'fastloss':>10} {'sklearn':>10} {'speed-up':>9} {'fast/floor':>10} "
          f"{'sklearn/floor':>13}", file=file)
    for label, name, args, kw in metrics_cases(n):
        f, s = getattr(fm, name), getattr(skm, name)
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        floor = None
        if (kw.get("sample_weight") is None and _dispatch.compiled()
                and len(arrays) == 2 and all(a.dtype.kind in "iuf" and a.itemsize == 8
                                             for a in arrays)):
            floor = lambda: _dispatch.floor(arrays[0], arrays[1], n_threads=nt)  # noqa: E731
        tf, ts, tr = [], [], []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(repeats):
                tf.append(_time(lambda: f(*args, **kw), 0.0))
                ts.append(_time(lambda: s(*args, **kw), 0.0))
                if floor is not None:
                    tr.append(_time(floor, 0.0))
        a, b = min(tf), min(ts)
        fl_cols = f"{a / min(tr):>9.2f}x {b / min(tr):>12.1f}x" if tr else f"{'-':>10} {'-':>13}"
        print(f"{label:<36} {_fmt_t(a):>10} {_fmt_t(b):>10} {b / a:>8.1f}x {fl_cols}", file=file,
              flush=True)


def torch_cases(seed=0):
    """(label, fastloss.torch call, torch's own call, prediction, target): forward
    and backward of the losses torch has, at 1e7 elements or 1e6 x 10 rows."""
    import torch

    from fastloss import torch as fastloss_torch

    class flt:  # fastloss.torch's losses on one thread
        def __getattr__(self, name):
            return functools.partial(getattr(fastloss_torch, name), n_threads=1)
    flt = flt()

    F = torch.nn.functional
    rng = np.random.default_rng(seed)
    n, rows, k = 10**7, 10**6, 10

    def of_dtype(dt):
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dt))  # noqa: E731
        logits, lab = t(rng.standard_normal((rows, k))), torch.from_numpy(rng.integers(0, k, rows))
        pad = torch.from_numpy(np.where(rng.random(rows) < 0.1, -100, lab.numpy()))
        cw = t(np.linspace(0.5, 2.0, k))
        z, yb = t(rng.standard_normal(n)), t(rng.random(n) < 0.3)
        y, p = t(rng.standard_normal(n)), t(rng.standard_normal(n))
        soft = t(rng.dirichlet(np.ones(k), rows))
        return [
            (f"cross_entropy 1e6x10 {dt}", lambda x: flt.softmax_cross_entropy(lab, x),
             lambda x: F.cross_entropy(x, lab), logits),
            (f"cross_entropy weight+ignore_index {dt}",
             lambda x: flt.softmax_cross_entropy(pad, x, class_weight=cw, ignore_index=-100),
             lambda x: F.cross_entropy(x, pad, weight=cw), logits),
            (f"bce_with_logits 1e7 {dt}", lambda x: flt.binary_cross_entropy_with_logits(yb, x),
             lambda x: F.binary_cross_entropy_with_logits(x, yb), z),
            (f"mse_loss 1e7 {dt}", lambda x: flt.mse(y, x), lambda x: F.mse_loss(x, y), p),
            (f"huber_loss 1e7 {dt}", lambda x: flt.huber(y, x), lambda x: F.huber_loss(x, y), p),
            (f"nll_loss 1e6x10 {dt}", lambda x: flt.nll_loss(lab, x),
             lambda x: F.nll_loss(x, lab), torch.log_softmax(logits, -1)),
            (f"kl_div batchmean 1e6x10 {dt}", lambda x: flt.kl_divergence(soft, x),
             lambda x: F.kl_div(torch.log(x), soft, reduction="batchmean"), soft.flip(-1)),
            (f"poisson_nll_loss 1e7 {dt}", lambda x: flt.poisson_nll(yb, x),
             lambda x: F.poisson_nll_loss(x, yb), z),
            (f"multi_margin_loss 1e6x10 {dt}", lambda x: flt.multi_margin(lab, x),
             lambda x: F.multi_margin_loss(x, lab), logits),
        ]
    return of_dtype("float32") + of_dtype("float64")


def torch_report(repeats=5, file=None):
    """fastloss.torch against torch's own losses: forward plus backward, one
    thread each (torch.set_num_threads(1), n_threads=1), best of interleaved
    calls."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    print(f"fastloss.torch vs torch {torch.__version__} (CPU), forward + backward, 1 thread; "
          f"best of {repeats} interleaved calls", file=file)
    print(f"{'call':<40} {'fastloss':>10} {'torch':>10} {'speed-up':>9}", file=file)

    def step(fn, x):
        x.grad = None
        fn(x).backward()

    try:
        for label, ours, theirs, pred in torch_cases():
            x = pred.clone().requires_grad_()
            tf, tt = [], []
            for _ in range(repeats):
                tf.append(_time(lambda: step(ours, x), 0.0, 1))
                tt.append(_time(lambda: step(theirs, x), 0.0, 1))
            a, b = min(tf), min(tt)
            print(f"{label:<40} {_fmt_t(a):>10} {_fmt_t(b):>10} {b / a:>8.1f}x", file=file,
                  flush=True)
    finally:
        torch.set_num_threads(threads)


def _softprob_rows(predt, labels):
    """XGBoost's custom softmax demo objective, as its documentation shows it:
    a loop over the rows."""
    rows, classes = predt.shape
    grad = np.zeros((rows, classes), dtype=float)
    hess = np.zeros((rows, classes), dtype=float)
    labels = labels.astype(np.int64)
    for r in range(rows):
        e = np.exp(predt[r, :])
        p = e / np.sum(e)
        for c in range(classes):
            grad[r, c] = p[c] - 1.0 if c == labels[r] else p[c]
            hess[r, c] = max(2.0 * p[c] * (1.0 - p[c]), 1e-6)
    return grad, hess


def _softprob_vectorized(predt, labels):
    """The same objective vectorized with NumPy (what a careful user writes)."""
    e = np.exp(predt - predt.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    grad = p.copy()
    grad[np.arange(p.shape[0]), labels.astype(np.int64)] -= 1.0
    return grad, np.maximum(2.0 * p * (1.0 - p), 1e-6)


def _logregobj(preds, labels):
    """XGBoost's custom binary logistic objective, as its documentation shows it."""
    preds = 1.0 / (1.0 + np.exp(-preds))
    return preds - labels, preds * (1.0 - preds)


def boosting_cases(seed=0):
    """(label, fastloss objective, NumPy objective, labels, scores) as XGBoost
    calls them (float32 labels and scores), 1e6 rows."""
    from fastloss import xgboost as fx

    rng = np.random.default_rng(seed)
    n, k = 10**6, 5
    f32 = np.float32
    yb = (rng.random(n) < 0.3).astype(f32)
    z = rng.standard_normal(n).astype(f32)
    y5 = rng.integers(0, k, n).astype(f32)
    s5 = rng.standard_normal((n, k)).astype(f32)
    y = rng.standard_normal(n).astype(f32)
    focal = reference.sigmoid_focal_loss_grad_hess
    return [
        ("binary logistic 1e6 (XGBoost's demo)",
         fx.objective("binary_cross_entropy_with_logits"), _logregobj, yb, z),
        ("softmax 1e6x5 (the demo, vectorized)", fx.objective("softmax_cross_entropy"),
         _softprob_vectorized, y5, s5),
        ("softmax 1e5x5 (XGBoost's demo: row loop)", fx.objective("softmax_cross_entropy"),
         _softprob_rows, y5[:10**5], s5[:10**5]),
        ("sigmoid focal loss 1e6 (NumPy twin)", fx.objective("sigmoid_focal_loss"),
         lambda p, t: focal(t, p, reduction="none"), yb, z),
        ("pinball alpha=0.9 1e6 (NumPy)", fx.objective("pinball", alpha=0.9),
         lambda p, t: (np.where(t > p, -0.9, 0.1), np.ones_like(p)), y, z),
    ]


def boosting_report(repeats=15, file=None):
    """fastloss.xgboost objectives (the callbacks both libraries call) against
    the NumPy objectives of the libraries' documentation: best of interleaved
    calls; fastloss with its automatic threads, NumPy on one."""
    print(f"objective callbacks: fastloss (threads: {fastloss.info().get('threads', 1)}) vs NumPy, "
          f"best of {repeats} interleaved calls", file=file)
    print(f"{'objective':<42} {'fastloss':>10} {'NumPy':>10} {'speed-up':>9}", file=file)
    for label, ours, numpy_obj, labels, scores in boosting_cases():
        reps = 1 if "loop" in label else repeats
        tf, tn = [], []
        for _ in range(reps):
            tf.append(_time(lambda: ours(labels, scores), 0.0, 1))
            tn.append(_time(lambda: numpy_obj(scores, labels), 0.0, 1))
        a, b = min(tf), min(tn)
        print(f"{label:<42} {_fmt_t(a):>10} {_fmt_t(b):>10} {b / a:>8.1f}x", file=file,
              flush=True)


def busy_report(sizes=(2 * 10**5, 10**7), losses=("mse", "binary_cross_entropy_with_logits"),
                budget=None, file=None):
    """The automatic thread choice against n_threads=1 while a separate process
    keeps one core busy (a spinning Python process, started here and killed at
    the end).  Calls alternate (automatic, then one thread), so load drifts hit
    both alike; reported: the median of the paired ratios auto/one, and the
    ratio of their 99th percentiles (how bad the slow tail of the automatic
    choice is against the slow tail of one thread)."""

    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # let the spinner settle on a core
        print(f"busy machine: one core kept busy by another process (pid {spinner.pid}); "
              f"auto = n_threads=None, one = n_threads=1; float64, value", file=file)
        print(f"{'loss':<34} {'n':>6} {'pairs':>6} {'one p50':>10} {'auto p50':>10} "
              f"{'auto/one p50':>13} {'one p99':>10} {'auto p99':>10} {'auto/one p99':>13}",
              file=file)
        rows = []
        for name in losses:
            fn = getattr(fastloss, name)
            for n in sizes:
                y, p, _ = make_data(name, "float64", n, seed=3)
                pairs = int(budget or (600 if n <= 10**6 else 150))
                one, auto = [], []
                fn(y, p), fn(y, p, n_threads=1)
                for _ in range(pairs):
                    t0 = time.perf_counter()
                    fn(y, p)
                    t1 = time.perf_counter()
                    fn(y, p, n_threads=1)
                    t2 = time.perf_counter()
                    auto.append(t1 - t0)
                    one.append(t2 - t1)
                one, auto = np.array(one), np.array(auto)
                r50 = float(np.median(auto / one))
                p99o, p99a = np.percentile(one, 99), np.percentile(auto, 99)
                rows.append((name, n, r50, p99a / p99o))
                print(f"{name:<34} {n:>6.0e} {pairs:>6} {_fmt_t(np.median(one)):>10} "
                      f"{_fmt_t(np.median(auto)):>10} {r50:>12.2f}x {_fmt_t(p99o):>10} "
                      f"{_fmt_t(p99a):>10} {p99a / p99o:>12.2f}x", file=file, flush=True)
        return rows
    finally:
        spinner.kill()
        spinner.wait()
