"""``mobility-edge``: the mobility edge E_c(W) of the Anderson model on the Bethe lattice, K = 2, box disorder.

A converged answer, no population: each point is the root in E of K lambda(1/2; E, W) = 1 by
the quadrature of the tilted operator (``popdyn.analysis.mobility_edge``), with its interval.
"""

import math

import numpy as np
import pandas as pd

from popdyn.analysis.mobility_edge import mobility_edge

from ._base import FigureData
from ._style import new_axes

NAME = "mobility-edge"
K = 2
#: The literature's W_c at E = 0 (Tikhonov & Mirlin 2019; Parisi et al. 2019).
W_C, W_C_ERROR = 18.17, 0.01
WS = {"tiny": (6.0, 14.0), "quick": (2.0, 5.0, 8.0, 11.0, 14.0, 16.5, 17.8),
      "paper": (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 15.0, 16.0, 17.0, 17.5, 18.0)}
SETTINGS = {"tiny": {"points": 200, "samples": 50_000, "replicas": 3, "pool_size": 20_000, "pool_generations": 20},
            "quick": {"points": 400, "samples": 200_000, "replicas": 3, "pool_size": 50_000, "pool_generations": 30},
            "paper": {"points": 1000, "samples": 1_000_000, "replicas": 4, "pool_size": 200_000}}


def compute(scale="quick", seed=1):
    """E_c(W) at the disorders of ``scale``, with 95 % intervals (grid error inside)."""
    edge = mobility_edge(K=K, Ws=WS[scale], seed=seed, **SETTINGS[scale])
    rows = [{"series": "E_c", "W": W, "E_c": p.value, "low": p.interval.low, "high": p.interval.high,
             "band_edge": 0.5 * W + 2.0 * math.sqrt(K)} for W, p in zip(edge.Ws, edge.points)]
    frame = pd.DataFrame(rows)
    widest = frame.loc[frame["E_c"].idxmax()]
    caption = (f"The mobility edge of the Anderson model on the Bethe lattice, K = {K}, box disorder: states with "
               f"|E| < E_c(W) are extended, where K lambda(1/2; E, W) = 1 (the quadrature of the tilted operator, "
               f"one root in E per W, 95 % intervals with the grid's error). The curve is even in E and closes at "
               f"W_c = {W_C} +- {W_C_ERROR} (the literature's point, black). Dashed: the clean band edge "
               f"2 sqrt(K) = {2 * math.sqrt(K):.3f}; dotted: the band edge W/2 + 2 sqrt(K), beyond which there are no "
               f"states. Disorder first pushes the extended states beyond the clean band (E_c = {widest['E_c']:.2f} "
               f"at W = {widest['W']:g}), then localizes them: at fixed E beyond 2 sqrt(K) the transition is "
               f"re-entrant.")
    return FigureData(NAME, frame, {"K": K, "Ws": list(WS[scale]), "settings": SETTINGS[scale], "seed": seed,
                                    "scale": scale}, caption)


def draw(data, ax=None):
    fig, ax = new_axes(ax) if ax is not None else new_axes(figsize=(6.5, 5))
    frame = data.frame
    k = data.parameters["K"]
    below, above = frame["E_c"] - frame["low"], frame["high"] - frame["E_c"]
    for sign, xerr in ((1.0, [below, above]), (-1.0, [above, below])):  # mirrored: the interval's ends swap
        ax.errorbar(sign * frame["E_c"], frame["W"], xerr=xerr, fmt="o-", color="C0", ms=4,
                    label="E_c(W), quadrature" if sign > 0 else None)
    ax.errorbar([0.0], [W_C], yerr=[W_C_ERROR], fmt="s", color="k", ms=6, label=f"W_c = {W_C} (literature)")
    edge = 2.0 * math.sqrt(k)
    for sign in (1.0, -1.0):
        ax.axvline(sign * edge, color="grey", ls="--", lw=1, label="clean band edge" if sign > 0 else None)
        W = np.linspace(0.0, W_C * 1.05, 50)
        ax.plot(sign * (0.5 * W + edge), W, color="grey", ls=":", lw=1, label="band edge" if sign > 0 else None)
    ax.set_xlim(-1.3 * frame["band_edge"].max(), 1.3 * frame["band_edge"].max())
    ax.set_ylim(0.0, W_C * 1.08)
    ax.set_xlabel("E")
    ax.set_ylabel("W")
    ax.set_title(f"mobility edge, K = {k}, box disorder", fontsize=11)
    ax.legend(fontsize=8, loc="upper right")
    return fig
