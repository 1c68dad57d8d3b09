"""The statistics of analysis/ for ln Gamma anywhere in the float64 range: scales in logs, never an overflow.

On the metallic side ln Gamma grows by ~1.8 per generation and passes ln(max double) = 709.78
within a few hundred generations. The samples here are built in logs (ln Gamma = ln(2 gamma) - 2 ln|Z|
is Levy(gamma) of Eq. 27), shifted by offsets no double could hold as exp, and every fit is run under
``np.errstate(over="raise")``, so any exp of a large log-scale quantity fails the test.
"""

import json
import math
import types

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.models import BAATree
from popdyn.results import json_safe
from popdyn.runconfig import RunConfig
from popdyn.analysis.levy import exp_or_nan, fit_levy, fit_levy_ln, format_ln, levy_scale_interval, ln_levy_scale_interval
from popdyn.analysis.report import fit_run
from popdyn.analysis.summary import format_run_summary, run_summary
from popdyn.analysis.tails import fit_tail, fit_tail_ln

OFFSETS = (-5000.0, 5000.0, 1e5)
ROUNDING = 1e-9  # shifts of 1e5 lose ~1e5 * 2e-16 per sample; far below any sampling error


def _levy_ln(n, seed, ln_gamma=0.0):
    """ln of n samples of Eq. 27's Levy law with scale gamma = exp(ln_gamma), built in logs."""
    z = np.random.default_rng(seed).standard_normal(n)
    return ln_gamma + math.log(2.0) - 2.0 * np.log(np.abs(z))


@pytest.fixture(autouse=True)
def _no_overflow():
    with np.errstate(over="raise"):
        yield


def test_exp_or_nan_and_format_ln_cover_the_whole_range():
    assert exp_or_nan(1.5) == math.exp(1.5) and exp_or_nan(-math.inf) == 0.0
    assert math.isnan(exp_or_nan(710.0)) and math.isnan(exp_or_nan(-710.0))
    assert format_ln(math.log(2.5)) == "2.5"
    assert format_ln(math.log(1.234) + 800 * math.log(10)) == "1.234e+800"
    assert format_ln(math.log(9.9999) - 2000 * math.log(10), 3) == "1.00e-1999"  # the mantissa rounds up


def test_levy_fit_moves_with_a_huge_log_offset():
    y = _levy_ln(3000, seed=1)
    base = fit_levy_ln(y, n_bootstrap=199, seed=3)
    # the log form is the fit of the samples themselves where they fit a double ...
    plain = fit_levy(np.exp(y), n_bootstrap=199, seed=3)
    assert plain.gamma == pytest.approx(base.gamma, rel=1e-12) and plain.ks_pvalue == base.ks_pvalue
    # ... and covers the true gamma = 1 (exact 95 % interval; seed fixed)
    assert base.interval[0] < 1.0 < base.interval[1] and not base.rejected
    for c in OFFSETS:
        f = fit_levy_ln(y + c, n_bootstrap=199, seed=3)
        assert f.ln_gamma - c == pytest.approx(base.ln_gamma, abs=ROUNDING)
        assert [x - c for x in f.ln_interval] == pytest.approx(list(base.ln_interval), abs=ROUNDING)
        assert (f.ks_pvalue, f.ad_pvalue, f.n) == (base.ks_pvalue, base.ad_pvalue, base.n)
        assert f.ks == pytest.approx(base.ks, rel=ROUNDING) and f.ad == pytest.approx(base.ad, rel=ROUNDING)
        assert math.isnan(f.gamma)  # e^5000 is no double: nan (null in JSON), never inf or an error
        assert "e+" in f.summary() or "e-" in f.summary()


def test_tail_fit_moves_with_a_huge_log_offset():
    y = _levy_ln(5000, seed=2)
    base = fit_tail_ln(y, n_bootstrap=50, seed=4)
    plain = fit_tail(np.exp(y), n_bootstrap=50, seed=4)
    assert (plain.alpha, plain.k) == pytest.approx((base.alpha, base.k), rel=1e-12)
    assert base.interval[0] < 0.5 < base.interval[1]  # Eq. 27's exponent, bootstrap interval
    for c in OFFSETS:
        t = fit_tail_ln(y + c, n_bootstrap=50, seed=4)
        assert t.k == base.k and t.alpha == pytest.approx(base.alpha, rel=ROUNDING)
        assert t.interval == pytest.approx(base.interval, rel=ROUNDING)
        assert t.ln_xmin - c == pytest.approx(base.ln_xmin, abs=ROUNDING)
        assert t.ln_tail_gamma - c == pytest.approx(base.ln_tail_gamma, abs=ROUNDING)
        assert [x - c for x in t.ln_tail_gamma_interval] == pytest.approx(list(base.ln_tail_gamma_interval),
                                                                          abs=ROUNDING)
        assert math.isnan(t.tail_gamma)


def test_scale_interval_in_logs_is_the_interval_of_the_number():
    lo, hi = ln_levy_scale_interval(math.log(2.0), 1000)
    assert (math.exp(lo), math.exp(hi)) == pytest.approx(levy_scale_interval(2.0, 1000), rel=1e-13)
    centre = np.array([3000.0, -3000.0])
    lo, hi = ln_levy_scale_interval(centre, np.array([1000, 1000]))
    assert np.all(np.isfinite(lo)) and np.allclose(hi - centre, math.log(levy_scale_interval(1.0, 1000)[1]),
                                                   atol=ROUNDING, rtol=0)


def test_levy_plot_draws_any_ln_gamma():
    from popdyn.figures._style import new_axes, png_bytes, style
    from popdyn.figures.fig4 import draw_densities

    y = _levy_ln(2000, seed=5, ln_gamma=1e4)
    with style():
        fig, ax = new_axes()
        draw_densities(ax, {300: y}, {300: fit_levy_ln(y, n_bootstrap=9).ln_gamma})
        png = png_bytes(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def _fake_run(ln_start=5000.0, v=1.8, generations=200, size=2000, snapshots=(150, 200)):
    """A term-recursion run whose ln Gamma is far beyond a double's exp: a random walk with drift v."""
    rng = np.random.default_rng(6)
    n = np.arange(generations + 1)
    ln_mle = ln_start + v * n + np.concatenate([[0.0], np.cumsum(rng.normal(0.0, 0.5, generations))])
    table = pd.DataFrame({"n": n, "ln_gamma_mle": ln_mle, "mean_ln": ln_mle + 2.0, "zero_fraction": 0.0})
    samples = {k: _levy_ln(size, seed=int(k), ln_gamma=ln_mle[k]) for k in snapshots}
    model = popdyn.BAATree(lam=0.01, T=3.3)
    config = RunConfig(model={"name": "baa", "recursion": "term", "lam": 0.01, "T": 3.3, "eta": 1.0}, size=size,
                       generations=generations, seed=0, snapshots=tuple(snapshots), checkpoint_interval=60.0,
                       dtype="float64", provenance={"popdyn": "test", "git_commit": None})
    return types.SimpleNamespace(table=table, model=model, size=size, seed=0, status="complete", path="synthetic",
                                 config=config, snapshot_generations=list(snapshots), snapshot=samples.__getitem__)


def test_report_of_a_run_beyond_exp_range_is_finite_in_logs():
    run = _fake_run()
    fit = fit_run(run, n_bootstrap=49, tail_bootstrap=20)
    doc = json.loads(json.dumps(json_safe(fit.to_dict()), allow_nan=False))
    last = doc["gamma"][-1]
    assert last["n"] == 200 and last["ln_gamma"] == pytest.approx(run.table["ln_gamma_mle"].iloc[-1], abs=1e-9)
    assert last["ln_gamma_lo"] < last["ln_gamma"] < last["ln_gamma_hi"] and last["gamma"] is None
    assert all(math.isfinite(g["ln_gamma"]) for g in doc["gamma"])
    lo, hi = doc["Lambda"]["v_interval"]
    assert lo < 1.8 < hi  # the drift of the walk, within its HAC interval (seed fixed)
    for entry in doc["levy"]:  # each snapshot's Levy fit covers the scale it was drawn with
        truth = run.table["ln_gamma_mle"].iloc[entry["n"]]
        assert entry["ln_gamma_interval"][0] < truth < entry["ln_gamma_interval"][1]
    assert [a["n"] for a in doc["alpha"]] == [150, 200]
    assert all(math.isfinite(a["ln_tail_gamma"]) and a["tail_gamma"] is None for a in doc["alpha"])
    shown = format_ln(fit.levy[200].ln_gamma)
    assert shown in fit.summary()
    from popdyn.figures.report import to_html, to_markdown

    assert format_ln(last["ln_gamma"], 5) in to_markdown(fit)
    assert format_ln(last["ln_gamma"], 5) in to_html(fit, b"", None)


def _fake_scba(ln_mean, ln_var, lam=1e-3, T=3000.0):
    n = np.arange(len(ln_mean))
    table = pd.DataFrame({"n": n, "ln_mean": ln_mean, "ln_var": ln_var, "mean_ln": ln_mean, "sd_ln": 1.0,
                          "ln_q50": ln_mean, "zero_fraction": 0.0, "ln_gamma_mle": ln_mean, "wall_s": 0.01,
                          "edges": 100})
    model = BAATree(lam=lam, T=T, eta=1e-6, recursion="scba")
    config = RunConfig(model={"name": "baa", "recursion": "scba", "lam": lam, "T": T, "eta": 1e-6,
                              "coordination": "poisson"}, size=10, generations=len(n) - 1, seed=0, snapshots=(),
                       checkpoint_interval=60.0, dtype="float64")
    return types.SimpleNamespace(model=model, table=table, config=config, status="complete", path=None, size=10)


def test_scba_summary_averages_in_logs():
    rng = np.random.default_rng(7)
    ln_mean, ln_var = np.log(0.01) + rng.normal(0, 0.1, 21), np.log(1e-7) + rng.normal(0, 0.1, 21)
    m = run_summary(_fake_scba(ln_mean, ln_var))["metallic"]
    used = slice(10, None)  # the stated burn-in: the second half
    assert m["mean_gamma"] == pytest.approx(np.exp(ln_mean[used]).mean(), rel=1e-12)
    assert m["var_gamma"] == pytest.approx(np.exp(ln_var[used]).mean(), rel=1e-12)
    assert m["mean_over_pi_lam2_T"] == pytest.approx(m["mean_gamma"] / (math.pi * 1e-6 * 3000), rel=1e-12)
    # a fixed point a double cannot hold: logs stay finite, the numbers are null, the text prints from the logs
    s = run_summary(_fake_scba(ln_mean + 2000, ln_var + 4000))
    m2 = s["metallic"]
    assert m2["mean_gamma"] is None and m2["ln_mean_gamma"] == pytest.approx(m["ln_mean_gamma"] + 2000, abs=1e-9)
    assert m2["ln_var_gamma"] == pytest.approx(m["ln_var_gamma"] + 4000, abs=1e-9)
    json.dumps(s, allow_nan=False)
    assert format_ln(m2["ln_mean_gamma"]) in format_run_summary(s)
