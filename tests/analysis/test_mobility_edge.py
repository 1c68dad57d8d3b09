"""The mobility edge E_c(W) of the Anderson model against W_c and its symmetry in E (coarse quadrature)."""

import pytest

from popdyn.analysis.mobility_edge import mobility_edge
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


#: The lightest settings that still find an edge at W = 10 and none at W = 18 (coarse: for the executor's bits only).
LIGHT = {"points": 100, "samples": 10_000, "replicas": 2, "pool_size": 5_000, "pool_generations": 10,
         "confidence": 0.999, "seed": 3}


def _reversed_map(function, items):
    """A map that runs the items last first and returns them so (the order they finish in must not matter)."""
    return [function(item) for item in reversed(list(items))]


def test_the_curve_is_put_back_in_w_order_whatever_order_the_roots_finish(monkeypatch):
    """Roots in any order (a fake root per W, run last first): the curve in the order of Ws, the localized apart,
    progress told once per edge found, and a disorder's error raised as it is."""
    import popdyn.analysis.mobility_edge as me

    def fake_root(W, K, disorder, method, settings):
        if W == 13.0:
            raise ConfigError("W = 13: no root")
        return None if W > 18.0 else ("root", W, settings["seed"])

    monkeypatch.setattr(me, "edge_root", fake_root)
    told = []
    edge = mobility_edge(K=2, Ws=(12.0, 19.0, 5.0, 12.0), seed=7, executor=_reversed_map,
                         progress=lambda W, p: told.append(W))
    assert edge.Ws == (12.0, 5.0, 12.0) and edge.localized == (19.0,)
    assert edge.points == (("root", 12.0, 7), ("root", 5.0, 7), ("root", 12.0, 7)) and told == [5.0, 12.0]
    with pytest.raises(ConfigError, match="W = 13: no root"):
        mobility_edge(K=2, Ws=(12.0, 13.0), seed=7, executor=_reversed_map)


def _without_wall_times(value):
    if isinstance(value, dict):
        return {k: _without_wall_times(v) for k, v in value.items() if k != "wall_s"}
    if isinstance(value, list):
        return [_without_wall_times(v) for v in value]
    return value


@pytest.mark.slow
def test_the_curve_is_the_same_bits_in_this_process_in_reverse_and_on_worker_processes():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    here = mobility_edge(K=2, Ws=(10.0, 18.0), **LIGHT)
    assert here.Ws == (10.0,) and here.localized == (18.0,)
    backwards = mobility_edge(K=2, Ws=(10.0, 18.0), executor=_reversed_map, **LIGHT)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        there = mobility_edge(K=2, Ws=(10.0, 18.0), executor=pool, **LIGHT)
    for other in (backwards, there):
        assert _without_wall_times(other.to_dict()) == _without_wall_times(here.to_dict())
