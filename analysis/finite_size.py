"""How far a population of N samples is from the exact tree answer (BACKGROUND section 3).

For each N and each temperature T = r Tc: the growth v_N of ln gamma_n (``fit_growth``, mean
over seeds), beside the exact v and the Brunet-Derrida predictions with L = ln N and with
L = ln N + 3 ln ln N; per N, the population's Tc_N (``crossing`` over the temperatures); and,
per temperature, the extrapolation v_N = v_inf - c / L^2 (weighted least squares in 1/L^2,
statsmodels), whose v_inf is to be compared with the exact v.
"""

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm

import popdyn
from popdyn.spectrum import exact_growth, transition

from .growth import fit_growth
from .transition import crossing


def _L(N, refined):
    return math.log(N) + (3.0 * math.log(math.log(N)) if refined else 0.0)


def finite_population_study(lam, sizes, ratios=(1.0, 1.3), seeds=(1, 2, 3), generations=200, progress=None):
    """Run the term recursion at T = r Tc for every N and seed; one row per (r, N).

    Returns
    -------
    pandas.DataFrame
        Columns: lam, T_over_Tc, T, N, v_N, stderr, seeds, v_exact, v_bd, v_bd_refined,
        gap (v - v_N), bd_share (the share of the gap the refined prediction explains).
    """
    tc = transition(lam).Tc
    rows = []
    for r in ratios:
        model = popdyn.BAATree(lam=lam, T=r * tc)
        exact = exact_growth(model)
        for N in sizes:
            v = [fit_growth(popdyn.run(model, size=N, generations=generations, seed=s, progress=False).table,
                            "ln_gamma_mle", size=N).v for s in seeds]
            v_n = float(np.mean(v))
            gap = exact.v - v_n
            refined = exact.finite_population(N, refined=True)
            rows.append({"lam": lam, "T_over_Tc": r, "T": model.T, "N": N, "v_N": v_n,
                         "stderr": float(np.std(v, ddof=1) / math.sqrt(len(v))), "seeds": len(v),
                         "v_exact": exact.v, "v_bd": exact.finite_population(N, refined=False),
                         "v_bd_refined": refined, "gap": gap,
                         "bd_share": (exact.v - refined) / gap if gap != 0 else float("nan")})
            if progress is not None:
                progress(rows[-1])
    return pd.DataFrame(rows)


def population_tc(study):
    """Tc_N for each N of a study (over its temperatures): a DataFrame with the interval and Tc_N/Tc."""
    rows = []
    for N, group in study.groupby("N"):
        est = crossing(group[["T", "v_N", "stderr", "seeds"]].rename(columns={"v_N": "v"}),
                       exact_Tc=transition(group["lam"].iloc[0]).Tc, size=N)
        rows.append({"N": N, "Tc_N": est.Tc, "lo": est.interval[0], "hi": est.interval[1],
                     "Tc_N_over_Tc": est.Tc / est.exact_Tc, "bracketed": est.bracketed})
    return pd.DataFrame(rows)


def extrapolate(study, refined=True):
    """Per temperature: v_inf and c of v_N = v_inf - c / L^2 by weighted least squares, beside the exact v."""
    rows = []
    for r, group in study.groupby("T_over_Tc"):
        if len(group) < 3:
            continue
        x = np.array([1.0 / _L(N, refined) ** 2 for N in group["N"]])
        fit = sm.WLS(group["v_N"].to_numpy(), sm.add_constant(x), weights=1.0 / group["stderr"].to_numpy() ** 2).fit()
        lo, hi = fit.conf_int(0.05)[0]
        rows.append({"T_over_Tc": r, "v_inf": float(fit.params[0]), "lo": float(lo), "hi": float(hi),
                     "c": float(-fit.params[1]), "v_exact": float(group["v_exact"].iloc[0]),
                     "points": len(group)})
    return pd.DataFrame(rows)


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
