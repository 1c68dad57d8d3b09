"""``fig5``: the paper's regimes made quantitative: the SCBA decay rate against T for two eta.

The paper's Fig. 5 sketches sigma(T): zero below Tc, the metal above, Drude above T^(el). Here
the SCBA population shows it through Gamma. Below Tc the typical Gamma (exp <ln Gamma>) is
proportional to eta (decay only through the bath); above, it forgets eta (the metal), and
between 1/lam and 1/lam^2 it follows the golden rule pi lam^2 T up to the corrections of BAA
Eqs. 20-23 (``popdyn.analysis.metallic``). The mean <Gamma> is drawn too: it is about eta + pi lam^2 T
at every T, because a single resonant term contributes lam^2 S / (m^2 + S^2), whose average over
m is pi lam^2 for any small S; the mean is carried by rare resonances and is no order parameter.
Tc is the exact tree value.
"""

import math

import numpy as np
import pandas as pd

import popdyn
from popdyn.results import exp_or_nan
from popdyn.spectrum import critical_temperature

from popdyn.analysis.metallic import late_half, late_half_mean

from ._base import FigureData
from ._style import new_axes

NAME = "fig5"
LAM = 0.01
ETAS = (1e-6, 1e-4)
SETTINGS = {"tiny": {"points": 3, "terms": 2e4, "generations": 10, "min_size": 100},
            "quick": {"points": 12, "terms": 4e5, "generations": 80, "min_size": 1_000},
            "paper": {"points": 24, "terms": 4e6, "generations": 200, "min_size": 1_000}}
T_RANGE = (0.5, 3e4)


def compute(scale="quick", seed=1):
    """SCBA populations on a log grid of T (N ~ terms / T, at least ``min_size``), Gamma over the run's last half."""
    s = SETTINGS[scale]
    tc = critical_temperature(LAM)
    # two thirds of the points between T_RANGE[0] and 40, where the insulator turns into the metal
    low = (2 * s["points"]) // 3
    temperatures = np.concatenate([np.geomspace(T_RANGE[0], 40.0, low, endpoint=False),
                                   np.geomspace(40.0, T_RANGE[1], s["points"] - low)])
    rows = []
    for eta in ETAS:
        for T in temperatures:
            size = int(min(100_000, max(s["min_size"], s["terms"] / T)))
            run = popdyn.run(popdyn.BAATree(lam=LAM, T=float(T), recursion="scba", eta=eta), size=size,
                             generations=s["generations"], seed=seed, progress=False)
            late = late_half(run)
            # per generation, nan where a value is no normal double (never a silent inf or 0)
            mean = exp_or_nan(late["ln_mean"].to_numpy())
            typical = exp_or_nan(late["mean_ln"].to_numpy())
            rows.append({"series": f"eta = {eta:g}", "eta": eta, "T": float(T), "T_over_Tc": float(T) / tc, "N": size,
                         "typical_gamma": exp_or_nan(late["mean_ln"].mean()),
                         "typical_gamma_lo": float(np.quantile(typical, 0.05)),
                         "typical_gamma_hi": float(np.quantile(typical, 0.95)),
                         "mean_gamma": late_half_mean(run, "ln_mean"), "mean_gamma_lo": float(np.quantile(mean, 0.05)),
                         "mean_gamma_hi": float(np.quantile(mean, 0.95)), "drude": math.pi * LAM**2 * float(T)})
    frame = pd.DataFrame(rows)
    ratio = frame["typical_gamma"] / frame["drude"]
    closest, closest_T = float(ratio.max()), float(frame.loc[ratio.idxmax(), "T"])
    caption = (f"The decay rate of the SCBA recursion (Eqs. 18-19) at lam = {LAM:g} against T for eta = "
               f"{' and '.join(f'{e:g}' for e in ETAS)}: the typical value exp<ln Gamma> (dots and lines; bars: 5-95 % "
               f"of the per-generation values over the last half of {s['generations']} generations) and the mean "
               f"<Gamma> (squares). Below the exact Tc = {tc:.4f} the typical Gamma is proportional to eta (insulator); "
               f"above Tc it forgets eta (metal) once the metal's own rate exceeds eta: just above Tc that rate is "
               f"tiny, set by rare resonances, and eta still shows. It comes closest to the golden-rule value "
               f"pi lam^2 T (dashed) near T_in ~ 1/lam (typical / golden rule = {closest:.2f} at T = {closest_T:.3g}) "
               f"and falls below it as T grows (the Lorentzians widen: 3 pi lam^2 T is not small), on the way to "
               f"T_el ~ 1/lam^2 and the Drude regime of the paper's Fig. 5. The mean is about eta + pi lam^2 T at every "
               f"T: one resonant term averages to pi lam^2 whatever its width, so beyond eta itself it carries no "
               f"trace of the phase and is carried by rare resonances. N = {s['terms']:g}/T samples ({s['min_size']} to "
               f"1e5), seed {seed}.")
    return FigureData(NAME, frame, {"model": "baa", "recursion": "scba", "lam": LAM, "etas": list(ETAS),
                                                 "Tc": tc, "T_range": list(T_RANGE), "generations": s["generations"],
                                                 "seeds": [seed], "scale": scale}, caption)


def draw(data, ax=None):
    fig, ax = new_axes(ax, figsize=(8.5, 5.5))
    f = data.frame
    lam, tc = data.parameters["lam"], data.parameters["Tc"]
    for j, (label, g) in enumerate(f.groupby("series", sort=False)):
        eta = g["eta"].iloc[0]
        ax.errorbar(g["T"], g["typical_gamma"], yerr=[g["typical_gamma"] - g["typical_gamma_lo"],
                                                      g["typical_gamma_hi"] - g["typical_gamma"]],
                    fmt="o-", ms=4, lw=1.2, capsize=2, color=f"C{j}",
                    label=rf"typical $e^{{\langle\ln\Gamma\rangle}}$, $\eta$ = {eta:g}")
        ax.plot(g["T"], g["mean_gamma"], "s", ms=6, mfc="none", color=f"C{j}",
                label=rf"mean $\langle\Gamma\rangle$, $\eta$ = {eta:g}")
        ax.axhline(eta, color=f"C{j}", ls=(0, (1, 4)), lw=1)
    T = np.geomspace(f["T"].min(), f["T"].max(), 100)
    ax.plot(T, math.pi * lam**2 * T, "--", color="k", lw=1, label=r"golden rule $\pi\lambda^2 T$")
    for x, text, style in ((tc, r"$T_c$", "-"), (1.0 / lam, r"$T^{(in)}$", ":"), (1.0 / lam**2, r"$T^{(el)}$", ":")):
        ax.axvline(x, color="grey", ls=style, lw=1.2)
        ax.text(x * 1.1, 0.2, text, transform=ax.get_xaxis_transform(), fontsize=10, color="0.3")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for x, text in ((math.sqrt(f["T"].min() * tc), "insulator"), (math.sqrt(tc / lam), "metal"),
                    (math.sqrt(f["T"].max() / lam**2), "Drude")):
        ax.text(x, 0.93, text, transform=ax.get_xaxis_transform(), ha="center", fontsize=10, color="0.25",
                bbox={"fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_xlabel(r"temperature $T$  ($\delta_\zeta = 1$)")
    ax.set_ylabel(r"decay rate $\Gamma$  ($\delta_\zeta = 1$)")
    ax.set_title(rf"regimes of the SCBA decay rate, $\lambda$ = {lam:g} (dotted: the two $\eta$)", fontsize=11)
    ax.legend(fontsize=7.5, loc="center right")
    return fig
