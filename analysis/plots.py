"""The plots of the reports, as PNG bytes (matplotlib's Agg backend, seaborn's style)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from popdyn.spectrum import brunet_derrida_L  # noqa: E402

from .levy import ln_levy_density_of_ln  # noqa: E402


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def growth_plot(table, fit, exact_v=None, title=""):
    """ln gamma_hat_n and <ln Gamma^(n)> against n, with the fitted growth (and the exact slope)."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    n = table["n"].to_numpy()
    ax.plot(n, table["ln_gamma_mle"], ".", ms=4, label=r"$\ln\hat\gamma_n$ (Levy MLE)")
    ax.plot(n, table["mean_ln"], ".", ms=4, alpha=0.6, label=r"$\langle\ln\Gamma^{(n)}\rangle$")
    if fit is not None and np.isfinite(fit.v):
        used = n >= fit.burn_in
        y = table.loc[used, fit.column].to_numpy()
        x = n[used]
        anchor = y.mean() - fit.v * x.mean()
        ax.plot(x, anchor + fit.v * x, "-", color="k", lw=1.5,
                label=f"fit: v = {fit.v:.3f} ± {fit.stderr:.3f} per generation (N = {fit.size})")
        if exact_v is not None and np.isfinite(exact_v):
            ax.plot(x, anchor + exact_v * x, "--", color="C3", lw=1.2, label=f"exact tree: v = {exact_v:.3f}")
        ax.axvline(fit.burn_in, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("generation n")
    ax.set_ylabel(r"$\ln\Gamma$")
    ax.set_title(title or "growth per generation")
    ax.legend(fontsize=8, loc="best")
    return _png(fig)


def levy_plot(samples_by_generation, ln_gamma_by_generation, title=""):
    """Histogram of ln Gamma^(n) for a few generations against the Levy law of Eq. 27.

    In the variable ln Gamma the density is Gamma P_n(Gamma); it is evaluated from
    ln Gamma - ln gamma_hat only (``ln_levy_density_of_ln``), so any ln Gamma a double holds
    plots. ``ln_gamma_by_generation`` gives ln gamma_hat_n (not gamma_hat_n, which may overflow).
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for j, (n, ln_gamma) in enumerate(sorted(samples_by_generation.items())):
        x = np.asarray(ln_gamma, dtype=float)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        color = f"C{j % 10}"
        ax.hist(x, bins=120, density=True, histtype="step", color=color, label=f"n = {n} (population)")
        ln_g = float(ln_gamma_by_generation[n])
        if np.isfinite(ln_g):
            grid = np.linspace(x.min(), x.max(), 400)
            density = np.exp(ln_levy_density_of_ln(grid, ln_g))
            ax.plot(grid, density, "--", color=color, lw=1, label=rf"Eq. 27, $\hat\gamma_{{{n}}}$")
    ax.set_xlabel(r"$\ln\Gamma^{(n)}$")
    ax.set_ylabel("density of $\\ln\\Gamma$")
    ax.set_title(title or "P_n(Gamma) against the Levy law")
    ax.legend(fontsize=8, ncol=2)
    return _png(fig)


def finite_population_plot(study, extrapolation, tc_table, title=""):
    """The finite-population study at one lam, two panels.

    Left: v_N (two standard errors) against 1/L^2 with L = ln N + 3 ln ln N, one colour per T/Tc, the weighted
    extrapolation line, the refined Brunet-Derrida prediction (dashed) and the exact v at
    1/L^2 = 0 (star). Right: Tc_N/Tc against N with its interval.
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
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
    left.set_title("v_N (dots, ±2 s.e. over seeds), extrapolation (line), Brunet-Derrida (dashed), exact (star)", fontsize=9)
    left.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    N = tc_table["N"].to_numpy(dtype=float)
    ratio = tc_table["Tc_N_over_Tc"].to_numpy()
    scale = tc_table["Tc_N"].to_numpy() / ratio
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
    return _png(fig)
