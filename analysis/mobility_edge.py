"""The mobility edge of the Anderson model on the Bethe lattice: the curve K lambda(1/2; E, W) = 1.

At disorder W below W_c the states with |E| < E_c(W) are extended and those beyond localized
(BACKGROUND section 2): E_c(W) is where the largest eigenvalue of the tilted operator at
beta = 1/2 crosses 1/K. The curve is traced as a function of W, one root in E per disorder:
at fixed W the extended states form one interval around E = 0, so K lambda(1/2) - 1 changes
sign once between E = 0 (extended, below W_c) and the band edge W/2 + 2 sqrt(K) (box disorder;
no states beyond it). As a function of E the curve is re-entrant: outside the clean band,
2 sqrt(K) < |E|, disorder first brings states to E and then localizes them, so a root in W at
fixed E would miss half of it. Each root is ``popdyn.tilted.critical_point`` in E; its interval
holds the replicas' spread and the estimator's systematic error. The curve is even in E.

Examples
--------
>>> edge = mobility_edge(K=2, Ws=(18.0,), points=200, samples=50_000, replicas=3, pool_size=20_000,
...                      pool_generations=20, confidence=0.999)
>>> 0.0 < edge.points[0].value < 1.0   # near W_c = 18.17 only the band centre is extended
True
"""

import contextlib
import functools
from dataclasses import dataclass

from popdyn.errors import ConfigError, NoRootError
from popdyn.models import AndersonTree
from popdyn.parallel import map_unordered
from popdyn.results import json_safe
from popdyn.tilted import critical_point, estimator

#: Disorders of the default curve, as fractions of the guess of W_c (``AndersonTree.critical_disorder_guess``).
FRACTIONS = (0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9, 0.95, 0.98)


@dataclass(frozen=True)
class MobilityEdge:
    """E_c(W) of the Anderson model at one branching and disorder law.

    Attributes
    ----------
    K : int
    disorder : str
    Ws : tuple of float
        The disorders with an edge, in order.
    points : tuple of popdyn.tilted.CriticalPoint
        E_c at each of ``Ws`` (``parameter`` "E"), with its interval and every estimate of its search.
    method : str
    localized : tuple of float
        Disorders asked for where K lambda(1/2) < 1 already at E = 0 (the replicas' mean): above W_c,
        every state is localized and there is no edge.
    """

    K: int
    disorder: str
    Ws: tuple
    points: tuple
    method: str
    localized: tuple = ()

    def to_dict(self):
        return json_safe({"K": self.K, "disorder": self.disorder, "method": self.method,
                          "band_edge_clean": 2.0 * self.K ** 0.5,
                          "curve": [{"W": W, **p.to_dict()} for W, p in zip(self.Ws, self.points)],
                          "localized": list(self.localized)})

    def summary(self):
        lines = [f"Mobility edge of the Anderson model, K={self.K} {self.disorder}, by {self.method} "
                 f"(extended for |E| < E_c; clean band edge 2 sqrt(K) = {2.0 * self.K ** 0.5:.4f}):"]
        for W, p in zip(self.Ws, self.points):
            lo, hi = p.interval
            edge = 0.5 * W + 2.0 * self.K ** 0.5
            lines.append(f"  W = {W:8.4f}: E_c = {p.value:.4f} [{lo:.4f}, {hi:.4f}] (band edge {edge:.4f})")
        if self.localized:
            lines.append(f"  W = {', '.join(f'{W:g}' for W in self.localized)}: every state localized (above W_c)")
        return "\n".join(lines)


def edge_root(W, K, disorder, method, settings):
    """E_c at one disorder W (``critical_point`` in E over [0, band edge]), or None above W_c: one task of the curve.

    Module-level and self-contained, so that it runs on any executor's worker. Every disorder
    uses the same ``settings`` (their seed included): a root depends on its W alone, not on the
    order or the place the roots are computed in.

    Raises
    ------
    ConfigError
        No sign change in the bracket although K lambda(1/2) > 1 at E = 0 (names W).
    """
    try:
        return critical_point(functools.partial(_model_at, W, K, disorder), 0.0, 0.5 * W + 2.0 * K ** 0.5,
                              parameter="E", method=method, **settings)
    except NoRootError as exc:
        if exc.ends[0].ln_growth < 0.0:  # K lambda < 1 already at E = 0: above W_c, no edge (the curve goes on)
            return None
        # a plain ConfigError: its one message travels back from a worker (a NoRootError's estimates need not)
        raise ConfigError(f"W = {W:g}: {exc}") from None


def _model_at(W, K, disorder, E):
    return AndersonTree(W=W, K=K, E=E, disorder=disorder)


def mobility_edge(K=2, disorder="box", Ws=None, method="quadrature", progress=None, executor=None, **settings):
    """E_c(W) where K lambda(1/2; E, W) = 1, for each W of ``Ws`` (default: fractions of the guess of W_c).

    Parameters
    ----------
    K : int
    disorder : {"box"}
        The bracket in E ends at the band edge W/2 + 2 sqrt(K), which only box disorder has.
    Ws : sequence of float or None
    method : {"quadrature", "population"}
    progress : callable or None
        Called with (W, CriticalPoint) after each root, in the order they finish.
    executor : None, concurrent.futures executor, distributed.Client or map function
        Where the roots of the different disorders go, each a task (``popdyn.parallel.map_unordered``):
        None computes them one by one in this process. The curve is the same, bit for bit, wherever
        they ran.
    settings
        Of the estimator (``popdyn.tilted.quadrature_growth`` or ``tilted_growth``).

    Returns
    -------
    MobilityEdge
        The disorders in the order of ``Ws``.

    Raises
    ------
    ConfigError
        A disorder whose bracket holds no root although its states at E = 0 are extended (the first
        to finish; the roots not started yet are cancelled).
    """
    if disorder != "box":
        raise ConfigError(f"the mobility edge is traced for box disorder (its band edge bounds the search), "
                          f"got {disorder}")
    guess = AndersonTree.critical_disorder_guess(K)
    Ws = tuple(float(W) for W in (Ws if Ws is not None else (f * guess for f in FRACTIONS)))
    estimator(method)  # an unknown method, K or W before any work
    for W in Ws:
        AndersonTree(W=W, K=K, E=0.5 * W + 2.0 * K ** 0.5)
    roots = {}
    with contextlib.closing(map_unordered(executor, edge_root, dict.fromkeys(Ws), K, disorder, method, settings,
                                          label=lambda W: f"edge-K{K}-W{W:g}")) as finished:
        for W, point in finished:
            if isinstance(point, BaseException):
                raise point
            roots[W] = point
            if progress is not None and point is not None:
                progress(W, point)
    found = tuple(W for W in Ws if roots[W] is not None)
    localized = tuple(W for W in Ws if roots[W] is None)
    return MobilityEdge(int(K), disorder, found, tuple(roots[W] for W in found), method, localized)
