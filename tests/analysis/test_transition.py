"""The transition read-off on synthetic growth rates with a known crossing, and on real runs."""

import math

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.analysis.transition import crossing, transition_from_runs


def _synthetic(rng, Tc=2.0, slope=1.5, seeds=4, noise=0.1):
    T = np.array([1.4, 1.7, 2.0, 2.4, 2.8])
    v = slope * np.log(T / Tc)[:, None] + noise * rng.standard_normal((len(T), seeds))
    return pd.DataFrame({"T": T, "v": v.mean(axis=1), "stderr": v.std(axis=1, ddof=1) / math.sqrt(seeds),
                         "seeds": seeds})


def test_crossing_recovers_a_known_tc_with_nominal_coverage():
    rng = np.random.default_rng(3)
    replicas, hits = 300, 0
    for i in range(replicas):
        est = crossing(_synthetic(rng), n_bootstrap=300, seed=i)
        hits += est.interval[0] <= 2.0 <= est.interval[1]
        assert est.bracketed
    assert abs(hits / replicas - 0.95) < 3 * math.sqrt(0.05 * 0.95 / replicas)


def test_unbracketed_points_are_flagged():
    p = pd.DataFrame({"T": [1.0, 1.2], "v": [-0.5, -0.3], "stderr": [0.05, 0.05]})
    est = crossing(p)
    assert not est.bracketed and "extrapolated" in est.summary()


def test_transition_from_runs_at_lam_0_1():
    """lam = 0.1 (exact Tc = 0.4019): small populations give Tc_N above the exact value."""
    runs = [popdyn.run(popdyn.BAATree(lam=0.1, T=T), size=3000, generations=60, seed=s, progress=False)
            for T in (0.45, 0.55, 0.65) for s in (1, 2)]
    est = transition_from_runs(runs)
    assert est.exact_Tc == pytest.approx(0.4019093633, rel=1e-9)
    assert est.size == 3000 and len(est.points) == 3
    assert est.interval[0] < est.Tc < est.interval[1]
    with pytest.raises(ValueError, match="share lam"):
        transition_from_runs(runs + [popdyn.run(popdyn.BAATree(lam=0.2, T=0.5), size=3000, generations=5,
                                                progress=False)])


def test_transition_refuses_a_repeated_seed_at_one_temperature(tmp_path, capsys):
    """Two runs of seed 1 at T = 0.45 are one run twice: refused (ConfigError, one line naming them, exit 2 from
    the command line) before any fit; the same seed at two temperatures is no repeat."""
    from popdyn.cli import main
    from popdyn.errors import ConfigError

    def run(T, seed, name, generations=8):
        return popdyn.run(popdyn.BAATree(lam=0.1, T=T), size=300, generations=generations, seed=seed,
                          out=tmp_path / name, progress=False)

    runs = [run(0.45, 1, "a"), run(0.45, 2, "b"), run(0.55, 1, "c"), run(0.55, 2, "d"), run(0.45, 1, "e", 6)]
    with pytest.raises(ConfigError, match=f"{runs[0].path} and {runs[4].path} have the same seed 1 at one point "
                                          r"\(T = 0.45, N = 300\)"):
        transition_from_runs(runs)
    with pytest.raises(SystemExit) as exit_info:
        main(["transition", *(str(r.path) for r in runs)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and "have the same seed 1" in err


def test_parabola_recovers_a_curved_crossing_that_the_line_misses():
    """v = 2 x + 3 x^2 with x = ln(T/Tc): the line's zero is biased, the parabola's is not."""
    rng = np.random.default_rng(11)
    T = np.array([1.5, 1.8, 2.0, 2.4, 3.0])
    x = np.log(T / 2.0)
    replicas, hits, line_bias = 200, 0, []
    for i in range(replicas):
        v = (2 * x + 3 * x**2)[:, None] + 0.05 * rng.standard_normal((len(T), 4))
        p = pd.DataFrame({"T": T, "v": v.mean(axis=1), "stderr": v.std(axis=1, ddof=1) / 2, "seeds": 4})
        est = crossing(p, n_bootstrap=300, seed=i, degree=2)
        hits += est.interval[0] <= 2.0 <= est.interval[1]
        line_bias.append(crossing(p, n_bootstrap=0).Tc - 2.0)
    assert abs(hits / replicas - 0.95) < 3 * math.sqrt(0.05 * 0.95 / replicas)
    # the line's error is systematic: its mean bias is many standard errors from zero
    assert abs(np.mean(line_bias)) > 5 * np.std(line_bias) / math.sqrt(replicas)
    assert "parabola" in est.summary()


def test_parabola_needs_four_temperatures():
    p = pd.DataFrame({"T": [1.0, 1.2, 1.4], "v": [-0.5, 0.0, 0.4], "stderr": [0.05, 0.05, 0.05]})
    with pytest.raises(ValueError, match="needs growth rates at 4"):
        crossing(p, degree=2)


def test_hac_errors_without_seed_counts_give_a_finite_interval_with_nominal_coverage():
    """Points with a known (HAC) standard error and no seed count draw normal deviates."""
    rng = np.random.default_rng(21)
    T = np.array([1.4, 1.7, 2.0, 2.4, 2.8])
    replicas, hits = 300, 0
    for i in range(replicas):
        p = pd.DataFrame({"T": T, "v": 1.5 * np.log(T / 2.0) + 0.05 * rng.standard_normal(T.size), "stderr": 0.05})
        est = crossing(p, n_bootstrap=300, seed=i)
        assert np.isfinite(est.interval).all()
        hits += est.interval[0] <= 2.0 <= est.interval[1]
    assert abs(hits / replicas - 0.95) < 3 * math.sqrt(0.05 * 0.95 / replicas)
