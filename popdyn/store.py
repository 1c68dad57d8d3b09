"""Where a run's results go: in memory, or a run directory on disk.

A store receives what ``popdyn.engine.evolve`` produces (table rows, snapshots, checkpoints)
and gives back a checkpoint to resume from. Two implementations share that interface:
``MemoryStore`` for interactive work and tests, ``DirectoryStore`` for the run directory,
the unit every other popdyn tool reads:

    config.json           model, run parameters and provenance (written once; extended
                          only when a resume asks for more generations)
    state.json            status ("running", "interrupted", "complete"), generations done,
                          and one entry per session (threads, start and end time)
    generations.parquet   one row per generation (``popdyn.engine.columns`` of the model)
    snapshots/n0001.npy   ln Gamma of every sample of generation 1 (float64, -inf for
                          exact zeros); other fields as n0001_<field>.npy
    checkpoint.npz        the population after the last checkpointed generation, and the
                          configuration it belongs to (a config.json edited since is refused)
    .lock                 held (``fcntl.flock``) by the one process writing the directory

Every file is written to a temporary name and renamed into place, so a reader sees either
the old file or the new one, never half of one. A checkpoint writes the table first, then the
population, then ``state.json``: whatever kills the process, the table reaches the checkpoint
and a resume loses nothing. ``config.json`` is written last when a run starts (after the
checkpoint of generation 0), and ``state.json`` says "complete" only after everything else is
written. A "running" directory whose lock nobody holds was stopped (kill -9, power cut) and
reads as "interrupted".

A study of many runs keeps one row per run in a ``popdyn.tables.ResultTable``.
"""

import json
import math
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import folders
from .engine import State, columns
from .errors import ConfigError, RunDirectoryError, RunExistsError
from .files import atomic_write, read_parquet, remove_temporaries
from .lock import DirectoryLock, in_use
from .runconfig import FORMAT, FORMAT_VERSION, RunConfig

_SNAPSHOT = re.compile(r"^n(\d+)(?:_(\w+))?\.npy$")


_INTEGER_COLUMNS = ("n", "edges")


def rows_to_frame(rows, names):
    return pd.DataFrame(rows, columns=list(names)).astype({c: "int64" for c in _INTEGER_COLUMNS})


def table_columns(config):
    """The columns of the table of generations of a run (its ``RunConfig``): its model's (``popdyn.engine.columns``)."""
    from .models import model_from_dict

    return columns(model_from_dict(config.model))


def _state_copy(state):
    return State(state.generation, state.values.copy(), state.log_scale0, state.scale_exponent)


class MemoryStore:
    """A store that keeps everything in memory (no files); ``config`` is the run's ``RunConfig``."""

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

    @property
    def checkpoint_generation(self):
        """The generation of the last checkpoint."""
        return self.checkpoint.generation

    def load_checkpoint(self, model=None):
        state = _state_copy(self.checkpoint)
        self.rows = [r for r in self.rows if r["n"] <= state.generation]
        return state

    def set_status(self, status, **_):
        self.status = status

    def update_config(self, config):
        self.config = config

    def publish(self):
        pass

    def discard(self):
        pass

    def close(self):
        pass

    def table(self):
        return rows_to_frame(self.rows, table_columns(self.config))

    def snapshot_generations(self):
        return sorted(self.snapshots)

    def read_snapshot(self, n, field="gamma"):
        return self.snapshots[n][field]


def _save_npy(path, values):
    with path.open("wb") as f:
        np.save(f, values)


def _write_json(path, data):
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, allow_nan=True) + "\n"))


STATUSES = ("running", "interrupted", "complete")
_CHECKPOINT_KEYS = ("values", "generation", "log_scale0", "scale_exponent", "config")
#: The configuration a checkpoint belongs to: what fixes its bits (``generations`` may grow).
_FINGERPRINTED = ("size", "seed", "snapshots", "dtype")


def fingerprint(config):
    """The part of a ``RunConfig`` that a checkpoint's population depends on, as canonical JSON."""
    run = {k: v for k, v in config.parameters().items() if k in _FINGERPRINTED}
    return json.dumps({"model": config.model, "run": run}, sort_keys=True)


def _differences(a, b, prefix=""):
    """Dotted names of the keys where two nested dicts differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += _differences(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return [] if a == b else [prefix.rstrip(".")]


class DirectoryStore:
    """A run directory (see the module docstring). Use ``create`` or ``open``, not the constructor."""

    def __init__(self, path, config, state_info, lock=None):
        self.path = Path(path)
        self.config = config
        self.state_info = state_info
        self.rows = []
        self.checkpoint_generation = None
        self._created = False
        self._lock = lock
        self._table_written = 0.0

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, path, config):
        """Lock a new run directory and write its first files; ``publish`` makes it a run.

        ``config.json`` is written last (by ``publish``, after the checkpoint of generation 0):
        a directory without it is a start that never finished, which a new run may take over.
        """
        folders.check_new_run(path)
        path = Path(path)
        store = cls(path, config, {"status": "running", "generations_done": 0, "sessions": []})
        store._created = not path.exists()
        try:
            path.mkdir(parents=True, exist_ok=True)
            store._lock = DirectoryLock(path).acquire()
            if not folders.unstarted(path):  # another process got here first and finished its start
                raise RunExistsError(path, resumable=False)
            cls._clear(path)
            (path / "snapshots").mkdir()
            _write_json(path / "state.json", store.state_info)
        except OSError as exc:
            store.discard()
            raise RunDirectoryError(f"cannot create run directory {path}: {exc.strerror or exc}") from None
        except BaseException:
            store.discard()
            raise
        return store

    @staticmethod
    def _clear(path):
        for p in path.iterdir():
            if p.name == ".lock":
                continue
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()

    def publish(self):
        """Write ``config.json``: from now on the directory is a run that can be read and resumed."""
        _write_json(self.path / "config.json", self.config.to_dict())

    def discard(self):
        """Undo ``create`` (before ``publish``): the directory as it was, absent or empty; release the lock."""
        try:
            if self._lock is not None and self.path.is_dir() and not (self.path / "config.json").exists():
                self._clear(self.path)
                if self._created:
                    (self.path / ".lock").unlink()
                    self.path.rmdir()
        finally:
            self.close()

    def close(self):
        """Release the lock (a store opened for reading holds none)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @classmethod
    def open(cls, path, validate=None):
        """Open a run directory for reading, checking every file a reader or a resume will use.

        ``validate`` is called with the configuration; its ConfigError becomes this directory's
        error. Nothing is written (``lock`` makes the store a writer). A directory another
        process is writing is read as it is; when what is read does not hold together there
        (a start before its config.json, files replaced while they were read), it is read
        again, and then refused as in use (``DirectoryInUse``, naming the writer), never as damaged.
        """
        path = Path(path)
        if not path.is_dir():
            raise RunDirectoryError(f"{path} is not a directory")
        if folders.kind(path) in ("sweep", "both"):
            raise folders.not_a_run(path)
        for attempt in range(_READS_IN_USE):
            try:
                return cls._open(path, validate)
            except RunDirectoryError:
                busy = in_use(path)  # the lock is asked before the files are judged damaged
                if busy is None:
                    raise
                if attempt == _READS_IN_USE - 1:
                    raise busy from None
                time.sleep(0.2)

    @classmethod
    def _open(cls, path, validate):
        if not (path / "config.json").exists():
            found = folders.enclosing(path)
            inside = f"; it is inside the {found[1]} directory {found[0]}" if found and found[1] != "both" else ""
            raise RunDirectoryError(f"{path} is not a popdyn run directory (no config.json){inside}")
        config = _read_json(path / "config.json", path)
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise RunDirectoryError(f"{path} is not a popdyn run directory (config.json has another format)")
        if config.get("format_version") != FORMAT_VERSION:
            raise RunDirectoryError(
                f"{path} has run format version {config.get('format_version')}; this popdyn reads {FORMAT_VERSION}"
            )
        if validate is not None:
            try:
                validate(config)
            except ConfigError as exc:
                raise RunDirectoryError(f"{path}/config.json is not a valid run configuration: {exc}") from None
        try:
            config = RunConfig.from_dict(config)
        except (KeyError, TypeError, AttributeError) as exc:  # reached only without ``validate``
            raise RunDirectoryError(f"{path}/config.json is not a valid run configuration ({exc!r})") from None
        store = cls(path, config, None)
        store._read_files(agree=not DirectoryLock.held(path))  # a live run's files move while they are read
        return store

    def _read_files(self, agree):
        """state.json, the table, the checkpoint's header and the snapshots, each checked; with ``agree``
        also against each other (``_check_agreement``)."""
        self._read_state()
        self.rows = self._read_table()
        self.checkpoint_generation = self._check_checkpoint()
        self._check_snapshots()
        if agree:
            self._check_agreement()

    def _check_agreement(self):
        """The files of a directory at rest tell one story: the generations of the table, the
        checkpoint, state.json and config.json agree (a complete run holds exactly its generations)."""
        last, checkpoint = len(self.rows) - 1, self.checkpoint_generation
        done, target = self.state_info["generations_done"], self.config.generations
        where = f"{self.path}: "
        if checkpoint is None:
            raise RunDirectoryError(f"{self.path} has no checkpoint.npz (a run has one from generation 0 on)")
        if not 0 <= checkpoint <= last:
            raise RunDirectoryError(where + f"the checkpoint is at generation {checkpoint}, the table ends at {last}")
        if last > target:
            raise RunDirectoryError(where + f"the table holds generation {last}, beyond the run's {target}")
        # state.json is written after the checkpoint: a process killed in between leaves it behind ("running")
        if done > checkpoint or (done != checkpoint and self.state_info["status"] != "running"):
            raise RunDirectoryError(where + f"state.json counts {done} generations, the checkpoint holds {checkpoint}")
        if self.state_info["status"] == "complete" and not checkpoint == last == target:
            raise RunDirectoryError(where + f"state.json says complete, but the run asks for {target} generations, "
                                    f"the table ends at {last} and the checkpoint at {checkpoint}")

    def _check_snapshots(self):
        """Every snapshot that config.json asks for, up to the last generation in the table, is there
        and whole: N float64 samples (checked from its header and length, not loaded)."""
        last, size = len(self.rows) - 1, self.config.size
        for n in self.config.snapshots:
            path = self.path / "snapshots" / f"n{n:04d}.npy"
            if n > last:
                continue
            if not path.is_file():
                raise RunDirectoryError(f"{self.path} lacks snapshots/{path.name}, which its config.json asks for")
            try:
                with path.open("rb") as f:
                    shape, dtype = _npy_header(f)
                    whole = f.tell() + 8 * size == os.fstat(f.fileno()).st_size  # the file read, not its name
            except (OSError, ValueError, EOFError) as exc:
                raise RunDirectoryError(f"snapshot {path} is not a NumPy array file ({exc})") from None
            if shape != (size,) or dtype != np.float64 or not whole:
                raise RunDirectoryError(f"snapshot {path} is not {size} float64 samples")

    def _read_state(self):
        state_info = _read_json(self.path / "state.json", self.path)
        if not (isinstance(state_info, dict) and state_info.get("status") in STATUSES
                and isinstance(state_info.get("sessions"), list)
                and isinstance(state_info.get("generations_done"), int)):
            raise RunDirectoryError(f"{self.path}/state.json is damaged (it holds no status, generations and sessions)")
        self.state_info = state_info

    def lock(self):
        """Become the directory's one writer (refused while another process is), and re-read what it wrote."""
        self._lock = DirectoryLock(self.path).acquire()
        try:  # read again what a writer that just let go may have changed
            self._read_files(agree=True)
            remove_temporaries(self.path, self.path / "snapshots")  # only the lock holder may: nobody else writes
        except BaseException:
            self.close()
            raise

    def _read_table(self):
        table = self.path / "generations.parquet"
        if not table.exists():
            raise RunDirectoryError(f"{self.path} has no generations.parquet (its table of generations): "
                                    "it cannot be read or resumed without losing generations")
        names = table_columns(self.config)
        frame = read_parquet(table, names, RunDirectoryError, str(table), "is not a popdyn table of generations")
        for column in names:
            want = "i" if column in _INTEGER_COLUMNS else "f"
            if frame[column].dtype.kind != want:
                raise RunDirectoryError(f"{table}: column {column!r} holds {frame[column].dtype}, not "
                                        f"{'integers' if want == 'i' else 'floats'}")
        n = frame["n"].to_numpy()
        if len(n) == 0 or not np.array_equal(n, np.arange(len(n))):
            raise RunDirectoryError(f"{table} does not hold generations 0, 1, 2, ... in order")
        return frame[list(names)].to_dict("records")

    def _checkpoint_file(self):
        try:
            return np.load(self.path / "checkpoint.npz", allow_pickle=False)
        except FileNotFoundError:
            raise RunDirectoryError(f"{self.path} has no checkpoint.npz: it cannot be resumed") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise RunDirectoryError(f"cannot read the checkpoint of {self.path}: {exc or type(exc).__name__}") from None

    def _check_checkpoint(self):
        """The generation of the checkpoint (None without one), its population's shape and
        configuration checked without loading it: a config.json edited since the run began is refused."""
        if not (self.path / "checkpoint.npz").exists():
            return None
        with self._checkpoint_file() as data:
            try:
                missing = [k for k in _CHECKPOINT_KEYS if k not in data.files]
                if missing:
                    raise KeyError(f"no {missing[0]!r}")
                stored = json.loads(str(data["config"]))
                generation = int(data["generation"])
                int(data["scale_exponent"])  # an integer, or refused
                log_scale0 = float(data["log_scale0"])
                if not math.isfinite(log_scale0):
                    raise ValueError(f"log_scale0 = {log_scale0}")
                with data.zip.open("values.npy") as f:
                    shape, dtype = _npy_header(f)
            except (KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile, OSError) as exc:
                raise RunDirectoryError(f"cannot read the checkpoint of {self.path}: {exc}") from None
        changed = _differences(stored, json.loads(fingerprint(self.config)))
        if changed:
            raise RunDirectoryError(f"{self.path}/config.json no longer matches the run it holds ({', '.join(changed)} "
                                    "changed since the run began); restore it, or start a new run")
        if len(shape) != 2 or shape[1] != self.config.size or dtype != np.dtype(self.config.dtype):
            raise RunDirectoryError(f"the checkpoint of {self.path} holds a population of another shape or type "
                                    f"than its config.json ({shape}, {dtype})")
        return generation

    @property
    def status(self):
        """"running" only while a process holds the directory; a run whose process died is "interrupted"."""
        status = self.state_info["status"]
        if status == "running" and self._lock is None and not DirectoryLock.held(self.path):
            return "interrupted"
        return status

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
        """The table, then the population, then state.json: the table always reaches the checkpoint."""
        self._write_table()

        def write(tmp):
            with tmp.open("wb") as f:
                np.savez(f, values=state.values, generation=state.generation, log_scale0=state.log_scale0,
                         scale_exponent=state.scale_exponent, config=fingerprint(self.config))

        atomic_write(self.path / "checkpoint.npz", write)
        self.checkpoint_generation = state.generation
        self.state_info["generations_done"] = state.generation
        _write_json(self.path / "state.json", self.state_info)

    def load_checkpoint(self, model):
        """The population of the checkpoint, checked against the model (after ``lock``, which has
        checked it against the table)."""
        with self._checkpoint_file() as data:
            try:
                state = State(int(data["generation"]), data["values"], float(data["log_scale0"]),
                              int(data["scale_exponent"]))
            except (KeyError, ValueError, TypeError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise RunDirectoryError(f"cannot read the checkpoint of {self.path}: {exc}") from None
        if state.values.shape[0] != len(model.fields):
            raise RunDirectoryError(f"the checkpoint of {self.path} holds {state.values.shape[0]} fields per sample, "
                                    f"its model {len(model.fields)}")
        if not np.all(np.isfinite(state.values)) or np.any(state.values[0] < 0):
            raise RunDirectoryError(f"the checkpoint of {self.path} holds samples that are not finite, or a negative "
                                    "Gamma: it is not a population popdyn wrote")
        self.rows = self.rows[: state.generation + 1]
        return state

    def set_status(self, status, session=None):
        self.state_info["status"] = status
        if session is not None:
            self.state_info["sessions"].append(session)
        _write_json(self.path / "state.json", self.state_info)

    def update_config(self, config):
        self.config = config
        _write_json(self.path / "config.json", config.to_dict())

    # -- reading ---------------------------------------------------------------------------
    def _write_table(self):
        atomic_write(self.path / "generations.parquet", lambda tmp: self.table().to_parquet(tmp, index=False))
        self._table_written = time.monotonic()

    def table(self):
        return rows_to_frame(self.rows, table_columns(self.config))

    def snapshot_generations(self):
        found = (_SNAPSHOT.match(p.name) for p in (self.path / "snapshots").glob("n*.npy"))
        return sorted({int(m.group(1)) for m in found if m and m.group(2) is None})

    def read_snapshot(self, n, field="gamma"):
        suffix = "" if field == "gamma" else f"_{field}"
        path = self.path / "snapshots" / f"n{n:04d}{suffix}.npy"
        if not path.exists():
            raise KeyError(f"no snapshot of field {field!r} at generation {n} in {self.path}")
        try:
            values = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise RunDirectoryError(f"cannot read snapshot {path}: {exc}") from None
        if values.shape != (self.config.size,) or values.dtype != np.float64:
            raise RunDirectoryError(f"snapshot {path} is not {self.config.size} float64 samples")
        return values


#: Reads of a directory in use before it is refused as such (0.2 s apart: a writer's table is rewritten every 2 s).
_READS_IN_USE = 3


def _npy_header(f):
    """(shape, dtype) of the .npy array that the open file ``f`` starts with; ``f`` is left at its data."""
    version = np.lib.format.read_magic(f)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(f)
    return shape, dtype


def _read_json(path, directory):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RunDirectoryError(f"{directory} is not a popdyn run directory (no {path.name})") from None
    except (OSError, ValueError) as exc:
        raise RunDirectoryError(f"cannot read {path}: {exc}") from None
