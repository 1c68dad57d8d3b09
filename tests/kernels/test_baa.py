"""The BAA kernels against the laws of BACKGROUND section 2 and an independent computation."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from popdyn import rng
from popdyn._jit import njit
from popdyn.engine import initial_state, step
from popdyn.kernels.baa import _generation, _generation_blocked, _node, baa_generation
from popdyn.models import BAATree
from popdyn.spectrum import ln_m
from tests import reference

ALPHA = 1e-3


@njit
def _sum_w_beta(key, size, T, fixed_terms, lam2, beta):
    """Samples of sum_{children} w^beta, drawn with the kernel's own ingredients."""
    out = np.empty(size)
    exp_neg_T = math.exp(-T)
    for i in range(size):
        k, state = _node(key, i, T, exp_neg_T, fixed_terms)
        acc = 0.0
        for _ in range(k):
            r, state = rng.inverse_mismatch(state)
            acc += 3.0 * (lam2 * r * r) ** beta
        out[i] = acc
    return out


@pytest.mark.parametrize("coordination, T", [("poisson", 3.3), ("poisson", 40.0), ("fixed", 3.0)])
@pytest.mark.parametrize("beta", [0.05, 0.1, 0.15, 0.2])
def test_mean_of_sum_w_beta_matches_closed_form(coordination, T, beta):
    """Monte Carlo of E[sum w^beta] against ln m(beta); the variance is finite for beta < 1/4."""
    model = BAATree(lam=0.01, T=T, coordination=coordination)
    x = _sum_w_beta(rng.generation_key(4, 1), 400_000, model.T, model.fixed_terms, model.lam**2, beta)
    exact = math.exp(float(ln_m(model.lam, model.T, beta)))
    stderr = x.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.mean() - exact) < 5 * stderr


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.45, 0.49])
def test_closed_form_matches_quadrature(beta):
    """E|m|^(-2 beta) over the triangular law, by quadrature, against the closed form."""
    lam, T = 1e-3, 7.0
    half, _ = integrate.quad(lambda m: (1 - m) * m ** (-2 * beta), 0, 1, limit=200)
    quad = 3 * T * lam ** (2 * beta) * 2 * half
    assert math.isclose(float(np.exp(ln_m(lam, T, beta))), quad, rel_tol=1e-8)
    assert float(ln_m(lam, T, 0.5)) == math.inf


def test_term_count_law_shows_in_the_edges():
    N = 200_000
    for model, mean, sd in [(BAATree(lam=0.01, T=3.3), 3 * 3.3 * N, 3 * math.sqrt(3.3 * N)),
                            (BAATree(lam=0.01, T=5, coordination="fixed"), 3 * 5 * N, 0.0)]:
        state = initial_state(model, N)
        out = np.empty_like(state.values)
        edges = baa_generation(model, state.values, out, rng.generation_key(0, 1), state.log_scale)
        assert abs(edges - mean) <= 5 * sd


def _numpy_generation(parents, model, generator):
    """An independent NumPy implementation of one generation (physical units)."""
    N = parents.size
    k = (generator.poisson(model.T, N) if model.coordination == "poisson" else np.full(N, int(model.T)))
    owner = np.repeat(np.arange(N), k)
    m = generator.uniform(-0.5, 0.5, owner.size) + generator.uniform(-0.5, 0.5, owner.size)
    S = parents[generator.integers(0, N, (3, owner.size))].sum(axis=0)
    terms = S / (m * m + S * S) if model.recursion == "scba" else S / (m * m)
    source = 0.0 if model.recursion == "term" else model.eta
    return source + model.lam**2 * np.bincount(owner, weights=terms, minlength=N)


def _same_law(ours, theirs, n):
    """Two-sample test of two samples of ln Gamma, with the atom at -inf (zeros) compared apart.

    ln Gamma is rounded to 9 decimals first: an atom (Gamma = eta exactly, where no decay term
    was drawn) must fall on one value in both samples, not on neighbouring floats.
    """
    za, zb = np.mean(ours == -np.inf), np.mean(theirs == -np.inf)
    assert abs(za - zb) <= 5 * math.sqrt(max(za, 1e-4) * 2 / n)
    a, b = (np.round(x[x > -np.inf], 9) for x in (ours, theirs))
    assert stats.ks_2samp(a, b).pvalue > ALPHA


MODELS = [BAATree(lam=0.05, T=T, eta=0.01, recursion=r, coordination=c)
          for r in ("term", "linear", "scba") for c, T in (("poisson", 3.3), ("fixed", 3.0))]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.recursion}-{m.coordination}")
def test_generation_one_matches_an_independent_numpy_monte_carlo(model):
    N = 40_000
    state = initial_state(model, N)
    step(model, state, seed=9)
    with np.errstate(divide="ignore"):
        theirs = np.log(_numpy_generation(np.full(N, model.eta), model, np.random.default_rng(2024)))
    _same_law(state.ln_gamma(), theirs, N)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.recursion}-{m.coordination}")
def test_one_generation_from_given_parents_matches_numpy(model):
    """Given the same (heavy-tailed) parents, both implementations draw children i.i.d.

    Chained generations are not compared: samples of one population share parents, so two
    independent populations differ by more than a two-sample test of i.i.d. data allows.
    """
    N = 40_000
    parents = np.exp(np.random.default_rng(0).normal(0.0, 2.0, N))
    out = np.empty((1, N))
    baa_generation(model, parents[None, :], out, rng.generation_key(5, 1), 0.0)
    theirs = _numpy_generation(parents, model, np.random.default_rng(77))
    with np.errstate(divide="ignore"):
        _same_law(np.log(out[0]), np.log(theirs), N)


@pytest.mark.parametrize(
    "model",
    [
        BAATree(lam=0.2, T=2.5, eta=0.3, recursion="term"),
        BAATree(lam=0.2, T=2.5, eta=0.3, recursion="linear"),
        BAATree(lam=0.2, T=2.5, eta=0.3, recursion="scba"),
        BAATree(lam=0.3, T=12.0, eta=1e-3, recursion="scba"),  # T >= 10: the PTRS sampler
        BAATree(lam=0.2, T=3, eta=0.3, recursion="linear", coordination="fixed"),
    ],
    ids=["term", "linear", "scba", "scba-ptrs", "linear-fixed"],
)
def test_kernels_match_the_pure_python_reference(model):
    N, G, seed = 60, 4, 17
    expected = reference.evolve(model, N, G, seed)
    state = initial_state(model, N)
    for n in range(1, G + 1):
        step(model, state, seed)
        np.testing.assert_allclose(np.exp(state.ln_gamma()), expected[n], rtol=1e-12, atol=0)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.recursion}-{m.coordination}")
@pytest.mark.parametrize("block, capacity", [(7, 200), (64, 10)], ids=["roomy", "overflowing"])
def test_blocked_gathers_give_the_same_bits(model, block, capacity):
    """The cache-aware kernel for large populations is bit-identical to the direct one, also
    when a block's terms overflow its scratch and its last samples are finished directly."""
    parents = np.exp(np.random.default_rng(1).normal(0.0, 2.0, 1001))
    key = rng.generation_key(4, 2)
    args = (parents, None, key, model.T, model.fixed_terms, model.lam**2, 0.3, model.recursion == "scba")
    direct, blocked = np.empty(1001), np.empty(1001)
    terms = _generation(*((args[0], direct) + args[2:]))
    assert _generation_blocked(*((args[0], blocked) + args[2:]), block, capacity) == terms
    assert direct.tobytes() == blocked.tobytes()
