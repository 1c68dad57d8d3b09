"""Physics validation: the offset tree's population converges towards the quadrature's v from below. Slow.

Run with ``make test-slow``. docs/offsets.md tables the measurement (lam = 0.01, T = 3.3, v = 1.6016):
about 0.78, 1.01, 1.15 for N = 10^4, 10^5, 10^6 (3 seeds each), the size of gap that Brunet-Derrida
predicts, as for the memoryless tree.
"""

import math

import numpy as np
import pytest

import popdyn
from analysis.growth import fit_growth
from popdyn.models.baa_offset import BAAOffsetTree
from popdyn.spectrum import typical_growth

pytestmark = pytest.mark.slow


def _growth(model, size, seeds, generations):
    values = [fit_growth(popdyn.run(model, size=size, generations=generations, seed=s, progress=False).table, "mean_ln").v
              for s in seeds]
    return float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))


def test_offset_population_approaches_the_converged_growth_from_below():
    model = BAAOffsetTree(lam=0.01, T=3.3)
    v = typical_growth(model.spectrum()).v
    measured = [_growth(model, n, seeds=range(6), generations=150) for n in (10**3, 10**4, 10**5)]
    for (low, low_se), (high, high_se) in zip(measured, measured[1:]):
        assert high - low > 3 * math.hypot(low_se, high_se)
    for mean, se in measured:
        assert v - mean > 3 * se


def test_refining_the_resolution_does_not_move_the_growth_at_fixed_n():
    """At N = 10^5 the resolution's smoothing (O(resolution^2)) is far below the seeds' scatter."""
    coarse = _growth(BAAOffsetTree(lam=0.01, T=3.3, resolution=0.04), 10**5, seeds=range(4), generations=120)
    fine = _growth(BAAOffsetTree(lam=0.01, T=3.3, resolution=0.01), 10**5, seeds=range(4), generations=120)
    assert abs(coarse[0] - fine[0]) < 3 * math.hypot(coarse[1], fine[1])
