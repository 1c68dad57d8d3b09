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


@pytest.mark.parametrize("lam", [0.9, 0.3, 0.1, 0.01, 1e-4, 1e-6, 1e-9])
def test_tc_across_lam_is_converged_and_the_tilted_population_agrees(lam):
    """Across the whole range of lam, edges included: ln Tc converged to 1e-6, the growth vanishing there, and the
    tilted population's ln m(beta_c) at Tc equal to 0 within its interval (an independent route to the same Tc)."""
    from popdyn.models.baa_offset import critical_point
    from popdyn.spectrum import critical_temperature
    from popdyn.tilted import tilted_growth

    tc, beta_c, error = critical_point(lam)
    assert error < 1e-6 and tc > critical_temperature(lam)
    model = BAAOffsetTree(lam=lam, T=tc)
    assert abs(typical_growth(model.spectrum()).v) < 1e-6
    # the walkers start on shell and relax over the eigenfunction's width, ~ beta^(-1/2) in x, i.e. ~ 1/beta steps
    # (at lam = 0.9, beta_c = 0.0066: 120 steps with a burn-in of 20 overestimate ln m by 0.002)
    g = tilted_growth(model, beta_c, size=5_000, steps=1_500, burn_in=700, replicas=4, seed=5)
    assert g.interval.low - 2 * g.stderr < 0.0 < g.interval.high + 2 * g.stderr
