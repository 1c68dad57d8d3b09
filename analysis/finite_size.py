"""How far a population of N samples is from the exact tree answer (BACKGROUND section 3).

For each N and each temperature T = r Tc: the growth v_N of ln gamma_n (``fit_growth``, mean
over seeds), beside the exact v and the Brunet-Derrida predictions with L = ln N and with
L = ln N + 3 ln ln N; per N, the population's Tc_N (``crossing`` over the temperatures); and,
per temperature, the extrapolation v_N = v_inf - c / L^2 (least squares in 1/L^2 with the
errors of means over a few seeds), whose v_inf is to be compared with the exact v.
"""

import contextlib
import math
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.stats

import popdyn
from popdyn.parallel import map_unordered
from popdyn.results import ConfidenceInterval, as_interval, json_safe, sample_mean
from popdyn.spectrum import brunet_derrida_L, exact_growth

from .growth import check_distinct_seeds, fit_growth
from .transition import crossing


#: Columns of the per-run table of a study (one row per lam, T / Tc, N, seed and run length).
RUN_COLUMNS = ("lam", "T_over_Tc", "T", "N", "seed", "generations", "v", "hac_stderr", "wall_s")
RUN_KEY = ("lam", "T_over_Tc", "N", "seed", "generations")


def run_grid(lam, sizes, ratios, seeds, generations):
    """The keys (``RUN_KEY`` order) of every run a study of these parameters needs.

    Cheapest N first, and within an N seed by seed, so that a study stopped part-way holds every
    temperature of its largest N with as many seeds as it had time for.
    """
    return [(float(lam), float(r), int(N), int(s), int(generations))
            for N in sorted(sizes) for s in seeds for r in ratios]


def study_model(prototype, lam, ratio=None):
    """The model of a study at ``lam`` (and at T = ``ratio`` Tc): the ``prototype``'s other parameters kept.

    A study varies lam and T of any model that has them and knows its exact transition
    (``exact_transition``); the prototype (None: the BAA tree's term recursion) fixes the rest.
    """
    model = (prototype if prototype is not None else popdyn.BAATree(lam=lam, T=1.0)).at(lam=lam)
    if ratio is None:
        return model
    return model.at(T=ratio * exact_tc(model))


def exact_tc(model):
    """The exact Tc of a model at its lam (``model.exact_transition().Tc``); ValueError when it knows none."""
    exact = model.exact_transition()
    if exact is None:
        raise ValueError(f"the {model.name} model has no exact transition: a finite-population study places its "
                         f"temperatures at T / Tc")
    return exact.Tc


def study_run(key, threads=None, prototype=None):
    """Run the term recursion for one key of ``run_grid`` and fit its growth: one row of ``RUN_COLUMNS``.

    The unit of work of a study: picklable, self-contained, and returning a row, not a population
    (so it runs on any executor's worker; nothing is written). ``v`` is the growth of ln gamma_n
    (``fit_growth`` on the Levy-scale MLE, second half of the run), ``hac_stderr`` its HAC
    standard error; ``threads`` is numba's thread count (the bits do not depend on it);
    ``prototype`` the model whose lam and T the key sets (``study_model``).
    """
    lam, r, N, seed, generations = key
    model = study_model(prototype, lam, r)
    t0 = time.perf_counter()
    run = popdyn.run(model, size=N, generations=generations, seed=seed, threads=threads, progress=False)
    g = fit_growth(run.table, "ln_gamma_mle", size=N, run=f"the run lam={lam:g} T/Tc={r:g} N={N} seed={seed}")
    ran = run.config.provenance  # where it ran (a worker of a cluster may run other code than the caller)
    return {"lam": lam, "T_over_Tc": r, "T": model.T, "N": N, "seed": seed, "generations": generations,
            "v": g.v, "hac_stderr": g.stderr, "wall_s": time.perf_counter() - t0,
            "git_commit": ran["git_commit"], "threads": ran["threads"]}


def finite_population_runs(keys, on_run=None, executor=None, threads=None, prototype=None):
    """``study_run`` for each key of ``run_grid``: one row per run, in the order the runs finish.

    Parameters
    ----------
    keys : iterable of tuple
        ``(lam, T_over_Tc, N, seed, generations)``; T = T_over_Tc * Tc(lam), exact.
    on_run : callable or None
        Called with each row as soon as its run is fitted (the caller may save it: a long study
        interrupted keeps every finished run).
    executor : None, concurrent.futures executor, distributed.Client or map function
        Where the runs go (``popdyn.parallel.map_unordered``): a ``ProcessPoolExecutor``, a Dask
        client (every worker busy, lost workers' runs retried) or its ``get_executor()``; None
        runs them one by one in this process. Dask is imported only by a caller that made a client.
    threads : int or None
        Numba threads of each run.
    prototype : model or None
        The model whose lam and T each key sets (``study_model``; None: the BAA tree).

    Returns
    -------
    list of dict
        Rows with ``RUN_COLUMNS`` (and the ``git_commit`` and numba ``threads`` they ran with);
        the same bits wherever and in whatever order they ran.

    Raises
    ------
    popdyn.WorkError
        A run failed on its worker (lost past the retries, out of memory, another code there);
        the rows before it were passed to ``on_run``. In this process (no executor) a run's
        own exception is raised as it is.
    """
    outcomes = map_unordered(executor, study_run, list(keys), threads, prototype,
                             label=lambda key: "study-lam{:g}-r{:g}-N{}-s{}-G{}".format(*key))
    rows = []
    with contextlib.closing(outcomes) as finished:  # closed here, while the executor is open: the rest is cancelled
        for key, row in finished:
            if isinstance(row, BaseException):
                if executor is None:
                    raise row
                raise popdyn.WorkError(f"the run lam={key[0]:g} T/Tc={key[1]:g} N={key[2]} seed={key[3]} failed "
                                       f"on its worker: {type(row).__name__}: {row}") from row
            rows.append(row)
            if on_run is not None:
                on_run(row)
    return rows


def study_from_runs(runs, prototype=None):
    """Combine per-run rows (``RUN_COLUMNS``) into one row per (T / Tc, N), beside the exact answer.

    ``prototype``: the model of the runs (``study_model``; None: the BAA tree), which gives the exact answer.

    Returns
    -------
    pandas.DataFrame
        Columns: lam, T_over_Tc, T, N, v_N (mean over seeds), stderr (their standard error),
        seeds, v_exact, v_bd, v_bd_refined (Brunet-Derrida with L = ln N and L = ln N + 3 ln ln N),
        gap (v - v_N) and bd_share (the share of the gap the refined prediction explains).
    """
    runs = pd.DataFrame(runs, columns=list(RUN_COLUMNS))
    if runs["lam"].nunique() != 1:
        raise ValueError("a study holds one lam; got " + ", ".join(f"{x:g}" for x in sorted(runs["lam"].unique())))
    lam = float(runs["lam"].iloc[0])
    rows = []
    for (r, N), group in runs.groupby(["T_over_Tc", "N"], sort=True):
        check_distinct_seeds([(int(row.seed), f"the run lam={lam:g} T/Tc={r:g} N={N} seed={row.seed} "
                               f"generations={row.generations}") for row in group.itertuples()],
                             f"lam={lam:g} T/Tc={r:g}, N = {N}")
        exact = exact_growth(study_model(prototype, lam).at(T=float(group["T"].iloc[0])))
        v = sample_mean(group["v"])
        v_n = v.mean
        gap = exact.v - v_n
        refined = exact.finite_population(N, refined=True)
        rows.append({"lam": lam, "T_over_Tc": r, "T": float(group["T"].iloc[0]), "N": int(N), "v_N": v_n,
                     "stderr": v.stderr, "seeds": v.n, "v_exact": exact.v, "v_bd": exact.finite_population(N, refined=False),
                     "v_bd_refined": refined, "gap": gap,
                     "bd_share": (exact.v - refined) / gap if gap != 0 else float("nan")})
    return pd.DataFrame(rows)


def finite_population_study(lam, sizes, ratios=(1.0, 1.3), seeds=(1, 2, 3), generations=200, prototype=None,
                            executor=None):
    """Run the term recursion at T = r Tc for every N and seed; one row per (r, N) (``study_from_runs``).

    ``prototype``: the model studied (``study_model``; None: the BAA tree); ``executor``: where the runs go
    (``finite_population_runs``; None: one by one in this process).

    Examples
    --------
    >>> study = finite_population_study(0.1, sizes=(300, 600), ratios=(1.3,), seeds=(1, 2), generations=16)
    >>> study[["T_over_Tc", "N", "seeds"]].values.tolist()
    [[1.3, 300.0, 2.0], [1.3, 600.0, 2.0]]
    """
    return study_from_runs(finite_population_runs(run_grid(lam, sizes, ratios, seeds, generations),
                                                  executor=executor, prototype=prototype), prototype)


def population_tc(study, prototype=None):
    """Tc_N for each N of a study (over its temperatures): a DataFrame with the interval and Tc_N/Tc.

    ``Tc_N`` reads the crossing off a straight line in ln T; with four temperatures or more,
    ``Tc_N_parabola`` reads it off a parabola, and the difference is the model's share of the error.
    ``prototype``: the model of the study (``study_model``; None: the BAA tree), which gives the exact Tc.
    """
    rows = []
    for N, group in study[study["stderr"] > 0].groupby("N"):  # a single seed has no error: left out
        if len(group) < 2:
            continue
        points = group[["T", "v_N", "stderr", "seeds"]].rename(columns={"v_N": "v"})
        exact_Tc = exact_tc(study_model(prototype, group["lam"].iloc[0]))
        est = crossing(points, exact_Tc=exact_Tc, size=N)
        row = {"N": N, "Tc_N": est.Tc, "lo": est.interval[0], "hi": est.interval[1],
               "Tc_N_over_Tc": est.Tc / exact_Tc, "bracketed": est.bracketed}
        if len(points) >= 4:
            row["Tc_N_parabola"] = crossing(points, exact_Tc=exact_Tc, size=N, degree=2, n_bootstrap=0).Tc
        rows.append(row)
    return pd.DataFrame(rows, columns=["N", "Tc_N", "lo", "hi", "Tc_N_over_Tc", "bracketed"] + (
        ["Tc_N_parabola"] if any("Tc_N_parabola" in r for r in rows) else []))


def _line_to_zero(x, v, se, seeds, confidence, rng, n_bootstrap):
    """v = v_inf + slope x by least squares, with the errors of means over a few seeds.

    Weights 1/se^2 would trust a point whose 2 or 3 seeds happen to agree; the unweighted fit
    stays unbiased, and its v_inf = sum a_i v_i has the variance sum a_i^2 se_i^2 with
    Welch-Satterthwaite degrees of freedom. The lack of fit Q = sum r_i^2 / se_i^2 is referred
    to its null law by a parametric bootstrap that redraws the seeds' scatter as well (a plain
    chi-square would treat the se_i as exact and reject a right model four times too often).
    """
    X = np.column_stack([np.ones_like(x), x])
    A = np.linalg.pinv(X)  # (2, n): coefficients = A v
    v_inf, slope = A @ v
    share = A[0] ** 2 * se**2
    var = share.sum()
    dof = var**2 / np.sum(share**2 / (seeds - 1))
    half = scipy.stats.t.ppf(0.5 + confidence / 2, dof) * math.sqrt(var)
    H = X @ A
    q = np.sum((v - H @ v) ** 2 / se**2)
    z = rng.standard_normal((n_bootstrap, v.size)) * se
    se_star = se * np.sqrt(rng.chisquare(seeds - 1, (n_bootstrap, v.size)) / (seeds - 1))
    q_star = np.sum((z - z @ H.T) ** 2 / se_star**2, axis=1)
    return v_inf, slope, half, (1 + np.sum(q_star >= q)) / (n_bootstrap + 1)


def extrapolate(study, refined=True, confidence=0.95, n_bootstrap=4000, seed=0):
    """Per temperature: v_inf and c of v_N = v_inf - c / L^2, beside the exact v.

    Least squares in x = 1/L^2 (see ``_line_to_zero``): ``lo``, ``hi`` is the interval of v_inf
    at ``confidence``, ``fit_p`` the p-value of the lack of fit. A small ``fit_p`` says the 1/L^2
    form does not describe these N; a large one is weak evidence with 3 seeds a point (it
    flags an approach like 60/L, at the size of the measured gaps, in 9 % of studies with 3
    seeds, 65 % with 5, all with 10).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for r, group in study[study["stderr"] > 0].groupby("T_over_Tc"):
        if len(group) < 3:
            continue
        x = 1.0 / brunet_derrida_L(group["N"].to_numpy(), refined) ** 2
        v_inf, slope, half, p = _line_to_zero(x, group["v_N"].to_numpy(), group["stderr"].to_numpy(),
                                              group["seeds"].to_numpy(dtype=float), confidence, rng, n_bootstrap)
        rows.append({"T_over_Tc": r, "v_inf": float(v_inf), "lo": float(v_inf - half), "hi": float(v_inf + half),
                     "c": float(-slope), "v_exact": float(group["v_exact"].iloc[0]), "points": len(group),
                     "fit_p": float(p)})
    return pd.DataFrame(rows, columns=["T_over_Tc", "v_inf", "lo", "hi", "c", "v_exact", "points", "fit_p"])


@dataclass(frozen=True)
class SizeForTc:
    """The population size at which Tc_N comes within ``tolerance`` of the exact Tc.

    Attributes
    ----------
    N : float
        By the measured trend Tc_N/Tc - 1 = A (ln N)^s (a straight line of ln(Tc_N/Tc - 1) in
        ln ln N); the smallest N measured when every Tc_N is already within; inf when the
        trend does not fall.
    interval : ConfidenceInterval
        Parametric bootstrap over the Tc_N intervals, at ``confidence``.
    exponent : float
        The measured s; Brunet-Derrida's leading order says -2.
    tolerance, confidence : float
    already : bool
        Every measured Tc_N is within ``tolerance``.
    """

    N: float
    interval: ConfidenceInterval
    exponent: float
    tolerance: float
    confidence: float
    already: bool

    def __post_init__(self):
        # a caller may build the result from a plain pair; the field is the named interval all the same
        object.__setattr__(self, "interval", as_interval(self.interval))

    def to_dict(self):
        """The estimate as JSON-ready Python: the interval as [low, high], null for nan and inf.

        An N of null is one the trend could not give: not fitted, or not falling (``summary`` says which).
        """
        return json_safe({"N": self.N, "interval": self.interval, "exponent": self.exponent,
                          "tolerance": self.tolerance, "confidence": self.confidence, "already": self.already})

    def summary(self):
        if self.already:
            return f"every Tc_N measured is within {self.tolerance:.0%} of Tc, from N = {self.N:.3g} on"
        lo, hi = self.interval
        if math.isnan(self.N):
            return f"N for Tc_N within {self.tolerance:.0%} of Tc: the trend Tc_N/Tc - 1 ~ (ln N)^s could not be fitted"
        return (f"N for Tc_N within {self.tolerance:.0%} of Tc, by the measured trend Tc_N/Tc - 1 ~ (ln N)^s "
                f"(s = {self.exponent:.2f}; Brunet-Derrida: -2): {self.N:.3g}, "
                f"{self.confidence:.0%} interval [{lo:.3g}, {hi:.3g}]")


def _power_trend(x, excess, sd, start, iterations=50):
    """Fit excess = exp(c + s x) with weights 1/sd by Gauss-Newton, for many data sets at once.

    ``excess`` is (replicas, points), ``start`` (replicas, 2); returns (c, s) per replica, nan
    where the iteration did not settle.
    """
    p = np.array(start, dtype=float)
    with np.errstate(all="ignore"):  # a replica that runs off becomes nan and is reported so
        for _ in range(iterations):
            f = np.exp(p[:, :1] + p[:, 1:] * x) / sd  # the model, and the derivative in c, over sd
            r = f - excess / sd
            a00, a01, a11 = (f * f).sum(1), (f * f * x).sum(1), (f * f * x * x).sum(1)
            g0, g1 = (f * r).sum(1), (f * x * r).sum(1)
            det = a00 * a11 - a01 * a01
            step = np.column_stack([a01 * g1 - a11 * g0, a01 * g0 - a00 * g1]) / det[:, None]
            p = p + step
        settled = np.all(np.isfinite(p), axis=1) & (np.abs(step).max(axis=1) < 1e-8 * (1 + np.abs(p).max(axis=1)))
    return np.where(settled[:, None], p, np.nan)


def _size_at(c, slope, tolerance):
    """N where exp(c + slope ln ln N) = tolerance (inf when the trend does not fall, or beyond e^700)."""
    with np.errstate(all="ignore"):
        ln_ln_size = (math.log(tolerance) - c) / slope
        size = np.exp(np.exp(np.minimum(ln_ln_size, math.log(700.0))))
    return np.where(slope < 0, np.where(ln_ln_size < math.log(700.0), size, np.inf), np.inf)


def sizes_for_tc_within(tc_table, tolerance=0.10, confidence=0.95, n_bootstrap=1000, seed=0, tc_confidence=0.95):
    """The N where the population's Tc_N comes within ``tolerance`` of Tc, with an interval.

    Parameters
    ----------
    tc_table : pandas.DataFrame
        ``population_tc`` output: columns N, Tc_N, lo, hi, Tc_N_over_Tc.
    confidence : float
        Level of the interval returned.
    tc_confidence : float
        Level of the Tc_N intervals in ``tc_table`` (``crossing``'s, 95 %): their widths give
        the standard deviations that the parametric bootstrap draws from.

    Returns
    -------
    SizeForTc

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> N = np.array([1e3, 1e4, 1e5, 1e6]); ratio = 1 + 40 / np.log(N) ** 2
    >>> t = pd.DataFrame({"N": N, "Tc_N": ratio, "lo": ratio - 0.01, "hi": ratio + 0.01, "Tc_N_over_Tc": ratio})
    >>> est = sizes_for_tc_within(t)
    >>> print(f"ln N = {np.log(est.N):.4f}, s = {est.exponent:.4f}")   # (ln N)^2 = 40 / 0.1
    ln N = 20.0000, s = -2.0000
    """
    N = tc_table["N"].to_numpy(dtype=float)
    ratio = tc_table["Tc_N_over_Tc"].to_numpy(dtype=float)
    if np.all(np.abs(ratio - 1) < tolerance):
        return SizeForTc(float(N.min()), ConfidenceInterval(math.nan, math.nan), math.nan, tolerance, confidence, True)
    exact = tc_table["Tc_N"].to_numpy(dtype=float) / ratio
    z = statistics.NormalDist().inv_cdf(0.5 + tc_confidence / 2)
    sd = (tc_table["hi"].to_numpy(dtype=float) - tc_table["lo"].to_numpy(dtype=float)) / (2 * z) / exact
    # every point counts, those at or below Tc too (dropping them would bias s); the start is the
    # straight line of ln(ratio - 1) in ln ln N through the points above
    x = np.log(np.log(N))
    above = ratio > 1
    start = np.polyfit(x[above], np.log(ratio[above] - 1), 1)[::-1] if above.sum() >= 2 else (math.log(0.5), -2.0)
    (c, slope), = _power_trend(x, (ratio - 1)[None, :], sd, [start])
    size = float(_size_at(c, slope, tolerance)) if np.isfinite(c) else math.nan
    rng = np.random.default_rng(seed)
    replicas = ratio - 1 + sd * rng.standard_normal((n_bootstrap, N.size))
    fits = _power_trend(x, replicas, sd, np.tile([c, slope] if np.isfinite(c) else start, (n_bootstrap, 1)))
    sizes = np.where(np.isnan(fits[:, 0]), np.inf, _size_at(fits[:, 0], fits[:, 1], tolerance))  # unsettled: no bound
    a = 1 - confidence
    lo, hi = np.quantile(sizes, [a / 2, 1 - a / 2], method="inverted_cdf") if n_bootstrap else (math.nan,) * 2
    return SizeForTc(size, ConfidenceInterval(float(lo), float(hi)), float(slope), tolerance, confidence, False)


@dataclass(frozen=True)
class FiniteSizeReport:
    """A finite-population study read off its runs, ``finite_size_report``'s result (what ``popdyn finite-n`` prints).

    Attributes
    ----------
    lam : float
    study : pandas.DataFrame
        One row per (T / Tc, N): v_N beside the exact v and Brunet-Derrida (``study_from_runs``).
    extrapolation : pandas.DataFrame
        Per T / Tc: v_N = v_inf - c / L^2 (``extrapolate``).
    tcs : pandas.DataFrame or None
        Per N: the population's Tc_N with its interval (``population_tc``); None when no N has one.
    needed : SizeForTc or None
        The N at which Tc_N comes within 10 % of Tc (``sizes_for_tc_within``; None with fewer than two Tc_N).
    """

    lam: float
    study: pd.DataFrame
    extrapolation: pd.DataFrame
    tcs: pd.DataFrame = None
    needed: SizeForTc = None

    def to_dict(self):
        return json_safe({"lam": self.lam, "study": self.study.to_dict("records"),
                          "extrapolation": self.extrapolation.to_dict("records"),
                          "Tc_N": self.tcs.to_dict("records") if self.tcs is not None else None,
                          "N_for_Tc_within_10_percent": self.needed.to_dict() if self.needed is not None else None})

    def summary(self):
        def fmt(x):
            return f"{x:.4g}"

        lines = [self.study.drop(columns=["lam"]).to_string(index=False, float_format=fmt)]
        if len(self.extrapolation):
            lines += ["", "extrapolation v_N = v_inf - c / (ln N + 3 ln ln N)^2:",
                      self.extrapolation.to_string(index=False, float_format=fmt)]
        if self.tcs is not None:
            exact = self.study["T"].iloc[0] / self.study["T_over_Tc"].iloc[0]
            lines += ["", f"population Tc_N (exact Tc = {fmt(exact)}):", self.tcs.to_string(index=False, float_format=fmt)]
            if self.needed is not None:
                lines.append(self.needed.summary())
        return "\n".join(lines)


def finite_size_report(runs, prototype=None):
    """The study, extrapolation, Tc_N per N and the N for Tc_N within 10 %, from per-run rows at one lam.

    Parameters
    ----------
    runs : pandas.DataFrame or list of dict
        Rows with ``RUN_COLUMNS`` (``finite_population_runs``, or a study's table), all at one lam.
    prototype : model or None
        The model of the runs (``study_model``; None: the BAA tree).

    Returns
    -------
    FiniteSizeReport
    """
    study = study_from_runs(runs, prototype)
    tcs = population_tc(study, prototype)
    tcs = tcs if len(tcs) else None
    needed = sizes_for_tc_within(tcs) if tcs is not None and len(tcs) >= 2 else None
    return FiniteSizeReport(float(study["lam"].iloc[0]), study, extrapolate(study), tcs, needed)


class FiniteSizeStudy:
    """A finite-population study at one lam: its grid of runs, the table that keeps them, and its report.

    The runs are ``run_grid(lam, sizes, ratios, seeds, generations)``; with a ``table`` (a Parquet
    file, ``popdyn.tables.ResultTable``) each run's row is saved as soon as it is fitted, runs
    already there are not run again, and the report covers every run the table holds at this lam
    and run length (a study extended by more N, temperatures or seeds). Like emcee's sampler,
    the caller owns the executor, the progress and the interruption: ``run`` takes any executor
    (``popdyn.parallel.map_unordered``), ``on_run`` sees each row as it arrives.

    Parameters
    ----------
    lam : float
    sizes, ratios, seeds : sequences
        Population sizes N, temperatures T / Tc and seeds (at least two, to have an error).
    generations : int
        Per run; the growth is fitted on the second half.
    table : path or None
        The Parquet file of per-run rows (created by the first row), or None to keep them in memory.
    prototype : model or None
        The model studied (``study_model``; None: the BAA tree's term recursion).

    Examples
    --------
    >>> study = FiniteSizeStudy(0.1, sizes=(200, 400), ratios=(1.0, 1.6), seeds=(1, 2), generations=16)
    >>> len(study.todo()), len(study.run()), len(study.todo())
    (8, 8, 0)
    >>> study.report().study[["T_over_Tc", "N", "seeds"]].values.tolist()
    [[1.0, 200.0, 2.0], [1.0, 400.0, 2.0], [1.6, 200.0, 2.0], [1.6, 400.0, 2.0]]
    """

    def __init__(self, lam, sizes, ratios, seeds, generations, table=None, prototype=None):
        from popdyn.provenance import provenance
        from popdyn.tables import ResultTable

        seeds, ratios = list(seeds), list(ratios)
        if len(set(seeds)) < 2 or any(not r > 0 for r in ratios) or int(generations) < 8:
            raise popdyn.ConfigError(f"a finite-size study needs two seeds or more (an error from their scatter), "
                                     f"positive ratios T / Tc and generations >= 8; got seeds={seeds}, "
                                     f"ratios={ratios}, generations={generations}")
        self.prototype = study_model(prototype, lam)
        self.Tc = exact_tc(self.prototype)
        self.generations = int(generations)
        self.keys = run_grid(lam, sizes, ratios, seeds, generations)
        self.table = ResultTable.open(table, RUN_COLUMNS, provenance()) if table is not None else None
        self.rows = []  # the rows run by this object (all of them, without a table)

    @property
    def lam(self):
        return self.prototype.lam

    def todo(self):
        """The keys of the runs not yet done (in the table, or by this object)."""
        done = self.table.keys(RUN_KEY) if self.table is not None else set()
        done |= {tuple(row[k] for k in RUN_KEY) for row in self.rows}
        return [k for k in self.keys if k not in done]

    def largest_population(self):
        """The model and size of the largest run left (for a memory check), or None when none is left."""
        todo = self.todo()
        return (self.prototype.at(T=self.Tc), max(k[2] for k in todo)) if todo else None

    def lock(self):
        """Take the table for this study alone (``ResultTable.lock``): refused while another study writes it."""
        if self.table is not None:
            self.table.lock()

    def run(self, executor=None, threads=None, on_run=None):
        """Run what is left (``finite_population_runs``), saving each row to the table as it comes.

        Returns
        -------
        list of dict
            The new rows, in the order they finished.
        """
        def keep(row):
            self.rows.append(row)
            if self.table is not None:
                self.table.append(row)
            if on_run is not None:
                on_run(row)

        todo = self.todo()
        return finite_population_runs(todo, on_run=keep, executor=executor, threads=threads,
                                      prototype=self.prototype) if todo else []

    def saved(self):
        """How many of this study's runs its table holds (0 without a table)."""
        return len(self.table.keys(RUN_KEY) & set(self.keys)) if self.table is not None else 0

    def runs(self):
        """Every run of the study: the table's at this lam and run length, or the rows run here."""
        if self.table is None:
            return pd.DataFrame(self.rows, columns=list(RUN_COLUMNS) + ["git_commit", "threads"])
        frame = self.table.frame
        return frame[(frame["lam"] == self.lam) & (frame["generations"] == self.generations)]

    def report(self):
        """``finite_size_report`` of ``runs()``."""
        return finite_size_report(self.runs(), self.prototype)

    def close(self):
        if self.table is not None:
            self.table.close()
