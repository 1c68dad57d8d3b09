"""The finite-population study at one lam in two panels: v_N against 1/L^2, and Tc_N/Tc against N.

``popdyn finite-n --plot`` draws it from ``popdyn.analysis.finite_size``'s tables (``study_from_runs``,
``extrapolate``, ``population_tc``); the numbers are computed there, this module only draws.
"""

import numpy as np

from popdyn.spectrum import brunet_derrida_L

from ._style import new_axes


def draw_finite_population(study, extrapolation, tc_table, title=""):
    """The finite-population study at one lam, as a two-panel figure.

    Left: v_N (two standard errors) against 1/L^2 with L = ln N + 3 ln ln N, one colour per T/Tc,
    the weighted extrapolation line, the refined Brunet-Derrida prediction (dashed) and the exact v
    at 1/L^2 = 0 (star). Right: Tc_N/Tc against N with its interval.

    Parameters
    ----------
    study : pandas.DataFrame
        ``popdyn.analysis.finite_size.study_from_runs``: ``T_over_Tc``, ``N``, ``v_N``, ``stderr``,
        ``v_bd_refined``, ``v_exact``.
    extrapolation : pandas.DataFrame
        ``popdyn.analysis.finite_size.extrapolate``: ``T_over_Tc``, ``v_inf``, ``c`` (may be empty).
    tc_table : pandas.DataFrame
        ``popdyn.analysis.finite_size.population_tc``: ``N``, ``Tc_N``, ``lo``, ``hi``, ``Tc_N_over_Tc``
        and optionally ``Tc_N_parabola``.
    title : str
        The figure's title (none if empty).

    Returns
    -------
    matplotlib.figure.Figure
        Draw it inside ``popdyn.figures._style.style()`` for the common look.
    """
    fig, (left, right) = new_axes(figsize=(12, 4.6), ncols=2)
    fits = extrapolation.set_index("T_over_Tc") if len(extrapolation) else None
    for j, (r, group) in enumerate(study.groupby("T_over_Tc")):
        color = f"C{j % 10}"
        x = 1.0 / brunet_derrida_L(group["N"].to_numpy()) ** 2
        left.errorbar(x, group["v_N"], yerr=2 * group["stderr"], fmt="o", color=color, ms=5, capsize=3,
                      label=f"T = {r:g} Tc")
        left.plot(x, group["v_bd_refined"], "--", color=color, lw=1)
        left.plot([0], [group["v_exact"].iloc[0]], "*", color=color, ms=12, mec="k", mew=0.5)
        if fits is not None and r in fits.index:
            grid = np.linspace(0, x.max(), 50)
            left.plot(grid, fits.loc[r, "v_inf"] - fits.loc[r, "c"] * grid, "-", color=color, lw=0.8, alpha=0.7)
    left.axhline(0, color="grey", lw=0.8)
    left.set_xlim(left=-0.0005)
    left.set_xlabel(r"$1/(\ln N + 3\ln\ln N)^2$")
    left.set_ylabel(r"growth $v_N$ of $\ln\hat\gamma_n$ per generation")
    left.set_title("v_N (dots, ±2 s.e. over seeds), extrapolation (line), Brunet-Derrida (dashed), exact (star)",
                   fontsize=9)
    left.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    N = tc_table["N"].to_numpy(dtype=float)
    ratio = tc_table["Tc_N_over_Tc"].to_numpy()
    scale = tc_table["Tc_N"].to_numpy() / ratio  # the exact Tc, row by row
    err = np.vstack([ratio - tc_table["lo"] / scale, tc_table["hi"] / scale - ratio])
    right.errorbar(N, ratio, yerr=err, fmt="o", color="C0", capsize=3, label="line in ln T (95 %)")
    if "Tc_N_parabola" in tc_table:
        right.plot(N, tc_table["Tc_N_parabola"] / scale, "x", color="C1", label="parabola in ln T")
    right.axhline(1.0, color="k", lw=1, label="exact Tc")
    right.axhline(1.1, color="grey", lw=0.8, ls=":", label="10 % above")
    right.set_xscale("log")
    right.set_xlabel("population size N")
    right.set_ylabel(r"$T_c^{(N)} / T_c$")
    right.set_title("Tc read off the population", fontsize=9)
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
