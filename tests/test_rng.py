"""The random ingredients against their laws, and the streams' keying."""

import numpy as np
import pytest
from scipy import stats

from popdyn import rng
from popdyn._jit import njit
from tests import reference

ALPHA = 1e-3  # fixed seeds: a test fails only if the law is wrong or the seed is very unlucky


def test_generation_key_matches_reference_and_separates_streams():
    keys = {int(rng.generation_key(s, n)) for s in range(5) for n in range(50)}
    assert len(keys) == 250
    assert int(rng.generation_key(7, 3)) == reference.generation_key(7, 3)


@njit
def _draw_stream(key, index, count):
    out = np.empty(count, dtype=np.uint64)
    state = rng.stream_start(key, index)
    for j in range(count):
        out[j], state = rng.next_u64(state)
    return out


def test_streams_match_the_pure_python_definition():
    key = rng.generation_key(3, 9)
    ref = reference.Stream(int(key), 12345)
    assert [int(x) for x in _draw_stream(key, 12345, 8)] == [ref.u64() for _ in range(8)]


def _chi2_pvalue(counts, expected, min_expected=20.0):
    """Chi-square goodness of fit, pooling neighbouring cells until each expects >= min_expected."""
    pooled_o, pooled_e, o, e = [], [], 0.0, 0.0
    for c, x in zip(counts, expected):
        o, e = o + c, e + x
        if e >= min_expected:
            pooled_o.append(o)
            pooled_e.append(e)
            o = e = 0.0
    pooled_o[-1] += o
    pooled_e[-1] += e
    pooled_e = np.asarray(pooled_e) * (sum(pooled_o) / sum(pooled_e))
    return stats.chisquare(pooled_o, pooled_e).pvalue


@pytest.mark.parametrize("mu", [0.3, 3.3, 9.99, 10.0, 20.0, 137.5, 1e3, 1e5])
def test_poisson_follows_scipy_poisson(mu):
    draws = rng.poisson_sample(mu, 200_000, seed=11)
    lo, hi = int(stats.poisson.ppf(1e-9, mu)), int(stats.poisson.ppf(1 - 1e-9, mu)) + 1
    assert draws.min() >= 0
    assert lo <= draws.min() and draws.max() <= hi + 5
    ks = np.arange(lo, hi + 1)
    counts = np.bincount(draws - lo, minlength=len(ks))[: len(ks)]
    assert _chi2_pvalue(counts, stats.poisson.pmf(ks, mu) * draws.size) > ALPHA
    # the first two moments, with 5 standard errors of tolerance
    n = draws.size
    assert abs(draws.mean() - mu) < 5 * np.sqrt(mu / n)
    assert abs(draws.var() - mu) < 5 * mu * np.sqrt(2.0 / n) + 5 * np.sqrt(mu / n)


def test_poisson_is_exact_not_normal_at_small_mean():
    # a normal approximation would put mass at negative values or miss P(0) = exp(-mu)
    draws = rng.poisson_sample(0.3, 400_000, seed=5)
    p0 = np.exp(-0.3)
    assert abs((draws == 0).mean() - p0) < 5 * np.sqrt(p0 * (1 - p0) / draws.size)


def test_mismatch_magnitude_follows_the_folded_triangular_law():
    m = rng.mismatch_sample(400_000, seed=2)
    assert np.all(m < 1.0) and np.all(m > 0.0)
    folded = stats.triang(c=0.0, loc=0.0, scale=1.0)  # density 2 (1 - x) on (0, 1)
    assert stats.kstest(m, folded.cdf).pvalue > ALPHA
    # the density of m at 0 is 1: it sets the resonance tail P(1/m^2 > y) ~ 2 y^(-1/2)
    y = 1e4
    tail = np.mean(1.0 / m**2 > y)
    exact = folded.cdf(y**-0.5)
    assert abs(tail - exact) < 5 * np.sqrt(exact / m.size)


def test_mismatch_keeps_relative_precision_near_zero():
    # u / (1 + sqrt(1 - u)) at the smallest u of the grid is u / 2, not a rounded-away 0
    u = 0.5 * 2.0**-53
    assert u / (1.0 + np.sqrt(1.0 - u)) == u / 2


@njit
def _indices(key, n, count):
    out = np.empty(count, dtype=np.int64)
    state = rng.stream_start(key, 0)
    for j in range(count):
        out[j], state = rng.index_below(state, n)
    return out


@pytest.mark.parametrize("n", [2, 7, 1000, 3 * 2**30 + 1, 2**32])
def test_indices_are_uniform_and_match_exact_integer_arithmetic(n):
    key = rng.generation_key(1, 1)
    idx = _indices(key, n, 300_000)
    assert idx.min() >= 0 and idx.max() < n
    if n <= 1000:
        assert stats.chisquare(np.bincount(idx, minlength=n)).pvalue > ALPHA
    else:
        assert stats.kstest(idx / n, "uniform").pvalue > ALPHA
    ref = reference.Stream(int(key), 0)
    assert [int(i) for i in idx[:50]] == [ref.index(n) for _ in range(50)]
