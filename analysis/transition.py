"""The transition read off populations: Tc_N where the measured growth v_N(T) crosses 0.

At each temperature the growth v = 2 ln Lambda of several seeds is averaged (standard error
from their scatter, or the HAC error of a single seed). Near the crossing v_N is close to
linear in ln T, so a weighted straight line v = a + b ln T through the points gives
Tc_N = exp(-a / b); its interval comes from a parametric bootstrap of the per-temperature
means. The exact v is not quite linear in ln T (dv/d ln T = 1/beta*, and beta* moves with T):
``degree=2`` fits a parabola instead, and the difference of the two read-offs measures what
the straight-line model costs. A finite population biases v_N low (BACKGROUND section 3), so Tc_N lies above the
exact Tc: the report puts the two side by side.
"""

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from popdyn.errors import ConfigError, UnfinishedError
from popdyn.results import ConfidenceInterval, as_interval, json_safe, sample_mean

from .growth import check_distinct_seeds, fit_growth


@dataclass(frozen=True)
class TransitionEstimate:
    """Tc_N of a population of N samples, beside the exact Tc.

    Attributes
    ----------
    Tc : float
        Where the fitted v_N(T) crosses 0.
    interval : ConfidenceInterval
        Parametric-bootstrap interval at ``confidence`` (nan without a bootstrap).
    slope : float
        dv/d ln T of the fit at Tc_N.
    points : pandas.DataFrame
        Per temperature: ``T``, ``v`` (mean over seeds), ``stderr``, ``seeds``.
    exact_Tc : float or None
    size : int or None
    lam : float or None
    bracketed : bool
        Whether the points change sign (otherwise Tc_N is an extrapolation).
    confidence : float
    degree : {1, 2}
        Straight line or parabola in ln T.
    """

    Tc: float
    interval: ConfidenceInterval
    slope: float
    points: pd.DataFrame
    exact_Tc: float = None
    size: int = None
    lam: float = None
    bracketed: bool = True
    confidence: float = 0.95
    degree: int = 1

    def __post_init__(self):
        # a caller may build the estimate from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "interval", as_interval(self.interval))

    def to_dict(self):
        """The estimate as JSON-ready Python: the interval as [low, high], ``points`` as a list of records."""
        return json_safe({"Tc": self.Tc, "interval": self.interval, "confidence": self.confidence,
                          "slope": self.slope, "degree": self.degree, "bracketed": self.bracketed,
                          "exact_Tc": self.exact_Tc, "size": self.size, "lam": self.lam,
                          "points": self.points.to_dict("records"),
                          "Tc_N": self.Tc})  # schema 1's name of Tc (popdyn transition --json), kept until 0.3

    def summary(self, points=True):
        """The points (``points=True``, as ``popdyn transition`` prints them) and a line with Tc_N and the exact Tc."""
        lo, hi = self.interval
        model = "line" if self.degree == 1 else "parabola"
        text = (f"population Tc_N = {self.Tc:.5g}, {self.confidence:.0%} interval [{lo:.5g}, {hi:.5g}] "
                f"(N = {self.size}, {len(self.points)} temperatures, {model} in ln T, dv/dlnT = {self.slope:.3g})")
        if self.exact_Tc is not None:
            text += f"; exact Tc = {self.exact_Tc:.6g}, Tc_N / Tc = {self.Tc / self.exact_Tc:.4f}"
        if not self.bracketed:
            text += "; WARNING: v_N does not change sign over these temperatures, Tc_N is extrapolated"
        if points:
            text = self.points.to_string(index=False, float_format=lambda x: f"{x:.5g}") + "\n" + text
        return text


def _root(lnT, v, w, degree):
    """The zero of the weighted polynomial fit of v in ln T, and the slope there.

    For a parabola, the real zero nearest the straight line's (nan when it has none).
    """
    coef = np.polyfit(lnT, v, degree, w=w)
    if degree == 1:
        return -coef[1] / coef[0], coef[0]
    anchor = _root(lnT, v, w, 1)[0]
    roots = np.roots(coef)
    roots = roots[np.abs(roots.imag) < 1e-12].real
    if roots.size == 0:
        return float("nan"), float("nan")
    x = roots[np.argmin(np.abs(roots - anchor))]
    return x, np.polyval(np.polyder(coef), x)


def _deviates(rng, dof):
    """Student-t deviates with ``dof`` degrees of freedom, normal where dof is inf.

    (numpy's standard_t(inf) is nan, not a normal deviate.)
    """
    out = rng.standard_normal(dof.size)
    finite = np.isfinite(dof)
    out[finite] = rng.standard_t(dof[finite])
    return out


def crossing(points, confidence=0.95, n_bootstrap=2000, seed=0, exact_Tc=None, size=None, lam=None, degree=1,
             parameter="T"):
    """Tc_N from per-temperature growth rates.

    Parameters
    ----------
    points : pandas.DataFrame
        Columns ``T`` (or the ``parameter`` scanned), ``v`` and ``stderr`` (at least two
        temperatures, stderr > 0), and optionally ``seeds`` (the stderr then comes from that
        many seeds: Student-t deviates).
    degree : {1, 2}
        Straight line or parabola in ln T (a parabola needs four temperatures: three would
        leave no error to fit).
    n_bootstrap : int
        Bootstrap replicas of the interval (0: the point estimate only, interval nan).
    parameter : str
        The column of the parameter crossed (the model's ``transition_parameter``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"T": [1.5, 2.0, 2.5], "v": [-0.3, 0.0, 0.25], "stderr": [0.05, 0.05, 0.05]})
    >>> round(crossing(p).Tc, 3)
    1.988
    """
    p = points.sort_values(parameter).reset_index(drop=True)
    if degree not in (1, 2):
        raise ValueError(f"degree must be 1 or 2, got {degree!r}")
    if len(p) < 2 + 2 * (degree - 1):
        raise ValueError(f"a crossing of degree {degree} needs growth rates at {2 + 2 * (degree - 1)} temperatures")
    if not np.all(p["stderr"] > 0):
        raise ValueError("every temperature needs a positive standard error (two seeds, or a HAC error)")
    lnT, v, se = np.log(p[parameter].to_numpy()), p["v"].to_numpy(), p["stderr"].to_numpy()
    # a standard error from k seeds is itself uncertain: draw Student-t(k - 1) deviates, normal for HAC errors
    dof = (p["seeds"].to_numpy() - 1.0) if "seeds" in p else np.full(len(p), np.inf)
    dof = np.where(dof >= 1, dof, np.inf)
    root, slope = _root(lnT, v, 1 / se, degree)
    rng = np.random.default_rng(seed)
    roots = np.array([_root(lnT, v + se * _deviates(rng, dof), 1 / se, degree)[0] for _ in range(n_bootstrap)])
    a = 1 - confidence
    # a parabola may miss the axis in a few replicas: those count as outside, half on each side
    roots = np.where(np.isnan(roots), np.inf * np.sign(np.arange(roots.size) % 2 - 0.5), roots)
    quantiles = np.quantile(roots, [a / 2, 1 - a / 2], method="inverted_cdf") if n_bootstrap else [math.nan] * 2
    lo, hi = np.exp(quantiles)
    bracketed = bool(v.min() < 0 < v.max())
    return TransitionEstimate(float(math.exp(root)), ConfidenceInterval(float(lo), float(hi)), float(slope), p,
                              exact_Tc, size, lam, bracketed, confidence, degree)


def finished_runs(paths):
    """The runs of run and sweep directories, each sweep standing for all its points; every run finished.

    Parameters
    ----------
    paths : iterable of path
        Run directories (``popdyn.run``) and sweep directories (``popdyn.sweeps.sweep``), in order.

    Returns
    -------
    list of popdyn.runs.Run

    Raises
    ------
    popdyn.errors.UnfinishedError
        A run not complete, or a sweep with a point not started (carrying the path and how far it is).
    popdyn.errors.DirectoryInUse
        A sweep that a process is writing now.
    """
    from popdyn import runs, sweeps

    loaded = []
    for d in paths:
        if not sweeps.is_sweep(d):
            loaded.append(runs.load(d))
            continue
        directories = sweeps.point_directories(d)  # a sweep stands for all its points, finished first
        try:  # asked before its points are read: a sweep under way is in use, not damaged
            sweeps.SweepLock(d).check_free()
        except ConfigError as exc:
            raise type(exc)(f"{exc}; Tc_N is read off finished runs only") from None
        for path in directories:
            if not (path / "config.json").exists():
                raise UnfinishedError(d, path.name)
        started, busy = sweeps.survey(d, directories)
        if busy:
            raise next(iter(busy.values()))
        loaded.extend(started[path] for path in directories)
    for r in loaded:
        if r.status != "complete":
            done = int(r.table["n"].max())
            raise UnfinishedError(r.path, status=r.status, done=done, generations=r.generations)
    return loaded


def transition_from_runs(runs, burn_in=None, column="ln_gamma_mle", confidence=0.95, degree=1):
    """Tc_N from runs of the term recursion across the model's transition parameter (seeds are combined).

    The runs share a model and every parameter of it but its ``transition_parameter`` (T for the
    BAA tree: one lam, recursion and coordination), and their population size N; the model
    gives the exact transition beside the estimate (``exact_transition``). ``degree`` is that
    of ``crossing``: a straight line (1) or a parabola (2) in ln T.
    """
    if not runs:
        raise ValueError("no runs given")
    models = {r.model.name: r.model for r in runs}
    for model in models.values():
        if model.transition_parameter is None:
            raise ValueError(f"no transition is read off runs of the {model.name} model (it has no transition "
                             f"parameter to scan)")
    if len(models) != 1:
        raise ValueError(f"the runs of a transition are of one model; got {', '.join(sorted(models))}")
    first = next(iter(models.values()))
    parameter = first.transition_parameter

    def shared(r):
        return json.dumps({**{k: v for k, v in r.model.to_dict().items() if k != parameter}, "N": r.size})

    keys = {shared(r): r for r in runs}
    if len(keys) != 1:
        others = [p.name for p in first.parameters if p.name != parameter]
        raise ValueError(f"the runs of a transition must share {', '.join(others)} and N (all but {parameter}); got "
                         + "; ".join(" ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                              for k, v in json.loads(key).items()) for key in sorted(keys)))
    prototype = next(iter(keys.values()))
    model, size = prototype.model, prototype.size
    if model.recursion != "term":
        raise ValueError(f"the transition is read off the term recursion, not {model.recursion!r}")
    at = {}
    for r in runs:
        at.setdefault(getattr(r.model, parameter), []).append(r)
    for value, group in at.items():  # before any fit: a repeated seed is refused at once
        check_distinct_seeds([(r.seed, r.path if r.path is not None else "a run in memory") for r in group],
                             f"{parameter} = {value:g}, N = {size}")
    rows = []
    for r in runs:
        g = fit_growth(r.table, column, burn_in=burn_in, size=r.size, run=r.path)
        rows.append({parameter: getattr(r.model, parameter), "v": g.v, "hac_stderr": g.stderr})
    points = []
    for value, group in pd.DataFrame(rows).groupby(parameter):
        m = sample_mean(group["v"])
        # one seed has no scatter: its own HAC error stands in for the standard error
        points.append({parameter: value, "v": m.mean, "seeds": m.n,
                       "stderr": m.stderr if m.n > 1 else float(group["hac_stderr"].iloc[0])})
    points = pd.DataFrame(points)
    exact = model.exact_transition()
    return crossing(points, confidence=confidence, exact_Tc=exact.Tc if exact is not None else None, size=size,
                    lam=getattr(model, "lam", None), degree=degree, parameter=parameter)
