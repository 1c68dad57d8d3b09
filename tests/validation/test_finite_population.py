"""Physics validation: what a finite population measures (BACKGROUND section 3). Slow.

Run with ``make test-slow``. The typical growth read off a population of N samples is biased
low, and the bias shrinks only slowly with N (Brunet & Derrida 1997); at lam = 1e-4, T = 96
(1.3 Tc, a metal) a population of 10^4 even gets the phase wrong.
"""

import math

import pytest

import popdyn
from popdyn.analysis.growth import fit_growth
from tests.helpers import population_growth

pytestmark = pytest.mark.slow


def test_population_growth_is_biased_low_and_rises_with_n():
    """The refined Brunet-Derrida estimate (BACKGROUND section 3) expects about 0.7, 1.1, 1.3 for
    N = 10^3, 10^4, 10^5 against v = 1.82: steps of 0.2-0.4, against a standard error of about 0.03
    from 8 seeds."""
    model = popdyn.BAATree(lam=0.01, T=3.3)
    v = popdyn.exact_growth(model).v
    measured = [population_growth(model, n, seeds=range(8), generations=400) for n in (10**3, 10**4, 10**5)]
    for (low, low_se), (high, high_se) in zip(measured, measured[1:]):
        assert high - low > 3 * math.hypot(low_se, high_se)
    for mean, se in measured:
        assert v - mean > 3 * se


def test_lambda_is_below_one_in_the_insulator_at_small_lambda():
    """lam = 1e-4, T = 52 (0.70 Tc): the Lambda fit of ln gamma_n is below 1 already at N = 10^4."""
    model = popdyn.BAATree(lam=1e-4, T=52.0)
    assert popdyn.exact_growth(model).v < 0
    fit = fit_growth(popdyn.run(model, size=10**4, generations=60, seed=1, progress=False).table, "ln_gamma_mle",
                     size=10**4)
    assert fit.Lambda_interval[1] < 1


def test_small_population_gets_the_phase_wrong_above_tc():
    model = popdyn.BAATree(lam=1e-4, T=96.0)
    assert model.T / popdyn.critical_temperature(model.lam) == pytest.approx(1.294, abs=1e-3)
    assert popdyn.exact_growth(model).v > 0.5
    mean, se = population_growth(model, 10**4, seeds=range(3), generations=200)
    assert mean + 3 * se < 0


def test_population_tc_lies_above_the_exact_tc_and_falls_with_n():
    """lam = 0.01 (Tc = 1.649): Tc_N from 4 temperatures x 3 seeds; the bias of v_N (low) puts
    Tc_N above Tc, and it shrinks with N (docs/transition.md: about 1.45 Tc at 10^3, 1.14 Tc at 10^5)."""
    from popdyn.analysis.finite_size import finite_population_study, population_tc

    study = finite_population_study(0.01, sizes=(10**3, 10**5), ratios=(1.0, 1.3, 1.6, 2.0), seeds=(1, 2, 3))
    small, large = population_tc(study).itertuples(index=False)
    exact = popdyn.critical_temperature(0.01)
    assert large.hi < small.lo  # the intervals do not overlap
    assert large.lo > exact
