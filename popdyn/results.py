"""Shapes every result shares: the named interval as scipy.stats writes it, and numbers carried as logs."""

import math
from collections import namedtuple

import numpy as np

#: A confidence interval with named ends, like ``scipy.stats``' ``ConfidenceInterval``.
ConfidenceInterval = namedtuple("ConfidenceInterval", ["low", "high"])

#: exp(x) is a normal, finite double for LN_TINY <= x <= LN_HUGE.
LN_HUGE = math.log(np.finfo(float).max)
LN_TINY = math.log(np.finfo(float).tiny)


def exp_or_nan(ln_x):
    """exp(ln_x) where it is a normal finite double, nan elsewhere (ln_x = -inf gives 0).

    The number a log-scale quantity stands for, for the fields that carry it besides its log:
    never an overflow, never a silent 0 or inf for a number that exists but does not fit.
    Works on floats (returns a float) and arrays.

    Examples
    --------
    >>> exp_or_nan(0.0), exp_or_nan(1000.0), exp_or_nan(-float("inf"))
    (1.0, nan, 0.0)
    """
    a = np.asarray(ln_x, dtype=float)
    fits = (a >= LN_TINY) & (a <= LN_HUGE)
    out = np.where(fits, np.exp(np.where(fits, a, 0.0)), np.nan)
    out = np.where(a == -np.inf, 0.0, out)
    return float(out) if out.ndim == 0 else out
