"""``fig2b``: P(Gamma) in the insulator (linear Eq. 25 with a source) and in the metal (SCBA fixed point).

The paper's Fig. 2b sketches an insulating P(Gamma) with its weight at Gamma ~ eta and a power-law
tail, against a metallic one peaked at <Gamma>. Here both come from populations after many
generations: the insulator's tail slope is the exact stationary exponent -1 - kappa
(``popdyn.spectrum.stationary_tail_exponent``; kappa = beta* at Tc), the metal is shown just above
Tc (broad: T < 1/lam, rare resonances) and inside the window 1/lam << T << 1/lam^2 (narrow around
<Gamma> ~ pi lam^2 T, BAA Eqs. 20-23).
"""

import math

import numpy as np
import pandas as pd

import popdyn
from popdyn.analysis.tails import fit_tail_ln
from popdyn.spectrum import baa_spectrum, critical_temperature, stationary_tail_exponent

from ._base import FigureData
from ._style import new_axes

NAME = "fig2b"
LAM = 0.01
ETA = 1e-6
SETTINGS = {"tiny": {"size": 3_000, "window_size": 500, "generations": 12, "bootstrap": 10},
            "quick": {"size": 100_000, "window_size": 20_000, "generations": 60, "bootstrap": 50},
            "paper": {"size": 1_000_000, "window_size": 200_000, "generations": 200, "bootstrap": 200}}
BINS = 100


def _phases(tc):
    """(label, T, recursion, phase) of the three curves."""
    return (("insulator, T = 0.7 Tc (Eq. 25)", 0.7 * tc, "linear", "insulator"),
            ("metal, T = 2 Tc (SCBA)", 2.0 * tc, "scba", "metal"),
            (f"metal, T = 3/lam = {3 / LAM:g} (SCBA)", 3.0 / LAM, "scba", "metal"))


def compute(scale="quick", seed=1):
    s = SETTINGS[scale]
    tc = critical_temperature(LAM)
    frames = []
    for label, T, recursion, phase in _phases(tc):
        size = s["window_size"] if T >= 1.0 / LAM else s["size"]  # ~T terms per sample: fewer samples
        model = popdyn.BAATree(lam=LAM, T=T, recursion=recursion, eta=ETA)
        run = popdyn.run(model, size=size, generations=s["generations"], seed=seed, snapshots=(s["generations"],),
                         progress=False)
        ln_gamma = np.asarray(run.snapshot(s["generations"]), dtype=float)
        counts, edges = np.histogram(ln_gamma, bins=BINS)
        centres = 0.5 * (edges[1:] + edges[:-1])
        gamma = np.exp(centres)
        density = counts / (size * np.diff(np.exp(edges)))  # P(Gamma) on log-spaced bins
        kappa = stationary_tail_exponent(baa_spectrum(LAM, T)) if phase == "insulator" else math.nan
        hill = fit_tail_ln(ln_gamma, n_bootstrap=s["bootstrap"], seed=seed) if phase == "insulator" else None
        frames.append(pd.DataFrame({
            "series": label, "phase": phase, "T": T, "T_over_Tc": T / tc, "recursion": recursion, "N": size,
            "gamma": gamma, "P": density, "mean_gamma": float(np.exp(ln_gamma).mean()),
            "kappa_exact": kappa, "kappa_fit": hill.alpha if hill else math.nan,
            "kappa_fit_lo": hill.interval[0] if hill else math.nan,
            "kappa_fit_hi": hill.interval[1] if hill else math.nan}))
    caption = (f"P(Gamma) after {s['generations']} generations at lam = {LAM:g}, eta = {ETA:g} (Tc = {tc:.4f}), on "
               f"log-spaced bins. Insulator (T = 0.7 Tc, linear Eq. 25 with the source eta): the weight sits at "
               f"Gamma ~ eta (the nodes with no decay term hold exactly eta) and the tail falls like Gamma^(-1-kappa), "
               f"kappa the exact stationary exponent (dashed; the larger root of ln m(kappa) = 0, equal to beta* at "
               f"Tc), beside the tail fit of the population (legend). Metal (SCBA fixed point): at T = 2 Tc the law "
               f"is broad (T < 1/lam: a few resonant terms carry Gamma); inside the window 1/lam << T << 1/lam^2 it "
               f"is narrow around <Gamma> ~ pi lam^2 T (dotted lines: <Gamma>). N = {s['size']} "
               f"({s['window_size']} at T = 3/lam), seed {seed}.")
    return FigureData(NAME, pd.concat(frames, ignore_index=True),
                      {"model": "baa", "lam": LAM, "eta": ETA, "Tc": tc, "generations": s["generations"],
                       "size": s["size"], "window_size": s["window_size"], "seeds": [seed], "scale": scale}, caption)


def draw(data, ax=None):
    fig, ax = new_axes(ax, figsize=(8.5, 5.5))
    for j, (label, g) in enumerate(data.frame.groupby("series", sort=False)):
        first = g.iloc[0]
        color = f"C{j}"
        ax.plot(g["gamma"], g["P"].where(g["P"] > 0), ".-", ms=3, color=color, lw=1.2, label=label)  # gaps at empty bins
        if first["phase"] == "insulator":
            kappa = first["kappa_exact"]
            tail = g[g["gamma"] > 1e3 * data.parameters["eta"]]
            if len(tail) > 2 and np.isfinite(kappa):
                anchor = tail.iloc[len(tail) // 3]
                x = tail["gamma"].to_numpy()
                ax.plot(x, anchor["P"] * (x / anchor["gamma"]) ** (-1.0 - kappa), "--", color="k", lw=1,
                        label=rf"$\Gamma^{{-1-\kappa}}$, exact $\kappa$ = {kappa:.3f} (population tail fit "
                              rf"{first['kappa_fit']:.3f} [{first['kappa_fit_lo']:.3f}, {first['kappa_fit_hi']:.3f}])")
        else:
            ax.axvline(first["mean_gamma"], color=color, ls=":", lw=1.2)
            ax.text(first["mean_gamma"], g["P"].max() * 3, r"$\langle\Gamma\rangle$",
                    color=color, ha="center", fontsize=9)
    eta = data.parameters["eta"]
    ax.axvline(eta, color="grey", ls="-.", lw=1)
    ax.text(eta * 1.3, 1e-6, r"$\eta$", color="grey", fontsize=11)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\Gamma$  ($\delta_\zeta = 1$)")
    ax.set_ylabel(r"$P(\Gamma)$")
    ax.set_title(rf"$P(\Gamma)$ in the insulator and the metal, $\lambda$ = {data.parameters['lam']:g}", fontsize=11)
    ax.legend(fontsize=7.5, loc="lower left")
    return fig
