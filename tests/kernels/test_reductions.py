"""The parallel quantile against numpy's, bit for bit, on the shapes a population takes."""

import numpy as np
import pytest

from popdyn.kernels.reductions import QUANTILES, quantiles
from tests.helpers import on_threads

QS = np.array([0.0, *QUANTILES, 0.999999, 1.0])


def _population(kind, n, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    if kind == "lognormal":
        return np.exp(rng.normal(0.0, 8.0, n))
    if kind == "with_zeros":
        g = np.exp(rng.normal(0.0, 3.0, n))
        g[rng.random(n) < 0.3] = 0.0
        g[::11] = -0.0
        return g
    if kind == "all_zero":
        return np.zeros(n)
    if kind == "ties":
        return rng.integers(0, 4, n).astype(float)
    if kind == "narrow":  # every sample in one bucket of the top 16 bits
        return 1.0 + rng.random(n) * 1e-6
    if kind == "extremes":  # the whole range of the type, subnormals included
        top = 0.98 * np.log(np.finfo(dtype).max)
        return np.exp(rng.uniform(-1.05 * top, top, n))
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["lognormal", "with_zeros", "all_zero", "ties", "narrow", "extremes"])
@pytest.mark.parametrize("n", [1 << 16, 200_003])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_quantiles_equal_numpy_to_the_last_bit(kind, n, dtype):
    g = _population(kind, n, dtype=dtype).astype(dtype)
    assert np.array_equal(quantiles(g, QS), np.quantile(g, QS))


def test_quantiles_do_not_depend_on_the_thread_count():
    g = _population("with_zeros", 300_001, seed=4)
    results = on_threads(lambda: quantiles(g, QUANTILES))
    assert np.array_equal(results[0], results[1])


def test_quantiles_leave_the_population_untouched():
    g = _population("lognormal", 100_000)
    before = g.copy()
    quantiles(g, QUANTILES)
    assert np.array_equal(g, before)


@pytest.mark.parametrize("q", [0.5, [0.25], [[0.1, 0.9]]])
def test_quantiles_keep_the_shape_of_q(q):
    g = _population("lognormal", 100_000)
    got, want = quantiles(g, q), np.quantile(g, q)
    assert np.shape(got) == np.shape(want) and np.array_equal(got, want)


@pytest.mark.parametrize("bad", [np.nan, -1.0])
def test_nan_or_negative_samples_give_numpys_answer(bad):
    g = _population("lognormal", 100_000)
    g[123] = bad
    assert np.array_equal(quantiles(g, QUANTILES), np.quantile(g, QUANTILES), equal_nan=True)
