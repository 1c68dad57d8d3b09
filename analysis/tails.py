"""Tail exponent alpha of P(Gamma > y) ~ y^(-alpha), Clauset-Shalizi-Newman style.

For a threshold at the k-th largest sample x_(k), the Hill / continuous power-law MLE is

    alpha_hat(k) = k / sum_{i <= k} ln(x_(i) / x_(k)),

and the threshold is the k that minimizes the Kolmogorov-Smirnov distance between the k
tail samples and the fitted Pareto law (Clauset, Shalizi & Newman, SIAM Rev. 51, 661 (2009)).
Candidate k run over a logarithmic grid, so a fit costs O(n log n). The confidence interval
is a percentile bootstrap that repeats the whole procedure, threshold choice included.

The paper's Eq. 27 has alpha = 1/2 with amplitude P(Gamma > y) ~ 2 sqrt(gamma/pi) y^(-1/2);
the exact tree has alpha = beta* < 1/2 (BACKGROUND section 3). With the exponent fixed at 1/2,
the top k samples also give a tail-only estimate of gamma: gamma = (pi / 4) (k/n)^2 x_(k).

Everything is computed from ln Gamma (``fit_tail_ln``; the Hill estimate and the KS scan only
need differences of logs), so a fit works for ln Gamma anywhere in the float64 range; the
threshold and the tail-only gamma are carried as logs (``ln_xmin``, ``ln_tail_gamma``), and as
numbers where a double holds them.

This is written out rather than taken from the ``powerlaw`` package: the bootstrap refits
hundreds of samples of 10^5-10^6 values, which needs the vectorized threshold scan below.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from popdyn.results import ConfidenceInterval, as_interval, json_safe

from .levy import exp_or_nan, format_ln

#: Smallest number of tail samples a threshold may keep.
MIN_TAIL = 50


def _scan(logs_desc, max_fraction, grid):
    """alpha_hat and KS distance for each k of a log grid; ``logs_desc``: ln of the samples, sorted descending."""
    n = logs_desc.size
    k_max = max(MIN_TAIL, int(max_fraction * n))
    ks = np.unique(np.geomspace(MIN_TAIL, min(k_max, n - 1), grid).astype(int))
    logs = logs_desc[: ks[-1] + 1]
    csum = np.cumsum(logs)
    alpha = ks / (csum[ks - 1] - ks * logs[ks - 1])
    dist = np.empty(ks.size)
    for j, k in enumerate(ks):
        # the survival at the i-th largest of k tail samples is i/k empirically, (x_i/x_k)^-alpha fitted
        fitted = np.exp(-alpha[j] * (logs[:k] - logs[k - 1]))
        i = np.arange(1, k + 1)
        dist[j] = max(np.max(np.abs(i / k - fitted)), np.max(np.abs((i - 1) / k - fitted)))
    return ks, alpha, dist


def _fit_sorted(logs_desc, max_fraction, grid):
    """(k, alpha_hat, KS distance, whether k is the first or last candidate of the scan)."""
    ks, alpha, dist = _scan(logs_desc, max_fraction, grid)
    j = int(np.argmin(dist))
    return int(ks[j]), float(alpha[j]), float(dist[j]), j in (0, ks.size - 1)


def _ln_tail_gamma(ln_x, k, n):
    """ln of gamma = (pi / 4) (k/n)^2 x_(k) from ln x_(k): the top k samples with the exponent fixed at 1/2."""
    return math.log(np.pi / 4) + 2 * math.log(k / n) + ln_x


@dataclass(frozen=True)
class TailFit:
    """Tail exponent of P(Gamma > y) ~ y^(-alpha).

    Attributes
    ----------
    alpha : float
        Hill/CSN estimate at the chosen threshold.
    interval : ConfidenceInterval
        Percentile-bootstrap interval (threshold choice included).
    ln_xmin : float
        ln of the chosen threshold (the k-th largest sample).
    k, n : int
        Tail samples used, and all samples.
    ks_distance : float
    ln_tail_gamma : float
        ln of gamma from the k largest samples with the exponent fixed at Eq. 27's 1/2.
    ln_tail_gamma_interval : ConfidenceInterval
        ln of its interval from the binomial error of k (relative half-width 2 z / sqrt(k)); when
        ``k_at_edge``, widened on both sides by the largest change of ln gamma from k to k/2 and 2k.
    k_at_edge : bool
        Whether the chosen k is an end of the k-search (``MIN_TAIL`` or ``max_fraction`` n): the
        KS distance still falls there, so the threshold is not resolved and alpha and the tail
        gamma depend on where the search stops (the summary says so).
    xmin, tail_gamma, tail_gamma_interval : float, float, ConfidenceInterval (properties)
        The same as numbers, where a double holds them (nan elsewhere).
    """

    alpha: float
    interval: ConfidenceInterval
    ln_xmin: float
    k: int
    n: int
    ks_distance: float
    ln_tail_gamma: float
    ln_tail_gamma_interval: ConfidenceInterval
    n_bootstrap: int
    confidence: float = 0.95
    k_at_edge: bool = False

    def __post_init__(self):
        # a caller may build a fit from plain pairs; the fields are the named intervals all the same
        object.__setattr__(self, "interval", as_interval(self.interval))
        object.__setattr__(self, "ln_tail_gamma_interval", as_interval(self.ln_tail_gamma_interval))

    @property
    def xmin(self):
        return exp_or_nan(self.ln_xmin)

    @property
    def tail_gamma(self):
        return exp_or_nan(self.ln_tail_gamma)

    @property
    def tail_gamma_interval(self):
        return ConfidenceInterval(*(exp_or_nan(x) for x in self.ln_tail_gamma_interval))

    def summary(self, beta_star=None):
        lo, hi = self.interval
        text = (f"tail exponent alpha = {self.alpha:.4f}, {self.confidence:.0%} interval [{lo:.4f}, {hi:.4f}] "
                f"(k = {self.k} of n = {self.n} above x_min = {format_ln(self.ln_xmin)}, "
                f"KS distance {self.ks_distance:.3g}); "
                f"Eq. 27 says 1/2")
        if beta_star is not None:
            text += f", the exact tree beta* = {beta_star:.4f}"
        if self.k_at_edge:
            text += f"; WARNING: k = {self.k} is at the edge of the k-search, the threshold is not resolved"
        return text

    def to_dict(self):
        """The fit as JSON-ready Python: intervals as [low, high], null for a number a double cannot hold."""
        return json_safe({"alpha": self.alpha, "interval": self.interval, "confidence": self.confidence,
                          "ln_xmin": self.ln_xmin, "xmin": self.xmin, "k": self.k, "n": self.n,
                          "ks_distance": self.ks_distance, "ln_tail_gamma": self.ln_tail_gamma,
                          "ln_tail_gamma_interval": self.ln_tail_gamma_interval, "tail_gamma": self.tail_gamma,
                          "tail_gamma_interval": self.tail_gamma_interval, "n_bootstrap": self.n_bootstrap,
                          "k_at_edge": self.k_at_edge})


def fit_tail(samples, n_bootstrap=200, confidence=0.95, max_fraction=0.2, grid=60, seed=0):
    """Fit the tail exponent of positive samples (CSN threshold, bootstrap interval).

    Parameters
    ----------
    samples : array_like
        Samples of Gamma; zeros are dropped.
    n_bootstrap : int
    confidence : float
    max_fraction : float
        The threshold keeps at most this fraction of the samples.
    grid : int
        Candidate thresholds (log-spaced in k).
    seed : int

    Returns
    -------
    TailFit

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).pareto(0.4, 20000) + 1.0
    >>> fit = fit_tail(x, n_bootstrap=50)
    >>> fit.interval[0] < 0.4 < fit.interval[1]
    True
    """
    x = np.asarray(samples, dtype=float)
    x = x[x > 0]
    return fit_tail_ln(np.log(x), n_bootstrap=n_bootstrap, confidence=confidence, max_fraction=max_fraction,
                       grid=grid, seed=seed)


def fit_tail_ln(ln_samples, n_bootstrap=200, confidence=0.95, max_fraction=0.2, grid=60, seed=0):
    """``fit_tail`` on samples given by ln Gamma, for ln Gamma anywhere in the float64 range.

    ln Gamma = -inf (an exact zero) and nan are dropped. The logs are taken relative to their
    median, so the fit of ln Gamma + c is the fit of ln Gamma with ln x_min and ln tail_gamma
    moved by c (to rounding) and the same alpha and interval.
    """
    y = np.asarray(ln_samples, dtype=float)
    y = y[np.isfinite(y)]
    n = y.size
    if n < 4 * MIN_TAIL:
        raise ValueError(f"a tail fit needs at least {4 * MIN_TAIL} positive samples, got {n}")
    shift = float(np.median(y))
    r = np.sort(y - shift)[::-1]
    k, alpha, dist, at_edge = _fit_sorted(r, max_fraction, grid)
    rng = np.random.default_rng(seed)
    boot = np.array([_fit_sorted(np.sort(rng.choice(r, n))[::-1], max_fraction, grid)[1]
                     for _ in range(n_bootstrap)])
    a = 1.0 - confidence
    lo, hi = np.quantile(boot, [a / 2, 1 - a / 2])
    ln_xmin = float(r[k - 1]) + shift
    ln_tail_gamma = _ln_tail_gamma(ln_xmin, k, n)
    rel = 2 * stats.norm.ppf(0.5 + confidence / 2) / np.sqrt(k)
    ln_lo = ln_tail_gamma + math.log(1 - rel) if rel < 1 else -math.inf
    ln_hi = ln_tail_gamma + math.log1p(rel)
    if at_edge:  # an unresolved threshold: how far gamma moves with k is part of its error
        systematic = max(abs(_ln_tail_gamma(float(r[other - 1]) + shift, other, n) - ln_tail_gamma)
                         for other in (max(k // 2, 1), min(2 * k, n)))
        ln_lo, ln_hi = ln_lo - systematic, ln_hi + systematic
    return TailFit(alpha, ConfidenceInterval(float(lo), float(hi)), ln_xmin, k, n, dist, ln_tail_gamma,
                   ConfidenceInterval(ln_lo, ln_hi), n_bootstrap, confidence, at_edge)
