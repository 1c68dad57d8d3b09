"""A directory being written is in use, never damaged; one writer per sweep directory; damaged points all named.

Every reader (``popdyn.load``, ``fit``, ``transition``, ``run --resume``, a sweep's rerun,
``load_sweep``, ``write_summary``, a study's result table) asks the lock before it judges the
files. The lock is held here by this process (``flock`` is per open file, so a second open in the
same process is refused like another process), and by real ``popdyn`` processes where it matters:
two sweeps into one --out, and a reader following a run as it is written.
"""

import hashlib
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

import popdyn
from popdyn.errors import DirectoryInUse
from popdyn.lock import DirectoryLock
from popdyn.store import ResultTable, _TableLock
from tests.helpers import run_main


def _digest(folder):
    return {str(p.relative_to(folder)): p.is_dir() or hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


def _one_line(capsys, args, message):
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert message in stderr, stderr
    return stderr


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
