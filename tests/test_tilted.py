"""The tilted population and the quadrature against closed forms, symmetries and each other."""

import math

import numpy as np
import pytest

from popdyn.errors import ConfigError
from popdyn.models import AndersonTree, BAATree
from popdyn.spectrum import critical_temperature, ln_m, zero_growth
from popdyn.tilted import critical_point, perron_eigenvalue, quadrature_growth, tilted_growth, tilted_spectrum
from tests.helpers import on_threads, same_bits

#: Every check below asks the exact value to lie in the replicas' 99.9 % Student-t interval.
CONFIDENCE = 0.999
SMALL_QUADRATURE = {"points": 1000, "samples": 1_000_000, "pool_size": 200_000, "pool_generations": 40}


@pytest.mark.parametrize("lam, T, beta", [(0.1, 1.0, 0.1), (0.1, 1.0, 0.2), (0.01, 3.3, 0.15), (0.3, 5.0, 0.2),
                                          (0.1, 1.0, 0.3), (0.1, 1.0, 0.4), (0.1, 1.0, 0.45), (0.01, 3.3, 0.49)])
def test_memoryless_baa_reproduces_ln_m(lam, T, beta):
    """No path variable: the estimate is the mean of sum w^beta with the mismatch integrated out, over the whole
    of (0, 1/2) (the plain sample mean of sum w^beta, of infinite variance from 1/4 on, put ln m(0.45) at
    1.697 [1.652, 1.742] against 1.927 at lam = 0.1, T = 1, with 4 replicas of 20000 x 20 nodes)."""
    g = tilted_growth(BAATree(lam=lam, T=T), beta, size=50_000, steps=10, burn_in=0, replicas=8, seed=3,
                      confidence=CONFIDENCE)
    exact = float(ln_m(lam, T, beta))
    assert g.interval.low < exact < g.interval.high
    assert g.interval.high - g.interval.low < 0.01  # the test has teeth: about 2 t(7) / sqrt(T 4e6) = 0.005 at T = 1


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.49])
def test_memoryless_baa_on_the_fixed_tree_is_exact(beta):
    """With fixed coordination and the mismatch integrated out nothing random is left: ln m to rounding."""
    g = tilted_growth(BAATree(lam=0.01, T=4, coordination="fixed"), beta, size=1000, steps=3, burn_in=0, replicas=2)
    assert abs(g.ln_growth - float(ln_m(0.01, 4, beta))) < 1e-12


def test_memoryless_baa_refuses_beta_where_m_is_infinite():
    with pytest.raises(ConfigError, match=r"beta must lie in \(0, 1/2\) for the BAA tree"):
        tilted_growth(BAATree(lam=0.1, T=1.0), 0.5, size=100, steps=2, burn_in=0)


@pytest.mark.parametrize("beta", [0.1, 0.2, 0.3])
def test_imaginary_approximation_closed_form(beta):
    """R switched off: K lambda_0(beta) = K (W/2)^(-2 beta) / (1 - 2 beta) (box, E = 0).

    Without R nothing correlates the two ends of a step, and the walkers (tilted towards small
    |a| like |a|^-beta) see weights of finite variance only for beta < 1/3.
    """
    model = AndersonTree(W=12.0, carry_R=False)
    g = tilted_growth(model, beta, size=50_000, steps=40, burn_in=5, replicas=8, pool_size=10_000, seed=5,
                      confidence=CONFIDENCE)
    exact = math.log(float(model.imaginary_approximation(beta)))
    assert g.interval.low < exact < g.interval.high
    assert g.interval.high - g.interval.low < 0.06


@pytest.mark.parametrize("W", [14.0, 22.0])  # both sides of W_c = 18.17
@pytest.mark.parametrize("beta", [0.2, 0.35])
def test_lambda_is_symmetric_about_one_half(W, beta):
    """lambda(beta) = lambda(1 - beta) (Kravtsov, Altshuler & Ioffe 2018), from paired replicas of the quadrature."""
    model = AndersonTree(W=W)
    a = quadrature_growth(model, beta, replicas=4, seed=1, **SMALL_QUADRATURE)
    b = quadrature_growth(model, 1.0 - beta, replicas=4, seed=1, **SMALL_QUADRATURE)
    difference = np.subtract(a.replicas, b.replicas)
    se = difference.std(ddof=1) / 2.0
    assert abs(difference.mean()) < 12.9 * se + 1e-5  # t(3) at 99.9 %; 1e-5: the grid's own error
    assert abs(a.ln_growth - b.ln_growth) < 2e-4


def test_population_and_quadrature_agree():
    model = AndersonTree(W=17.0)
    q = quadrature_growth(model, 0.5, replicas=4, seed=2, confidence=CONFIDENCE, **SMALL_QUADRATURE)
    p = tilted_growth(model, 0.5, size=20_000, steps=150, burn_in=30, replicas=4, pool_size=200_000, seed=2,
                      confidence=CONFIDENCE)
    assert abs(q.ln_growth - p.ln_growth) < 3.5 * math.hypot(q.stderr, p.stderr) + 1e-3  # O(1/N) bias


def test_population_bias_falls_like_one_over_n():
    """The tilted population's bias is O(1/N) (not the O(1/(ln N)^2) of a plain population).

    Every replica of N = 100 ... 800 walkers (the same walker-steps at each N, so the same noise)
    is one point of an ordinary least-squares fit ``ln K lambda = a + c / N``. The test asks three
    things: the bias is there and resolved (c at 8 standard errors or more: at N = 100 it is about
    -0.02, 40 standard errors of one N's mean), the 1/N law explains the four means (F-test against a
    free mean per N), and its extrapolation ``a`` meets the quadrature within its interval.
    """
    import statsmodels.api as sm
    from scipy import stats

    model = AndersonTree(W=17.0)
    exact = quadrature_growth(model, 0.5, replicas=2, seed=7, **SMALL_QUADRATURE)
    sizes = (100, 200, 400, 800)
    inverse, values = [], []
    for size in sizes:
        g = tilted_growth(model, 0.5, size=size, steps=2_000_000 // size, burn_in=50, replicas=8,
                          pool_size=100_000, pool_generations=40, seed=7)
        inverse += [1.0 / size] * len(g.replicas)
        values += g.replicas
    law = sm.OLS(values, sm.add_constant(inverse)).fit()
    means = sm.OLS(values, (np.asarray(inverse)[:, None] == 1.0 / np.asarray(sizes)).astype(float)).fit()
    _, p_value, _ = means.compare_f_test(law)
    assert p_value > 1e-3
    assert law.tvalues[1] < -8.0
    a, se = law.params[0], math.hypot(law.bse[0], exact.stderr)
    assert abs(a - exact.ln_growth) < stats.t.ppf(0.9995, law.df_resid) * se
    assert se < 1e-3  # the test has teeth: about 1/20 of the bias at N = 100


def test_quadrature_converges_with_the_grid():
    model = AndersonTree(W=18.0)
    values = [quadrature_growth(model, 0.5, replicas=1, seed=4, **dict(SMALL_QUADRATURE, points=n)).ln_growth
              for n in (500, 1000, 2000)]
    assert abs(values[2] - values[1]) < 2e-5
    assert abs(values[2] - values[1]) < abs(values[1] - values[0]) + 1e-6


def test_same_bits_for_one_and_two_threads():
    def replicas():
        g = tilted_growth(AndersonTree(W=18.0), 0.5, size=5000, steps=20, burn_in=5, replicas=2,
                          pool_size=20_000, pool_generations=10, seed=7)
        b = tilted_growth(BAATree(lam=0.01, T=3.3), 0.2, size=5000, steps=5, burn_in=0, replicas=2, seed=7)
        q = quadrature_growth(AndersonTree(W=18.0), 0.5, replicas=1, points=200, samples=10_000,
                              pool_size=20_000, pool_generations=10, seed=7)
        return g.replicas, b.replicas, q.replicas

    results = on_threads(replicas)
    for one, two in zip(*results):
        assert same_bits(one, two)


def test_critical_point_of_a_known_line():
    """The Illinois search and the replicas' roots on the imaginary approximation, where K lambda_0(1/4) = 1
    at W/2 = K / (1 - 1/2) ... : K (W/2)^(-1/2) / (1/2) = 1, W = 2 (2K)^2 = 32 for K = 2."""
    c = critical_point(lambda W: AndersonTree(W=W, carry_R=False), 20.0, 50.0, beta=0.25, method="population",
                       size=20_000, steps=30, burn_in=3, replicas=8, pool_size=10_000, seed=1, confidence=CONFIDENCE)
    assert c.interval.low < 32.0 < c.interval.high
    assert c.interval.high - c.interval.low < 1.5


def test_tilted_spectrum_gives_the_growth_of_the_closed_form():
    from popdyn.spectrum import exact_growth, typical_growth

    model = BAATree(lam=0.1, T=0.35)  # beta* = 0.12
    s = tilted_spectrum(model, np.arange(0.05, 0.36, 0.025), size=100_000, steps=10, burn_in=0, replicas=2)
    exact = exact_growth(model)
    got = typical_growth(s)
    assert abs(got.v - exact.v) < 0.02  # about 3 standard errors of ln m(beta*) / beta*
    assert abs(got.beta_star - exact.beta_star) < 0.02


def _exact_tilted_spectrum(monkeypatch, model, betas):
    """``tilted_spectrum`` fed the closed-form ln m at its grid points: only the spline and its ends are tested."""
    import popdyn.tilted
    from types import SimpleNamespace

    monkeypatch.setattr(popdyn.tilted, "tilted_growth",
                        lambda m, b, **settings: SimpleNamespace(ln_growth=float(ln_m(m.lam, m.T, b))))
    return tilted_spectrum(model, betas)


def test_tilted_spectrum_refuses_a_minimizer_beyond_its_last_beta(monkeypatch):
    """lam = 1e-4, T = 72: beta* = 0.440 lies past a grid ending at 0.4; read at the edge, v was +0.318 (a
    metal) against the exact -0.068 (an insulator). The grid extended past beta* gives the exact answer."""
    from popdyn.spectrum import exact_growth, stationary_tail_exponent, typical_growth

    model = BAATree(lam=1e-4, T=72.0)
    short = _exact_tilted_spectrum(monkeypatch, model, np.arange(0.05, 0.401, 0.05))
    assert math.isnan(float(short.ln_m(0.45))) and math.isnan(float(short.ln_m(0.01)))  # not extrapolated
    with pytest.raises(ConfigError, match="at or beyond beta = 0.4, the last beta where ln m is known"):
        typical_growth(short)
    with pytest.raises(ConfigError, match="extend the grid"):
        stationary_tail_exponent(short)
    longer = typical_growth(_exact_tilted_spectrum(monkeypatch, model, np.arange(0.3, 0.4951, 0.005)))
    exact = exact_growth(model)
    assert abs(longer.v - exact.v) < 1e-6 and longer.phase == exact.phase == "insulator"


def test_tilted_spectrum_refuses_a_minimizer_below_its_first_beta(monkeypatch):
    """lam = 0.2, T = 0.3345: beta* = 0.036 lies below a grid starting at 0.05; the tangent extrapolated
    below it put ln m(0+) <= 0 and read "the tree dies out" (v = -inf) against the exact v = -0.0277."""
    from popdyn.spectrum import exact_growth, typical_growth

    model = BAATree(lam=0.2, T=0.3345)
    with pytest.raises(ConfigError, match="below beta = 0.05, where this spectrum is not known"):
        typical_growth(_exact_tilted_spectrum(monkeypatch, model, np.arange(0.05, 0.401, 0.05)))
    wider = typical_growth(_exact_tilted_spectrum(monkeypatch, model, np.arange(0.01, 0.401, 0.01)))
    exact = exact_growth(model)
    assert abs(wider.v - exact.v) < 1e-5 and abs(wider.beta_star - exact.beta_star) < 1e-4


def test_tail_exponent_of_a_tilted_spectrum_refuses_a_root_beyond_its_last_beta(monkeypatch):
    """lam = 0.1, T = 0.37: beta* = 0.162 is inside a grid ending at 0.3, kappa = 0.302 is not."""
    from popdyn.spectrum import baa_spectrum, stationary_tail_exponent

    model = BAATree(lam=0.1, T=0.37)
    with pytest.raises(ConfigError, match="root of ln m.beta. = 0 above beta. lies at or beyond beta = 0.3"):
        stationary_tail_exponent(_exact_tilted_spectrum(monkeypatch, model, np.arange(0.05, 0.301, 0.05)))
    kappa = stationary_tail_exponent(_exact_tilted_spectrum(monkeypatch, model, np.arange(0.05, 0.451, 0.01)))
    assert abs(kappa - stationary_tail_exponent(baa_spectrum(0.1, 0.37))) < 1e-5


@pytest.mark.slow
def test_memoryless_baa_critical_temperature_within_a_thousandth():
    """Tc of the BAA tree at lam = 0.1 (beta_c = 0.20) from the tilted spectrum, against the closed form: within
    0.1 % (the replicas' error of ln m is about 3e-4; measured -0.022 %).
    The bracket keeps beta* inside the grid (0.14 at T = 0.36, 0.26 at 0.5): outside it is refused."""
    betas = np.arange(0.1, 0.31, 0.025)
    tc = zero_growth(lambda T: tilted_spectrum(BAATree(lam=0.1, T=T), betas, size=100_000, steps=40, burn_in=0,
                                               replicas=4), 0.36, 0.5, rtol=1e-6)
    assert abs(tc / critical_temperature(0.1) - 1.0) < 1e-3


def test_perron_eigenvalue_of_a_matrix_with_a_negative_eigenvalue_close_by():
    m = np.array([[0.0, 1.0], [1.0, 0.1]])  # eigenvalues 1.05125 and -0.95125
    assert math.isclose(perron_eigenvalue(m), (0.1 + math.sqrt(4.01)) / 2, rel_tol=1e-12)


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="beta"):
        tilted_growth(BAATree(lam=0.1, T=1.0), 1.0)
    with pytest.raises(ConfigError, match="burn_in"):
        tilted_growth(BAATree(lam=0.1, T=1.0), 0.2, steps=5, burn_in=5)
    with pytest.raises(ConfigError, match="no quadrature"):
        quadrature_growth(AndersonTree(W=18.0, disorder="cauchy"), 0.5)


@pytest.mark.parametrize("estimate", [tilted_growth, quadrature_growth])
@pytest.mark.parametrize("setting, value, message", [("pool_generations", 0, "pool_generations must be an integer >= 1"),
                                                     ("pool_size", 1, "pool_size must be an integer >= 2"),
                                                     ("pool_size", 1e5, "pool_size must be an integer >= 2")])
def test_fixed_point_pool_settings_are_refused(estimate, setting, value, message):
    """pool_generations = 0 left R = 0: K lambda(1/2) at W = 8 came out 0.6 % low, a plausible answer."""
    with pytest.raises(ConfigError, match=message):
        estimate(AndersonTree(W=8.0), 0.5, **{setting: value})
    with pytest.raises(ConfigError, match="same sign"):
        critical_point(lambda W: AndersonTree(W=W), 10.0, 12.0, **SMALL_QUADRATURE, replicas=2)


# -- the two estimators of K lambda(beta) against each other, from the band centre to far outside the band

#: Small settings of both estimators for the grid of (K, E, W, beta) below (a few seconds a pair).
GRID_QUADRATURE = {"points": 600, "samples": 300_000, "pool_size": 50_000, "pool_generations": 30, "replicas": 3}
GRID_POPULATION = {"size": 20_000, "steps": 120, "burn_in": 30, "pool_size": 50_000, "pool_generations": 30,
                   "replicas": 4}


def _agree(model, beta, seed=11):
    """Both estimators at 99.9 %: their intervals (the quadrature's with its grid error) must overlap."""
    q = quadrature_growth(model, beta, seed=seed, confidence=CONFIDENCE, **GRID_QUADRATURE)
    p = tilted_growth(model, beta, seed=seed, confidence=CONFIDENCE, **GRID_POPULATION)
    assert q.interval.high > q.interval.low  # never a zero-width interval from identical replicas
    assert p.interval.low <= q.interval.high and q.interval.low <= p.interval.high, (q.summary(), p.summary())
    return q, p


@pytest.mark.parametrize("K, E, W, beta", [
    (2, 100.0, 16.0, 0.5),     # the reported case: the quadrature gave 0.0833 from a block the walk never reaches
    (2, 1e4, 16.0, 0.3),       # cells that follow the law of a far from the band
    (3, -1e8, 4.0, 0.5),
    (2, 10.0, 16.0, 0.5),      # the band edge: the population's interval reaches up to the quadrature's value
])
def test_population_and_quadrature_agree_far_from_the_band_centre(K, E, W, beta):
    q, _ = _agree(AndersonTree(W=W, K=K, E=E), beta)
    if abs(E) > 50.0:  # K lambda(beta) -> K |E|^(-2 beta) (1 + O(W^2 / E^2 + K / E^2)) outside the band
        assert abs(q.ln_growth - math.log(K * abs(E) ** (-2.0 * beta))) < (W / E) ** 2 + K / E ** 2 + 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("E", [0.0, 2.0, 6.0, 9.0, 10.0, 12.0, 30.0, 1e3, 1e6])
@pytest.mark.parametrize("W", [4.0, 16.0])
@pytest.mark.parametrize("beta", [0.2, 0.4, 0.5])
def test_population_and_quadrature_agree_over_the_parameters(K, E, W, beta):
    _agree(AndersonTree(W=W, K=K, E=E), beta)


def test_quadrature_matches_the_large_energy_asymptote_at_every_grid():
    """Far outside the band the answer is K E|a|^(-2 beta): any grid size gives it (the old cells, fixed at
    a = (W/2) tan(theta), lost it at 2000 cells and printed one number for every E >= 1e4)."""
    model = AndersonTree(W=16.0, E=1e4)
    for points in (100, 1000, 2000):
        g = quadrature_growth(model, 0.5, points=points, samples=50_000, replicas=2, pool_size=20_000,
                              pool_generations=10)
        assert abs(g.growth / 2e-4 - 1.0) < 1e-5


def test_population_refuses_beta_above_one_half_where_lambda_is_symmetric():
    with pytest.raises(ConfigError, match="1 - beta"):
        tilted_growth(AndersonTree(W=16.0), 0.6)
    tilted_growth(AndersonTree(W=16.0, carry_R=False), 0.6, size=100, steps=2, burn_in=0, replicas=1,
                  pool_size=100)  # no symmetry without R: allowed


def test_population_interval_reaches_up_to_the_symmetry_bound_at_one_half():
    g = tilted_growth(AndersonTree(W=16.0, E=10.0), 0.5, **dict(GRID_POPULATION, replicas=2), seed=3)
    below, above = g.systematic
    assert below == 0.0 and above > 0.0
    assert math.isclose(g.interval.high - g.ln_growth, g.ln_growth - g.interval.low + above, rel_tol=1e-9)


def test_quadrature_refuses_a_disorder_far_below_the_spread_of_r():
    with pytest.raises(ConfigError, match="loses its digits"):
        quadrature_growth(AndersonTree(W=1e-9), 0.5, points=100, samples=10_000, replicas=1, pool_size=10_000,
                          pool_generations=30)  # the clean lattice's R is spread over ~1e9


def test_critical_point_carries_the_grid_error_to_the_root():
    c = critical_point(lambda W: AndersonTree(W=W), 16.0, 20.0, points=200, samples=50_000, pool_size=20_000,
                       pool_generations=20, replicas=2, tolerance=0.5)
    below, above = c.systematic
    assert below > 0.0 and above > 0.0
    assert all(g.systematic[0] > 0.0 for g in c.scan)
    assert c.interval.high - c.value > above and c.value - c.interval.low > below


# -- W_c anywhere: the bracket found from a guess (coarse settings: about a second an evaluation)

COARSE = {"points": 200, "samples": 100_000, "replicas": 3, "pool_size": 50_000, "pool_generations": 20,
          "confidence": 0.999}


def _opposite_ends(b):
    values = {g.settings["parameter"]: g.ln_growth for g in b.scan}
    return values[b.lo] * values[b.hi] < 0.0


@pytest.mark.parametrize("K, E, disorder, method, known", [
    (2, 0.0, "box", "quadrature", 18.17),     # Tikhonov & Mirlin 2019
    (3, 0.0, "box", "quadrature", 34.954),    # this code with --bracket 30,40 (issue 19)
    (2, 1.0, "box", "quadrature", None),
    (4, 0.0, "box", "quadrature", None),
    (2, 0.0, "gaussian", "population", None),
])
def test_find_bracket_from_the_guess(K, E, disorder, method, known):
    from popdyn.tilted import find_bracket

    settings = COARSE if method == "quadrature" else {"size": 5000, "steps": 40, "burn_in": 10, "replicas": 3,
                                                      "pool_size": 20_000, "pool_generations": 20}
    b = find_bracket(lambda W: AndersonTree(W=W, K=K, E=E, disorder=disorder),
                     AndersonTree.critical_disorder_guess(K), method=method, seed=5, **settings)
    assert b.lo < b.hi <= 1.6 * b.lo + 1e-9 and _opposite_ends(b)
    if known is not None:
        assert b.lo <= known <= b.hi


def test_find_bracket_says_when_there_is_no_transition():
    from popdyn.tilted import find_bracket

    with pytest.raises(ConfigError, match="below 1 at every W tried .* no transition found"):
        find_bracket(lambda W: AndersonTree(W=W, E=20.0), 18.17,
                     lowest=AndersonTree.least_disorder_with_states(2, 20.0), **COARSE)
