"""The tail-exponent fit on samples with a known tail."""

import math

import numpy as np
import pytest
from scipy import stats

from popdyn.analysis.tails import MIN_TAIL, fit_tail

REPLICAS = 150
TOL = 3 * math.sqrt(0.95 * 0.05 / REPLICAS)


def _coverage(draw, alpha):
    rng = np.random.default_rng(7)
    hits = 0
    for i in range(REPLICAS):
        fit = fit_tail(draw(rng), n_bootstrap=100, seed=i)
        hits += fit.interval[0] <= alpha <= fit.interval[1]
    return hits / REPLICAS


def test_bootstrap_interval_covers_a_pure_pareto_tail():
    assert abs(_coverage(lambda rng: rng.pareto(0.4, 1000) + 1.0, 0.4) - 0.95) < TOL


def test_bootstrap_interval_covers_the_levy_tail_at_least_nominally():
    """Levy samples: alpha = 1/2 above a body that is not a power law (the threshold choice matters)."""
    coverage = _coverage(lambda rng: stats.levy.rvs(scale=2.0, size=1000, random_state=rng), 0.5)
    assert coverage >= 0.95 - TOL


def test_tail_gamma_recovers_the_levy_amplitude():
    gamma = 3.0
    x = stats.levy.rvs(scale=2 * gamma, size=400_000, random_state=np.random.default_rng(2))
    fit = fit_tail(x, n_bootstrap=20)
    assert fit.tail_gamma_interval[0] < gamma < fit.tail_gamma_interval[1]
    assert fit.interval[0] < 0.5 < fit.interval[1]


def test_too_few_samples_are_refused():
    with pytest.raises(ValueError, match="at least"):
        fit_tail(np.arange(1.0, 100.0))


def test_a_threshold_at_the_edge_of_the_k_search_is_flagged():
    """Quantiles of a Pareto law: the KS distance falls all the way to the largest k, 0.2 n = 1000. Forty of them
    above a flat body: it is least at the smallest, k = 50. Both are flagged (field and summary) and the tail
    gamma's interval takes the change of gamma from k/2 to 2k; a Levy sample is resolved inside the search."""
    z = stats.norm.ppf(0.975)
    u = (np.arange(5000) + 0.5) / 5000
    high = fit_tail((1 - u) ** (-1 / 0.4), n_bootstrap=20)
    top = (1 - (np.arange(40) + 0.5) / 40) ** (-1 / 0.5)
    low = fit_tail(np.concatenate([np.linspace(0.5, 1.0, 4960), top]), n_bootstrap=20)
    inside = fit_tail(stats.levy.rvs(scale=2.0, size=5000, random_state=np.random.default_rng(0)), n_bootstrap=20)
    assert (low.k, high.k) == (MIN_TAIL, 1000) and MIN_TAIL < inside.k < 900
    for fit, edge in ((low, True), (high, True), (inside, False)):
        assert fit.k_at_edge is edge and fit.to_dict()["k_at_edge"] is edge
        assert ("at the edge of the k-search" in fit.summary()) is edge
        upper = fit.ln_tail_gamma_interval.high - fit.ln_tail_gamma
        binomial = math.log1p(2 * z / math.sqrt(fit.k))
        assert upper > binomial + 0.05 if edge else upper == binomial
