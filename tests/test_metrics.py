"""fastloss.metrics against scikit-learn over generated inputs: the same
number (1e-12 relative in float64), the same warnings, the same exception types."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastloss
from fastloss import metrics as fm

# fastloss.metrics has scikit-learn 1.9's semantics (weights summing to zero,
# log_loss checks, signatures); scikit-learn 1.9 needs Python >= 3.11
pytest.importorskip("sklearn", minversion="1.9")
skm = pytest.importorskip("sklearn.metrics")


def _run(fn, *args, **kw):
    """('ok', value, warning categories) or ('err', exception type)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            v = fn(*args, **kw)
        except Exception as e:  # noqa: BLE001
            return ("err", type(e), str(e))
    cats = sorted({w.category.__name__ for w in rec if not issubclass(w.category, RuntimeWarning)})
    return ("ok", v, cats)


def _exc_compatible(ours, theirs):
    # scikit-learn's InvalidParameterError is both a ValueError and a TypeError:
    # so is fastloss.metrics' own
    if theirs.__name__ == "InvalidParameterError":
        return ours is fm.InvalidParameterError
    return issubclass(theirs, ours) or issubclass(ours, theirs)


def _cancellation_atol(kw, rtol, max_term, normalize=True):
    """Absolute tolerance for a weighted mean whose signed weights cancel.

    Each library rounds every sample's term (at most ``max_term``) with relative
    error about ``rtol``; in the weighted sum those errors add up to
    ``rtol * sum|w| * max_term``, divided by ``|sum w|`` when the sum is averaged.
    With non-negative weights nothing cancels and ``rtol`` alone is the bound.
    """
    w = kw.get("sample_weight")
    if w is None or not (np.asarray(w) < 0).any() or np.sum(w) == 0:
        return 0.0
    with np.errstate(all="ignore"):
        atol = rtol * np.abs(w).sum() * max_term / (abs(np.sum(w)) if normalize else 1.0)
    return float(atol) if np.isfinite(atol) else 0.0


def _same(name, args, kw, rtol, sk_args=None, atol=0.0):
    got = _run(getattr(fm, name), *args, **kw)
    exp = _run(getattr(skm, name), *(sk_args or args), **kw)
    assert got[0] == exp[0], (got, exp)
    if exp[0] == "err":
        assert _exc_compatible(got[1], exp[1]), (got, exp)
        return exp
    g, e = got[1], exp[1]
    assert type(g) is type(e) or (isinstance(e, float) and type(g) is float), (g, e)
    np.testing.assert_allclose(np.asarray(g, np.float64), np.asarray(e, np.float64),
                               rtol=rtol, atol=atol)
    assert got[2] == exp[2], (got[2], exp[2])
    return exp


@st.composite
def regression_case(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([1, 2, 7, 100, 1025, 5000]))
    m = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (n,) if m is None else (n, m)
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "int64"]))
    yt = rng.standard_normal(shape) * 10
    yp = yt + rng.standard_normal(shape)
    if dtype == "int64":
        yt, yp = yt.round().astype(np.int64), yp.round().astype(np.int64)
    else:
        yt, yp = yt.astype(dtype), yp.astype(dtype)
    kw = {}
    wk = draw(st.sampled_from([None, "pos", "zeros", "neg", "allzero", "short"]))
    if wk == "pos":
        kw["sample_weight"] = rng.random(n)
    elif wk == "zeros":
        kw["sample_weight"] = rng.choice([0.0, 1.0, 2.5], n)
    elif wk == "neg":
        kw["sample_weight"] = rng.choice([-1.0, 1.0, 2.0], n)
    elif wk == "allzero":
        kw["sample_weight"] = np.zeros(n)
    elif wk == "short":
        kw["sample_weight"] = np.ones(n + 1)
    mo = draw(st.sampled_from(["uniform_average", "raw_values", "weights", "badweights", "bad"]))
    if mo == "weights":
        kw["multioutput"] = rng.random(m or 1) + 0.1
    elif mo == "badweights":
        kw["multioutput"] = rng.random((m or 1) + 1)
    elif mo == "bad":
        kw["multioutput"] = "variance_weighted"
    else:
        kw["multioutput"] = mo
    bad = draw(st.sampled_from([None] * 6 + ["nan_pred", "inf_true", "mismatch", "3d"]))
    if bad == "nan_pred" and yp.dtype.kind == "f":
        yp = yp.copy()
        yp.reshape(-1)[-1] = np.nan
    elif bad == "inf_true" and yt.dtype.kind == "f":
        yt = yt.copy()
        yt.reshape(-1)[0] = np.inf
    elif bad == "mismatch":
        yp = yp[:-1] if n > 1 else np.concatenate([yp, yp])
    elif bad == "3d":
        yt, yp = yt.reshape(shape + (1,)), yp.reshape(shape + (1,))
    return yt, yp, kw


# each metric: the terms its tolerance scales with (from float64 inputs)
_TERMS = {
    "mean_squared_error": lambda yt, yp: (yt - yp) ** 2,
    "root_mean_squared_error": lambda yt, yp: (yt - yp) ** 2,
    "mean_absolute_error": lambda yt, yp: np.abs(yt - yp),
    "mean_pinball_loss": lambda yt, yp: np.abs(yt - yp),
    "mean_absolute_percentage_error": lambda yt, yp: np.abs(yt - yp) / np.maximum(
        np.abs(yt), np.finfo(np.float64).eps),
    "mean_squared_log_error": lambda yt, yp: (np.log1p(yp) - np.log1p(yt)) ** 2,
    "root_mean_squared_log_error": lambda yt, yp: (np.log1p(yp) - np.log1p(yt)) ** 2,
}


@pytest.mark.parametrize("name", list(_TERMS))
@given(case=regression_case(), data=st.data())
def test_regression_metrics_match_sklearn(name, case, data):
    yt, yp, kw = case
    if "log" in name and data.draw(st.booleans()):  # mostly valid inputs (> -1)
        yt, yp = np.abs(yt), np.abs(yp)
    if name == "mean_pinball_loss":
        kw = dict(kw, alpha=data.draw(st.sampled_from([0.5, 0.1, 0.9, 0.0, 1.0, 1.5, -0.1])))
    rtol = 1e-6 if yt.dtype == np.float32 else 1e-12
    if "log" in name and yt.dtype == np.float32:
        rtol = 2e-5  # float32 logs, then their difference (each relative to the log)
    atol = 0.0
    if yt.shape == yp.shape and yt.size:
        with np.errstate(all="ignore"):
            r = _TERMS[name](yt.astype(np.float64), yp.astype(np.float64))
        r = r[np.isfinite(r)]
        atol = _cancellation_atol(kw, rtol, float(np.max(r)) if r.size else 0.0)
        if "log" in name and r.size:
            # (log1p a - log1p b)**2 of close values: each library rounds each
            # log1p relative to the log itself, not to the difference
            with np.errstate(all="ignore"):
                logs = np.abs(np.log1p(np.abs(np.concatenate([yt.ravel(), yp.ravel()]))
                                       .astype(np.float64)))
            atol = max(atol, 4 * rtol * float(np.max(logs)) * float(np.sqrt(np.max(r))))
        if name.startswith("root"):
            atol = np.sqrt(atol)  # |sqrt(a) - sqrt(b)| <= sqrt(|a - b|)
    if yt.dtype == np.float32:
        # scikit-learn sums float32 columns in float32 (not pairwise): compare
        # with its float64 result, which fastloss's float64 sums approach
        _same(name, (yt, yp), kw, rtol, atol=atol,
              sk_args=(yt.astype(np.float64), yp.astype(np.float64)))
    else:
        _same(name, (yt, yp), kw, rtol, atol=atol)


@st.composite
def classification_case(draw, multiclass_ok=True):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.sampled_from([1, 2, 5, 100, 2000]))
    k = draw(st.sampled_from([2, 2, 3, 5] if multiclass_ok else [2]))
    kind = draw(st.sampled_from(["int", "str", "float", "bool", "neg"]))
    pool = {"int": np.arange(k) * 3 + 1, "str": np.array([f"c{j}" for j in range(k)]),
            "float": np.arange(k) * 2.0, "bool": np.array([False, True]),
            "neg": np.arange(k) - k}[kind]
    k = len(pool)
    y = pool[rng.integers(0, k, n)]
    return rng, n, k, pool, y


@given(case=classification_case(), data=st.data())
def test_log_loss_matches_sklearn(case, data):
    rng, n, k, pool, y = case
    form = data.draw(st.sampled_from(["2d", "1d", "unnormalized", "onehot", "labels",
                                      "labels_unsorted", "missing_label", "oneclass", "bad"]))
    dtype = data.draw(st.sampled_from(["float64", "float64", "float32"]))
    p = rng.dirichlet(np.ones(k), n).astype(dtype)
    p[rng.random(n) < 0.1] = np.eye(k, dtype=dtype)[0]  # exact 0 and 1 probabilities
    kw = {}
    args = (y, p)
    if form == "1d" and k == 2:
        args = (y, p[:, 1].copy())
    elif form == "unnormalized":
        args = (y, p * 1.5 if data.draw(st.booleans()) else p / 1.5)
    elif form == "onehot":
        args = (np.eye(k)[rng.integers(0, k, n)].astype(int), p)
    elif form == "labels":
        kw["labels"] = pool
    elif form == "labels_unsorted":
        kw["labels"] = pool[::-1]
    elif form == "missing_label":
        kw["labels"] = pool[:-1]
    elif form == "oneclass":
        args = (np.full(n, pool[0]), p[:, :2] if k > 2 else p)
    elif form == "bad":
        q = p.copy()
        q.reshape(-1)[0] = data.draw(st.sampled_from([np.nan, 1.5, -0.1, np.inf]))
        args = (y, q)
    kw["normalize"] = data.draw(st.booleans())
    _probability_weights(rng, n, data, kw)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    # a sample's loss is at most -log(eps) once its probability is clipped to eps
    atol = _cancellation_atol(kw, rtol, -np.log(np.finfo(dtype).eps), kw["normalize"])
    _same("log_loss", args, kw, rtol=rtol, atol=atol)


def _probability_weights(rng, n, data, kw):
    wk = data.draw(st.sampled_from([None, "pos", "zeros", "neg", "allzero"]))
    if wk == "pos":
        kw["sample_weight"] = rng.random(n)
    elif wk == "zeros":
        kw["sample_weight"] = rng.choice([0.0, 1.0, 3.0], n)
    elif wk == "neg":
        kw["sample_weight"] = rng.choice([-1.0, 1.0, 2.0], n)
    elif wk == "allzero":
        kw["sample_weight"] = np.zeros(n)


@given(case=classification_case(), data=st.data())
def test_brier_score_loss_matches_sklearn(case, data):
    rng, n, k, pool, y = case
    form = data.draw(st.sampled_from(["2d", "1d", "col", "pos_label", "pos_label_absent",
                                      "unnormalized", "onehot", "labels", "labels_unsorted",
                                      "missing_label", "oneclass", "bad", "strided"]))
    dtype = data.draw(st.sampled_from(["float64", "float64", "float32"]))
    p = rng.dirichlet(np.ones(k), n).astype(dtype)
    p[rng.random(n) < 0.1] = np.eye(k, dtype=dtype)[0]  # exact 0 and 1 probabilities
    kw = {}
    args = (y, p)
    if form in ("1d", "col", "pos_label", "pos_label_absent"):
        q = p[:, -1].copy()  # binary y_true only when k == 2 (else scikit-learn's error)
        args = (y, q[:, None] if form == "col" else q)
        if form == "pos_label":
            kw["pos_label"] = pool[data.draw(st.integers(0, k - 1))].item()
        elif form == "pos_label_absent":
            kw["pos_label"] = "zz" if pool.dtype.kind == "U" else 17
    elif form == "unnormalized":
        args = (y, p * 1.5 if data.draw(st.booleans()) else p / 1.5)
    elif form == "onehot":
        args = (np.eye(k)[rng.integers(0, k, n)].astype(int), p)
    elif form == "labels":
        kw["labels"] = pool
    elif form == "labels_unsorted":
        kw["labels"] = pool[::-1]
    elif form == "missing_label":
        kw["labels"] = pool[:-1]
    elif form == "oneclass":
        args = (np.full(n, pool[0]), p[:, :2] if k > 2 else p)
    elif form == "bad":
        q = p.copy()
        q.reshape(-1)[0] = data.draw(st.sampled_from([np.nan, 1.5, -0.1, np.inf]))
        args = (y, q)
    elif form == "strided":  # columns of a wider array: non-contiguous rows
        wide = np.zeros((n, 2 * k), dtype)
        wide[:, ::2] = p
        args = (y, wide[:, ::2])
    kw["scale_by_half"] = data.draw(st.sampled_from(["auto", True, False]))
    _probability_weights(rng, n, data, kw)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    _same("brier_score_loss", args, kw, rtol=rtol, atol=_cancellation_atol(kw, rtol, 2.0))


def test_brier_score_loss_is_thread_independent():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(7), 300_001)
    y = rng.integers(0, 7, p.shape[0])
    w = rng.random(p.shape[0])
    if fastloss._ext is None:
        pytest.skip("the compiled backend is not built")
    sums = {fastloss._ext.brier_sum(p, y, w, n_threads=t) for t in (1, 2, 3)}
    assert len(sums) == 1
    d = p.copy()
    d[np.arange(p.shape[0]), y] -= 1
    assert sums.pop() == pytest.approx(float(np.sum(w * np.einsum("ij,ij->i", d, d))), rel=1e-13)
    with pytest.raises(ValueError, match="labels"):
        fastloss._ext.brier_sum(p, np.where(y == 0, 7, y), None)


@given(case=classification_case(), data=st.data())
def test_hinge_loss_matches_sklearn(case, data):
    rng, n, k, pool, y = case
    form = data.draw(st.sampled_from(["natural", "labels", "labels_more", "1d_multiclass",
                                      "col", "unseen", "nan"]))
    if k == 2 and form != "labels_more":
        s = rng.standard_normal(n) * 2
        if form == "col":
            s = s[:, None]
    else:
        s = rng.standard_normal((n, k)) * 2
    kw = {}
    if form == "labels":
        kw["labels"] = pool
    elif form == "labels_more":
        extra = np.array(["zz"]) if pool.dtype.kind == "U" else np.array([pool.max() + 7], pool.dtype)
        kw["labels"] = np.concatenate([pool, extra])
        s = rng.standard_normal((n, k + 1))
    elif form == "1d_multiclass" and k > 2:
        s = rng.standard_normal(n)
    elif form == "unseen" and k > 2:
        kw["labels"] = pool[:-1]
        s = rng.standard_normal((n, k - 1))
    elif form == "nan":
        s = np.array(s, dtype=np.float64)
        s.reshape(-1)[0] = np.nan
    wk = data.draw(st.sampled_from([None, "pos", "neg", "allzero"]))
    if wk == "pos":
        kw["sample_weight"] = rng.random(n)
    elif wk == "neg":
        kw["sample_weight"] = rng.choice([-1.0, 1.0, 2.0], n)
    elif wk == "allzero":
        kw["sample_weight"] = np.zeros(n)
    with np.errstate(all="ignore"):
        max_term = 1 + 2 * float(np.max(np.abs(s))) if np.size(s) else 0.0
    _same("hinge_loss", (y, s), kw, rtol=1e-12, atol=_cancellation_atol(kw, 1e-12, max_term))


def test_one_class_hinge_maps_to_the_negative_label_as_sklearn():
    y, s = [1, 1, 1], [0.2, 0.7, 2.0]
    assert fm.hinge_loss(y, s) == pytest.approx(skm.hinge_loss(y, s), rel=1e-15)


def test_deprecated_y_pred_keyword_warns_like_sklearn():
    y, p = [0, 1, 1], [0.2, 0.7, 0.9]
    with pytest.warns(FutureWarning):
        v = fm.log_loss(y, y_pred=p)
    assert v == pytest.approx(skm.log_loss(y, p), rel=1e-13)
    with pytest.raises(ValueError):
        fm.log_loss(y, p, y_pred=p)


def test_float32_clips_at_float32_epsilon():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    assert fm.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-6)
    assert np.isfinite(fm.log_loss(y, p))


def test_signatures_match_sklearn():
    import inspect

    for name in [n for n in fm.__all__ if not n[0].isupper()]:  # (functions, not classes)
        ours = inspect.signature(getattr(fm, name))
        theirs = inspect.signature(getattr(skm, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


def test_non_integer_float_labels_are_rejected_as_sklearn():
    y, p = np.array([0.0, 0.5, 0.5]), np.array([0.2, 0.7, 0.9])
    for mod in (fm, skm):
        with pytest.raises(ValueError, match="Unknown label type"):
            mod.log_loss(y, p)
        with pytest.raises(ValueError, match="Unknown label type"):
            mod.hinge_loss(y, p)


@pytest.mark.parametrize("case", [
    "indicator_1d", "indicator_labels", "big_int_labels", "uint64_top", "nan_labels", "zero_outputs", "float16"])
def test_label_and_shape_edge_cases_match_sklearn(case):
    rng = np.random.default_rng(7)
    P2 = rng.dirichlet(np.ones(2), 6)
    if case == "indicator_1d":
        _same("log_loss", (np.eye(2)[[0, 1, 1, 0, 1, 0]], P2[:, 1].copy()), {}, 1e-12)
    elif case == "indicator_labels":  # (LabelBinarizer fitted on labels rejects it)
        for name in ("log_loss", "brier_score_loss"):
            _same(name, (np.eye(2)[[0, 1, 1, 0, 1, 0]], P2), {"labels": [0, 1]}, 1e-12)
    elif case == "big_int_labels":
        y = np.array([2**60, 2**60 + 1] * 3)
        _same("log_loss", (y, P2), {"labels": [2**60, 2**60 + 1]}, 1e-12)
    elif case == "uint64_top":
        _same("log_loss", (np.array([2**63, 2**63 + 1] * 3, np.uint64), P2), {}, 1e-12)
    elif case == "nan_labels":
        _same("hinge_loss", (np.array([0, 1, np.nan] * 2), rng.standard_normal((6, 3))),
              {"labels": [0, 1, np.nan]}, 1e-12)
    elif case == "zero_outputs":
        _same("mean_squared_error", (np.zeros((4, 0)), np.zeros((4, 0))), {}, 1e-12)
    else:  # eps of float16, computed in float32 (scikit-learn computes in float16)
        _same("log_loss", ([0, 1, 1], np.array([0.0, 1.0, 0.5], np.float16)), {}, 1e-3)


def test_metrics_report_rows_and_floor():
    import io

    from fastloss import _bench

    buf = io.StringIO()
    _bench.metrics_report(n=2000, repeats=1, file=buf)
    lines = buf.getvalue().splitlines()
    rows = {label: next(l for l in lines if l.startswith(label + " "))
            for label, *_ in _bench.metrics_cases(10)}
    assert len(rows) == len(_bench.metrics_cases(10)) == 25
    assert rows["mean_squared_error"].count("x") == 3  # speed-up, fast/floor, sklearn/floor
    assert rows["mean_squared_error, weights"].rstrip().endswith("-")
    if fastloss._ext is not None:
        a = np.arange(1001, dtype=np.uint64)
        b = a[::-1].copy() << np.uint64(20)
        want = int(np.bitwise_or.reduce(a) | np.bitwise_or.reduce(b))
        assert fastloss._ext.floor(a, b) == want
        assert fastloss._ext.floor(a, b, n_threads=2) == want
        c = np.arange(3 * 10**5, dtype=np.uint64) << np.uint64(40)  # sizes differ, on threads
        want = int(np.bitwise_or.reduce(a) | np.bitwise_or.reduce(c))
        assert fastloss._ext.floor(a, c, n_threads=2) == fastloss._ext.floor(c, a) == want


BAD_PARAMS = [
    ("mean_squared_error", dict(y_true="abc", y_pred=[1.0])),
    ("mean_squared_error", dict(y_true=[1.0], y_pred=[1.0], multioutput="foo")),
    ("root_mean_squared_error", dict(y_true=5, y_pred=[1.0])),
    ("mean_absolute_error", dict(y_true=[1.0], y_pred=[1.0], sample_weight="w")),
    ("mean_absolute_error", dict(y_true=[1.0], y_pred=None)),
    ("log_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], normalize="yes")),
    ("log_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], normalize=1)),
    ("log_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], labels=3)),
    ("log_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], sample_weight=2.0)),
    ("brier_score_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], pos_label=[1])),
    ("brier_score_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], scale_by_half="yes")),
    ("brier_score_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], scale_by_half=1)),
    ("brier_score_loss", dict(y_true=[0, 1], y_proba=[0.1, 0.9], labels=2)),
    ("hinge_loss", dict(y_true=[0, 1], pred_decision=[0.1, 0.9], labels="x")),
    ("hinge_loss", dict(y_true=[0, 1], pred_decision=[0.1, 0.9], sample_weight=3)),
    ("hinge_loss", dict(y_true=0, pred_decision=[0.1, 0.9])),
]


@pytest.mark.parametrize("name,kw", BAD_PARAMS, ids=lambda x: x if isinstance(x, str) else None)
def test_bad_parameters_raise_what_scikit_learn_raises(name, kw):
    import re

    with pytest.raises(Exception) as ours:
        getattr(fm, name)(**kw)
    with pytest.raises(Exception) as theirs:
        getattr(skm, name)(**kw)
    assert isinstance(ours.value, ValueError) and isinstance(ours.value, TypeError)
    assert type(ours.value).__name__ == "InvalidParameterError" == type(theirs.value).__name__
    norm = lambda e: re.sub(r"\{[^}]*\}", "{...}", str(e))  # (scikit-learn prints a set)
    assert norm(ours.value) == norm(theirs.value)
    try:  # code written for scikit-learn catches it as either type
        getattr(fm, name)(**kw)
    except ValueError:
        pass


class _DeviceArray:
    """An array-API-like array that lives on another device: NumPy cannot read it."""

    device = "cuda:0"
    shape = (3,)
    ndim = 1

    def __len__(self):
        return 3

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("can't convert cuda:0 device type tensor to numpy")


@pytest.mark.parametrize("call", [
    lambda a: fm.mean_squared_error(a, [1.0, 2.0, 3.0]),
    lambda a: fm.log_loss([0, 1, 1], a),
    lambda a: fm.log_loss(a, [0.2, 0.7, 0.9]),
    lambda a: fm.brier_score_loss([0, 1, 1], a),
    lambda a: fm.hinge_loss(a, [0.2, -0.7, 0.9]),
])
def test_arrays_on_another_device_are_a_clear_type_error(call):
    with pytest.raises(TypeError, match="device 'cuda:0'.*CPU"):
        call(_DeviceArray())


def test_float16_labels_emit_no_warnings_scikit_learn_does_not():
    y = np.array([0, 1, 1, 2], np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.log_loss(y, np.full((4, 3), 1 / 3))
        fm.hinge_loss(y, np.eye(3)[[0, 1, 1, 2]])
        fm.log_loss(y[:3].clip(0, 1), [0.2, 0.7, 0.9])
        fm.hinge_loss(y[:3].clip(0, 1), [-0.2, 0.7, 0.9])


@pytest.mark.parametrize("name, power", [("mean_tweedie_deviance", p) for p in
                                         (-1.0, 0, 1, 1.5, 2, 3, 0.5, True)]
                         + [("mean_poisson_deviance", None), ("mean_gamma_deviance", None)])
@given(data=st.data())
def test_deviance_metrics_match_sklearn(name, power, data):
    """Values, weights, every power's domain (its message), NaN, 2-D targets:
    the same number or the same exception and message as scikit-learn."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    n = data.draw(st.sampled_from([1, 3, 100, 5000]))
    dtype = data.draw(st.sampled_from(["float64", "float64", "float32"]))
    yt = rng.gamma(2.0, 1.5, n)
    yp = rng.gamma(2.0, 1.5, n)
    bad = data.draw(st.sampled_from([None] * 5 + ["zero_true", "neg_true", "zero_pred",
                                                  "nan", "2d1", "2d3", "weights"]))
    kw = {} if power is None else {"power": power}
    if bad == "zero_true":
        yt[0] = 0.0
    elif bad == "neg_true":
        yt[-1] = -0.5
    elif bad == "zero_pred":
        yp[n // 2] = 0.0
    elif bad == "nan":
        yp[0] = np.nan
    elif bad == "2d1":
        yt, yp = yt.reshape(-1, 1), yp.reshape(-1, 1)
    elif bad == "2d3" and n % 3 == 0:
        yt, yp = yt.reshape(-1, 3), yp.reshape(-1, 3)
    elif bad == "weights":
        kw["sample_weight"] = rng.choice([0.0, 0.5, 2.0], n)
    yt, yp = yt.astype(dtype), yp.astype(dtype)
    rtol = 1e-12 if dtype == "float64" else 2e-5
    # the unit deviance is a sum of terms that cancel where y_pred is near
    # y_true: a few ulp of the largest term (in float64, of the float32 values)
    p = {"mean_poisson_deviance": 1, "mean_gamma_deviance": 2}.get(name, power)
    y, mu = np.abs(yt.astype(np.float64)).ravel(), np.abs(yp.astype(np.float64)).ravel()
    with np.errstate(all="ignore"):
        terms = (np.abs(y - mu) ** 2 if p == 0 else y * np.abs(np.log(y / mu)) + y + mu if p == 1
                 else np.abs(np.log(mu / y)) + y / mu + 1 if p == 2
                 else y ** (2 - p) + y * mu ** (1 - p) + mu ** (2 - p))
    terms = terms[np.isfinite(terms)]
    atol = rtol * 8 * float(np.max(terms)) if terms.size and p != 0 else 0.0
    _same(name, (yt, yp), kw, rtol, atol=atol,
          sk_args=(yt.astype(np.float64), yp.astype(np.float64)) if dtype == "float32" else None)


@given(case=regression_case(), data=st.data())
def test_r2_score_matches_sklearn(case, data):
    """Every multioutput (incl. variance_weighted), force_finite, weights,
    constant outputs, one sample, bad input: scikit-learn's value or error."""
    yt, yp, kw = case
    kw = dict(kw, force_finite=data.draw(st.booleans()))
    if data.draw(st.integers(0, 3)) == 0:
        kw["multioutput"] = data.draw(st.sampled_from(["variance_weighted", "raw_values",
                                                       "uniform_average"]))
    if yt.ndim == 2 and yt.shape[1] > 1 and yt.shape == yp.shape and data.draw(st.booleans()):
        yt = yt.copy()
        yt[:, 0] = 3  # a constant output: exactly zero variance (the weights' mean too
        w = kw.get("sample_weight")  # when they are small multiples of 1/2)
        if w is not None and np.shape(w) == (yt.shape[0],):
            kw["sample_weight"] = np.round(np.abs(np.asarray(w, np.float64)) * 2) / 2
    rtol = 1e-5 if yt.dtype == np.float32 else 1e-11
    sk_args = (yt.astype(np.float64), yp.astype(np.float64)) if yt.dtype == np.float32 else None
    _same("r2_score", (yt, yp), kw, rtol, atol=rtol, sk_args=sk_args)


def test_r2_score_is_stable_and_thread_independent():
    """A large offset (the sums of squares cancel in Σw y² - W ȳ²): the blocked
    sums keep the digits; the same bits for any thread count."""
    rng = np.random.default_rng(5)
    y = 1e8 + rng.standard_normal((300_000, 2))
    p = y + 0.1 * rng.standard_normal((300_000, 2))
    w = rng.random(300_000)
    want = skm.r2_score(y, p, sample_weight=w, multioutput="raw_values")
    got = fm.r2_score(y, p, sample_weight=w, multioutput="raw_values")
    np.testing.assert_allclose(got, want, rtol=1e-9)
    if fastloss._ext is not None:
        a = fastloss._ext.r2_sums(y, p, w, n_threads=1)
        b = fastloss._ext.r2_sums(np.asfortranarray(y), p, w, n_threads=2)
        assert a[0] == b[0] and (a[1] == b[1]).all() and (a[2] == b[2]).all()
    with pytest.warns(fm.UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(fm.r2_score([1.0], [2.0]))
