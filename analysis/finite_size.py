"""How far a population of N samples is from the exact tree answer (BACKGROUND section 3).

For each N and each temperature T = r Tc: the growth v_N of ln gamma_n (``fit_growth``, mean
over seeds), beside the exact v and the Brunet-Derrida predictions with L = ln N and with
L = ln N + 3 ln ln N; per N, the population's Tc_N (``crossing`` over the temperatures); and,
per temperature, the extrapolation v_N = v_inf - c / L^2 (weighted least squares in 1/L^2,
statsmodels), whose v_inf is to be compared with the exact v.
"""

import math
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

import popdyn
from popdyn.spectrum import exact_growth, transition

from .growth import fit_growth
from .transition import crossing


def _L(N, refined):
    return math.log(N) + (3.0 * math.log(math.log(N)) if refined else 0.0)


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


def finite_population_runs(keys, on_run=None):
    """Run the term recursion for each key of ``run_grid`` and fit its growth; one row per run.

    Parameters
    ----------
    keys : iterable of tuple
        ``(lam, T_over_Tc, N, seed, generations)``; T = T_over_Tc * Tc(lam), exact.
    on_run : callable or None
        Called with each row as soon as its run is fitted (the caller may save it: a long study
        interrupted keeps every finished run).

    Returns
    -------
    list of dict
        Rows with ``RUN_COLUMNS``: ``v`` is the growth of ln gamma_n (``fit_growth`` on the
        Levy-scale MLE, second half of the run), ``hac_stderr`` its HAC standard error.
    """
    rows = []
    for lam, r, N, seed, generations in keys:
        model = popdyn.BAATree(lam=lam, T=r * transition(lam).Tc)
        t0 = time.perf_counter()
        run = popdyn.run(model, size=N, generations=generations, seed=seed, progress=False)
        g = fit_growth(run.table, "ln_gamma_mle", size=N)
        rows.append({"lam": lam, "T_over_Tc": r, "T": model.T, "N": N, "seed": seed, "generations": generations,
                     "v": g.v, "hac_stderr": g.stderr, "wall_s": time.perf_counter() - t0})
        if on_run is not None:
            on_run(rows[-1])
    return rows


def study_from_runs(runs):
    """Combine per-run rows (``RUN_COLUMNS``) into one row per (T / Tc, N), beside the exact answer.

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
        exact = exact_growth(popdyn.BAATree(lam=lam, T=float(group["T"].iloc[0])))
        v = group["v"].to_numpy()
        v_n = float(np.mean(v))
        gap = exact.v - v_n
        refined = exact.finite_population(N, refined=True)
        rows.append({"lam": lam, "T_over_Tc": r, "T": float(group["T"].iloc[0]), "N": int(N), "v_N": v_n,
                     "stderr": float(np.std(v, ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan"),
                     "seeds": len(v), "v_exact": exact.v, "v_bd": exact.finite_population(N, refined=False),
                     "v_bd_refined": refined, "gap": gap,
                     "bd_share": (exact.v - refined) / gap if gap != 0 else float("nan")})
    return pd.DataFrame(rows)


def finite_population_study(lam, sizes, ratios=(1.0, 1.3), seeds=(1, 2, 3), generations=200):
    """Run the term recursion at T = r Tc for every N and seed; one row per (r, N) (``study_from_runs``).

    Examples
    --------
    >>> study = finite_population_study(0.1, sizes=(300, 600), ratios=(1.3,), seeds=(1, 2), generations=16)
    >>> study[["T_over_Tc", "N", "seeds"]].values.tolist()
    [[1.3, 300.0, 2.0], [1.3, 600.0, 2.0]]
    """
    return study_from_runs(finite_population_runs(run_grid(lam, sizes, ratios, seeds, generations)))


def population_tc(study):
    """Tc_N for each N of a study (over its temperatures): a DataFrame with the interval and Tc_N/Tc.

    ``Tc_N`` reads the crossing off a straight line in ln T; with four temperatures or more,
    ``Tc_N_parabola`` reads it off a parabola, and the difference is the model's share of the error.
    """
    rows = []
    for N, group in study[study["stderr"] > 0].groupby("N"):  # a single seed has no error: left out
        if len(group) < 2:
            continue
        points = group[["T", "v_N", "stderr", "seeds"]].rename(columns={"v_N": "v"})
        exact_Tc = transition(group["lam"].iloc[0]).Tc
        est = crossing(points, exact_Tc=exact_Tc, size=N)
        row = {"N": N, "Tc_N": est.Tc, "lo": est.interval[0], "hi": est.interval[1],
               "Tc_N_over_Tc": est.Tc / exact_Tc, "bracketed": est.bracketed}
        if len(points) >= 4:
            row["Tc_N_parabola"] = crossing(points, exact_Tc=exact_Tc, size=N, degree=2, n_bootstrap=0).Tc
        rows.append(row)
    return pd.DataFrame(rows, columns=["N", "Tc_N", "lo", "hi", "Tc_N_over_Tc", "bracketed"] + (
        ["Tc_N_parabola"] if any("Tc_N_parabola" in r for r in rows) else []))


def extrapolate(study, refined=True):
    """Per temperature: v_inf and c of v_N = v_inf - c / L^2 by weighted least squares, beside the exact v."""
    rows = []
    for r, group in study[study["stderr"] > 0].groupby("T_over_Tc"):
        if len(group) < 3:
            continue
        x = np.array([1.0 / _L(N, refined) ** 2 for N in group["N"]])
        fit = sm.WLS(group["v_N"].to_numpy(), sm.add_constant(x), weights=1.0 / group["stderr"].to_numpy() ** 2).fit()
        lo, hi = fit.conf_int(0.05)[0]
        rows.append({"T_over_Tc": r, "v_inf": float(fit.params[0]), "lo": float(lo), "hi": float(hi),
                     "c": float(-fit.params[1]), "v_exact": float(group["v_exact"].iloc[0]),
                     "points": len(group)})
    return pd.DataFrame(rows, columns=["T_over_Tc", "v_inf", "lo", "hi", "c", "v_exact", "points"])


def sizes_for_tc_within(tc_table, lam, tolerance=0.10):
    """By the measured trend of ln(Tc_N/Tc - 1) against ln ln N, the N where Tc_N is within ``tolerance``.

    The smallest N of the table when every Tc_N there is already within ``tolerance``.
    """
    if np.all(np.abs(tc_table["Tc_N_over_Tc"] - 1) < tolerance):
        return float(tc_table["N"].min())  # already within at the smallest N measured
    t = tc_table[tc_table["Tc_N_over_Tc"] > 1]
    if len(t) < 2:
        return float("nan")
    x = np.log(np.log(t["N"].to_numpy(dtype=float)))
    y = np.log(t["Tc_N_over_Tc"].to_numpy() - 1)
    slope, intercept = np.polyfit(x, y, 1)
    if slope >= 0:
        return float("inf")
    return float(math.exp(math.exp((math.log(tolerance) - intercept) / slope)))
