"""Growth per generation, Lambda, and their intervals, from a run's table.

BAA Eq. 27: gamma_n = C1 eta Lambda^(2n), so ln gamma_n grows by v = 2 ln Lambda per
generation, and so does the typical value <ln Gamma^(n)> once the shape of the law is
stationary. Successive generations of one population are strongly correlated, and the
population's position behaves like a random walk with drift (its front diffuses, Brunet &
Derrida 1997). The default estimator therefore regresses the *increments* y_{n+1} - y_n on a
constant -- the slope is their mean -- with Newey-West (HAC) standard errors
(statsmodels OLS, ``cov_type="HAC"``, Bartlett kernel, bandwidth by Andrews' AR(1) rule); ``method="levels"`` regresses y_n on n instead, which is
right for a trend plus stationary noise. The augmented Dickey-Fuller p-value of the detrended
levels is reported as the diagnostic between the two (large: a random walk, use increments).

Burn-in rule: the first half of the generations is dropped (at least one), unless given.
Independent seeds are combined by their mean and its standard error, with a chi-square check
that the seeds scatter as their HAC errors say.
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.tsa.stattools import adfuller

from popdyn.errors import ConfigError
from popdyn.results import ConfidenceInterval, as_interval, json_safe, sample_mean

COLUMNS = {"ln_gamma_mle": "ln gamma_n (Levy-scale MLE)", "mean_ln": "<ln Gamma^(n)>"}


def default_burn_in(last_generation):
    """The stated rule: drop the first half of the generations (at least one)."""
    return max(1, last_generation // 2)


def andrews_lags(residuals):
    """Bartlett-kernel bandwidth by Andrews' (1991) AR(1) plug-in rule.

    S = 1.1447 (a n)^(1/3) with a = 4 rho^2 / ((1 - rho)^2 (1 + rho)^2), rho the lag-1
    autocorrelation of the residuals. Unlike the fixed rule of thumb floor(4 (n/100)^(2/9)),
    it widens the window when successive generations are strongly correlated.
    """
    e = np.asarray(residuals, dtype=float)
    e = e - e.mean()
    n = e.size
    denom = float(np.dot(e, e))
    rho = float(np.dot(e[1:], e[:-1]) / denom) if denom > 0 else 0.0
    rho = min(max(rho, -0.97), 0.97)
    a = 4 * rho**2 / ((1 - rho) ** 2 * (1 + rho) ** 2)
    return int(min(n - 1, math.ceil(1.1447 * (a * n) ** (1.0 / 3.0))))


def _exp(x):
    """math.exp that saturates to inf instead of raising OverflowError (nan stays nan)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


class _Lambda:
    """The paper's Lambda from a growth v per generation: gamma_n ~ Lambda^(2n), so Lambda = exp(v/2).

    ``ln_Lambda`` is the quantity the fit makes; ``Lambda`` is inf past a double's range (never an error).
    The results that carry it (``GrowthFit``, ``SeedCombination``) share the storing of ``interval`` too.
    """

    @property
    def ln_Lambda(self):
        return self.v / 2.0

    @property
    def Lambda(self):
        return _exp(self.v / 2.0)

    @property
    def Lambda_interval(self):
        return ConfidenceInterval(*(_exp(x / 2.0) for x in self.interval))

    def __post_init__(self):
        # a caller may build a result from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "interval", as_interval(self.interval))

    def half_widths(self, exact_v):
        """(exact_v - v) in units of the interval's half-width: how far the exact value lies (nan if undefined)."""
        half = (self.interval[1] - self.interval[0]) / 2.0
        if exact_v is None or not math.isfinite(exact_v) or not math.isfinite(self.v) or not half > 0:
            return math.nan
        return (exact_v - self.v) / half

    def _lambda_dict(self):
        return {"ln_Lambda": self.ln_Lambda, "Lambda": self.Lambda, "Lambda_interval": self.Lambda_interval}


@dataclass(frozen=True)
class GrowthFit(_Lambda):
    """Growth per generation of one column of a run's table.

    Attributes
    ----------
    v : float
        Slope per generation (v = 2 ln Lambda).
    stderr : float
        HAC (Newey-West) standard error.
    interval : ConfidenceInterval
        ``confidence`` interval of v (normal quantiles, as statsmodels gives for HAC).
    column : str
        ``ln_gamma_mle`` or ``mean_ln``.
    method : str
        ``increments`` or ``levels``.
    burn_in, generations, size : int
        First generation used, increments used, and the population size N.
    maxlags : int
    adf_pvalue : float
        Augmented Dickey-Fuller p-value of the detrended levels (nan if too short).
    ln_Lambda, Lambda, Lambda_interval : float, float, ConfidenceInterval (properties)
        v / 2 and the paper's Lambda = exp(v / 2) with its interval (inf past a double's range).
    """

    v: float
    stderr: float
    interval: ConfidenceInterval
    column: str
    method: str
    burn_in: int
    generations: int
    size: int
    maxlags: int
    adf_pvalue: float
    confidence: float = 0.95
    statsmodels_summary: str = field(default="", repr=False, compare=False)
    #: The fitted statsmodels results (None for a dead population), for renderings such as ``summary().as_html()``.
    results: object = field(default=None, repr=False, compare=False)

    def summary(self, exact_v=None):
        lo, hi = self.interval
        lines = [
            f"growth of {COLUMNS.get(self.column, self.column)} per generation ({self.method}, HAC maxlags="
            f"{self.maxlags}, generations {self.burn_in}..{self.burn_in + self.generations}, N = {self.size}):",
            f"  v = 2 ln Lambda = {self.v:.4f} +- {self.stderr:.4f}, {self.confidence:.0%} interval [{lo:.4f}, {hi:.4f}]",
            f"  Lambda = {self.Lambda:.4f}, interval [{self.Lambda_interval[0]:.4f}, {self.Lambda_interval[1]:.4f}]; "
            f"ln Lambda = {self.ln_Lambda:.4f}",
            f"  ADF p-value of the detrended levels = {self.adf_pvalue:.3g} (small: trend plus stationary noise; "
            "large: a random walk; the increments fit holds for both)",
        ]
        if exact_v is not None and math.isfinite(exact_v):
            widths = self.half_widths(exact_v)
            widths = f"{widths:.1f}" if math.isfinite(widths) else "n/a"
            lines.append(f"  exact tree: v = {exact_v:.4f}, Lambda = {_exp(exact_v / 2):.4f}; exact - fit = "
                         f"{exact_v - self.v:.4f} = {widths} interval half-widths")
        return "\n".join(lines)

    def statsmodels_table(self):
        """statsmodels' own summary of the fit (``.as_html()``, ``.as_text()``); None without a results object."""
        if self.results is None:
            return None
        return self.results.summary(xname=_xnames(self.method), yname=self.column)

    def to_dict(self):
        """The fit as JSON-ready Python: intervals as [low, high], null for nan and inf.

        The statsmodels summary table is left out: it is text for a reader, kept in
        ``statsmodels_summary``.
        """
        return json_safe({"v": self.v, "stderr": self.stderr, "interval": self.interval, "confidence": self.confidence,
                          **self._lambda_dict(), "column": self.column, "method": self.method,
                          "burn_in": self.burn_in, "generations": self.generations, "size": self.size,
                          "maxlags": self.maxlags, "adf_pvalue": self.adf_pvalue})


def fit_growth(table, column="ln_gamma_mle", burn_in=None, method="increments", confidence=0.95, size=None, run=None):
    """Fit the growth per generation of ``column`` with HAC standard errors.

    Parameters
    ----------
    table : pandas.DataFrame
        A run's per-generation table (``n`` and ``column``).
    column : {"ln_gamma_mle", "mean_ln"}
    burn_in : int or None
        First generation used (None: ``default_burn_in``).
    method : {"increments", "levels"}
    confidence : float
    size : int or None
        The population size, carried into the result for the report.
    run : str or None
        How a message names the run (its directory).

    Returns
    -------
    GrowthFit
        v = -inf when the population died out: ``column`` is -inf, the engine's record of a
        generation whose every sample is an exact zero.

    Raises
    ------
    ConfigError
        When ``column`` holds +inf or nan (a sample overflowed its storage, or an invalid
        number): that is no extinction, and the run cannot be fitted.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"n": range(41), "mean_ln": [0.5 * n + (n % 2) * 0.1 for n in range(41)]})
    >>> round(fit_growth(t, "mean_ln").v, 6)
    0.5
    """
    if method not in ("increments", "levels"):
        raise ValueError(f"method must be 'increments' or 'levels', got {method!r}")
    n = table["n"].to_numpy()
    values = table[column].to_numpy(dtype=float)
    broken = np.flatnonzero(np.isnan(values) | (values == math.inf))
    if broken.size:  # -inf is an extinction; +inf (an overflow) or nan must not read as one
        first = broken[0]
        raise ConfigError(f"{column} is {values[first]} at generation {int(n[first])} of {run or 'the run'}: a "
                          "sample overflowed its storage or is not a number, which is no extinction (that is -inf, "
                          "every sample an exact zero); this run cannot be fitted")
    last = int(n.max()) if len(n) else 0
    burn_in = default_burn_in(last) if burn_in is None else int(burn_in)
    if not 0 <= burn_in < last - 2:
        raise ValueError(f"burn-in {burn_in} leaves fewer than 3 generations to fit (the table ends at {last})")
    keep = n >= burn_in
    y = values[keep]
    gen = n[keep].astype(float)
    size = -1 if size is None else int(size)
    nan = float("nan")
    if np.any(y == -math.inf):  # the population died out: every sample is an exact zero
        return GrowthFit(-math.inf, nan, ConfidenceInterval(nan, nan), column, method, burn_in, len(y) - 1, size, 0,
                         nan, confidence)
    if method == "increments":
        endog, exog = np.diff(y), np.ones(len(y) - 1)
    else:
        endog, exog = y, sm.add_constant(gen)
    maxlags = andrews_lags(sm.OLS(endog, exog).fit().resid)
    result = sm.OLS(endog, exog).fit(cov_type="HAC", cov_kwds={"maxlags": maxlags})
    with warnings.catch_warnings():  # normality tests of the summary warn on short series
        warnings.simplefilter("ignore")
        text = str(result.summary(xname=_xnames(method), yname=column))
    slope = float(np.atleast_1d(result.params)[-1])
    stderr = float(np.atleast_1d(result.bse)[-1])
    lo, hi = (float(x) for x in np.atleast_2d(result.conf_int(1 - confidence))[-1])
    return GrowthFit(slope, stderr, ConfidenceInterval(lo, hi), column, method, burn_in, len(y) - 1, size, maxlags,
                     _adf_pvalue(gen, y), confidence, text, results=result)


def _xnames(method):
    return ["v"] if method == "increments" else ["const", "v"]


def _adf_pvalue(gen, y):
    if len(y) < 20:
        return float("nan")
    residual = y - np.polyval(np.polyfit(gen, y, 1), gen)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(adfuller(residual, regression="c", autolag="AIC")[1])


@dataclass(frozen=True)
class SeedCombination(_Lambda):
    """Growth combined over independent seeds of one parameter point.

    Attributes
    ----------
    v, stderr, interval : float, float, ConfidenceInterval
        Mean over seeds, its standard error from the scatter of the seeds, and a Student-t interval.
    n_seeds : int
    consistency_pvalue : float
        chi^2 test that the seeds scatter as their own HAC errors say (small: the HAC errors are
        too small, or the seeds differ more than chance).
    size : int
        The population size N of the seeds (that of the first).
    ln_Lambda, Lambda, Lambda_interval : float, float, ConfidenceInterval (properties)
        As for ``GrowthFit``.
    """

    v: float
    stderr: float
    interval: ConfidenceInterval
    n_seeds: int
    consistency_pvalue: float
    size: int
    confidence: float = 0.95

    def summary(self):
        lo, hi = self.interval
        return (f"{self.n_seeds} seeds, N = {self.size}: v = {self.v:.4f} +- {self.stderr:.4f}, {self.confidence:.0%} "
                f"interval [{lo:.4f}, {hi:.4f}], Lambda = {self.Lambda:.4f}; seeds vs their HAC errors: "
                f"chi^2 p = {self.consistency_pvalue:.3g}")

    def to_dict(self):
        """The combination as JSON-ready Python: intervals as [low, high], null for nan and inf."""
        return json_safe({"v": self.v, "stderr": self.stderr, "interval": self.interval, "confidence": self.confidence,
                          **self._lambda_dict(), "n_seeds": self.n_seeds,
                          "consistency_pvalue": self.consistency_pvalue, "size": self.size})


def check_distinct_seeds(runs, point):
    """ConfigError (one line, naming the runs) when two runs of one parameter point have the same seed.

    A seed fixes every random stream of a run (generation n draws from ``(seed, n)``): two runs
    of one seed at one point, even of different lengths, share their generations bit for bit up
    to the shorter one's end. Averaged as independent seeds they would give a spread of 0, a
    zero-width interval and a consistency p-value of 1.

    Parameters
    ----------
    runs : iterable of (seed, name)
        Each run's seed and how the message names it (its directory).
    point : str
        What the runs share, for the message (``"lam=0.01 T=2 term, N = 1000"``).
    """
    first = {}
    for seed, name in runs:
        if seed in first:
            raise ConfigError(f"{first[seed]} and {name} have the same seed {seed} at one point ({point}): they are "
                              "not independent seeds (one seed draws the same random streams, so their generations "
                              "agree bit for bit); give each seed once")
        first[seed] = name


def combine_seeds(fits, confidence=0.95):
    """Combine ``GrowthFit`` results of independent seeds (at least two).

    The fits carry no seed: their callers check that the seeds differ (``check_distinct_seeds``).
    """
    v = np.array([f.v for f in fits])
    se = np.array([f.stderr for f in fits])
    k = len(v)
    if k < 2:
        raise ValueError("combining seeds needs at least two runs")
    m = sample_mean(v)
    chi2 = float(np.sum(((v - m.mean) / se) ** 2))
    p = float(stats.chi2.sf(chi2, k - 1))
    return SeedCombination(m.mean, m.stderr, m.interval(confidence), k, p, fits[0].size, confidence)
