"""The Python API and the run directory: outputs, provenance, resume, refusals."""

import json
import re
import signal

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.errors import ConfigError, RunDirectoryError
from popdyn.store import DirectoryStore
from tests.helpers import same_bits

DETERMINISTIC = [c for c in popdyn.engine.COLUMNS if c != "wall_s"]


def test_run_directory_holds_everything(tmp_path, metal):
    out = tmp_path / "run"
    r = popdyn.run(metal, size=3000, generations=6, seed=4, snapshots=[0, 1, 6], out=out, progress=False)
    assert r.status == "complete"
    assert {p.name for p in out.iterdir()} == {"config.json", "state.json", "generations.parquet",
                                                "snapshots", "checkpoint.npz", ".lock"}
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == metal.to_dict()
    assert config["run"]["seed"] == 4 and config["run"]["size"] == 3000
    for key in ("popdyn", "numba", "numpy", "threads", "git_commit", "created"):
        assert key in config["provenance"]
    loaded = popdyn.load(out)
    assert loaded.snapshot_generations == [0, 1, 6]
    pd.testing.assert_frame_equal(loaded.table, pd.read_parquet(out / "generations.parquet"))
    assert loaded.table.n.tolist() == list(range(7))
    last = loaded.snapshot(6)
    assert last.dtype == np.float64 and last.shape == (3000,)
    assert np.isclose(loaded.table.mean_ln.iloc[-1], last[np.isfinite(last)].mean(), rtol=1e-12)
    assert np.all(loaded.snapshot(0) == np.log(metal.eta))


def _interrupt_at(monkeypatch, generation):
    """Deliver a real SIGINT once the store has received the row of ``generation``."""
    append = DirectoryStore.append_row

    def append_and_interrupt(self, row):
        append(self, row)
        if row["n"] == generation:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(DirectoryStore, "append_row", append_and_interrupt)


def test_ctrl_c_checkpoints_and_resume_is_bit_identical(tmp_path, metal, monkeypatch):
    whole = popdyn.run(metal, size=2000, generations=12, seed=8, snapshots=[5, 12], out=tmp_path / "a",
                       progress=False)
    with monkeypatch.context() as m, pytest.raises(popdyn.Interrupted) as stopped:
        _interrupt_at(m, 5)
        popdyn.run(metal, size=2000, generations=12, seed=8, snapshots=[5, 12], out=tmp_path / "b",
                   progress=False, checkpoint_interval=1e9)
    part = stopped.value.run
    assert stopped.value.exit_status == 130 and stopped.value.resume_path == tmp_path / "b"
    assert stopped.value.message.endswith(f"continue with popdyn.resume({str(tmp_path / 'b')!r})")
    assert part.status == "interrupted" and part.table.n.max() == 5
    assert json.loads((tmp_path / "b" / "state.json").read_text())["status"] == "interrupted"
    resumed = popdyn.resume(tmp_path / "b", progress=False)
    assert resumed.status == "complete"
    for n in (5, 12):
        assert same_bits(whole.snapshot(n), resumed.snapshot(n))
    pd.testing.assert_frame_equal(whole.table[DETERMINISTIC], resumed.table[DETERMINISTIC])
    sessions = json.loads((tmp_path / "b" / "state.json").read_text())["sessions"]
    assert [s["from_generation"] for s in sessions] == [0, 5]


def test_memory_run_resumes_too(metal):
    whole = popdyn.run(metal, size=1000, generations=8, seed=2, progress=False)
    part = popdyn.run(metal, size=1000, generations=3, seed=2, progress=False)
    popdyn.resume(part, generations=8, progress=False)
    pd.testing.assert_frame_equal(whole.table[DETERMINISTIC], part.table[DETERMINISTIC])


def test_complete_run_is_not_resumed_without_more_generations(tmp_path, metal):
    popdyn.run(metal, size=100, generations=2, out=tmp_path / "r", progress=False)
    with pytest.raises(RunDirectoryError, match="complete"):
        popdyn.resume(tmp_path / "r", progress=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 1}, "size must be in [2, 4294967296]"),
        ({"size": 10.5}, "size must be an integer"),
        ({"generations": -1}, "generations must be in [0, 1000000]"),
        ({"generations": 2**64}, "generations must be in [0, 1000000]"),
        ({"seed": -3}, "seed must be"),
        ({"snapshots": [4]}, "outside the run"),
        ({"snapshots": [-1]}, "snapshot generation must be >= 0"),
        ({"threads": 0}, "threads must be >= 1"),
        ({"threads": 10_000}, "threads must be at most"),
    ],
)
def test_bad_run_parameters_write_nothing(tmp_path, metal, kwargs, message):
    args = {"size": 100, "generations": 3, "out": tmp_path / "r", "progress": False, **kwargs}
    with pytest.raises(ConfigError, match=re.escape(message)):
        popdyn.run(metal, **args)
    assert not (tmp_path / "r").exists()


def test_existing_directory_is_never_overwritten(tmp_path, metal):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RunDirectoryError, match="not empty"):
        popdyn.run(metal, size=100, generations=1, out=out, progress=False)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_foreign_directories_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunDirectoryError, match="not a popdyn run directory"):
        popdyn.load(tmp_path / "empty")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "config.json").write_text('{"format": "something-else"}')
    (foreign / "state.json").write_text("{}")
    with pytest.raises(RunDirectoryError, match="another format"):
        popdyn.load(foreign)
    (foreign / "config.json").write_text("{not json")
    with pytest.raises(RunDirectoryError, match="cannot read"):
        popdyn.load(foreign)
