"""The Anderson kernels against an independent computation and against each other (BACKGROUND section 2)."""

import math

import numpy as np
import pytest
from scipy import stats

from popdyn.engine import initial_state, sample
from popdyn._jit import njit
from popdyn.kernels.anderson import AndersonPath, _child, anderson_generation, real_fixed_point
from popdyn.models import AndersonTree
from popdyn.rng import generation_key, stream_start
from tests.helpers import on_threads, same_bits

ALPHA = 1e-3


def _numpy_real_fixed_point(K, W, E, size, generations, seed):
    """The real recursion R_i = sum_j 1/(E - eps_j - R_j), written with NumPy's generator: independent streams."""
    rng = np.random.default_rng(seed)
    R = np.zeros(size)
    for _ in range(generations):
        children = rng.integers(0, size, size=(size, K))
        eps = rng.uniform(-W / 2, W / 2, size=(size, K))
        R = (1.0 / (E - eps - R[children])).sum(axis=1)
    return R


@pytest.mark.parametrize("W, E", [(10.0, 0.0), (20.0, 0.5)])
def test_real_fixed_point_against_an_independent_solver(W, E):
    ours = real_fixed_point(AndersonTree(W=W, E=E), 100_000, 40, generation_key(3, 0))
    theirs = _numpy_real_fixed_point(2, W, E, 100_000, 40, seed=11)
    assert stats.ks_2samp(ours, theirs).pvalue > ALPHA


def _run(model, size, generations, seed=1):
    state = initial_state(model, size)
    for state, _ in sample(model, state, generations, seed):
        pass
    return state


def test_cavity_recursion_at_small_eta_has_the_real_fixed_point_in_the_insulator():
    """Deep in the localized phase (W = 30 > W_c) Gamma stays ~ eta and R follows the real recursion."""
    model = AndersonTree(W=30.0, eta=1e-12, recursion="cavity")
    state = _run(model, 100_000, 40)
    R = state.values[1]
    reference = _numpy_real_fixed_point(2, 30.0, 0.0, 100_000, 40, seed=5)
    assert stats.ks_2samp(R, reference).pvalue > ALPHA
    assert np.median(state.values[0]) < 1e-9


def test_complex_and_linear_recursions_agree_where_gamma_is_small():
    """Same seed, same trees: with Gamma << |a| everywhere the linearization is exact to O(Gamma^2)."""
    cavity = _run(AndersonTree(W=30.0, eta=1e-12, recursion="cavity"), 50_000, 30)
    linear = _run(AndersonTree(W=30.0, eta=1e-12, recursion="linear"), 50_000, 30)
    assert same_bits(cavity.values[1], linear.values[1]) or np.allclose(cavity.values[1], linear.values[1],
                                                                          rtol=1e-9, atol=1e-12)
    ln_cavity = np.log(cavity.values[0])
    ln_linear = linear.ln_gamma()
    assert np.median(np.abs(ln_cavity - ln_linear)) < 1e-6


@njit
def _direct(parents, key, i, K, W, E, source):
    """Sample i of the linear recursion recomputed from its draws, in the kernel's stream order."""
    state = stream_start(key, i)
    r = 0.0
    g = 0.0
    for _ in range(K):
        j, eps, state = _child(state, parents.shape[1], W, 0)
        a = E - eps - parents[1, j]
        r += 1 / a
        g += (source + parents[0, j]) / a**2
    return g, r


def test_linear_recursion_against_a_direct_computation():
    """One generation of Gamma_i = sum_j (eta + Gamma_j) / a_j^2, R_i = sum_j 1/a_j, recomputed from the draws."""
    model = AndersonTree(W=12.0, recursion="linear", eta=0.3)
    rng = np.random.default_rng(0)
    parents = np.vstack([rng.exponential(size=1000), rng.standard_cauchy(size=1000)])
    out = np.empty_like(parents)
    key = generation_key(2, 5)
    anderson_generation(model, parents, out, key, log_scale=0.0)
    for i in (0, 17, 999):
        g, r = _direct(parents, key, i, model.K, model.W, model.E, 0.3)
        assert math.isclose(out[1, i], r, rel_tol=1e-12) and math.isclose(out[0, i], g, rel_tol=1e-12)


@pytest.mark.parametrize("recursion", ["term", "linear", "cavity"])
def test_same_bits_for_one_and_two_threads(recursion):
    model = AndersonTree(W=16.0, recursion=recursion, eta=1e-3)
    results = on_threads(lambda: _run(model, 20_001, 5, seed=9).values)
    assert same_bits(results[0], results[1])


@pytest.mark.parametrize("disorder, law", [("box", stats.uniform(-5, 10)), ("gaussian", stats.norm(0, 10 / math.sqrt(12))),
                                           ("cauchy", stats.cauchy(0, 5))])
def test_on_site_laws(disorder, law):
    """The on-site energies of each law, seen through one real-recursion step from R = 0: R = 1/(-eps1) + 1/(-eps2)
    needs both; a single child's eps is read back from the tilted start a = E - eps - R with R = 0."""
    path = AndersonPath(AndersonTree(W=10.0, disorder=disorder), np.zeros(10))
    eps = -path.start(200_000, generation_key(1, 1))
    assert stats.kstest(eps, law.cdf).pvalue > ALPHA
