"""A folder is one kind of thing: a run directory, a sweep directory, or neither.

A sweep written into a run directory or inside one, a run written over a sweep or among its
points, a sweep inside another sweep, a reader given the other kind: each is one line naming
what the folder is, exit 2, and nothing written (the listing and the bytes of every file are
compared before and after).
"""

import hashlib
import shutil

import pytest

import popdyn
from popdyn import sweeps
from popdyn.errors import RunDirectoryError
from tests.helpers import make_sweep, run_main

SPEC = {"lam": 0.01, "T": [2.0, 3.0], "size": 200, "generations": 3, "seed": 1}
SPEC_TOML = "lam = 0.01\nT = [2.0, 3.0]\nsize = 200\ngenerations = 3\nseed = 1\n"
RUN = ["--lam", "0.01", "--T", "2.0", "--size", "200", "--generations", "3", "--seed", "1", "--no-progress"]


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A run directory ``run``, a sweep directory ``sweep`` (one of its two points not begun), a folder ``both``
    holding a run and a sweep's record, and a folder ``other`` of someone else's files."""
    base = tmp_path_factory.mktemp("kinds")
    popdyn.run(popdyn.BAATree(lam=0.01, T=2.0), size=200, generations=3, seed=1, out=base / "run", progress=False)
    points = make_sweep(base / "sweep", SPEC, started=1)
    shutil.copytree(base / "run", base / "both")
    shutil.copy(base / "sweep" / sweeps.RECORD, base / "both" / sweeps.RECORD)
    (base / "other").mkdir()
    (base / "other" / "notes.txt").write_text("someone else's")
    (base / "spec.toml").write_text(SPEC_TOML)
    (base / "other.toml").write_text(SPEC_TOML.replace("seed = 1", "seed = 2"))
    (base / "afile").write_text("a file")
    return base, [p.id for p in points]


def _digest(folder):
    return {str(p.relative_to(folder)): p.is_dir() or hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


WRONG_KIND = {
    # -- a sweep where a run is, inside a run, inside another sweep, over other files
    "sweep into a run": (["sweep", "spec.toml", "--out", "run"], "--out run is a run directory (popdyn run)"),
    "sweep inside a run": (["sweep", "spec.toml", "--out", "run/sub"], "is inside the run directory"),
    "sweep inside a run's snapshots": (["sweep", "spec.toml", "--out", "run/snapshots"],
                                       "is inside the run directory"),
    "sweep inside a sweep": (["sweep", "spec.toml", "--out", "sweep/sub"], "is inside the sweep directory"),
    "sweep in a sweep's runs": (["sweep", "spec.toml", "--out", "sweep/runs"], "is inside the sweep directory"),
    "sweep as a sweep's new point": (["sweep", "spec.toml", "--out", "sweep/runs/x"], "is inside the sweep directory"),
    "sweep inside a sweep's point": (["sweep", "spec.toml", "--out", "sweep/runs/{0}/x"],
                                     "is inside the run directory"),
    "sweep over a sweep's point": (["sweep", "spec.toml", "--out", "sweep/runs/{0}"],
                                   "is a run directory (popdyn run)"),
    "sweep over other files": (["sweep", "spec.toml", "--out", "other"], "already exists and holds other files"),
    "sweep into a file": (["sweep", "spec.toml", "--out", "afile"], "is a file"),
    "sweep over another sweep": (["sweep", "other.toml", "--out", "sweep"], "holds another sweep"),
    "sweep into both": (["sweep", "spec.toml", "--out", "both"], "holds both a run"),
    # -- a run where a sweep is, among its points, inside a run
    "run over a sweep": (["run", *RUN, "--out", "sweep"], "--out sweep is a sweep directory (popdyn sweep)"),
    "run among a sweep's points": (["run", *RUN, "--out", "sweep/runs/x"],
                                   "is inside the sweep directory {base}/sweep and is none of its points"),
    "run as a listed point of other parameters": (["run", *RUN[:-2], "7", "--no-progress", "--out", "sweep/runs/{1}"],
                                                  "and is none of its points"),
    "run beside a sweep's points": (["run", *RUN, "--out", "sweep/x"], "is inside the sweep directory"),
    "run inside a run": (["run", *RUN, "--out", "run/x"], "is inside the run directory {base}/run"),
    "run inside a sweep's point": (["run", *RUN, "--out", "sweep/runs/{0}/x"], "is inside the run directory"),
    # -- readers given the other kind
    "resume a sweep": (["run", "--resume", "sweep"], "sweep is a sweep directory (popdyn sweep), not a run directory"),
    "fit a sweep": (["fit", "sweep", "--no-report"], "sweep is a sweep directory (popdyn sweep), not a run directory"),
    "fit a sweep's runs folder": (["fit", "sweep/runs", "--no-report"], "inside the sweep directory"),
    "fit both": (["fit", "both", "--no-report"], "holds both a run"),
    "resume both": (["run", "--resume", "both"], "holds both a run"),
    "transition both": (["transition", "both"], "holds both a run"),
    "transition a run's folder": (["transition", "run/snapshots"], "inside the run directory"),
}


@pytest.mark.parametrize("args, message", WRONG_KIND.values(), ids=list(WRONG_KIND))
def test_a_folder_of_another_kind_is_refused_in_one_line_naming_it(args, message, place, capsys, monkeypatch):
    base, ids = place
    monkeypatch.chdir(base)
    args = [a.format(*ids) for a in args]
    before = _digest(base)
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert stderr.startswith("popdyn: error: ") and message.format(base=base) in stderr, stderr
    assert _digest(base) == before


def test_the_python_readers_name_the_kind(place):
    base, _ = place
    with pytest.raises(RunDirectoryError, match="is a sweep directory"):
        popdyn.load(base / "sweep")
    with pytest.raises(RunDirectoryError, match=r"is a run directory \(popdyn\.run\), not a sweep"):
        popdyn.load_sweep(base / "run")
    with pytest.raises(RunDirectoryError, match="holds both"):
        popdyn.load_sweep(base / "both")


def test_a_run_may_be_written_as_a_listed_point_of_a_sweep(place, tmp_path, capsys):
    """How a sweep's worker writes a point, and how a point can be run by hand: the point's own parameters."""
    base, ids = place
    shutil.copytree(base / "sweep", tmp_path / "sweep")
    code, _, stderr = run_main(capsys, "run", "--lam", "0.01", "--T", "3.0", "--size", "200", "--generations", "3",
                               "--seed", "1", "--no-progress", "--out", tmp_path / "sweep" / "runs" / ids[1])
    assert code == 0, stderr
    assert popdyn.load(tmp_path / "sweep" / "runs" / ids[1]).status == "complete"
    assert len(popdyn.load_sweep(tmp_path / "sweep")) == 2 * 4


def test_a_users_folder_with_a_config_json_is_no_run(tmp_path, capsys):
    """Only popdyn's own signature makes a run directory: a project folder with a config.json of its own is fine."""
    (tmp_path / "config.json").write_text('{"project": "mine"}')
    code, _, stderr = run_main(capsys, "run", *RUN, "--out", tmp_path / "runs" / "a")
    assert code == 0, stderr


def test_a_damaged_sweep_record_is_named_damaged(place, tmp_path, capsys):
    base, _ = place
    shutil.copytree(base / "sweep", tmp_path / "sweep")
    (tmp_path / "sweep" / sweeps.RECORD).write_text("{broken")
    (tmp_path / "spec.toml").write_text(SPEC_TOML)
    before = _digest(tmp_path)
    for args in (["sweep", tmp_path / "spec.toml", "--out", tmp_path / "sweep"], ["transition", tmp_path / "sweep"]):
        code, _, stderr = run_main(capsys, *args)
        assert code == 2 and stderr.count("\n") == 1 and "sweep record" in stderr and "is damaged" in stderr, stderr
    assert _digest(tmp_path) == before
