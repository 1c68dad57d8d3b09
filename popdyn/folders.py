"""What a folder is: a run directory (``popdyn run``), a sweep directory (``popdyn sweep``), or neither.

A folder is one kind of thing. A run directory holds one run's files; a sweep directory holds
``sweep.json``, ``summary.parquet`` and its points, each the run directory ``runs/<point-id>``.
Neither goes inside the other, except a sweep's own points in its ``runs/`` folder: a sweep
written into a run directory, a run written over a sweep or among its points, a sweep inside
another sweep's points would all leave folders that no reader can tell apart. Every command
that creates one asks here first (nothing is written before), and every reader names what it
was given when it is the other kind.

Only popdyn's own signatures count, so a user's folder that happens to hold a ``config.json``
is not taken for a run: a run directory has a ``config.json`` of the popdyn-run format, or
(a start cut short) its ``state.json`` beside its ``.lock``.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import models
from .errors import NotARunError, OutputDirectoryError, RunDirectoryError, RunExistsError
from .files import check_output_dir, check_writable_folder, is_temporary, usable_path
from .lock import DirectoryLock
from .runconfig import FORMAT

#: What a sweep directory holds: its record, its table, and the folder of its points.
RECORD, SUMMARY, RUNS = "sweep.json", "summary.parquet", "runs"
#: The format a run directory's config.json declares.
RUN_FORMAT = FORMAT
#: Files of a run directory (``popdyn.store``; their temporaries are ``files.is_temporary``).
RUN_FILES = ("config.json", "state.json", "generations.parquet", "checkpoint.npz", "snapshots", ".lock")


@dataclass(frozen=True)
class Point:
    """One point of a sweep: a model and the options of its run."""

    model: dict  # model.to_dict()
    size: int
    generations: int
    seed: int
    snapshot: tuple = ()
    dtype: str = "float64"

    @property
    def id(self):
        """A stable name from the configuration alone: readable parameters and a hash of all of them."""
        config = json.dumps(dataclasses.asdict(self), sort_keys=True, default=list)
        digest = hashlib.sha256(config.encode()).hexdigest()[:10]
        model = models.model_from_dict(self.model)
        return f"{self.model['name']}-{model.run_name()}-N{self.size}-s{self.seed}-{digest}"

    def parameters(self):
        """The point as flat columns (model parameters, then run options), for the sweep's table."""
        return {"point": self.id, "model": self.model["name"],
                **{k: v for k, v in self.model.items() if k != "name"},
                "size": self.size, "generations": self.generations, "seed": self.seed, "dtype": self.dtype}


def is_run_directory(path):
    """Whether ``path`` holds a popdyn run (complete, going, interrupted, or a start cut short)."""
    path = Path(path)
    if (path / "state.json").is_file() and (path / ".lock").is_file():
        return True
    try:
        return json.loads((path / "config.json").read_text()).get("format") == RUN_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def is_sweep_directory(path):
    """Whether ``path`` is a sweep directory (it holds ``sweep.json``)."""
    return (Path(path) / RECORD).is_file()


def kind(path):
    """``"run"``, ``"sweep"``, ``"both"`` (a folder no reader can use) or None, for what ``path`` holds."""
    run, sweep = is_run_directory(path), is_sweep_directory(path)
    return "both" if run and sweep else "run" if run else "sweep" if sweep else None


def both_kinds(path):
    """The refusal of a folder that holds a run and a sweep at once."""
    return RunDirectoryError(f"{path} holds both a run (config.json, state.json) and a sweep ({RECORD}): one folder "
                             "is one kind of thing, and no popdyn command reads or writes it; move one of them out")


def not_a_run(path):
    """The refusal a reader of runs gives a sweep directory (or a folder that holds both)."""
    if kind(path) == "both":
        return both_kinds(path)
    return NotARunError(path, Path(path) / RUNS)


def enclosing(path):
    """The nearest folder above ``path`` that is a run or a sweep directory, with its kind: (folder, kind) or None."""
    path = Path(path).resolve()
    for folder in path.parents:
        found = kind(folder)
        if found is not None:
            return folder, found
    return None


def _sweep_points(folder):
    """The point ids ``sweep.json`` of ``folder`` lists (an empty set when it cannot be read)."""
    try:
        points = json.loads((Path(folder) / RECORD).read_text())["points"]
        return {p for p in points if isinstance(p, str)}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def check_run_out(path, point_id):
    """RunDirectoryError unless ``path`` may become a new run directory as far as its kind goes.

    It must not be a sweep directory, nor lie inside a run directory, nor inside a sweep
    directory unless it is one of that sweep's points: ``runs/<id>`` with ``id`` listed in its
    ``sweep.json`` and equal to ``point_id()``, the id of the run about to be written there
    (a callable, computed only then).
    """
    path = Path(path)
    if path.is_dir() and kind(path) in ("sweep", "both"):
        if kind(path) == "both":
            raise both_kinds(path)
        raise OutputDirectoryError("out", f"{path} is a sweep directory", "sweep", ": a run needs a new folder")
    found = enclosing(path)
    if found is None:
        return
    folder, what = found
    if what == "both":
        raise both_kinds(folder)
    if what == "run":
        raise OutputDirectoryError("out", f"{path} is inside the run directory {folder}: a run needs a folder of its "
                                   "own outside it")
    resolved = path.resolve()
    if not (resolved.parent == folder / RUNS and resolved.name in _sweep_points(folder)
            and resolved.name == point_id()):
        raise OutputDirectoryError("out", f"{path} is inside the sweep directory {folder} and is none of its points: "
                                   "a run needs a folder of its own outside it")


def unstarted(path):
    """Whether the directory ``path`` is empty, or holds only files of a run whose start was cut short (no config.json)."""
    leftovers = [p.name for p in Path(path).iterdir() if p.name not in RUN_FILES and not is_temporary(p.name)]
    return not leftovers and not (Path(path) / "config.json").exists()


def check_new_run(path):
    """Raise unless ``path`` can become a new run directory (absent, empty, or a start that never finished).

    A run going on there is refused naming its writer (``DirectoryLock.check_free``).
    """
    path = usable_path(path, "out")
    if not path.exists():
        check_output_dir(path, "out")
        return
    if not path.is_dir():
        raise RunExistsError(path, is_directory=False)
    DirectoryLock(path).check_free()
    if not unstarted(path):
        raise RunExistsError(path)
    check_writable_folder(path, "out")


#: What a sweep directory may hold besides its record while nothing is written yet: a start cut
#: short before ``sweep.json`` (its ``runs/`` folder, maybe points run by hand), its lock, temporaries.
_SWEEP_START = {RUNS, ".lock"}


def check_sweep_out(path):
    """RunDirectoryError unless ``path`` may hold a sweep: absent, empty, a sweep directory, or a start of one.

    A run directory, a folder inside a run or a sweep directory, and a folder holding other
    files are refused, naming what they are.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputDirectoryError("out", f"{path} exists and is not a directory")
    what = kind(path) if path.is_dir() else None
    if what == "both":
        raise both_kinds(path)
    if what == "run":
        raise OutputDirectoryError("out", f"{path} is a run directory", "run", ": a sweep needs a new folder, or its "
                                   "own sweep directory to continue")
    found = enclosing(path)
    if found is not None:
        folder, outer = found
        if outer == "both":
            raise both_kinds(folder)
        name = "run directory" if outer == "run" else "sweep directory"
        raise OutputDirectoryError("out", f"{path} is inside the {name} {folder}: a sweep needs a folder of its own "
                                   "outside it")
    if what is None and path.is_dir():
        others = sorted(p.name for p in path.iterdir()
                        if p.name not in _SWEEP_START and not is_temporary(p.name))
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise OutputDirectoryError("out", f"{path} already exists and holds other files ({shown}), not a sweep: "
                                       "a sweep needs a new folder, or its own sweep directory to continue")
