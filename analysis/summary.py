"""The summary of one run: what ``popdyn run`` prints, as text or as a JSON-ready dict."""



from popdyn.results import json_safe, ln_mean_of_exp
from popdyn.spectrum import typical_growth

from .growth import default_burn_in, fit_growth
from .levy import exp_or_nan, format_ln


class RunSummary(dict):
    """``run_summary``'s result: a JSON-ready dict (model, run, exact, population, performance, ...).

    A dict, so a summary reads as one (``s["population"]``); ``to_dict()`` and ``summary()`` as
    every result has them.
    """

    def to_dict(self):
        return dict(self)

    def summary(self):
        return format_run_summary(self)


def run_summary(run, burn_in=None):
    """A ``RunSummary`` with the run's parameters, the exact tree answer, and what the population measured.

    The population's typical growth is reported beside the exact tree value v of
    ``popdyn.spectrum`` (term and linear recursions), with its interval and the population
    size: a finite population underestimates v (BACKGROUND section 3). A model without a
    closed-form spectrum (the Anderson model: ``popdyn spectrum --model anderson``) gets the
    population's numbers alone; a nonlinear recursion its fixed point's mean and variance.
    """
    model, table = run.model, run.table
    last = table.iloc[-1]
    wall = float(table["wall_s"].sum())
    edges = int(table["edges"].sum())
    out = {
        "model": run.config.model,
        "run": {**run.config.parameters(), "generations_done": int(last["n"]), "status": run.status,
                "path": str(run.path) if run.path is not None else None},
        "performance": {"wall_s": wall, "edges": edges, "edges_per_s": edges / wall if wall > 0 else None},
        "last_generation": {k: json_safe(float(last[k])) for k in
                            ("mean_ln", "sd_ln", "ln_q50", "zero_fraction", "ln_gamma_mle", "ln_mean", "ln_var")},
    }
    if model.linear:
        spectrum = model.spectrum()
        try:
            exact = typical_growth(spectrum) if spectrum is not None else None
        except ValueError as exc:  # a spectrum known on part of (0, 1/2) only, minimized outside it
            exact = None
            out["exact_note"] = f"no exact growth: {exc}"
        if exact is not None:
            out["exact"] = {**model.exact_reference(), "v": json_safe(exact.v), "beta_star": exact.beta_star,
                            "Lambda": exact.Lambda, "phase": exact.phase}
        try:
            g = fit_growth(table, "mean_ln", burn_in=burn_in, size=run.size, run=run.path)
        except ValueError as exc:
            out["population"] = {"size": run.size, "note": f"no growth estimate: {exc}"}
        else:
            out["population"] = {
                "size": run.size, "typical_growth": json_safe(g.v), "stderr": json_safe(g.stderr),
                "interval": json_safe(g.interval), "confidence": g.confidence,
                "burn_in": g.burn_in, "generations_used": g.generations, "method": "mean increment, HAC error",
                "exact_minus_population": json_safe(exact.v - g.v) if exact is not None else None,
            }
    else:
        # A nonlinear recursion (SCBA, the cavity equation) converges to a bounded fixed point (SCBA:
        # <Gamma> ~ pi lam^2 T), so <Gamma> and Var Gamma are
        # numbers a double holds; they are still averaged in logs (log-mean-exp), so that a run that has not
        # settled, or an extreme lam and T, gives ln values and null numbers instead of an overflow.
        first = default_burn_in(int(last["n"])) if burn_in is None else burn_in
        used = table[table["n"] >= first] if int(last["n"]) >= 2 else table.tail(1)
        ln_mean = ln_mean_of_exp(used["ln_mean"].to_numpy(dtype=float))
        ln_var = ln_mean_of_exp(used["ln_var"].to_numpy(dtype=float))
        out["metallic"] = {
            "mean_gamma": _exp_or_none(ln_mean), "var_gamma": _exp_or_none(ln_var),
            "ln_mean_gamma": json_safe(ln_mean), "ln_var_gamma": json_safe(ln_var),
            "generations_averaged": len(used),
            **{name: _exp_or_none(ln) for name, ln in model.fixed_point_reference(ln_mean, ln_var).items()},
        }
    return RunSummary(out)


def _exp_or_none(ln_x):
    """exp(ln_x) where a double holds it, None elsewhere (for the JSON summary)."""
    return json_safe(exp_or_nan(ln_x))


def _fmt(x, spec=".4g"):
    return "n/a" if x is None else format(x, spec)


def format_run_summary(s):
    """One screen of text for a ``run_summary`` dict."""
    m, r, p = s["model"], s["run"], s["performance"]
    parameters = "  ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items()
                           if k not in ("name", "recursion"))
    lines = [
        f"popdyn run: {m['name']} / {m['recursion']}   {parameters}",
        f"  N={r['size']}  generations={r['generations_done']}/{r['generations']}  seed={r['seed']}  "
        f"status={r['status']}  wall={p['wall_s']:.2f} s  ({_fmt(p['edges_per_s'], '.3g')} edges/s)",
    ]
    if "exact" in s:
        e = s["exact"]
        tc = f"Tc={e['Tc']:.6g}  T/Tc={e['T_over_Tc']:.4g}  " if "Tc" in e else ""
        lines.append(
            f"  exact tree:  {tc}v={_fmt(e['v'], '.6g')} per generation  "
            f"beta*={e['beta_star']:.4f}  Lambda={e['Lambda']:.4g}  -> {e['phase']}"
        )
        if m["recursion"] == "linear":
            lines.append("    (the linear equation 25 grows like max(v, 0): it converges in the insulator)")
    elif "exact_note" in s:
        lines.append(f"  exact tree:  {s['exact_note']}")
    if "population" in s and "note" in s["population"]:
        lines.append(f"  population:  {s['population']['note']}")
    elif "population" in s:
        g = s["population"]
        lo, hi = g["interval"]
        lines.append(
            f"  population:  typical growth {_fmt(g['typical_growth'], '.4f')} per generation, "
            f"{g['confidence']:.0%} interval [{_fmt(lo, '.4f')}, {_fmt(hi, '.4f')}]  (N={g['size']}, "
            f"generations {g['burn_in']}..{g['burn_in'] + g['generations_used']})"
        )
        if g["exact_minus_population"] is not None:
            lines.append(f"    exact - population = {_fmt(g['exact_minus_population'], '.4f')}: a finite population "
                         "underestimates v (BACKGROUND section 3)")
        else:
            lines.append("    a finite population underestimates v; the converged answer: popdyn spectrum --model "
                         f"{m['name']} (the tilted operator, BACKGROUND section 3)")
    if "metallic" in s:
        t = s["metallic"]
        mean = _fmt(t["mean_gamma"]) if t["ln_mean_gamma"] is None else format_ln(t["ln_mean_gamma"])
        var = _fmt(t["var_gamma"]) if t["ln_var_gamma"] is None else format_ln(t["ln_var_gamma"])
        if "mean_over_pi_lam2_T" in t:
            lines.append(
                f"  SCBA fixed point ({t['generations_averaged']} generations averaged):  <Gamma>={mean} "
                f"({_fmt(t['mean_over_pi_lam2_T'], '.3f')} x pi lam^2 T)   Var Gamma={var} "
                f"({_fmt(t['var_over_lam2_over_6'], '.3f')} x lam^2/6)"
            )
        else:
            lines.append(f"  fixed point of the {m['recursion']} recursion ({t['generations_averaged']} generations "
                         f"averaged):  <Gamma>={mean}   Var Gamma={var}")
    last = s["last_generation"]
    lines.append(
        f"  generation {r['generations_done']}:  <ln Gamma>={_fmt(last['mean_ln'], '.6g')}  median ln Gamma="
        f"{_fmt(last['ln_q50'], '.6g')}  zero fraction={_fmt(last['zero_fraction'], '.4f')}  "
        f"ln gamma_MLE={_fmt(last['ln_gamma_mle'], '.6g')}"
    )
    if r["path"]:
        lines.append(f"  outputs: {r['path']}/ (config.json, generations.parquet, snapshots/, checkpoint.npz)")
    return "\n".join(lines)
