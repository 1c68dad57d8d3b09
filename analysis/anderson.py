"""Studies of the Anderson model on the Bethe lattice: K lambda(beta) at one point, and W_c.

The converged answer of the model of Abou-Chacra, Anderson & Thouless (BACKGROUND section 2):
the largest eigenvalue K lambda(beta) of the beta-tilted linearized operator, by quadrature
(``popdyn.tilted.quadrature_growth``, box disorder) or tilted population
(``popdyn.tilted.tilted_growth``, any disorder), and the critical disorder W_c where
K lambda(1/2) = 1. Each study returns a result object with ``to_dict()`` and ``summary()``;
``popdyn spectrum --model anderson`` prints exactly those. For example, just below W_c:

>>> g = anderson_growth(W=17.0, K=2, settings=dict(points=200, samples=50_000, replicas=3, pool_size=20_000,
...                                                  pool_generations=20))
>>> g.growth.growth > 1.0   # below W_c = 18.17: the states at the band centre are extended
True
"""

from dataclasses import dataclass, field

from popdyn.errors import ConfigError, NoTransitionError
from popdyn.models import AndersonTree
from popdyn.results import json_safe
from popdyn.tilted import critical_point, estimator, find_bracket

#: Settings of the two estimators of K lambda(beta): default and precise (about 4x the time).
SETTINGS = {
    "quadrature": ({"points": 2000, "samples": 4_000_000, "pool_size": 1_000_000, "replicas": 4},
                   {"points": 4000, "samples": 10_000_000, "pool_size": 2_000_000, "replicas": 8}),
    "population": ({"size": 100_000, "steps": 300, "burn_in": 50, "pool_size": 1_000_000, "replicas": 4},
                   {"size": 200_000, "steps": 600, "burn_in": 100, "pool_size": 2_000_000, "replicas": 8}),
}
#: Settings of a first look (a bracket's ends, the search for a bracket): about a second an estimate.
COARSE = {"quadrature": {"points": 200, "samples": 100_000, "replicas": 3},
          "population": {"size": 10_000, "steps": 60, "burn_in": 10, "replicas": 3}}
COARSE_POOL = {"pool_size": 100_000, "pool_generations": 20}
#: Settings of the estimates behind a mobility edge (``popdyn.analysis.mobility_edge``): about 5 s each, so that a
#: root per disorder (about ten estimates) takes about a minute.
EDGE_SETTINGS = {"quadrature": {"points": 1000, "samples": 1_000_000, "pool_size": 200_000, "replicas": 4},
                 "population": {"size": 50_000, "steps": 200, "burn_in": 50, "pool_size": 200_000, "replicas": 4}}
#: The factor by which a coarse bracket is widened when the full settings see one sign on it.
WIDEN = 1.6


def estimator_settings(method, precise=False, replicas=None, seed=0, edge=False):
    """The settings of ``method``'s estimator, ``replicas`` if given, and the seed.

    Default or ``precise``; for a mobility edge (``edge``) the lighter ``EDGE_SETTINGS`` unless ``precise``.
    """
    if method not in SETTINGS:
        raise ConfigError(f"unknown method {method!r}: quadrature or population")
    base = EDGE_SETTINGS[method] if edge and not precise else SETTINGS[method][bool(precise)]
    settings = dict(base, seed=seed)
    if replicas is not None:
        settings["replicas"] = replicas
    return settings


def _check_method(method, disorder):
    if method == "quadrature" and disorder != "box":
        raise ConfigError(f"the quadrature is written for box disorder; use the population method for {disorder}")


@dataclass(frozen=True)
class AndersonGrowth:
    """K lambda(beta) of one Anderson model, ``anderson_growth``'s result.

    Attributes
    ----------
    model : AndersonTree
    growth : popdyn.tilted.TiltedGrowth
        The estimate, its interval (replicas and systematic error) and its settings.
    """

    model: object
    growth: object

    def to_dict(self):
        return json_safe({"model": self.model.to_dict(), **self.growth.to_dict()})

    def summary(self):
        m, g = self.model, self.growth
        return (f"Anderson K={m.K} E={m.E:g} W={m.W:g} {m.disorder}: {g.summary()}; ln = {g.ln_growth:.6f} "
                f"+- {g.stderr:.1e} ({g.wall_s:.0f} s)")


def anderson_growth(W, K=2, E=0.0, disorder="box", beta=0.5, method="quadrature", settings=None, model=AndersonTree):
    """K lambda(beta) of the Anderson model at (K, E, W): the growth of the beta-tilted operator.

    Parameters
    ----------
    W, K, E, disorder
        The model (``AndersonTree``; ``model`` may be a variant of it).
    beta : float
        The tilt, 0 < beta < 1; K lambda(1/2) = 1 at the transition.
    method : {"quadrature", "population"}
    settings : dict or None
        Of the estimator (``estimator_settings``; None: the default ones, seed 0).

    Returns
    -------
    AndersonGrowth
    """
    if not 0.0 < beta < 1.0:
        raise ConfigError(f"beta must lie in (0, 1), got {beta}")
    _check_method(method, disorder)
    settings = estimator_settings(method) if settings is None else settings
    at = model(W=W, K=K, E=E, disorder=disorder)
    return AndersonGrowth(at, estimator(method)(at, beta, **settings))


@dataclass(frozen=True)
class CriticalDisorder:
    """W_c of the Anderson model, ``critical_disorder``'s result.

    Attributes
    ----------
    model : dict
        The model at W_c, less W (and the fields no study varies).
    point : popdyn.tilted.CriticalPoint
        The root, its interval and every estimate of the search.
    method : str
    settings : dict
        Of the estimator behind ``point``.
    bracket : tuple of float
        The disorders the search started from.
    bracket_search : popdyn.tilted.Bracket or None
        How ``bracket`` was found (None when it was given).
    widened : bool
        Whether the found bracket was widened by ``WIDEN`` because the full settings saw one sign on it.
    """

    model: dict
    point: object
    method: str
    settings: dict
    bracket: tuple
    bracket_search: object = None
    widened: bool = False
    scan: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "scan", self.point.scan)

    def to_dict(self):
        c = self.point
        return json_safe({
            "model": self.model, "W_c": c.value, "interval": list(c.interval), "stderr": c.stderr,
            "confidence": c.confidence, "replicas": list(c.replicas), "method": self.method,
            "settings": self.settings, "evaluations": len(c.scan), "bracket": list(self.bracket),
            "bracket_search": self.bracket_search.to_dict() if self.bracket_search is not None else None,
            "widened": self.widened, "systematic": list(c.systematic),
            "scan": [{"W": g.settings["parameter"], "K_lambda": g.growth, "interval": list(g.growth_interval),
                      "systematic": list(g.systematic)} for g in c.scan],
            "runtime_s": c.wall_s})

    def summary(self):
        return self.point.summary()


def check_bracket(model_at, lo, hi, method="quadrature", seed=0):
    """A ``NoTransitionError``, in a second or two, when K lambda(1/2) - 1 has one sign at both ends on a coarse grid.

    Only an answer whose intervals (with their grid error) exclude 1 at both ends is taken:
    otherwise the full search decides.
    """
    estimate = estimator(method)
    ends = [estimate(model_at(w), 0.5, seed=seed, confidence=0.999, **COARSE[method], **COARSE_POOL)
            for w in (lo, hi)]
    signs = {(g.interval.low > 0.0) - (g.interval.high < 0.0) for g in ends}
    if len(signs) == 1 and 0 not in signs:
        raise NoTransitionError(tuple(ends), (lo, hi))


def critical_disorder(K=2, E=0.0, disorder="box", method="quadrature", bracket=None, settings=None,
                      progress=None, model=AndersonTree):
    """W_c of the Anderson model: the disorder where K lambda(1/2) = 1, with its interval.

    Without a ``bracket`` one is found from ``model.critical_disorder_guess(K)`` (about
    18.17 K ln K / (2 ln 2)), moving by a factor 1.6 on a coarse grid until K lambda(1/2) - 1
    changes sign, never below the least disorder whose band reaches E (box disorder). A given
    bracket is checked at its ends on the coarse grid first. ``popdyn.tilted.critical_point``
    then finds the root with ``settings``; if those see one sign on a found bracket, it is
    widened by ``WIDEN`` once (``widened``).

    Parameters
    ----------
    K, E, disorder
        The model (``AndersonTree``; ``model`` may be a variant of it).
    method : {"quadrature", "population"}
    bracket : pair of float or None
        Disorders on either side of W_c.
    settings : dict or None
        Of the estimator (``estimator_settings``; None: the default ones, seed 0).
    progress : callable or None
        Called with the ``popdyn.tilted.Bracket`` found (or widened) and with each estimate
        (``TiltedGrowth``) of the root's search.

    Returns
    -------
    CriticalDisorder

    Raises
    ------
    popdyn.ConfigError
        No transition in the bracket, or none found (one line, with the estimates at the ends).

    Examples
    --------
    >>> light = dict(points=200, samples=50_000, replicas=3, pool_size=20_000, pool_generations=20, seed=0)
    >>> wc = critical_disorder(K=2, bracket=(16.0, 20.0), settings=light)
    >>> 17.5 < wc.point.value < 19.0
    True
    """
    _check_method(method, disorder)
    settings = estimator_settings(method) if settings is None else settings
    seed = settings.get("seed", 0)

    def model_at(w):
        return model(W=w, K=K, E=E, disorder=disorder)

    found = None
    if bracket is not None:
        lo, hi = (float(w) for w in bracket)
        if not lo < hi:
            raise ConfigError(f"a bracket takes two disorders lo < hi, got [{lo:g}, {hi:g}]")
        model_at(lo), model_at(hi)  # validates K, E and the bracket's disorders before any work
        check_bracket(model_at, lo, hi, method, seed)
    else:
        start = model.critical_disorder_guess(K)
        model_at(start)  # validates K and E before any work
        lowest = start / 1e3  # below the band's reach E has no states: no transition there (box disorder)
        if disorder == "box":
            lowest = max(lowest, model.least_disorder_with_states(K, E))
        found = find_bracket(model_at, start, method=method, seed=seed, confidence=0.999, lowest=lowest,
                             **COARSE[method], **COARSE_POOL)
        lo, hi = found.lo, found.hi
        if progress is not None:
            progress(found)
    widened = False
    try:
        c = critical_point(model_at, lo, hi, parameter="W", method=method, progress=progress, **settings)
    except ConfigError:
        if found is None:
            raise
        # the coarse grid's sign at an end of its bracket was off: one step wider, where the signs are clear
        lo, hi, widened = lo / WIDEN, hi * WIDEN, True
        if progress is not None:
            progress(found.widened(WIDEN))
        c = critical_point(model_at, lo, hi, parameter="W", method=method, progress=progress, **settings)
    at = {k: v for k, v in model_at(c.value).to_dict().items() if k not in ("W", "eta", "recursion")}
    return CriticalDisorder(at, c, method, settings, (lo, hi), found, widened)
