"""The two plots of a fitting report, as PNG bytes (matplotlib's Agg backend, seaborn's style)."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from .levy import levy_density  # noqa: E402


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


def levy_plot(samples_by_generation, gamma_by_generation, title=""):
    """Histogram of ln Gamma^(n) for a few generations against the Levy law of Eq. 27.

    In the variable ln Gamma the density is Gamma P_n(Gamma).
    """
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for j, (n, ln_gamma) in enumerate(sorted(samples_by_generation.items())):
        x = ln_gamma[np.isfinite(ln_gamma)]
        color = f"C{j % 10}"
        ax.hist(x, bins=120, density=True, histtype="step", color=color, label=f"n = {n} (population)")
        gamma = gamma_by_generation[n]
        # evaluate relative to gamma so that exp() stays in range however large ln Gamma is
        grid = np.linspace(x.min(), x.max(), 400)
        ln_g = np.log(gamma)
        density = np.exp(grid - ln_g) * levy_density(np.exp(grid - ln_g), 1.0)
        ax.plot(grid, density, "--", color=color, lw=1, label=rf"Eq. 27, $\hat\gamma_{{{n}}}$")
    ax.set_xlabel(r"$\ln\Gamma^{(n)}$")
    ax.set_ylabel("density of $\\ln\\Gamma$")
    ax.set_title(title or "P_n(Gamma) against the Levy law")
    ax.legend(fontsize=8, ncol=2)
    return _png(fig)
