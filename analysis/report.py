"""The fits behind the fitting report of a run: gamma_n with exact intervals, Levy goodness of
fit, tail exponents, and the growth Lambda beside the exact tree value.

``fit_run`` computes a ``RunFit`` (numbers only, no files); ``group_by_point`` and
``combined_growth`` combine the seeds of one point. The report files themselves (Markdown,
HTML, plots) are written by ``popdyn.figures.report``.

Scales are computed and carried as logs: on the metallic side ln Gamma grows by ~1.8 per
generation, and gamma_n passes the largest double (e^709.78) within a few hundred generations.
``ln_gamma``, ``ln_gamma_lo``, ``ln_gamma_hi`` and ``ln_tail_gamma`` are always finite (while
the population lives); ``gamma``, ``gamma_lo``, ``gamma_hi``, ``tail_gamma`` are their
exponentials where a double holds them, and nan (null in JSON) elsewhere. The text prints
scales from their logs (``levy.format_ln``: ``8.459e+644``).
"""

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from popdyn.errors import ConfigError
from popdyn.results import json_safe
from popdyn.spectrum import typical_growth

from .growth import check_distinct_seeds, combine_seeds, fit_growth
from .levy import exp_or_nan, fit_levy_ln, format_ln, ln_levy_scale_interval
from .tails import MIN_TAIL, fit_tail_ln


@dataclass
class RunFit:
    """Everything the report says about one run.

    Attributes
    ----------
    run : popdyn.Run
    generations : pandas.DataFrame
        Per generation: ``n``, ``ln_gamma`` (ln of the MLE), ``ln_gamma_lo``, ``ln_gamma_hi``
        (exact interval), ``gamma``, ``gamma_lo``, ``gamma_hi`` (the same as numbers, nan where a
        double cannot hold them), ``n_pos``, and for snapshot generations ``ks_pvalue``,
        ``ad_pvalue``, ``alpha``, ``alpha_lo``, ``alpha_hi``, ``ln_tail_gamma``, ``tail_gamma``.
    growth : dict
        ``GrowthFit`` by column (``ln_gamma_mle``, ``mean_ln``); empty when not applicable.
    exact : popdyn.spectrum.TreeGrowth or None
    notes : list of str
        What the fit could not do, or where the Levy form fails.
    """

    run: object
    generations: pd.DataFrame
    growth: dict
    exact: object
    levy: dict = field(default_factory=dict)
    tails: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def Lambda_fit(self):
        return self.growth.get("ln_gamma_mle")

    def to_dict(self):
        model = dict(self.run.config.model)
        g = self.Lambda_fit
        doc = {
            "path": str(self.run.path) if self.run.path else None,
            "model": model,
            "run": {**self.run.config.parameters(), "status": self.run.status,
                    "generations_done": int(self.run.table["n"].max())},
            "provenance": dict(self.run.config.provenance),
            "Lambda": None,
            "gamma": json_safe(self.generations[["n", "ln_gamma", "ln_gamma_lo", "ln_gamma_hi", "gamma", "gamma_lo",
                                                 "gamma_hi", "n_pos"]].to_dict("records")),
            "alpha": json_safe(self.generations.dropna(subset=["alpha"])[
                ["n", "alpha", "alpha_lo", "alpha_hi", "ln_tail_gamma", "tail_gamma", "ks_pvalue", "ad_pvalue"]
            ].to_dict("records")),
            "levy": [{"n": int(n), "ln_gamma": f.ln_gamma, "ln_gamma_interval": list(f.ln_interval),
                      "gamma": f.gamma, "gamma_interval": list(f.interval), "n_samples": f.n, "ks": f.ks,
                      "ks_pvalue": f.ks_pvalue, "ad": f.ad, "ad_pvalue": f.ad_pvalue, "n_bootstrap": f.n_bootstrap}
                     for n, f in sorted(self.levy.items())],
            "diagnostics": {"notes": self.notes},
        }
        if g is not None:
            doc["Lambda"] = {
                "estimate": g.Lambda, "interval": list(g.Lambda_interval), "ln_Lambda": g.ln_Lambda,
                "v": g.v, "v_interval": list(g.interval), "v_stderr": g.stderr, "confidence": g.confidence,
                "population_size": g.size, "burn_in": g.burn_in, "generations_used": g.generations,
                "method": f"{g.method}, OLS with HAC (Bartlett, maxlags={g.maxlags})", "column": g.column,
                "exact_v": json_safe(self.exact.v) if self.exact else None,
                "exact_Lambda": self.exact.Lambda if self.exact else None,
                "exact_minus_fit_in_half_widths": json_safe(g.half_widths(self.exact.v if self.exact else None)),
            }
            doc["diagnostics"]["typical_growth_mean_ln"] = {
                "v": self.growth["mean_ln"].v, "v_interval": list(self.growth["mean_ln"].interval)}
            doc["diagnostics"]["adf_pvalue"] = g.adf_pvalue
        if self.exact is not None:
            doc["diagnostics"]["beta_star"] = self.exact.beta_star
        return doc

    def summary(self):
        m = self.run.config.model
        lines = [f"popdyn fit: {self.run.path}  ({m['name']}/{m['recursion']}, {self.run.model.label()}, "
                 f"N={self.run.size}, seed={self.run.seed}, {self.run.status})"]
        if self.Lambda_fit is not None:
            lines.append(self.Lambda_fit.summary(exact_v=self.exact.v if self.exact else None))
            t = self.growth["mean_ln"]
            lines.append(f"  typical growth of <ln Gamma>: v = {t.v:.4f} +- {t.stderr:.4f}")
        snaps = sorted(set(self.levy) | set(self.tails))
        if snaps:
            beta = f", exact beta* = {self.exact.beta_star:.4f}" if self.exact else ""
            lines.append(f"  snapshots (Levy GoF p-values; tail exponent alpha, Eq. 27 says 1/2{beta}):")
            lines.append(f"  {'n':>5}  {'gamma_hat [95% interval]':>34}  {'ln gamma_hat':>12}  {'KS p':>6}  {'AD p':>6}  "
                         f"{'alpha [95% interval]':>22}")
            for n in snaps:
                f, t = self.levy.get(n), self.tails.get(n)
                g = (f"{format_ln(f.ln_gamma)} [{format_ln(f.ln_interval[0])}, {format_ln(f.ln_interval[1])}]"
                     if f else "")
                ln_g = f"{f.ln_gamma:.6g}" if f else ""
                a = f"{t.alpha:.3f} [{t.interval[0]:.3f}, {t.interval[1]:.3f}]" if t else ""
                ks = f"{f.ks_pvalue:.3g}" if f else ""
                ad = f"{f.ad_pvalue:.3g}" if f else ""
                lines.append(f"  {n:>5}  {g:>34}  {ln_g:>12}  {ks:>6}  {ad:>6}  {a:>22}")
        lines.extend(f"  note: {x}" for x in self.notes)
        return "\n".join(lines)


def fit_run(run, burn_in=None, n_bootstrap=199, tail_bootstrap=100, seed=0):
    """Fit a run: gamma_n for every generation, Levy GoF and tails on snapshots, and Lambda.

    Works on a run that is still going: it reads the generations complete so far.
    """
    table = run.table
    model = run.model
    notes = []
    # everything in logs: gamma_n itself overflows a double past ln gamma = 709.78
    ln_gamma = table["ln_gamma_mle"].to_numpy(dtype=float)
    n_pos = np.rint(run.size * (1.0 - table["zero_fraction"].to_numpy())).astype(int)
    ln_lo, ln_hi = ln_levy_scale_interval(ln_gamma, np.maximum(n_pos, 1))
    gens = pd.DataFrame({"n": table["n"], "ln_gamma": ln_gamma, "ln_gamma_lo": ln_lo, "ln_gamma_hi": ln_hi,
                         "gamma": exp_or_nan(ln_gamma), "gamma_lo": exp_or_nan(ln_lo), "gamma_hi": exp_or_nan(ln_hi),
                         "n_pos": n_pos})
    for col in ("ks_pvalue", "ad_pvalue", "alpha", "alpha_lo", "alpha_hi", "ln_tail_gamma", "tail_gamma"):
        gens[col] = np.nan
    levy, tails, rejected, unresolved = {}, {}, [], []
    for n in run.snapshot_generations:
        if n == 0:
            continue
        # the fits take ln Gamma and work relative to its median: any ln Gamma a double holds
        ln_samples = np.asarray(run.snapshot(n), dtype=float)
        ln_samples = ln_samples[np.isfinite(ln_samples)]
        row = gens.index[gens["n"] == n]
        if ln_samples.size >= 5:
            f = fit_levy_ln(ln_samples, n_bootstrap=n_bootstrap, seed=seed)
            levy[n] = f
            gens.loc[row, ["ks_pvalue", "ad_pvalue"]] = f.ks_pvalue, f.ad_pvalue
            if f.rejected:
                rejected.append(n)
        if ln_samples.size >= 4 * MIN_TAIL:
            t = fit_tail_ln(ln_samples, n_bootstrap=tail_bootstrap, seed=seed)
            tails[n] = t
            if t.k_at_edge:
                unresolved.append(n)
            gens.loc[row, ["alpha", "alpha_lo", "alpha_hi", "ln_tail_gamma", "tail_gamma"]] = (
                t.alpha, t.interval[0], t.interval[1], t.ln_tail_gamma, t.tail_gamma)
    if rejected:
        notes.append(f"the Levy form of Eq. 27 is rejected at 1 % in generation(s) {', '.join(map(str, rejected))}: "
                     "there gamma_n is a scale of the law, not the parameter of Eq. 27")
    if unresolved:
        notes.append(f"the tail threshold k is at the edge of the k-search in generation(s) "
                     f"{', '.join(map(str, unresolved))}: it is not resolved, so alpha there depends on where the "
                     "search stops (the tail gamma's interval is widened by its change from k/2 to 2k)")
    growth, exact = {}, None
    if not model.linear:
        notes.append(f"the {model.recursion} recursion is nonlinear: it has no growth rate; see ln_mean and ln_var "
                     "in generations.parquet")
    else:
        spectrum = model.spectrum()
        if spectrum is None:
            notes.append(f"no closed-form spectrum for the {model.name} model: the converged growth is the tilted "
                         f"operator's (popdyn spectrum --model {model.name})")
        else:
            try:
                exact = typical_growth(spectrum)
            except ValueError as exc:  # a spectrum known on part of (0, 1/2) only, minimized outside it
                notes.append(f"no exact growth: {exc}")
        try:
            for column in ("ln_gamma_mle", "mean_ln"):
                growth[column] = fit_growth(table, column, burn_in=burn_in, size=run.size, run=run.path)
        except ConfigError:  # an overflowed run: refused, not a note
            raise
        except ValueError as exc:
            notes.append(f"no growth fit yet: {exc}")
            growth = {}
        notes.extend(model.fit_notes(exact, dict(zip(gens["n"], gens["ln_gamma"]))))
    return RunFit(run, gens, growth, exact, levy, tails, notes)


def point_key(run):
    """The parameter point of a run, as text: its model and population size (seeds differ within a point)."""
    return json.dumps({"model": run.config.model, "size": run.size}, sort_keys=True)


def check_seeds_by_point(runs):
    """ConfigError when two runs of one point (``point_key``) have the same seed (``check_distinct_seeds``)."""
    groups = {}
    for r in runs:
        groups.setdefault(point_key(r), []).append(r)
    for group in groups.values():
        check_distinct_seeds([(r.seed, r.path if r.path is not None else "a run in memory") for r in group],
                             f"{group[0].model.label()}, N = {group[0].size}")


def group_by_point(fits):
    """Fits of the same model and population size, keyed by ``point_key``, in the order given.

    ConfigError when two of one point have the same seed: they would be combined as independent seeds.
    """
    check_seeds_by_point([f.run for f in fits])
    groups = {}
    for f in fits:
        groups.setdefault(point_key(f.run), []).append(f)
    return groups


def combined_growth(fits):
    """Seed combination of the Lambda fits of one point (None with fewer than two usable seeds)."""
    usable = [f.Lambda_fit for f in fits if f.Lambda_fit is not None and math.isfinite(f.Lambda_fit.v)]
    return combine_seeds(usable) if len(usable) >= 2 else None


@dataclass(frozen=True)
class PointFits:
    """The fits of one parameter point (one model and N), and their combination over seeds.

    Attributes
    ----------
    point : dict
        The model's parameters and N (``point_key``).
    fits : tuple of RunFit
        In the order given.
    combined : popdyn.analysis.growth.SeedCombination or None
        None with fewer than two seeds whose growth could be fitted.
    """

    point: dict
    fits: tuple
    combined: object = None

    def to_dict(self):
        doc = {"point": self.point, "runs": [str(f.run.path) for f in self.fits]}
        if self.combined is not None:
            c = self.combined
            doc.update(c.to_dict())
            # schema 1's names (popdyn fit --json), kept until 0.3
            doc.update({"v_stderr": c.stderr, "v_interval": list(c.interval)})
        return json_safe(doc)


@dataclass(frozen=True)
class Fits:
    """``fit_runs``'s result: every run's fit, and the runs grouped by point with their seeds combined.

    Attributes
    ----------
    fits : tuple of RunFit
        One per run, in the order given.
    points : tuple of PointFits
        One per parameter point, in the order of its first run.
    """

    fits: tuple
    points: tuple

    def combined_of(self, fit):
        """The seed combination of ``fit``'s point (None when it has none)."""
        return next((p.combined for p in self.points if any(f is fit for f in p.fits)), None)

    def to_dict(self):
        """Every fit (``runs``), and each point of two or more fitted seeds with their combination (``combined``)."""
        return json_safe({"runs": [f.to_dict() for f in self.fits],
                          "combined": [p.to_dict() for p in self.points if p.combined is not None]})

    def summary(self):
        blocks = []
        for f in self.fits:
            c = self.combined_of(f)
            blocks.append(f.summary() + ("\ncombined over seeds: " + c.summary() if c is not None else "") + "\n")
        return "\n".join(blocks)


def fit_runs(runs, burn_in=None, n_bootstrap=199, tail_bootstrap=100, seed=0):
    """``fit_run`` on each run, and the seeds of each parameter point combined (``combined_growth``).

    Runs of one model and N with different seeds are one point; two runs of one point with the
    same seed are refused before any fit (they would count as independent).

    Returns
    -------
    Fits
    """
    check_seeds_by_point(runs)  # before any fit: two runs of one seed are not two seeds
    fits = [fit_run(r, burn_in=burn_in, n_bootstrap=n_bootstrap, tail_bootstrap=tail_bootstrap, seed=seed)
            for r in runs]
    points = tuple(PointFits(json.loads(key), tuple(group), combined_growth(group))
                   for key, group in group_by_point(fits).items())
    return Fits(tuple(fits), points)
