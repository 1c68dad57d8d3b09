"""``phase``: the (lam, T) plane: the exact Tc(lam), its leading log, population read-offs and the scales 1/lam, 1/lam^2."""

import math

import numpy as np
import pandas as pd

from popdyn.analysis.finite_size import population_tc, study_from_runs
from popdyn.spectrum import critical_temperature

from ._base import FigureData
from ._data import STUDIES, study_runs
from ._style import new_axes

NAME = "phase"
#: The committed studies this figure draws (checked before anything is computed).
STUDY_TABLES = tuple(STUDIES)
POINTS = {"tiny": 30, "quick": 200, "paper": 1000}


def compute(scale="quick", seed=1):
    """Exact Tc on a lam grid (closed form) and the Tc_N read off the committed studies (``seed`` unused)."""
    lam = np.geomspace(1e-9, 0.3, POINTS[scale])
    tc = np.array([critical_temperature(x) for x in lam])
    curves = pd.DataFrame({"series": "exact", "lam": lam, "T": tc, "T_lo": np.nan, "T_hi": np.nan, "N": np.nan})
    lines = [curves,
             curves.assign(series="leading log 1/(6e lam ln 1/lam)", T=1.0 / (6 * math.e * lam * np.log(1.0 / lam))),
             curves.assign(series="T_in = 1/lam", T=1.0 / lam),
             curves.assign(series="T_el = 1/lam^2", T=1.0 / lam**2)]
    readoffs = []
    for lam_value in STUDIES:
        tcs = population_tc(study_from_runs(study_runs(lam_value)))
        readoffs.append(pd.DataFrame({"series": "population Tc_N", "lam": lam_value, "T": tcs["Tc_N"],
                                      "T_lo": tcs["lo"], "T_hi": tcs["hi"], "N": tcs["N"],
                                      "Tc_exact": critical_temperature(lam_value)}))
    pop = pd.concat(readoffs, ignore_index=True)
    pop["ratio"] = pop["T"] / pop["Tc_exact"]
    above = int((pop["ratio"] > 1).sum())
    worst = pop.loc[pop["ratio"].idxmax()]
    largest = pop["N"].max()
    last = pop.loc[pop["N"] == largest, "ratio"].max()
    caption = ("The (lam, T) plane of the BAA tree (delta_zeta = 1): the exact Tc(lam) (solid) from min_beta ln m = 0, "
               "the leading-log asymptote Tc = 1/(6e lam ln(1/lam)) (dashed), and the scales T_in ~ 1/lam and "
               "T_el ~ 1/lam^2 of the paper's metallic regimes (dotted). Markers: Tc_N read off populations of N = "
               f"{pop['N'].min():.0e} ... {pop['N'].max():.0e} (a line in ln T through each study's temperatures and "
               f"seeds, 95 % interval) from the studies of docs/transition.md (docs/data/finite_n_*.parquet); "
               f"{above} of {len(pop)} lie above the exact curve, by up to a "
               f"factor {worst['ratio']:.2f} (lam = {worst['lam']:g}, N = {worst['N']:.0e}) and still {last - 1:.0%} at "
               f"N = {largest:.0e} (right panel): the finite-population bias. Insulator below Tc, metal above.")
    return FigureData(NAME, pd.concat(lines + readoffs, ignore_index=True),
                      {"model": "baa", "lam_range": [1e-9, 0.3], "studies": sorted(STUDIES),
                       "study_tables": [f"docs/data/{STUDIES[x]}" for x in sorted(STUDIES)], "scale": scale},
                      caption)


def draw(data, ax=None):
    """Left: the plane; right: Tc_N / Tc against N (with a given ``ax``, the plane alone)."""
    if ax is None:
        fig, (ax, right) = new_axes(figsize=(12.5, 5.2), ncols=2)
    else:
        fig, ax = new_axes(ax)
        right = None
    f = data.frame
    styles = {"exact": ("-", "k", 2.0, r"exact $T_c(\lambda)$"),
              "leading log 1/(6e lam ln 1/lam)": ("--", "C0", 1.2, r"$1/(6e\,\lambda\ln(1/\lambda))$"),
              "T_in = 1/lam": (":", "C2", 1.5, r"$T^{(in)} \sim 1/\lambda$"),
              "T_el = 1/lam^2": (":", "C3", 1.5, r"$T^{(el)} \sim 1/\lambda^2$")}
    for series, (ls, color, lw, label) in styles.items():
        g = f[f["series"] == series]
        ax.plot(g["lam"], g["T"], ls, color=color, lw=lw, label=label)
    pop = f[f["series"] == "population Tc_N"]
    ax.plot(pop["lam"], pop["T"], "o", ms=4, color="C1", mec="k", mew=0.4,
            label=r"population $T_c^{(N)}$, N = $10^3 \ldots 10^7$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.1, 1e12)
    ax.set_xlabel(r"interaction $\lambda$")
    ax.set_ylabel(r"temperature $T$  ($\delta_\zeta = 1$)")
    ax.text(3e-9, 3e7, "metal", fontsize=11, color="0.3")
    ax.text(3e-9, 1e2, "insulator", fontsize=11, color="0.3")
    ax.set_title("phase diagram of the BAA tree", fontsize=11)
    ax.legend(fontsize=7.5, loc="upper right")
    if right is not None:  # on the plane the read-offs sit on the curve: their bias shows as Tc_N / Tc
        for k, (lam, g) in enumerate(pop.groupby("lam")):
            tc = g["Tc_exact"].iloc[0]
            right.errorbar(g["N"], g["T"] / tc, yerr=[(g["T"] - g["T_lo"]) / tc, (g["T_hi"] - g["T"]) / tc],
                           fmt="o-", ms=4, lw=1, capsize=3, color=f"C{k + 4}", label=rf"$\lambda$ = {lam:g}")
        right.axhline(1.0, color="k", lw=1, label="exact")
        right.set_xscale("log")
        right.set_xlabel("population size N")
        right.set_ylabel(r"$T_c^{(N)}/T_c$  (95 % interval)")
        right.set_title("Tc read off a population of N, over the exact Tc", fontsize=11)
        right.legend(fontsize=8)
    return fig
