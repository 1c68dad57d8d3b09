"""``spectrum``: ln m(beta) and v(beta) = ln m(beta)/beta of the BAA tree at several T/Tc (closed form)."""

import numpy as np
import pandas as pd

from popdyn.spectrum import baa_spectrum, critical_temperature, ln_m, typical_growth

from ._base import FigureData
from ._style import new_axes

NAME = "spectrum"
LAM = 0.01
RATIOS = (0.5, 0.8, 1.0, 1.25, 2.0)
POINTS = {"tiny": 50, "quick": 400, "paper": 2000}


def compute(scale="quick", seed=1):
    """ln m and v on a beta grid up to the pole at 1/2, and beta*, v(beta*) at each T (no randomness: ``seed`` unused)."""
    tc = critical_temperature(LAM)
    beta = 0.5 - np.geomspace(0.48, 5e-4, POINTS[scale])  # dense towards the pole
    frames = []
    for ratio in RATIOS:
        T = ratio * tc
        growth = typical_growth(baa_spectrum(LAM, T))
        values = ln_m(LAM, T, beta)
        frames.append(pd.DataFrame({"series": f"T = {ratio:g} Tc", "T_over_Tc": ratio, "T": T, "beta": beta,
                                    "ln_m": values, "v": values / beta, "beta_star": growth.beta_star,
                                    "v_star": growth.v}))
    caption = (f"The exact spectrum of the BAA tree at lam = {LAM:g} (Tc = {tc:.4f}) for T/Tc = "
               f"{', '.join(map(str, RATIOS))}: left, ln m(beta) = ln(3T) + 2 beta ln(lam) - ln(1 - 2 beta) - "
               f"ln(1 - beta), which diverges at the pole beta = 1/2 (small mismatches m); right, "
               f"v(beta) = ln m(beta)/beta, whose minimum over beta is the typical growth v per generation, reached at "
               f"beta* (dots). v(beta*) = 0 at Tc, where beta* is also the tail exponent of the stationary law (below Tc, "
               f"with a source, the tail exponent is the larger root of ln m = 0: see fig2b).")
    return FigureData(NAME, pd.concat(frames, ignore_index=True),
                      {"model": "baa", "lam": LAM, "Tc": tc, "T_over_Tc": list(RATIOS), "scale": scale}, caption)


def draw(data, ax=None):
    if ax is None:
        fig, (left, right) = new_axes(figsize=(11, 4.5), ncols=2)
    else:  # one given axes: the right panel alone, v(beta), the one that carries the transition
        fig, right = new_axes(ax)
        left = None
    for j, (label, g) in enumerate(data.frame.groupby("series", sort=False)):
        first = g.iloc[0]
        if left is not None:
            left.plot(g["beta"], g["ln_m"], color=f"C{j}", label=label)
        right.plot(g["beta"], g["v"], color=f"C{j}", label=label)
        right.plot([first["beta_star"]], [first["v_star"]], "o", color=f"C{j}", mec="k", mew=0.5)
    for a in (left, right):
        if a is None:
            continue
        a.axvline(0.5, color="grey", ls="--", lw=1)
        a.axhline(0.0, color="k", lw=0.8)
        a.set_xlabel(r"$\beta$")
        a.set_xlim(0, 0.52)
    if left is not None:
        left.set_ylabel(r"$\ln m(\beta)$")
        left.set_ylim(-1.5, 5)
        left.text(0.495, 4.8, r"pole $\beta = 1/2$", ha="right", va="top", fontsize=8, color="grey")
        left.set_title(rf"$\ln m(\beta)$, $\lambda$ = {data.parameters['lam']:g}", fontsize=11)
        left.legend(fontsize=8)
    right.set_ylabel(r"$v(\beta) = \ln m(\beta)/\beta$  (per generation)")
    right.set_ylim(-4, 10)
    right.set_title(r"$v(\beta)$; dots: $\beta^*$ and $v = \min_\beta v(\beta)$", fontsize=11)
    if left is None:
        right.legend(fontsize=8)
    return fig
