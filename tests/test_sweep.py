"""Sweeps on a real Dask LocalCluster: the same bits as `popdyn run`, resume without recomputation, bad specs."""

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.sweeps import RUNS, load_sweep, parse_spec, sweep
from tests.helpers import run_main, session_processes

SPEC = {"model": "baa", "lam": 0.01, "T": [2.0, 3.0], "size": 3000, "generations": 5, "seed": [1, 2],
        "snapshot": [5]}


def _run_alone(point, **options):
    """The point run by itself with ``popdyn.run``, in memory unless ``out`` is given."""
    return popdyn.run(popdyn.models.model_from_dict(point.model), size=point.size, generations=point.generations,
                      seed=point.seed, progress=False, **options)


def _assert_each_point_is_its_own_run(spec, out):
    """Every point of the sweep in ``out`` is complete and bit-identical to a run of its own."""
    for point in parse_spec(spec):
        done = popdyn.load(out / RUNS / point.id)
        assert done.status == "complete"
        assert np.array_equal(done.table["ln_gamma_mle"].to_numpy(), _run_alone(point).table["ln_gamma_mle"].to_numpy())


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    return out, sweep(SPEC, out, workers=2)


def test_four_points_on_two_workers_equal_the_same_runs_one_by_one(swept, tmp_path):
    out, result = swept
    assert len(result.done) == 4 and not result.failed
    for point in parse_spec(SPEC):
        alone = _run_alone(point, snapshots=point.snapshot, out=tmp_path / point.id)
        swept_run = popdyn.load(out / RUNS / point.id)
        columns = [c for c in alone.table.columns if c != "wall_s"]
        pd.testing.assert_frame_equal(swept_run.table[columns], alone.table[columns], check_exact=True)
        assert np.array_equal(np.asarray(swept_run.snapshot(5)), np.asarray(alone.snapshot(5)))


def test_the_table_is_tidy_and_agrees_with_the_run_directories(swept):
    out, result = swept
    table = pd.read_parquet(out / "summary.parquet")
    assert len(table) == 4 * 6 and {"point", "lam", "T", "size", "seed", "n", "ln_gamma_mle"} <= set(table.columns)
    pd.testing.assert_frame_equal(table, load_sweep(out))
    assert sorted(table["T"].unique()) == [2.0, 3.0]


def test_a_second_sweep_recomputes_nothing(swept):
    out, _ = swept
    files = sorted(p for p in (out / RUNS).rglob("*") if p.is_file())
    before = [p.stat().st_mtime_ns for p in files]
    again = sweep(SPEC, out, workers=1)
    assert len(again.skipped) == 4 and not again.done
    assert [p.stat().st_mtime_ns for p in files] == before


def test_a_point_killed_mid_run_continues_from_its_checkpoint(tmp_path):
    """A point's run killed with SIGKILL (as a lost worker leaves it: a stale lock, status running) is continued
    by the sweep from its last checkpoint, and ends bit-identical to an uninterrupted run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    spec = {"lam": 0.01, "T": 2.0, "size": 200_000, "generations": 300, "seed": 1}
    (point,) = parse_spec(spec)
    path = tmp_path / "out" / RUNS / point.id
    proc = subprocess.Popen([sys.executable, "-m", "popdyn", "run", "--lam", "0.01", "--T", "2.0", "--size", "200000",
                             "--generations", "300", "--seed", "1", "--out", str(path), "--checkpoint-interval",
                             "0.2", "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (path / "generations.parquet").exists():
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed = popdyn.load(path)
    assert killed.status != "complete" and 0 < len(killed.table) - 1 < 300
    result = sweep(spec, tmp_path / "out", workers=1)
    assert result.done == [point.id] and not result.failed
    _assert_each_point_is_its_own_run(spec, tmp_path / "out")


BAD = {
    "unknown key": ('lam = 0.01\nT = 2.0\nbogus = 1\n', "unknown key 'bogus'"),
    "wrong type": ('lam = "x"\nT = 2.0\n', "'lam' must be a number"),
    "empty list": ('lam = []\nT = 2.0\n', "'lam' is an empty list"),
    "rejected value": ('lam = 2.0\nT = 2.0\n', "lam must lie in (0, 1)"),
    "rejected size": ('lam = 0.01\nT = 2.0\nsize = 1\n', "size must be in"),
    "not TOML": ('lam = [0.01\n', "is not valid TOML"),
    "foreign parameter in a point": ('lam = 0.01\nT = 2.0\n[[point]]\nW = 3\n', "[[point]] 1: unknown key 'W'"),
}


@pytest.mark.parametrize("text, message", BAD.values(), ids=list(BAD))
def test_a_bad_spec_is_one_line_exit_2_and_writes_nothing(text, message, tmp_path, capsys):
    (tmp_path / "spec.toml").write_text(text)
    code, stdout, stderr = run_main(capsys, "sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"))
    assert code == 2 and stderr.count("\n") == 1 and message in stderr, stderr
    assert not (tmp_path / "out").exists()


def test_an_unreadable_spec_and_a_silent_scheduler_are_refused(tmp_path, capsys):
    code, _, stderr = run_main(capsys, "sweep", str(tmp_path / "none.toml"), "--out", str(tmp_path / "out"))
    assert code == 2 and "cannot read the sweep spec" in stderr
    (tmp_path / "spec.toml").write_text('lam = 0.01\nT = 2.0\nsize = 100\ngenerations = 2\n')
    code, _, stderr = run_main(capsys, "sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
                               "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2 and "does not answer" in stderr
    assert not (tmp_path / "out").exists()


def test_a_worker_killed_during_a_sweep_loses_nothing(tmp_path):
    """SIGKILL to a Dask worker process while it runs a point: the nanny restarts it, the task is retried,
    the point continues from its checkpoint, and every point ends bit-identical to a run of its own."""
    import os
    import signal
    import threading
    import time

    from popdyn.cluster import local_client

    spec = {"lam": 0.01, "T": 2.0, "size": 200_000, "generations": 150, "seed": [1, 2]}
    client = local_client(workers=2)
    try:
        pids = list(client.run(os.getpid).values())
        box = {}
        thread = threading.Thread(target=lambda: box.setdefault("result", sweep(spec, tmp_path, client=client)))
        thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((tmp_path / RUNS).glob("*/generations.parquet")):
            time.sleep(0.05)
        time.sleep(0.5)
        running = [popdyn.load(p.parent).status for p in (tmp_path / RUNS).glob("*/generations.parquet")]
        os.kill(pids[0], signal.SIGKILL)
        assert running and "complete" not in running  # the kill lands mid-run
        thread.join(timeout=300)
    finally:
        client.close()
        client.cluster.close()
    result = box["result"]
    assert sorted(result.done) == sorted(p.id for p in parse_spec(spec)) and not result.failed
    _assert_each_point_is_its_own_run(spec, tmp_path)


@pytest.mark.parametrize("moment", ["starting", "running"])
def test_ctrl_c_stops_a_sweep_in_one_line_and_the_same_command_finishes_it(tmp_path, moment):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it (the embedded workers get it too), while
    the cluster starts or while points run: exit 130 within 2 s, one line naming the command, no worker process
    left, every started point resumable; the same command then completes the sweep, each point bit-identical to
    a run of its own."""
    import os
    import signal
    import subprocess
    import sys
    import time

    spec = {"lam": 0.01, "T": [2.0, 3.0], "size": 50_000, "generations": 1200, "seed": 1}
    (tmp_path / "spec.toml").write_text("lam = 0.01\nT = [2.0, 3.0]\nsize = 50000\ngenerations = 1200\nseed = 1\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "popdyn", "sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--workers", "2",
               "--no-progress"]
    rng = np.random.default_rng(12)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    if moment == "starting":  # the cluster takes about 2 s to start; the points' runs a dozen more
        time.sleep(rng.uniform(0.3, 2.0))
    else:
        deadline = time.monotonic() + 120
        while not list((out / RUNS).glob("*/generations.parquet")):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    stopped = time.monotonic() - t0
    assert proc.returncode == 130 and stdout == "", stderr
    assert stderr.count("\n") == 1 and stderr.startswith("popdyn: SIGINT: stopped"), stderr
    assert stderr.strip().endswith("--workers 2 --no-progress") and "Traceback" not in stderr
    assert stopped < 2.0, stopped
    time.sleep(0.5)
    assert session_processes(proc.pid) == []
    started = [popdyn.load(p) for p in (out / RUNS).glob("*") if (p / "config.json").exists()]
    assert {r.status for r in started} <= {"complete", "interrupted"}
    if moment == "running":
        assert "interrupted" in {r.status for r in started}  # the stop landed mid-point
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "0 failed" in again.stdout, again.stderr
    _assert_each_point_is_its_own_run(spec, out)


def test_a_sweep_submitted_to_a_scheduler_started_by_hand(tmp_path, capsys):
    """`dask scheduler` and `dask worker` as subprocesses on 127.0.0.1, the sweep given by address, both stopped."""
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                               "--host", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        (tmp_path / "spec.toml").write_text('lam = 0.01\nT = [2.0, 3.0]\nsize = 2000\ngenerations = 4\nseed = 1\n')
        deadline = time.monotonic() + 60
        while True:  # the worker needs a moment to register
            try:
                from distributed import Client

                with Client(address, timeout=5) as c:
                    if c.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the scheduler did not come up"
            time.sleep(0.5)
        code, stdout, stderr = run_main(capsys, "sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
                                        "--scheduler", address, "--no-progress")
        assert code == 0, stderr
        assert "2 done, 0 skipped" in stdout
        assert len(load_sweep(tmp_path / "out")) == 2 * 5
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)
