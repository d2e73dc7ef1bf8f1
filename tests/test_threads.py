"""Determinism across n_threads, GIL release, thread-local backend switch."""
import threading
import time

import numpy as np
import pytest

import fastloss
from helpers import LOSSES, inputs

N = 3_000_017  # several million, not a multiple of the block


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(10)
    y = rng.standard_normal(N)
    p = y + rng.standard_normal(N) * rng.choice([0.1, 3.0], N)
    w = rng.random(N)
    return y, p, w


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_reduced_value_bitwise_identical_for_any_n_threads(loss, dtype, weighted):
    rows = (N,) if loss.kind == "elementwise" else (N // 10,)
    y, p = inputs(loss, rows=rows, k=10, dtype=dtype, seed=11)
    kw = {"sample_weight": np.random.default_rng(12).random(rows).astype(dtype)} if weighted else {}
    for red in ("mean", "sum"):
        vals = {t: getattr(fastloss, loss.name)(y, p, reduction=red, n_threads=t, **kw)
                for t in (1, 2, 3, 8)}
        vals[None] = getattr(fastloss, loss.name)(y, p, reduction=red, **kw)
        assert len({v.hex() for v in vals.values()}) == 1, vals
        vg = {t: getattr(fastloss, loss.name + "_value_and_grad")(y, p, reduction=red, n_threads=t, **kw)
              for t in (1, 3)}
        assert vg[1][0].hex() == vg[3][0].hex() == vals[1].hex()
        np.testing.assert_array_equal(vg[1][1], vg[3][1])


def test_strided_bitwise_identical(data):
    y, p, _ = data
    vals = {fastloss.huber(y[::3], p[::3], delta=0.5, n_threads=t).hex() for t in (1, 2, 3, 8)}
    assert len(vals) == 1


def test_gil_released_during_kernel():
    """While one thread runs a long kernel, another Python thread keeps running.

    If the GIL were held, the watcher could not run for the whole call (tens of
    ms); released, its longest gap stays far below the call's duration."""
    rng = np.random.default_rng(11)
    y, p = rng.random((2, 30_000_000))
    t0 = time.perf_counter()
    fastloss.mse(y, p, n_threads=1)
    call = time.perf_counter() - t0
    for _attempt in range(3):
        done = threading.Event()
        gaps = []

        def watcher():
            last = time.perf_counter()
            while not done.is_set():
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        th = threading.Thread(target=watcher)
        th.start()
        time.sleep(0.01)
        for _ in range(3):
            fastloss.mse(y, p, n_threads=1)
        done.set()
        th.join()
        if max(gaps) < call / 2:
            return
    pytest.fail(f"watcher stalled {max(gaps) * 1e3:.1f} ms during {call * 1e3:.1f} ms calls")


def test_many_python_threads_get_identical_results():
    data = {loss.name: inputs(loss, rows=(200_000,) if loss.kind == "elementwise" else (20_000,),
                              k=10, seed=13) for loss in LOSSES}
    expect = {name: getattr(fastloss, name + "_value_and_grad")(*yp) for name, yp in data.items()}
    results, errors = [], []

    def worker(i):
        try:
            for name, (y, p) in data.items():
                v, g = getattr(fastloss, name + "_value_and_grad")(y, p, n_threads=1 + i % 3)
                results.append(v == expect[name][0] and np.array_equal(g, expect[name][1]))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results) and len(results) == 6 * len(LOSSES)


def test_use_backend_is_thread_local():
    y, p = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def other():
        inside.wait()
        seen["other"] = fastloss.backend()
        release.set()

    th = threading.Thread(target=other)
    th.start()
    with fastloss.use_backend("numpy"):
        assert fastloss.backend() == "numpy"
        inside.set()
        release.wait()
        assert fastloss.mse(y, p) == 2.5
    th.join()
    assert seen["other"] == "compiled"
    assert fastloss.backend() == "compiled"


def test_use_backend_routes_calls(monkeypatch):
    import fastloss.reference as ref

    calls = []
    orig = ref._compute  # (what the reference's entry runs)

    def spy(*a, **k):
        calls.append(a[0].name)
        return orig(*a, **k)

    monkeypatch.setattr(ref, "_compute", spy)
    fastloss.mse([1.0], [2.0])
    assert calls == []
    with fastloss.use_backend("numpy"):
        assert fastloss.mae([1.0], [3.0]) == 2.0
        assert fastloss.huber_grad([1.0], [3.0]).tolist() == [1.0]
    assert calls == ["mae", "huber"]
    with pytest.raises(ValueError, match="backend"):
        with fastloss.use_backend("torch"):
            pass


@pytest.mark.parametrize("name", ["sparse_categorical_cross_entropy", "softmax_cross_entropy",
                                  "multiclass_hinge"])
def test_bad_label_reported_the_same_under_any_n_threads(name):
    rng = np.random.default_rng(14)
    n, k = 400_000, 10
    p = rng.random((n, k))
    labels = rng.integers(0, k, n)
    labels[-1] = 2**62  # the last element of a large input
    for t in (1, 2, 3, 8):
        with pytest.raises(ValueError, match=rf"y_true\[{n - 1}\] = {2**62}"):
            getattr(fastloss, name)(labels, p, n_threads=t)
    labels[n // 2 + 7] = -1  # now a smaller bad position too
    for t in (1, 2, 3, 8):
        with pytest.raises(ValueError, match=rf"y_true\[{n // 2 + 7}\] = -1"):
            getattr(fastloss, name + "_grad")(labels, p, n_threads=t)


def _auto(name, n):
    return fastloss._ext.auto_threads(fastloss._dispatch.handle(name), n)


def test_automatic_threads_keep_a_minimum_of_work_per_thread():
    two = min(2, fastloss.info()["threads"])
    assert _auto("softmax_cross_entropy", 10) == 1
    assert _auto("mse", 100_000) == 1  # 64K elements per thread at least
    assert _auto("mse", 140_000) == two
    assert _auto("binary_cross_entropy_with_logits", 10**7) == two


def test_automatic_threads_respect_threadpoolctl():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    two = min(2, fastloss.info()["threads"])
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "fastloss"]
    assert len(info) == 1 and info[0]["num_threads"] == fastloss.info()["threads"], info
    with threadpoolctl.threadpool_limits(limits=1):
        assert _auto("binary_cross_entropy_with_logits", 10**7) == 1
    with threadpoolctl.threadpool_limits(limits=1, user_api="fastloss"):
        assert _auto("binary_cross_entropy_with_logits", 10**7) == 1
    assert _auto("binary_cross_entropy_with_logits", 10**7) == two


def test_automatic_threads_respect_omp_num_threads():
    from helpers import run_python

    code = ("import fastloss;"
            "k = fastloss._dispatch.handle('softmax_cross_entropy');"
            "print(fastloss._ext.auto_threads(k, 10**8))")
    assert run_python("-c", code, env={"OMP_NUM_THREADS": "1"}).stdout.strip() == "1"


def _stress_calls():
    """Every public function of every loss, over shared read-only inputs large
    enough for the kernels to release the GIL, in a few reductions/weights."""
    calls = []
    for loss in LOSSES:
        rows = (60_000,) if loss.kind == "elementwise" else (6_000,)
        y, p = inputs(loss, rows=rows, k=10, seed=21)
        w = np.random.default_rng(22).random(rows)
        for a in (y, p, w):
            a.flags.writeable = False
        for suffix in ("", "_grad", "_value_and_grad"):
            for kw in ({}, {"reduction": "none"}, {"sample_weight": w, "reduction": "sum"}):
                calls.append((loss.name + suffix, y, p, kw))
    return calls


def _identical(a, b):
    if isinstance(a, tuple):
        return all(_identical(x, z) for x, z in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    return type(a) is type(b) and a == b


def test_16_python_threads_mixing_backends_match_single_threaded_bitwise():
    calls = _stress_calls()
    expect = {}
    for backend in ("compiled", "numpy"):
        with fastloss.use_backend(backend):
            for i, (name, y, p, kw) in enumerate(calls):
                expect[backend, i] = getattr(fastloss, name)(y, p, **kw)
    n_threads, rounds = 16, 4
    done, bad, errors = [0] * n_threads, [], []
    start = threading.Barrier(n_threads)

    def worker(t):
        rng = np.random.default_rng(t)
        try:
            start.wait()
            for r in range(rounds):
                for i in rng.permutation(len(calls)):
                    name, y, p, kw = calls[i]
                    # threads 0-3: the NumPy twin throughout; 4-7: switch per call;
                    # the rest: compiled, with 1, 2 or 3 kernel threads
                    numpy = t < 4 or (t < 8 and (i + r) % 2 == 0)
                    if numpy:
                        with fastloss.use_backend("numpy"):
                            got = getattr(fastloss, name)(y, p, **kw)
                    else:
                        got = getattr(fastloss, name)(y, p, n_threads=1 + (t + i) % 3, **kw)
                    if fastloss.backend() != "compiled":
                        bad.append((t, "backend leaked out of use_backend"))
                    if not _identical(got, expect["numpy" if numpy else "compiled", i]):
                        bad.append((t, name, kw.keys()))
                    done[t] += 1
        except Exception as e:  # noqa: BLE001
            errors.append((t, repr(e)))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    assert not any(th.is_alive() for th in threads), "a thread hung"
    assert not errors, errors[:5]
    assert not bad, bad[:5]
    assert sum(done) == n_threads * rounds * len(calls)
