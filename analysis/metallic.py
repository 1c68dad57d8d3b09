"""The metallic side (BAA Eqs. 20-23) with the SCBA recursion: <Gamma> and Var Gamma of the fixed point.

In the tree model, deep in the window 1/lam << T << 1/lam^2 (delta_zeta = 1), each decay term
averages to lam^2 pi when the summed width S = Gamma_a + Gamma_b + Gamma_c is small against
the level spacing (the mismatch density is 1 at m = 0), so

    <Gamma> -> pi lam^2 T,         Var Gamma -> lam^2 / 6,

the second because the second moment of one term is lam^4 pi / (2 S) with S ~ 3 <Gamma>
(Poisson(T) terms: Var = T E[term^2] = T lam^4 pi / (6 <Gamma>) = lam^2 / 6).
Corrections are of relative order 3 pi lam^2 T (the Lorentzians are no longer narrow, the
window's upper edge) and 1/(lam T) (S fluctuates, the lower edge). ``metallic_point`` runs
the SCBA population to its fixed point and measures both ratios with their errors.
"""

import math
from dataclasses import dataclass

import pandas as pd

import popdyn
from popdyn.errors import ConfigError
from popdyn.results import json_safe, mean_of_exp, sample_mean


@dataclass(frozen=True)
class MetallicPoint:
    """SCBA fixed point at one (lam, T).

    Attributes
    ----------
    lam, T : float
    size : int
        The population size N.
    mean_ratio, mean_ratio_err : float
        <Gamma> / (pi lam^2 T) and its standard error (scatter over seeds x generations after burn-in).
    var_ratio, var_ratio_err : float
        Var Gamma / (lam^2 / 6) and its standard error.
    upper_correction, lower_correction : float
        3 pi lam^2 T and 1 / (lam T): the sizes of the corrections at this point.
    """

    lam: float
    T: float
    size: int
    mean_ratio: float
    mean_ratio_err: float
    var_ratio: float
    var_ratio_err: float

    @property
    def upper_correction(self):
        return 3 * math.pi * self.lam**2 * self.T

    @property
    def lower_correction(self):
        return 1.0 / (self.lam * self.T)

    def to_dict(self):
        """The point as JSON-ready Python (null for an error of one seed, which is nan)."""
        return json_safe({"lam": self.lam, "T": self.T, "size": self.size, "mean_ratio": self.mean_ratio,
                          "mean_ratio_err": self.mean_ratio_err, "var_ratio": self.var_ratio,
                          "var_ratio_err": self.var_ratio_err, "upper_correction": self.upper_correction,
                          "lower_correction": self.lower_correction})

    def summary(self):
        return (f"SCBA fixed point at lam = {self.lam:g}, T = {self.T:g} (N = {self.size}): "
                f"<Gamma> / (pi lam^2 T) = {self.mean_ratio:.4f} +- {self.mean_ratio_err:.4f}, "
                f"Var Gamma / (lam^2/6) = {self.var_ratio:.4f} +- {self.var_ratio_err:.4f} "
                f"(corrections 3 pi lam^2 T = {self.upper_correction:.3g}, 1/(lam T) = {self.lower_correction:.3g})")


def metallic_model(lam, T, eta=None, prototype=None):
    """The SCBA model of a metallic point: the ``prototype`` (None: the BAA tree) at lam, T and eta.

    ``eta`` defaults to 1e-3 lam^2, infinitesimal against pi lam^2 T. Any model with lam, T, eta
    and an ``scba`` recursion is studied the same way; the prototype fixes its other parameters.
    """
    eta = lam**2 * 1e-3 if eta is None else eta
    base = prototype if prototype is not None else popdyn.BAATree(lam=lam, T=T)
    return base.at(lam=lam, T=T, eta=eta, recursion="scba")


def late_half(run):
    """The rows of ``run.table`` past its burn-in: generations n > G // 2 of a run of G generations."""
    return run.table[run.table["n"] > run.generations // 2]


def late_half_mean(run, column):
    """The mean over the generations past burn-in (``late_half``) of exp(``column``), a log-scale column.

    The SCBA fixed point's <Gamma> (``ln_mean``) or Var Gamma (``ln_var``) averaged over the
    run's last half, taken in logs where the direct mean would overflow (``mean_of_exp``).

    Examples
    --------
    >>> run = popdyn.run(metallic_model(0.01, 300.0), size=200, generations=6, seed=1, progress=False)
    >>> round(late_half_mean(run, "ln_mean") / (math.pi * 0.01**2 * 300.0), 2)  # 6 generations: not yet pi lam^2 T
    0.68
    """
    return mean_of_exp(late_half(run)[column])


def metallic_point(lam, T, size=4000, generations=30, seeds=(1, 2, 3), eta=None, progress=False, prototype=None):
    """Run the SCBA recursion at (lam, T) for each seed and measure <Gamma> and Var Gamma.

    The first half of the generations is burn-in; the rest are averaged (generations of one
    seed are correlated, so the error is the scatter of the per-seed means). ``prototype``:
    the model run (``metallic_model``; None: the BAA tree).
    """
    model = metallic_model(lam, T, eta, prototype)
    if len(set(seeds)) != len(seeds):
        repeated = sorted({s for s in seeds if list(seeds).count(s) > 1})
        raise ConfigError(f"the seeds of a metallic point must differ, got {tuple(seeds)} (seed "
                          f"{', '.join(map(str, repeated))} repeated): one seed repeats its run bit for bit")
    means, variances = [], []
    for s in seeds:
        r = popdyn.run(model, size=size, generations=generations, seed=s, progress=progress)
        means.append(late_half_mean(r, "ln_mean") / (math.pi * lam**2 * T))
        variances.append(late_half_mean(r, "ln_var") / (lam**2 / 6))
    mean, var = sample_mean(means), sample_mean(variances)
    return MetallicPoint(lam, T, size, mean.mean, mean.stderr, var.mean, var.stderr)


@dataclass(frozen=True)
class MetallicTable:
    """``metallic_point`` over temperatures at one lam, ``metallic_table``'s result.

    Attributes
    ----------
    lam : float
    points : tuple of MetallicPoint
        One per temperature, in the order asked.
    frame : pandas.DataFrame (property)
        One row per T: lam, T, lam T and 3 pi lam^2 T (the corrections' sizes), N, the two ratios and their errors.
    """

    lam: float
    points: tuple

    @property
    def frame(self):
        return pd.DataFrame([{"lam": self.lam, "T": p.T, "lam_T": self.lam * p.T, "3pi_lam2_T": p.upper_correction,
                              "N": p.size, "mean_over_pi_lam2_T": p.mean_ratio, "err_mean": p.mean_ratio_err,
                              "var_over_lam2_6": p.var_ratio, "err_var": p.var_ratio_err} for p in self.points])

    def to_dict(self):
        return json_safe({"lam": self.lam, "rows": self.frame.to_dict("records")})

    def summary(self):
        return self.frame.to_string(index=False, float_format=lambda x: f"{x:.4g}")


def metallic_table(lam, temperatures, **kwargs):
    """``metallic_point`` at each temperature (``kwargs`` go to it).

    Returns
    -------
    MetallicTable
    """
    return MetallicTable(lam, tuple(metallic_point(lam, T, **kwargs) for T in temperatures))
