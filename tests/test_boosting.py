"""fastloss.xgboost and fastloss.lightgbm: objectives that reproduce the
libraries' built-in models, multi-class layouts, weights, metrics.  Skipped
without the library."""
import inspect
import os
import warnings

import numpy as np
import pytest

import fastloss

if os.environ.get("FASTLOSS_UNDER_SANITIZER"):  # (the libraries' own code, not fastloss's memory)
    pytest.skip("integration with XGBoost and LightGBM, not memory", allow_module_level=True)
xgb = pytest.importorskip("xgboost")
lgb = pytest.importorskip("lightgbm")
import fastloss.lightgbm as fl_lgb  # noqa: E402
import fastloss.xgboost as fl_xgb  # noqa: E402


def _lgb_eval_set(X, y):
    """LightGBM's fit() arguments for one evaluation set: eval_X and eval_y
    where it has them (eval_set is deprecated there), else eval_set."""
    if "eval_X" in inspect.signature(lgb.LGBMModel.fit).parameters:
        return {"eval_X": (X,), "eval_y": (y,)}
    return {"eval_set": [(X, y)]}


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    y = 2 * X[:, 0] + np.sin(X[:, 1]) + 0.3 * rng.standard_normal(n)
    yb = (X[:, 0] + 0.5 * X[:, 2] + 0.5 * rng.standard_normal(n) > 0).astype(int)
    w = rng.uniform(0.2, 3.0, n)
    return X, y, yb, w


def _sigmoid(m):
    return 1 / (1 + np.exp(-np.asarray(m, np.float64)))


XGB = dict(n_estimators=20, max_depth=3, learning_rate=0.3, tree_method="hist", base_score=0.5)
LGB = dict(n_estimators=20, num_leaves=8, learning_rate=0.3, verbose=-1)


@pytest.mark.parametrize("weighted", [False, True])
def test_xgboost_mse_reproduces_reg_squarederror(weighted):
    X, y, _, w = _data()
    kw = {"sample_weight": w} if weighted else {}
    # the same parameters (no L2 penalty: the scale of the loss does not matter) ...
    a = xgb.XGBRegressor(objective="reg:squarederror", reg_lambda=0.0, **XGB).fit(X, y, **kw)
    b = xgb.XGBRegressor(objective=fl_xgb.objective("mse"), reg_lambda=0.0, **XGB).fit(X, y, **kw)
    np.testing.assert_allclose(b.predict(X), a.predict(X), atol=1e-6)
    # ... and the defaults, with the penalties doubled for (p - y)**2 against its half
    a = xgb.XGBRegressor(objective="reg:squarederror", **XGB).fit(X, y, **kw)
    b = xgb.XGBRegressor(objective=fl_xgb.objective("mse"), reg_lambda=2.0, min_child_weight=2.0,
                         **XGB).fit(X, y, **kw)
    np.testing.assert_allclose(b.predict(X), a.predict(X), atol=1e-6)
    d = xgb.DMatrix(X, label=y, weight=w if weighted else None)
    params = {"max_depth": 3, "eta": 0.3, "base_score": 0.5, "lambda": 0.0}
    A = xgb.train({**params, "objective": "reg:squarederror"}, d, 20)
    B = xgb.train(params, d, 20, obj=fl_xgb.objective("mse"))
    np.testing.assert_allclose(B.predict(d), A.predict(d), atol=1e-6)


def test_xgboost_logits_reproduce_binary_logistic():
    X, _, yb, w = _data()
    a = xgb.XGBClassifier(objective="binary:logistic", **XGB).fit(X, yb, sample_weight=w)
    b = xgb.XGBClassifier(objective=fl_xgb.objective("binary_cross_entropy_with_logits"),
                          **XGB).fit(X, yb, sample_weight=w)
    np.testing.assert_allclose(_sigmoid(b.predict(X, output_margin=True)),
                               a.predict_proba(X)[:, 1], atol=1e-6)
    d = xgb.DMatrix(X, label=yb)
    A = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
                   "base_score": 0.5}, d, 20)
    # (a custom objective's base_score is a raw score: 0 is probability 0.5)
    B = xgb.train({"max_depth": 3, "eta": 0.3, "base_score": 0.0}, d, 20,
                  obj=fl_xgb.objective("binary_cross_entropy_with_logits"))
    np.testing.assert_allclose(_sigmoid(B.predict(d, output_margin=True)), A.predict(d), atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
def test_lightgbm_reproduces_regression_and_binary(weighted):
    X, y, yb, w = _data()
    kw = {"sample_weight": w} if weighted else {}
    # (LightGBM starts a custom objective from 0: the built-in one too, here)
    a = lgb.LGBMRegressor(objective="regression", boost_from_average=False, **LGB).fit(X, y, **kw)
    b = lgb.LGBMRegressor(objective=fl_lgb.objective("mse"), **LGB).fit(X, y, **kw)
    np.testing.assert_allclose(b.predict(X), a.predict(X), atol=1e-6)
    a = lgb.LGBMClassifier(objective="binary", boost_from_average=False, **LGB).fit(X, yb, **kw)
    b = lgb.LGBMClassifier(objective=fl_lgb.objective("binary_cross_entropy_with_logits"),
                           **LGB).fit(X, yb, **kw)
    np.testing.assert_allclose(_sigmoid(b.predict(X, raw_score=True)), a.predict_proba(X)[:, 1],
                               atol=1e-6)
    params = {"num_leaves": 8, "learning_rate": 0.3, "verbose": -1}
    d = lambda: lgb.Dataset(X, yb, weight=w if weighted else None)  # noqa: E731
    A = lgb.train({**params, "objective": "binary", "boost_from_average": False}, d(), 20)
    B = lgb.train({**params, "objective": fl_lgb.objective("binary_cross_entropy_with_logits")},
                  d(), 20)
    np.testing.assert_allclose(_sigmoid(B.predict(X)), A.predict(X), atol=1e-6)


def _five_classes(n=6000, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    y = np.argmax(X[:, :5] * 2 + 0.5 * rng.standard_normal((n, 5)), axis=1)
    return X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4:], y[n * 3 // 4:]


def test_multiclass_softmax_matches_the_builtin_accuracy():
    Xt, yt, Xv, yv = _five_classes()
    p = dict(n_estimators=60, max_depth=3, learning_rate=0.2)
    a = xgb.XGBClassifier(objective="multi:softprob", **p).fit(Xt, yt)
    b = xgb.XGBClassifier(objective=fl_xgb.objective("softmax_cross_entropy"), **p).fit(Xt, yt)
    acc_a, acc_b = (a.predict(Xv) == yv).mean(), (b.predict(Xv) == yv).mean()
    assert acc_a > 0.6 and abs(acc_a - acc_b) <= 0.01, (acc_a, acc_b)
    q = dict(n_estimators=60, num_leaves=8, learning_rate=0.2, verbose=-1)
    a = lgb.LGBMClassifier(objective="multiclass", **q).fit(Xt, yt)
    b = lgb.LGBMClassifier(objective=fl_lgb.objective("softmax_cross_entropy"), **q).fit(Xt, yt)
    acc_a = (a.predict(Xv) == yv).mean()
    acc_b = (np.argmax(b.predict(Xv, raw_score=True), axis=1) == yv).mean()
    assert acc_a > 0.6 and abs(acc_a - acc_b) <= 0.01, (acc_a, acc_b)
    # native training, (n, k) scores in and (n, k) gradients out
    B = lgb.train({"objective": fl_lgb.objective("softmax_cross_entropy", label_smoothing=0.05),
                   "num_class": 5, "num_leaves": 8, "verbose": -1}, lgb.Dataset(Xt, yt), 30)
    assert (np.argmax(B.predict(Xv), axis=1) == yv).mean() > 0.6
    D = xgb.train({"num_class": 5, "max_depth": 3}, xgb.DMatrix(Xt, label=yt), 30,
                  obj=fl_xgb.objective("softmax_cross_entropy", class_weight=np.ones(5)))
    assert (np.argmax(D.predict(xgb.DMatrix(Xv), output_margin=True), axis=1) == yv).mean() > 0.6


def test_focal_loss_trains_and_its_metric_improves():
    rng = np.random.default_rng(2)
    n = 4000
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.5 * rng.standard_normal(n) > 1.8).astype(int)  # ~5% positive
    assert 0.01 < y.mean() < 0.1
    res = {}
    xgb.train({"max_depth": 3, "eta": 0.3, "base_score": 0.0, "disable_default_eval_metric": 1},
              xgb.DMatrix(X, label=y), 30, obj=fl_xgb.objective("sigmoid_focal_loss"),
              custom_metric=fl_xgb.metric("sigmoid_focal_loss"),
              evals=[(xgb.DMatrix(X, label=y), "train")], evals_result=res, verbose_eval=False)
    curve = res["train"]["sigmoid_focal_loss"]
    assert curve[-1] < 0.5 * curve[0] and np.all(np.diff(curve) <= 1e-9)
    m = lgb.LGBMClassifier(objective=fl_lgb.objective("sigmoid_focal_loss", alpha=0.75),
                           n_estimators=30, num_leaves=8, verbose=-1)
    m.fit(X, y, **_lgb_eval_set(X, y), eval_metric=fl_lgb.metric("sigmoid_focal_loss", alpha=0.75))
    (results,) = m.evals_result_.values()  # ("training" or "valid_0", as the version names it)
    curve = results["sigmoid_focal_loss"]
    assert curve[-1] < 0.5 * curve[0]


def test_metric_is_the_loss_of_the_predictions():
    X, y, yb, w = _data()
    d = xgb.DMatrix(X, label=y, weight=w)
    res = {}
    B = xgb.train({"max_depth": 3, "base_score": 0.0}, d, 5, obj=fl_xgb.objective("huber"),
                  custom_metric=fl_xgb.metric("huber", delta=0.5), evals=[(d, "train")],
                  evals_result=res, verbose_eval=False)
    want = fastloss.huber(y, B.predict(d, output_margin=True).astype(np.float64), delta=0.5,
                          sample_weight=w)
    assert res["train"]["huber"][-1] == pytest.approx(want, rel=1e-5)  # (XGBoost prints 6 digits)
    m = xgb.XGBRegressor(objective=fl_xgb.objective("mse"), eval_metric=fl_xgb.metric("mae"),
                         n_estimators=5, max_depth=3)
    m.fit(X, y, sample_weight=w, eval_set=[(X, y)], sample_weight_eval_set=[w], verbose=False)
    assert m.evals_result()["validation_0"]["mae"][-1] == pytest.approx(
        fastloss.mae(y, m.predict(X).astype(np.float64), sample_weight=w), rel=1e-5)
    name, value, higher_better = fl_lgb.metric("binary_cross_entropy_with_logits")(yb, X[:, 0], w)
    assert (name, higher_better) == ("binary_cross_entropy_with_logits", False)
    assert value == fastloss.binary_cross_entropy_with_logits(yb, X[:, 0], sample_weight=w)


@pytest.mark.parametrize("module", [fl_xgb, fl_lgb], ids=["xgboost", "lightgbm"])
def test_gradients_and_hessians_are_the_losses(module):
    rng = np.random.default_rng(3)
    y, p, w = rng.standard_normal(50), rng.standard_normal(50), rng.uniform(0.5, 2, 50)
    call = (lambda obj: obj(y, p, sample_weight=w)) if module is fl_xgb else (
        lambda obj: obj(y, p, w))
    for name, opts in [("mse", {}), ("log_cosh", {}), ("poisson_nll", {})]:
        yy = np.abs(np.round(y * 3)) if name == "poisson_nll" else y
        g, h = (module.objective(name, **opts)(yy, p, sample_weight=w) if module is fl_xgb
                else module.objective(name, **opts)(yy, p, w))
        want = getattr(fastloss, name + "_grad_hess")(yy, p, sample_weight=w, reduction="none")
        np.testing.assert_array_equal(g, want[0])
        np.testing.assert_array_equal(h, want[1])
    for name, opts in [("mae", {}), ("pinball", {"alpha": 0.9}), ("huber", {"delta": 0.3})]:
        g, h = call(module.objective(name, **opts))  # the constant Hessian: the weight
        np.testing.assert_array_equal(g, getattr(fastloss, name + "_grad")(
            y, p, sample_weight=w, reduction="none", **opts))
        np.testing.assert_array_equal(h, w)
    g, h = module.objective("mae")(y, p) if module is fl_xgb else module.objective("mae")(y, p)
    np.testing.assert_array_equal(h, np.ones(50))


@pytest.mark.parametrize("module", [fl_xgb, fl_lgb], ids=["xgboost", "lightgbm"])
def test_bad_objectives_and_labels_are_clear_errors(module):
    with pytest.raises(ValueError, match="not an objective.*mse"):
        module.objective("binary_cross_entropy")
    with pytest.raises(ValueError, match="log_input=True"):
        module.objective("poisson_nll", log_input=False)
    with pytest.raises(TypeError, match="no option"):
        module.objective("mse", delta=1.0)
    with pytest.raises(ValueError, match="unknown loss"):
        module.metric("nope")
    obj = module.objective("softmax_cross_entropy")
    with pytest.raises(ValueError, match="fractions"):
        obj(np.array([0.0, 1.5]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="one column of scores per class"):
        obj(np.array([0.0, 1.0]), np.zeros(2))
    with pytest.raises(ValueError, match=r"outside \[0, 3\)"):
        obj(np.array([0.0, 7.0]), np.zeros((2, 3)))
    assert "softmax_cross_entropy" in repr(obj)


def test_weights_reach_the_multiclass_objective():
    Xt, yt, _, _ = _five_classes(n=800)
    w = np.random.default_rng(4).uniform(0.2, 3, yt.size)
    seen = []
    obj = fl_xgb.objective("softmax_cross_entropy")

    def spy(y_true, y_pred, *, sample_weight=None):
        seen.append(sample_weight)
        g, h = obj(y_true, y_pred, sample_weight=sample_weight)
        want = fastloss.softmax_cross_entropy_grad_hess(y_true.astype(int), y_pred,
                                                        sample_weight=sample_weight,
                                                        reduction="none")
        np.testing.assert_array_equal(g, want[0])
        return g, h

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xgb.XGBClassifier(objective=spy, n_estimators=2).fit(Xt, yt, sample_weight=w)
    assert seen and np.allclose(seen[0], w)


def test_returned_arrays_are_never_overwritten_while_held():
    import copy
    import pickle

    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 1000).astype(np.float32)
    p1, p2 = rng.standard_normal((2, 1000, 4)).astype(np.float32)
    obj = fl_xgb.objective("softmax_cross_entropy")
    g1, h1 = obj(y, p1)
    keep = g1.copy(), h1.copy()
    g2, h2 = obj(y, p2)  # g1 and h1 are still held: fresh arrays
    np.testing.assert_array_equal(g1, keep[0])
    np.testing.assert_array_equal(h1, keep[1])
    view = g2[:, 0]
    del g1, h1, g2, h2
    g3, _ = obj(y, p1)  # (a view keeps the previous gradient alive: fresh again)
    np.testing.assert_array_equal(g3, keep[0])
    assert not np.shares_memory(g3, view)
    addr = g3.ctypes.data
    del g3, _
    g4, h4 = obj(y, p2)  # nothing holds the last pair: written again in place
    assert g4.ctypes.data == addr
    np.testing.assert_array_equal(g4, fastloss.softmax_cross_entropy_grad(
        y.astype(int), p2, reduction="none"))
    # estimators holding an objective can be cloned and pickled
    from sklearn.base import clone

    model = xgb.XGBClassifier(objective=obj, n_estimators=2)
    assert repr(clone(model).get_params()["objective"]) == repr(obj)
    assert repr(pickle.loads(pickle.dumps(obj))) == repr(copy.deepcopy(obj)) == repr(obj)
