"""Shapes every result shares: the named interval as scipy.stats writes it, numbers carried as logs, JSON output."""

import math
from collections import namedtuple

import numpy as np

#: A confidence interval with named ends, like ``scipy.stats``' ``ConfidenceInterval``.
#: A tuple, so ``lo, hi = fit.interval`` and ``fit.interval[0]`` keep working.
ConfidenceInterval = namedtuple("ConfidenceInterval", ["low", "high"])

#: exp(x) is a normal, finite double for LN_TINY <= x <= LN_HUGE.
LN_HUGE = math.log(np.finfo(float).max)
LN_TINY = math.log(np.finfo(float).tiny)


def as_interval(x):
    """``x`` as a ``ConfidenceInterval``: a result's constructor takes any pair and stores the named one.

    Parameters
    ----------
    x : ConfidenceInterval or pair of float

    Returns
    -------
    ConfidenceInterval

    Examples
    --------
    >>> as_interval((1.0, 2.0))
    ConfidenceInterval(low=1.0, high=2.0)
    """
    return x if isinstance(x, ConfidenceInterval) else ConfidenceInterval(*x)


def json_safe(x):
    """``x`` as plain, strict-JSON-ready Python: what ``json.dumps(..., allow_nan=False)`` accepts.

    Dicts are rebuilt and lists, tuples (a ``ConfidenceInterval`` too) and numpy arrays become
    lists, recursively; numpy scalars become Python ones; a non-finite float (nan, inf, -inf)
    becomes None, JSON's null, since strict JSON has no such numbers (Python writes ``NaN``,
    which other readers reject). Anything else is returned as it is.

    Parameters
    ----------
    x : object

    Returns
    -------
    object

    Examples
    --------
    >>> json_safe({"v": float("nan"), "interval": ConfidenceInterval(np.float32(0.5), float("inf")), "n": np.int64(3)})
    {'v': None, 'interval': [0.5, None], 'n': 3}
    """
    if isinstance(x, dict):
        return {_json_key(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _json_key(k):
    # json.dumps takes str, int, float, bool and None keys, not numpy scalars (a groupby's keys are those)
    return k.item() if isinstance(k, np.generic) else k


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
