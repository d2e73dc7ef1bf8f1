"""The exceptions fastloss raises for invalid input, as types (callers match
the type, never the message).  Both are ValueErrors."""
from __future__ import annotations


class TargetError(ValueError):
    """An invalid target, label or prediction: a value outside the loss's
    domain (a target that is not -1 or +1 for the hinge, a label outside
    [0, k), a probability outside [0, 1], ...).  ``argument`` names the array,
    ``position`` the first bad element (an int, or a tuple for N-d arrays) and
    ``value`` its value.

    Examples
    --------
    >>> import fastloss
    >>> try:
    ...     fastloss.hinge([1, 0], [0.5, 0.5])
    ... except fastloss.TargetError as e:
    ...     print(e.argument, e.position, e.value)
    y_true 1 0.0
    """

    def __init__(self, message, argument=None, position=None, value=None):
        super().__init__(message)
        self.argument, self.position, self.value = argument, position, value


class ZeroWeightError(ValueError):
    """``reduction="mean"`` with weights whose exact sum is zero: the mean is
    undefined.

    Examples
    --------
    >>> import fastloss
    >>> try:
    ...     fastloss.mse([0.0, 0.0], [1.0, 1.0], sample_weight=[1.0, -1.0])
    ... except fastloss.ZeroWeightError as e:
    ...     print(type(e).__name__, isinstance(e, ValueError))
    ZeroWeightError True
    """
