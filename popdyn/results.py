"""Shapes every result shares: the named interval as scipy.stats writes it, the mean over independent runs,
numbers carried as logs, JSON output."""

import math
from collections import namedtuple
from typing import NamedTuple

import numpy as np
from scipy import stats

#: The version of the JSON documents popdyn prints (``document``). 1: before the field existed; 2: every
#: document is an object with ``schema_version``, made of its result's ``to_dict()``.
SCHEMA_VERSION = 2

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


def document(result):
    """The JSON document of a result, as the command line prints it: ``schema_version`` and ``result.to_dict()``.

    Parameters
    ----------
    result : object with ``to_dict()``

    Returns
    -------
    dict
        Strict-JSON-ready (``json_safe``), ``schema_version`` first.

    Examples
    --------
    >>> from popdyn.spectrum import transition
    >>> doc = document(transition(0.01))
    >>> doc["schema_version"], round(doc["Tc"], 4)
    (2, 1.649)
    """
    return json_safe({"schema_version": SCHEMA_VERSION, **result.to_dict()})


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


class SampleMean(NamedTuple):
    """The mean of ``n`` independent values and its standard error, ``sample_mean``'s result."""

    mean: float
    stderr: float
    n: int

    def half_width(self, confidence=0.95):
        """Half the Student-t interval, t_{n-1}((1 + confidence) / 2) * stderr; nan for one value."""
        if self.n < 2:
            return math.nan
        return float(stats.t.ppf(0.5 + confidence / 2.0, self.n - 1)) * self.stderr

    def interval(self, confidence=0.95):
        """The Student-t ``ConfidenceInterval`` of the mean (nan ends for one value)."""
        half = self.half_width(confidence)
        return ConfidenceInterval(self.mean - half, self.mean + half)


def sample_mean(values):
    """The mean of independent values and its standard error s / sqrt(n).

    The one place popdyn combines replicas, seeds or runs: s is the sample standard deviation
    (ddof = 1), so the error comes from the scatter of the values themselves, not from any
    error each one carries. One value has no scatter: its standard error is nan.

    Parameters
    ----------
    values : array_like of float
        At least one value.

    Returns
    -------
    SampleMean
        ``mean``, ``stderr`` and ``n``; ``interval(confidence)`` gives the Student-t interval.

    Examples
    --------
    >>> m = sample_mean([1.0, 2.0, 3.0])
    >>> m.mean, round(m.stderr, 6), m.n
    (2.0, 0.57735, 3)
    >>> [round(x, 4) for x in m.interval(0.95)]
    [-0.4841, 4.4841]
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        raise ValueError("a mean needs at least one value")
    stderr = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return SampleMean(float(v.mean()), stderr, int(v.size))


def mean_of_exp(ln_values):
    """The mean of exp(x) over values given by their logs, x: never an overflow or a silent 0.

    Where the sum of the exp(x) cannot overflow and their mean is a normal double, this is
    ``np.exp(x).mean()`` to the bit; elsewhere the mean is taken in logs (``ln_mean_of_exp``)
    and is nan only when the mean itself is not a normal double (``exp_or_nan``), when a value
    is nan, or when there are no values.

    Examples
    --------
    >>> mean_of_exp([0.0, math.log(3.0)])
    2.0
    >>> mean_of_exp([1000.0, 1000.0 + math.log(3.0)]) != mean_of_exp([1000.0, 1000.0 + math.log(3.0)])  # 2 e^1000
    True
    >>> mean_of_exp([-800.0, -800.0])  # 1.2e-348: not a normal double, not a silent 0
    nan
    """
    x = np.asarray(ln_values, dtype=float)
    if x.size and x.max() <= LN_HUGE - math.log(x.size):  # the sum cannot overflow
        direct = float(np.exp(x).mean())  # terms too small for a double are negligible in it, or all are
        if direct >= np.finfo(float).tiny:
            return direct
    return float(exp_or_nan(ln_mean_of_exp(x)))


def ln_mean_of_exp(ln_values):
    """ln of the mean of exp(x), without forming exp(x) (log-sum-exp): any size, -inf entries are zeros.

    nan for no values or a nan among them.

    Examples
    --------
    >>> round(ln_mean_of_exp([2000.0, 2000.0 + math.log(3.0)]), 6)  # ln(2 e^2000)
    2000.693147
    """
    from scipy.special import logsumexp

    x = np.asarray(ln_values, dtype=float)
    if x.size == 0 or np.isnan(x).any():
        return math.nan
    return float(logsumexp(x) - math.log(x.size))
