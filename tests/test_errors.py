"""Library errors carry their data and speak Python; the command line words the same data as its options.

Each refusal is raised once through the Python API (its message names ``out`` and
``popdyn.resume``, its attributes the path) and once through the command line, whose line is
the one it printed before the library stopped spelling flags.
"""

import pytest

import popdyn
from popdyn.errors import (NotARunError, OutputDirectoryError, ParameterError, RunCompleteError, RunExistsError,
                           resumable, resume_remedy)
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


@pytest.mark.parametrize("exc", [ParameterError("out", "needs a path", " "), OutputDirectoryError("out", "x", "run", ": y"),
                                 RunExistsError("runs/x", resumable=False), RunCompleteError(None, 3),
                                 NotARunError("s", "s/runs")])
def test_an_error_crosses_a_process_whole(exc):
    import pickle

    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc) and vars(back) == vars(exc)
