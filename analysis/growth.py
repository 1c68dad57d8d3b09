"""Typical growth of ln Gamma per generation, read off a population's table.

The first estimator of the growth rate: the mean increase of <ln Gamma^(n)> per generation
after a burn-in. Successive generations of one population are correlated, so the standard
error comes from batch means (consecutive increments grouped into about sqrt(n) batches),
not from the scatter of single increments. The fitting issue adds regression estimators
with HAC errors beside it.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class GrowthEstimate:
    """Typical growth per generation with a confidence interval.

    Attributes
    ----------
    estimate : float
        (<ln Gamma^(G)> - <ln Gamma^(b)>) / (G - b): the mean increment after burn-in b.
    stderr : float
        Batch-means standard error (nan with fewer than two batches).
    interval : tuple of float
        Student-t interval at ``confidence`` from the batch means.
    burn_in : int
        Generations dropped before the first one used.
    generations : int
        Increments used.
    batches : int
    confidence : float
    """

    estimate: float
    stderr: float
    interval: tuple
    burn_in: int
    generations: int
    batches: int
    confidence: float = 0.95

    def summary(self):
        lo, hi = self.interval
        return (f"typical growth {self.estimate:.4f} per generation, {self.confidence:.0%} interval "
                f"[{lo:.4f}, {hi:.4f}] ({self.generations} generations after a burn-in of {self.burn_in}, "
                f"{self.batches} batches)")


def default_burn_in(last_generation):
    """The stated rule: drop the first half of the generations (at least one)."""
    return max(1, last_generation // 2)


def typical_growth(table, burn_in=None, confidence=0.95):
    """Mean increase of <ln Gamma> per generation after a burn-in, with a batch-means interval.

    Parameters
    ----------
    table : pandas.DataFrame
        A run's per-generation table (columns ``n`` and ``mean_ln``).
    burn_in : int or None
        First generation used; None applies ``default_burn_in``.
    confidence : float

    Returns
    -------
    GrowthEstimate

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": range(41), "mean_ln": [0.5 * n for n in range(41)]})
    >>> round(typical_growth(t).estimate, 6)
    0.5
    """
    n = table["n"].to_numpy()
    y = table["mean_ln"].to_numpy(dtype=float)
    last = int(n.max()) if len(n) else 0
    burn_in = default_burn_in(last) if burn_in is None else int(burn_in)
    if not 0 <= burn_in < last:
        raise ValueError(f"burn-in {burn_in} leaves no generation to fit (the table ends at {last})")
    y = y[n >= burn_in]
    nan = float("nan")
    if not np.all(np.isfinite(y)):  # the population died out: every sample is an exact zero
        return GrowthEstimate(-math.inf, nan, (nan, nan), burn_in, len(y) - 1, 0, confidence)
    d = np.diff(y)
    estimate = float((y[-1] - y[0]) / len(d))
    size = max(1, int(math.isqrt(len(d))))
    batches = len(d) // size
    if batches < 2:
        return GrowthEstimate(estimate, nan, (nan, nan), burn_in, len(d), batches, confidence)
    means = d[: batches * size].reshape(batches, size).mean(axis=1)
    stderr = float(means.std(ddof=1) / math.sqrt(batches))
    half = float(stats.t.ppf(0.5 + confidence / 2, batches - 1)) * stderr
    return GrowthEstimate(estimate, stderr, (estimate - half, estimate + half), burn_in, len(d), batches,
                          confidence)
