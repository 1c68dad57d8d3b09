"""``growth``: ln gamma_hat_n against n at several T around Tc, the fitted growth and the exact slope.

``draw_run`` draws one run's generations and is shared with the fitting report.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd

import popdyn
from popdyn.analysis.growth import fit_growth
from popdyn.spectrum import critical_temperature, typical_growth

from ._base import FigureData
from ._style import new_axes

NAME = "growth"
SETTINGS = {"tiny": {"size": 2_000, "generations": 16},
            "quick": {"size": 100_000, "generations": 150},
            "paper": {"size": 1_000_000, "generations": 200}}
LAM = 0.01
RATIOS = (0.8, 0.9, 1.1, 1.25)


def draw_run(ax, table, fit=None, exact_v=None, label="", color=None, typical=True):
    """One run on ``ax``: ln gamma_hat_n (dots), its fitted growth (line) and the exact slope (dashed).

    ``table`` is a run's table of generations; ``fit`` is its ``popdyn.analysis.growth.GrowthFit`` or any
    object with ``v``, ``stderr``, ``burn_in``, ``size`` and ``column`` (None: no line);
    ``typical`` also plots <ln Gamma^(n)>. The exact line has the exact slope through the centre of
    the fitted points, so the two differ only in slope.
    """
    n = table["n"].to_numpy()
    prefix = f"{label}: " if label else ""
    (dots,) = ax.plot(n, table["ln_gamma_mle"], ".", ms=4, color=color, label=rf"{prefix}$\ln\hat\gamma_n$")
    color = dots.get_color()
    if typical:
        ax.plot(n, table["mean_ln"], ".", ms=4, alpha=0.5, label=rf"{prefix}$\langle\ln\Gamma^{{(n)}}\rangle$")
    if fit is not None and np.isfinite(fit.v):
        used = n >= fit.burn_in
        x = n[used]
        centre, mean = x.mean(), table.loc[used, fit.column].to_numpy().mean()
        ax.plot(x, mean + fit.v * (x - centre), "-", color=color, lw=1.5,
                label=f"{prefix}fit v = {fit.v:.3f} ± {fit.stderr:.3f} (N = {fit.size})")
        if exact_v is not None and np.isfinite(exact_v):
            ax.plot(x, mean + exact_v * (x - centre), "--", color=color, lw=1.0,
                    label=f"{prefix}exact v = {exact_v:.3f}")
    ax.set_xlabel("generation n")
    ax.set_ylabel(r"$\ln\Gamma$  ($\delta_\zeta = 1$)")
    return ax


def compute(scale="quick", seed=1):
    """Term-recursion runs at lam = 0.01 and T/Tc in ``RATIOS``, their growth fits and exact v."""
    s = SETTINGS[scale]
    tc = critical_temperature(LAM)
    frames, below = [], 0
    for ratio in RATIOS:
        model = popdyn.BAATree(lam=LAM, T=ratio * tc)
        run = popdyn.run(model, size=s["size"], generations=s["generations"], seed=seed, progress=False)
        fit = fit_growth(run.table, "ln_gamma_mle", size=run.size)
        exact = typical_growth(model.spectrum())
        below += fit.v < exact.v
        frames.append(pd.DataFrame({"series": f"T = {ratio:g} Tc", "T_over_Tc": ratio, "T": model.T,
                                    "n": run.table["n"], "ln_gamma_mle": run.table["ln_gamma_mle"],
                                    "mean_ln": run.table["mean_ln"], "v_fit": fit.v, "v_stderr": fit.stderr,
                                    "v_exact": exact.v, "burn_in": fit.burn_in}))
    caption = (f"ln of the Levy-scale MLE gamma_hat_n against generation n for the term recursion of Eq. 26 at "
               f"lam = {LAM:g} (exact Tc = {tc:.4f}), T/Tc = {', '.join(map(str, RATIOS))}; N = {s['size']}, "
               f"seed {seed}. Solid: the fitted growth v (OLS on increments after burn-in, HAC errors); dashed: the "
               f"exact tree slope v = min ln m(beta)/beta, through the centre of the fitted points. {below} of "
               f"{len(RATIOS)} fitted slopes lie below the exact ones: the finite-N bias of BACKGROUND section 3.")
    return FigureData(NAME, pd.concat(frames, ignore_index=True),
                      {"model": "baa", "recursion": "term", "lam": LAM, "Tc": tc, "T_over_Tc": list(RATIOS),
                       "size": s["size"], "generations": s["generations"], "seeds": [seed], "scale": scale},
                      caption)


def draw(data, ax=None):
    fig, ax = new_axes(ax, figsize=(11, 5))
    size = data.parameters["size"]
    for j, (label, group) in enumerate(data.frame.groupby("series", sort=False)):
        first = group.iloc[0]
        fit = SimpleNamespace(v=first["v_fit"], stderr=first["v_stderr"], burn_in=first["burn_in"], size=size,
                              column="ln_gamma_mle")
        draw_run(ax, group.reset_index(drop=True), fit, first["v_exact"], label=label, color=f"C{j}", typical=False)
    ax.set_title(f"growth of ln gamma_n, lam = {data.parameters['lam']:g}, N = {size}")
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
