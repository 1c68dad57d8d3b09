"""The files of ``popdyn fit``: a run's fitting report as Markdown and HTML, with its plots.

``popdyn.analysis.report`` computes the fits (``RunFit``, ``combined_growth``); this module draws and
writes them. ``write_report`` puts into a run directory ``report.md`` (Markdown, for a terminal
or GitHub, with the PNGs beside it as files) and ``report.html`` (one self-contained page
rendered from ``templates/report.html.j2``, the plots inline as base64 PNG). Several seeds of one
point also get ``write_combined_report``: each seed's Lambda fit, their combination and one growth
plot of all seeds, as ``report_combined.*`` in the first run's directory.

Scales are printed from their logs (``popdyn.analysis.levy.format_ln``), so a report of a run whose
gamma_n has left the range of a double reads the same as any other.
"""

import base64
import functools
import json
import math
import os
import urllib.parse
import warnings
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from popdyn.analysis.levy import format_ln
from popdyn.files import atomic_write

from ._style import new_axes, png_bytes, style
from .fig4 import draw_densities
from .growth import draw_run

#: What ``write_report`` writes into a run directory.
REPORT_FILES = ("report.md", "report.html", "report_growth.png", "report_levy.png")
#: What ``write_combined_report`` writes into the first run directory of a point.
COMBINED_FILES = ("report_combined.md", "report_combined.html", "report_combined_growth.png")
#: How a run kept in memory (no directory) is named in a report.
IN_MEMORY = "(in memory)"
#: Snapshot generations drawn in the Levy plot: more histograms than this hide each other.
LEVY_PLOT_GENERATIONS = 4

#: Columns of the per-generation table that hold numbers given by their logs, shown from the log.
_SCALES = {"gamma": "ln_gamma", "gamma_lo": "ln_gamma_lo", "gamma_hi": "ln_gamma_hi", "tail_gamma": "ln_tail_gamma"}
#: The growth-fit columns of a run's table, as the HTML page names them.
_COLUMNS = {"ln_gamma_mle": "ln γ̂ₙ (Lévy MLE)", "mean_ln": "⟨ln Γ⁽ⁿ⁾⟩ (typical)"}
#: Headers of the per-generation table in the HTML page (the Markdown keeps the column names).
_GENERATION_HEADERS = {
    "n": "n", "ln_gamma": "ln γ̂ₙ", "gamma": "γ̂ₙ", "gamma_lo": "γ̂ₙ 95 % low", "gamma_hi": "γ̂ₙ 95 % high",
    "n_pos": "Γ > 0", "ks_pvalue": "KS p", "ad_pvalue": "AD p", "alpha": "α", "alpha_lo": "α 95 % low",
    "alpha_hi": "α 95 % high", "ln_tail_gamma": "ln γ tail", "tail_gamma": "γ tail",
}
#: What the per-generation table of the Markdown report holds (the HTML page says it in its template).
_GENERATIONS_NOTE = (
    "gamma: Levy-scale MLE N/(2 sum 1/Gamma) with its exact 95 % interval (chi^2_N), computed as ln_gamma "
    "(ln_gamma_lo, ln_gamma_hi) and printed from the log at any size; on snapshot generations, KS and AD "
    "p-values of the Levy form (gamma estimated, parametric bootstrap), the tail exponent alpha (Hill/CSN, "
    "bootstrap interval) and the tail-only gamma.")


# -- plots ---------------------------------------------------------------------------------

def _title(fit):
    return f"{fit.run.model.name}: {fit.run.model.label()}, N = {fit.run.size}, seed = {fit.run.seed}"


def _point_title(fits):
    run = fits[0].run
    seeds = ", ".join(str(f.run.seed) for f in fits)
    return f"{run.model.name}: {run.model.label()}, N = {run.size}, seeds {seeds}"


def _exact_v(fit):
    return fit.exact.v if fit.exact is not None else None


def growth_figure(fits, title=""):
    """ln gamma_hat_n against n with the fitted growth and the exact slope, for the runs of one point.

    Parameters
    ----------
    fits : list of popdyn.analysis.report.RunFit
        One run (its <ln Gamma^(n)> drawn too) or several seeds of one point (one colour each).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_axes()
    if len(fits) == 1:
        fit = fits[0]
        draw_run(ax, fit.run.table, fit.Lambda_fit, _exact_v(fit), typical=True)
        if fit.Lambda_fit is not None:  # where the fit starts: the dots left of it are burn-in
            ax.axvline(fit.Lambda_fit.burn_in, color="grey", lw=0.8, ls=":")
    else:
        for j, fit in enumerate(fits):
            # one exact line: the seeds share it, and one per seed would hide the fitted lines
            draw_run(ax, fit.run.table, fit.Lambda_fit, _exact_v(fit) if j == 0 else None,
                     label=f"seed {fit.run.seed}", color=f"C{j % 10}", typical=False)
    ax.set_title(title or "growth per generation", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper left", ncol=1 if len(fits) < 3 else 2)
    return fig


def levy_figure(fit, title=""):
    """Histograms of ln Gamma^(n) on the first few snapshots against the Levy law of Eq. 27 at gamma_hat_n.

    Returns
    -------
    matplotlib.figure.Figure or None
        None when the run has no Levy fit (no snapshot with enough positive samples).
    """
    if not fit.levy:
        return None
    chosen = sorted(fit.levy)[:LEVY_PLOT_GENERATIONS]
    fig, ax = new_axes()
    draw_densities(ax, {n: np.asarray(fit.run.snapshot(n), dtype=float) for n in chosen},
                   {n: fit.levy[n].ln_gamma for n in chosen})
    ax.set_title(title or "P_n(Gamma): population (dots) and Eq. 27 at gamma_hat_n (lines)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def render_plots(fit):
    """The report's plots of one run as PNG bytes: ``(growth, levy)``, levy None without snapshot fits."""
    title = _title(fit)
    with style():
        growth = png_bytes(growth_figure([fit], title))
        levy = levy_figure(fit, f"{title}: population (dots), Eq. 27 at γ̂ₙ (lines)")
        return growth, png_bytes(levy) if levy is not None else None


# -- numbers as text -----------------------------------------------------------------------

def _num(x, spec=".4f"):
    """A number as text: an empty cell for None or nan, ∞ for a value past a double's range."""
    if x is None:
        return ""
    x = float(x)
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return format(x, spec)


def _interval(pair, spec=".4f"):
    lo, hi = pair
    return f"[{_num(lo, spec)}, {_num(hi, spec)}]" if _num(lo, spec) and _num(hi, spec) else ""


def _generation_table(fit):
    """The per-generation table as text: scales from their logs (any size), logs with 4 decimals."""
    g = fit.generations
    out = pd.DataFrame({"n": g["n"].astype(int)})
    for col in g.columns:
        if col in ("n", "ln_gamma_lo", "ln_gamma_hi"):  # the interval shows as gamma_lo, gamma_hi
            continue
        values = g[col].to_numpy()
        if col in _SCALES:
            text = [format_ln(x, 5) if math.isfinite(x) or x == -math.inf else "" for x in g[_SCALES[col]]]
        elif col.startswith("ln_"):
            text = [f"{x:.4f}" if not math.isnan(x) else "" for x in values]
        elif col == "n_pos":
            text = [str(int(x)) for x in values]
        else:
            text = [f"{x:.5g}" if not math.isnan(x) else "" for x in values]
        out[col] = text
    return out


def _growth_row(label, estimate, exact_v, burn_in="", used=""):
    """One row of the growth table, for a ``GrowthFit`` or a ``SeedCombination``."""
    return {"label": label, "v": _num(estimate.v), "stderr": _num(estimate.stderr),
            "v_interval": _interval(estimate.interval), "Lambda": _num(estimate.Lambda),
            "Lambda_interval": _interval(estimate.Lambda_interval), "N": str(estimate.size),
            "burn_in": burn_in, "used": used, "exact_v": _num(exact_v), "half_widths": _num(estimate.half_widths(exact_v), "+.1f")}


def _fit_row(label, g, exact_v):
    return _growth_row(label, g, exact_v, str(g.burn_in), f"{g.burn_in}–{g.burn_in + g.generations}")


def _combined_row(combined, exact_v):
    return _growth_row(f"combined, {combined.n_seeds} seeds", combined, exact_v)


def _exact_line(fit):
    """The exact tree values below the growth table ('' without a closed form)."""
    if fit.exact is None or not math.isfinite(fit.exact.v):
        return ""
    return f"Exact tree: v = {fit.exact.v:.4f}, Λ = {_num(fit.exact.Lambda)}, β* = {fit.exact.beta_star:.4f}."


def _method_line(g):
    return (f"{_COLUMNS.get(g.column, g.column)}: {g.method}, statsmodels OLS with HAC errors (Bartlett, "
            f"maxlags = {g.maxlags}). ADF p-value of the detrended levels = {_num(g.adf_pvalue, '.3g') or 'n/a'} "
            "(small: trend plus stationary noise; large: a random walk; the increments fit holds for both).")


def _statsmodels_html(g):
    """statsmodels' own HTML summary of the Lambda fit (None where the results object is not kept)."""
    with warnings.catch_warnings():  # its normality tests warn on short series
        warnings.simplefilter("ignore")
        table = g.statsmodels_table()
    return Markup(table.as_html()) if table is not None else None


def _snapshot_rows(fit):
    rows = []
    for n in sorted(set(fit.levy) | set(fit.tails)):
        f, t = fit.levy.get(n), fit.tails.get(n)
        rows.append({
            "n": str(n), "rejected": bool(f and f.rejected),
            "gamma": format_ln(f.ln_gamma) if f else "",
            "gamma_interval": f"[{format_ln(f.ln_interval[0])}, {format_ln(f.ln_interval[1])}]" if f else "",
            "ln_gamma": f"{f.ln_gamma:.6g}" if f else "", "samples": str(f.n) if f else "",
            "ks": _num(f.ks_pvalue, ".3g") if f else "", "ad": _num(f.ad_pvalue, ".3g") if f else "",
            "alpha": _num(t.alpha, ".3f") if t else "", "alpha_interval": _interval(t.interval, ".3f") if t else "",
            "tail_gamma": format_ln(t.ln_tail_gamma) if t else "",
        })
    return rows


def _metadata(fit):
    """(label, text, is_code) rows describing the run."""
    doc = fit.to_dict()
    r, m, prov = doc["run"], doc["model"], doc["provenance"]
    provenance = ", ".join(f"{k} {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in prov.items())
    return [("Run directory", doc["path"] or IN_MEMORY, True),
            ("Status", f"{r['status']}, {r['generations_done']} of {r['generations']} generations", False),
            ("Model", f"{m['name']} / {m['recursion']}: {fit.run.model.label()}", False),
            ("Parameters", json.dumps(m), True),
            ("Population size N", str(fit.run.size), False),
            ("Seed", str(fit.run.seed), False),
            ("Provenance", provenance, False)]


def _image(png, alt, caption):
    return {"src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"), "alt": alt, "caption": caption}


# -- rendering -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _templates():
    # autoescape everything: run paths, notes and model names reach the page as text, never as markup
    return jinja2.Environment(loader=jinja2.PackageLoader("popdyn.figures", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def to_markdown(fit, combined=None, images=("report_growth.png", "report_levy.png")):
    """The report of one run as Markdown, the plots linked by the file names in ``images``."""
    doc = fit.to_dict()
    m, r = doc["model"], doc["run"]
    lines = [f"# popdyn fitting report: {_title(fit)}", "",
             f"Run directory `{doc['path'] or IN_MEMORY}`, status **{r['status']}**, {r['generations_done']} of {r['generations']} "
             f"generations. Model: `{json.dumps(m)}`. popdyn {doc['provenance']['popdyn']}, commit "
             f"`{doc['provenance']['git_commit']}`.", ""]
    if fit.Lambda_fit is not None:
        lines += ["## Growth and Lambda", "", "```", fit.Lambda_fit.summary(_exact_v(fit)),
                  "", fit.growth["mean_ln"].summary(_exact_v(fit)), "```", ""]
        if combined is not None:
            lines += ["Combined with the other seeds of this point:", "", "```", combined.summary(), "```", ""]
        lines += ["statsmodels summary of the Lambda fit:", "", "```", fit.Lambda_fit.statsmodels_summary, "```", ""]
    if fit.notes:
        lines += ["## Notes", ""] + [f"* {x}" for x in fit.notes] + [""]
    lines += ["## Plots", "", f"![growth]({images[0]})", ""]
    if fit.levy:
        lines += [f"![levy]({images[1]})", ""]
    lines += ["## Per generation", "", _GENERATIONS_NOTE, "",
              _generation_table(fit).to_markdown(index=False, disable_numparse=True, stralign="right"), ""]
    return "\n".join(lines)


def to_html(fit, growth_png=None, levy_png=None, combined=None):
    """The report of one run as one self-contained HTML page.

    Parameters
    ----------
    fit : popdyn.analysis.report.RunFit
    growth_png, levy_png : bytes or None
        The plots (``render_plots``), inlined as base64; an empty or None plot is left out.
    combined : popdyn.analysis.growth.SeedCombination or None
        The combination over the seeds of this run's point, shown beside the run's own fit.

    Returns
    -------
    str
    """
    g, exact_v = fit.Lambda_fit, _exact_v(fit)
    growth = None
    if g is not None:
        rows = [_fit_row(_COLUMNS["ln_gamma_mle"], g, exact_v),
                _fit_row(_COLUMNS["mean_ln"], fit.growth["mean_ln"], exact_v)]
        growth = {"rows": rows, "combined": _combined_row(combined, exact_v) if combined is not None else None,
                  "consistency": _num(combined.consistency_pvalue, ".3g") if combined is not None else "",
                  "exact": _exact_line(fit), "method": _method_line(g), "statsmodels_html": _statsmodels_html(g),
                  "statsmodels_text": g.statsmodels_summary}
    images = []
    if growth_png:
        fitted = g is not None and math.isfinite(g.v)
        what = f"fitted growth v = {g.v:.4f} per generation" if fitted else "no growth fit"
        images.append(_image(growth_png, f"ln γ̂ₙ and ⟨ln Γ⁽ⁿ⁾⟩ against generation n, {what}",
                             "ln γ̂ₙ and ⟨ln Γ⁽ⁿ⁾⟩ against n; the line is the fitted growth from the burn-in "
                             "(dotted) on, the dashed line the exact tree slope through its centre."))
    if levy_png:
        shown = ", ".join(map(str, sorted(fit.levy)[:LEVY_PLOT_GENERATIONS]))
        images.append(_image(levy_png, f"Histograms of ln Γ⁽ⁿ⁾ at generations {shown} against the Lévy law "
                                       "of Eq. 27",
                             f"Population densities of ln Γ⁽ⁿ⁾ (dots) at n = {shown} and the Lévy law of Eq. 27 at "
                             "the fitted γ̂ₙ (lines)."))
    table = _generation_table(fit)
    beta = f"; exact β* = {fit.exact.beta_star:.4f}" if fit.exact is not None else ""
    return _templates().get_template("report.html.j2").render(
        title=_title(fit), metadata=_metadata(fit), growth=growth, notes=fit.notes, images=images,
        snapshots=_snapshot_rows(fit), beta=beta,
        generation_headers=[(c, _GENERATION_HEADERS.get(c, c)) for c in table.columns],
        generation_rows=table.to_numpy().tolist())


def _seed_rows(fits):
    """Each seed's Lambda fit as a growth-table row (a seed without one gets a row of blanks)."""
    rows = []
    for f in fits:
        label = f"seed {f.run.seed}"
        if f.Lambda_fit is not None:
            rows.append(_fit_row(label, f.Lambda_fit, _exact_v(f)))
        else:
            rows.append({"label": label, "v": "", "stderr": "", "v_interval": "", "Lambda": "",
                         "Lambda_interval": "", "N": str(f.run.size), "burn_in": "", "used": "", "exact_v": "",
                         "half_widths": ""})
    return rows


def _point_notes(fits):
    """The notes of several seeds: once where every seed has it, else under the seed that has it."""
    shared = [x for x in fits[0].notes if all(x in f.notes for f in fits)]
    return shared + [f"seed {f.run.seed}: {x}" for f in fits for x in f.notes if x not in shared]


def combined_to_markdown(fits, combined, image=COMBINED_FILES[2]):
    """The combined report of several seeds of one point as Markdown, the plot linked as ``image``."""
    first = fits[0]
    table = pd.DataFrame([{k: row[k] for k in ("label", "v", "stderr", "v_interval", "Lambda", "Lambda_interval",
                                               "burn_in", "exact_v", "half_widths")}
                          for row in _seed_rows(fits)])
    table.columns = ["seed", "v", "stderr", "v 95 % interval", "Lambda", "Lambda 95 % interval", "burn-in",
                     "exact v", "exact - fit (half-widths)"]
    lines = [f"# popdyn fitting report, seeds combined: {_point_title(fits)}", "",
             f"Model: `{json.dumps(first.run.config.model)}`, N = {first.run.size}. Runs:", ""]
    lines += [f"* `{f.run.path or IN_MEMORY}`: seed {f.run.seed}, {f.run.status}, {int(f.run.table['n'].max())} generations"
              for f in fits]
    lines += ["", "## Growth and Lambda per seed", "",
              table.to_markdown(index=False, disable_numparse=True, stralign="right"), ""]
    if combined is not None:
        lines += ["## Combined over seeds", "", "```", combined.summary(), "```", ""]
    notes = _point_notes(fits)
    if notes:
        lines += ["## Notes", ""] + [f"* {x}" for x in notes] + [""]
    lines += ["## Plot", "", f"![growth of every seed]({image})", ""]
    return "\n".join(lines)


def combined_to_html(fits, combined, growth_png=None, page_dir=None):
    """The combined report of several seeds of one point as one self-contained HTML page.

    Parameters
    ----------
    fits : list of popdyn.analysis.report.RunFit
        The seeds of one point (``popdyn.analysis.report.group_by_point``).
    combined : popdyn.analysis.growth.SeedCombination or None
    growth_png : bytes or None
        The growth plot of every seed, inlined as base64.
    page_dir : path-like or None
        Where the page goes: each seed's ``report.html`` is linked relative to it (no links if None).

    Returns
    -------
    str
    """
    first = fits[0]
    runs = []
    for f in fits:
        link = (urllib.parse.quote(os.path.relpath(Path(f.run.path) / "report.html", page_dir))
                if page_dir is not None and f.run.path is not None else None)
        runs.append({"path": str(f.run.path or IN_MEMORY), "seed": str(f.run.seed), "status": f.run.status,
                     "generations": str(int(f.run.table["n"].max())), "link": link})
    exact_v = _exact_v(first)
    images = []
    if growth_png:
        images.append(_image(growth_png, f"ln γ̂ₙ against generation n for seeds "
                                         f"{', '.join(str(f.run.seed) for f in fits)}, with each seed's fitted growth",
                             "ln γ̂ₙ against n, one colour per seed, with each seed's fitted growth (line) and the "
                             "exact tree slope (dashed, through the first seed's fit)."))
    return _templates().get_template("report_combined.html.j2").render(
        title=_point_title(fits), model=f"{first.run.model.name} / {first.run.config.model['recursion']}: "
                                        f"{first.run.model.label()}",
        parameters=json.dumps(first.run.config.model), size=str(first.run.size), runs=runs,
        rows=_seed_rows(fits), combined=_combined_row(combined, exact_v) if combined is not None else None,
        consistency=_num(combined.consistency_pvalue, ".3g") if combined is not None else "",
        exact=_exact_line(first), notes=_point_notes(fits), images=images)


# -- writing -------------------------------------------------------------------------------

def _run_dir(fit):
    if fit.run.path is None:
        raise ValueError("a run kept in memory has no directory for its report (run it with out=...)")
    return Path(fit.run.path)


def _write(path, data):
    # atomic: a reader (a browser refreshing the page) never sees half a report
    if isinstance(data, bytes):
        atomic_write(path, lambda tmp: tmp.write_bytes(data))
    else:
        atomic_write(path, lambda tmp: tmp.write_text(data, encoding="utf-8"))


def write_report(fit, combined=None):
    """Write ``REPORT_FILES`` (report.md, report.html and the PNGs) into the run directory.

    Parameters
    ----------
    fit : popdyn.analysis.report.RunFit
        The fit of a run stored on disk.
    combined : popdyn.analysis.growth.SeedCombination or None
        The combination over the seeds of its point, shown beside its own fit.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        report.md and report.html.
    """
    path = _run_dir(fit)
    growth_png, levy_png = render_plots(fit)
    _write(path / "report_growth.png", growth_png)
    if levy_png:
        _write(path / "report_levy.png", levy_png)
    _write(path / "report.md", to_markdown(fit, combined))
    _write(path / "report.html", to_html(fit, growth_png, levy_png, combined))
    return path / "report.md", path / "report.html"


def write_combined_report(fits, combined):
    """Write ``COMBINED_FILES`` for several seeds of one point into the first run's directory.

    Parameters
    ----------
    fits : list of popdyn.analysis.report.RunFit
        The seeds of one point, in order (``popdyn.analysis.report.group_by_point``); the first holds the report.
    combined : popdyn.analysis.growth.SeedCombination or None
        ``popdyn.analysis.report.combined_growth(fits)``.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        report_combined.md and report_combined.html.
    """
    path = _run_dir(fits[0])
    md, page, png = (path / name for name in COMBINED_FILES)
    with style():
        growth_png = png_bytes(growth_figure(fits, _point_title(fits)))
    _write(png, growth_png)
    _write(md, combined_to_markdown(fits, combined, png.name))
    _write(page, combined_to_html(fits, combined, growth_png, page_dir=path))
    return md, page
