"""class_weight= and ignore_index= of the integer-label losses: what an
ignored row and a class weight do to the value, the "mean" denominator, the
gradient and the Hessian, on both backends and both compiled paths (the
contiguous fast path and the strided general one), with their errors.
(Parity with torch's weight= / ignore_index=: tests/test_external.py.)"""
import numpy as np
import pytest

import fastloss
from fastloss import ZeroWeightError, reference
from fastloss._losses import LOSSES
from fastloss._testing import sample
from helpers import run_python

WEIGHTED = [loss for loss in LOSSES if loss.class_weights]
BACKENDS = [fastloss, reference]
IDS = ["compiled", "reference"]
SUFFIXES = ("", "_grad", "_value_and_grad", "_grad_hess")


def _case(loss, n=700, k=5, seed=0, ignore=-100, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y, p = sample(loss, rng, (n,), k, dtype, targets="labels", options={"ignore_index": ignore})
    cw = rng.uniform(0.1, 3.0, k)
    cw[1] = 0.0
    return y, p, cw, rng.uniform(0.1, 2.0, n)


def test_the_table_says_how_each_loss_weighs_classes():
    assert {loss.name: loss.class_weights for loss in WEIGHTED} == {
        "sparse_categorical_cross_entropy": "label", "softmax_cross_entropy": "classes",
        "nll_loss": "label", "multi_margin": "label_rows", "multiclass_hinge": "label"}
    for loss in WEIGHTED:
        assert [o.name for o in loss.options][-2:] == ["class_weight", "ignore_index"]
        assert "class_weight" in getattr(fastloss, loss.name).__doc__


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
def test_ignored_rows_are_left_out(mod, loss):
    """Ignored rows contribute exactly what leaving them out contributes,
    whatever their predictions (NaN, inf) and sample weights (inf); their
    "none" values, gradient rows and Hessian rows are 0."""
    y, p, cw, w = _case(loss, ignore=-100)
    ign = y == -100
    assert 100 < ign.sum() < 300
    p = p.copy()
    p[np.flatnonzero(ign)[:5]] = np.nan
    p[np.flatnonzero(ign)[5:10], 0] = np.inf
    w = w.copy()
    w[np.flatnonzero(ign)[10]] = np.inf
    f = getattr(mod, loss.name)
    for kw in ({}, {"class_weight": cw}):
        for red in ("mean", "sum"):
            got = f(y, p, ignore_index=-100, sample_weight=w, reduction=red, **kw)
            want = f(y[~ign], p[~ign], sample_weight=w[~ign], reduction=red, **kw)
            assert got == pytest.approx(want, rel=1e-13), (kw, red)
        none = f(y, p, ignore_index=-100, sample_weight=w, reduction="none", **kw)
        assert (none[ign] == 0).all() and np.isfinite(none).all()
        np.testing.assert_allclose(none[~ign], f(y[~ign], p[~ign], sample_weight=w[~ign],
                                                 reduction="none", **kw), rtol=1e-14)
        for red in ("mean", "sum", "none"):
            g, h = getattr(mod, loss.name + "_grad_hess")(y, p, ignore_index=-100, sample_weight=w,
                                                          reduction=red, **kw)
            assert (g[ign] == 0).all() and (h[ign] == 0).all()
            g2, h2 = getattr(mod, loss.name + "_grad_hess")(y[~ign], p[~ign], sample_weight=w[~ign],
                                                            reduction=red, **kw)
            np.testing.assert_allclose(g[~ign], g2, rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(h[~ign], h2, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
def test_class_weights_scale_rows_and_the_mean_divides_as_documented(mod, loss):
    y, p, cw, w = _case(loss, ignore=None)
    f = getattr(mod, loss.name)
    rows = f(y, p, reduction="none")
    weighted = f(y, p, class_weight=cw, reduction="none")
    if loss.class_weights != "classes":  # each row times its label's weight
        np.testing.assert_allclose(weighted, cw[y] * rows, rtol=1e-14)
        g = getattr(mod, loss.name + "_grad")(y, p, reduction="none")
        gw = getattr(mod, loss.name + "_grad")(y, p, class_weight=cw, reduction="none")
        np.testing.assert_allclose(gw, cw[y][:, None] * g, rtol=1e-14)
    else:  # without smoothing, labels: the same
        np.testing.assert_allclose(weighted, cw[y] * rows, rtol=1e-13)
    den = np.sum(w * cw[y]) if loss.class_weights != "label_rows" else np.sum(w)
    got = f(y, p, class_weight=cw, sample_weight=w)
    assert got == pytest.approx(np.sum(w * weighted) / den, rel=1e-13)
    g = getattr(mod, loss.name + "_grad")(y, p, class_weight=cw, sample_weight=w)
    gs = getattr(mod, loss.name + "_grad")(y, p, class_weight=cw, sample_weight=w, reduction="sum")
    np.testing.assert_allclose(g, gs / den, rtol=1e-13)
    ones = f(y, p, class_weight=np.ones(p.shape[1]), sample_weight=w)
    assert ones == pytest.approx(f(y, p, sample_weight=w), rel=1e-14)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_softmax_class_weights_with_smoothing_and_probability_targets(mod):
    """torch's forms: labels (1 - ls) c_y (-log p_y) + ls/k sum_j c_j (-log p_j),
    divided by sum(w c_y); probabilities -sum_j c_j t'_j log p_j, by sum(w)."""
    rng = np.random.default_rng(4)
    n, k = 300, 4
    z = rng.standard_normal((n, k)) * 2
    lab = rng.integers(0, k, n)
    t = rng.dirichlet(np.ones(k), n)
    cw = np.array([0.5, 2.0, 0.0, 1.5])
    w = rng.random(n)
    logp = z - z.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    ls = 0.3
    rows = (1 - ls) * cw[lab] * -logp[np.arange(n), lab] + ls / k * (cw * -logp).sum(1)
    got = mod.softmax_cross_entropy(lab, z, class_weight=cw, label_smoothing=ls, sample_weight=w)
    assert got == pytest.approx(np.sum(w * rows) / np.sum(w * cw[lab]), rel=1e-13)
    tt = (1 - ls) * t + ls / k
    rows = -(cw * tt * logp).sum(1)
    got = mod.softmax_cross_entropy(t, z, class_weight=cw, label_smoothing=ls, sample_weight=w)
    assert got == pytest.approx(np.sum(w * rows) / np.sum(w), rel=1e-13)
    g, h = mod.softmax_cross_entropy_grad_hess(t, z, class_weight=cw, label_smoothing=ls,
                                               reduction="none")
    sm = np.exp(logp)
    np.testing.assert_allclose(g, sm * (cw * tt).sum(1, keepdims=True) - cw * tt, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(h, (cw * tt).sum(1, keepdims=True) * sm * (1 - sm), rtol=1e-12)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
def test_nothing_to_average_is_the_zero_weight_error(mod, loss):
    y, p, cw, w = _case(loss, n=50, ignore=None)
    everything = np.full(50, 7)
    for fn in (getattr(mod, loss.name + s) for s in SUFFIXES):
        with pytest.raises(ZeroWeightError, match="ignore"):
            fn(everything, p, ignore_index=7)
        with pytest.raises(ZeroWeightError, match="ignore"):
            fn(everything, p, ignore_index=7, sample_weight=w)
        if loss.class_weights != "label_rows":  # mean by the class weights: all zero here
            with pytest.raises(ZeroWeightError):
                fn(y, p, class_weight=np.zeros(p.shape[1]))
    assert getattr(mod, loss.name)(everything, p, ignore_index=7, reduction="sum") == 0.0
    g = getattr(mod, loss.name + "_grad")(everything, p, ignore_index=7, reduction="sum")
    assert (g == 0).all()


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
def test_ignored_labels_are_not_invalid_and_others_still_are(mod, loss):
    y, p, cw, w = _case(loss, n=40, ignore=-100)
    f = getattr(mod, loss.name)
    with pytest.raises(ValueError, match=r"label outside \[0, 5\).*y_true\[\d+\] = -100"):
        f(y, p)  # -100 is an invalid label unless it is ignored
    bad = y.copy()
    bad[31] = 5
    with pytest.raises(ValueError, match=r"y_true\[31\] = 5"):
        f(bad, p, ignore_index=-100)
    # an ignored label inside [0, k) skips that class's rows
    y = np.where(y == -100, 0, y)
    assert f(y, p, ignore_index=2, reduction="sum") == pytest.approx(
        f(np.where(y != 2, y, -100), p, ignore_index=-100, reduction="sum"), rel=1e-14)
    # a uint64 label beyond int64 is not the ignored label -1
    u = np.where(y == -100, 0, y).astype(np.uint64)
    u[3] = np.iinfo(np.uint64).max
    with pytest.raises(ValueError, match=r"y_true\[3\]"):
        f(u, p, ignore_index=-1)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_an_ignored_rows_probability_is_not_checked(mod):
    p = np.array([[0.5, 0.5], [2.0, -1.0], [0.3, 0.7]])
    got = mod.sparse_categorical_cross_entropy(np.array([0, 5, 1]), p, ignore_index=5)
    assert got == pytest.approx((-np.log(0.5) - np.log(0.7)) / 2, rel=1e-15)
    with pytest.raises(ValueError, match=r"y_prob\[\(1, 0\)\] = 2.0"):
        mod.sparse_categorical_cross_entropy(np.array([0, 0, 1]), p, ignore_index=5)


@pytest.mark.parametrize("mod", BACKENDS, ids=IDS)
def test_option_errors_name_the_option(mod):
    y, p = np.array([0, 1, 2]), np.random.default_rng(0).standard_normal((3, 3))
    with pytest.raises(ValueError, match=r"class_weight must have one entry per class \(3"):
        mod.softmax_cross_entropy(y, p, class_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"class_weight must have every entry .*\[1\] = -1"):
        mod.nll_loss(y, p, class_weight=[1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="class_weight holds a weight beyond float32"):
        mod.multi_margin(y, p.astype(np.float32), class_weight=[1.0, 1e300, 1.0])
    with pytest.raises(TypeError, match="ignore_index must be None or an integer"):
        mod.nll_loss(y, p, ignore_index=1.0)
    with pytest.raises(ValueError, match="ignore_index applies to integer labels"):
        mod.softmax_cross_entropy(np.eye(3), p, ignore_index=0)
    # numpy integers are integers
    assert mod.nll_loss(y, p, ignore_index=np.int64(1), reduction="sum") == pytest.approx(
        -(p[0, 0] + p[2, 2]))


@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_paths_and_thread_counts_give_the_same_bits(loss, dtype):
    """The fast path (contiguous, ignore_index only), the general path
    (strided, class weights, weights) and 1 or 2 threads: the same bits."""
    y, p, cw, w = _case(loss, n=70_000, k=6, dtype=dtype, ignore=3)
    strided = np.repeat(p, 2, axis=1)[:, ::2]
    for kw in ({"ignore_index": 3}, {"ignore_index": 3, "class_weight": cw},
               {"class_weight": cw, "sample_weight": w}):
        for s in SUFFIXES:
            f = getattr(fastloss, loss.name + s)
            a = f(y, p, n_threads=1, **kw)
            a = a if isinstance(a, tuple) else (a,)
            for other in (f(y, p, n_threads=2, **kw), f(y, strided, n_threads=2, **kw)):
                for u, v in zip(a, other if isinstance(other, tuple) else (other,)):
                    np.testing.assert_array_equal(u, v)
            r = getattr(reference, loss.name + s)(y, p, **kw)
            tol = 1e-12 if dtype == np.float64 else 2e-5
            for u, v in zip(a, r if isinstance(r, tuple) else (r,)):
                np.testing.assert_allclose(u, v, rtol=tol, atol=tol * np.max(np.abs(v)))


@pytest.mark.parametrize("loss", WEIGHTED, ids=lambda l: l.name)
def test_mean_and_dask_divide_as_the_call_does(loss):
    y, p, cw, w = _case(loss, n=5_000, ignore=-100)
    kw = {"class_weight": cw, "ignore_index": -100}
    want = getattr(fastloss, loss.name)(y, p, sample_weight=w, **kw)
    m = fastloss.Mean(loss.name, **kw)
    for i in range(0, 5_000, 1_300):
        m.update(y[i:i + 1_300], p[i:i + 1_300], w[i:i + 1_300])
    assert m.result() == pytest.approx(want, rel=1e-13)
    with pytest.raises(ZeroWeightError):
        fastloss.Mean(loss.name, ignore_index=0).update(np.zeros(3, int), p[:3]).result()
    da = pytest.importorskip("dask.array")
    import fastloss.dask as fd
    got = getattr(fd, loss.name)(da.from_array(y, chunks=1_700), da.from_array(p, chunks=(1_100, -1)),
                                 sample_weight=da.from_array(w, chunks=900), **kw).compute()
    assert got == pytest.approx(want, rel=1e-13)


def test_command_line_takes_class_weights_and_the_ignored_label(tmp_path):
    rng = np.random.default_rng(2)
    lab = rng.integers(0, 3, 2_000)
    lab[::5] = -1
    z = rng.standard_normal((2_000, 3))
    np.save(tmp_path / "lab.npy", lab)
    np.save(tmp_path / "z.npy", z)
    r = run_python("-m", "fastloss", "score", "softmax_cross_entropy", "--class-weight",
                   "0.5,2,1", "--ignore-index", "-1", "--y-true", str(tmp_path / "lab.npy"),
                   "--y-pred", str(tmp_path / "z.npy"))
    assert r.returncode == 0, r.stderr
    want = fastloss.softmax_cross_entropy(lab, z, class_weight=[0.5, 2, 1], ignore_index=-1)
    assert float(r.stdout) == pytest.approx(want, rel=1e-14)
    r = run_python("-m", "fastloss", "score", "softmax_cross_entropy", "--class-weight", "1,1",
                   "--y-true", str(tmp_path / "lab.npy"), "--y-pred", str(tmp_path / "z.npy"))
    assert r.returncode == 2 and "class_weight" in r.stderr
