"""Where a run's results go: in memory, or a run directory on disk.

A store receives what ``popdyn.engine.evolve`` produces (table rows, snapshots, checkpoints)
and gives back a checkpoint to resume from. Two implementations share that interface:
``MemoryStore`` for interactive work and tests, ``DirectoryStore`` for the run directory,
the unit every other popdyn tool reads:

    config.json           model, run parameters and provenance (written once; extended
                          only when a resume asks for more generations)
    state.json            status ("running", "interrupted", "complete"), generations done,
                          and one entry per session (threads, start and end time)
    generations.parquet   one row per generation (``popdyn.engine.COLUMNS``)
    snapshots/n0001.npy   ln Gamma of every sample of generation 1 (float64, -inf for
                          exact zeros); other fields as n0001_<field>.npy
    checkpoint.npz        the population after the last checkpointed generation

Every file is written to a temporary name and renamed into place, so a reader sees either
the old file or the new one, never half of one; ``state.json`` says "complete" only after
everything else is written.

A study of many runs keeps one row per run in a ``ResultTable`` (a Parquet file), the same way.
"""

import datetime
import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .engine import COLUMNS, State
from .errors import ConfigError, RunDirectoryError

def utc_now():
    """The time stamp of every popdyn record: ISO 8601, UTC, whole seconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


FORMAT = "popdyn-run"
FORMAT_VERSION = 1
_SNAPSHOT = re.compile(r"^n(\d+)(?:_(\w+))?\.npy$")


def rows_to_frame(rows):
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype({"n": "int64", "edges": "int64"})


def _state_copy(state):
    return State(state.generation, state.values.copy(), state.log_scale0, state.scale_exponent)


class MemoryStore:
    """A store that keeps everything in memory (no files)."""

    path = None

    def __init__(self, config):
        self.config = config
        self.rows = []
        self.snapshots = {}
        self.checkpoint = None
        self.status = "running"

    def append_row(self, row):
        self.rows.append(row)

    def write_snapshot(self, n, fields):
        self.snapshots[n] = {name: np.array(a) for name, a in fields.items()}

    def save_checkpoint(self, state):
        self.checkpoint = _state_copy(state)

    def load_checkpoint(self):
        state = _state_copy(self.checkpoint)
        self.rows = [r for r in self.rows if r["n"] <= state.generation]
        return state

    def set_status(self, status, **_):
        self.status = status

    def update_config(self, config):
        self.config = config

    def table(self):
        return rows_to_frame(self.rows)

    def snapshot_generations(self):
        return sorted(self.snapshots)

    def read_snapshot(self, n, field="gamma"):
        return self.snapshots[n][field]


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and an atomic rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _save_npy(path, values):
    with path.open("wb") as f:
        np.save(f, values)


def _write_json(path, data):
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n"))


class DirectoryStore:
    """A run directory (see the module docstring). Use ``create`` or ``open``, not the constructor."""

    def __init__(self, path, config, state_info):
        self.path = Path(path)
        self.config = config
        self.state_info = state_info
        self.rows = []
        self._table_written = 0.0

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def check_new(cls, path):
        """Raise unless ``path`` can become a new run directory (absent, or an empty directory)."""
        path = Path(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise RunDirectoryError(
                f"{path} already exists and is not empty; choose a new --out, or continue it with --resume {path}"
            )

    @classmethod
    def create(cls, path, config):
        cls.check_new(path)
        path = Path(path)
        try:
            (path / "snapshots").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirectoryError(f"cannot create run directory {path}: {exc.strerror}") from None
        store = cls(path, config, {"status": "running", "generations_done": 0, "sessions": []})
        _write_json(path / "config.json", config)
        _write_json(path / "state.json", store.state_info)
        return store

    @classmethod
    def open(cls, path):
        path = Path(path)
        if not path.is_dir():
            raise RunDirectoryError(f"{path} is not a directory")
        try:
            config = json.loads((path / "config.json").read_text())
            state_info = json.loads((path / "state.json").read_text())
        except FileNotFoundError:
            raise RunDirectoryError(f"{path} is not a popdyn run directory (no config.json/state.json)") from None
        except (OSError, ValueError) as exc:
            raise RunDirectoryError(f"cannot read run directory {path}: {exc}") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise RunDirectoryError(f"{path} is not a popdyn run directory (config.json has another format)")
        if config.get("format_version") != FORMAT_VERSION:
            raise RunDirectoryError(
                f"{path} has run format version {config.get('format_version')}; this popdyn reads {FORMAT_VERSION}"
            )
        store = cls(path, config, state_info)
        table = path / "generations.parquet"
        if table.exists():
            store.rows = pd.read_parquet(table).to_dict("records")
        return store

    @property
    def status(self):
        return self.state_info["status"]

    # -- the store interface ---------------------------------------------------------------
    def append_row(self, row):
        self.rows.append(row)
        if time.monotonic() - self._table_written > 2.0:  # readers may follow a run as it goes
            self._write_table()

    def write_snapshot(self, n, fields):
        for name, values in fields.items():
            suffix = "" if name == "gamma" else f"_{name}"
            target = self.path / "snapshots" / f"n{n:04d}{suffix}.npy"
            atomic_write(target, lambda tmp, v=values: _save_npy(tmp, v))

    def save_checkpoint(self, state):
        def write(tmp):
            with tmp.open("wb") as f:
                np.savez(f, values=state.values, generation=state.generation,
                         log_scale0=state.log_scale0, scale_exponent=state.scale_exponent)

        atomic_write(self.path / "checkpoint.npz", write)
        self._write_table()
        self.state_info["generations_done"] = state.generation
        _write_json(self.path / "state.json", self.state_info)

    def load_checkpoint(self):
        try:
            with np.load(self.path / "checkpoint.npz") as data:
                state = State(int(data["generation"]), data["values"].copy(), float(data["log_scale0"]),
                              int(data["scale_exponent"]))
        except (OSError, KeyError, ValueError) as exc:
            raise RunDirectoryError(f"cannot read the checkpoint of {self.path}: {exc}") from None
        self.rows = [r for r in self.rows if r["n"] <= state.generation]
        return state

    def set_status(self, status, session=None):
        self.state_info["status"] = status
        if session is not None:
            self.state_info["sessions"].append(session)
        _write_json(self.path / "state.json", self.state_info)

    def update_config(self, config):
        self.config = config
        _write_json(self.path / "config.json", config)

    # -- reading ---------------------------------------------------------------------------
    def _write_table(self):
        atomic_write(self.path / "generations.parquet", lambda tmp: self.table().to_parquet(tmp, index=False))
        self._table_written = time.monotonic()

    def table(self):
        return rows_to_frame(self.rows)

    def snapshot_generations(self):
        found = (_SNAPSHOT.match(p.name) for p in (self.path / "snapshots").glob("n*.npy"))
        return sorted({int(m.group(1)) for m in found if m and m.group(2) is None})

    def read_snapshot(self, n, field="gamma"):
        suffix = "" if field == "gamma" else f"_{field}"
        path = self.path / "snapshots" / f"n{n:04d}{suffix}.npy"
        if not path.exists():
            raise KeyError(f"no snapshot of field {field!r} at generation {n} in {self.path}")
        return np.load(path, mmap_mode="r")


class ResultTable:
    """A Parquet table of per-run results that grows one row at a time: the store of a study.

    Every row carries the commit the study started from (``provenance`` at start: the code
    that runs is the code that was loaded, whatever the checkout becomes meanwhile), the
    thread count and the time the run ended. Each append rewrites the file atomically, so an
    interrupted study keeps every finished run and a reader never sees half a table.
    Use ``open``, not the constructor.
    """

    def __init__(self, path, frame, provenance):
        self.path = Path(path)
        self.frame = frame
        self.provenance = provenance

    @classmethod
    def open(cls, path, columns, provenance):
        """The table at ``path`` (empty when the file does not exist yet); ConfigError if it cannot be one."""
        path = Path(path)
        if not path.exists():
            if not path.resolve().parent.is_dir():
                raise ConfigError(f"result table {str(path)!r}: folder {str(path.parent)!r} does not exist")
            return cls(path, pd.DataFrame(columns=list(columns)), provenance)
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise ConfigError(f"result table {str(path)!r} is not a Parquet table ({type(exc).__name__})") from None
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ConfigError(f"result table {str(path)!r} holds other results (no column {missing[0]!r})")
        return cls(path, frame, provenance)

    def keys(self, key_columns):
        """The set of key tuples already in the table."""
        return set(self.frame[list(key_columns)].itertuples(index=False, name=None))

    def append(self, row):
        stamped = dict(row, git_commit=self.provenance["git_commit"], threads=self.provenance["threads"],
                       created=utc_now())
        new = pd.DataFrame([stamped])
        self.frame = new if self.frame.empty else pd.concat([self.frame, new], ignore_index=True)
        atomic_write(self.path, lambda tmp: self.frame.to_parquet(tmp, index=False))
