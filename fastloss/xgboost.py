"""fastloss losses as XGBoost custom objectives and evaluation metrics.

``objective(NAME, **options)`` is a callable XGBoost takes as a custom
objective, both in its scikit-learn estimators
(``XGBRegressor(objective=...)``, ``XGBClassifier(objective=...)``) and in
native training (``xgboost.train(params, dtrain, obj=...)``): it returns the
per-sample gradient and Hessian of the loss at the raw scores, times the
sample weights, from one compiled pass (``fastloss.NAME_grad_hess`` with
``reduction="none"``).  Multi-class objectives (``softmax_cross_entropy``)
take and return XGBoost's (n_samples, n_classes) layout.

``metric(NAME, **options)`` is the matching evaluation callable
(``eval_metric=`` of the estimators, ``custom_metric=`` of ``xgboost.train``):
the weighted mean loss of the predictions XGBoost passes (raw scores with a
custom objective); lower is better, XGBoost's default.

The objectives' scale is the loss's own: ``mse`` is (p - y)**2, whose
gradient and Hessian are twice those of XGBoost's ``reg:squarederror``
(which minimizes (p - y)**2 / 2), so ``reg_lambda`` and ``min_child_weight``
act at half strength on it; doubled, the model is the built-in one.

Needs XGBoost >= 2 (``pip install "fastloss[xgboost]"``).
"""
from __future__ import annotations

try:
    import xgboost as _xgb
except ImportError as e:  # pragma: no cover - exercised without xgboost
    raise ImportError("fastloss.xgboost needs XGBoost: pip install 'fastloss[xgboost]' (or "
                      "xgboost-cpu, its CPU-only build)") from e

from . import _boosting

__all__ = ["objective", "metric", "OBJECTIVES"]

OBJECTIVES = _boosting.OBJECTIVES


class Objective(_boosting.Callback):
    """A fastloss loss as an XGBoost objective (see :func:`objective`)."""

    kind, library = "objective", "xgboost"

    def __call__(self, y_true_or_preds, y_pred_or_dtrain, *, sample_weight=None):
        if isinstance(y_pred_or_dtrain, _xgb.DMatrix):  # xgboost.train(obj=...)
            d = y_pred_or_dtrain
            return _boosting.gradient_hessian(self.loss, self.options, d.get_label(),
                                              y_true_or_preds, d.get_weight(), "xgboost",
                                              self._spare)
        return _boosting.gradient_hessian(self.loss, self.options, y_true_or_preds,
                                          y_pred_or_dtrain, sample_weight, "xgboost",
                                          self._spare)


class Metric(_boosting.Callback):
    """A fastloss loss as an XGBoost evaluation metric (see :func:`metric`)."""

    kind, library = "metric", "xgboost"

    def __call__(self, y_true_or_preds, y_pred_or_dmatrix, *, sample_weight=None):
        if isinstance(y_pred_or_dmatrix, _xgb.DMatrix):  # xgboost.train(custom_metric=...)
            d = y_pred_or_dmatrix
            return self.__name__, _boosting.metric_value(
                self.loss, self.options, d.get_label(), y_true_or_preds, d.get_weight(),
                "xgboost")
        return _boosting.metric_value(self.loss, self.options, y_true_or_preds,
                                      y_pred_or_dmatrix, sample_weight, "xgboost")


def objective(name, **options):
    """The loss ``name`` as an XGBoost custom objective.

    Parameters
    ----------
    name : str
        One of :data:`OBJECTIVES`: mse, mae, huber, pinball, log_cosh,
        poisson_nll (log_input=True: the scores are log-rates),
        binary_cross_entropy_with_logits (pos_weight), sigmoid_focal_loss,
        softmax_cross_entropy (class_weight, label_smoothing; multi-class).
    **options
        The loss's options, as for ``fastloss.NAME``.

    Returns
    -------
    Objective
        Called as ``obj(y_true, y_pred, sample_weight=None)`` by the
        scikit-learn estimators and as ``obj(predt, dtrain)`` by
        ``xgboost.train``; returns (grad, hess) of the shape of the scores.
        For mae, pinball and huber the Hessian is constant (the sample
        weight), as XGBoost's and scikit-learn's own absolute and quantile
        losses use (their second derivative is 0).

    Examples
    --------
    >>> import numpy as np, xgboost, fastloss.xgboost
    >>> X = np.random.default_rng(0).standard_normal((200, 3)); y = X[:, 0] > 0
    >>> model = xgboost.XGBClassifier(
    ...     n_estimators=5, objective=fastloss.xgboost.objective("sigmoid_focal_loss", gamma=2.0))
    >>> model.fit(X, y).predict(X[:3]).shape
    (3,)
    """
    return Objective(name, options)


def metric(name, **options):
    """The loss ``name`` as an XGBoost evaluation metric (lower is better).

    Parameters
    ----------
    name : str
        Any fastloss loss (of the predictions XGBoost passes: raw scores with
        a custom objective).
    **options
        The loss's options, as for ``fastloss.NAME``.

    Returns
    -------
    Metric
        For ``eval_metric=`` of the scikit-learn estimators
        (``m(y_true, y_pred, sample_weight=None) -> float``, reported under
        ``name``) and ``custom_metric=`` of ``xgboost.train``
        (``m(predt, dmatrix) -> (name, value)``): the weighted mean of
        ``fastloss.NAME``.

    Examples
    --------
    >>> import fastloss.xgboost
    >>> fastloss.xgboost.metric("mae")([1.0, 2.0], [1.5, 2.0])
    0.25
    """
    return Metric(name, options)
