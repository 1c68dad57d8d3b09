"""The benchmark's NumPy comparison computes the same generation, and `popdyn bench` runs."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
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


# `popdyn bench` in a real subprocess: a bad input costs one line on stderr and exit 2 before any
# work, creates nothing (no --out, no popdyn-cref-* build folder), and a good run leaves no build folder.

REPO = Path(__file__).resolve().parents[1]
C_REFERENCE = REPO.parent / "shared" / "bench" / "ref.c"
TINY = ["--sizes", "1000", "--threads", "1", "--recursions", "term", "--repeats", "1", "--no-numpy", "--no-progress"]


def _bench(argv, tmpdir):
    """Run `popdyn bench` with TMPDIR set to ``tmpdir`` (so its temporary folders can be counted)."""
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    return subprocess.run([sys.executable, "-m", "popdyn", "bench", *TINY, *argv], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=300)


def _not_a_c_file(tmp_path):
    return ["--c-reference", str(REPO / "README.md")]


def _c_but_not_a_reference(tmp_path):
    (tmp_path / "hello.c").write_text('#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n')
    return ["--c-reference", str(tmp_path / "hello.c")]


def _out_under_proc(tmp_path):
    return ["--out", "/proc/popdyn-bench-test"]


def _out_under_a_file(tmp_path):
    (tmp_path / "afile").write_text("not a folder\n")
    return ["--out", str(tmp_path / "afile" / "out")]


def _huge_size(tmp_path):
    return ["--sizes", "1e300"]


def _huge_memory_probe(tmp_path):
    return ["--memory", "1e300:float64"]


@pytest.mark.parametrize("bad", [_not_a_c_file, _c_but_not_a_reference, _out_under_proc, _out_under_a_file, _huge_size,
                                 _huge_memory_probe])
def test_bench_refuses_bad_input_in_one_line_creating_nothing(tmp_path, bad):
    if bad in (_not_a_c_file, _c_but_not_a_reference) and shutil.which("gcc") is None:
        pytest.skip("gcc is absent: the C reference is refused for that reason instead")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    argv = bad(tmp_path)
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    out = Path(argv[argv.index("--out") + 1])
    before = sorted(os.listdir(tmpdir))
    result = _bench(argv, tmpdir)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("popdyn: error: "), result.stderr
    assert result.stdout == ""
    assert not out.exists()
    assert sorted(os.listdir(tmpdir)) == before


def test_bench_names_the_c_reference_that_does_not_build(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is absent")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    result = _bench(["--c-reference", str(REPO / "README.md"), "--out", str(tmp_path / "out")], tmpdir)
    assert result.returncode == 2
    assert "--c-reference" in result.stderr and "README.md does not build: " in result.stderr
    assert not list(tmpdir.glob("popdyn-cref-*"))


def test_bench_with_the_c_reference_leaves_no_build_folder(tmp_path):
    if shutil.which("gcc") is None or not C_REFERENCE.is_file():
        pytest.skip("needs gcc and ../shared/bench/ref.c")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "out"
    result = _bench(["--c-reference", str(C_REFERENCE), "--json", "--out", str(out)], tmpdir)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["rows"][0]["c_edges_per_s"] > 0
    assert json.loads((out / "bench.json").read_text()) == doc
    assert (out / "bench.png").exists()
    assert sorted(p.name for p in out.iterdir()) == ["bench.json", "bench.png"]  # no temporary files left
    assert not list(tmpdir.glob("popdyn-cref-*"))


def test_bench_refuses_a_non_empty_out_and_leaves_it_alone(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    result = _bench(["--out", str(out)], tmpdir)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "already exists and is not empty" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"] and not os.listdir(tmpdir)


def test_bench_without_the_term_recursion_still_plots(tmp_path, capsys):
    out = tmp_path / "b"
    try:
        main(["bench", "--sizes", "2000", "--threads", "1", "--recursions", "scba", "--repeats", "1", "--no-numpy",
              "--out", str(out), "--no-progress"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "scba" in capsys.readouterr().out
    assert (out / "bench.json").exists() and (out / "bench.png").exists()


def test_a_c_reference_that_fails_mid_benchmark_is_one_line_exit_1(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is absent")
    source = tmp_path / "flaky.c"  # passes the tiny check at N = 1000, fails at the benchmark's N
    source.write_text('#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) {\n'
                      '  if (atol(v[1]) > 1000) { fprintf(stderr, "no memory\\n"); return 3; }\n'
                      '  printf("edges/s=1e8\\n"); return 0; }\n')
    out, temporary = tmp_path / "b", tmp_path / "tmp"
    temporary.mkdir()
    done = _bench(["--sizes", "2000", "--c-reference", source, "--out", out], temporary)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "the C reference failed during the benchmark (no memory)" in done.stderr
    assert not out.exists() and not list((tmp_path / "tmp").iterdir())
