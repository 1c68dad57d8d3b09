"""The one-sided Levy law of BAA Eq. 27 fitted to a generation's samples.

    P_n(Gamma) = sqrt(gamma_n / pi) Gamma^(-3/2) exp(-gamma_n / Gamma)

is scipy's ``levy(loc=0, scale=2 gamma_n)``. The maximum-likelihood estimate is
gamma_hat = N / (2 sum 1/Gamma), and 2 gamma sum 1/Gamma_i ~ chi^2_N exactly (each
2 gamma / Gamma_i is chi^2_1), which gives an exact confidence interval. Goodness of fit is
tested by Kolmogorov-Smirnov and Anderson-Darling with gamma estimated; the p-values come
from a parametric bootstrap (the Levy law is a scale family and gamma_hat is scale-equivariant,
so the null law of either statistic does not depend on gamma: one simulation at gamma = 1
serves every sample).

Everything is computed from ln Gamma relative to its median (``fit_levy_ln``), so a fit works
for ln Gamma anywhere in the float64 range: gamma_n itself overflows a double once
ln gamma_n > 709.78 (a metallic run gets there in a few hundred generations), its logarithm
does not. The scale is therefore carried as ``ln_gamma``; ``gamma`` is its exponential where
a double can hold it, and nan elsewhere (``exp_or_nan``, ``format_ln``).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from popdyn.results import LN_HUGE, LN_TINY, exp_or_nan  # noqa: F401  (part of this module's API)
from popdyn.results import ConfidenceInterval, as_interval, json_safe

#: Above this many samples the bootstrap simulates this many: sqrt(n) D and A^2 have then
#: reached their asymptotic null law, which does not depend on n.
BOOTSTRAP_SIZE = 10_000


def format_ln(ln_x, digits=4):
    """A positive number given by its logarithm, as text: ``1.234e+05``, also beyond a double's range.

    The mantissa and the decimal exponent come from ln_x itself: ``format_ln(3600.0)`` is
    ``'2.885e+1563'``. nan gives ``'nan'``, -inf gives ``'0'``.
    """
    ln_x = float(ln_x)
    if math.isnan(ln_x) or ln_x == math.inf:
        return "nan" if math.isnan(ln_x) else "inf"
    if ln_x == -math.inf:
        return "0"
    if LN_TINY <= ln_x <= LN_HUGE:
        return f"{math.exp(ln_x):.{digits}g}"
    log10 = ln_x / math.log(10.0)
    exponent = math.floor(log10)
    mantissa = 10.0 ** (log10 - exponent)
    if round(mantissa, digits - 1) >= 10.0:
        mantissa, exponent = mantissa / 10.0, exponent + 1
    return f"{mantissa:.{digits - 1}f}e{exponent:+d}"


def _ln_chi2_factors(n, confidence):
    a = 1.0 - confidence
    n = np.asarray(n, dtype=float)
    return np.log(stats.chi2.ppf(a / 2, n) / n), np.log(stats.chi2.ppf(1 - a / 2, n) / n)


def levy_scale_interval(gamma_hat, n, confidence=0.95):
    """Exact interval for gamma from the MLE of ``n`` Levy samples.

    2 gamma sum 1/Gamma ~ chi^2_n and sum 1/Gamma = n / (2 gamma_hat), so
    gamma lies in gamma_hat * [chi^2_n(a/2), chi^2_n(1 - a/2)] / n with probability 1 - a.
    Works on arrays. For a scale that may not fit a double use ``ln_levy_scale_interval``.

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


def ln_levy_scale_interval(ln_gamma_hat, n, confidence=0.95):
    """``levy_scale_interval`` in logs: ln of the interval's ends from ln gamma_hat (any size).

    Works on arrays (e.g. a run's table: ln_gamma_mle, n = N (1 - zero_fraction)).

    Examples
    --------
    >>> lo, hi = ln_levy_scale_interval(5000.0, 1000)
    >>> round(float(lo) - 5000, 4), round(float(hi) - 5000, 4)
    (-0.0896, 0.0857)
    """
    ln_lo, ln_hi = _ln_chi2_factors(n, confidence)
    return ln_gamma_hat + ln_lo, ln_gamma_hat + ln_hi


def _statistics(ln_x_sorted, ln_gamma):
    """KS distance and Anderson-Darling A^2 of sorted samples, given by their logs (last axis), against Levy(gamma).

    F(x) = erfc(sqrt(gamma / x)) = erfc(exp((ln gamma - ln x) / 2)): only differences of logs.
    """
    n = ln_x_sorted.shape[-1]
    z = np.exp(np.minimum(0.5 * (ln_gamma - ln_x_sorted), 40.0))  # erfc(e^40) is 0 already
    F = np.clip(special.erfc(z), 1e-300, 1 - 1e-16)
    i = np.arange(1, n + 1)
    ks = np.maximum(i / n - F, F - (i - 1) / n).max(axis=-1)
    ad = -n - np.mean((2 * i - 1) * (np.log(F) + np.log1p(-F[..., ::-1])), axis=-1)
    return ks, ad


def _ln_mle(ln_x):
    """ln of the MLE n / (2 sum 1/x), from ln x (last axis), by a log-sum-exp: no overflow for any ln x."""
    n = ln_x.shape[-1]
    return math.log(n / 2.0) - special.logsumexp(-ln_x, axis=-1)


@dataclass(frozen=True)
class LevyFit:
    """Fit of Eq. 27 to one generation.

    Attributes
    ----------
    ln_gamma : float
        ln of the MLE gamma_hat = n / (2 sum 1/Gamma) (finite for any ln Gamma a double holds).
    ln_interval : ConfidenceInterval
        ln of the exact interval at ``confidence`` (chi^2_n).
    n : int
        Samples used (Gamma > 0).
    ks, ks_pvalue, ad, ad_pvalue : float
        Kolmogorov-Smirnov distance and Anderson-Darling A^2 with gamma estimated, and their
        parametric-bootstrap p-values.
    n_bootstrap : int
    gamma, interval : float, ConfidenceInterval (properties)
        The same as numbers, where a double holds them (nan elsewhere).
    """

    ln_gamma: float
    ln_interval: ConfidenceInterval
    n: int
    ks: float
    ks_pvalue: float
    ad: float
    ad_pvalue: float
    n_bootstrap: int
    confidence: float = 0.95

    def __post_init__(self):
        # a caller may build a fit from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "ln_interval", as_interval(self.ln_interval))

    @property
    def gamma(self):
        return exp_or_nan(self.ln_gamma)

    @property
    def interval(self):
        return ConfidenceInterval(*(exp_or_nan(x) for x in self.ln_interval))

    @property
    def rejected(self):
        """Whether either test rejects the Levy form at the 1 % level."""
        return min(self.ks_pvalue, self.ad_pvalue) < 0.01

    def summary(self):
        lo, hi = (format_ln(x, 5) for x in self.ln_interval)
        verdict = "REJECTED at 1 %" if self.rejected else "not rejected"
        return (f"Levy fit (Eq. 27): gamma = {format_ln(self.ln_gamma, 5)}, {self.confidence:.0%} interval [{lo}, {hi}] "
                f"(ln gamma = {self.ln_gamma:.6g}), n = {self.n}\n  KS D = {self.ks:.4g} (p = {self.ks_pvalue:.3g}), "
                f"AD A^2 = {self.ad:.4g} (p = {self.ad_pvalue:.3g}), {self.n_bootstrap} bootstrap samples: "
                f"Levy form {verdict}")

    def to_dict(self):
        """The fit as JSON-ready Python: intervals as [low, high], null for a number a double cannot hold."""
        return json_safe({"ln_gamma": self.ln_gamma, "ln_interval": self.ln_interval, "gamma": self.gamma,
                          "interval": self.interval, "confidence": self.confidence, "n": self.n, "ks": self.ks,
                          "ks_pvalue": self.ks_pvalue, "ad": self.ad, "ad_pvalue": self.ad_pvalue,
                          "n_bootstrap": self.n_bootstrap, "rejected": self.rejected})


def fit_levy(gamma_samples, n_bootstrap=499, confidence=0.95, seed=0):
    """Fit the Levy law of Eq. 27 to samples of Gamma and test it.

    Parameters
    ----------
    gamma_samples : array_like
        Samples of Gamma (exact zeros, if any, are dropped and do not count in ``n``).
        Samples that may not fit a double: pass their logs to ``fit_levy_ln``.
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
    x = x[x > 0]
    return fit_levy_ln(np.log(x), n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)


def fit_levy_ln(ln_gamma_samples, n_bootstrap=499, confidence=0.95, seed=0):
    """``fit_levy`` on samples given by ln Gamma, for ln Gamma anywhere in the float64 range.

    ln Gamma = -inf (an exact zero) and nan are dropped. The samples are taken relative to
    their median, so the fit of ln Gamma + c is the fit of ln Gamma with ln gamma moved by c
    (to rounding): the same p-values, the same interval width.
    """
    y = np.asarray(ln_gamma_samples, dtype=float)
    y = np.sort(y[np.isfinite(y)])
    n = y.size
    if n < 5:
        raise ValueError(f"a Levy fit needs at least 5 positive samples, got {n}")
    shift = float(np.median(y))
    r = y - shift
    ln_gamma_rel = float(_ln_mle(r))
    ks, ad = (float(s) for s in _statistics(r, ln_gamma_rel))
    m = min(n, BOOTSTRAP_SIZE)
    rng = np.random.default_rng(seed)
    ks_null, ad_null = [], []
    for chunk in np.array_split(np.arange(n_bootstrap), max(1, n_bootstrap * m // 2_000_000)):
        sim = np.log(np.sort(stats.levy.rvs(scale=2.0, size=(chunk.size, m), random_state=rng), axis=1))
        k, a = _statistics(sim, _ln_mle(sim)[:, None])
        ks_null.append(k)
        ad_null.append(a)
    ks_null = np.concatenate(ks_null) * math.sqrt(m)
    ad_null = np.concatenate(ad_null)
    ks_p = (1 + np.sum(ks_null >= ks * math.sqrt(n))) / (n_bootstrap + 1)
    ad_p = (1 + np.sum(ad_null >= ad)) / (n_bootstrap + 1)
    ln_gamma = ln_gamma_rel + shift
    lo, hi = ln_levy_scale_interval(ln_gamma, n, confidence)
    return LevyFit(ln_gamma, ConfidenceInterval(float(lo), float(hi)), n, ks, float(ks_p), ad, float(ad_p), n_bootstrap,
                   confidence)


def levy_density(gamma_values, gamma):
    """P_n(Gamma) of Eq. 27."""
    g = np.asarray(gamma_values, dtype=float)
    return np.sqrt(gamma / np.pi) * g**-1.5 * np.exp(-gamma / g)


def ln_levy_density_of_ln(ln_gamma_values, ln_gamma):
    """ln of the density of ln Gamma under Eq. 27, Gamma P_n(Gamma), from logs only (any size).

    With u = ln Gamma - ln gamma: ln(Gamma P_n) = -ln(pi)/2 - u/2 - exp(-u).
    """
    u = np.asarray(ln_gamma_values, dtype=float) - ln_gamma
    return -0.5 * math.log(math.pi) - 0.5 * u - np.exp(np.minimum(-u, LN_HUGE))
