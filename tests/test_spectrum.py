"""The exact tree answer against brute force."""

import math

import numpy as np
import pytest

from popdyn.models import BAATree
from popdyn.spectrum import (Spectrum, brunet_derrida_L, critical_temperature, d2ln_m, exact_growth, ln_m, spectrum_of, transition,
                             typical_growth, zero_growth)


@pytest.mark.parametrize("lam, T", [(0.01, 3.3), (0.01, 1.0), (1e-4, 96.0), (0.1, 0.5), (1e-6, 1e5)])
def test_growth_is_the_minimum_on_a_fine_grid(lam, T):
    g = exact_growth(BAATree(lam=lam, T=T))
    beta = np.linspace(1e-4, 0.5 - 1e-7, 2_000_001)
    v_grid = ln_m(lam, T, beta) / beta
    assert g.v <= v_grid.min() + 1e-12
    assert g.v == pytest.approx(v_grid.min(), abs=1e-8 * max(1.0, abs(g.v)))
    assert g.beta_star == pytest.approx(beta[np.argmin(v_grid)], abs=1e-5)
    assert g.Lambda == pytest.approx(math.exp(g.v / 2))


def test_background_value():
    assert exact_growth(BAATree(lam=0.01, T=3.3)).v == pytest.approx(1.8165, abs=5e-5)
    assert exact_growth(BAATree(lam=1e-4, T=96.0)).v == pytest.approx(0.585, abs=5e-4)


@pytest.mark.parametrize("lam", [0.2, 0.1, 0.01, 1e-4, 1e-8, 1e-12])
def test_growth_vanishes_at_tc(lam):
    tc = critical_temperature(lam)
    assert abs(exact_growth(BAATree(lam=lam, T=tc)).v) < 1e-10
    assert exact_growth(BAATree(lam=lam, T=tc * 1.01)).v > 0 > exact_growth(BAATree(lam=lam, T=tc * 0.99)).v


def test_strong_coupling_transition_is_the_branching_threshold():
    """For lam >= exp(-3/2), ln m is increasing on (0, 1/2): Tc = 1/3, where the tree dies out."""
    assert critical_temperature(0.3) == pytest.approx(1 / 3)
    assert exact_growth(BAATree(lam=0.3, T=0.34)).v > 0
    assert exact_growth(BAATree(lam=0.3, T=0.33)).v == -math.inf


def test_tc_is_monotone_and_approaches_leading_log():
    lams = np.logspace(-12, math.log10(0.3), 60)
    tcs = np.array([critical_temperature(x) for x in lams])
    assert np.all(np.isfinite(tcs)) and np.all(np.diff(tcs) <= 0) and np.all(np.diff(tcs[lams < 0.2]) < 0)
    c2 = 1.0 / (tcs * lams * np.log(1.0 / lams))
    small = lams < 1e-3
    assert np.all(np.diff(np.abs(c2[small] - 6 * math.e)) > 0)  # approaches 6e as lam -> 0


def test_extinct_tree_has_minus_infinite_growth():
    assert exact_growth(BAATree(lam=0.01, T=0.3)).v == -math.inf


def test_c2_approaches_6e_at_the_leading_log_rate():
    """Leading-log algebra: C2 = 6e (1 - 1/ln(1/lam) + O(ln(1/lam)^-2))."""
    for lam in (1e-12, 1e-50, 1e-100, 1e-300):
        ell = math.log(1 / lam)
        t = transition(lam)
        assert math.isfinite(t.Tc) and t.C2_leading_log == pytest.approx(6 * math.e)
        assert (t.C2 / (6 * math.e) - 1) * ell == pytest.approx(-1.0, abs=1.0 / ell)


def test_brunet_derrida_prediction_reproduces_background_numbers():
    g = exact_growth(BAATree(lam=0.01, T=3.3))
    assert [round(g.finite_population(N), 2) for N in (1e4, 1e5, 1e6)] == [1.12, 1.32, 1.44]
    # beta*^2 v''(beta*) = beta* (ln m)''(beta*): check the identity by finite differences
    b, h = g.beta_star, 1e-4
    v = lambda x: float(ln_m(0.01, 3.3, x)) / x  # noqa: E731
    vpp = (v(b + h) - 2 * v(b) + v(b - h)) / h**2
    assert b * b * vpp == pytest.approx(b * d2ln_m(b), rel=1e-5)


def test_spectrum_cli(capsys):
    from popdyn.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["spectrum", "--lam", "0.1,0.01,1e-4,1e-6", "--tc", "--json"])
    assert exit_info.value.code == 0
    import json

    rows = json.loads(capsys.readouterr().out)["transitions"]
    assert [r["lam"] for r in rows] == [0.1, 0.01, 1e-4, 1e-6]
    for r in rows:
        assert abs(exact_growth(BAATree(lam=r["lam"], T=r["Tc"])).v) < 1e-10
    with pytest.raises(SystemExit) as exit_info:
        main(["spectrum", "--lam", "2", "--tc"])
    assert exit_info.value.code == 2 and "lam must lie in (0, 1)" in capsys.readouterr().err


def _lognormal(K, mu, sigma):
    """Weights exp(mu + sigma z), K children: ln m = ln K + beta mu + beta^2 sigma^2 / 2 (finite for all beta)."""
    return Spectrum(lambda b: math.log(K) + b * mu + b * b * sigma**2 / 2, beta_max=math.inf)


@pytest.mark.parametrize("K, mu, sigma", [(4, -1.0, 2.0), (3, 0.5, 0.7), (10, -3.0, 1.0)])
def test_generic_spectrum_against_the_lognormal_tree(K, mu, sigma):
    """Derrida-Spohn for log-normal weights: beta* = sqrt(2 ln K)/sigma if below 1, else the annealed v."""
    g = typical_growth(_lognormal(K, mu, sigma))
    beta_c = math.sqrt(2 * math.log(K)) / sigma
    if beta_c < 1:
        assert g.beta_star == pytest.approx(beta_c, rel=1e-7)
        assert g.v == pytest.approx(mu + sigma * math.sqrt(2 * math.log(K)), rel=1e-9)
        assert g.bd_coefficient == pytest.approx(beta_c * sigma**2, rel=1e-5)  # beta* (ln m)''
    else:
        assert g.beta_star == 1.0 and g.v == pytest.approx(math.log(K) + mu + sigma**2 / 2, rel=1e-12)
        assert math.isnan(g.finite_population(1e6))


@pytest.mark.parametrize("lam, T", [(0.01, 3.3), (1e-4, 96.0), (0.1, 0.5)])
def test_numerical_derivatives_reproduce_the_closed_form(lam, T):
    closed = exact_growth(BAATree(lam=lam, T=T))
    numeric = typical_growth(Spectrum(lambda b: ln_m(lam, T, b), beta_max=0.5))
    assert numeric.v == pytest.approx(closed.v, rel=1e-8)
    assert numeric.beta_star == pytest.approx(closed.beta_star, rel=1e-6)
    assert numeric.bd_coefficient == pytest.approx(closed.bd_coefficient, rel=1e-5)


@pytest.mark.parametrize("lam", [0.1, 0.01, 1e-4, 1e-8])
def test_generic_zero_growth_reproduces_the_closed_form_tc(lam):
    tc = critical_temperature(lam)
    found = zero_growth(lambda T: spectrum_of(BAATree(lam=lam, T=T)), tc / 2, tc * 2)
    assert found == pytest.approx(tc, rel=1e-10)


def test_a_model_without_a_spectrum_says_so():
    from popdyn.models import AndersonTree

    with pytest.raises(TypeError, match="no closed-form spectrum for the anderson model"):
        spectrum_of(AndersonTree(W=10.0))
    with pytest.raises(TypeError, match="no closed-form spectrum for the baa model"):
        spectrum_of(BAATree(lam=0.01, T=3.3, recursion="scba"))


def test_minimum_at_the_edge_of_the_domain_without_derivatives():
    """ln m = ln 4 - b + 2 b^2, finite below 0.3 only: ln m / b still falls at 0.3, the minimum is there."""
    edge = 0.3
    spectrum = Spectrum(lambda b: np.where(np.asarray(b) < edge, math.log(4) - b + 2 * b * b, np.inf), beta_max=edge)
    g = typical_growth(spectrum)
    assert g.beta_star == pytest.approx(edge, abs=1e-12)
    assert g.v == pytest.approx((math.log(4) - edge + 2 * edge**2) / edge, rel=1e-12)
    assert math.isnan(g.bd_coefficient)


def test_a_spectrum_ending_where_its_data_end_refuses_a_minimum_there():
    """The same ln m as above, known up to 0.3 (an estimate on a grid): the edge is no answer."""
    from popdyn.errors import ConfigError

    edge = 0.3
    spectrum = Spectrum(lambda b: math.log(4) - b + 2 * b * b, beta_max=edge, data_end=True)
    with pytest.raises(ConfigError, match="at or beyond beta = 0.3, the last beta where ln m is known"):
        typical_growth(spectrum)
    unknown_at_zero = Spectrum(lambda b: np.where(np.asarray(b) > 0.1, -1.0 + b, np.nan), beta_max=edge,
                               data_end=True)
    with pytest.raises(ConfigError, match="no beta_min"):  # nan at 0+ and no beta_min: not "dies out"
        typical_growth(unknown_at_zero)


def test_brunet_derrida_L_is_nan_where_the_formula_says_nothing():
    assert math.isnan(brunet_derrida_L(2)) and brunet_derrida_L(3) > 0
    assert brunet_derrida_L(1e6, refined=False) == pytest.approx(math.log(1e6))


@pytest.mark.parametrize("lam", [0.1, 0.01, 1e-4])
def test_stationary_tail_exponent_is_the_larger_root_and_meets_beta_star_at_tc(lam):
    from popdyn.spectrum import baa_spectrum, stationary_tail_exponent

    tc = critical_temperature(lam)
    for ratio in (0.9, 0.99):
        s = baa_spectrum(lam, ratio * tc)
        kappa = stationary_tail_exponent(s)
        assert typical_growth(s).beta_star < kappa < 0.5
        assert abs(float(s.ln_m(kappa))) < 1e-10
    near = baa_spectrum(lam, (1 - 1e-8) * tc)
    assert abs(stationary_tail_exponent(near) - typical_growth(near).beta_star) < 1e-3
    assert math.isnan(stationary_tail_exponent(baa_spectrum(lam, 1.1 * tc)))  # the metal has no stationary law


def test_stationary_tail_exponent_against_a_population_with_a_source():
    """The tail of Eq. 25 (with its source) after 60 generations at T = 0.7 Tc: the exact kappa lies in the
    Hill/CSN estimate's 99 % bootstrap interval (about +-0.05 at N = 10^5)."""
    import numpy as np

    import popdyn
    from popdyn.analysis.tails import fit_tail_ln
    from popdyn.spectrum import baa_spectrum, stationary_tail_exponent

    T = 0.7 * critical_temperature(0.01)
    run = popdyn.run(popdyn.BAATree(lam=0.01, T=T, recursion="linear", eta=1e-6), size=100_000, generations=60,
                     seed=1, snapshots=(60,), progress=False)
    fit = fit_tail_ln(np.asarray(run.snapshot(60)), n_bootstrap=100, confidence=0.99, seed=1)
    kappa = stationary_tail_exponent(baa_spectrum(0.01, T))
    assert fit.interval.low < kappa < fit.interval.high
    assert fit.interval.high - fit.interval.low < 0.12
