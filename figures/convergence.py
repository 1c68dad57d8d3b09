"""``convergence``: the population's growth v_N against 1/(ln N + 3 ln ln N)^2, the exact v, Brunet-Derrida,
and the extrapolation to N = infinity, from the committed finite-population study."""

import numpy as np

from popdyn.analysis.finite_size import extrapolate, study_from_runs
from popdyn.spectrum import brunet_derrida_L

from ._base import FigureData
from ._data import STUDIES, study_runs
from ._style import new_axes

NAME = "convergence"
LAM = 0.01
#: The committed study this figure draws (checked before anything is computed).
STUDY_TABLES = (LAM,)
BOOTSTRAP = {"tiny": 200, "quick": 2000, "paper": 20000}


def compute(scale="quick", seed=1):
    """The study at lam = 0.01 (4 temperatures x N = 1e3 ... 1e7 x 3 seeds), its extrapolation per temperature."""
    runs = study_runs(LAM)
    study = study_from_runs(runs)
    generations = "/".join(str(g) for g in sorted(runs["generations"].unique()))
    seeds = "/".join(str(k) for k in sorted(study["seeds"].unique()))
    extra = extrapolate(study, n_bootstrap=BOOTSTRAP[scale], seed=seed).set_index("T_over_Tc")
    study = study.assign(series=[f"T = {r:g} Tc" for r in study["T_over_Tc"]],
                         x=1.0 / brunet_derrida_L(study["N"].to_numpy(dtype=float)) ** 2)
    for column in ("v_inf", "lo", "hi", "c", "fit_p"):
        study[f"extrapolated_{column}"] = study["T_over_Tc"].map(extra[column])
    caption = (f"Convergence of the population's typical growth v_N of ln gamma_hat_n (term recursion, lam = {LAM:g}, "
               f"{generations} generations, mean over {seeds} seeds with 2 standard errors) against x = 1/(ln N + 3 ln ln N)^2 "
               f"for N = {study['N'].min():.0e} ... {study['N'].max():.0e}, at T/Tc = {', '.join(f'{r:g}' for r in sorted(study['T_over_Tc'].unique()))}. Stars: "
               f"the exact v at x = 0; dashed: the refined Brunet-Derrida prediction v - pi^2 beta*^2 v''(beta*)/(2 L^2); "
               f"thin lines: the weighted fit v_N = v_inf - c x, extrapolated to x = 0 (legend: v_inf with its 95 % "
               f"bootstrap interval). Data: docs/data/{STUDIES[LAM]}, the study of docs/transition.md.")
    return FigureData(NAME, study, {"model": "baa", "recursion": "term", "lam": LAM, "study_table":
                                    f"docs/data/{STUDIES[LAM]}", "bootstrap": BOOTSTRAP[scale], "seed": seed,
                                    "scale": scale}, caption)


def draw(data, ax=None):
    fig, ax = new_axes(ax, figsize=(8.5, 5.5))
    for j, (label, g) in enumerate(data.frame.groupby("series", sort=False)):
        g = g.sort_values("x")
        first = g.iloc[0]
        color = f"C{j}"
        ax.errorbar(g["x"], g["v_N"], yerr=2 * g["stderr"], fmt="o", ms=5, capsize=3, color=color,
                    label=f"{label}: $v_\\infty$ = {first['extrapolated_v_inf']:.2f} "
                          f"[{first['extrapolated_lo']:.2f}, {first['extrapolated_hi']:.2f}], exact {round(first['v_exact'], 2) + 0.0:.2f}")
        ax.plot(g["x"], g["v_bd_refined"], "--", color=color, lw=1)
        ax.plot([0], [first["v_exact"]], "*", ms=13, color=color, mec="k", mew=0.5)
        if np.isfinite(first["extrapolated_v_inf"]):
            grid = np.linspace(0, g["x"].max(), 50)
            ax.plot(grid, first["extrapolated_v_inf"] - first["extrapolated_c"] * grid, "-", color=color, lw=0.8)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlim(left=-0.0005)
    ax.set_xlabel(r"$1/(\ln N + 3\ln\ln N)^2$")
    ax.set_ylabel(r"growth $v_N$ of $\ln\hat\gamma_n$ per generation")
    ax.set_title(rf"$\lambda$ = {data.parameters['lam']:g}: dots $v_N$ ($\pm$2 s.e.), dashed Brunet-Derrida, "
                 "star exact, line fit", fontsize=10)
    ax.legend(fontsize=7.5, loc="lower left")
    return fig
