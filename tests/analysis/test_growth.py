"""The growth estimators on synthetic series with known slope."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from popdyn.analysis.growth import combine_seeds, default_burn_in, fit_growth

REPLICAS = 400
# coverage of a 95 % interval over REPLICAS replicas: binomial standard error
COVERAGE_TOL = 3 * math.sqrt(0.95 * 0.05 / REPLICAS)


def _table(y, column="mean_ln"):
    return pd.DataFrame({"n": np.arange(len(y)), column: y})


def _ar1(rng, n, phi):
    e = np.empty(n)
    e[0] = rng.normal(0, 1 / math.sqrt(1 - phi**2))
    for t in range(1, n):
        e[t] = phi * e[t - 1] + rng.normal()
    return e


def test_exact_on_a_noiseless_line():
    g = fit_growth(_table(0.7 * np.arange(101), "ln_gamma_mle"), burn_in=10, size=1000)
    assert g.v == pytest.approx(0.7) and g.stderr == pytest.approx(0.0, abs=1e-12)
    assert g.burn_in == 10 and g.generations == 90 and g.size == 1000
    assert g.Lambda == pytest.approx(math.exp(0.35))


def test_hac_covers_correlated_increments_where_plain_ols_does_not():
    """A random walk whose increments are slope + AR(1) noise (phi = 0.5): the population's picture."""
    rng = np.random.default_rng(12)
    slope, hac, ols = 1.3, 0, 0
    for _ in range(REPLICAS):
        y = np.concatenate([[0.0], np.cumsum(slope + _ar1(rng, 400, 0.5))])
        g = fit_growth(_table(y), "mean_ln", burn_in=0)
        hac += g.interval[0] <= slope <= g.interval[1]
        lo, hi = sm.OLS(np.diff(y), np.ones(400)).fit().conf_int(0.05)[0]
        ols += lo <= slope <= hi
    assert abs(hac / REPLICAS - 0.95) < COVERAGE_TOL
    assert ols / REPLICAS < 0.95 - COVERAGE_TOL


def test_levels_regression_with_hac_beats_plain_ols_on_a_trend_with_ar1_noise():
    rng = np.random.default_rng(5)
    slope, hac, ols = 0.4, 0, 0
    n = np.arange(401.0)
    for _ in range(REPLICAS):
        y = slope * n + _ar1(rng, 401, 0.5)
        g = fit_growth(_table(y), "mean_ln", burn_in=0, method="levels")
        hac += g.interval[0] <= slope <= g.interval[1]
        lo, hi = sm.OLS(y, sm.add_constant(n)).fit().conf_int(0.05)[1]
        ols += lo <= slope <= hi
    assert abs(hac / REPLICAS - 0.95) < COVERAGE_TOL
    assert ols / REPLICAS < 0.95 - COVERAGE_TOL


def test_seed_combination_and_its_consistency_check():
    rng = np.random.default_rng(8)
    fits = [fit_growth(_table(np.concatenate([[0.0], np.cumsum(0.9 + _ar1(rng, 300, 0.3))])), "mean_ln", burn_in=0)
            for _ in range(12)]
    c = combine_seeds(fits)
    assert c.interval[0] < 0.9 < c.interval[1] and c.n_seeds == 12
    assert c.consistency_pvalue > 0.001
    # seeds that disagree far beyond their own errors are flagged
    shifted = fits[:6] + [fit_growth(_table(np.concatenate([[0.0], np.cumsum(1.5 + _ar1(rng, 300, 0.3))])), "mean_ln",
                                     burn_in=0) for _ in range(6)]
    assert combine_seeds(shifted).consistency_pvalue < 1e-6


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_an_overflow_or_nan_is_no_extinction(bad):
    """Only -inf (every sample an exact zero) is an extinction; +inf (a float32 overflow) or nan used to read as
    v = -inf, "died out". Refused, naming the run and the first bad generation, even inside the burn-in."""
    from popdyn.errors import ConfigError

    y = np.arange(12.0)
    y[7:] = bad
    for burn_in in (1, 9):
        with pytest.raises(ConfigError, match=f"mean_ln is {bad} at generation 7 of runs/a: .* no extinction"):
            fit_growth(_table(y), "mean_ln", burn_in=burn_in, run="runs/a")


def test_fit_run_refuses_an_overflowed_run(monkeypatch, tmp_path):
    """The report does not turn it into a note either: the whole fit is refused."""
    import popdyn
    from popdyn.analysis.report import fit_run
    from popdyn.errors import ConfigError
    from popdyn.runs import Run

    run = popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=500, generations=12, out=tmp_path / "r", progress=False)
    table = run.table.copy()
    table.loc[table["n"] >= 10, "ln_gamma_mle"] = math.inf
    monkeypatch.setattr(Run, "table", property(lambda self: table))
    with pytest.raises(ConfigError, match=f"ln_gamma_mle is inf at generation 10 of {tmp_path / 'r'}"):
        fit_run(run, n_bootstrap=9, tail_bootstrap=5)


def test_extinct_population_and_bad_burn_in():
    y = np.array([0.0, -1.0, -math.inf, -math.inf, -math.inf, -math.inf])
    assert fit_growth(_table(y), "mean_ln", burn_in=1).v == -math.inf
    with pytest.raises(ValueError, match="burn-in"):
        fit_growth(_table(np.arange(5.0)), "mean_ln", burn_in=3)
    assert default_burn_in(1) == 1 and default_burn_in(400) == 200
