"""fastloss.torch: autograd against finite differences (gradcheck) for every
loss, values and gradients against torch's own losses, a training loop that
ends where torch's does, and the errors for what is not supported.  Skipped
without torch."""
import os

import numpy as np
import pytest

if os.environ.get("FASTLOSS_UNDER_SANITIZER"):  # (torch's own code, not fastloss's memory)
    pytest.skip("integration with PyTorch, not memory", allow_module_level=True)
torch = pytest.importorskip("torch")

import fastloss  # noqa: E402
import fastloss.torch as flt  # noqa: E402
from fastloss._losses import PROBABILITY  # noqa: E402
from helpers import LOSSES, inputs  # noqa: E402

F = torch.nn.functional


def _point(loss, seed, dtype="float64", rows=6, k=4, **opts):
    """(y, p, options) at a smooth point: the table's typical data, a moderate
    value of every option, probabilities inside the clip range."""
    opts = {**{o.name: o.inside()[0] for o in loss.options}, **opts}
    y, p = inputs(loss, rows=(rows,), k=k, dtype=dtype, seed=seed, options=opts)
    if loss.pred_domain is PROBABILITY:
        p = (0.05 + 0.9 * p).astype(dtype)
    return y, p, opts


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_every_loss(loss, reduction):
    y, p, opts = _point(loss, seed=3)
    w = torch.from_numpy(np.random.default_rng(1).uniform(0.2, 2.0, p.shape[0]))
    if loss.kind != "rows":
        w = torch.from_numpy(np.random.default_rng(1).uniform(0.2, 2.0, p.shape))
    fn = getattr(flt, loss.name)
    x = torch.from_numpy(p).requires_grad_()
    yt = torch.from_numpy(np.asarray(y))
    assert torch.autograd.gradcheck(
        lambda q: fn(yt, q, sample_weight=w, reduction=reduction, **opts), (x,),
        eps=1e-6, atol=1e-6, rtol=1e-5)


def _parity(ours, theirs, x, rtol=1e-12, none=False, atol=1e-300):
    """Value and gradient (backward of the sum, or of a random weighting of
    each term for "none") of ours(x) and theirs(x) on a float64 tensor x."""
    a = x.detach().clone().requires_grad_()
    b = x.detach().clone().requires_grad_()
    va, vb = ours(a), theirs(b)
    assert va.dtype == vb.dtype and va.shape == vb.shape
    np.testing.assert_allclose(va.detach().numpy(), vb.detach().numpy(), rtol=rtol, atol=atol)
    go = torch.from_numpy(np.random.default_rng(2).uniform(-1, 2, tuple(va.shape))) if none \
        else torch.tensor(1.0, dtype=va.dtype)
    va.backward(go)
    vb.backward(go)
    scale = float(b.grad.abs().max()) or 1.0
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=rtol * scale)


def _cases():
    rng = np.random.default_rng(0)
    n, k = 64, 5
    y = rng.standard_normal(n)
    logits = rng.standard_normal((n, k)) * 2
    labels = rng.integers(0, k, n)
    labels_pad = np.where(rng.random(n) < 0.2, -100, labels)
    soft = rng.dirichlet(np.ones(k), n)
    cw = np.linspace(0.5, 2.0, k)
    counts = rng.poisson(3.0, n).astype(np.float64)
    t = lambda a: torch.from_numpy(np.asarray(a))  # noqa: E731
    yield ("mse", {}, rng.standard_normal(n), lambda x, r: flt.mse(t(y), x, reduction=r),
           lambda x, r: F.mse_loss(x, t(y), reduction=r))
    yield ("mae", {}, rng.standard_normal(n), lambda x, r: flt.mae(t(y), x, reduction=r),
           lambda x, r: F.l1_loss(x, t(y), reduction=r))
    yield ("huber", {}, rng.standard_normal(n) * 2,
           lambda x, r: flt.huber(t(y), x, delta=0.7, reduction=r),
           lambda x, r: F.huber_loss(x, t(y), delta=0.7, reduction=r))
    yb = (rng.random(n) < 0.4).astype(np.float64)
    yield ("binary_cross_entropy", {}, rng.uniform(0.05, 0.95, n),
           lambda x, r: flt.binary_cross_entropy(t(yb), x, reduction=r),
           lambda x, r: F.binary_cross_entropy(x, t(yb), reduction=r))
    ym = (rng.random((n, 3)) < 0.4).astype(np.float64)
    pw = np.array([0.5, 2.0, 3.0])
    # (torch computes x + log1p(exp(-|x|)) + max(-x, 0) for y = 0, x < 0: a term
    # as small as softplus(x) carries its absolute rounding, about eps |x|)
    yield ("binary_cross_entropy_with_logits", {"atol": 1e-14}, rng.standard_normal((n, 3)) * 3,
           lambda x, r: flt.binary_cross_entropy_with_logits(t(ym), x, pos_weight=pw,
                                                             reduction=r),
           lambda x, r: F.binary_cross_entropy_with_logits(x, t(ym), pos_weight=t(pw),
                                                           reduction=r))
    for ls in (0.0, 0.2):
        for ign in (None, -100):
            lab = labels if ign is None else labels_pad
            yield (f"softmax_cross_entropy ls={ls} ignore={ign}", {}, logits,
                   lambda x, r, lab=lab, ls=ls, ign=ign: flt.softmax_cross_entropy(
                       t(lab), x, class_weight=t(cw), ignore_index=ign, label_smoothing=ls,
                       reduction=r),
                   lambda x, r, lab=lab, ls=ls: F.cross_entropy(
                       x, t(lab), weight=t(cw), ignore_index=-100, label_smoothing=ls,
                       reduction=r))
        yield (f"softmax_cross_entropy probabilities ls={ls}", {}, logits,
               lambda x, r, ls=ls: flt.softmax_cross_entropy(t(soft), x, class_weight=cw,
                                                             label_smoothing=ls, reduction=r),
               lambda x, r, ls=ls: F.cross_entropy(x, t(soft), weight=t(cw), label_smoothing=ls,
                                                   reduction=r))
    logp = torch.log_softmax(t(logits), -1).numpy()
    yield ("nll_loss", {}, logp,
           lambda x, r: flt.nll_loss(t(labels_pad), x, class_weight=cw, ignore_index=-100,
                                     reduction=r),
           lambda x, r: F.nll_loss(x, t(labels_pad), weight=t(cw), reduction=r))
    q = rng.dirichlet(np.ones(k), n) * 0.9 + 0.02
    yield ("kl_divergence", {"mean": "batchmean"}, q,
           lambda x, r: flt.kl_divergence(t(soft), x, reduction=r),
           lambda x, r: (F.kl_div(torch.log(x), t(soft), reduction=r) if r != "none"
                         else F.kl_div(torch.log(x), t(soft), reduction="none").sum(-1)))
    for log_input in (True, False):
        for full in (False, True):
            pred = rng.standard_normal(n) if log_input else rng.uniform(0.1, 5.0, n)
            yield (f"poisson_nll log_input={log_input} full={full}", {}, pred,
                   lambda x, r, li=log_input, fu=full: flt.poisson_nll(
                       t(counts), x, log_input=li, full=fu, reduction=r),
                   lambda x, r, li=log_input, fu=full: F.poisson_nll_loss(
                       x, t(counts), log_input=li, full=fu, reduction=r))
    for p in (1, 2):
        yield (f"multi_margin p={p}", {}, logits,
               lambda x, r, p=p: flt.multi_margin(t(labels), x, p=p, margin=0.8, class_weight=cw,
                                                  reduction=r),
               lambda x, r, p=p: F.multi_margin_loss(x, t(labels), p=p, margin=0.8, weight=t(cw),
                                                     reduction=r))


CASES = list(_cases())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_values_and_gradients_match_torch(case, reduction):
    name, extra, x, ours, theirs = case
    r_theirs = extra.get(reduction, reduction)  # (torch's name of the same reduction)
    _parity(lambda a: ours(a, reduction), lambda a: theirs(a, r_theirs), torch.from_numpy(x),
            none=reduction == "none", atol=extra.get("atol", 1e-300))


def test_float32_and_labels_match_torch():
    rng = np.random.default_rng(4)
    x = torch.from_numpy(rng.standard_normal((200, 7)).astype(np.float32)).requires_grad_()
    lab = torch.from_numpy(rng.integers(0, 7, 200))  # int64, as torch's labels
    v = flt.softmax_cross_entropy(lab, x)
    v.backward()
    x2 = x.detach().clone().requires_grad_()
    v2 = F.cross_entropy(x2, lab)
    v2.backward()
    assert v.dtype == torch.float32
    np.testing.assert_allclose(v.item(), v2.item(), rtol=2e-6)
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=2e-5, atol=1e-8)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_predictions_are_computed_in_float32(dtype):
    x = torch.tensor([0.5, -1.0, 2.0], dtype=dtype, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 1.0])
    v = flt.binary_cross_entropy_with_logits(y, x)
    v.backward()
    assert v.dtype == dtype and x.grad.dtype == dtype
    want = fastloss.binary_cross_entropy_with_logits_grad(y.numpy(), x.detach().float().numpy())
    np.testing.assert_allclose(x.grad.float().numpy(), want, rtol=1e-2)


def test_training_loop_ends_where_torchs_does():
    """Softmax regression, 20 steps of SGD: the same weights with fastloss's
    loss as with torch's cross_entropy (to 1e-10)."""
    rng = np.random.default_rng(9)
    n, d, k = 500, 8, 4
    X = torch.from_numpy(rng.standard_normal((n, d)))
    y = torch.from_numpy(rng.integers(0, k, n))
    finals = []
    for criterion in (lambda s: flt.softmax_cross_entropy(y, s, label_smoothing=0.05),
                      lambda s: F.cross_entropy(s, y, label_smoothing=0.05)):
        torch.manual_seed(0)
        model = torch.nn.Linear(d, k, dtype=torch.float64)
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        for _ in range(20):
            opt.zero_grad()
            criterion(model(X)).backward()
            opt.step()
        finals.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
    assert not np.allclose(finals[0], 0)
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-10, atol=1e-10)


def test_module_is_a_criterion():
    crit = flt.Loss("huber", delta=0.5, reduction="sum")
    assert isinstance(crit, torch.nn.Module) and "huber" in repr(crit)
    x = torch.tensor([0.0, 2.0, -1.0], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.1, 0.0, 0.0], dtype=torch.float64)
    crit(x, t).backward()  # prediction first, as torch's criteria
    x2 = x.detach().clone().requires_grad_()
    F.huber_loss(x2, t, delta=0.5, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-15)
    with pytest.raises(ValueError, match="unknown loss"):
        flt.Loss("nope")
    with pytest.raises(TypeError, match="no option"):
        flt.Loss("mse", delta=1.0)


def test_no_copies_and_no_gradient_when_not_needed(monkeypatch):
    x = torch.randn(1000, 10, dtype=torch.float64)
    lab = torch.randint(0, 10, (1000,))
    seen, grads = [], []
    real_vg = fastloss.softmax_cross_entropy_value_and_grad

    def spy(y, p, **kw):
        seen.append((np.shares_memory(p, x.numpy()), np.shares_memory(y, lab.numpy())))
        value, grad = real_vg(y, p, **kw)
        grads.append(grad)
        return value, grad

    monkeypatch.setattr(fastloss, "softmax_cross_entropy_value_and_grad", spy)
    flt.softmax_cross_entropy(lab, x.requires_grad_()).backward()
    assert seen == [(True, True)]  # the inputs read in place
    assert np.shares_memory(x.grad.numpy(), grads[0])  # .grad is the kernel's own output
    x.grad = None
    v = flt.softmax_cross_entropy(lab, x)
    v.backward(retain_graph=True)  # a retained graph run twice: the gradient twice
    first = x.grad.clone()
    v.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy(), rtol=1e-15)
    x.requires_grad_(False)
    v = flt.softmax_cross_entropy(lab, x)  # the value only: no value_and_grad call
    assert len(seen) == 3 and v.grad_fn is None
    assert v.item() == pytest.approx(fastloss.softmax_cross_entropy(lab.numpy(), x.numpy()),
                                     rel=1e-15)


def test_what_is_not_supported_is_a_clear_error():
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    y = torch.randn(5, dtype=torch.float64)
    with pytest.raises(ValueError, match="device 'meta'"):
        flt.mse(y, torch.empty(5, device="meta"))
    with pytest.raises(ValueError, match="device 'meta'"):
        flt.mse(torch.empty(5, device="meta"), x)
    with pytest.raises(ValueError, match="y_true requires a gradient"):
        flt.mse(y.clone().requires_grad_(), x)
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        flt.mse(y, x.detach().numpy())
    with pytest.raises(ValueError, match="reduction"):
        flt.mse(y, x, reduction="avg")
    with pytest.raises(ValueError, match="y_true and y_pred"):  # fastloss's own checks
        flt.mse(y[:3], x)
    z = torch.randn(4, 3, dtype=torch.float64)
    for name, labels in (("softmax_cross_entropy", torch.tensor([0.0, 1.0, 2.0, 1.0])),
                         ("nll_loss", torch.tensor([0.0, 1.0, 2.0, 1.0])),
                         ("multi_margin", torch.tensor([True, False, True, False]))):
        with pytest.raises(TypeError, match=r"integer class labels; got torch\..*y_true.long\(\)"):
            getattr(flt, name)(labels, z)
    assert np.isfinite(float(flt.softmax_cross_entropy(torch.softmax(z, 1), z)))  # probabilities
    # a first-order backward with create_graph works; differentiating again does not
    (g,) = torch.autograd.grad(flt.mse(y, x), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), (2 * (x - y) / 5).detach().numpy(),
                               rtol=1e-15)
    with pytest.raises(RuntimeError, match="second derivatives"):
        g.sum().backward()
    # every other way of differentiating the gradient again reaches the same error
    (g,) = torch.autograd.grad(flt.mse(y, x), x, create_graph=True)
    with pytest.raises(RuntimeError, match="second derivatives"):
        torch.autograd.grad(g.sum(), x)
    with pytest.raises(RuntimeError, match="second derivatives"):
        torch.autograd.functional.hessian(lambda q: flt.mse(y, q), x)
    w = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(w * flt.mse(y, x), x, create_graph=True)
    with pytest.raises(RuntimeError, match="second derivatives"):
        torch.autograd.grad(g.sum(), w)
