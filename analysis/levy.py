"""The one-sided Levy law of BAA Eq. 27 fitted to a generation's samples.

    P_n(Gamma) = sqrt(gamma_n / pi) Gamma^(-3/2) exp(-gamma_n / Gamma)

is scipy's ``levy(loc=0, scale=2 gamma_n)``. The maximum-likelihood estimate is
gamma_hat = N / (2 sum 1/Gamma_i), and 2 gamma sum 1/Gamma_i ~ chi^2_N exactly (each
2 gamma / Gamma_i is chi^2_1), which gives an exact confidence interval. Goodness of fit is
tested by Kolmogorov-Smirnov and Anderson-Darling with gamma estimated; the p-values come
from a parametric bootstrap (the Levy law is a scale family and gamma_hat is scale-equivariant,
so the null law of either statistic does not depend on gamma: one simulation at gamma = 1
serves every sample).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

#: Above this many samples the bootstrap simulates this many: sqrt(n) D and A^2 have then
#: reached their asymptotic null law, which does not depend on n.
BOOTSTRAP_SIZE = 10_000


def levy_scale_interval(gamma_hat, n, confidence=0.95):
    """Exact interval for gamma from the MLE of ``n`` Levy samples.

    2 gamma sum 1/Gamma ~ chi^2_n and sum 1/Gamma = n / (2 gamma_hat), so
    gamma lies in gamma_hat * [chi^2_n(a/2), chi^2_n(1 - a/2)] / n with probability 1 - a.
    Works on arrays (e.g. a run's table: gamma_hat = exp(ln_gamma_mle), n = N (1 - zero_fraction)).

    Examples
    --------
    >>> lo, hi = levy_scale_interval(2.0, 1000)
    >>> round(float(lo), 3), round(float(hi), 3)
    (1.829, 2.179)
    """
    a = 1.0 - confidence
    n = np.asarray(n, dtype=float)
    lo = stats.chi2.ppf(a / 2, n) / n
    hi = stats.chi2.ppf(1 - a / 2, n) / n
    return gamma_hat * lo, gamma_hat * hi


def _levy_cdf(x, gamma):
    return special.erfc(np.sqrt(gamma / x))


def _statistics(x_sorted, gamma):
    """KS distance and Anderson-Darling A^2 of sorted samples (last axis) against Levy(gamma)."""
    n = x_sorted.shape[-1]
    F = np.clip(_levy_cdf(x_sorted, gamma), 1e-300, 1 - 1e-16)
    i = np.arange(1, n + 1)
    ks = np.maximum(i / n - F, F - (i - 1) / n).max(axis=-1)
    ad = -n - np.mean((2 * i - 1) * (np.log(F) + np.log1p(-F[..., ::-1])), axis=-1)
    return ks, ad


def _mle(x):
    return x.shape[-1] / (2.0 * np.sum(1.0 / x, axis=-1))


@dataclass(frozen=True)
class LevyFit:
    """Fit of Eq. 27 to one generation.

    Attributes
    ----------
    gamma : float
        MLE gamma_hat = n / (2 sum 1/Gamma).
    interval : tuple
        Exact interval at ``confidence`` (chi^2_n).
    n : int
        Samples used (Gamma > 0).
    ks, ks_pvalue, ad, ad_pvalue : float
        Kolmogorov-Smirnov distance and Anderson-Darling A^2 with gamma estimated, and their
        parametric-bootstrap p-values.
    n_bootstrap : int
    """

    gamma: float
    interval: tuple
    n: int
    ks: float
    ks_pvalue: float
    ad: float
    ad_pvalue: float
    n_bootstrap: int
    confidence: float = 0.95

    @property
    def rejected(self):
        """Whether either test rejects the Levy form at the 1 % level."""
        return min(self.ks_pvalue, self.ad_pvalue) < 0.01

    def summary(self):
        lo, hi = self.interval
        verdict = "REJECTED at 1 %" if self.rejected else "not rejected"
        return (f"Levy fit (Eq. 27): gamma = {self.gamma:.5g}, {self.confidence:.0%} interval [{lo:.5g}, {hi:.5g}], "
                f"n = {self.n}\n  KS D = {self.ks:.4g} (p = {self.ks_pvalue:.3g}), AD A^2 = {self.ad:.4g} "
                f"(p = {self.ad_pvalue:.3g}), {self.n_bootstrap} bootstrap samples: Levy form {verdict}")


def fit_levy(gamma_samples, n_bootstrap=499, confidence=0.95, seed=0):
    """Fit the Levy law of Eq. 27 to samples of Gamma and test it.

    Parameters
    ----------
    gamma_samples : array_like
        Samples of Gamma (exact zeros, if any, are dropped and do not count in ``n``).
    n_bootstrap : int
        Parametric-bootstrap samples for the p-values.
    confidence : float
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    LevyFit

    Examples
    --------
    >>> from scipy import stats
    >>> x = stats.levy.rvs(scale=2 * 3.0, size=4000, random_state=1)
    >>> fit = fit_levy(x, n_bootstrap=99)
    >>> fit.interval[0] < 3.0 < fit.interval[1], fit.rejected
    (True, False)
    """
    x = np.asarray(gamma_samples, dtype=float)
    x = np.sort(x[x > 0])
    n = x.size
    if n < 5:
        raise ValueError(f"a Levy fit needs at least 5 positive samples, got {n}")
    gamma = float(_mle(x))
    ks, ad = (float(s) for s in _statistics(x, gamma))
    m = min(n, BOOTSTRAP_SIZE)
    rng = np.random.default_rng(seed)
    ks_null, ad_null = [], []
    for chunk in np.array_split(np.arange(n_bootstrap), max(1, n_bootstrap * m // 2_000_000)):
        sim = np.sort(stats.levy.rvs(scale=2.0, size=(chunk.size, m), random_state=rng), axis=1)
        k, a = _statistics(sim, _mle(sim)[:, None])
        ks_null.append(k)
        ad_null.append(a)
    ks_null = np.concatenate(ks_null) * math.sqrt(m)
    ad_null = np.concatenate(ad_null)
    ks_p = (1 + np.sum(ks_null >= ks * math.sqrt(n))) / (n_bootstrap + 1)
    ad_p = (1 + np.sum(ad_null >= ad)) / (n_bootstrap + 1)
    lo, hi = levy_scale_interval(gamma, n, confidence)
    return LevyFit(gamma, (float(lo), float(hi)), n, ks, float(ks_p), ad, float(ad_p), n_bootstrap, confidence)


def levy_density(gamma_values, gamma):
    """P_n(Gamma) of Eq. 27."""
    g = np.asarray(gamma_values, dtype=float)
    return np.sqrt(gamma / np.pi) * g**-1.5 * np.exp(-gamma / g)
