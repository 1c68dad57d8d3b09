"""Physics validation: W_c of the Anderson model on the Bethe lattice (K = 2, E = 0, box). Slow.

Run with ``make test-slow``. The literature value is W_c = 18.17 +- 0.01 (Tikhonov & Mirlin
2019; Parisi et al. 2019). Both estimators of ``popdyn.tilted`` must find it: the quadrature
within 0.01 beside its own interval, the tilted population within its 99.9 % interval widened
by that same 0.01.
"""

import pytest

from popdyn.models import AndersonTree
from popdyn.tilted import critical_point

pytestmark = pytest.mark.slow
LITERATURE, LITERATURE_ERROR = 18.17, 0.01


def test_wc_by_quadrature():
    c = critical_point(lambda W: AndersonTree(W=W), 16.0, 20.0, method="quadrature", points=2000,
                       samples=4_000_000, pool_size=1_000_000, replicas=4, seed=0, confidence=0.999)
    assert c.interval.high - c.interval.low < 0.03
    assert c.interval.low - LITERATURE_ERROR < LITERATURE < c.interval.high + LITERATURE_ERROR


def test_wc_by_tilted_population():
    c = critical_point(lambda W: AndersonTree(W=W), 16.0, 20.0, method="population", size=100_000, steps=300,
                       burn_in=50, pool_size=1_000_000, replicas=4, seed=0, confidence=0.999)
    # 4 replicas at 99.9 %: t(3) = 12.9 standard errors a side; the 95 % interval is [18.144, 18.201] (0.057 wide)
    assert c.interval.high - c.interval.low < 0.3
    assert c.interval.low - LITERATURE_ERROR < LITERATURE < c.interval.high + LITERATURE_ERROR
