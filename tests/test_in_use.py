"""A directory being written is in use, never damaged; one writer per sweep directory; damaged points all named.

Every reader (``popdyn.load``, ``fit``, ``transition``, ``run --resume``, a sweep's rerun,
``load_sweep``, ``write_summary``, a study's result table) asks the lock before it judges the
files. The lock is held here by this process (``flock`` is per open file, so a second open in the
same process is refused like another process), and by real ``popdyn`` processes where it matters:
two sweeps into one --out, and a reader following a run as it is written.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

import popdyn
from popdyn import sweeps
from popdyn.errors import DirectoryInUse
from popdyn.lock import DirectoryLock
from popdyn.tables import ResultTable, _TableLock
from tests.helpers import make_sweep, run_main

SPEC4 = {"lam": 0.01, "T": [2.0, 3.0], "size": 200, "generations": 3, "seed": [1, 2]}
SPEC4_TOML = "lam = 0.01\nT = [2.0, 3.0]\nsize = 200\ngenerations = 3\nseed = [1, 2]\n"


def _digest(folder):
    return {str(p.relative_to(folder)): p.is_dir() or hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def _one_line(capsys, args, message):
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert message in stderr, stderr
    return stderr


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    base = tmp_path_factory.mktemp("swept")
    make_sweep(base / "sweep", SPEC4)
    (base / "spec.toml").write_text(SPEC4_TOML)
    return base


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_locked_run_that_reads_as_damaged_is_in_use(tmp_path, capsys):
    """Files that do not hold together in a directory whose lock is held: a writer is at work, not a damage."""
    run = tmp_path / "run"
    popdyn.run(popdyn.BAATree(lam=0.01, T=2.0), size=200, generations=3, out=run, progress=False)
    _truncate(run / "generations.parquet")
    lock = DirectoryLock(run).acquire()
    try:
        before = _digest(tmp_path)
        with pytest.raises(DirectoryInUse, match=f"is being written by popdyn pid {os.getpid()}"):
            popdyn.load(run)
        for args in (["fit", run, "--no-report"], ["transition", run, run], ["run", "--resume", run]):
            stderr = _one_line(capsys, args, f"is being written by popdyn pid {os.getpid()}")
            assert "Parquet" not in stderr and "damaged" not in stderr
        assert _digest(tmp_path) == before
    finally:
        lock.release()
    with pytest.raises(popdyn.RunDirectoryError, match="is not a Parquet table"):  # at rest, it is damaged
        popdyn.load(run)


def test_a_run_starting_is_in_use_not_foreign(tmp_path, capsys):
    """A start under way holds its lock before its config.json exists: in use, not 'no config.json'."""
    run = tmp_path / "run"
    run.mkdir()
    lock = DirectoryLock(run).acquire()
    (run / "state.json").write_text('{"status": "running", "generations_done": 0, "sessions": []}')
    try:
        with pytest.raises(DirectoryInUse, match="is being written by"):
            popdyn.load(run)
        _one_line(capsys, ["fit", run, "--no-report"], "is being written by")
    finally:
        lock.release()


def test_a_sweep_being_written_is_in_use_for_every_writer_and_transition(swept, tmp_path, capsys):
    out = tmp_path / "sweep"
    shutil.copytree(swept / "sweep", out)
    lock = sweeps.SweepLock(out).acquire()
    try:
        before = _digest(tmp_path)
        stderr = _one_line(capsys, ["sweep", swept / "spec.toml", "--out", out],
                           f"is being written by popdyn pid {os.getpid()}")
        assert "one writer per sweep directory" in stderr
        _one_line(capsys, ["transition", out], "is being written by")
        with pytest.raises(DirectoryInUse, match="one writer per sweep directory"):
            sweeps.write_summary(out)
        assert len(popdyn.load_sweep(out)) == 4 * 4  # reading a sweep as it goes is fine
        assert _digest(tmp_path) == before
    finally:
        lock.release()


def test_a_point_in_use_is_not_damaged(swept, tmp_path):
    out = tmp_path / "sweep"
    shutil.copytree(swept / "sweep", out)
    busy = sorted((out / "runs").iterdir())[0]
    _truncate(busy / "generations.parquet")
    lock = DirectoryLock(busy).acquire()
    try:
        started, in_use = sweeps.survey(out, sweeps.point_directories(out))
        assert list(in_use) == [busy] and len(started) == 3
        with pytest.raises(DirectoryInUse, match="is being written by"):
            popdyn.load_sweep(out)
    finally:
        lock.release()


def test_every_damaged_point_of_a_sweep_is_named(swept, tmp_path, capsys):
    out = tmp_path / "sweep"
    shutil.copytree(swept / "sweep", out)
    points = sorted((out / "runs").iterdir())
    for path in points[:3]:
        _truncate(path / "generations.parquet")
    before = _digest(tmp_path)
    named = [p.name for p in points[:3]]
    stderr = _one_line(capsys, ["sweep", swept / "spec.toml", "--out", out], "3 of the 4 points of sweep")
    assert all(name in stderr for name in named) and points[3].name not in stderr
    assert "the same command runs them again" in stderr
    stderr = _one_line(capsys, ["transition", out], "3 of the 4 points of sweep")
    assert all(name in stderr for name in named)
    with pytest.raises(popdyn.RunDirectoryError, match="3 of the 4 points"):
        popdyn.load_sweep(out)
    assert _digest(tmp_path) == before


def test_many_damaged_points_are_counted(tmp_path):
    spec = {"lam": 0.01, "T": 2.0, "size": 100, "generations": 1, "seed": list(range(8))}
    make_sweep(tmp_path / "sweep", spec)
    for path in (tmp_path / "sweep" / "runs").iterdir():
        (path / "state.json").write_text("[]")
    with pytest.raises(popdyn.RunDirectoryError, match=r"8 of the 8 points .* and 3 more \(the first: .*state.json"):
        popdyn.load_sweep(tmp_path / "sweep")


def test_a_result_table_has_one_writer(tmp_path):
    path = tmp_path / "study.parquet"
    pd.DataFrame({"key": [1], "v": [0.5]}).to_parquet(path)
    table = ResultTable.open(path, ["key", "v"], {"git_commit": None, "threads": 1}).lock()
    try:
        with pytest.raises(DirectoryInUse, match="one study writes a table at a time"):
            ResultTable.open(path, ["key", "v"], {})
        with pytest.raises(DirectoryInUse):
            _TableLock(path).acquire()
    finally:
        table.close()
    assert ResultTable.open(path, ["key", "v"], {}).keys(["key"]) == {(1,)}


def test_a_stopped_study_names_its_table_only_once_the_table_exists(tmp_path):
    from popdyn.analysis.finite_size import FiniteSizeStudy, study_run
    from popdyn.cli.transition import _saved

    study = FiniteSizeStudy(0.1, sizes=(200,), ratios=(1.0,), seeds=(1, 2), generations=8,
                            table=tmp_path / "study.parquet")
    told = _saved(study)
    assert "study.parquet" not in told and "none of its 2 runs was saved yet" in told
    study.table.append(study_run(study.keys[0]))
    assert f"1 of its 2 runs are saved in {tmp_path / 'study.parquet'}" in _saved(study)
    assert study.todo() == study.keys[1:]


def test_a_table_replaced_while_it_is_read_is_never_damaged(tmp_path):
    """A writer replacing a Parquet table (atomically) as fast as it can, a reader reading it meanwhile: pyarrow
    given the path reads a replaced file as damaged; read through one open file it never is."""
    import threading

    from popdyn.files import atomic_write, read_parquet

    path = tmp_path / "t.parquet"
    pd.DataFrame({"n": [0]}).to_parquet(path)
    stop = threading.Event()

    def write():
        k = 0
        while not stop.is_set():
            k += 1
            frame = pd.DataFrame({"n": range(k % 300 + 1), "x": [0.5] * (k % 300 + 1)})
            atomic_write(path, lambda tmp: frame.to_parquet(tmp))

    writer = threading.Thread(target=write)
    writer.start()
    try:
        deadline = time.monotonic() + 2
        reads = 0
        while time.monotonic() < deadline:
            read_parquet(path, ["n"], popdyn.RunDirectoryError, str(path), "is foreign")
            reads += 1
    finally:
        stop.set()
        writer.join()
    assert reads > 10


def test_a_run_followed_as_it_is_written_is_never_damaged(tmp_path):
    """A real `popdyn run` checkpointing every 0.1 s (its table rewritten each time); this process reads it
    over and over meanwhile: every read is the run as it was, or 'in use', never a damage."""
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "popdyn", "run", "--lam", "0.01", "--T", "2.0", "--size", "20000",
                             "--generations", "400", "--out", out, "--checkpoint-interval", "0.1", "--no-progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    reads = in_use = 0
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if not out.exists():
                time.sleep(0.02)
                continue
            try:
                popdyn.load(out).table
                reads += 1
            except DirectoryInUse:
                in_use += 1
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
    assert reads > 5, (reads, in_use, proc.stderr.read())


def _sweep_command(spec, out):
    return [sys.executable, "-m", "popdyn", "sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]


@pytest.mark.parametrize("when", ["1.5 s apart", "while points run"])
def test_two_sweeps_into_one_out_one_writes_the_other_is_refused_naming_it(tmp_path, when):
    """Two real `popdyn sweep` processes into one --out: one runs to its end, the other is refused in one line naming
    the first (pid, host, start), never with a healthy file called damaged; the sweep is then complete and whole."""
    spec = tmp_path / "spec.toml"
    spec.write_text("lam = 0.01\nT = [2.0, 3.0]\nsize = 20000\ngenerations = 150\nseed = 1\n")
    out = tmp_path / "out"
    first = subprocess.Popen(_sweep_command(spec, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if when == "1.5 s apart":
        time.sleep(1.5)
    else:
        deadline = time.monotonic() + 120
        while not list((out / "runs").glob("*/generations.parquet")):
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            time.sleep(0.05)
    second = subprocess.Popen(_sweep_command(spec, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outcomes = [(p, *p.communicate(timeout=300)) for p in (first, second)]
    codes = sorted(p.returncode for p, _, _ in outcomes)
    assert codes == [0, 2], outcomes
    (winner, *_), (loser, _, stderr) = sorted(outcomes, key=lambda o: o[0].returncode)
    if when == "while points run":
        assert loser is second
    assert stderr.count("\n") == 1 and f"is being written by popdyn pid {winner.pid} on " in stderr, stderr
    assert "one writer per sweep directory" in stderr
    assert "damaged" not in stderr and "Parquet" not in stderr
    table = popdyn.load_sweep(out)
    assert set(table["status"]) == {"complete"} and len(table) == 2 * 151


def test_ctrl_c_never_names_a_folder_that_does_not_exist(tmp_path):
    """SIGINT to a real `popdyn sweep` at moments from its start-up to its points running: one line, exit 130, and
    the line names --out only when --out holds a point that began (the command that continues names it anyway)."""
    import signal

    import numpy as np

    spec = tmp_path / "spec.toml"  # 4000 points of a second or so: read in a few tenths of a second, work for hours
    spec.write_text("lam = 0.01\nT = [" + ", ".join(f"{2 + k / 1000:.3f}" for k in range(4000)) + "]\nsize = 20000\n"
                    "generations = 100\n")
    rng = np.random.default_rng(7)
    for k, moment in enumerate([*rng.uniform(0.2, 2.5, 3), 6.0]):
        out = tmp_path / f"out{k}"
        proc = subprocess.Popen(_sweep_command(spec, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        time.sleep(moment)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 130 and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
        message = stderr.split(": popdyn sweep ")[0]  # the command that continues names --out in any case
        if str(out) in message:
            assert f"kept in {str(out)!r}" in message and sweeps.has_results(out), stderr
        else:
            assert "no point had begun" in message or "before any result" in message, stderr
            assert not sweeps.has_results(out)
