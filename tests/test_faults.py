"""Fault injection with real processes and signals: the interruption contract and one writer per run.

SIGINT, SIGTERM and SIGKILL are sent at random moments (fixed seed) of `popdyn run`,
`popdyn finite-n --table` and `popdyn metallic`; every interrupted run is then resumed and
compared bit for bit with a run that was never interrupted, and no study table ever holds a
row of a run that did not finish. Bounded: a dozen processes of a few seconds each.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import popdyn
from tests.helpers import run_cli

DETERMINISTIC = [c for c in popdyn.engine.COLUMNS if c != "wall_s"]
RUN = ["run", "--lam", "0.01", "--T", "3.3", "--size", "200000", "--seed", "5", "--snapshot", "20,60",
       "--generations", "150", "--checkpoint-interval", "0.3", "--no-progress"]
STUDY = ["finite-n", "--lam", "0.1", "--sizes", "2000,20000", "--ratios", "1,1.6", "--seeds", "2",
         "--generations", "40", "--no-progress", "--json"]
STUDY_COLUMNS = ["lam", "T_over_Tc", "T", "N", "seed", "generations", "v", "hac_stderr"]
RNG = np.random.default_rng(2026)


def _start(*args):
    """The command in a process group of its own, so that a signal can go to it alone or to its whole group."""
    return subprocess.Popen([sys.executable, "-m", "popdyn", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(path, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command did not start in time"
        time.sleep(0.02)


def _signal_after(proc, signals, delay, group=False):
    """Send ``signals`` after ``delay``: to the process, or (``group``) to its group, as a terminal's Ctrl-C does."""
    time.sleep(delay)
    for k, sig in enumerate(signals):
        if proc.poll() is None:
            os.killpg(proc.pid, sig) if group else proc.send_signal(sig)
        if k + 1 < len(signals):
            time.sleep(0.05)
    return proc.communicate(timeout=120)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run, and how long it computes after it has started (signals are sent within)."""
    out = tmp_path_factory.mktemp("ref") / "run"
    proc = _start(*RUN, "--out", out)
    _wait_for(out / "config.json", proc)
    t0 = time.monotonic()
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    return out, time.monotonic() - t0


def _assert_same_run(a, b):
    pd.testing.assert_frame_equal(pd.read_parquet(a / "generations.parquet")[DETERMINISTIC],
                                  pd.read_parquet(b / "generations.parquet")[DETERMINISTIC])
    for name in ("n0020.npy", "n0060.npy"):
        assert (a / "snapshots" / name).read_bytes() == (b / "snapshots" / name).read_bytes()


EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -signal.SIGKILL}


MORE = pytest.mark.slow  # more random moments: `make test-slow`


@pytest.mark.parametrize("signals", [
    (signal.SIGINT,), (signal.SIGTERM,), (signal.SIGKILL,), (signal.SIGINT, signal.SIGINT),
    pytest.param((signal.SIGINT,), marks=MORE), pytest.param((signal.SIGTERM,), marks=MORE),
    pytest.param((signal.SIGKILL,), marks=MORE), pytest.param((signal.SIGKILL,), marks=MORE),
], ids=["int", "term", "kill", "int-int", "int", "term", "kill", "kill"])
def test_run_interrupted_anywhere_resumes_bit_identically(tmp_path, reference, signals):
    reference, duration = reference
    out = tmp_path / "run"
    proc = _start(*RUN, "--out", out)
    _wait_for(out / "config.json", proc)
    stdout, stderr = _signal_after(proc, signals, RNG.uniform(0.0, duration))
    if stdout:  # the signal came after the run had finished (a kill -9 may still come before the exit)
        _assert_same_run(reference, out)
        return
    assert proc.returncode == EXIT[signals[0]], stderr  # and no summary of a run that did not finish
    if popdyn.load(out).status == "complete":  # the signal came after the run, while its summary was computed
        told = ("after the run was complete" in stderr  # while the summary was computed
                or "is complete; stopped before anything else" in stderr)  # with the last generation
        assert signals[0] == signal.SIGKILL or (stderr.count("\n") == 1 and told), stderr
        _assert_same_run(reference, out)
        return
    if signals[0] != signal.SIGKILL:
        assert stderr.count("\n") == 1 and "Traceback" not in stderr
        assert stderr.strip().endswith(f"popdyn run --resume {out}")
        assert not list(out.glob(".*.tmp*")) and not list(out.glob("snapshots/.*.tmp*"))
    assert popdyn.load(out).status == "interrupted"
    resumed = run_cli("run", "--resume", out, "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert popdyn.load(out).status == "complete"
    _assert_same_run(reference, out)


def test_a_stopped_run_is_refused_by_transition(tmp_path):
    out = tmp_path / "run"
    proc = _start(*RUN, "--out", out)
    _wait_for(out / "config.json", proc)
    _signal_after(proc, [signal.SIGTERM], 0.5)
    assert proc.returncode == 143
    done = run_cli("transition", out, out)
    assert done.returncode == 2 and "finished runs only" in done.stderr and done.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def study_reference(tmp_path_factory):
    table = tmp_path_factory.mktemp("study") / "ref.parquet"
    done = run_cli(*STUDY, "--table", table)
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(table)


def _study_rows(frame):
    return frame[STUDY_COLUMNS].sort_values(["N", "seed", "T_over_Tc"]).reset_index(drop=True)


@pytest.mark.parametrize("sig, group", [(signal.SIGINT, False), (signal.SIGINT, True),
                                        pytest.param(signal.SIGTERM, False, marks=MORE), (signal.SIGKILL, False)],
                         ids=["int", "ctrl-c", "term", "kill"])
def test_study_interrupted_keeps_only_finished_runs_and_resumes(tmp_path, study_reference, sig, group):
    """The study's runs are on Dask workers; ``ctrl-c`` signals the whole process group, workers included."""
    table = tmp_path / "study.parquet"
    proc = _start(*STUDY, "--table", table)
    _wait_for(table, proc)  # the first run is saved: the study is under way
    stdout, stderr = _signal_after(proc, [sig], RNG.uniform(0.0, 1.0), group)
    if stdout:  # the study had finished and printed (a kill -9 may still come before the exit)
        json.loads(stdout)
    else:
        assert proc.returncode == EXIT[sig], stderr
        if sig != signal.SIGKILL:
            assert stderr.count("\n") == 1 and "the same command resumes: popdyn finite-n" in stderr
    partial = _study_rows(pd.read_parquet(table))
    reference = _study_rows(study_reference)
    # every row saved is a finished run, bit for bit the row an uninterrupted study saves
    merged = partial.merge(reference, on=STUDY_COLUMNS[:6], suffixes=("", "_ref"))
    assert len(merged) == len(partial)
    assert np.array_equal(merged["v"], merged["v_ref"]) and np.array_equal(merged["hac_stderr"],
                                                                           merged["hac_stderr_ref"])
    again = run_cli(*STUDY, "--table", table)
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(_study_rows(pd.read_parquet(table)), reference)


@pytest.mark.parametrize("sig", [signal.SIGINT, pytest.param(signal.SIGTERM, marks=MORE)], ids=["int", "term"])
def test_metallic_interrupted_prints_no_number(tmp_path, sig):
    proc = _start("metallic", "--lam", "1e-3", "--T", "300,1000,3000,10000", "--size", "20000", "--generations", "40")
    time.sleep(3.0 + RNG.uniform(0.0, 1.5))
    stdout, stderr = _signal_after(proc, [sig], 0.0)
    assert proc.returncode == EXIT[sig], (stdout, stderr)
    assert stdout == "" and stderr.count("\n") == 1 and "nothing was printed or saved" in stderr


@pytest.mark.parametrize("mode", ["new", "resume"])
def test_one_writer_per_run_directory(tmp_path, mode):
    out = tmp_path / "run"
    if mode == "resume":
        first = run_cli("run", "--lam", "0.01", "--T", "3.3", "--size", "200000", "--generations", "1",
                        "--no-progress", "--out", out)
        assert first.returncode == 0, first.stderr
        args = [["run", "--resume", out, "--generations", "100", "--no-progress"]] * 2
    else:
        args = [[*RUN, "--seed", str(seed), "--out", out] for seed in (1, 2)]
    procs = [_start(*a) for a in args]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    # refused while the other writes, or (if it came late) because the directory is taken
    assert ("being written by popdyn pid" in refused or "not empty" in refused or "is complete" in refused)
    assert refused.count("\n") == 1
    config = json.loads((out / "config.json").read_text())
    table = pd.read_parquet(out / "generations.parquet")
    assert len(table) == config["run"]["generations"] + 1
    if mode == "new":  # the directory holds one run, not a mix: its bits are those of its seed
        alone = run_cli(*RUN, "--seed", str(config["run"]["seed"]), "--out", tmp_path / "alone")
        assert alone.returncode == 0
        _assert_same_run(out, tmp_path / "alone")


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB file system of its own (tmpfs; skipped where mounting is not allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_disk_full_mid_run_is_one_line_and_resumes_bit_identically(small_disk, tmp_path):
    out = small_disk / "run"
    args = ["run", "--lam", "0.01", "--T", "3.3", "--size", "50000", "--seed", "2", "--generations", "300",
            "--checkpoint-interval", "0.2", "--no-progress"]
    proc = _start(*args, "--out", out)
    _wait_for(out / "config.json", proc)
    filler = small_disk / "filler"
    with filler.open("wb") as f:  # fill the disk while the run writes its checkpoints
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert stderr.count("\n") == 1 and "No space left on device" in stderr and "Traceback" not in stderr
    assert stderr.strip().endswith(f"popdyn run --resume {out}") and stdout == ""
    filler.unlink()
    resumed = run_cli("run", "--resume", out, "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    whole = run_cli(*args, "--out", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "generations.parquet")[DETERMINISTIC],
                                  pd.read_parquet(tmp_path / "whole" / "generations.parquet")[DETERMINISTIC])


@pytest.mark.parametrize("delay, signals", [(0.2, [signal.SIGINT]), (0.7, [signal.SIGINT]), (1.2, [signal.SIGINT]),
                                            (0.2, [signal.SIGINT, signal.SIGINT])], ids=["0.2", "0.7", "1.2", "twice"])
def test_signal_while_starting_is_one_line_and_leaves_no_half_start(tmp_path, delay, signals):
    """From the first imports on (before click, numba and friends are loaded), one stop or two are clean."""
    out = tmp_path / "run"
    proc = _start(*RUN, "--out", out)
    stdout, stderr = _signal_after(proc, signals, delay)
    assert proc.returncode == 130, (stdout, stderr)
    assert stderr.count("\n") == 1 and "Traceback" not in stderr and stdout == ""
    if (out / "config.json").exists():  # it got as far as generation 0, checkpointed
        assert stderr.strip().endswith(f"popdyn run --resume {out}")
    else:  # nothing of it is left, and the same command starts it
        assert not out.exists() and "the same command starts" in stderr
