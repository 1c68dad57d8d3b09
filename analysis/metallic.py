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

import numpy as np
import pandas as pd

import popdyn
from popdyn.errors import ConfigError
from popdyn.results import json_safe


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
        t = r.table[r.table["n"] > generations // 2]
        means.append(np.exp(t["ln_mean"]).mean() / (math.pi * lam**2 * T))
        variances.append(np.exp(t["ln_var"]).mean() / (lam**2 / 6))
    k = len(seeds)
    err = (lambda x: float(np.std(x, ddof=1) / math.sqrt(k)) if k > 1 else float("nan"))
    return MetallicPoint(lam, T, size, float(np.mean(means)), err(means), float(np.mean(variances)), err(variances))


def metallic_table(lam, temperatures, **kwargs):
    """``metallic_point`` over temperatures, as a DataFrame (one row per T)."""
    rows = []
    for T in temperatures:
        p = metallic_point(lam, T, **kwargs)
        rows.append({"lam": lam, "T": T, "lam_T": lam * T, "3pi_lam2_T": p.upper_correction, "N": p.size,
                     "mean_over_pi_lam2_T": p.mean_ratio, "err_mean": p.mean_ratio_err,
                     "var_over_lam2_6": p.var_ratio, "err_var": p.var_ratio_err})
    return pd.DataFrame(rows)
