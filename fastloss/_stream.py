"""Streaming accumulators: the running weighted mean of a loss over batches."""
from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import _dispatch
from ._errors import ZeroWeightError
from ._losses import BY_NAME


class _Sum:
    """A float64 sum with Neumaier compensation: the total of many batch sums
    stays within an ulp or two of the exact sum of those terms."""

    __slots__ = ("hi", "lo")

    def __init__(self, hi=0.0, lo=0.0):
        self.hi, self.lo = float(hi), float(lo)

    def add(self, x):
        x = float(x)
        t = self.hi + x
        if t - t != 0:  # inf or NaN: IEEE arithmetic, no compensation (inf - inf)
            self.hi, self.lo = t, 0.0
            return
        if abs(self.hi) >= abs(x):
            self.lo += (self.hi - t) + x
        else:
            self.lo += (x - t) + self.hi
        self.hi = t

    @property
    def value(self):
        return self.hi + self.lo


class Mean:
    """Running weighted mean of a loss over batches of data.

    ``Mean("binary_cross_entropy", eps=1e-7)`` accumulates Σ w·ℓ and Σ w (float64,
    compensated) and the number of samples (an integer) over ``update`` calls;
    ``result()`` is Σ w·ℓ / Σ w, the value the one-shot call with
    ``reduction="mean"`` gives on the concatenated batches.

    Parameters
    ----------
    loss : str
        A name from ``fastloss.LOSSES`` (e.g. ``"mse"``, ``"softmax_cross_entropy"``).
    **options
        The loss's options (``delta``, ``eps``, ``pos_weight``, ``label_smoothing``).

    Notes
    -----
    ``update`` runs one compiled pass per batch (the GIL is released for large
    batches) and changes the state only after the batch succeeded: a batch that
    raises leaves the accumulator as it was.  Accumulators of the same loss and
    options ``merge`` (also ``a + b``); they pickle, so partial results can be
    combined across processes.  ``update`` may be called from several threads;
    ``result()``, ``merge``, ``+``, pickling and the properties each read one
    consistent snapshot of the state meanwhile.

    Examples
    --------
    >>> import numpy as np, fastloss
    >>> m = fastloss.Mean("mse")
    >>> _ = m.update(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    >>> _ = m.update(np.array([3.0]), np.array([5.0]))
    >>> m.result(), m.count
    (1.4166666666666667, 3)
    >>> m.result() == fastloss.mse([1.0, 2.0, 3.0], [1.5, 2.0, 5.0])
    True
    """

    def __init__(self, loss: str, **options: Any) -> None:
        if not isinstance(loss, str) or loss not in BY_NAME:
            raise ValueError(f"unknown loss {loss!r}; one of {', '.join(BY_NAME)}")
        BY_NAME[loss].check_options(options)
        self.loss = loss
        self.options = dict(options)
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> "Mean":
        """Forget every batch."""
        with self._lock:
            self._s, self._w, self._count = _Sum(), _Sum(), 0
        return self

    def update(self, y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None = None,
               *, n_threads: int | None = None) -> "Mean":
        """Add a batch (the arguments of the loss function itself).  Returns self."""
        loss = BY_NAME[self.loss]
        opts = tuple(self.options.get(o.name, o.default) for o in loss.options)
        s, sw = _dispatch.sums(loss, y_true, y_pred, sample_weight, n_threads, opts)  # one pass
        shape = np.shape(y_pred)
        rows = shape[:-1] if loss.kind == "rows" else shape
        count = int(np.prod(rows, dtype=np.int64))
        with self._lock:
            self._s.add(s)
            self._w.add(sw)
            self._count += count
        return self

    def _state(self):
        """(Σ w·ℓ hi, lo, Σ w hi, lo, count), read under the lock: one consistent
        snapshot even while other threads update."""
        with self._lock:
            return (self._s.hi, self._s.lo, self._w.hi, self._w.lo, self._count)

    def result(self) -> float:
        """Σ w·ℓ / Σ w over every batch so far (ZeroWeightError, a ValueError,
        when Σ w is 0).  Σ w is what the loss's ``"mean"`` divides by: with
        ``class_weight`` or ``ignore_index``, the rows' weights times their
        factors (see the loss's docstring)."""
        shi, slo, whi, wlo, _ = self._state()
        s, w = shi + slo, whi + wlo
        if w == 0:
            raise ZeroWeightError(f"Mean({self.loss!r}).result(): no data yet, or weights summing to "
                                  "zero (or every row ignored)")
        return s / w

    @property
    def sum(self) -> float:
        """Σ w·ℓ so far."""
        shi, slo, *_ = self._state()
        return shi + slo

    @property
    def sum_weight(self) -> float:
        """Σ w so far (the number of samples without weights)."""
        _, _, whi, wlo, _ = self._state()
        return whi + wlo

    @property
    def count(self) -> int:
        """The number of samples (elements, or rows of the row losses) so far."""
        with self._lock:
            return self._count

    def merge(self, other: "Mean") -> "Mean":
        """Add another accumulator's batches (same loss and options).  Returns self."""
        if not isinstance(other, Mean):
            raise TypeError(f"can only merge a Mean, not {type(other).__name__}")
        if other.loss != self.loss or other.options.keys() != self.options.keys() or any(
                not np.array_equal(other.options[k], self.options[k]) for k in self.options):
            raise ValueError(f"cannot merge Mean({other.loss!r}, {other.options}) into "
                             f"Mean({self.loss!r}, {self.options})")
        parts = other._state()  # a consistent snapshot, taken before self's lock
        with self._lock:
            self._s.add(parts[0])
            self._s.add(parts[1])
            self._w.add(parts[2])
            self._w.add(parts[3])
            self._count += parts[4]
        return self

    def __add__(self, other):
        if not isinstance(other, Mean):
            return NotImplemented
        return Mean(self.loss, **self.options).merge(self).merge(other)

    def __getstate__(self):
        return {"loss": self.loss, "options": self.options, "state": self._state()}

    def __setstate__(self, st):
        self.loss, self.options = st["loss"], st["options"]
        self._lock = threading.Lock()
        shi, slo, whi, wlo, self._count = st["state"]
        self._s, self._w = _Sum(shi, slo), _Sum(whi, wlo)

    def __repr__(self):
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        shi, slo, whi, wlo, count = self._state()
        return (f"Mean({self.loss!r}{opts}; count={count}, sum={shi + slo!r}, "
                f"sum_weight={whi + wlo!r})")
