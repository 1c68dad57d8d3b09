"""The tail-exponent fit on samples with a known tail."""

import math

import numpy as np
import pytest
from scipy import stats

from analysis.tails import fit_tail

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
