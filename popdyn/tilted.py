"""The converged reference for any model: the largest eigenvalue of the beta-tilted linear operator.

For a linear recursion on a tree whose weights depend on a variable x carried along the tree
(the Anderson model's denominator a = E - eps - R), the typical growth is still
``v = min_beta ln(K lambda(beta)) / beta`` (``popdyn.spectrum.typical_growth``), with
K lambda(beta) the largest eigenvalue of the positive operator on functions of x

    (L_beta nu)(x') = K int dx nu(x) P(x -> x') w(x, x')^beta,

the growth rate of a Feynman-Kac path measure (BACKGROUND section 3). Two estimators:

* ``tilted_growth``, the *tilted population* (the cloning algorithm of Giardina, Kurchan &
  Peliti; Del Moral's particle systems): N walkers hold x; a step draws each walker's next x
  (the siblings from the model's fixed-point population), weighs it by the step's
  ``omega = K w^beta``, records ln of the walkers' mean omega, and resamples the walkers with
  probabilities proportional to omega. The average of the recorded logs after a burn-in
  estimates ln(K lambda(beta)) with a bias O(1/N) (a plain population's growth is biased by
  O(1/(ln N)^2)); independent replicas give the interval. For a memoryless model (the BAA
  tree) there is no x, and the estimator is the sample mean of ``sum_children w^beta`` with
  the mismatch integrated out (``popdyn.kernels.baa.BAAPath``: bounded weights up to 1/2).
* ``quadrature_growth``: where x is one-dimensional, the Galerkin discretization of L_beta
  and its Perron eigenvalue, the precision cross-check.

Both return a ``TiltedGrowth``; ``tilted_spectrum`` turns either into a ``popdyn.spectrum.Spectrum``.
"""

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError, NoRootError
from .kernels import kernels_for
from .kernels.tilted import systematic_resample
from .results import ConfidenceInterval, as_interval, json_safe, sample_mean
from .rng import generation_key

#: Stream domains: a replica's fixed-point population, its walkers' start, its steps, its quadrature samples.
_POOL, _START, _STEP, _SAMPLES = 0, 1, 2, 3
#: How far below beta = 1/2 the tilted population of a model with lambda(beta) = lambda(1 - beta) is
#: also run, for the upper end of its interval near 1/2 (see ``tilted_growth``).
SYMMETRY_WINDOW = 0.01
#: The relative accuracy asked of the Arnoldi iteration; part of the quadrature's systematic error, so that
#: an answer the replicas and the grid do not change (far outside the band) still has the width of its digits.
PERRON_TOLERANCE = 1e-14


def _key(seed, replica, domain, n):
    """The key of stream family ``(replica, domain, n)`` of one seed: n < 2^40, replica < 2^20."""
    return generation_key(seed, (replica << 44) | (domain << 40) | n)


@dataclass(frozen=True)
class TiltedGrowth:
    """ln(K lambda(beta)) of a model, estimated from independent replicas.

    Attributes
    ----------
    beta : float
    ln_growth : float
        The mean over replicas of ln(K lambda(beta)) (for the BAA tree: ln m(beta)).
    stderr : float
        Its standard error from the spread of the replicas (nan for one replica).
    interval : ConfidenceInterval
        Student-t interval over the replicas at ``confidence``.
    replicas : tuple of float
        Each replica's estimate.
    method : {"population", "quadrature"}
    settings : dict
        Walkers, steps, burn-in, pool size, grid points, seed: what was used.
    wall_s : float
    systematic : tuple of float
        ``(below, above)``: errors the replicas do not see, already inside ``interval`` (added to
        its lower and upper end). For the quadrature, on both sides, the largest change of ln(K lambda)
        over the replicas when its grid is halved, plus the Arnoldi tolerance: an estimate of the
        grid's error, conservative once the grid is fine enough. For the tilted
        population of a model with lambda(beta) = lambda(1 - beta), within ``SYMMETRY_WINDOW`` of
        beta = 1/2, above only: up to the estimate at beta - ``SYMMETRY_WINDOW``
        (``tilted_growth``). (0, 0) otherwise.
    """

    beta: float
    ln_growth: float
    stderr: float
    interval: ConfidenceInterval
    replicas: tuple
    method: str
    confidence: float = 0.95
    settings: dict = field(default_factory=dict)
    wall_s: float = math.nan
    systematic: tuple = (0.0, 0.0)

    def __post_init__(self):
        # a caller may build an estimate from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "interval", as_interval(self.interval))

    @property
    def growth(self):
        """K lambda(beta) itself."""
        return math.exp(self.ln_growth)

    @property
    def growth_interval(self):
        return ConfidenceInterval(math.exp(self.interval.low), math.exp(self.interval.high))

    def to_dict(self):
        """The estimate as JSON-ready Python: intervals as [low, high], null for nan (one replica's stderr)."""
        return json_safe({"beta": self.beta, "ln_growth": self.ln_growth, "growth": self.growth,
                          "stderr": self.stderr, "interval": list(self.interval),
                          "growth_interval": list(self.growth_interval), "confidence": self.confidence,
                          "replicas": list(self.replicas), "method": self.method, "settings": dict(self.settings),
                          "systematic": list(self.systematic), "wall_s": self.wall_s})

    def summary(self):
        lo, hi = self.growth_interval
        below, above = self.systematic
        if below == above > 0.0:
            extra = f"; systematic +-{below:.1g} in ln, inside"
        elif above > 0.0:
            extra = f"; up to {above:.1g} more in ln near beta = 1/2, inside"
        else:
            extra = ""
        # enough digits that the interval's ends differ (its relative width is that of ln K lambda's)
        width = self.interval.high - self.interval.low
        digits = 6 if not width > 0.0 else min(17, max(6, 2 - math.floor(math.log10(width))))
        return (f"K lambda({self.beta:g}) = {self.growth:.{digits}g} [{lo:.{digits}g}, {hi:.{digits}g}] "
                f"({self.confidence:.0%}, {len(self.replicas)} replicas, {self.method}{extra})")


def _combine(beta, values, method, confidence, settings, wall_s, systematic=(0.0, 0.0)):
    """The replicas' mean, standard error and Student-t interval, widened by ``systematic = (below, above)``."""
    m = sample_mean(values)
    below, above = (float(v) for v in systematic)
    half = m.half_width(confidence)
    return TiltedGrowth(beta, m.mean, m.stderr, ConfidenceInterval(m.mean - half - below, m.mean + half + above),
                        tuple(map(float, values)), method, confidence, settings, wall_s, (below, above))


def _beta(beta):
    beta = float(beta)
    if not 0.0 < beta < 1.0:
        raise ConfigError(f"beta must lie in (0, 1), got {beta}")
    return beta


def _check(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _path(model, pool_size, pool_generations, seed, replica):
    return kernels_for(model).path(model, pool_size, pool_generations, _key(seed, replica, _POOL, 0))


def tilted_growth(model, beta, size=100_000, steps=400, burn_in=100, replicas=4, pool_size=1_000_000,
                  pool_generations=50, seed=0, confidence=0.95, progress=None):
    """ln(K lambda(beta)) by the tilted population (cloning / diffusion Monte Carlo).

    Parameters
    ----------
    model : a model of ``popdyn.models``
    beta : float
        The tilt, 0 < beta < 1.
    size : int
        Walkers per replica; the bias is O(1/size).
    steps, burn_in : int
        Steps per replica, and how many of the first are left out of the average.
    replicas : int
        Independent replicas (each with its own fixed-point population); their spread gives the interval.
    pool_size, pool_generations : int
        The fixed-point population the siblings are drawn from (carried-variable models only): at
        least 2 samples and 1 generation of the real recursion from R = 0 (0 would leave R = 0, and
        K lambda(1/2) 0.6 % low at W = 8); convergence in both is the caller's to check (at
        W = 8 and 18 ln K lambda(1/2) settles within 1e-4 from 2 generations on).
    seed : int
    progress : callable or None
        Called with no argument after each step (a progress bar's update).

    Returns
    -------
    TiltedGrowth

    Notes
    -----
    For a model with lambda(beta) = lambda(1 - beta) (``model.tilt_symmetric``: the Anderson
    model) the walkers follow the mode of the operator that dominates below beta = 1/2; above
    it the mirror mode dominates, carried by resonances (|a| -> 0, then |a| -> infinity) that
    the walkers reach only through rare steps. At beta = 1/2 the two modes mix, and near a band
    edge, where the resonances are rare, the population misses part of lambda(1/2) at every
    size (0.4 % at K = 2, W = 16, E = 10, where the quadrature gets it). So beta > 1/2 is
    refused, and within ``SYMMETRY_WINDOW`` below 1/2 the interval's upper end reaches the
    estimate at beta - ``SYMMETRY_WINDOW``: ln lambda is convex and symmetric about 1/2, hence
    no larger at beta than there (``systematic`` records the widening; the run takes twice as long).

    Examples
    --------
    The BAA tree is memoryless: the estimate is the mean of sum w^beta (the mismatch integrated out), ln m(beta)
    in closed form.

    >>> from popdyn.models import BAATree
    >>> from popdyn.spectrum import ln_m
    >>> g = tilted_growth(BAATree(lam=0.1, T=1.0), 0.4, size=20000, steps=20, burn_in=0, replicas=4,
    ...                   confidence=0.999)
    >>> g.interval.low < float(ln_m(0.1, 1.0, 0.4)) < g.interval.high
    True
    """
    beta = _beta(beta)
    size, steps, replicas = _check("size", size, 2), _check("steps", steps, 1), _check("replicas", replicas, 1)
    burn_in = _check("burn_in", burn_in, 0)
    # a pool of one R is no law to draw siblings from; 0 generations leave R = 0, no fixed point at all
    pool_size, pool_generations = _check("pool_size", pool_size, 2), _check("pool_generations", pool_generations, 1)
    if burn_in >= steps:
        raise ConfigError(f"burn_in must be below steps ({steps}), got {burn_in}")
    if model.tilt_symmetric and beta > 0.5:
        raise ConfigError(f"beta = {beta:g} > 1/2: above 1/2 the tilted population of {model.title} misses the "
                          f"resonances that carry lambda(beta); ask for beta = {1.0 - beta:g} "
                          f"(lambda(beta) = lambda(1 - beta))")
    t0 = time.perf_counter()
    run = {"size": size, "steps": steps, "burn_in": burn_in, "replicas": replicas, "pool_size": pool_size,
           "pool_generations": pool_generations, "seed": seed, "progress": progress}
    estimates, path = _population(model, beta, **run)
    settings = {"size": size, "steps": steps, "burn_in": burn_in, "replicas": replicas, "seed": seed,
                **({} if path.memoryless else {"pool_size": pool_size, "pool_generations": pool_generations})}
    above = 0.0
    if model.tilt_symmetric and beta > 0.5 - SYMMETRY_WINDOW:
        # ln lambda is convex and symmetric about 1/2, so decreasing up to 1/2: its value at beta is
        # at most its value at beta - SYMMETRY_WINDOW, where the walkers' own mode still dominates
        lower = _combine(beta, _population(model, beta - SYMMETRY_WINDOW, **run)[0], "population", confidence,
                         {}, 0.0)
        above = max(0.0, lower.interval.high - _combine(beta, estimates, "population", confidence, {},
                                                        0.0).interval.high)
        settings["symmetry_window"] = SYMMETRY_WINDOW
    return _combine(beta, estimates, "population", confidence, settings, time.perf_counter() - t0, (0.0, above))


def _population(model, beta, size, steps, burn_in, replicas, pool_size, pool_generations, seed, progress):
    """Each replica's ln(K lambda(beta)) from the tilted population, and the last replica's path."""
    estimates = []
    for r in range(replicas):
        path = _path(model, pool_size, pool_generations, seed, r)
        walkers = path.start(size, _key(seed, r, _START, 0))
        out = np.empty(size)
        weight = np.empty(size)
        index = np.empty(size, dtype=np.int64)
        logs = np.empty(steps)
        for t in range(steps):
            key = _key(seed, r, _STEP, t)
            path.step(walkers, out, weight, key, beta)
            if path.memoryless:
                logs[t] = math.log(math.fsum(weight) / size)
            else:
                total = systematic_resample(weight, key, index)
                logs[t] = math.log(total / size)
                np.take(out, index, out=walkers)
            if progress is not None:
                progress()
        estimates.append(float(logs[burn_in:].mean()))
    return estimates, path


def quadrature_growth(model, beta, points=2000, samples=4_000_000, replicas=4, pool_size=1_000_000,
                      pool_generations=50, seed=0, confidence=0.95):
    """ln(K lambda(beta)) as the Perron eigenvalue of the Galerkin discretization of the tilted operator.

    For models whose path variable is one-dimensional (the Anderson model, box disorder): the
    operator's kernel needs the law of the siblings' contribution, taken from ``samples`` draws
    over a fixed-point population of ``pool_size``; each replica draws its own. The cells
    follow the law of the path variable, over the whole line inside the band and on the
    interval where it lives outside (``popdyn.kernels.anderson.Quadrature``).

    Each replica is also computed on half the cells (an even number, so that a = 0 stays on an
    edge); the largest change of ln(K lambda) over the replicas, an estimate of the grid's error
    that is conservative once the grid is fine enough (the error then falls like the grid
    squared; coarser grids need not converge monotonically), plus the accuracy asked of the
    eigenvalue (``PERRON_TOLERANCE``), is the result's ``systematic`` and widens its interval on
    both sides.

    Examples
    --------
    Far outside the band, K lambda(beta) -> K |E|^(-2 beta):

    >>> from popdyn.models import AndersonTree
    >>> g = quadrature_growth(AndersonTree(W=4.0, E=1e4), 0.5, points=200, samples=20_000, replicas=2,
    ...                       pool_size=10_000, pool_generations=10)
    >>> abs(g.growth / (2 / 1e4) - 1) < 1e-6
    True
    """
    beta = _beta(beta)
    points, samples, replicas = _check("points", points, 16), _check("samples", samples, 1), _check(
        "replicas", replicas, 1)
    pool_size, pool_generations = _check("pool_size", pool_size, 2), _check("pool_generations", pool_generations, 1)
    if not model.has_quadrature:
        raise ConfigError(f"no quadrature of the tilted operator for {model.title} ({model.label()}); use the "
                          f"tilted population")
    t0 = time.perf_counter()
    estimates, changes = [], []
    for r in range(replicas):
        path = _path(model, pool_size, pool_generations, seed, r)
        kernel = path.quadrature(beta, samples, _key(seed, r, _SAMPLES, 0))
        if kernel.W < 2e-6 * kernel.scale:  # F_x is a difference of two integrals of F_y, divided by W
            raise ConfigError(f"W = {kernel.W:g} is below 1e-6 of the spread of R ({kernel.scale:.3g}): the "
                              f"quadrature's law of E - eps - R loses its digits; use the tilted population")
        fine, coarse = (math.log(perron_eigenvalue(kernel.matrix(n))) for n in (points, 2 * (points // 4)))
        estimates.append(fine)
        changes.append(fine - coarse)
    settings = {"points": points, "samples": samples, "replicas": replicas, "pool_size": pool_size,
                "pool_generations": pool_generations, "seed": seed}
    grid = max(abs(c) for c in changes) + PERRON_TOLERANCE
    return _combine(beta, estimates, "quadrature", confidence, settings, time.perf_counter() - t0, (grid, grid))


def estimator(method):
    """The estimator of ln(K lambda(beta)) a ``method`` names: ``quadrature_growth`` or ``tilted_growth``."""
    estimate = {"quadrature": quadrature_growth, "population": tilted_growth}.get(method)
    if estimate is None:
        raise ConfigError(f"unknown method {method!r}; choose quadrature or population")
    return estimate


def _scanner(model_at, beta, parameter_scan, progress, method, **settings):
    """``at(p)``: the estimate at parameter p, recorded with ``settings["parameter"] = p`` in ``parameter_scan``
    and told to ``progress`` (the scans of ``find_bracket`` and ``critical_point``)."""
    estimate = estimator(method)

    def at(p):
        g = estimate(model_at(p), beta, **settings)
        g = dataclasses.replace(g, settings=dict(g.settings, parameter=p))
        parameter_scan.append(g)
        if progress is not None:
            progress(g)
        return g

    return at


def tilted_spectrum(model, betas, method="population", **settings):
    """A ``popdyn.spectrum.Spectrum`` from estimates of ln(K lambda(beta)) on a grid of beta.

    ln(K lambda) is convex in beta; between grid points it is a cubic spline. The spectrum is
    known on the grid's span only (``beta_min`` and ``beta_max`` are its ends, ``data_end``):
    outside it ``ln_m`` is nan, neither extrapolated nor clipped, and ``typical_growth`` refuses
    a minimizer that lies at or beyond either end (extend the grid). With one seed for every
    beta the estimates share their random streams, so the spline is smooth. ``typical_growth``
    and ``zero_growth`` of ``popdyn.spectrum`` then give v, beta* and the transition of any model.

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> from popdyn.spectrum import exact_growth, typical_growth
    >>> betas = [0.05 * k for k in range(1, 9)]
    >>> s = tilted_spectrum(BAATree(lam=0.1, T=0.35), betas, size=20000, steps=10, burn_in=0)
    >>> abs(typical_growth(s).v - exact_growth(BAATree(lam=0.1, T=0.35)).v) < 0.05
    True
    """
    from scipy.interpolate import CubicSpline

    from .spectrum import Spectrum

    betas = np.asarray(sorted(float(b) for b in betas))
    if betas.size < 4 or betas[0] <= 0.0 or betas[-1] >= 1.0:
        raise ConfigError("tilted_spectrum needs at least 4 values of beta in (0, 1)")
    estimate = estimator(method)
    values = [estimate(model, b, **settings).ln_growth for b in betas]
    spline = CubicSpline(betas, values)
    lo, hi = float(betas[0]), float(betas[-1])

    def known(beta, order=0):
        beta = np.asarray(beta, dtype=float)
        inside = (beta >= lo) & (beta <= hi)
        return np.where(inside, spline(np.clip(beta, lo, hi), order), np.nan)  # nan outside: no data there

    return Spectrum(ln_m=known, beta_max=hi, beta_min=lo, data_end=True, dln_m=lambda b: float(known(b, 1)),
                    d2ln_m=lambda b: float(known(b, 2)))


def perron_eigenvalue(matrix):
    """The largest eigenvalue of a nonnegative irreducible matrix (its Perron root), by Arnoldi iteration.

    The root is real and has the largest real part of all eigenvalues (power iteration alone can
    stall: the tilted operators have a negative eigenvalue close to it in modulus).

    Examples
    --------
    >>> round(perron_eigenvalue(np.array([[2.0, 1.0], [1.0, 2.0]])), 12)
    3.0
    """
    from scipy.sparse.linalg import eigs

    if matrix.shape[0] < 16:
        return float(max(np.linalg.eigvals(matrix).real))
    start = np.ones(matrix.shape[0])  # ARPACK's default start is random: the result would change in its last bits
    value = eigs(matrix, k=1, which="LR", tol=PERRON_TOLERANCE, v0=start, return_eigenvectors=False)[0]
    return float(value.real)


@dataclass(frozen=True)
class CriticalPoint:
    """Where ln(K lambda(beta)) of a family of models crosses zero, with an interval from the replicas.

    Attributes
    ----------
    parameter : str
        The name of the parameter scanned (``W`` for the Anderson model).
    value : float
        The mean over replicas of each replica's root.
    interval : ConfidenceInterval
        Student-t interval over the replicas' roots.
    replicas : tuple of float
        Each replica's root: its own estimate at the point of the scan closest to the root,
        moved along the slope of the scan (the estimates share their random streams across the
        parameter, so the scan is smooth in it).
    scan : tuple of TiltedGrowth
        Every estimate made, in order, with ``settings["parameter"]`` its parameter value.
    systematic : tuple of float
        ``(below, above)``: the systematic errors of the estimate at the closest point
        (``TiltedGrowth.systematic``), carried to the root along the slope of the scan; inside
        ``interval``.
    """

    parameter: str
    value: float
    interval: ConfidenceInterval
    replicas: tuple
    scan: tuple
    beta: float
    method: str
    confidence: float
    wall_s: float
    systematic: tuple = (0.0, 0.0)

    def __post_init__(self):
        # a caller may build the root from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "interval", as_interval(self.interval))

    @property
    def stderr(self):
        return sample_mean(self.replicas).stderr

    def to_dict(self):
        """The root as JSON-ready Python: intervals as [low, high], null for nan (one replica's stderr)."""
        return json_safe({self.parameter + "_c": self.value, "interval": list(self.interval),
                          "stderr": self.stderr, "confidence": self.confidence, "replicas": list(self.replicas),
                          "beta": self.beta, "method": self.method,
                          "settings": dict(self.scan[0].settings, parameter=None) if self.scan else {},
                          "systematic": list(self.systematic), "scan": [g.to_dict() for g in self.scan],
                          "wall_s": self.wall_s})

    def summary(self):
        lo, hi = self.interval
        return (f"{self.parameter}_c = {self.value:.4f} [{lo:.4f}, {hi:.4f}] ({self.confidence:.0%}, "
                f"{len(self.replicas)} replicas, {self.method}, {len(self.scan)} evaluations, {self.wall_s:.0f} s)")


@dataclass(frozen=True)
class Bracket:
    """Where ln(K lambda(beta)) of a family of models changes sign, found by ``find_bracket``.

    Attributes
    ----------
    lo, hi : float
        Two values of the parameter, lo < hi, on either side of a root: ln K lambda falls through 0
        between them, or (found by the upward walk, a re-entrant window) rises through it.
    scan : tuple of TiltedGrowth
        Every estimate made, in order, with ``settings["parameter"]`` its parameter value.
    factor : float
        1, or the factor by which the found bracket was widened (``widened``).
    """

    lo: float
    hi: float
    scan: tuple
    factor: float = 1.0

    def widened(self, factor):
        """The bracket [lo / factor, hi * factor]: where a finer look saw one sign on this one."""
        return dataclasses.replace(self, lo=self.lo / factor, hi=self.hi * factor, factor=self.factor * factor)

    def to_dict(self):
        return json_safe({"lo": self.lo, "hi": self.hi, "scan": [{"parameter": g.settings["parameter"],
                                                                 "growth": g.growth} for g in self.scan]})

    def summary(self):
        if self.factor != 1.0:
            return (f"the full settings see one sign on the coarse bracket; widened to [{self.lo:g}, {self.hi:g}]")
        return f"bracket [{self.lo:g}, {self.hi:g}] from {len(self.scan)} coarse evaluations"


def find_bracket(model_at, start, beta=0.5, method="quadrature", factor=1.6, lowest=None, highest=None,
                 parameter="W", progress=None, **settings):
    """A bracket of the root of ln(K lambda(beta)) in a parameter along which the growth falls (the disorder W).

    From ``start`` the parameter moves by ``factor`` (up while ln K lambda > 0, down while it is
    < 0) until the sign changes: the last two points are the bracket. Where no sign change lies
    within [``lowest``, ``highest``] (default: start / 10^3 and start * 10^3) the answer is a
    ConfigError that says which side every point was on: no transition in the range. A window of
    the other sign narrower than one step can be missed (the transition at fixed E outside the
    clean band is re-entrant); ``critical_point`` then checks the bracket with its own settings.

    Parameters
    ----------
    model_at : callable
        p -> model.
    start : float
        A first guess of the root (the Anderson model: ``AndersonTree.critical_disorder_guess``).
    settings
        Of the estimator (``quadrature_growth`` or ``tilted_growth``): a coarse look suffices.

    Examples
    --------
    >>> from popdyn.models import AndersonTree
    >>> b = find_bracket(lambda W: AndersonTree(W=W), 10.0, points=200, samples=50_000, replicas=2,
    ...                  pool_size=20_000, pool_generations=20)
    >>> b.lo < 18.17 < b.hi
    True
    """
    estimator(method)  # an unknown method before any other check
    start, factor = float(start), float(factor)
    if not (start > 0.0 and factor > 1.0):
        raise ConfigError(f"find_bracket needs start > 0 and factor > 1, got {start:g} and {factor:g}")
    lowest = start / 1e3 if lowest is None else float(lowest)
    highest = start * 1e3 if highest is None else float(highest)
    if not lowest <= highest:
        raise ConfigError(f"no {parameter} to search: the range [{lowest:.3g}, {highest:.3g}] is empty")
    scan = []
    scanned = _scanner(model_at, beta, scan, progress, method, **settings)

    def at(p):
        return scanned(p).ln_growth

    start = min(max(start, lowest), highest)
    first = at(start)

    def walk(step, stop):
        """Steps from ``start`` until the sign changes (the bracket) or ``stop(values)`` or the range ends."""
        p, f, values = start, first, [first]
        while lowest <= p * step <= highest and not stop(values):
            q = p * step
            g = at(q)
            if (g > 0.0) != (f > 0.0):
                return Bracket(*sorted((p, q)), tuple(scan))
            p, f = q, g
            values.append(g)
        return None

    if first > 0.0:  # more disorder localizes: up until K lambda < 1
        found = walk(factor, lambda values: False)
    else:  # down until K lambda > 1; failing that, up, for a window where the disorder first brings states to
        # the energy and then localizes them (outside the clean band), until the growth has fallen twice
        found = walk(1.0 / factor, lambda values: False) or walk(
            factor, lambda values: len(values) > 2 and values[-1] < values[-2] < values[-3])
    if found is not None:
        return found
    tried = [g.settings["parameter"] for g in scan]
    side = "above" if first > 0.0 else "below"
    raise ConfigError(f"K lambda({beta:g}) is {side} 1 at every {parameter} tried from {min(tried):.3g} to "
                      f"{max(tried):.3g} ({len(scan)} evaluations): no transition found in "
                      f"[{lowest:.3g}, {highest:.3g}]")


def critical_point(model_at, lo, hi, parameter="W", beta=0.5, method="quadrature", tolerance=None,
                   confidence=0.95, progress=None, **settings):
    """The root in ``parameter`` of ln(K lambda(beta)) = 0 for the models ``model_at(p)``, p in (lo, hi).

    At beta = 1/2 this is the localization transition of a model with the symmetry
    lambda(beta) = lambda(1 - beta) (the Anderson model: K lambda(1/2) = 1, BACKGROUND section 2).
    Every estimate uses the same seed, so the random streams are shared across the parameter
    and the scan is smooth in it; a secant search (Illinois) on the replicas' mean narrows the
    bracket until its sign is no longer resolved, then each replica's root is read off its
    estimate at the closest point and the slope of the scan.

    Parameters
    ----------
    model_at : callable
        p -> model.
    lo, hi : float
        A bracket: ln(K lambda) must change sign between them.
    method : {"quadrature", "population"}
        ``quadrature_growth`` or ``tilted_growth``; ``settings`` go to it.
    tolerance : float or None
        Stop narrowing once the bracket is this narrow (default 1e-3 of its start).
    progress : callable or None
        Called with each new ``TiltedGrowth``.
    """
    estimator(method)  # an unknown method before any other check
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise ConfigError(f"the bracket needs lo < hi, got [{lo:g}, {hi:g}]")
    tolerance = 1e-3 * (hi - lo) if tolerance is None else float(tolerance)
    t0 = time.perf_counter()
    scan = []
    at = _scanner(model_at, beta, scan, progress, method, confidence=confidence, **settings)
    a, b = at(lo), at(hi)
    if a.ln_growth * b.ln_growth > 0.0:
        raise NoRootError(f"K lambda({beta:g}) - 1 has the same sign at {parameter} = {lo:g} and {hi:g} "
                          f"({a.growth:.4f}, {b.growth:.4f}): no transition in the bracket", (a, b))
    pa, pb, fa, fb, side = lo, hi, a.ln_growth, b.ln_growth, 0
    for _ in range(40):
        if pb - pa <= tolerance:
            break
        p = (pa * fb - pb * fa) / (fb - fa)
        p = min(max(p, pa + 0.01 * (pb - pa)), pb - 0.01 * (pb - pa))  # stay strictly inside
        f = at(p).ln_growth
        noise = 3.0 * scan[-1].stderr if math.isfinite(scan[-1].stderr) else 0.0
        if f * fa > 0.0:
            pa, fa = p, f
            fb = fb / 2.0 if side == -1 else fb  # Illinois: halve the end that stays
            side = -1
        else:
            pb, fb = p, f
            fa = fa / 2.0 if side == 1 else fa
            side = 1
        if abs(f) <= noise:  # the sign is no longer resolved: the bracket is as narrow as the noise allows
            break
    # Each replica's root from its own estimate at the point closest to the root, moved along the
    # slope of the scan's means over the final bracket (the slope enters only at second order there).
    inside = [g for g in scan if pa <= g.settings["parameter"] <= pb]
    slope = np.polyfit([g.settings["parameter"] for g in inside], [g.ln_growth for g in inside], 1)[0]
    closest = min(scan, key=lambda g: abs(g.ln_growth))
    roots = [closest.settings["parameter"] - y / slope for y in closest.replicas]
    # ln K lambda anywhere in [y - below, y + above] moves the root by -(that) / slope
    below, above = closest.systematic
    shifts = (below / slope, -above / slope)
    combined = _combine(beta, roots, method, confidence, {}, 0.0, (max(0.0, -min(shifts)), max(0.0, max(shifts))))
    return CriticalPoint(parameter, combined.ln_growth, combined.interval, combined.replicas, tuple(scan), beta,
                         method, confidence, time.perf_counter() - t0, combined.systematic)
