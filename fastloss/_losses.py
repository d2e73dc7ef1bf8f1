"""The loss table: one entry per loss holds every fact about it once, and
drives the compiled kernels (the build generates their table from it), the
public API and its docs, the NumPy reference twin, the test and benchmark
data, Mean, fastloss.dask and the command line.

A new elementwise loss is one :class:`Loss` entry below (with its textbook
NumPy formula) and one C function in ``src_c/fl_ew_losses.h``; a row loss is
one entry and one stage function in ``src_c/fl_row_losses.h``.  See
docs/adding-a-loss.md.
"""
from __future__ import annotations

import enum
import functools
import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Callable, NamedTuple

import numpy as np


class Mode(enum.IntEnum):
    """What a call computes (the compiled entry checks its own copy against this)."""

    VALUE = 0
    GRAD = 1
    VALUE_AND_GRAD = 2
    SUMS = 3  # private: (sum(w * loss), sum(w)) of reduction="sum", for fastloss.Mean
    GRAD_HESS = 4  # the gradient and the diagonal of the Hessian


REDUCTIONS = ("mean", "sum", "none")


@dataclass(frozen=True)
class Bounds:
    """The interval of valid values of an option; NaN is never valid."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = True
    hi_open: bool = True

    def __contains__(self, v):
        return ((v > self.lo) if self.lo_open else (v >= self.lo)) and (
            (v < self.hi) if self.hi_open else (v <= self.hi))

    def describe(self):
        """What an error message asks for: "a finite number > 0", "in [0, 1]"."""
        if self.hi == math.inf and self.hi_open:
            if self.lo == -math.inf:
                return "finite"
            return f"a finite number {'>' if self.lo_open else '>='} {self.lo:g}"
        return (f"in {'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}"
                f"{')' if self.hi_open else ']'}")

    def outside(self):
        """Values that are not valid (for the tests)."""
        bad = [math.nan]
        bad += [self.lo] if self.lo_open else ([self.lo - 1e-9] if self.lo > -math.inf else [])
        bad += [self.hi] if self.hi_open else [self.hi + 0.5]
        if self.lo > -math.inf:
            bad.append(self.lo - 1)
        return [v for v in dict.fromkeys(bad) if v not in self]

    def inside(self):
        """A few valid values for the tests, a moderate one first (0.7 above an
        open 0; 2% into a finite interval), then the closed ends."""
        if self.lo > -math.inf and self.hi < math.inf:
            span = self.hi - self.lo
            vals = [self.lo + span * f for f in (0.02, 0.5, 0.9, 1e-3)]
        else:
            base = self.lo if self.lo > -math.inf else (self.hi - 10 if self.hi < math.inf else 0.0)
            vals = [base + d for d in (0.7, 2.5, 1e-3, 1e3)]
        vals += [v for v, closed in ((self.lo, not self.lo_open), (self.hi, not self.hi_open))
                 if closed]
        return [v for v in dict.fromkeys(vals) if v in self]


POSITIVE = Bounds(lo=0.0)
UNIT = Bounds(0.0, 1.0, False, False)


@dataclass(frozen=True)
class Option:
    """A scalar loss option (keyword-only argument).

    ``bounds``: its valid values, less the open interval ``gap`` when
    given; ``none``: the value meant by passing None (None is then the
    default); ``columns``: a 1-D array of one value per column of a 2-D input
    is also accepted (each value checked like the scalar), which the kernels
    read element by element; ``boolean``: True or False only (the kernels
    read 1.0 or 0.0); ``examples``: the valid values the tests and the
    accuracy oracle try (by default a few from the bounds).

    Two options of the integer-label losses are not scalars: ``per_class``
    (``class_weight``: None or a 1-D array of one weight per class, each in
    ``bounds``) and ``label`` (``ignore_index``: None or an integer label
    within ``bounds``).  The kernels get them beside the scalar options (the
    option's slot holds 1.0 / 0.0, or the label / NaN); they do not change
    the formula of a row, so the accuracy oracle leaves them out."""

    name: str
    default: object
    bounds: Bounds
    doc: str
    none: float | None = None
    columns: bool = False
    boolean: bool = False
    gap: Bounds | None = None
    examples: tuple = ()
    per_class: bool = False
    label: bool = False

    @property
    def scalar(self):
        """A number (not a per-class array or a label) the formula takes."""
        return not (self.per_class or self.label)

    def __contains__(self, v):
        return v in self.bounds and not (self.gap is not None and v in self.gap)

    def describe(self):
        """What an error message asks for."""
        if self.boolean:
            return "True or False"
        if self.label:
            return "None or an integer of magnitude at most 2**53"
        b, g = self.bounds, self.gap
        if g is not None and (g.lo, g.hi) == (b.lo, b.hi) and g.lo_open and g.hi_open:
            return f"{b.lo:g} or {b.hi:g}"  # the two ends only
        want = self.bounds.describe()
        if self.gap is not None:
            g = self.gap
            want += (f", not in {'(' if g.lo_open else '['}{g.lo:g}, {g.hi:g}"
                     f"{')' if g.hi_open else ']'}")
        return want

    def inside(self):
        """A few valid values for the tests, a moderate one first."""
        if self.examples:
            return list(self.examples)
        if self.boolean:
            return [not self.default, self.default]
        if self.per_class:  # (arrays need the class count: tests draw them)
            return [None]
        if self.label:  # torch's padding label (rows the samplers mark), then class 0
            return [-100, 0]
        return [v for v in self.bounds.inside() if v in self] + (
            [self.gap.hi, self.gap.lo, self.gap.hi + 0.5] if self.gap is not None else [])

    def outside(self):
        """(value, exception type) pairs that are not valid (for the tests)."""
        if self.boolean:
            return [(0.5, TypeError), (1, TypeError), (None, TypeError), ("yes", TypeError)]
        if self.per_class:  # invalid whatever the class count
            return [(np.array([1.0, -1.0, 1.0]), ValueError), (np.array([np.nan, 1.0, 1.0]), ValueError),
                    (np.array([np.inf, 1.0, 1.0]), ValueError), (np.ones((3, 1)), ValueError),
                    (np.ones(10**4), ValueError), (2.0, TypeError), (["a", "b"], TypeError)]
        if self.label:
            return [(1.5, TypeError), (True, TypeError), (np.float64(3.0), TypeError),
                    (2**53 + 1, ValueError), (-(2**60), ValueError)]
        bad = self.bounds.outside()
        if self.gap is not None:
            bad.append((self.gap.lo + self.gap.hi) / 2)
        return [(v, ValueError) for v in bad]

    def validate(self, value):
        """The option as a float (or, for ``columns`` and ``per_class``, a 1-D
        float64 array; for ``label``, an int or None)."""
        if self.per_class or self.label:
            return self._validate_special(value)
        if value is None and self.none is not None:
            return self.none
        want = self.describe()
        if self.boolean:
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{self.name} must be True or False, got {type(value).__name__}")
            return 1.0 if value else 0.0
        if self.columns and isinstance(value, (list, tuple, np.ndarray)):
            a = np.asarray(value)
            if a.dtype.kind not in "iuf" or a.ndim != 1:
                raise ValueError(f"{self.name} must be a scalar or a 1-D array of numbers, "
                                 f"got an array of shape {a.shape} and dtype {a.dtype}")
            a = a.astype(np.float64)
            if not all(float(v) in self for v in a):
                raise ValueError(f"{self.name} must have every entry {want}")
            return a
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{self.name} must be a real number, got {type(value).__name__}")
        try:
            v = float(value)
        except OverflowError:  # an int beyond float64
            raise ValueError(f"{self.name} must be {want}; got an integer too large for a "
                             f"float ({int(value).bit_length()} bits)") from None
        if v not in self:
            raise ValueError(f"{self.name} must be {want}, got {value!r}")
        return v

    def _validate_special(self, value):
        if value is None:
            return None
        if self.label:
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{self.name} must be None or an integer label, got "
                                f"{type(value).__name__}")
            v = int(value)
            if v not in self.bounds:
                raise ValueError(f"{self.name} must be {self.describe()}, got {v}")
            return v
        if isinstance(value, (str, bytes)) or np.ndim(value) == 0:
            raise TypeError(f"{self.name} must be None or a 1-D array of one weight per class, "
                            f"got {type(value).__name__}")
        try:
            a = np.asarray(value)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{self.name} could not be read as an array: {e}") from None
        if a.dtype.kind not in "iuf":
            raise TypeError(f"{self.name} must hold numbers, got an array of dtype {a.dtype}")
        if a.ndim != 1:
            raise ValueError(f"{self.name} must be 1-D (one weight per class), got shape {a.shape}")
        a = a.astype(np.float64)
        bad = ~((a >= self.bounds.lo) & (a <= self.bounds.hi) & np.isfinite(a))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"{self.name} must have every entry {self.bounds.describe()}; got "
                             f"{self.name}[{i}] = {float(a[i])!r}")
        return a


@dataclass(frozen=True, repr=False)
class Domain:
    """The valid values of targets or predictions, as data: the test, the
    rule an error message states, the kernels' constant (src_c/fl_math.h),
    and what the test and benchmark samplers draw from it."""

    name: str
    rule: str               # "in [0, 1]": what a message says a value must be
    c_name: str             # FL_DOM_*: how the kernels check it
    contains: Callable      # values -> boolean mask of the valid ones
    draw: Callable          # (rng, shape, hard=None) -> typical valid values
                            # (hard: only the hard labels, when the domain has a soft form)
    special: tuple = ()     # edge values the samplers mix in (all valid)
    outside: tuple = ()     # values that are not (for the tests)
    plural: str = ""        # what its values are called in a message
    grid: tuple = ()        # finite hard points for the accuracy oracle
                            # (tiny, huge, subnormal, at and near the ends)
    bounds: Bounds | None = None  # the interval of a FL_DOM_RANGE domain

    def c_range(self):
        """(lo, hi, open) of the kernels' fl_range: the interval of a range
        domain, the whole line otherwise (open: bit 1 lo, bit 2 hi)."""
        b = self.bounds if self.bounds is not None else Bounds(-math.inf, math.inf, False, False)
        return b.lo, b.hi, int(b.lo_open) | 2 * int(b.hi_open)

    def __repr__(self):
        return f"<domain {self.name}>"


def _draw_real(rng, shape, hard=None):
    return rng.standard_normal(shape)


def _draw_unit(rng, shape, hard=None):
    """Hard 0/1 labels (by default 70% of the draws), else soft ones."""
    if hard is None:
        hard = rng.random() < 0.7
    return rng.choice([0.0, 1.0], size=shape) if hard else rng.random(shape)


def _draw_sign(rng, shape, hard=None):
    return rng.choice([-1.0, 1.0], size=shape)


def _draw_probability(rng, shape, hard=None):
    return rng.random(shape)


def _draw_logit(rng, shape, hard=None):
    return rng.standard_normal(shape) * 3.0


_EDGE = (0.0, -0.0, 1.0, math.nan, math.inf, -math.inf, 1e150, -1e150, 1e-300, 5e-324)
# reals at every scale: subnormal (of float64 and of float32), tiny, moderate,
# the exp overflow neighbourhood, huge; both signs
_REAL_GRID = (0.0,) + tuple(s * v for v in (5e-324, 1e-300, 1e-40, 1e-8, 0.5, 1.0, 3.0, 30.0,
                                           700.0, 1e8, 1e30, 1e300) for s in (1.0, -1.0))
_PROB_GRID = (0.0, 5e-324, 1e-300, 1e-40, 1e-16, 1e-8, 0.25, 0.5, 0.75, 1 - 1e-8, 1 - 2.0**-24,
              1 - 2.0**-53, 1.0)

REAL = Domain("real", "", "FL_DOM_ANY", lambda v: np.ones(np.shape(v), bool), _draw_real, _EDGE,
              grid=_REAL_GRID)
SCORE = Domain("score", "", "FL_DOM_ANY", lambda v: np.ones(np.shape(v), bool), _draw_real,
               (0.0, 1.0, -1.0, math.nan, math.inf, -math.inf, 1e150, -1e150, 1e-300),
               grid=_REAL_GRID)
LOGIT = Domain("logit", "", "FL_DOM_ANY", lambda v: np.ones(np.shape(v), bool), _draw_logit,
               (1e4, -1e4, 1e300, -1e300, 0.0, -0.0, math.nan, 88.0, -88.0, math.inf, -math.inf,
                5e-324), grid=_REAL_GRID)
# the binary logit losses are finite for every finite logit: their hard points
# reach the largest of each dtype too (a softmax row of logits so far apart
# that their difference overflows is NaN with probability targets, as torch)
BINARY_LOGIT = replace(LOGIT, grid=_REAL_GRID + (3e38, -3e38, 1.7e308, -1.7e308))
UNIT_INTERVAL = Domain("unit interval", "in [0, 1]", "FL_DOM_UNIT",
                       lambda y: (y >= 0) & (y <= 1), _draw_unit, (0.0, 1.0, 0.5),
                       (2.0, -0.5, math.nan, math.inf),
                       grid=(0.0, 1.0, 0.5, 0.25, 1e-8, 1 - 1e-8))
SIGN = Domain("sign", "-1 or +1", "FL_DOM_SIGN", lambda y: (y == 1) | (y == -1), _draw_sign,
              (-1.0, 1.0), (0.5, 0.0, 2.0, math.nan), grid=(-1.0, 1.0))
# a probability prediction: in [0, 1]; a NaN is not an error (it propagates)
PROBABILITY = Domain("probability", "in [0, 1]", "FL_DOM_PROB",
                     lambda p: ((p >= 0) & (p <= 1)) | np.isnan(p), _draw_probability,
                     (0.0, 1.0, math.nan, 1e-300, 1 - 1e-16, 0.5, 5e-324), (-2.0, 3.0, 1.5, -1e-300),
                     "probabilities", grid=_PROB_GRID)


def _range(name, bounds, rule, draw, special, outside, grid):
    """A domain that is an interval (checked by the kernels against the
    job's fl_range); NaN is not outside it (it propagates)."""
    def contains(v):
        v = np.asarray(v)
        lo = (v < bounds.lo) | ((v == bounds.lo) if bounds.lo_open else False)
        hi = (v > bounds.hi) | ((v == bounds.hi) if bounds.hi_open else False)
        return ~(lo | hi)
    return Domain(name, rule, "FL_DOM_RANGE", contains, draw, special, outside, grid=grid,
                  bounds=bounds)


def _draw_count(rng, shape, hard=None):
    """Counts (for targets: hard) or positive rates."""
    if hard:
        return rng.poisson(3.0, size=shape).astype(np.float64)
    return rng.gamma(2.0, 1.5, size=shape)


def _draw_positive(rng, shape, hard=None):
    return rng.gamma(2.0, 1.5, size=shape)


def _draw_above_m1(rng, shape, hard=None):
    return rng.gamma(2.0, 1.5, size=shape) - 0.5


_POS_GRID = tuple(v for v in _REAL_GRID if v > 0)
NONNEGATIVE = _range("non-negative", Bounds(0.0, math.inf, False, False), ">= 0", _draw_count,
                     (0.0, 1.0, 1e-300, 5e-324, 1e150, math.nan, math.inf),
                     (-1.0, -1e-300, -math.inf), (0.0,) + _POS_GRID)
STRICTLY_POSITIVE = _range("positive", Bounds(0.0, math.inf, True, False), "> 0", _draw_positive,
                           (1.0, 1e-300, 5e-324, 1e150, math.nan, math.inf),
                           (0.0, -1.0, -math.inf), _POS_GRID)
ABOVE_MINUS_ONE = _range("above -1", Bounds(-1.0, math.inf, True, False), "> -1", _draw_above_m1,
                         (0.0, -0.5, 1e-300, 1e150, math.nan, math.inf, -1 + 1e-12),
                         (-1.0, -2.0, -math.inf),
                         tuple(v for v in _REAL_GRID if v > -1) + (-1 + 2.0**-24, -1 + 2.0**-52))

def _draw_log_prob(rng, shape, hard=None):
    """Rows of log-probabilities (log of a Dirichlet draw per row)."""
    shape = tuple(shape)
    k = shape[-1] if shape else 1
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    return np.log(rng.dirichlet(np.ones(k), size=rows)).reshape(shape)


# log-probabilities (as log_softmax gives them): not checked, as torch's nll_loss
LOG_PROB = Domain("log-probability", "", "FL_DOM_ANY", lambda v: np.ones(np.shape(v), bool),
                  _draw_log_prob, (0.0, -math.inf, math.nan, -1e300, -745.0, -1e-300),
                  grid=tuple(v for v in _REAL_GRID if v <= 0) + (-math.log(2), -math.log(3)))

# what each kind of prediction is called in the signatures
_PRED_NAMES = {"real": "y_pred", "probability": "y_prob", "logit": "logits", "score": "scores",
               "non-negative": "y_pred", "positive": "y_pred", "above -1": "y_pred",
               "log-probability": "log_probs"}


class Exact(NamedTuple):
    """A loss's value and derivative at one point, computed exactly.

    ``deriv`` is a number (elementwise) or a list (one per class; None where
    it is not defined at this resolution, as at a kink the rounding of the
    inputs can cross).  A result is accurate when it is within the loss's
    ``ulps`` of the exact one, counted in units in the last place of the
    larger of the exact magnitude and the ``*_scale`` given here: the largest
    term of a sum whose cancellation the definition itself contains (the
    textbook ``softmax - target``), or the magnitude of an intermediate the
    textbook form rounds (the 1 - q in log(1 - q)).  None means the exact
    magnitude.  A scale beyond the dtype's range (terms of the definition
    that overflow it, as Tweedie's y**(2-p) at subnormal y) claims nothing
    at that point."""

    value: object
    deriv: object
    value_scale: object = None
    deriv_scale: object = None


@dataclass(frozen=True, repr=False)
class Loss:
    """One loss: every fact about it, once.

    kind "elementwise": ``value``/``deriv`` map same-shape (y, p) to the
    per-element loss and its derivative.  kind "rows": p is (n, k) with the
    classes on the last axis, and ``value``/``deriv`` map (targets, p) to the
    n row losses and the (n, k) derivative of each row loss.
    ``targets``: "same" (elementwise), "probs" (dense (n, k)), "labels"
    (integers (n,), valid in [0, k)) or "labels_or_probs".
    ``target_domain``: the valid dense targets (None: not checked).
    ``pred_domain``: the valid predictions (its name names the argument:
    y_pred, y_prob, logits, scores); a loss on probabilities checks them
    (with integer labels, only the probability it reads, the label's);
    ``pred_hint`` ends that error message (which loss takes logits).
    ``hard_labels``: the kernels have a cheaper form for blocks whose
    targets are all 0 or 1.
    ``compute_bound``: its per-element math (exp, log, pow) takes longer
    than reading its inputs: the kernels fetch the next block's inputs while
    a block computes (a loss that runs at the memory limit leaves that to
    the hardware prefetchers, which software prefetches only get in the way
    of); True for every form, or the tuple of the forms that are.  The
    derivatives alone prefetch only where a vector body that serves every
    mode computes them (they need the transcendentals too).
    ``exact``: the definition evaluated exactly, for the accuracy oracle:
    ``exact(mp, y, p, dtype, **options)`` with mpmath ``mp`` and exact inputs
    (the dtype's values: y and p numbers, or for a row loss a label or a list
    of targets and a list of predictions) returns an :class:`Exact`.
    ``ulps``: the stated accuracy of (value, derivative) on every finite
    input, in units in the last place of the input dtype (see Exact for the
    scale they are relative to).
    ``forms`` and ``form``: a loss whose options choose between formulas
    (poisson's log_input) has ``forms`` compiled variants of its loop, and
    ``form(**options)`` picks one (its C function branches on ``form``).
    ``domains``: for a loss whose valid inputs depend on its options,
    ``domains(**options) -> (target domain or None, prediction domain)``
    (each None, a range domain or REAL); ``target_domain`` and
    ``pred_domain`` are then those of the default options.
    ``class_weights``: how a loss with the ``class_weight`` option applies
    it (it also has ``ignore_index``; see :func:`_by_label`): "label" (each
    row's loss and gradient times the weight of its label; ``"mean"``
    divides by the sum of the rows' label weights times their sample
    weights, as torch's nll_loss), "label_rows" (the same rows, ``"mean"``
    divides by the sum of the sample weights, as torch's
    multi_margin_loss) or "classes" (each class's term of a row weighed by
    its class's weight, in the row stage; ``"mean"`` as "label" for integer
    labels and by the sum of the sample weights for probability targets, as
    torch's cross_entropy).
    ``boosting``: how ``fastloss.xgboost`` / ``fastloss.lightgbm`` objectives
    use the loss ("" for none: it does not take raw scores): "newton" (its
    own gradient and second derivative) or "constant" (its gradient and a
    constant Hessian, the sample weight, where the second derivative is 0
    on all or part of the line, as those libraries' and scikit-learn's own
    absolute, quantile and Huber losses do)."""

    name: str
    kind: str
    summary: str
    formula: str  # the loss (per element or per row), as documented
    gradient: str  # its derivative w.r.t. the prediction
    value: Callable  # reference: the textbook NumPy formula
    deriv: Callable  # reference: its derivative w.r.t. the prediction
    hess: Callable = None  # reference: its second derivative (rows: the diagonal)
    options: tuple = field(default_factory=tuple)
    pred_domain: Domain = REAL
    targets: str = "same"
    target_domain: Domain | None = None
    pred_hint: str = ""
    hard_labels: bool = False
    compute_bound: bool | tuple = False
    min_classes: int = 1
    exact: Callable | None = None
    ulps: tuple = (2, 2)
    domains: Callable | None = None
    forms: int = 1
    form: Callable | None = None
    class_weights: str = ""
    boosting: str = ""

    def __repr__(self):
        opts = "".join(f", {o.name}={o.default!r}" for o in self.options)
        return f"<{self.kind} loss {self.name}({self.pred_name}{opts})>"

    @property
    def pred_name(self):
        return _PRED_NAMES[self.pred_domain.name]

    @property
    def checks_predictions(self):
        return self.pred_domain.c_name != "FL_DOM_ANY"

    def domains_for(self, options=None, values=None):
        """(target domain or None, prediction domain) under ``options`` (a
        dict by name, validated here) or ``values`` (validated option values
        in table order, as the kernels get them)."""
        if self.domains is None:
            return self.target_domain, self.pred_domain
        if values is None:
            options = options or {}
            values = [o.validate(options.get(o.name, o.default)) for o in self.options]
        return self.domains(**dict(zip(self.option_names, values)))

    def c_ranges(self, values):
        """((lo, hi, open) of the targets, of the predictions): the kernels'
        fl_range pair under the option values ``values`` (table order)."""
        t, p = self.domains_for(values=values)
        return (t.c_range() if t is not None else REAL.c_range()), p.c_range()

    def c_form(self, values):
        """The form (0 ..< forms) the option values select (table order)."""
        return self.form(**dict(zip(self.option_names, values))) if self.form else 0

    @property
    def compute_bound_forms(self):
        """The forms that are compute-bound, as a bit mask (bit f: form f)."""
        if isinstance(self.compute_bound, tuple):
            return sum(1 << f for f in self.compute_bound)
        return 15 if self.compute_bound else 0

    @property
    def checked_forms(self):
        """The forms whose loops check the targets and predictions, as a bit
        mask: all but a form whose option values (the options' examples and
        defaults) all leave both unrestricted (tweedie_deviance's power 0)."""
        if self.domains is None or not self.options:
            return 15
        free, bound = set(), set()
        for values in itertools.product(*((o.default, *o.examples) for o in self.options)):
            values = [o.validate(v) for o, v in zip(self.options, values)]
            t, p = self.domains_for(values=values)
            (free if t is None and p.c_name == "FL_DOM_ANY" else bound).add(self.c_form(values))
        return 15 & ~sum(1 << f for f in free - bound)

    @property
    def c_domains(self):
        """The FL_DOM_* codes of (targets, predictions) the kernels are built with."""
        if self.domains is not None:
            return "FL_DOM_RANGE", "FL_DOM_RANGE"
        return (self.target_domain.c_name if self.target_domain else "FL_DOM_ANY",
                self.pred_domain.c_name)

    @property
    def option_names(self):
        return tuple(o.name for o in self.options)

    def mean_weights(self, labels, class_weight, ignore_index):
        """Each row's factor of its sample weight in the denominator of
        ``"mean"`` (float64), or None when it is 1 for every row: 0 for an
        ignored row, the label's class weight where the loss's mean divides
        by the rows' class weights (an invalid label, which the call
        reports, reads class 0's)."""
        by_class = class_weight is not None and self.class_weights in ("label", "classes")
        if labels is None or (not by_class and ignore_index is None):
            return None
        keep = labels != ignore_index if ignore_index is not None else np.ones(labels.shape, bool)
        f = keep.astype(np.float64)
        if by_class:
            cw = np.asarray(class_weight, np.float64)
            f *= cw[np.where(keep & (labels >= 0) & (labels < len(cw)), labels, 0)]
        return f

    def check_options(self, options):
        """Validate keyword options given by name (TypeError for an unknown one,
        ValueError for a bad value), for the callers that take **options."""
        unknown = set(options) - set(self.option_names)
        if unknown:
            raise TypeError(f"{self.name} has no option {', '.join(sorted(unknown))} "
                            f"(its options: {', '.join(self.option_names) or 'none'})")
        for o in self.options:
            if o.name in options:
                o.validate(options[o.name])


# ---- reference formulas: written the way the textbook reads ----------------

def _eps(eps, dtype):
    """eps raised so that 1 - eps stays below 1 in dtype (2**-24 in float32)."""
    return max(eps, 2.0**-24 if np.dtype(dtype) == np.float32 else 2.0**-53)

def _mse(y_true, y_pred):
    return (y_true - y_pred) ** 2


def _mse_d(y_true, y_pred):
    return 2 * (y_pred - y_true)


def _mae(y_true, y_pred):
    return np.abs(y_true - y_pred)


def _mae_d(y_true, y_pred):
    return np.sign(y_pred - y_true)


def _huber(y_true, y_pred, delta):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))


def _huber_d(y_true, y_pred, delta):
    r = y_pred - y_true
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r))


def _bce(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def _bce_d(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return (p - y_true) / (p * (1 - p))


_LOGITS_HINT = "(are these logits? binary_cross_entropy_with_logits takes them)"
_SOFTMAX_HINT = "(are these logits? softmax_cross_entropy takes them)"


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _bce_logits(y_true, logits, pos_weight):
    return (1 - y_true) * _softplus(logits) + pos_weight * y_true * _softplus(-logits)


def _bce_logits_d(y_true, logits, pos_weight):
    e = np.exp(-np.abs(logits))
    sigmoid = np.where(logits >= 0, 1, e) / (1 + e)
    sigmoid_neg = np.where(logits >= 0, e, 1) / (1 + e)
    return (1 - y_true) * sigmoid - pos_weight * y_true * sigmoid_neg


def _pinball(y_true, y_pred, alpha):
    return alpha * np.maximum(y_true - y_pred, 0) + (1 - alpha) * np.maximum(y_pred - y_true, 0)


def _pinball_d(y_true, y_pred, alpha):
    r = y_pred - y_true
    return np.where(r > 0, 1 - alpha, np.where(r < 0, -alpha, np.where(r == 0, 0, r)))


def _log_cosh(y_true, y_pred):
    a = np.abs(y_pred - y_true)
    t = np.expm1(np.minimum(a, 20))  # cosh a - 1 = t**2 / (2 (1 + t))
    return np.where(a > 20, a - np.log(2), np.log1p(t * t / (2 * (1 + t))))


def _log_cosh_d(y_true, y_pred):
    return np.tanh(y_pred - y_true)


def _squared_log_error(y_true, y_pred):
    return (np.log1p(y_pred) - np.log1p(y_true)) ** 2


def _squared_log_error_d(y_true, y_pred):
    return 2 * (np.log1p(y_pred) - np.log1p(y_true)) / (1 + y_pred)


_EPS64 = float(np.finfo(np.float64).eps)


def _ape(y_true, y_pred):
    return np.abs(y_pred - y_true) / np.maximum(np.abs(y_true), y_true.dtype.type(_EPS64))


def _ape_d(y_true, y_pred):
    return np.sign(y_pred - y_true) / np.maximum(np.abs(y_true), y_true.dtype.type(_EPS64))


def _poisson_nll(y_true, y_pred, log_input, full, eps):
    if log_input:  # (+inf where exp overflows, not inf - inf)
        e = np.exp(y_pred)
        loss = np.where(np.isinf(e), e, e - y_true * y_pred)
    else:
        loss = y_pred - y_true * np.log(y_pred + y_pred.dtype.type(eps))
    if full:
        y = np.where(y_true > 1, y_true, 1)  # the Stirling term where y > 1, else 0
        loss = loss + np.where(y_true > 1, y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y), 0)
    return loss


def _poisson_nll_d(y_true, y_pred, log_input, full, eps):
    if log_input:
        return np.exp(y_pred) - y_true
    return 1 - y_true / (y_pred + y_pred.dtype.type(eps))


def _tweedie(y_true, y_pred, power):
    y, mu, p = y_true, y_pred, y_pred.dtype.type(power)
    if power == 0:
        return (y - mu) ** 2
    if power == 1:
        return 2 * (np.where(y == 0, 0, y * _logratio(y, mu)) - y + mu)
    if power == 2:
        return 2 * (_logratio(mu, y) + y / mu - 1)
    # mu**(2-p) / (2-p) - y mu**(1-p) / (1-p) with mu**(1-p) factored out
    return 2 * (np.where(y > 0, y, 0) ** (2 - p) / ((1 - p) * (2 - p))
                + mu ** (1 - p) * (mu / (2 - p) - y / (1 - p)))


def _logratio(a, b):
    """log(a / b), as log a - log b where the ratio is not a normal number."""
    r = a / b
    normal = (r < np.finfo(r.dtype).max) & (r >= np.finfo(r.dtype).tiny)
    return np.where(normal, np.log(r), np.log(a) - np.log(b))


def _tweedie_d(y_true, y_pred, power):
    y, mu, p = y_true, y_pred, y_pred.dtype.type(power)
    if power == 0:
        return 2 * (mu - y)
    if power == 1:
        return 2 * (1 - y / mu)
    if power == 2:
        return 2 * ((mu - y) / mu) / mu
    m1 = mu ** (1 - p)
    return 2 * np.where(power < 1, (m1 / mu) * (mu - y), m1 * ((mu - y) / mu))


def _sigmoids(z):
    """(sigmoid(z), sigmoid(-z)), each without cancellation."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e), np.where(z >= 0, e, 1) / (1 + e)


def _alpha_t(y_true, alpha):
    return 1 if alpha < 0 else alpha * y_true + (1 - alpha) * (1 - y_true)


def _focal_parts(y_true, logits):
    """sigmoid(z), sigmoid(-z), the cross-entropy, 1 - p_t = y sigmoid(-z) +
    (1 - y) sigmoid(z), and q = sigmoid(z) sigmoid(-z) / (1 - p_t) in [0, 1]
    as e / ((1 + e)(far e + near)) with e = exp(-|z|) (no 0/0 when 1 - p_t
    underflows)."""
    s, sn = _sigmoids(logits)
    ce = (1 - y_true) * _softplus(logits) + y_true * _softplus(-logits)
    miss = y_true * sn + (1 - y_true) * s
    e = np.exp(-np.abs(logits))
    up = logits >= 0
    near, far = np.where(up, 1 - y_true, y_true), np.where(up, y_true, 1 - y_true)
    q = np.where(near == 0, 1 / (1 + e), e / ((1 + e) * (far * e + near)))
    return s, sn, ce, miss, q


def _focal(y_true, logits, alpha, gamma):
    s, sn, ce, miss, q = _focal_parts(y_true, logits)
    return _alpha_t(y_true, alpha) * ce * miss**gamma


def _focal_d(y_true, logits, alpha, gamma):
    s, sn, ce, miss, q = _focal_parts(y_true, logits)
    return _alpha_t(y_true, alpha) * miss**gamma * (
        (1 - y_true) * s - y_true * sn + gamma * (ce * q) * (1 - 2 * y_true))


def _hinge(y_true, scores):
    return np.maximum(0, 1 - y_true * scores)


def _hinge_d(y_true, scores):
    ys = y_true * scores
    return np.where(np.isnan(ys), ys, np.where(ys < 1, -y_true, 0))  # NaN stays NaN


def _squared_hinge(y_true, scores):
    return np.maximum(0, 1 - y_true * scores) ** 2


def _squared_hinge_d(y_true, scores):
    return -2 * y_true * np.maximum(0, 1 - y_true * scores)


def _cce(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return -np.sum(y_true * np.log(p), axis=-1)


def _cce_d(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return -y_true / p


def _picked(y_prob, labels):
    return y_prob[np.arange(len(labels)), labels]


def _by_label(f, per_row, weigh=True):
    """``f`` (a row loss's value (per_row) or derivative on integer labels)
    with ``class_weight`` and ``ignore_index``: a row whose label is
    ignore_index is 0 (and reads class 0 meanwhile); with weigh, each row is
    times its label's class weight, else ``f`` takes the class weights
    itself.  Probability targets go to ``f`` as they are."""
    def with_labels(target, pred, class_weight=None, ignore_index=None, **options):
        if not weigh:
            options["class_weight"] = class_weight
        if target.ndim == pred.ndim:  # probabilities
            return f(target, pred, **options)
        keep = np.ones(len(target), bool) if ignore_index is None else target != ignore_index
        labels = np.where(keep, target, 0)
        v = f(labels, pred, **options)
        if weigh and class_weight is not None:
            cw = class_weight[labels]
            v = v * (cw if per_row else cw[:, None])
        return np.where(keep if per_row else keep[:, None], v, 0).astype(v.dtype)
    return with_labels


def _scce(labels, y_prob, eps):
    return -np.log(np.clip(_picked(y_prob, labels), _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype)))


def _scce_d(labels, y_prob, eps):
    g = np.zeros_like(y_prob)
    p = np.clip(_picked(y_prob, labels), _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    g[np.arange(len(labels)), labels] = -1 / p
    return g


def _smoothed_targets(y_true, logits, label_smoothing, class_weight=None):
    """The targets the softmax cross-entropy weighs log-probabilities by:
    smoothed, then times each class's weight."""
    k = logits.shape[-1]
    if y_true.ndim == logits.ndim - 1:  # integer labels
        t = np.zeros_like(logits)
        t[np.arange(len(y_true)), y_true] = 1
    else:
        t = y_true
    t = (1 - label_smoothing) * t + label_smoothing / k
    return t if class_weight is None else class_weight * t


def _log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def _softmax_ce(y_true, logits, label_smoothing, class_weight=None):
    logp = _log_softmax(logits)
    if y_true.ndim == logits.ndim - 1:  # labels: the label's log-probability (as torch's nll)
        wlogp = logp if class_weight is None else class_weight * logp
        loss = -_picked(wlogp, y_true)
        if label_smoothing:
            loss = (1 - label_smoothing) * loss - label_smoothing / logits.shape[-1] * np.sum(wlogp, axis=-1)
        return loss
    return -np.sum(_smoothed_targets(y_true, logits, label_smoothing, class_weight) * logp, axis=-1)


def _softmax_ce_d(y_true, logits, label_smoothing, class_weight=None):
    t = _smoothed_targets(y_true, logits, label_smoothing, class_weight)
    return np.exp(_log_softmax(logits)) * np.sum(t, axis=-1, keepdims=True) - t


def _crammer_singer(labels, scores):
    n = np.arange(len(labels))
    rivals = scores.copy()
    rivals[n, labels] = -np.inf
    rival = np.argmax(np.where(np.isnan(rivals), -np.inf, rivals), axis=-1)  # first arg-max
    margin = 1 - (scores[n, labels] - rivals[n, rival])
    nan_row = np.isnan(scores).any(axis=-1)
    return margin, rival, nan_row


def _multiclass_hinge(labels, scores):
    margin, _, nan_row = _crammer_singer(labels, scores)
    return np.where(nan_row, np.nan, np.maximum(0, margin))


def _multiclass_hinge_d(labels, scores):
    margin, rival, nan_row = _crammer_singer(labels, scores)
    g = np.zeros_like(scores)
    v = np.flatnonzero(margin > 0)
    g[v, rival[v]] = 1
    g[v, labels[v]] = -1
    g[nan_row] = np.nan
    return g


def _nll(labels, log_probs):
    return -_picked(log_probs, labels)


def _nll_d(labels, log_probs):
    g = np.zeros_like(log_probs)
    g[np.arange(len(labels)), labels] = -1
    return g


def _kl(y_true, y_prob, eps):
    q = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    t_log_t = y_true * np.log(np.where(y_true > 0, y_true, 1))  # 0 log 0 = 0
    return np.sum(t_log_t - y_true * np.log(q), axis=-1)


def _kl_d(y_true, y_prob, eps):
    q = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return -y_true / q


def _violations(labels, scores, margin):
    """margin - s_label + s_j per rival j, 0 at the label (not a rival)."""
    n = np.arange(len(labels))
    v = scores.dtype.type(margin) - scores[n, labels][:, None] + scores
    v[n, labels] = 0
    return v


def _multi_margin(labels, scores, p, margin):
    h = np.maximum(_violations(labels, scores, margin), 0)
    return np.sum(h**2 if p == 2 else h, axis=-1, dtype=np.float64) / scores.shape[-1]


def _multi_margin_d(labels, scores, p, margin):
    v = _violations(labels, scores, margin)
    k = scores.shape[-1]
    g = np.where(v > 0, (2 * v if p == 2 else 1) / scores.dtype.type(k),
                 np.where(np.isnan(v), v, 0)).astype(scores.dtype)
    n = np.arange(len(labels))
    g[n, labels] = 0
    g[n, labels] = -np.sum(g, axis=-1, dtype=np.float64)
    return g


# second derivatives w.r.t. the prediction (rows: the diagonal of each row's
# Hessian); 0 where the loss is piecewise linear

def _zero_hess(y_true, y_pred, **options):
    return np.zeros_like(y_pred)


def _mse_h(y_true, y_pred):
    return np.full_like(y_pred, 2)


def _huber_h(y_true, y_pred, delta):
    a = np.abs(y_pred - y_true)
    return np.where(a <= delta, 1, np.where(a > delta, 0, a)).astype(y_pred.dtype)


def _bce_h(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return y_true / (p * p) + (1 - y_true) / ((1 - p) * (1 - p))


def _bce_logits_h(y_true, logits, pos_weight):
    e = np.exp(-np.abs(logits))
    return ((1 - y_true) + pos_weight * y_true) * (e / ((1 + e) * (1 + e)))


def _log_cosh_h(y_true, y_pred):
    e = np.exp(-2 * np.abs(y_pred - y_true))  # sech**2 = 4 e / (1 + e)**2
    return 4 * e / ((1 + e) * (1 + e))


def _squared_log_error_h(y_true, y_pred):
    d = np.log1p(y_pred) - np.log1p(y_true)
    return 2 * (1 - d) / ((1 + y_pred) * (1 + y_pred))


def _poisson_nll_h(y_true, y_pred, log_input, full, eps):
    if log_input:
        return np.exp(y_pred)
    q = y_pred + y_pred.dtype.type(eps)
    return (y_true / q) / q


def _tweedie_h(y_true, y_pred, power):
    y, mu, p = y_true, y_pred, y_pred.dtype.type(power)
    if power == 0:
        return np.full_like(mu, 2)
    if power == 1:
        return 2 * (y / mu) / mu
    if power == 2:
        return 2 * ((2 * y - mu) / mu) / (mu * mu)
    return 2 * (mu ** (1 - p) / mu) * ((1 - p) + p * (y / mu))


def _focal_h(y_true, logits, alpha, gamma):
    s, sn, ce, miss, q = _focal_parts(y_true, logits)
    b = (1 - 2 * y_true) * q
    dce = (1 - y_true) * s - y_true * sn
    return _alpha_t(y_true, alpha) * miss**gamma * (
        s * sn + 2 * gamma * dce * b + gamma * (gamma - 1) * (ce * b) * b
        + gamma * (ce * b) * (sn - s))


def _squared_hinge_h(y_true, scores):
    m = 1 - y_true * scores
    return np.where(m > 0, 2 * y_true * y_true, np.where(m <= 0, 0, m)).astype(scores.dtype)


def _cce_h(y_true, y_prob, eps):
    p = np.clip(y_prob, _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    return y_true / (p * p)


def _scce_h(labels, y_prob, eps):
    h = np.zeros_like(y_prob)
    p = np.clip(_picked(y_prob, labels), _eps(eps, y_prob.dtype), 1 - _eps(eps, y_prob.dtype))
    h[np.arange(len(labels)), labels] = 1 / (p * p)
    return h


def _softmax_ce_h(y_true, logits, label_smoothing, class_weight=None):
    t = _smoothed_targets(y_true, logits, label_smoothing, class_weight)
    p = np.exp(_log_softmax(logits))
    # at the row's (first) largest logit, 1 - p is the other terms' share of
    # the sum, which 1 - p loses entirely when p rounds to 1
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    top = np.arange(logits.shape[-1]) == np.argmax(logits, axis=-1)[..., None]
    rest = np.sum(np.where(top, 0, e), axis=-1, keepdims=True)
    q = np.where(top, rest / np.sum(e, axis=-1, keepdims=True), 1 - p)
    return np.sum(t, axis=-1, keepdims=True) * p * q


def _multiclass_hinge_h(labels, scores):
    return np.where(np.isnan(scores).any(axis=-1, keepdims=True), np.nan,
                    np.zeros_like(scores)).astype(scores.dtype)


def _kl_h(y_true, y_prob, eps):
    return _cce_h(y_true, y_prob, eps)


def _multi_margin_h(labels, scores, p, margin):
    v = _violations(labels, scores, margin)
    k = scores.shape[-1]
    h = np.where(v > 0, 2 / scores.dtype.type(k) if p == 2 else 0,
                 np.where(np.isnan(v), v, 0)).astype(scores.dtype)
    n = np.arange(len(labels))
    h[n, labels] = 0
    h[n, labels] = np.sum(h, axis=-1, dtype=np.float64)
    return h


# ---- exact definitions, for the accuracy oracle (mp: the mpmath module) ------

def _clip_bounds(eps, dtype):
    """The clip interval [e, 1 - e] as the kernels hold it in ``dtype``."""
    t = np.dtype(dtype).type
    e = t(_eps(t(eps), dtype))
    return float(e), float(t(1) - e)


def _sign(mp, x):
    return mp.mpf(mp.sign(x))


def _mse_exact(mp, y, p, dtype):
    return Exact((p - y) ** 2, 2 * (p - y))


def _mae_exact(mp, y, p, dtype):
    return Exact(abs(p - y), _sign(mp, p - y))


def _huber_exact(mp, y, p, dtype, delta):
    r = p - y
    if abs(r) <= delta:
        return Exact(r**2 / 2, r)
    return Exact(delta * (abs(r) - delta / 2), delta * _sign(mp, r))


def _pinball_exact(mp, y, p, dtype, alpha):
    r = p - y
    return Exact(alpha * max(-r, mp.mpf(0)) + (1 - alpha) * max(r, mp.mpf(0)),
                 (1 - alpha) if r > 0 else (-alpha if r < 0 else mp.mpf(0)))


def _log_cosh_exact(mp, y, p, dtype):
    # cosh r = 1 + 2 sinh(r/2)**2 keeps a tiny r's digits at any precision
    return Exact(mp.log1p(2 * mp.sinh((p - y) / 2) ** 2), mp.tanh(p - y))


def _bce_exact(mp, y, p, dtype, eps):
    lo, hi = _clip_bounds(eps, dtype)
    q = min(max(p, mp.mpf(lo)), mp.mpf(hi))
    # the textbook form takes log(1 - q) of 1 - q rounded to the dtype: an
    # error of half an ulp of 1 in that log, whatever q (tiny q included)
    return Exact(-(y * mp.log(q) + (1 - y) * mp.log1p(-q)), (q - y) / (q * (1 - q)),
                 value_scale=1 - y)


def _bce_logits_exact(mp, y, z, dtype, pos_weight):
    def softplus(x):
        return mp.log1p(mp.exp(x))
    neg, pos = (1 - y) / (1 + mp.exp(-z)), pos_weight * y / (1 + mp.exp(z))
    return Exact((1 - y) * softplus(z) + pos_weight * y * softplus(-z), neg - pos,
                 deriv_scale=max(abs(neg), abs(pos)))


def _squared_log_error_exact(mp, y, p, dtype):
    a, b = mp.log1p(p), mp.log1p(y)
    d, big = a - b, max(abs(a), abs(b))
    # the textbook form rounds each log1p: an error relative to the larger one
    return Exact(d**2, 2 * d / (1 + p), value_scale=2 * abs(d) * big,
                 deriv_scale=2 * big / (1 + p))


def _ape_exact(mp, y, p, dtype):
    m = max(abs(y), mp.mpf(float(np.dtype(dtype).type(_EPS64))))
    return Exact(abs(p - y) / m, _sign(mp, p - y) / m)


def _poisson_nll_exact(mp, y, p, dtype, log_input, full, eps):
    e = float(np.dtype(dtype).type(eps))
    if log_input:
        v, d = mp.exp(p) - y * p, mp.exp(p) - y
        vs, ds = max(mp.exp(p), abs(y * p)), max(mp.exp(p), abs(y))
    else:
        q = p + e
        # log of the rounded p + eps: an error of half an ulp of q, y / q in the value
        v, d = p - y * mp.log(q), 1 - y / q
        vs, ds = max(abs(p), abs(y * mp.log(q)), abs(y)), max(1, abs(y / q))
    if full and y > 1:
        terms = (y * mp.log(y), -y, mp.log(2 * mp.pi * y) / 2)
        v += mp.fsum(terms)
        vs = max([vs] + [abs(t) for t in terms])
    return Exact(v, d, value_scale=vs, deriv_scale=ds)


def _tweedie_exact(mp, y, mu, dtype, power):
    p = mp.mpf(power)
    if power == 0:
        return Exact((y - mu) ** 2, 2 * (mu - y))
    # where the ratio of a log(ratio) is not a normal number of the dtype, the
    # log is a difference of two logs: an error relative to the larger one
    info = np.finfo(dtype)
    split = (lambda a, b: not info.tiny <= a / b < info.max)
    extra = ()
    if power == 1:
        terms = ((y * mp.log(y / mu)) if y else mp.mpf(0), -y, mu)
        if y and split(y, mu):
            extra = (y * max(abs(mp.log(y)), abs(mp.log(mu))),)
    elif power == 2:
        terms = (mp.log(mu / y), y / mu, mp.mpf(-1))
        if split(mu, y):
            extra = (max(abs(mp.log(y)), abs(mp.log(mu))),)
    else:
        terms = (max(y, mp.mpf(0)) ** (2 - p) / ((1 - p) * (2 - p)), -y * mu ** (1 - p) / (1 - p),
                 mu ** (2 - p) / (2 - p))
        # mu**(1-p), an intermediate of both forms: where it or y**(2-p) is
        # beyond the dtype's normal range, nothing is claimed
        info = np.finfo(dtype)
        if any(v and not info.tiny <= v <= info.max
               for v in (mu ** (1 - p), max(y, mp.mpf(0)) ** (2 - p))):
            extra = (mp.inf,)
    # the textbook form rounds each term (and pow's result is relative to its
    # argument's rounding times the exponent)
    scale = 2 * max(abs(t) for t in terms + extra) * max(1, abs(2 - p))
    d = 2 * mu ** (-p) * (mu - y)
    dscale = 2 * max(abs(mu ** (1 - p)), abs(y * mu ** (-p))) * max(1, abs(p))
    return Exact(2 * mp.fsum(terms), d, value_scale=scale,
                 deriv_scale=dscale if mp.inf not in extra else mp.inf)


def _focal_exact(mp, y, z, dtype, alpha, gamma):
    s, sn = 1 / (1 + mp.exp(-z)), 1 / (1 + mp.exp(z))
    ce = (1 - y) * mp.log1p(mp.exp(z)) + y * mp.log1p(mp.exp(-z))
    miss = y * sn + (1 - y) * s
    at = 1 if alpha < 0 else alpha * y + (1 - alpha) * (1 - y)
    g = mp.mpf(gamma)
    mg = miss**g
    dce = ((1 - y) * s, -y * sn)
    second = g * ce * miss ** (g - 1) * (1 - 2 * y) * s * sn if g else mp.mpf(0)
    return Exact(at * ce * mg, at * (mg * mp.fsum(dce) + second),
                 value_scale=abs(at * ce * mg) * max(1, g),
                 deriv_scale=abs(at) * (mg * (abs(dce[0]) + abs(dce[1])) + abs(second)) * max(1, g))


def _hinge_exact(mp, y, s, dtype):
    m = 1 - y * s
    return Exact(max(m, mp.mpf(0)), -y if m > 0 else mp.mpf(0))


def _squared_hinge_exact(mp, y, s, dtype):
    m = max(1 - y * s, mp.mpf(0))
    return Exact(m**2, -2 * y * m)


def _cce_exact(mp, t, p, dtype, eps):
    lo, hi = _clip_bounds(eps, dtype)
    q = [min(max(v, mp.mpf(lo)), mp.mpf(hi)) for v in p]
    return Exact(-mp.fsum(tj * mp.log(qj) for tj, qj in zip(t, q)),
                 [-tj / qj for tj, qj in zip(t, q)])


def _scce_exact(mp, label, p, dtype, eps):
    lo, hi = _clip_bounds(eps, dtype)
    q = min(max(p[label], mp.mpf(lo)), mp.mpf(hi))
    return Exact(-mp.log(q), [-1 / q if j == label else mp.mpf(0) for j in range(len(p))])


@functools.lru_cache(maxsize=8192)
def _softmax_parts(mp, z, prec):
    """What the softmax cross-entropy of logits z takes from z alone (the
    oracle evaluates each row under several targets and options): the
    maximum m, log(1 + rest), the probabilities, |z_j - m| and their mean under p
    (prec, the working precision, is part of the key)."""
    # log-sum-exp - z_j = (m - z_j) + log(1 + rest), two terms >= 0, with m the
    # maximum and rest the sum of exp(z_i - m) over all but one maximum
    m = max(z)
    top = z.index(m)
    rest = mp.fsum(mp.exp(zj - m) for j, zj in enumerate(z) if j != top)
    p = [mp.exp(zj - m) / (1 + rest) for zj in z]
    # The max-shifted form (as torch's log_softmax) rounds each z_j - m to the
    # dtype, and exp turns that absolute error |z_j - m| ulp into a relative
    # one: the value moves by sum_j |grad_j (z_j - m)| ulp, each probability by
    # |z_j - m| + the probability-weighted mean of those ulp.  It also takes
    # the log of 1 + rest rounded: half an ulp of 1 per unit of target.
    shift = [abs(zj - m) for zj in z]
    mean_shift = mp.fsum(pj * sj for pj, sj in zip(p, shift))
    return m, mp.log1p(rest), p, shift, mean_shift


def _softmax_ce_exact(mp, target, z, dtype, label_smoothing):
    k = len(z)
    if not isinstance(target, list):
        target = [mp.mpf(j == target) for j in range(k)]
    t = [(1 - label_smoothing) * tj + mp.mpf(label_smoothing) / k for tj in target]
    m, log1p_rest, p, shift, mean_shift = _softmax_parts(mp, tuple(z), mp.prec)
    grad = [pj * mp.fsum(t) - tj for pj, tj in zip(p, t)]
    return Exact(mp.fsum(tj * ((m - zj) + log1p_rest) for tj, zj in zip(t, z)), grad,
                 value_scale=mp.fsum(abs(g) * sj for g, sj in zip(grad, shift)) + mp.fsum(t),
                 deriv_scale=[max(abs(pj * mp.fsum(t)) * (1 + sj + mean_shift), abs(tj))
                              for pj, sj, tj in zip(p, shift, t)])


def _multiclass_hinge_exact(mp, label, s, dtype):
    rivals = [j for j in range(len(s)) if j != label]
    best = max(s[j] for j in rivals)
    rival = next(j for j in rivals if s[j] == best)
    gap = mp.fsub(s[label], best, exact=True)
    margin = mp.fsub(1, gap, exact=True)
    # the margin is 1 - (s_label - s_rival) with the difference rounded first:
    # its error is relative to that difference, and the sign of a margin
    # within that error of 0 (the kink) is not determined
    ulp = mp.mpf(2) ** (-23 if np.dtype(dtype) == np.float32 else -52)
    d = [mp.mpf(0)] * len(s)
    if margin > 0:
        d[rival], d[label] = mp.mpf(1), mp.mpf(-1)
    if abs(margin) <= 4 * ulp * max(abs(gap), 1):
        d = [None] * len(s)
    return Exact(max(margin, mp.mpf(0)), d, value_scale=abs(gap))


def _tweedie_domains(power):
    """scikit-learn's valid (y_true, y_pred) per Tweedie power."""
    if power == 0:
        return None, REAL
    if power < 0:
        return None, STRICTLY_POSITIVE
    return (NONNEGATIVE if power < 2 else STRICTLY_POSITIVE), STRICTLY_POSITIVE


def _nll_exact(mp, label, z, dtype):
    return Exact(-z[label], [mp.mpf(-1) if j == label else mp.mpf(0) for j in range(len(z))])


def _kl_exact(mp, t, p, dtype, eps):
    lo, hi = _clip_bounds(eps, dtype)
    q = [min(max(v, mp.mpf(lo)), mp.mpf(hi)) for v in p]
    terms = [(tj * mp.log(tj) if tj else mp.mpf(0)) - tj * mp.log(qj) for tj, qj in zip(t, q)]
    # the textbook difference of t log t and t log q: an error relative to each
    scale = mp.fsum(abs(tj * mp.log(tj)) + abs(tj * mp.log(qj)) for tj, qj in zip(t, q) if tj)
    return Exact(mp.fsum(terms), [-tj / qj for tj, qj in zip(t, q)], value_scale=scale)


def _multi_margin_exact(mp, label, s, dtype, p, margin):
    k = len(s)
    ulp = mp.mpf(2) ** (-23 if np.dtype(dtype) == np.float32 else -52)
    value, vscale, d, dscale = mp.mpf(0), mp.mpf(0), [mp.mpf(0)] * k, [mp.mpf(0)] * k
    for j in range(k):
        if j == label:
            continue
        # (margin - s_label) + s_j, rounded twice by the textbook form: an error
        # relative to the larger operand; a violation within it of 0 is a kink
        v = mp.fsum([margin, -s[label], s[j]])
        mag = max(abs(mp.mpf(margin)), abs(s[label]), abs(s[j]), abs(margin - s[label]))
        h = max(v, mp.mpf(0))
        value += (h**2 if p == 2 else h) / k
        vscale += mag * (2 * h if p == 2 else 1) / k
        d[j] = (2 * h if p == 2 else mp.mpf(v > 0)) / k
        dscale[j] = 2 * mag / k if p == 2 else mp.mpf(0)
        if abs(v) <= 4 * ulp * mag:
            d[j] = None
    if None in d:
        d = [None] * k
    else:
        d[label] = -mp.fsum(d)
        dscale[label] = mp.fsum(dscale)
    return Exact(value, d, value_scale=vscale, deriv_scale=dscale)


_EPS = Option("eps", 1e-15, Bounds(0.0, 0.5), "Probabilities are clipped to [eps, 1 - eps] (eps is raised to "
              "2**-24 for float32, 2**-53 for float64, so that 1 - eps stays below 1).")

_CLASS_WEIGHT = Option(
    "class_weight", None, Bounds(0.0, math.inf, False, True),
    "One finite weight >= 0 per class (1-D, k entries), or None.", per_class=True)
_IGNORE_INDEX = Option(
    "ignore_index", None, Bounds(-2.0**53, 2.0**53, False, False),
    "A label that marks rows to skip (e.g. -100 for padding): they add nothing to the loss, "
    "to the mean's denominator or to the gradient, and are not invalid labels.  None: no "
    "label is skipped.", label=True)

LOSSES = (
    Loss(
        "mse", "elementwise", "Mean squared error, for regression.",
        "(y_pred - y_true)**2", "2 (y_pred - y_true)", _mse, _mse_d, exact=_mse_exact,
        hess=_mse_h,
        boosting="newton",
    ),
    Loss(
        "mae", "elementwise", "Mean absolute error, for regression (robust to outliers).",
        "|y_pred - y_true|", "sign(y_pred - y_true), 0 where they are equal", _mae, _mae_d, exact=_mae_exact,
        hess=_zero_hess,
        boosting="constant",
    ),
    Loss(
        "huber", "elementwise",
        "Huber loss: quadratic near zero, linear beyond delta (as torch.nn.functional.huber_loss).",
        "r**2/2 if |r| <= delta else delta (|r| - delta/2), r = y_pred - y_true",
        "r if |r| <= delta else delta sign(r)", _huber, _huber_d, exact=_huber_exact,
        options=(Option("delta", 1.0, POSITIVE,
                        "Threshold between the quadratic and linear parts (> 0)."),),
        hess=_huber_h,
        boosting="constant",
    ),
    Loss(
        "pinball", "elementwise",
        "Pinball (quantile) loss of the alpha-quantile (as sklearn.metrics.mean_pinball_loss).",
        "alpha max(y_true - y_pred, 0) + (1 - alpha) max(y_pred - y_true, 0)",
        "1 - alpha where y_pred > y_true, -alpha where y_pred < y_true, 0 where equal",
        _pinball, _pinball_d, exact=_pinball_exact,
        options=(Option("alpha", 0.5, UNIT, "The quantile the predictions estimate (0 <= alpha <= 1)."),),
        hess=_zero_hess,
        boosting="constant",
    ),
    Loss(
        "log_cosh", "elementwise",
        "Log-cosh loss: quadratic near zero, linear far out (as Keras LogCosh and optax.log_cosh).",
        "log(cosh(y_pred - y_true)), accurate for tiny and huge residuals",
        "tanh(y_pred - y_true)", _log_cosh, _log_cosh_d, exact=_log_cosh_exact, ulps=(4, 4),
        hess=_log_cosh_h,
        boosting="newton", compute_bound=True,
    ),
    Loss(
        "squared_log_error", "elementwise",
        "Squared logarithmic error, for positive targets spanning orders of magnitude "
        "(as sklearn.metrics.mean_squared_log_error).",
        "(log1p(y_pred) - log1p(y_true))**2, both > -1",
        "2 (log1p(y_pred) - log1p(y_true)) / (1 + y_pred)",
        _squared_log_error, _squared_log_error_d, exact=_squared_log_error_exact, ulps=(4, 4),
        pred_domain=ABOVE_MINUS_ONE, target_domain=ABOVE_MINUS_ONE,
        hess=_squared_log_error_h, compute_bound=True,
    ),
    Loss(
        "absolute_percentage_error", "elementwise",
        "Absolute percentage error (as sklearn.metrics.mean_absolute_percentage_error: a "
        "fraction, not multiplied by 100).",
        "|y_pred - y_true| / max(|y_true|, eps), eps = 2**-52 (float64's machine epsilon)",
        "sign(y_pred - y_true) / max(|y_true|, eps), 0 where they are equal",
        _ape, _ape_d, exact=_ape_exact,
        hess=_zero_hess,
    ),
    Loss(
        "poisson_nll", "elementwise",
        "Poisson negative log-likelihood of counts (as torch.nn.functional.poisson_nll_loss).",
        "exp(p) - y p (log_input), else p - y log(p + eps); full adds "
        "y log y - y + log(2 pi y) / 2 where y > 1",
        "exp(p) - y (log_input), else 1 - y / (p + eps)",
        _poisson_nll, _poisson_nll_d, exact=_poisson_nll_exact, ulps=(4, 4),
        options=(Option("log_input", True, UNIT, "Predictions are log-rates (True) or rates "
                        "(False, then >= 0).", boolean=True),
                 Option("full", False, UNIT, "Add the Stirling approximation of log(y!) where "
                        "y > 1.", boolean=True),
                 Option("eps", 1e-8, Bounds(0.0, math.inf, False, True),
                        "Added to rates before their log (log_input=False).")),
        target_domain=NONNEGATIVE,
        domains=lambda log_input, full, eps: (NONNEGATIVE, REAL if log_input else NONNEGATIVE),
        forms=4, form=lambda log_input, full, eps: int(log_input) + 2 * int(full),
        hess=_poisson_nll_h,
        boosting="newton", compute_bound=True,
    ),
    Loss(
        "tweedie_deviance", "elementwise",
        "Unit deviance of a Tweedie distribution (as sklearn.metrics.mean_tweedie_deviance).",
        "power 0: (y - mu)**2; 1: 2 (y log(y / mu) - y + mu); 2: 2 (log(mu / y) + y / mu - 1); "
        "else 2 (max(y, 0)**(2-p) / ((1-p)(2-p)) - y mu**(1-p) / (1-p) + mu**(2-p) / (2-p))",
        "2 mu**(-p) (mu - y)",
        _tweedie, _tweedie_d, exact=_tweedie_exact, ulps=(4, 4),
        options=(Option("power", 0.0, Bounds(), "The Tweedie power p, not in (0, 1): 0 normal "
                        "(any y and mu), < 0 mu > 0, 1 Poisson and 1 < p < 2 compound Poisson "
                        "(y >= 0, mu > 0), 2 Gamma and > 2 (y > 0, mu > 0).",
                        gap=Bounds(0.0, 1.0), examples=(1.5, 2.0, 1.0, 3.0, -1.0, 0.0)),),
        domains=lambda power: _tweedie_domains(power),
        forms=4, form=lambda power: {0.0: 0, 1.0: 1, 2.0: 2}.get(power, 3),
        hess=_tweedie_h, compute_bound=(1, 2, 3),  # (power 0 is the squared error)
    ),
    Loss(
        "sigmoid_focal_loss", "elementwise",
        "Focal loss on logits for imbalanced binary targets (as "
        "torchvision.ops.sigmoid_focal_loss), finite for every finite logit.",
        "alpha_t bce_with_logits(z, y) (1 - p_t)**gamma, 1 - p_t = y sigmoid(-z) + (1 - y) "
        "sigmoid(z), alpha_t = alpha y + (1 - alpha)(1 - y) (1 when alpha is None)",
        "alpha_t (1 - p_t)**gamma (sigmoid(z) - y + gamma bce (1 - 2y) sigmoid(z) sigmoid(-z) "
        "/ (1 - p_t))",
        _focal, _focal_d, exact=_focal_exact, ulps=(8, 8),
        options=(Option("alpha", 0.25, UNIT, "Weight of the positive targets in [0, 1] (the "
                        "negatives get 1 - alpha); None: no weighting.", none=-1.0,
                        examples=(0.5, None, 1.0)),
                 Option("gamma", 2.0, Bounds(0.0, math.inf, False, True),
                        "Focusing exponent (>= 0; 0 is alpha-weighted cross-entropy).")),
        forms=4, form=lambda alpha, gamma: {2.0: 1, 1.0: 2, 0.0: 3}.get(gamma, 0),
        pred_domain=BINARY_LOGIT, target_domain=UNIT_INTERVAL,
        hess=_focal_h,
        boosting="newton", compute_bound=True,
    ),
    Loss(
        "binary_cross_entropy", "elementwise",
        "Binary cross-entropy on probabilities (the textbook formula), soft labels allowed.",
        "-(y log q + (1 - y) log(1 - q)), q = clip(y_prob, eps, 1 - eps)",
        "(q - y) / (q (1 - q)) at the clipped q (the clip guards the logs and is not "
        "differentiated, so saturated predictions keep a learning signal)",
        _bce, _bce_d, exact=_bce_exact, ulps=(4, 4), options=(_EPS,), pred_domain=PROBABILITY, target_domain=UNIT_INTERVAL,
        pred_hint=_LOGITS_HINT, hard_labels=True,
        hess=_bce_h, compute_bound=True,
    ),
    Loss(
        "binary_cross_entropy_with_logits", "elementwise",
        "Binary cross-entropy on logits, stable for every finite logit "
        "(as torch.nn.functional.binary_cross_entropy_with_logits).",
        "(1 - y) softplus(z) + w+ y softplus(-z), softplus(x) = max(x, 0) + log1p(exp(-|x|))",
        "(1 - y) sigmoid(z) - w+ y sigmoid(-z)  (sigmoid(z) - y when pos_weight is 1)",
        _bce_logits, _bce_logits_d, exact=_bce_logits_exact, ulps=(4, 4),
        options=(Option("pos_weight", None, POSITIVE,
                        "Weight w+ of the positive targets: a positive scalar, or a 1-D array of one "
                        "positive weight per column of a 2-D input (multi-label). None means 1.",
                        none=1.0, columns=True),),
        pred_domain=BINARY_LOGIT, target_domain=UNIT_INTERVAL,
        hess=_bce_logits_h,
        boosting="newton", compute_bound=True,
    ),
    Loss(
        "hinge", "elementwise", "Hinge loss of SVMs; labels are -1 or +1.",
        "max(0, 1 - y s)", "-y where y s < 1, else 0 (the usual subgradient)",
        _hinge, _hinge_d, exact=_hinge_exact, pred_domain=SCORE, target_domain=SIGN,
        hess=_zero_hess,
    ),
    Loss(
        "squared_hinge", "elementwise", "Squared hinge loss; labels are -1 or +1.",
        "max(0, 1 - y s)**2", "-2 y max(0, 1 - y s)",
        _squared_hinge, _squared_hinge_d, exact=_squared_hinge_exact, pred_domain=SCORE, target_domain=SIGN,
        hess=_squared_hinge_h,
    ),
    Loss(
        "categorical_cross_entropy", "rows",
        "Categorical cross-entropy on probabilities (the textbook formula); targets one-hot or "
        "probabilities, classes on the last axis.",
        "-sum_j y_j log(clip(p_j, eps, 1 - eps)) per row",
        "-y / p at the clipped p", _cce, _cce_d, exact=_cce_exact, ulps=(4, 4), options=(_EPS,), pred_domain=PROBABILITY,
        targets="probs", target_domain=UNIT_INTERVAL, pred_hint=_SOFTMAX_HINT,
        hess=_cce_h,
    ),
    Loss(
        "sparse_categorical_cross_entropy", "rows",
        "Categorical cross-entropy with integer class labels (n,) and probabilities (n, k).",
        "-log(clip(p[label], eps, 1 - eps)) per row",
        "-1 / p[label] at the label (clipped p), 0 elsewhere",
        _by_label(_scce, True), _by_label(_scce_d, False), exact=_scce_exact, ulps=(4, 4),
        options=(_EPS, _CLASS_WEIGHT, _IGNORE_INDEX), pred_domain=PROBABILITY, targets="labels",
        pred_hint=_SOFTMAX_HINT, hess=_by_label(_scce_h, False), class_weights="label",
    ),
    Loss(
        "softmax_cross_entropy", "rows",
        "Cross-entropy of softmax(logits), log-softmax computed stably per row (as "
        "torch.nn.functional.cross_entropy); targets are integer labels (n,) or probabilities (n, k).",
        "-sum_j t_j log_softmax(z)_j per row, t = (1 - ls) target + ls / k",
        "softmax(z) sum_j t_j - t", _by_label(_softmax_ce, True, weigh=False),
        _by_label(_softmax_ce_d, False, weigh=False), exact=_softmax_ce_exact, ulps=(4, 4),
        options=(Option("label_smoothing", 0.0, UNIT,
                        "Mix the target with the uniform distribution (0 <= ls <= 1), as torch."),
                 _CLASS_WEIGHT, _IGNORE_INDEX),
        pred_domain=LOGIT, targets="labels_or_probs",
        hess=_by_label(_softmax_ce_h, False, weigh=False), class_weights="classes",
        boosting="newton",
    ),
    Loss(
        "nll_loss", "rows",
        "Negative log-likelihood of integer labels (n,) given log-probabilities (n, k), e.g. "
        "after a log_softmax (as torch.nn.functional.nll_loss).",
        "-log_probs[label] per row", "-1 at the label, 0 elsewhere",
        _by_label(_nll, True), _by_label(_nll_d, False), exact=_nll_exact,
        options=(_CLASS_WEIGHT, _IGNORE_INDEX), pred_domain=LOG_PROB, targets="labels",
        hess=_by_label(_zero_hess, False), class_weights="label",
    ),
    Loss(
        "kl_divergence", "rows",
        "Kullback-Leibler divergence of predicted probabilities from target distributions "
        "(as torch.nn.functional.kl_div(log(clip(q)), y, reduction=\"sum\") per row).",
        "sum_j y_j log y_j - y_j log(clip(q_j, eps, 1 - eps)) per row (0 log 0 = 0)",
        "-y / q at the clipped q", _kl, _kl_d, exact=_kl_exact, ulps=(4, 4), options=(_EPS,),
        pred_domain=PROBABILITY, targets="probs", target_domain=UNIT_INTERVAL,
        pred_hint=_SOFTMAX_HINT,
        hess=_kl_h,
    ),
    Loss(
        "multi_margin", "rows",
        "Weston-Watkins multi-class margin loss of integer labels and raw scores (as "
        "torch.nn.functional.multi_margin_loss).",
        "sum_{j != label} max(0, margin - s_label + s_j)**p / k per row",
        "p v_j**(p-1) / k at each violated rival j (v_j = margin - s_label + s_j > 0), minus "
        "their sum at the label",
        _by_label(_multi_margin, True), _by_label(_multi_margin_d, False),
        exact=_multi_margin_exact, ulps=(4, 4),
        options=(Option("p", 1, Bounds(1.0, 2.0, False, False), "The power of the violations "
                        "(1 or 2).", gap=Bounds(1.0, 2.0), examples=(2, 1)),
                 Option("margin", 1.0, Bounds(), "The margin each rival must stay below the "
                        "label's score by.", examples=(0.5, 2.0)),
                 _CLASS_WEIGHT, _IGNORE_INDEX),
        pred_domain=SCORE, targets="labels",
        hess=_by_label(_multi_margin_h, False), class_weights="label_rows",
    ),
    Loss(
        "multiclass_hinge", "rows",
        "Crammer-Singer multi-class hinge loss (as sklearn.metrics.hinge_loss for multi-class input).",
        "max(0, 1 - (s_label - max_{j != label} s_j)) per row",
        "+1 at the first arg-max rival, -1 at the label, where the margin is violated",
        _by_label(_multiclass_hinge, True), _by_label(_multiclass_hinge_d, False),
        exact=_multiclass_hinge_exact, pred_domain=SCORE, targets="labels",
        options=(_CLASS_WEIGHT, _IGNORE_INDEX), min_classes=2,
        hess=_by_label(_multiclass_hinge_h, False), class_weights="label",
    ),
)

BY_NAME = {loss.name: loss for loss in LOSSES}



# ---- the C kernels' view of the table --------------------------------------------

def c_table():
    """src_c/fl_table.h's text (the build writes it to build/gen/): the table
    as the C kernels instantiate it.

    FL_EW_TABLE(X) has X(name, target domain, prediction domain, forms,
    hard-label form, per-column option, compute-bound) for each elementwise
    loss;
    FL_ROW_TABLE(X) has X(name, target domain, prediction domain) for each row
    loss.  The C function of each loss (fl_ew_<name> in fl_ew_losses.h,
    fl_row_<name> in fl_row_losses.h) must exist: a missing one is a compile
    error naming it."""
    ew, rows = [], []
    for loss in LOSSES:
        targets, preds = loss.c_domains
        if loss.kind == "elementwise":
            forms = 2 if loss.hard_labels else loss.forms
            assert forms <= 4 and not (loss.hard_labels and loss.forms > 1), loss.name
            ew.append(f"    X({loss.name}, {targets}, {preds}, {forms}, "
                      f"{int(loss.hard_labels)}, {int(any(o.columns for o in loss.options))}, "
                      f"{loss.compute_bound_forms}, {loss.checked_forms})")
        else:
            rows.append(f"    X({loss.name}, {targets}, {loss.pred_domain.c_name})")
    return ("/* Generated from fastloss/_losses.py by the build: do not edit. */\n"
            "#ifndef FL_TABLE_H\n#define FL_TABLE_H\n"
            "#define FL_EW_TABLE(X) \\\n" + " \\\n".join(ew) + "\n"
            "#define FL_ROW_TABLE(X) \\\n" + " \\\n".join(rows) + "\n#endif\n")
