"""The shapes results share: ``json_safe``, the named interval, and a strict-JSON ``to_dict`` on every result."""

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from popdyn.analysis.finite_size import sizes_for_tc_within
from popdyn.analysis.growth import combine_seeds, fit_growth
from popdyn.analysis.levy import fit_levy, fit_levy_ln
from popdyn.analysis.metallic import metallic_point
from popdyn.analysis.tails import fit_tail
from popdyn.analysis.transition import crossing
from popdyn.models import AndersonTree, BAATree
from popdyn.results import LN_HUGE, LN_TINY, ConfidenceInterval, json_safe, mean_of_exp, sample_mean
from popdyn.spectrum import Spectrum, exact_growth, transition, typical_growth
from popdyn.tilted import critical_point, tilted_growth


def _strict(doc):
    """``doc`` through strict JSON and back: fails on nan, inf or anything JSON cannot hold."""
    return json.loads(json.dumps(doc, allow_nan=False))


# json_safe


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf"), np.float64("-inf")])
def test_non_finite_floats_become_null(x):
    assert json_safe(x) is None


def test_numpy_scalars_become_python_scalars():
    out = json_safe([np.float32(0.5), np.float64(1.25), np.int64(7), np.int32(-3), np.bool_(True)])
    assert out == [0.5, 1.25, 7, -3, True]
    assert [type(x) for x in out] == [float, float, int, int, bool]


def test_plain_values_pass_through():
    doc = {"a": 1, "b": 2.5, "c": "text", "d": None, "e": False}
    assert json_safe(doc) == doc


def test_nested_structures_tuples_and_intervals_become_lists():
    doc = {"fit": {"interval": ConfidenceInterval(np.float64(1.0), math.inf), "pairs": [(1, math.nan), (2, 3.0)]},
           "array": np.array([[1.0, np.nan], [np.inf, 4.0]]), np.int64(5): "numpy key"}
    out = json_safe(doc)
    assert out == {"fit": {"interval": [1.0, None], "pairs": [[1, None], [2, 3.0]]},
                   "array": [[1.0, None], [None, 4.0]], 5: "numpy key"}
    assert type(out["fit"]["interval"]) is list and type(out["fit"]["pairs"][0]) is list
    assert _strict(out) == {"fit": out["fit"], "array": out["array"], "5": "numpy key"}


def test_input_is_not_changed():
    doc = {"x": [math.nan, 1.0]}
    json_safe(doc)
    assert math.isnan(doc["x"][0])


def test_confidence_interval_is_still_a_pair():
    ci = ConfidenceInterval(1.0, 2.0)
    lo, hi = ci
    assert (lo, hi) == (ci.low, ci.high) == (ci[0], ci[1]) and ci == (1.0, 2.0)


# to_dict of every result, on small synthetic data with fixed seeds


def _check(result, intervals):
    """Strict JSON of ``result.to_dict()``; each named interval a ConfidenceInterval and a 2-list in the dict.

    An interval field given as a plain pair is stored as the named interval all the same.
    """
    doc = _strict(result.to_dict())
    for name in intervals:
        value = getattr(result, name)
        assert isinstance(value, ConfidenceInterval), name
        assert doc[name] == json_safe(list(value)), name
        if name in {f.name for f in dataclasses.fields(result)}:
            rebuilt = getattr(dataclasses.replace(result, **{name: tuple(value)}), name)
            assert isinstance(rebuilt, ConfidenceInterval) and rebuilt == value, name
    assert isinstance(result.summary(), str)
    return doc


def test_levy_fit():
    x = stats.levy.rvs(scale=2 * 3.0, size=500, random_state=1)
    fit = fit_levy(x, n_bootstrap=19)
    doc = _check(fit, ["interval", "ln_interval"])
    assert doc["n"] == 500 and doc["ln_gamma"] == fit.ln_gamma and doc["rejected"] is False


def test_levy_fit_beyond_a_double_has_null_numbers():
    ln_x = np.log(stats.levy.rvs(scale=2.0, size=200, random_state=2)) + 5000.0
    doc = _check(fit_levy_ln(ln_x, n_bootstrap=9), ["interval", "ln_interval"])
    assert doc["gamma"] is None and doc["interval"] == [None, None] and doc["ln_gamma"] > 4000


def test_tail_fit():
    x = np.random.default_rng(0).pareto(0.4, 1000) + 1.0
    fit = fit_tail(x, n_bootstrap=10)
    doc = _check(fit, ["interval", "ln_tail_gamma_interval", "tail_gamma_interval"])
    assert doc["alpha"] == fit.alpha and doc["k"] == fit.k and doc["n"] == 1000


def _walk(seed, v=0.5, n=60):
    rng = np.random.default_rng(seed)
    y = v * np.arange(n) + np.concatenate([[0.0], np.cumsum(rng.normal(0.0, 0.3, n - 1))])
    return pd.DataFrame({"n": np.arange(n), "ln_gamma_mle": y})


def test_growth_fit_and_seed_combination():
    fits = [fit_growth(_walk(s), size=100) for s in (1, 2, 3)]
    doc = _check(fits[0], ["interval", "Lambda_interval"])
    assert doc["v"] == fits[0].v and doc["size"] == 100 and "statsmodels_summary" not in doc
    combined = combine_seeds(fits)
    doc = _check(combined, ["interval", "Lambda_interval"])
    assert doc["n_seeds"] == 3 and doc["Lambda"] == pytest.approx(math.exp(combined.v / 2))


def test_growth_fit_of_a_population_that_died_out_is_null():
    table = pd.DataFrame({"n": np.arange(10), "mean_ln": [0.0] * 5 + [-math.inf] * 5})
    g = fit_growth(table, "mean_ln", burn_in=5)
    doc = _check(g, ["interval", "Lambda_interval"])
    assert doc["v"] is None and doc["interval"] == [None, None] and doc["adf_pvalue"] is None


def test_transition_estimate():
    p = pd.DataFrame({"T": [1.5, 2.0, 2.5], "v": [-0.3, 0.0, 0.25], "stderr": [0.05, 0.05, 0.05], "seeds": [3, 3, 3]})
    est = crossing(p, n_bootstrap=50, exact_Tc=2.0, size=1000, lam=0.01)
    doc = _check(est, ["interval"])
    assert doc["Tc"] == est.Tc and doc["size"] == 1000 and [q["T"] for q in doc["points"]] == [1.5, 2.0, 2.5]
    assert doc["points"][0]["seeds"] == 3


def test_size_for_tc():
    N = np.array([1e3, 1e4, 1e5, 1e6])
    ratio = 1 + 40 / np.log(N) ** 2
    table = pd.DataFrame({"N": N, "Tc_N": ratio, "lo": ratio - 0.01, "hi": ratio + 0.01, "Tc_N_over_Tc": ratio})
    est = sizes_for_tc_within(table, n_bootstrap=50)
    doc = _check(est, ["interval"])
    assert doc["N"] == pytest.approx(math.exp(20.0), rel=1e-6) and doc["already"] is False
    already = sizes_for_tc_within(table.assign(Tc_N_over_Tc=[1.05, 0.97, 1.02, 1.01]))
    assert _check(already, ["interval"])["interval"] == [None, None]


def test_metallic_point_of_one_seed_has_null_errors():
    p = metallic_point(1e-3, 3000.0, size=200, generations=4, seeds=(1,))
    doc = _check(p, [])
    assert doc["mean_ratio_err"] is None and doc["mean_ratio"] == p.mean_ratio and doc["size"] == 200


def test_tree_growth_and_transition():
    doc = _check(exact_growth(BAATree(lam=0.01, T=3.3)), [])
    assert doc["v"] == pytest.approx(1.8165, abs=1e-4) and doc["phase"] == "metal"
    dead = _check(typical_growth(Spectrum(lambda beta: -1.0 + 0.0 * beta)), [])  # m(0) < 1: the tree dies out
    assert dead["v"] is None and dead["phase"] == "insulator"
    doc = _check(transition(1e-4), [])
    assert doc["Tc"] == pytest.approx(74.174, abs=1e-3)


def test_tilted_growth_and_critical_point():
    g = tilted_growth(BAATree(lam=0.1, T=1.0), 0.2, size=2000, steps=3, burn_in=0, replicas=1, seed=3)
    doc = _check(g, ["interval", "growth_interval"])
    assert doc["stderr"] is None and doc["replicas"] == [g.ln_growth]
    c = critical_point(lambda W: AndersonTree(W=W, carry_R=False), 20.0, 50.0, beta=0.25, method="population",
                       size=2000, steps=5, burn_in=1, replicas=2, pool_size=2000, seed=1)
    doc = _check(c, ["interval"])
    assert doc["W_c"] == c.value and len(doc["scan"]) == len(c.scan)


# sample_mean: the one mean over replicas, seeds and runs

def test_sample_mean_is_scipys_mean_sem_and_t_interval():
    values = np.random.default_rng(5).normal(2.0, 0.3, 7)
    m = sample_mean(values)
    assert m.n == 7 and m.mean == pytest.approx(values.mean(), rel=1e-15)
    assert m.stderr == pytest.approx(stats.sem(values), rel=1e-14)
    low, high = stats.t.interval(0.9, 6, loc=values.mean(), scale=stats.sem(values))
    assert m.interval(0.9) == pytest.approx((low, high), rel=1e-13)


def test_one_value_has_no_scatter():
    m = sample_mean([3.0])
    assert (m.mean, m.n) == (3.0, 1) and math.isnan(m.stderr) and all(map(math.isnan, m.interval()))
    with pytest.raises(ValueError):
        sample_mean([])


# mean_of_exp: the late-half average of a log-scale column

def test_mean_of_exp_is_the_direct_mean_where_it_fits():
    x = np.random.default_rng(6).normal(0.0, 5.0, 101)
    assert mean_of_exp(x) == float(np.exp(x).mean())  # to the bit
    x[[3, 7]] = -746.0, -np.inf  # terms below the doubles (and a zero) in a normal mean: still the direct mean
    assert mean_of_exp(x) == float(np.exp(x).mean())


@pytest.mark.parametrize("shift", [700.0, -700.0])
def test_mean_of_exp_never_overflows_or_flushes(shift):
    # exp(x) overflows (or is subnormal) for each value, but the mean's log is exact: ln 2 + shift
    x = shift + np.log([1.0, 3.0])
    expected = math.log(2.0) + shift
    got = mean_of_exp(x)
    if LN_TINY <= expected <= LN_HUGE:
        assert math.log(got) == pytest.approx(expected, rel=1e-15)
    else:
        assert math.isnan(got)
    assert math.isnan(mean_of_exp([800.0, 800.0]))  # a mean beyond the doubles is nan, never inf
