"""fastloss.Mean: batches accumulate to the one-shot result; failed batches
leave the state alone; merge, +, pickle (also across processes), threads."""
import pickle
import threading

import numpy as np
import pytest

import fastloss
from helpers import LOSSES, inputs, run_python


def _batches(loss, dtype, weighted, seed):
    rng = np.random.default_rng(seed)
    n = 3000
    y, p = inputs(loss, rows=(n,), k=6, dtype=dtype, seed=seed)
    w = rng.random(n).astype(dtype) * 3 if weighted else None
    cuts = np.sort(rng.choice(np.arange(1, n), size=9, replace=False))
    return y, p, w, np.split(np.arange(n), cuts)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_batches_equal_the_one_shot_call(loss, dtype, weighted):
    y, p, w, parts = _batches(loss, dtype, weighted, seed=1)
    opts = {o.name: o.default for o in loss.options if o.default is not None}
    m = fastloss.Mean(loss.name, **opts)
    for idx in parts:
        m.update(y[idx], p[idx], None if w is None else w[idx])
    one = getattr(fastloss, loss.name)(y, p, sample_weight=w, **opts)
    assert m.result() == pytest.approx(one, rel=1e-14, abs=0)
    assert m.count == len(y) and type(m.count) is int
    assert m.sum_weight == pytest.approx(len(y) if w is None else float(np.sum(w, dtype=np.float64)),
                                         rel=1e-15)


def test_a_failed_batch_leaves_the_state_unchanged():
    m = fastloss.Mean("sparse_categorical_cross_entropy")
    p = np.full((4, 3), 1 / 3)
    m.update(np.array([0, 1, 2, 0]), p)
    before = pickle.dumps(m)
    for bad in (dict(y_true=np.array([0, 1, 3, 0]), y_pred=p),            # label out of range
                dict(y_true=np.array([0, 1]), y_pred=p),                  # shape
                dict(y_true=np.array([0, 1, 2, 0]), y_pred=p, sample_weight=np.ones(3)),
                dict(y_true=["a"] * 4, y_pred=p)):
        with pytest.raises((ValueError, TypeError)):
            m.update(**bad)
        assert pickle.dumps(m) == before
    assert m.result() == pytest.approx(np.log(3))


def test_merge_add_reset_and_mismatch():
    rng = np.random.default_rng(2)
    y, p = rng.standard_normal((2, 1000))
    a, b = fastloss.Mean("huber", delta=0.5), fastloss.Mean("huber", delta=0.5)
    a.update(y[:300], p[:300])
    b.update(y[300:], p[300:])
    c = a + b
    assert c.result() == pytest.approx(fastloss.huber(y, p, delta=0.5), rel=1e-14)
    assert a.count == 300 and c.count == 1000  # + makes a new accumulator
    a.merge(b)
    assert a.result() == c.result()
    with pytest.raises(ValueError, match="cannot merge"):
        a.merge(fastloss.Mean("huber", delta=1.0))
    with pytest.raises(ValueError, match="cannot merge"):
        a.merge(fastloss.Mean("mse"))
    a.reset()
    assert a.count == 0
    with pytest.raises(ValueError, match="no data"):
        a.result()


def test_bad_construction():
    with pytest.raises(ValueError, match="unknown loss"):
        fastloss.Mean("nope")
    with pytest.raises(TypeError, match="no option"):
        fastloss.Mean("mse", delta=1.0)
    with pytest.raises(ValueError, match="delta"):
        fastloss.Mean("huber", delta=-1.0)


def test_pickled_and_merged_in_another_process(tmp_path):
    rng = np.random.default_rng(3)
    y = (rng.random(5000) < 0.4).astype(float)
    z = rng.standard_normal(5000) * 3
    w = rng.random(5000)
    a = fastloss.Mean("binary_cross_entropy_with_logits", pos_weight=2.0)
    a.update(y[:2000], z[:2000], w[:2000])
    np.savez(tmp_path / "rest.npz", y=y[2000:], z=z[2000:], w=w[2000:])
    (tmp_path / "a.pkl").write_bytes(pickle.dumps(a))
    code = f"""
import pickle, numpy as np, fastloss
a = pickle.loads(open({str(tmp_path / 'a.pkl')!r}, 'rb').read())
d = np.load({str(tmp_path / 'rest.npz')!r})
b = fastloss.Mean("binary_cross_entropy_with_logits", pos_weight=2.0).update(d["y"], d["z"], d["w"])
open({str(tmp_path / 'c.pkl')!r}, 'wb').write(pickle.dumps(a + b))
"""
    r = run_python("-c", code)
    assert r.returncode == 0, r.stderr
    c = pickle.loads((tmp_path / "c.pkl").read_bytes())
    one = fastloss.binary_cross_entropy_with_logits(y, z, pos_weight=2.0, sample_weight=w)
    assert c.result() == pytest.approx(one, rel=1e-14) and c.count == 5000


def test_updates_from_several_threads():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 10, 400_000)
    z = rng.standard_normal((400_000, 10))
    m = fastloss.Mean("softmax_cross_entropy", label_smoothing=0.1)
    chunks = np.array_split(np.arange(400_000), 40)

    def work(ix):
        for i in ix:
            m.update(y[chunks[i]], z[chunks[i]])

    ts = [threading.Thread(target=work, args=(range(t, 40, 4),)) for t in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    one = fastloss.softmax_cross_entropy(y, z, label_smoothing=0.1)
    assert m.count == 400_000
    assert m.result() == pytest.approx(one, rel=1e-14)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_do_not_depend_on_batch_boundaries(loss, dtype):
    # every element goes through the same vector code wherever a block, chunk
    # or batch boundary falls: the per-sample losses and gradients of any
    # slice are bitwise those of the whole call
    y, p = inputs(loss, rows=(5000,), k=7, dtype=dtype, seed=5)
    full = getattr(fastloss, loss.name + "_value_and_grad")(y, p, reduction="none")
    rng = np.random.default_rng(6)
    for _ in range(20):
        a = int(rng.integers(0, 4990))
        b = int(rng.integers(a + 1, min(5000, a + 700) + 1))
        part = getattr(fastloss, loss.name + "_value_and_grad")(y[a:b], p[a:b], reduction="none")
        np.testing.assert_array_equal(part[0], full[0][a:b])
        np.testing.assert_array_equal(part[1], full[1][a:b])


def test_infinite_and_nan_losses_accumulate_as_ieee_says():
    m = fastloss.Mean("mae").update([0.0, 1.0], [np.inf, 1.0]).update([1.0], [2.0])
    assert m.result() == np.inf == fastloss.mae([0.0, 1.0, 1.0], [np.inf, 1.0, 2.0])
    m = fastloss.Mean("mse").update([0.0], [np.nan]).update([1.0], [2.0])
    assert np.isnan(m.result())


@pytest.mark.parametrize("backend", ["compiled", "numpy"])
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
def test_one_weighted_batch_is_the_one_shot_mean(loss, backend):
    """Σ w comes from the loss's own pass (no second pass over the weights):
    one batch gives exactly the one-shot weighted mean of the same backend."""
    if backend == "compiled" and fastloss._ext is None:
        pytest.skip("compiled backend not built")
    rng = np.random.default_rng(3)
    y, p = inputs(loss, rows=(5000,), k=4, seed=3)
    w = rng.random(5000) * 2
    w[::5] = 0
    f = getattr(fastloss, loss.name)
    with fastloss.use_backend(backend):
        m = fastloss.Mean(loss.name).update(y, p, w)
        assert m.result() == f(y, p, sample_weight=w)
        assert m.sum == f(y, p, sample_weight=w, reduction="sum")
        assert m.count == 5000
        # integer weights and a list: converted as the loss converts them
        wi = (w * 10).astype(np.int32)
        m2 = fastloss.Mean(loss.name).update(y, p, wi.tolist())
        assert m2.result() == f(y, p, sample_weight=wi)
        with pytest.raises(ValueError, match="sample_weight"):
            m2.update(y, p, w[:-1])
        assert m2.result() == f(y, p, sample_weight=wi)
