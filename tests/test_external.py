"""Parity with the libraries fastloss promises to match, when installed
(torch.nn.functional, sklearn.metrics); skipped otherwise."""
import numpy as np
import pytest

import fastloss

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_matches_torch(dtype, reduction):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((200, 5)) * 6).astype(dtype)
    z[0, :] = [1e4, -1e4, 30.0, -30.0, 0.0]
    y = rng.random((200, 5)).astype(dtype)
    pw = np.array([0.5, 1.0, 2.0, 3.0, 7.0], dtype)
    for kw, tkw in (({}, {}), ({"pos_weight": pw}, {"pos_weight": _t(pw)})):
        ours = fastloss.binary_cross_entropy_with_logits(y, z, reduction=reduction, **kw)
        zt = _t(z).requires_grad_(True)
        theirs = F.binary_cross_entropy_with_logits(zt, _t(y), reduction=reduction, **tkw)
        tol = 1e-12 if dtype == np.float64 else 2e-5
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)
        theirs.sum().backward()
        g = fastloss.binary_cross_entropy_with_logits_grad(y, z, reduction=reduction, **kw)
        np.testing.assert_allclose(g, zt.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("targets", ["labels", "probs"])
def test_softmax_cross_entropy_matches_torch(dtype, reduction, label_smoothing, targets):
    rng = np.random.default_rng(1)
    z = (rng.standard_normal((300, 7)) * 4).astype(dtype)
    z[0] = [1e4, -1e4, 0, 1, 2, 3, 4]
    labels = rng.integers(0, 7, 300)
    y = labels if targets == "labels" else rng.dirichlet(np.ones(7), 300).astype(dtype)
    w = rng.random(300).astype(dtype)
    ours, g = fastloss.softmax_cross_entropy_value_and_grad(y, z, label_smoothing=label_smoothing,
                                                            reduction=reduction)
    zt = _t(z).requires_grad_(True)
    theirs = F.cross_entropy(zt, _t(y), label_smoothing=label_smoothing, reduction=reduction)
    tol = 1e-12 if dtype == np.float64 else 3e-5
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)
    theirs.sum().backward()
    np.testing.assert_allclose(g, zt.grad.numpy(), rtol=tol, atol=tol)
    if targets == "labels" and reduction == "mean":
        # torch's class-free per-sample weights: weighted mean of the row losses
        rows = F.cross_entropy(_t(z), _t(y), label_smoothing=label_smoothing, reduction="none").numpy()
        ours_w = fastloss.softmax_cross_entropy(y, z, label_smoothing=label_smoothing, sample_weight=w)
        np.testing.assert_allclose(ours_w, np.sum(w * rows, dtype=np.float64) / np.sum(w, dtype=np.float64),
                                   rtol=tol)


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
def test_huber_matches_torch(delta):
    rng = np.random.default_rng(2)
    y, p = rng.standard_normal((2, 1000)) * 3
    ours = fastloss.huber(y, p, delta=delta, reduction="none")
    np.testing.assert_allclose(ours, F.huber_loss(_t(p), _t(y), delta=delta, reduction="none").numpy(),
                               rtol=1e-14)


def test_bce_on_probabilities_matches_torch_inside_the_clip():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 0.99, 1000)
    y = rng.random(1000)
    ours = fastloss.binary_cross_entropy(y, p, reduction="none")
    np.testing.assert_allclose(ours, F.binary_cross_entropy(_t(p), _t(y), reduction="none").numpy(),
                               rtol=1e-12)


def test_multiclass_hinge_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    scores = rng.standard_normal((500, 6))
    labels = rng.integers(0, 6, 500)
    expect = metrics.hinge_loss(labels, scores, labels=np.arange(6))
    assert fastloss.multiclass_hinge(labels, scores) == pytest.approx(expect, rel=1e-13)
    w = rng.random(500)
    expect_w = metrics.hinge_loss(labels, scores, labels=np.arange(6), sample_weight=w)
    assert fastloss.multiclass_hinge(labels, scores, sample_weight=w) == pytest.approx(expect_w, rel=1e-13)


def test_binary_hinge_matches_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    y = rng.choice([-1, 1], 500)
    s = rng.standard_normal(500) * 2
    assert fastloss.hinge(y, s) == pytest.approx(metrics.hinge_loss(y, s), rel=1e-13)


def test_bce_matches_sklearn_log_loss():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 500)
    p = rng.uniform(0.001, 0.999, 500)
    assert fastloss.binary_cross_entropy(y, p) == pytest.approx(metrics.log_loss(y, p), rel=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_matches_torch(dtype, reduction, log_input, full):
    rng = np.random.default_rng(7)
    y = rng.poisson(3.0, 500).astype(dtype)
    z = rng.standard_normal(500)
    p = (z if log_input else np.exp(z)).astype(dtype)
    if not log_input:
        p[:5] = 0  # rates of zero: log(0 + eps)
    ours, g = fastloss.poisson_nll_value_and_grad(y, p, log_input=log_input, full=full,
                                                  reduction=reduction)
    pt = _t(p).requires_grad_(True)
    theirs = F.poisson_nll_loss(pt, _t(y), log_input=log_input, full=full, reduction=reduction)
    theirs.sum().backward()
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(g, pt.grad.numpy(), rtol=tol, atol=tol)


def _torchvision_focal(inputs, targets, alpha, gamma):
    """torchvision.ops.sigmoid_focal_loss's formula (reduction="none")."""
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (None, 0.5), (0.7, 0.0), (0.5, 1.0),
                                          (0.9, 3.5)])
def test_sigmoid_focal_loss_matches_torchvision(alpha, gamma):
    rng = np.random.default_rng(8)
    z = rng.standard_normal(400) * 4  # moderate logits: where 1 - p_t does not cancel
    y = (rng.random(400) < 0.3).astype(np.float64)
    y[:20] = rng.random(20)  # soft targets too
    try:
        from torchvision.ops import sigmoid_focal_loss as focal
    except Exception:  # noqa: BLE001 (absent, or built for another torch)
        focal = lambda x, t, alpha, gamma: _torchvision_focal(x, t, alpha, gamma)  # noqa: E731
    zt = _t(z).requires_grad_(True)
    theirs = focal(zt, _t(y), alpha=-1 if alpha is None else alpha, gamma=gamma)
    theirs.sum().backward()
    v, g = fastloss.sigmoid_focal_loss_value_and_grad(y, z, alpha=alpha, gamma=gamma,
                                                      reduction="none")
    np.testing.assert_allclose(v, theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, zt.grad.numpy(), rtol=1e-11, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_row_losses_match_torch(dtype, reduction):
    """nll_loss, multi_margin (p 1 and 2, two margins) and kl_divergence
    against torch: values and gradients, with ties at the margin's kink."""
    rng = np.random.default_rng(9)
    z = rng.standard_normal((300, 6)).astype(dtype)
    lab = rng.integers(0, 6, 300)
    z[:10] = z[:10].round()  # violations of exactly 0 (the kink: gradient 0 there)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    log_p = torch.log_softmax(_t(z), 1).numpy()
    cases = [("nll_loss", {}, lab, log_p, lambda q: F.nll_loss(q, _t(lab), reduction=reduction))]
    for p, margin in ((1, 1.0), (2, 1.0), (1, 0.5), (2, 2.0)):
        cases.append(("multi_margin", {"p": p, "margin": margin}, lab, z,
                      lambda q, p=p, m=margin: F.multi_margin_loss(q, _t(lab), p=p, margin=m,
                                                                   reduction=reduction)))
    q = rng.dirichlet(np.ones(6), 300).astype(dtype)
    t = rng.dirichlet(np.ones(6), 300).astype(dtype)
    t[:20] = np.eye(6, dtype=dtype)[lab[:20]]  # one-hot: 0 log 0 = 0
    eps = 1e-15 if dtype == np.float64 else 2.0**-24

    def kl(qq):
        per = F.kl_div(torch.log(qq.clamp(eps, 1 - eps)), _t(t), reduction="none").sum(-1)
        return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    cases.append(("kl_divergence", {}, t, q, kl))
    for name, opts, target, pred, theirs_fn in cases:
        v, g = getattr(fastloss, name + "_value_and_grad")(target, pred, reduction=reduction,
                                                           **opts)
        pt = _t(pred).requires_grad_(True)
        theirs = theirs_fn(pt)
        theirs.sum().backward()
        np.testing.assert_allclose(v, theirs.detach().numpy(), rtol=tol, atol=tol, err_msg=name)
        np.testing.assert_allclose(g, pt.grad.numpy(), rtol=tol, atol=tol, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("ignore_index", [None, -100, 2])
def test_class_weights_and_ignored_labels_match_torch(dtype, reduction, label_smoothing,
                                                      ignore_index):
    """cross_entropy (labels and probability targets, with label smoothing),
    nll_loss and multi_margin_loss with torch's weight= and ignore_index=:
    values, gradients and their "mean" denominators, in both backends."""
    rng = np.random.default_rng(21)
    n, k = 400, 6
    z = (rng.standard_normal((n, k)) * 3).astype(dtype)
    z[0] = [1e4, -1e4, 0, 1, 2, 3]
    lab = rng.integers(0, k, n)
    if ignore_index is not None:
        lab[rng.random(n) < 0.3] = ignore_index
    cw = rng.uniform(0.2, 3.0, k).astype(dtype)
    cw[4] = 0.0  # a class that does not count
    probs = rng.dirichlet(np.ones(k), n).astype(dtype)
    log_p = torch.log_softmax(_t(z), 1).numpy()
    ign = {} if ignore_index is None else {"ignore_index": ignore_index}
    tign = {"ignore_index": -100 if ignore_index is None else ignore_index}
    lab_mm = np.where(lab == ignore_index, 0, lab) if ignore_index == -100 else lab
    cases = [
        ("softmax_cross_entropy", dict(label_smoothing=label_smoothing, **ign), lab, z,
         lambda q: F.cross_entropy(q, _t(lab), weight=_t(cw), label_smoothing=label_smoothing,
                                   reduction=reduction, **tign)),
        ("nll_loss", ign, lab, log_p,
         lambda q: F.nll_loss(q, _t(lab), weight=_t(cw), reduction=reduction, **tign)),
        # (torch's multi_margin_loss has no ignore_index: fastloss's ignored rows are
        # compared with the same rows left out)
        ("multi_margin", {"p": 2, "margin": 0.8}, lab_mm, z,
         lambda q: F.multi_margin_loss(q, _t(lab_mm), p=2, margin=0.8, weight=_t(cw),
                                       reduction=reduction)),
    ]
    if ignore_index is None:
        cases.append(("softmax_cross_entropy", {"label_smoothing": label_smoothing}, probs, z,
                      lambda q: F.cross_entropy(q, _t(probs), weight=_t(cw),
                                                label_smoothing=label_smoothing,
                                                reduction=reduction)))
    tol = 1e-12 if dtype == np.float64 else 3e-5
    for mod in (fastloss, fastloss.reference):
        for name, opts, target, pred, theirs_fn in cases:
            v, g = getattr(mod, name + "_value_and_grad")(target, pred, class_weight=cw,
                                                          reduction=reduction, **opts)
            pt = _t(pred).requires_grad_(True)
            theirs = theirs_fn(pt)
            theirs.sum().backward()
            what = f"{mod.__name__}.{name} {opts}"
            np.testing.assert_allclose(v, theirs.detach().numpy(), rtol=tol, atol=tol, err_msg=what)
            np.testing.assert_allclose(g, pt.grad.numpy(), rtol=tol, atol=tol, err_msg=what)
    if ignore_index is not None:  # multi_margin's ignored rows: the same as leaving them out
        keep = lab != ignore_index
        for red in ("mean", "sum"):
            ours = fastloss.multi_margin(lab, z, class_weight=cw, ignore_index=ignore_index,
                                         reduction=red)
            theirs = F.multi_margin_loss(_t(z[keep]), _t(lab[keep]), weight=_t(cw), reduction=red)
            np.testing.assert_allclose(ours, theirs.item(), rtol=tol)


def _hessian_diagonal(fn, x):
    """The diagonal of torch's Hessian of the scalar fn at x (double backward)."""
    hess = torch.autograd.functional.hessian(fn, _t(x))
    n = x.size
    return hess.reshape(n, n).diagonal().reshape(x.shape).numpy()


def test_grad_hess_matches_torch_double_backward():
    rng = np.random.default_rng(12)
    y = rng.standard_normal(8)
    p = y + rng.standard_normal(8)
    t = (rng.random(8) < 0.5).astype(np.float64)
    prob = rng.uniform(0.05, 0.95, 8)
    lab = rng.integers(0, 4, 5)
    z = rng.standard_normal((5, 4))
    q = rng.dirichlet(np.ones(4), 5)
    dense = rng.dirichlet(np.ones(4), 5)
    counts = rng.poisson(3.0, 8).astype(np.float64)
    pw = 2.5
    cw = np.array([0.5, 2.0, 1.0, 3.0])
    lab[0] = 1
    cases = [
        ("mse", {}, y, p, lambda a: F.mse_loss(a, _t(y))),
        ("mae", {}, y, p, lambda a: F.l1_loss(a, _t(y))),
        ("huber", {"delta": 0.7}, y, p, lambda a: F.huber_loss(a, _t(y), delta=0.7)),
        ("binary_cross_entropy", {}, t, prob, lambda a: F.binary_cross_entropy(a, _t(t))),
        ("binary_cross_entropy_with_logits", {"pos_weight": pw}, t, p,
         lambda a: F.binary_cross_entropy_with_logits(a, _t(t), pos_weight=torch.tensor(pw))),
        ("poisson_nll", {}, counts, p, lambda a: F.poisson_nll_loss(a, _t(counts))),
        ("poisson_nll", {"log_input": False}, counts, prob,
         lambda a: F.poisson_nll_loss(a, _t(counts), log_input=False)),
        ("softmax_cross_entropy", {}, lab, z, lambda a: F.cross_entropy(a, _t(lab))),
        ("softmax_cross_entropy", {"label_smoothing": 0.2}, dense, z,
         lambda a: F.cross_entropy(a, _t(dense), label_smoothing=0.2)),
        ("nll_loss", {}, lab, np.log(q), lambda a: F.nll_loss(a, _t(lab))),
        ("softmax_cross_entropy", {"class_weight": cw, "label_smoothing": 0.3,
                                   "ignore_index": 1}, lab, z,
         lambda a: F.cross_entropy(a, _t(lab), weight=_t(cw), label_smoothing=0.3,
                                   ignore_index=1)),
        ("softmax_cross_entropy", {"class_weight": cw}, dense, z,
         lambda a: F.cross_entropy(a, _t(dense), weight=_t(cw))),
        ("kl_divergence", {}, dense, q,
         lambda a: F.kl_div(torch.log(a), _t(dense), reduction="sum") / 5),
    ]  # (torch has no double backward of multi_margin_loss: test_grad covers it)
    for name, opts, target, pred, fn in cases:
        g, h = getattr(fastloss, name + "_grad_hess")(target, pred, **opts)
        np.testing.assert_allclose(h, _hessian_diagonal(fn, pred), rtol=1e-10, atol=1e-13,
                                   err_msg=name)
