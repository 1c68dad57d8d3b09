"""Library errors carry their data and speak Python; the command line words the same data as its options.

Each refusal is raised once through the Python API (its message names ``out`` and
``popdyn.resume``, its attributes the path) and once through the command line, whose line is
the one it printed before the library stopped spelling flags.
"""

import pytest

import popdyn
from popdyn import cluster, sweeps
from popdyn.errors import (AnotherSweepError, ClusterOptionsError, NotARunError, NotASweepError, OutputDirectoryError,
                           ParameterError, RunCompleteError, RunExistsError, SchedulerError, ThreadsPerWorkerError,
                           TooManyPointsError, VariantError, WorkersError, resumable, resume_remedy)
from popdyn.models import model_class
from popdyn.cli._errors import worded
from tests.helpers import make_sweep, run_main

RUN = ["run", "--lam", "0.01", "--T", "3.3", "--size", "100", "--generations", "2", "--no-progress"]


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    out = tmp_path_factory.mktemp("errors") / "run"
    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out=out, progress=False)
    return out


def _python(call):
    with pytest.raises(popdyn.ConfigError) as caught:
        call()
    return caught.value


def test_an_existing_run_is_refused_with_its_path_and_how_to_resume(done, capsys):
    exc = _python(lambda: popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out=done,
                                     progress=False))
    assert isinstance(exc, RunExistsError) and exc.path == done and "--" not in str(exc)
    assert f"popdyn.resume({str(done)!r})" in str(exc)
    code, _, stderr = run_main(capsys, *RUN, "--out", str(done))
    assert code == 2 and stderr == (f"popdyn: error: {done} already exists and is not empty; choose a new --out, or "
                                    f"continue it with --resume {done}\n")


def test_a_file_as_out(tmp_path):
    (tmp_path / "f").write_text("x")
    exc = _python(lambda: popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out=tmp_path / "f",
                                     progress=False))
    assert isinstance(exc, RunExistsError) and not exc.is_directory and "--" not in str(exc)
    # click refuses a file as --out itself; the library's line, were it to reach the command line:
    assert worded(exc) == f"{tmp_path / 'f'} exists and is not a directory; choose a new --out"


def test_a_complete_run_resumed_without_more_generations(done, capsys):
    exc = _python(lambda: popdyn.resume(done, progress=False))
    assert isinstance(exc, RunCompleteError) and exc.generations == 2 and "--" not in str(exc)
    code, _, stderr = run_main(capsys, "run", "--resume", str(done), "--no-progress")
    assert code == 2 and stderr == (f"popdyn: error: {done} is complete (2 generations); ask for more with "
                                    "--generations\n")


def test_out_inside_a_run_directory_names_the_parameter(done, capsys):
    inside = done / "snapshots" / "x"
    exc = _python(lambda: popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out=inside,
                                     progress=False))
    assert isinstance(exc, OutputDirectoryError) and exc.parameter == "out" and str(exc).startswith("out: ")
    code, _, stderr = run_main(capsys, *RUN, "--out", str(inside))
    assert stderr == (f"popdyn: error: --out {inside} is inside the run directory {done}: a run needs a folder of its "
                      "own outside it\n")


def test_an_empty_out():
    exc = _python(lambda: popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out="",
                                     progress=False))
    assert isinstance(exc, ParameterError) and str(exc) == "out: needs a path, got an empty one"
    assert worded(exc) == "--out needs a path, got an empty one"


def test_a_sweep_read_as_a_run(tmp_path):
    make_sweep(tmp_path / "sweep", {"lam": 0.01, "T": 2.0, "size": 100, "generations": 1, "seed": 1})
    exc = _python(lambda: popdyn.load(tmp_path / "sweep"))
    assert isinstance(exc, NotARunError) and "popdyn.load_sweep" in str(exc) and "popdyn sweep" not in str(exc)
    assert worded(exc).startswith(f"{tmp_path / 'sweep'} is a sweep directory (popdyn sweep), not a run directory")


def test_a_resumable_error_is_worded_with_the_command_that_continues():
    exc = resumable(popdyn.StorageError("disk full; make room, then " + resume_remedy("runs/x")),
                    "disk full; make room, then ", "runs/x")
    assert str(exc).endswith("continue with popdyn.resume('runs/x')")
    assert worded(exc) == "disk full; make room, then continue with: popdyn run --resume runs/x"


def test_a_spec_beyond_max_points():
    exc = _python(lambda: sweeps.parse_spec({"lam": 0.01, "T": [2.0, 3.0, 4.0], "size": 100, "generations": 1,
                                             "seed": 1}, max_points=2))
    assert isinstance(exc, TooManyPointsError) and (exc.count, exc.max_points) == (3, 2) and "--" not in str(exc)
    head = ("sweep spec expands to 3 points, 300 sample-generations (size x generations summed over the points), "
            "beyond the 2 points a sweep runs unless told more: check its lists, or allow it with ")
    assert str(exc) == head + "max_points=3"
    assert worded(exc) == head + "--max-points 3 (max_points= in Python)"


def test_a_sweep_over_another_sweep():
    exc = AnotherSweepError("sweep", "sweep/sweep.json")
    assert str(exc) == "'sweep' holds another sweep (sweep/sweep.json); give a new out or the same spec"
    assert worded(exc) == "'sweep' holds another sweep (sweep/sweep.json); give a new --out or the same spec"


def test_a_run_read_as_a_sweep(done, tmp_path):
    exc = _python(lambda: popdyn.load_sweep(done))
    assert isinstance(exc, NotASweepError) and exc.is_run and exc.path == done
    assert str(exc) == f"{done} is a run directory (popdyn.run), not a sweep: it has no sweep.json"
    assert worded(exc) == f"{done} is a run directory (popdyn run), not a sweep: it has no sweep.json"
    exc = _python(lambda: popdyn.load_sweep(tmp_path))
    assert isinstance(exc, NotASweepError) and not exc.is_run
    assert str(exc) == worded(exc) == f"{tmp_path} is not a sweep directory: it has no sweep.json"


def test_threads_per_worker_beyond_numba():
    exc = _python(lambda: cluster.check_local_cluster(threads_per_worker=100000))
    assert isinstance(exc, ThreadsPerWorkerError) and exc.threads_per_worker == 100000
    tail = f" is more than numba's {exc.pool} threads on this machine (NUMBA_NUM_THREADS)"
    assert str(exc) == "threads_per_worker=100000" + tail
    assert worded(exc) == "--threads-per-worker 100000" + tail


def test_workers_beyond_the_machine():
    exc = _python(lambda: cluster.check_local_cluster(workers=100000))
    assert isinstance(exc, WorkersError) and exc.workers == 100000 and exc.given and "--" not in str(exc)
    assert str(exc).startswith("workers=100000 x threads_per_worker=1 = 100000 threads on ")
    assert worded(exc).startswith("--workers 100000 x --threads-per-worker 1 = 100000 threads on ")
    assert worded(exc).endswith(exc.detail) and "per core" in exc.detail
    exc = WorkersError(8, False, " needs about 99 open files")
    assert str(exc) == "8 workers (cores / threads_per_worker) needs about 99 open files"
    assert worded(exc) == "8 workers (cores / --threads-per-worker) needs about 99 open files"


def test_a_scheduler_that_cannot_be_used():
    import time

    exc = _python(lambda: cluster._probe("tcp://127.0.0.1:99999", time.monotonic() + 1, 1))
    assert isinstance(exc, SchedulerError) and exc.quoted and exc.address == "tcp://127.0.0.1:99999"
    assert str(exc) == "scheduler='tcp://127.0.0.1:99999': port 99999 is not in 1..65535"
    assert worded(exc) == "--scheduler 'tcp://127.0.0.1:99999': port 99999 is not in 1..65535"
    exc = SchedulerError("tcp://h:1", " does not answer: no Dask scheduler answered there within 5 s")
    assert str(exc) == "scheduler='tcp://h:1' does not answer: no Dask scheduler answered there within 5 s"
    assert worded(exc) == "--scheduler tcp://h:1 does not answer: no Dask scheduler answered there within 5 s"


def test_workers_and_a_scheduler():
    exc = _python(lambda: cluster.check_cluster_options("tcp://127.0.0.1:9", 2))
    assert isinstance(exc, ClusterOptionsError) and (exc.address, exc.workers) == ("tcp://127.0.0.1:9", 2)
    assert str(exc) == ("workers=2 sizes the embedded cluster; the cluster of scheduler='tcp://127.0.0.1:9' has its "
                        "own workers")
    assert worded(exc) == "--workers sizes the embedded cluster; a --scheduler's cluster has its own workers"


def test_a_variant_of_another_model():
    exc = _python(lambda: model_class("anderson", energy_arguments=True))
    assert isinstance(exc, VariantError) and exc.switches == ("energy_arguments",) and exc.of == "baa"
    assert str(exc) == ("energy_arguments=True chooses a variant of the baa model, not of the anderson model "
                        "(model='baa', energy_arguments=True)")
    assert worded(exc) == ("--energy-arguments chooses a variant of the baa model, not of the anderson model "
                           "(--model baa --energy-arguments)")
    exc = _python(lambda: sweeps.parse_spec({"model": "anderson", "energy_arguments": True, "W": 10.0}))
    assert isinstance(exc, VariantError) and exc.where == "sweep spec: "
    assert str(exc).startswith("sweep spec: energy_arguments=True chooses a variant of the baa model")
    assert worded(exc) == ("sweep spec: --energy-arguments chooses a variant of the baa model, not of the anderson "
                           "model (--model baa --energy-arguments)")
    exc = VariantError("baa", ["energy_arguments", "shifted"])
    assert str(exc) == "energy_arguments=True and shifted=True choose different variants of the baa model; give one"
    assert worded(exc) == "--energy-arguments and --shifted choose different variants of the baa model; give one"


@pytest.mark.parametrize("exc", [ParameterError("out", "needs a path", " "), OutputDirectoryError("out", "x", "run", ": y"),
                                 RunExistsError("runs/x", resumable=False), RunCompleteError(None, 3),
                                 NotARunError("s", "s/runs"), TooManyPointsError(3, 2, "3 points", "2"),
                                 AnotherSweepError("s", "s/sweep.json"), NotASweepError("r", "sweep.json", True),
                                 ThreadsPerWorkerError(9, 2), WorkersError(9, True, " = 9 threads", 1),
                                 SchedulerError("tcp://h:0", ": port 0", True), ClusterOptionsError("tcp://h:1", 2),
                                 VariantError("anderson", ["energy_arguments"], "baa", "sweep spec: ")])
def test_an_error_crosses_a_process_whole(exc):
    import pickle

    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc) and vars(back) == vars(exc)


def test_no_transition_in_a_given_bracket_carries_the_bracket_and_its_ends():
    import pickle
    from types import SimpleNamespace

    from popdyn.errors import NoTransitionError

    ends = (SimpleNamespace(growth=1.34), SimpleNamespace(growth=1.24))
    exc = NoTransitionError(ends, (10.0, 12.0))
    assert str(exc) == ("K lambda(1/2) is above 1 at both W = 10 (1.34) and W = 12 (1.24): no transition in the "
                        "bracket [10, 12]")
    assert worded(exc) == ("K lambda(1/2) is above 1 at both W = 10 (1.34) and W = 12 (1.24): no transition in "
                           "--bracket 10,12")
    again = pickle.loads(pickle.dumps(exc))
    assert again.bracket == (10.0, 12.0) and str(again) == str(exc)


def test_an_unfinished_run_or_sweep_is_named_with_how_to_finish_it(done, tmp_path):
    import json
    import pickle

    from popdyn.analysis.transition import finished_runs
    from popdyn.errors import UnfinishedError

    going = tmp_path / "going"
    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=3, out=going, progress=False)
    state = json.loads((going / "state.json").read_text())
    state["status"] = "interrupted"
    (going / "state.json").write_text(json.dumps(state))
    exc = _python(lambda: finished_runs([done, going]))
    assert isinstance(exc, UnfinishedError) and exc.path == going and exc.point is None
    assert str(exc).endswith(f"Tc_N is read off finished runs only; finish it with popdyn.resume({str(going)!r})")
    assert worded(exc) == (f"run {going} is interrupted at generation 3 of 3: Tc_N is read off finished runs only; "
                           f"finish it with: popdyn run --resume {going}")
    sweep = UnfinishedError(tmp_path / "sw", point="p1")
    assert worded(sweep).endswith("(point p1 has not started): Tc_N is read off finished runs only; the popdyn sweep "
                                  "command that made it finishes it")
    assert "running the sweep again" in str(sweep) and str(pickle.loads(pickle.dumps(sweep))) == str(sweep)
