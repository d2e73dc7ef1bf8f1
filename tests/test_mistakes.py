"""Inputs users get wrong give an exception, not a number: predictions outside
[0, 1] for the losses on probabilities, targets outside [0, 1] for BCE with
logits, huge integer options, masked arrays, long double beyond float64; the
one rule for weights that sum to zero; hash flooding of string labels; and
consistent snapshots of fastloss.Mean under concurrent updates."""
import functools
import math
import pickle
import threading
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fastloss
from fastloss import _ext
from fastloss._losses import PROBABILITY
from fastloss._testing import option_sets, sample

BACKENDS = ["compiled", "numpy"]
# the losses whose predictions are checked (probabilities in [0, 1], rates
# >= 0, ...), each with the first options under which they are
CHECKED = [next((loss, o) for o in option_sets(loss) if loss.domains_for(o)[1].c_name != "FL_DOM_ANY")
           for loss in fastloss.LOSSES
           if any(loss.domains_for(o)[1].c_name != "FL_DOM_ANY" for o in option_sets(loss))]


def _prob_inputs(loss, n, rng, options=None):
    """Valid (y_true, y_pred) for a loss that checks its predictions, n rows
    (hard targets; 4 classes for the row losses)."""
    return sample(loss, rng, (n,), 4, targets="labels", options=options)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss, options", CHECKED, ids=lambda c: getattr(c, "name", str(c)))
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("suffix", ["", "_grad"])
def test_predictions_outside_their_domain_are_an_error(backend, loss, options, n_threads, suffix):
    rng = np.random.default_rng(1)
    n = 300_000  # many blocks, both threads busy
    y, p = _prob_inputs(loss, n, rng, options)
    fn = functools.partial(getattr(fastloss, loss.name + suffix), **options)
    domain = loss.domains_for(options)[1]
    late, early = (n - 3, 1) if p.ndim == 1 else ((n - 3, 2), (n // 2 + 7, 0))
    if loss.targets == "labels":  # it reads (and checks) the label's probability of a row
        late, early = (n - 3, int(y[n - 3])), (n // 2 + 7, int(y[n // 2 + 7]))
    pn = loss.pred_name
    for value in (*domain.outside, *((1.0 + 1e-12,) if domain is PROBABILITY else ())):
        q = p.copy()
        q[late] = value
        want = (rf"{pn}\[{late}\]" if p.ndim == 1 else rf"{pn}\[\({late[0]}, {late[1]}\)\]")
        with fastloss.use_backend(backend), pytest.raises(fastloss.TargetError, match=want) as e:
            fn(y, q, n_threads=n_threads)
        assert domain.rule in str(e.value) and loss.pred_hint in str(e.value)
        assert e.value.argument == pn and e.value.position == late
        assert e.value.value == value
        q[early] = domain.outside[0]  # a smaller position wins, whatever the thread count
        at = f"{early}" if p.ndim == 1 else f"({early[0]}, {early[1]})"
        with fastloss.use_backend(backend), pytest.raises(ValueError) as e:
            fn(y, q, n_threads=n_threads)
        assert e.value.position == early and f"{pn}[{at}] = {domain.outside[0]}" in str(e.value)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("loss, options", CHECKED, ids=lambda c: getattr(c, "name", str(c)))
def test_nan_predictions_still_propagate(backend, loss, options):
    y, p = _prob_inputs(loss, 10, np.random.default_rng(2), options)
    p = p.copy()
    p[3] = np.nan
    with fastloss.use_backend(backend):
        assert math.isnan(getattr(fastloss, loss.name)(y, p, **options))


@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_cross_entropy_checks_the_probability_it_reads(backend):
    lab = np.array([0, 1, 1])
    q = np.array([[0.5, 7.0], [-3.0, 0.5], [0.5, 0.5]])  # other entries never enter the loss
    with fastloss.use_backend(backend):
        assert fastloss.sparse_categorical_cross_entropy(lab, q) == pytest.approx(np.log(2))
        q[2, 1] = 1.5
        with pytest.raises(ValueError, match=r"y_prob\[\(2, 1\)\] = 1.5"):
            fastloss.sparse_categorical_cross_entropy_grad(lab, q)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_classic_mistake_logits_as_probabilities(backend):
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_prob\[0\] = -2.0"):
        fastloss.binary_cross_entropy([0, 1], [-2.0, 3.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_bad_target_and_a_bad_prediction_at_one_row(backend):
    # the smallest position wins; at one position, the target is named
    y, p = np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.5, 1.5])
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_prob\[1\] = 1.5"):
        fastloss.binary_cross_entropy(y, p)
    y[1] = 3.0
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_true\[1\] = 3.0"):
        fastloss.binary_cross_entropy(y, p)
    lab = np.array([0, 9, 1])
    q = np.array([[0.5, 0.5], [0.5, 0.5], [2.0, -1.0]])
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_true\[1\] = 9"):
        fastloss.sparse_categorical_cross_entropy(lab, q)
    lab[1] = 0
    lab[2] = 0  # the label's probability, 2.0, is the one read
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_prob\[\(2, 0\)\] = 2.0"):
        fastloss.sparse_categorical_cross_entropy(lab, q)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_threads", [1, 2])
def test_bce_with_logits_targets_in_the_unit_interval(backend, n_threads):
    rng = np.random.default_rng(3)
    y, z = rng.random(300_000), rng.standard_normal(300_000)
    y[250_001] = 2.0
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_true\[250001\] = 2.0"):
        fastloss.binary_cross_entropy_with_logits(y, z, n_threads=n_threads)
    y[250_001] = np.nan
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_true\[250001\] = nan"):
        fastloss.binary_cross_entropy_with_logits_grad(y, z, n_threads=n_threads)
    with fastloss.use_backend(backend), pytest.raises(ValueError, match=r"y_true\[1\] = 2"):
        fastloss.binary_cross_entropy_with_logits([0, 2], [0.3, 0.1])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("big", [10**400, -(10**400), 2**1024])
def test_huge_integer_options_name_the_option(backend, big):
    y, p = np.zeros(3), np.ones(3)
    with fastloss.use_backend(backend):
        with pytest.raises(ValueError, match="delta"):
            fastloss.huber(y, p, delta=big)
        with pytest.raises(ValueError, match="pos_weight"):
            fastloss.binary_cross_entropy_with_logits(y, p, pos_weight=big)
        with pytest.raises(ValueError, match="label_smoothing"):
            fastloss.softmax_cross_entropy([0, 1], np.zeros((2, 3)), label_smoothing=big)
    with pytest.raises(ValueError, match="delta"):
        fastloss.Mean("huber", delta=big)
    # a large but representable integer is just a number
    assert fastloss.huber(y, p, delta=2**60) == 0.5


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("arg", ["y_true", "y_pred", "sample_weight"])
def test_masked_arrays_are_rejected_with_a_hint(backend, arg):
    y = np.array([1.0, 2.0, 1e12])
    args = {"y_true": y, "y_pred": np.array([0.0, 2.0, 0.0]), "sample_weight": np.ones(3)}
    args[arg] = np.ma.masked_array(args[arg], mask=[False, False, True])
    with fastloss.use_backend(backend), pytest.raises(TypeError, match=f"{arg} is a masked") as e:
        fastloss.mse(args["y_true"], args["y_pred"], sample_weight=args["sample_weight"])
    assert "compressed" in str(e.value) and "sample_weight" in str(e.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_double_is_computed_as_float64_and_never_overflows_silently(backend):
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("long double is float64 on this platform")
    y = np.array([1.0, 2.0, 3.0], np.longdouble)
    p = np.array([1.5, 2.0, 2.0], np.longdouble)
    with fastloss.use_backend(backend):
        assert fastloss.mse(y, p) == fastloss.mse(y.astype(np.float64), p.astype(np.float64))
        assert fastloss.mse_grad(y, p).dtype == np.float64
        q = p.copy()
        q[2] = np.longdouble(10) ** 400
        with pytest.raises(ValueError, match=r"y_pred holds a value beyond float64"):
            fastloss.mse(y, q)
        with pytest.raises(ValueError, match=r"sample_weight holds a value beyond float64"):
            fastloss.mse(y, p, sample_weight=q)
        q[2] = np.inf  # an infinity is kept, as IEEE says
        assert fastloss.mse(y, q) == np.inf


# ---- weights that sum to zero: one rule on both backends ----------------------

ZERO_CASES = [
    ([1.0, -1.0, 1e-17], False),   # exact sum 1e-17: defined (rounding may give 0)
    ([1.0, 1e-17, -1.0], False),
    ([1e-17, 1.0, -1.0], False),
    ([1.0, -1.0, 0.0], True),
    ([1e308, -1e308, 5e-324], False),
    ([0.1, 0.2, -0.3], False),     # exact sum of these doubles is 2**-56 * ...: not zero
    ([0.5, 0.25, -0.75], True),
    ([0.0, -0.0, 0.0], True),
]


@pytest.mark.parametrize("weights,zero", ZERO_CASES)
@pytest.mark.parametrize("fn", ["mse", "mse_grad", "mse_value_and_grad"])
def test_weights_summing_to_zero_decided_by_their_exact_sum(weights, zero, fn):
    assert (math.fsum(weights) == 0) == zero  # the rule itself
    y, p = np.zeros(3), np.ones(3)
    outcomes = []
    for backend in BACKENDS:
        with fastloss.use_backend(backend):
            try:
                getattr(fastloss, fn)(y, p, sample_weight=weights)
                outcomes.append("value")
            except fastloss.ZeroWeightError:
                outcomes.append("zero")
    assert outcomes == ["zero" if zero else "value"] * 2


@given(st.lists(st.sampled_from([1.0, -1.0, 0.5, -0.5, 1e-17, -1e-17, 3.0, -3.0, 0.1, -0.1,
                                 1e16, -1e16, 0.0]), min_size=1, max_size=40))
def test_both_backends_take_the_same_zero_decision(weights):
    w = np.array(weights)
    y, p = np.zeros(len(w)), np.ones(len(w))
    res = []
    for backend in BACKENDS:
        with fastloss.use_backend(backend):
            for fn in (fastloss.mse, fastloss.mse_grad):
                try:
                    fn(y, p, sample_weight=w)
                    res.append(False)
                except ValueError:
                    res.append(True)
    assert res == [math.fsum(weights) == 0] * 4


def test_zero_weight_rule_for_row_losses_and_float32():
    lab, z = np.array([0, 1, 2]), np.zeros((3, 4), np.float32)
    for backend in BACKENDS:
        with fastloss.use_backend(backend):
            w = np.array([1.0, -1.0, 2.0**-30], np.float32)
            fastloss.softmax_cross_entropy(lab, z, sample_weight=w)  # exact sum 2**-30
            with pytest.raises(ValueError, match="zero"):
                fastloss.softmax_cross_entropy_grad(lab, z, sample_weight=w[:2].tolist() + [0.0])


# ---- hash flooding -----------------------------------------------------------------

_M = (1 << 64) - 1


def _inv_xorshift(h, s):
    x = h
    for _ in range(64 // s + 1):
        x = h ^ (x >> s)
    return x & _M


def _crafted_labels(n):
    """8-byte labels whose hashes under an unkeyed multiply-xorshift hash (the
    kind a table keyed only on the bytes would use) share their low 32 bits:
    every one lands in the same bucket of a table of up to 2**32 slots.  Built
    by inverting the hash, as an attacker would."""
    c1, c2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
    i1, i2 = pow(c1, -1, 1 << 64), pow(c2, -1, 1 << 64)
    out = []
    for j in range(1, n + 1):
        h = j << 32
        h = _inv_xorshift(h, 29)
        h = (h * i2) & _M
        h = _inv_xorshift(h, 32)
        h = _inv_xorshift(h, 29)
        h = (h * i1) & _M
        out.append((h ^ 0x9E3779B97F4A7C15).to_bytes(8, "little"))
    return np.array(out, dtype="S8")


def test_crafted_string_labels_cost_what_random_ones_cost():
    n = 40_000
    crafted = _crafted_labels(n)
    assert len(set(crafted.tolist())) == n
    rng = np.random.default_rng(7)
    rand = np.frombuffer(rng.bytes(8 * n), dtype="S8")
    rand = rand[np.char.str_len(rand) == 8]  # no trailing zero bytes, as the crafted ones

    def best(a):
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            codes, first = _ext.factorize(a)
            ts.append(time.perf_counter() - t0)
        assert len(first) == len(set(a.tolist()))
        return min(ts)

    assert best(crafted) < 3 * best(rand) + 1e-3


def test_factorize_hash_is_keyed_per_process():
    from helpers import run_python

    code = ("import numpy as np, fastloss._ext as e; a = np.array([b'x%d' % i for i in range(50)]);"
            "print(e.factorize(a)[0].tolist() == list(range(50)))")
    for seed in ("0", "1", "random"):
        assert run_python("-c", code, env={"PYTHONHASHSEED": seed}).stdout.strip() == "True"


# ---- Mean snapshots under concurrent updates ----------------------------------------

def test_mean_snapshots_are_never_torn():
    acc = fastloss.Mean("mse")
    batches = [(np.zeros(m), np.ones(m)) for m in (1, 7, 100, 1000)]  # each loss is 1.0
    stop = threading.Event()

    def updater(i):
        k = 0
        while not stop.is_set():
            acc.update(*batches[(i + k) % len(batches)])
            k += 1

    threads = [threading.Thread(target=updater, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    torn = snaps = 0
    deadline = time.perf_counter() + 2.0
    try:
        while time.perf_counter() < deadline:
            st_ = pickle.loads(pickle.dumps(acc))
            # every sample's loss is 1, so a consistent state has sum == count == sum_weight
            torn += not (st_.sum == st_.count == st_.sum_weight)
            other = fastloss.Mean("mse").merge(acc)
            torn += not (other.sum == other.count == other.sum_weight)
            both = acc + fastloss.Mean("mse")
            torn += not (both.sum == both.count)
            r = acc.result() if acc.count else 1.0
            torn += r != 1.0
            snaps += 4
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert snaps > 1000 and torn == 0, (torn, snaps)
