"""fastloss losses as LightGBM custom objectives and evaluation metrics.

``objective(NAME, **options)`` is a callable LightGBM takes as a custom
objective, both in its scikit-learn estimators
(``LGBMRegressor(objective=...)``, ``LGBMClassifier(objective=...)``) and in
native training (``lightgbm.train(params={"objective": ...})``): it returns
the per-sample gradient and Hessian of the loss at the raw scores, times the
sample weights, from one compiled pass (``fastloss.NAME_grad_hess`` with
``reduction="none"``).  Multi-class objectives (``softmax_cross_entropy``)
take and return LightGBM's (n_samples, n_classes) layout.

``metric(NAME, **options)`` is the matching evaluation callable
(``eval_metric=`` of the estimators' ``fit``, ``feval=`` of
``lightgbm.train``): ``(name, weighted mean loss, False)`` (lower is better)
of the predictions LightGBM passes (raw scores with a custom objective).

LightGBM starts a custom objective's boosting from a score of 0 (its
``boost_from_average`` applies to built-in objectives only).  The
objectives' scale is the loss's own: ``mse`` is (p - y)**2, twice
LightGBM's ``regression`` (p - y)**2 / 2, which matters only through
``lambda_l2`` and ``min_sum_hessian_in_leaf``.

Needs LightGBM >= 4 (``pip install "fastloss[lightgbm]"``).
"""
from __future__ import annotations

try:
    import lightgbm as _lgb
except ImportError as e:  # pragma: no cover - exercised without lightgbm
    raise ImportError("fastloss.lightgbm needs LightGBM: pip install 'fastloss[lightgbm]'") from e

from . import _boosting

__all__ = ["objective", "metric", "OBJECTIVES"]

OBJECTIVES = _boosting.OBJECTIVES


class Objective(_boosting.Callback):
    """A fastloss loss as a LightGBM objective (see :func:`objective`)."""

    kind, library = "objective", "lightgbm"

    # three parameters: LightGBM's estimators then pass the weights
    def __call__(self, y_true_or_preds, y_pred_or_dataset, weight=None):
        if isinstance(y_pred_or_dataset, _lgb.Dataset):  # lightgbm.train
            d = y_pred_or_dataset
            return _boosting.gradient_hessian(self.loss, self.options, d.get_label(),
                                              y_true_or_preds, d.get_weight(), "lightgbm",
                                              self._spare)
        return _boosting.gradient_hessian(self.loss, self.options, y_true_or_preds,
                                          y_pred_or_dataset, weight, "lightgbm",
                                          self._spare)


class Metric(_boosting.Callback):
    """A fastloss loss as a LightGBM evaluation metric (see :func:`metric`)."""

    kind, library = "metric", "lightgbm"

    def __call__(self, y_true_or_preds, y_pred_or_dataset, weight=None):
        if isinstance(y_pred_or_dataset, _lgb.Dataset):  # lightgbm.train(feval=...)
            d = y_pred_or_dataset
            labels, preds, weight = d.get_label(), y_true_or_preds, d.get_weight()
        else:
            labels, preds = y_true_or_preds, y_pred_or_dataset
        value = _boosting.metric_value(self.loss, self.options, labels, preds, weight,
                                       "lightgbm")
        return self.__name__, value, False


def objective(name, **options):
    """The loss ``name`` as a LightGBM custom objective.

    Parameters
    ----------
    name : str
        One of :data:`OBJECTIVES`: mse, mae, huber, pinball, log_cosh,
        poisson_nll (log_input=True: the scores are log-rates),
        binary_cross_entropy_with_logits (pos_weight), sigmoid_focal_loss,
        softmax_cross_entropy (class_weight, label_smoothing; multi-class:
        set ``num_class``).
    **options
        The loss's options, as for ``fastloss.NAME``.

    Returns
    -------
    Objective
        Called as ``obj(y_true, y_pred, weight)`` by the scikit-learn
        estimators and as ``obj(preds, train_data)`` by ``lightgbm.train``;
        returns (grad, hess) of the shape of the scores.  For mae, pinball
        and huber the Hessian is constant (the sample weight), as LightGBM's
        and scikit-learn's own absolute, quantile and Huber losses use.

    Examples
    --------
    >>> import numpy as np, lightgbm, fastloss.lightgbm
    >>> X = np.random.default_rng(0).standard_normal((200, 3)); y = X[:, 0] + 0.1
    >>> model = lightgbm.LGBMRegressor(n_estimators=5, verbose=-1,
    ...                                objective=fastloss.lightgbm.objective("pinball", alpha=0.9))
    >>> model.fit(X, y).predict(X[:3]).shape
    (3,)
    """
    return Objective(name, options)


def metric(name, **options):
    """The loss ``name`` as a LightGBM evaluation metric (lower is better).

    Parameters
    ----------
    name : str
        Any fastloss loss (of the predictions LightGBM passes: raw scores
        with a custom objective).
    **options
        The loss's options, as for ``fastloss.NAME``.

    Returns
    -------
    Metric
        For ``eval_metric=`` of the estimators' ``fit`` (``m(y_true, y_pred,
        weight)``) and ``feval=`` of ``lightgbm.train`` (``m(preds,
        eval_data)``): ``(name, weighted mean of fastloss.NAME, False)``.

    Examples
    --------
    >>> import fastloss.lightgbm
    >>> fastloss.lightgbm.metric("mae")([1.0, 2.0], [1.5, 2.0], None)
    ('mae', 0.25, False)
    """
    return Metric(name, options)
