"""The typical-growth estimator on synthetic series with known slope."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.growth import default_burn_in, typical_growth


def _table(y):
    return pd.DataFrame({"n": np.arange(len(y)), "mean_ln": y})


def _ar1_walk(rng, n, slope, phi, sigma):
    """<ln Gamma> whose increments are slope + AR(1) noise."""
    e = np.empty(n)
    e[0] = rng.normal(0, sigma / math.sqrt(1 - phi**2))
    for t in range(1, n):
        e[t] = phi * e[t - 1] + rng.normal(0, sigma)
    return np.concatenate([[0.0], np.cumsum(slope + e)])


def test_exact_on_a_noiseless_line():
    g = typical_growth(_table(0.7 * np.arange(101)), burn_in=10)
    assert g.estimate == pytest.approx(0.7) and g.stderr == pytest.approx(0.0, abs=1e-12)
    assert g.burn_in == 10 and g.generations == 90


def test_batch_means_interval_covers_under_correlation():
    """400 replicas of correlated increments: coverage of the 95 % interval within its binomial error."""
    rng = np.random.default_rng(12)
    replicas, slope = 400, 1.3
    hits = 0
    for _ in range(replicas):
        g = typical_growth(_table(_ar1_walk(rng, 800, slope, phi=0.5, sigma=1.0)))
        hits += g.interval[0] <= slope <= g.interval[1]
    coverage = hits / replicas
    assert abs(coverage - 0.95) < 3 * math.sqrt(0.95 * 0.05 / replicas) + 0.02


def test_extinct_population_and_bad_burn_in():
    y = np.array([0.0, -1.0, -math.inf, -math.inf, -math.inf])
    assert typical_growth(_table(y), burn_in=1).estimate == -math.inf
    with pytest.raises(ValueError, match="burn-in"):
        typical_growth(_table(np.arange(5.0)), burn_in=4)
    assert default_burn_in(1) == 1 and default_burn_in(400) == 200
