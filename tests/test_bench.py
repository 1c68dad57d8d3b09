"""The benchmark's NumPy comparison computes the same generation, and `popdyn bench` runs."""

import json

import numpy as np
from scipy import stats

from popdyn import rng
from popdyn.bench import numpy_generation
from popdyn.cli import main
from popdyn.kernels.baa import baa_generation
from popdyn.models import BAATree


def test_numpy_reference_has_the_kernel_law():
    model = BAATree(lam=0.01, T=4.0)
    parents = np.exp(np.random.default_rng(0).normal(0.0, 1.0, 40_000))
    ours = np.empty((1, parents.size))
    edges = baa_generation(model, parents[None, :], ours, rng.generation_key(3, 1), 0.0)
    theirs, numpy_edges = numpy_generation(parents, model.T, model.lam, np.random.default_rng(1), chunk=10_000)
    assert abs(edges - numpy_edges) < 5 * 3 * np.sqrt(2 * model.T * parents.size)
    a, b = ours[0][ours[0] > 0], theirs[theirs > 0]
    assert stats.ks_2samp(np.log(a), np.log(b)).pvalue > 1e-3


def test_bench_command_writes_json_and_plot(tmp_path, capsys):
    out = tmp_path / "b"
    try:
        main(["bench", "--sizes", "2000", "--threads", "1", "--recursions", "term,scba", "--repeats", "1",
              "--json", "--out", str(out), "--no-progress"])
    except SystemExit as exc:
        assert exc.code == 0
    doc = json.loads(capsys.readouterr().out)
    rows = doc["rows"]
    assert [(r["recursion"], r["N"], r["threads"]) for r in rows] == [("term", 2000, 1), ("scba", 2000, 1)]
    assert rows[0]["numba_edges_per_s"] > 0 and rows[0]["numpy_edges_per_s"] > 0
    assert (out / "bench.json").exists() and (out / "bench.png").exists()


def test_bench_refuses_bad_lists(tmp_path, capsys):
    for argv in (["--sizes", "1e5,abc"], ["--threads", "0"], ["--memory", "1e8:float16"]):
        try:
            main(["bench", *argv, "--out", str(tmp_path / "x")])
        except SystemExit as exc:
            assert exc.code == 2
        assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "x").exists()
