"""The mobility edge E_c(W) of the Anderson model against W_c and its symmetry in E (coarse quadrature)."""

import pytest

from analysis.mobility_edge import mobility_edge
from popdyn.errors import ConfigError
from popdyn.models import AndersonTree
from popdyn.tilted import critical_point

COARSE = {"points": 300, "samples": 200_000, "replicas": 3, "pool_size": 50_000, "pool_generations": 20,
          "confidence": 0.999, "seed": 3}


def test_the_edge_closes_at_w_c():
    """The curve meets E = 0 at W_c = 18.17 (+- 0.01; 18.1672 [18.1642, 18.1701] by --wc): an edge at W = 18.0,
    none at 18.4, and E_c falls towards W_c."""
    edge = mobility_edge(K=2, Ws=(12.0, 18.0), **COARSE)
    far, near = edge.points
    assert near.interval.high < far.interval.low
    assert 0.0 < near.value < 2.5
    above = mobility_edge(K=2, Ws=(18.4,), **COARSE)
    assert above.localized == (18.4,) and above.points == () and "every state localized" in above.summary()


def test_the_edge_is_even_in_e_and_reaches_beyond_the_clean_band():
    """The root at -E mirrors the one at +E (box disorder is symmetric), and at W = 10 the extended states
    reach beyond the clean band edge 2 sqrt(2) = 2.83 (the re-entrant part of the curve)."""
    W = 10.0
    edge = mobility_edge(K=2, Ws=(W,), **COARSE)
    plus = edge.points[0]
    minus = critical_point(lambda E: AndersonTree(W=W, E=-E), 0.0, 0.5 * W + 2.0 * 2 ** 0.5, parameter="E",
                           **COARSE)
    assert plus.interval.low - 1e-3 < minus.value < plus.interval.high + 1e-3
    assert plus.value > 2.0 * 2 ** 0.5
    d = edge.to_dict()
    assert d["curve"][0]["W"] == W and d["curve"][0]["E_c"] == plus.value


def test_only_box_disorder():
    with pytest.raises(ConfigError, match="box disorder"):
        mobility_edge(K=2, disorder="gaussian", Ws=(10.0,))
