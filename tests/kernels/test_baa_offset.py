"""The offset tree's kernels against direct sampling, the memoryless tree, the quadrature, and themselves."""

import math

import numpy as np
import pytest
from scipy import stats

from popdyn.engine import initial_state, sample
from popdyn.models import BAATree
from popdyn.models.baa_offset import BAAOffsetTree, ln_rho
from popdyn.tilted import tilted_growth
from tests.helpers import on_threads, same_bits

ALPHA = 1e-3


def _run(model, size, generations, seed=1):
    state = initial_state(model, size)
    for state, _ in sample(model, state, generations, seed):
        pass
    return state


def _direct_generation_one(x, lam, T, size, seed):
    """Gamma^(1) at offset x (eta = 1) drawn with NumPy's generator: lam^2 sum_{k ~ Poisson(T)} 3 / (x + u1 + u2)^2."""
    rng = np.random.default_rng(seed)
    k = rng.poisson(T, size)
    u = rng.uniform(-0.5, 0.5, size=(k.sum(), 2))
    terms = 3.0 * lam**2 / (x[np.repeat(np.arange(size), k)] + u.sum(axis=1)) ** 2
    return np.bincount(np.repeat(np.arange(size), k), weights=terms, minlength=size)


@pytest.mark.parametrize("x0", [0.0, 0.7])
def test_generation_one_at_an_offset_against_direct_sampling(x0):
    model = BAAOffsetTree(lam=0.01, T=2.0)
    state = _run(model, 400_000, 1)
    offsets = state.values[1]
    chosen = np.abs(offsets - x0) < 0.01
    ours = np.exp(state.ln_gamma()[chosen])
    theirs = _direct_generation_one(offsets[chosen], 0.01, 2.0, int(chosen.sum()), seed=5)
    assert chosen.sum() > 2000
    assert stats.ks_2samp(ours, theirs).pvalue > ALPHA
    # and the offset matters: the law at 0.7 is not the law at 0
    other = _direct_generation_one(np.full(chosen.sum(), 0.7 - x0), 0.01, 2.0, int(chosen.sum()), seed=6)
    assert stats.ks_2samp(ours, other).pvalue < ALPHA


def test_reset_offsets_give_the_memoryless_population():
    """With every child on its own level the population has the memoryless tree's law (generation 3, KS)."""
    ours = _run(BAAOffsetTree(lam=0.01, T=2.0, carry_offset=False), 100_000, 3, seed=2).ln_gamma()
    theirs = _run(BAATree(lam=0.01, T=2.0), 100_000, 3, seed=3).ln_gamma()
    assert stats.ks_2samp(ours[np.isfinite(ours)], theirs[np.isfinite(theirs)]).pvalue > ALPHA


@pytest.mark.parametrize("recursion", ["term", "linear", "scba"])
def test_same_bits_for_one_and_two_threads(recursion):
    model = BAAOffsetTree(lam=0.01, T=2.0, recursion=recursion, eta=1e-3)
    results = on_threads(lambda: _run(model, 20_001, 4, seed=9).values)
    assert same_bits(results[0], results[1])


@pytest.mark.parametrize("lam, T, beta", [(0.01, 3.3, 0.3), (0.1, 0.5, 0.2), (1e-4, 80.0, 0.45)])
def test_tilted_population_agrees_with_the_quadrature(lam, T, beta):
    """ln m(beta) by the tilted walk of offsets (its 1/N bias is far below the interval here) and by quadrature."""
    g = tilted_growth(BAAOffsetTree(lam=lam, T=T), beta, size=20_000, steps=120, burn_in=20, replicas=4, seed=3)
    exact = math.log(3 * T) + 2 * beta * math.log(lam) + ln_rho(beta).ln_rho
    assert g.interval.low - 2 * g.stderr < exact < g.interval.high + 2 * g.stderr
    assert g.stderr < 2e-3  # the interval is narrow enough to tell the offset tree from the memoryless one
    assert abs(exact - (math.log(3 * T) + 2 * beta * math.log(lam) - math.log((1 - 2 * beta) * (1 - beta)))) > 0.04


def test_tilted_population_with_reset_offsets_is_the_closed_form():
    """No path variable: every walker's weight is 3T lam^(2 beta) E|m|^(-2 beta), exactly."""
    g = tilted_growth(BAAOffsetTree(lam=0.01, T=2.0, carry_offset=False), 0.3, size=1000, steps=5, burn_in=0,
                      replicas=2)
    exact = math.log(6.0) + 0.6 * math.log(0.01) - math.log(0.4 * 0.7)
    assert all(abs(r - exact) < 1e-12 for r in g.replicas)


def _children(y, n=1_000_000, cut=8.0, spread=0.5, resolution=0.02, draws=20_001):
    """The offsets of the samples ``_child`` picks for a request at y, over a grid of its uniform."""
    from popdyn.kernels.baa_offset import _child, _offset

    u = (np.arange(draws) + 0.5) / draws
    index = np.array([_child(v, y, n, cut, spread, resolution, True) for v in u])
    offsets = np.array([_offset(j, n, cut, spread) if j >= 0 else np.nan for j in index])
    return index, offsets


@pytest.mark.parametrize("y", [0.3, -0.3, 1.7])
def test_a_child_is_drawn_from_a_window_of_width_resolution_around_its_offset(y):
    """Where the design is dense the child's offset is |y| + e, e uniform of width 0.02: mean |y|, sd 0.02/sqrt 12."""
    _, offsets = _children(y)
    assert abs(offsets.mean() - abs(y)) < 1e-4
    assert offsets.std() == pytest.approx(0.02 / math.sqrt(12), rel=0.02)


def test_a_child_near_zero_is_reflected():
    """At y = 0 the window [-0.01, 0.01) folds onto [0, 0.01): the law is even in x, offsets are |e|."""
    _, offsets = _children(0.0)
    assert offsets.min() >= 0 and offsets.max() < 0.0102  # the window: 0.01 wide, in the design near x = 0
    assert offsets.mean() == pytest.approx(0.005, rel=0.02)


def test_a_child_past_the_design_or_the_cut_is_cut():
    """The design ends at x_(N-1) ~ s ln 2N (here 0.5 ln 2000 = 3.8): past it, and past the cut, no child."""
    from popdyn.kernels.baa_offset import _offset

    last = _offset(999, 1000, 8.0, 0.5)
    assert last == pytest.approx(0.5 * math.log(2000), rel=1e-3)
    inside, _ = _children(last - 0.05, n=1000)
    beyond, _ = _children(last + 0.01, n=1000)
    assert (inside >= 0).all() and (beyond == -1).all()
    assert (_children(8.5)[0] == -1).all()
