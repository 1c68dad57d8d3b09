"""The finite-population study: bookkeeping on a tiny study, and the N read-off on a known trend."""

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.analysis.finite_size import extrapolate, finite_population_study, population_tc, sizes_for_tc_within


def test_tiny_study_has_every_column_and_the_exact_values():
    study = finite_population_study(0.1, sizes=(200, 400, 800), ratios=(1.0, 1.6), seeds=(1, 2), generations=20)
    assert len(study) == 6
    at_tc = study[study["T_over_Tc"] == 1.0]
    assert np.allclose(at_tc["v_exact"], 0.0, atol=1e-10)
    assert np.all(study["v_bd_refined"] < study["v_exact"]) and np.all(study["stderr"] > 0)
    assert set(population_tc(study).columns) >= {"N", "Tc_N", "lo", "hi", "Tc_N_over_Tc"}
    assert len(extrapolate(study)) == 2


def test_study_plot_is_a_png():
    from popdyn.figures._style import png_bytes, style
    from popdyn.figures.finite_size import draw_finite_population

    study = finite_population_study(0.1, sizes=(200, 400, 800), ratios=(1.0, 1.3, 1.6, 2.0), seeds=(1, 2),
                                    generations=12)
    tcs = population_tc(study)
    assert "Tc_N_parabola" in tcs
    with style():
        png = png_bytes(draw_finite_population(study, extrapolate(study), tcs, title="t"))
    assert png.startswith(b"\x89PNG")


def test_n_for_tc_within_ten_percent_on_a_known_trend():
    A = 40.0  # Tc_N / Tc - 1 = A / (ln N)^2: within 10 % when ln N = sqrt(A / 0.1) = 20
    N = np.array([1e3, 1e4, 1e5, 1e6])
    ratio = 1 + A / np.log(N) ** 2
    table = pd.DataFrame({"N": N, "Tc_N": 2 * ratio, "lo": 2 * ratio - 0.02, "hi": 2 * ratio + 0.02,
                          "Tc_N_over_Tc": ratio})
    est = sizes_for_tc_within(table)
    assert est.N == pytest.approx(math.exp(20.0), rel=1e-6) and est.exponent == pytest.approx(-2.0)
    assert est.interval[0] < est.N < est.interval[1] and not est.already
    within = table.assign(Tc_N_over_Tc=[1.05, 0.97, 1.02, 1.01])
    assert sizes_for_tc_within(within).already and sizes_for_tc_within(within).N == 1e3


def test_n_for_tc_interval_covers_the_true_size():
    """Tc_N measured with normal errors around a known trend: the bootstrap interval's coverage."""
    rng = np.random.default_rng(5)
    N = np.array([1e3, 1e4, 1e5, 1e6])
    truth = 1 + 40.0 / np.log(N) ** 2
    sd = 0.03
    replicas, hits = 200, 0
    for i in range(replicas):
        ratio = truth + sd * rng.standard_normal(N.size)
        table = pd.DataFrame({"N": N, "Tc_N": ratio, "lo": ratio - 1.96 * sd, "hi": ratio + 1.96 * sd,
                              "Tc_N_over_Tc": ratio})
        lo, hi = sizes_for_tc_within(table, n_bootstrap=400, seed=i).interval
        hits += lo <= math.exp(20.0) <= hi
    assert abs(hits / replicas - 0.95) < 3 * math.sqrt(0.05 * 0.95 / replicas)


def test_runs_with_one_seed_are_reported_but_left_out_of_the_fits():
    from popdyn.analysis.finite_size import finite_population_runs, run_grid, study_from_runs

    runs = finite_population_runs(run_grid(0.1, (200, 400, 800), (1.0, 1.6), (1, 2), 12)
                                  + run_grid(0.1, (1600,), (1.0, 1.6), (1,), 12))
    study = study_from_runs(runs)
    assert len(study) == 8 and study.loc[study["N"] == 1600, "stderr"].isna().all()
    assert list(population_tc(study)["N"]) == [200, 400, 800]
    assert list(extrapolate(study)["points"]) == [3, 3]


def test_a_repeated_seed_of_one_point_is_refused():
    """Rows of seed 1 at one (T/Tc, N) with two run lengths share their early generations: not two seeds."""
    from popdyn.errors import ConfigError

    from popdyn.analysis.finite_size import RUN_COLUMNS, study_from_runs

    def row(seed, generations):
        return dict(zip(RUN_COLUMNS, (0.1, 1.3, 0.52, 1000, seed, generations, 0.1, 0.01, 1.0)))

    with pytest.raises(ConfigError, match="seed=1 generations=40 and .* seed=1 generations=80 have the same seed 1"):
        study_from_runs([row(1, 40), row(2, 40), row(1, 80)])


def test_runs_on_any_executor_equal_the_runs_one_by_one():
    """The study's runs on a real 2-worker LocalCluster (the client, and its ``get_executor()``) and on a
    ``ProcessPoolExecutor``: the same rows, bit for bit, as in this process.

    Two of the temperatures print alike ({:g}): their Dask tasks must still be two (distinct task keys)."""
    from popdyn.analysis.finite_size import finite_population_runs, run_grid
    from popdyn.cluster import dask_client

    keys = run_grid(0.1, (200, 400), (1.0, 1.0000001, 1.6), (1, 2), 12)
    seen = []
    with dask_client(workers=2) as client:
        on_dask = finite_population_runs(keys, on_run=seen.append, executor=client)
        on_executor = finite_population_runs(keys[:4], executor=client.get_executor())
        # a run that fails on its worker (N = 1 is refused there) is one error naming it, not a worker's traceback
        with pytest.raises(popdyn.WorkError, match=r"lam=0.1 T/Tc=1 N=1 seed=1 failed on its worker: ConfigError"):
            finite_population_runs([(0.1, 1.0, 1, 1, 12)], executor=client)
    # numba's OpenMP threads do not survive a fork: worker processes are spawned
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        on_pool = finite_population_runs(keys, executor=pool)
        with pytest.raises(popdyn.WorkError, match=r"N=1 seed=1 failed on its worker: ConfigError"):
            finite_population_runs([(0.1, 1.0, 1, 1, 12)], executor=pool)
    here = finite_population_runs(keys)
    assert seen == on_dask and len(on_dask) == len(on_pool) == len(keys)

    def by_key(rows):
        # the numbers; wall time and the commit (dirty once the tree is edited mid-test) are provenance
        frame = pd.DataFrame(rows).drop(columns=["wall_s", "git_commit"])
        return frame.sort_values(["N", "seed", "T_over_Tc"], ignore_index=True)

    for there in (on_dask, on_pool):
        pd.testing.assert_frame_equal(by_key(there), by_key(here), check_exact=True)
    pd.testing.assert_frame_equal(by_key(on_executor), by_key(here[:4]), check_exact=True)


def test_a_run_that_fails_here_raises_its_own_error():
    from popdyn.analysis.finite_size import finite_population_runs

    with pytest.raises(popdyn.ConfigError, match="size must be"):
        finite_population_runs([(0.1, 1.0, 1, 1, 12)])


def _synthetic_study(rng, shape, seeds=3, sizes=(1e3, 1e4, 1e5, 1e6, 1e7)):
    """Per N, the mean and standard error of ``seeds`` runs scattered around 1 - shape(L)."""
    N = np.array(sizes)
    L = np.log(N) + 3 * np.log(np.log(N))
    sd = np.array([0.12, 0.09, 0.09, 0.07, 0.09])[: N.size]  # per-run scatter as in docs/transition.md
    runs = (1.0 - shape(L))[:, None] + sd[:, None] * rng.standard_normal((N.size, seeds))
    return pd.DataFrame({"T_over_Tc": 1.3, "N": N, "v_N": runs.mean(axis=1), "seeds": seeds,
                         "stderr": runs.std(axis=1, ddof=1) / math.sqrt(seeds), "v_exact": 1.0})


def test_extrapolation_covers_the_limit_with_errors_from_three_seeds():
    rng = np.random.default_rng(8)
    replicas = 400
    fits = [extrapolate(_synthetic_study(rng, lambda L: 150 / L**2), n_bootstrap=500, seed=i).iloc[0]
            for i in range(replicas)]
    hits = sum(f["lo"] <= 1.0 <= f["hi"] for f in fits)
    assert abs(hits / replicas - 0.95) < 3 * math.sqrt(0.05 * 0.95 / replicas)
    # the lack-of-fit test keeps its level (it is conservative: the seeds' errors are uncertain)
    assert np.mean([f["fit_p"] < 0.05 for f in fits]) < 0.05 + 3 * math.sqrt(0.05 * 0.95 / replicas)


def test_lack_of_fit_flags_a_wrong_approach_given_enough_seeds():
    rng = np.random.default_rng(9)
    fits = [extrapolate(_synthetic_study(rng, lambda L: 60 / L, seeds=10), n_bootstrap=500, seed=i).iloc[0]
            for i in range(60)]
    assert np.mean([f["fit_p"] < 0.05 for f in fits]) > 0.9


def test_a_study_refuses_what_gives_no_error_bar():
    from popdyn.analysis.finite_size import FiniteSizeStudy

    for bad in ({"seeds": (1,)}, {"seeds": (1, 1)}, {"ratios": (1.0, 0.0)}, {"generations": 4}):
        args = {"sizes": (200,), "ratios": (1.0,), "seeds": (1, 2), "generations": 16, **bad}
        with pytest.raises(popdyn.ConfigError, match="a finite-size study needs two seeds or more"):
            FiniteSizeStudy(0.1, **args)
