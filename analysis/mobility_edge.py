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

from dataclasses import dataclass

from popdyn.errors import ConfigError, NoRootError
from popdyn.models import AndersonTree
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


def mobility_edge(K=2, disorder="box", Ws=None, method="quadrature", progress=None, **settings):
    """E_c(W) where K lambda(1/2; E, W) = 1, for each W of ``Ws`` (default: fractions of the guess of W_c).

    Parameters
    ----------
    K : int
    disorder : {"box"}
        The bracket in E ends at the band edge W/2 + 2 sqrt(K), which only box disorder has.
    Ws : sequence of float or None
    method : {"quadrature", "population"}
    progress : callable or None
        Called with (W, CriticalPoint) after each root.
    settings
        Of the estimator (``popdyn.tilted.quadrature_growth`` or ``tilted_growth``).

    Returns
    -------
    MobilityEdge
    """
    if disorder != "box":
        raise ConfigError(f"the mobility edge is traced for box disorder (its band edge bounds the search), "
                          f"got {disorder}")
    guess = AndersonTree.critical_disorder_guess(K)
    Ws = tuple(float(W) for W in (Ws if Ws is not None else (f * guess for f in FRACTIONS)))
    estimator(method)  # an unknown method, K or W before any work
    for W in Ws:
        AndersonTree(W=W, K=K, E=0.5 * W + 2.0 * K ** 0.5)
    found, points, localized = [], [], []
    for W in Ws:
        try:
            point = critical_point(lambda E, W=W: AndersonTree(W=W, K=K, E=E, disorder=disorder), 0.0,
                                   0.5 * W + 2.0 * K ** 0.5, parameter="E", method=method, **settings)
        except NoRootError as exc:
            if exc.ends[0].ln_growth < 0.0:  # K lambda < 1 already at E = 0: above W_c, no edge (the curve goes on)
                localized.append(W)
                continue
            raise ConfigError(f"W = {W:g}: {exc}") from None
        found.append(W)
        points.append(point)
        if progress is not None:
            progress(W, point)
    return MobilityEdge(int(K), disorder, tuple(found), tuple(points), method, tuple(localized))
