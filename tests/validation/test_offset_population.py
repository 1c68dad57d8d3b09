"""Physics validation: the offset tree's population converges towards the quadrature's v from below. Slow.

Run with ``make test-slow``. docs/offsets.md tables the measurement (lam = 0.01, T = 3.3, v = 1.6016):
0.76, 1.00, 1.14 for N = 10^4, 10^5, 10^6 at resolution 0.02 (3 seeds each), a gap of the size that
Brunet-Derrida predicts, as for the memoryless tree. N = 10^3 and 10^5 are far enough apart for 6 seeds
to resolve the rise.
"""

import math

import pytest

from tests.helpers import population_growth
from popdyn.models.baa_offset import BAAOffsetTree
from popdyn.spectrum import typical_growth

pytestmark = pytest.mark.slow


def test_offset_population_approaches_the_converged_growth_from_below():
    model = BAAOffsetTree(lam=0.01, T=3.3)
    v = typical_growth(model.spectrum()).v
    measured = [population_growth(model, n, seeds=range(6), generations=150) for n in (10**3, 10**5)]
    for (low, low_se), (high, high_se) in zip(measured, measured[1:]):
        assert high - low > 3 * math.hypot(low_se, high_se)
    for mean, se in measured:
        assert v - mean > 3 * se


def test_refining_the_resolution_does_not_move_the_growth_at_fixed_n():
    """At N = 10^5 the resolution's smoothing (O(resolution^2)) is far below the seeds' scatter."""
    coarse = population_growth(BAAOffsetTree(lam=0.01, T=3.3, resolution=0.04), 10**5, seeds=range(4), generations=120)
    fine = population_growth(BAAOffsetTree(lam=0.01, T=3.3, resolution=0.01), 10**5, seeds=range(4), generations=120)
    assert abs(coarse[0] - fine[0]) < 3 * math.hypot(coarse[1], fine[1])
