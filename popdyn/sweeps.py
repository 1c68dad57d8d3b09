"""Parameter sweeps: a TOML grid of ``popdyn run`` points, each an ordinary run directory, mapped on Dask.

The Dask machinery itself (the embedded cluster, a scheduler's client, ``map_on``) is ``popdyn.cluster``.

A sweep spec names every option of a run (the model's parameters, ``size``, ``generations``,
``seed``, ``snapshot``, ``dtype``; a variant model's switch, ``energy_arguments = true``) as a
scalar or a list; the sweep is the Cartesian product of the lists, plus any explicit
``[[point]]`` tables. Each point becomes ``OUT/runs/<point-id>/``,
the layout of ``popdyn run`` (readable by ``popdyn.load`` and ``popdyn fit``), with an id
derived from its configuration alone, so the same point always lands in the same directory.

A spec is read in two steps (``Spec``): every value is checked against the kind its key
declares (the models' ``Parameter`` declarations and ``RUN_PARAMETERS``) and the points are
counted, with the work they ask for, before a single point is built; a spec beyond
``MAX_POINTS`` is refused unless the caller allows more.

``sweep_points`` yields the points as they finish (emcee's ``sample()``: the caller owns progress
and interruption); ``sweep`` drives it and rebuilds ``OUT/summary.parquet`` from the run
directories, so the table always agrees with them. One process writes a sweep directory
(``SweepLock``, as one writes a run directory). The unit of work, ``run_point``, is a
picklable function of one point that writes its run directory and returns its status:
complete points are skipped, interrupted ones continue from their checkpoint.

Example spec::

    model = "baa"
    lam = [0.01]
    T = [2.0, 3.0]
    size = [20000]
    generations = [5]
    seed = [1, 2]
"""

import contextlib
import dataclasses
import datetime
import decimal
import itertools
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tomllib

from . import folders, models
from .cluster import check_cluster_options, check_local_cluster, dask_client
from .errors import (AnotherSweepError, ConfigError, DirectoryInUse, NotASweepError, RunDirectoryError,
                     TooManyPointsError, VariantError)
from .files import atomic_write
from .folders import Point
from .lock import DirectoryLock
from .parallel import map_unordered
from .models.protocol import Parameter

#: The options of a point besides the model's parameters, declared as a model declares its own, with the
#: defaults of ``popdyn run``. ``snapshot`` is one list of generations for every point, not a dimension.
RUN_PARAMETERS = (
    Parameter("size", "int", "Population size N >= 2.", default=100_000),
    Parameter("generations", "int", "Generations to build after generation 0.", default=50),
    Parameter("seed", "int", "Seed of every random stream.", default=0),
    Parameter("snapshot", "int", "Generations whose samples are kept (one list for every point).", default=()),
    # popdyn.engine.DTYPES, written out: importing the engine would load numba with the spec's reader
    Parameter("dtype", "choice", "Storage of the population.", default="float64", choices=("float64", "float32")),
)
RUN_OPTIONS = {p.name: p.default for p in RUN_PARAMETERS}
#: Where a sweep keeps its points, its record and its table.
RUNS, RECORD, SUMMARY = folders.RUNS, folders.RECORD, folders.SUMMARY
#: The most points a sweep runs unless told otherwise (``--max-points``, ``max_points=``). A point costs
#: about 0.06 s of bookkeeping beyond its samples (its run directory, provenance, a Dask task), 5 ms to read
#: back into the summary, and 50 bytes of sweep.json: 10^4 points are minutes of that, a study here has tens
#: to hundreds, and a spec that expands further is most often a list given where a scalar was meant.
MAX_POINTS = 10_000


# -- the spec: typed, counted, then built ------------------------------------------------------


def spec_keys():
    """{key: Parameter} of every key a spec may set, built from the registry each time (a model registered later
    counts): ``model``, the variants' switches, every model's parameters, and ``RUN_PARAMETERS``."""
    keys = {"model": Parameter("model", "choice", "The model.", default=models.default_model(),
                               choices=tuple(models.MODELS))}
    for cls in models.variants():
        keys[cls.variant.dest] = Parameter(cls.variant.dest, "bool", cls.variant.help, default=False)
    for cls in models.MODELS.values():
        for p in cls.parameters:
            keys.setdefault(p.name, p)  # one kind per name over the registry (the command line insists on it)
    keys.update({p.name: p for p in RUN_PARAMETERS})
    return keys


def _spelled(value):
    """A spec value as TOML writes it, for messages: "0.01" for a string, true, [1, 2], a table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        shown = ", ".join(_spelled(v) for v in value[:4])
        return f"[{shown}{', ...' if len(value) > 4 else ''}]"
    if isinstance(value, (datetime.date, datetime.time)):
        return f"{value.isoformat()} (a date or time)"
    return repr(value)


#: What each kind of parameter takes, for messages.
_TAKES = {"float": "a number", "int": "an integer", "bool": "true or false", "choice": "a string"}


def _typed(key, parameter, value, where):
    """One value of ``key`` as its ``parameter``'s kind, or a ConfigError naming the key and the value.

    A string is not a number, nor a boolean; a number with a fraction is not an integer (1e5 is).
    The choices of a model's own parameter are the model's to check (its message names them).
    """
    kind = parameter.kind
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "float" and number and math.isfinite(value):
        return float(value)
    if kind == "int" and number and (isinstance(value, int) or (value.is_integer() and abs(value) < 2**63)):
        return int(value)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "choice" and isinstance(value, str):
        if parameter in RUN_PARAMETERS or key == "model":
            if value not in parameter.choices:
                raise ConfigError(f"sweep spec{where}: '{key}' must be one of {', '.join(parameter.choices)}, got "
                                  f"{_spelled(value)}")
        return value
    takes = "a finite number" if kind == "float" and number else _TAKES[kind]
    raise ConfigError(f"sweep spec{where}: '{key}' must be {takes}, got {_spelled(value)}")


def _as_list(key, value):
    values = value if isinstance(value, list) else [value]
    if not values:
        raise ConfigError(f"sweep spec: '{key}' is an empty list")
    return values


def _typed_values(key, keys, value, where, dimension):
    """The values of one key, each typed: a list of them for a dimension of the grid, else the one value
    (``snapshot`` is always a list of generations)."""
    parameter = keys[key]
    if key == "snapshot":
        values = value if isinstance(value, list) else [value]
        return [_typed_in(key, parameter, v, where, j, len(values)) for j, v in enumerate(values)]
    if isinstance(value, list) and not dimension:
        raise ConfigError(f"sweep spec{where}: '{key}' takes one value in a [[point]] table, got {_spelled(value)}")
    if not dimension:
        return _typed(key, parameter, value, where)
    values = _as_list(key, value)
    typed = [_typed_in(key, parameter, v, where, j, len(values)) for j, v in enumerate(values)]
    return list(dict.fromkeys(typed))  # a value given twice is one point


def _typed_in(key, parameter, value, where, j, length):
    if length == 1:
        return _typed(key, parameter, value, where)
    try:
        return _typed(key, parameter, value, where)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (value {j + 1} of its list)") from None


def _model_class(name, switches, where):
    """The model class a combination of ``model`` and the variants' switches chooses (ConfigError names them)."""
    try:
        return models.model_class(name, **switches)
    except VariantError as exc:
        raise VariantError(exc.model, exc.switches, exc.of, where=f"sweep spec{where}: ") from None
    except ConfigError as exc:
        raise ConfigError(f"sweep spec{where}: {exc}") from None


def _check_keys(cls, keys, where, required=True, lists=()):
    """ConfigError unless ``keys`` (those a point sets) are what the ``cls`` model and every run take, and (with
    ``required``) hold every parameter the model requires. ``lists``: the top-level keys given as lists (a
    dimension of the grid, which a [[point]] table does not take as its default)."""
    fields = [p.name for p in cls.parameters]
    switches = {v.variant.dest for v in models.variants()}
    unknown = sorted(set(keys) - set(fields) - set(RUN_OPTIONS) - switches - {"model"})
    if unknown:
        raise ConfigError(f"sweep spec{where}: unknown key '{unknown[0]}' (the {cls.name} model takes "
                          f"{', '.join(sorted(fields))}; every run takes {', '.join(RUN_OPTIONS)})")
    missing = [p.name for p in cls.parameters if required and p.required and p.name not in keys]
    if missing:
        listed = [k for k in missing if k in lists]
        hint = (f"; the top-level {listed[0]} is a list, a dimension of the grid, not a default of the tables"
                if listed else "")
        raise ConfigError(f"sweep spec{where} sets no {' and no '.join(missing)} (required by the {cls.name} "
                          f"model){hint}")


def _amount(n):
    """A count of any size for a message: 16, 12,000, 4.00e+13."""
    return f"{n:,}" if abs(n) < 10**7 else format(decimal.Decimal(n), ".2e")


@dataclass
class Spec:
    """A sweep spec, checked and counted: every value typed, the points and their work known, none built yet.

    Attributes
    ----------
    grid : dict or None
        {key: [typed values]}: the dimensions of the Cartesian product (None when the spec's
        top-level keys are only the defaults of its ``[[point]]`` tables).
    snapshot : list or None
        The snapshot generations of every point of the grid, when the spec sets them.
    tables : list of dict
        The ``[[point]]`` tables, typed, each completed by the top-level scalars.
    text : str
        The spec as given (its TOML text, or canonical JSON of a dict), for ``sweep.json``.
    count : int
        The points the spec expands to (a value given twice counts once; a [[point]] table that
        repeats a point of the grid is dropped when the points are built).
    work : int
        Samples times generations, summed over the points: what the sweep costs, in sample-generations.
    """

    grid: dict
    snapshot: list
    tables: list
    text: str
    count: int
    work: int
    _points: list = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, document, text=None):
        """Check a spec given as a dict (a parsed TOML document) and count its points; nothing is built.

        Every key is one that the chosen model or every run takes, every value has its key's kind,
        and every model has its required parameters: each refusal is one line naming the key
        and the value.
        """
        if not isinstance(document, dict):
            raise ConfigError(f"a sweep spec is a table of keys and values, got {_spelled(document)}")
        spec = dict(document)
        explicit = spec.pop("point", [])
        if not isinstance(explicit, list) or not all(isinstance(p, dict) for p in explicit):
            raise ConfigError("sweep spec: 'point' must be an array of tables ([[point]])")
        keys = spec_keys()
        # top-level scalars alone are the defaults of the [[point]] tables, not a point of their own
        use_grid = not explicit or any(isinstance(v, list) for k, v in spec.items() if k != "snapshot")
        grid = _typed_grid(spec, keys, use_grid)
        snapshot = grid.pop("snapshot", None)
        scalars = {k: v[0] for k, v in grid.items() if not isinstance(spec[k], list)}
        if snapshot is not None:
            scalars["snapshot"] = snapshot
        lists = [k for k, v in spec.items() if isinstance(v, list) and k != "snapshot"]
        tables = [_typed_table(table, scalars, keys, f" [[point]] {j + 1}", lists) for j, table in enumerate(explicit)]
        if not use_grid:
            grid = None
        count = math.prod(len(v) for v in grid.values()) if use_grid else 0
        work = 0
        if use_grid:  # size and generations are dimensions like the others: their sums times the rest's count
            sizes = grid.get("size", [RUN_OPTIONS["size"]])
            lengths = grid.get("generations", [RUN_OPTIONS["generations"]])
            others = math.prod(len(v) for k, v in grid.items() if k not in ("size", "generations"))
            work = sum(sizes) * sum(lengths) * others
        for table in tables:
            work += table.get("size", RUN_OPTIONS["size"]) * table.get("generations", RUN_OPTIONS["generations"])
        count += len(tables)
        if text is None:
            text = json.dumps(document, sort_keys=True, default=str)
        return cls(grid, snapshot, tables, text, count, work)

    @classmethod
    def read(cls, path):
        """The spec of a TOML file; an unreadable or malformed file is a ConfigError."""
        try:
            text = Path(path).read_text(encoding="utf-8")
            document = tomllib.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the sweep spec {str(path)!r} "
                              f"({getattr(exc, 'strerror', None) or exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"sweep spec {str(path)!r} is not valid TOML ({exc})") from None
        return cls.parse(document, text)

    def size_line(self):
        """The points and their work in words: "16 points, 9.60e+07 sample-generations"."""
        return f"{_amount(self.count)} point{'s' if self.count != 1 else ''}, {_amount(self.work)} sample-generations"

    def check_size(self, max_points=MAX_POINTS):
        """ConfigError if the spec expands to more than ``max_points`` points (None: no bound); returns the spec."""
        if max_points is not None and self.count > max_points:
            raise TooManyPointsError(self.count, max_points, self.size_line(), _amount(max_points))
        return self

    def points(self):
        """Every point, validated (a ConfigError names the key), in a fixed order; duplicates dropped."""
        if self._points is None:
            self._points = self._build()
        return self._points

    def _build(self):
        points = []
        keys = list(self.grid or ())
        for values in itertools.product(*self.grid.values()) if self.grid is not None else ():
            entry = dict(zip(keys, values))
            if self.snapshot is not None:
                entry["snapshot"] = self.snapshot
            points.append(_point(entry, ""))
        for j, table in enumerate(self.tables):
            points.append(_point(table, f" [[point]] {j + 1}"))
        if not points:
            raise ConfigError("sweep spec: no points (give parameters or [[point]] tables)")
        return list({p.id: p for p in points}.values())


def _switches(entry):
    return {cls.variant.dest: entry[cls.variant.dest] for cls in models.variants() if cls.variant.dest in entry}


def _typed_grid(spec, keys, use_grid):
    """{key: [typed values]} of the top-level keys, checked against every model class the grid chooses.

    With ``use_grid`` false the top-level keys are only the defaults of the [[point]] tables, each
    checked with its table's model; here only keys that no model takes are refused.
    """
    grid = {k: _typed_values(k, keys, v, "", k != "snapshot") for k, v in spec.items() if k in keys}
    dests = [cls.variant.dest for cls in models.variants() if cls.variant.dest in grid]
    for name in grid.get("model", [models.default_model()]):
        for on in itertools.product(*(grid[d] for d in dests)):
            cls = _model_class(name, dict(zip(dests, on)), "")
            # without a grid the top-level keys are the tables' defaults: each table's model checks them
            _check_keys(cls, spec if use_grid else [k for k in spec if k not in keys], "", required=use_grid)
    return grid


def _typed_table(table, scalars, keys, where, lists):
    """A ``[[point]]`` table typed and completed by the top-level scalars (its own values first)."""
    entry = dict(scalars)
    for k, v in table.items():
        if k not in keys:
            continue  # refused by _check_keys below, with the model's keys
        entry[k] = _typed_values(k, keys, v, where, False)
    unknown = {k: None for k in table if k not in keys}
    cls = _model_class(entry.get("model", models.default_model()), _switches(entry), where)
    _check_keys(cls, {**entry, **unknown}, where, lists=lists)
    return entry


def _point(entry, where):
    """A validated ``Point`` from one combination of typed spec values (a ConfigError names the key)."""
    from .runs import run_parameters

    entry = dict(entry)
    cls = _model_class(entry.pop("model", models.default_model()), _switches(entry), where)
    fields = {p.name for p in cls.parameters}
    try:
        model = cls(**{k: v for k, v in entry.items() if k in fields})
    except ConfigError as exc:
        raise ConfigError(f"sweep spec{where}: {exc}") from None
    options = {**RUN_OPTIONS, **{k: v for k, v in entry.items() if k in RUN_OPTIONS}}
    try:
        checked = run_parameters(options["size"], options["generations"], options["seed"], list(options["snapshot"]),
                                 60.0, options["dtype"])
    except ConfigError as exc:
        raise ConfigError(f"sweep spec{where}: {exc}") from None
    return Point(model.to_dict(), checked["size"], checked["generations"], checked["seed"],
                 tuple(checked["snapshots"]), checked["dtype"])


def _as_spec(spec, max_points):
    """A ``Spec`` from a dict, the path of a TOML file, or a ``Spec``, with its size checked."""
    if not isinstance(spec, Spec):
        spec = Spec.parse(spec) if isinstance(spec, dict) else Spec.read(spec)
    return spec.check_size(max_points)


def parse_spec(spec, max_points=MAX_POINTS):
    """The points of a spec given as a dict (a parsed TOML document), in a fixed order.

    Every top-level key but ``point`` is a scalar or a list; the grid is their Cartesian product
    (``snapshot`` is one list of generations for every point, not a dimension). ``[[point]]``
    tables add explicit points, each completed by the top-level scalars. Duplicates are dropped.
    A spec of more than ``max_points`` points is refused before any is built (None: no bound).

    Examples
    --------
    >>> points = parse_spec({"lam": 0.01, "T": [2.0, 3.0], "size": 1000, "generations": 4, "seed": [1, 2]})
    >>> [(p.model["T"], p.seed) for p in points]
    [(2.0, 1), (2.0, 2), (3.0, 1), (3.0, 2)]
    """
    return _as_spec(spec, max_points).points()


def load_spec(path, max_points=MAX_POINTS):
    """The points of a TOML spec file (``parse_spec``); an unreadable or malformed file is a ConfigError."""
    return _as_spec(Spec.read(path), max_points).points()


def run_point(point, out, threads=1):
    """Run one point into ``out/runs/<id>`` and return its status (the unit of work of a sweep).

    A complete directory is read, not recomputed; an interrupted one continues from its checkpoint
    (bit-identical); a missing one is run. Picklable and self-contained: it is what a worker executes.
    Only the status travels back: the sweep's table is read from the run directories (``load_sweep``).
    """
    from . import runs
    from .models import model_from_dict

    path = Path(out) / RUNS / point.id
    if (path / "config.json").exists():
        done = runs.load(path)
        if done.status != "complete":
            done = runs.resume(path, threads=threads, progress=False)
    else:
        done = runs.run(model_from_dict(point.model), size=point.size, generations=point.generations, seed=point.seed,
                        snapshots=point.snapshot, out=path, threads=threads, progress=False)
    return done.status


def _rows(point, table):
    frame = table.copy()
    for key, value in reversed(point.parameters().items()):
        frame.insert(0, key, value)
    return frame


# -- the sweep directory -------------------------------------------------------------------------


class SweepLock(DirectoryLock):
    """The lock of a sweep directory (``OUT/.lock``), held by the one process that runs the sweep.

    The points' run directories have their own locks, held by the workers that run them.
    """

    def _busy(self, holder):
        return DirectoryInUse(f"{self.directory} is being written by {holder or 'another process'}; one writer per "
                              "sweep directory: wait for it, or stop it")


def _record(out):
    """The sweep's ``sweep.json``; a RunDirectoryError if ``out`` holds no readable one, naming what it is."""
    out = Path(out)
    path = out / RECORD
    if not path.is_file():
        if not out.is_dir():
            raise RunDirectoryError(f"{out} is not a directory")
        raise NotASweepError(out, RECORD, is_run=folders.is_run_directory(out))
    if folders.is_run_directory(out):
        raise folders.both_kinds(out)
    try:
        record = json.loads(path.read_text())
        points = record["points"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = "it lists no points" if isinstance(exc, (KeyError, TypeError)) else getattr(exc, "strerror", None) or exc
        raise RunDirectoryError(f"the sweep record {path} is damaged ({why})") from None
    if not isinstance(points, list) or not all(isinstance(p, str) and p and "/" not in p for p in points):
        raise RunDirectoryError(f"the sweep record {path} is damaged (it does not list its points' ids)")
    return record


def _check_record(out, points):
    """ConfigError if ``out`` holds the record of another sweep (read only)."""
    if (Path(out) / RECORD).exists() and _record(out)["points"] != [p.id for p in points]:
        raise AnotherSweepError(out, Path(out) / RECORD)


def _write_record(out, points, spec_text):
    """``sweep.json``: the spec and the point ids, written once; a different spec in the same OUT is refused."""
    from .provenance import provenance

    _check_record(out, points)
    path = Path(out) / RECORD
    if path.exists():
        return
    record = {"spec": spec_text, "points": [p.id for p in points]}
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps({**record, "provenance": provenance()}, indent=2)))


def is_sweep(path):
    """Whether ``path`` is a sweep directory (it holds ``sweep.json``)."""
    return folders.is_sweep_directory(path)


def point_directories(out):
    """The run directory of every point of the sweep in ``out``, in the spec's order (started or not)."""
    return [Path(out) / RUNS / point_id for point_id in _record(out)["points"]]


def _damaged(out, damaged, total, remedy):
    """One line for every damaged point of a sweep: their count, the first few ids, the first one's reason."""
    ids = list(damaged)
    named = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    verb = "is" if len(ids) == 1 else "are"
    return RunDirectoryError(f"{len(ids)} of the {total} points of sweep {out} {verb} damaged: {named} (the first: "
                             f"{damaged[ids[0]]}); {remedy}")


def survey(out, directories, remedy="popdyn.load on each says why"):
    """The runs of the started points among ``directories`` of the sweep in ``out``, each read and checked.

    The lock of a point is asked before its files are judged: a point another process is
    writing is read as it is, or, when it cannot be read whole now, listed as in use (never as
    damaged). Damaged points are refused together, in one line (``remedy`` says what to do).

    Returns
    -------
    (dict, dict)
        {directory: Run} of the points read, and {directory: DirectoryInUse} of those in use.
    """
    from . import runs

    loaded, busy, damaged = {}, {}, {}
    for path in directories:
        if not (path / "config.json").exists():
            continue  # not started (or a start under way: its writer names itself when asked to continue it)
        try:
            loaded[path] = runs.load(path)
        except DirectoryInUse as exc:
            busy[path] = exc
        except RunDirectoryError as exc:
            damaged[path.name] = exc
    if damaged:
        raise _damaged(out, damaged, len(directories), remedy)
    return loaded, busy


def load_sweep(out):
    """The sweep's table: one row per (point, generation), every parameter a column, read from its run directories.

    Points not started yet have no rows; ``status`` says which runs are complete. A sweep that is
    running can be read: its points are read as they are.
    """
    loaded, busy = survey(out, point_directories(out))
    if busy:
        raise next(iter(busy.values()))
    frames = []
    for run in loaded.values():
        config = run.config
        point = Point(dict(config.model), run.size, config.generations, run.seed, tuple(config.snapshots),
                      config.dtype)
        frames.append(_rows(point, run.table).assign(status=run.status))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _write_summary(out):
    frame = load_sweep(out)
    atomic_write(Path(out) / SUMMARY, lambda tmp: frame.to_parquet(tmp, index=False))
    return frame


def write_summary(out):
    """Rebuild ``OUT/summary.parquet`` from the run directories (atomically) and return it.

    Refused while a sweep runs there (its writer rebuilds the table when it ends).
    """
    _record(out)
    SweepLock(out).check_free()
    return _write_summary(out)


def sweep_points(points, out, client, threads=1, retries=2, started=None):
    """Run ``points`` on a Dask ``client`` (or any executor: ``map_unordered``), yielding ``(point, outcome)`` as each
    finishes.

    ``outcome`` is ``"skipped"`` (complete before the sweep started), ``"done"``, or the exception
    of a point that failed for a reason of its own; a point whose worker was lost continues from
    its checkpoint (``popdyn.cluster.map_on``). Stop iterating and the rest is cancelled. ``started``: the
    points' runs as ``survey`` read them (read here when not given; damaged points are refused).
    """
    if started is None:
        started, _ = survey(out, [Path(out) / RUNS / p.id for p in points])
    todo = []
    for point in points:
        run = started.get(Path(out) / RUNS / point.id)
        if run is not None and run.status == "complete":
            yield point, "skipped"
        else:
            todo.append(point)
    with contextlib.closing(map_unordered(client, run_point, todo, str(out), threads, label=lambda p: p.id,
                                          retries=retries)) as outcomes:
        for point, outcome in outcomes:
            yield point, outcome if isinstance(outcome, BaseException) else "done"


def population_memory(points):
    """Bytes the largest run among ``points`` holds at its peak (``engine.memory_needed``)."""
    from .engine import memory_needed

    return max(memory_needed(models.model_from_dict(p.model), p.size, p.dtype, bool(p.snapshot)) for p in points)


@dataclass
class SweepResult:
    """What a sweep did: the ids done, skipped and failed (with their errors), its table and wall time."""

    out: Path
    done: list
    skipped: list
    failed: dict
    table: pd.DataFrame
    wall_s: float

    def summary(self):
        return (f"sweep {self.out}: {len(self.done)} done, {len(self.skipped)} skipped (complete before), "
                f"{len(self.failed)} failed, in {self.wall_s:.1f} s")

    def to_dict(self):
        return {"out": str(self.out), "done": self.done, "skipped": self.skipped,
                "failed": {k: str(v) for k, v in self.failed.items()}, "wall_s": self.wall_s}


def has_results(out):
    """Whether some point of the sweep directory ``out`` has a result to keep (its run directory has begun)."""
    runs = Path(out) / RUNS
    try:
        return any((p / "config.json").exists() for p in runs.iterdir())
    except OSError:
        return False


@contextlib.contextmanager
def _writing(out, points, text):
    """Hold ``out`` as its one writer for the duration: created if need be, locked, its record written.

    What the sweep created is removed again when it stops (a signal, a refused scheduler) before
    any point's directory was made: the folder is then as it was, absent or as found.
    """
    created = [d for d in (out, *out.parents) if not d.exists()]  # deepest first
    had_lock = (out / ".lock").exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = SweepLock(out).acquire()  # refused, naming the holder, when another sweep got here first
    wrote = []
    try:
        if not (out / RUNS).exists():
            (out / RUNS).mkdir()
            wrote.append(out / RUNS)
        if not (out / RECORD).exists():
            wrote.append(out / RECORD)
        _write_record(out, points, text)
        yield
    except BaseException:
        if not _begun(out):
            _undo(out, wrote, created, had_lock)
        raise
    finally:
        lock.release()


def _begun(out):
    """Whether any point's directory was made in ``out`` (its run may have begun, by hand or by a worker)."""
    try:
        return any(True for _ in (out / RUNS).iterdir())
    except OSError:
        return False


def _undo(out, wrote, created, had_lock):
    """Remove what ``_writing`` made (nothing a point wrote: only called when no point began)."""
    with contextlib.suppress(OSError):
        for path in reversed(wrote):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        if not had_lock:
            (out / ".lock").unlink(missing_ok=True)
        for folder in created:
            folder.rmdir()  # only empty ones: anything else written meanwhile stays


def sweep(spec, out, client=None, workers=None, threads_per_worker=1, progress=None, scheduler=None,
          max_points=MAX_POINTS, checked=None, quiet=False):
    """Run every point of ``spec`` into ``out``; returns a ``SweepResult``.

    ``spec`` is a dict, the path of a TOML file, or a ``Spec``; more than ``max_points`` points
    are refused (None: no bound). Without ``client`` a cluster is started for the duration and
    closed again (``dask_client``: ``scheduler``, ``workers``, ``threads_per_worker``). Re-running
    the same sweep recomputes nothing that is complete and continues what was interrupted.
    ``progress`` is called with ``(point, outcome)`` after each point, ``checked`` with the ``Spec``
    once everything is checked, before anything is written. ``quiet`` drops Dask's logs (``dask_client``).

    Everything is checked before anything is written: the spec, what ``out`` is (absent, empty
    or this sweep's directory: ``popdyn.folders.check_sweep_out``), that no other process writes
    it, and every point already there (damaged ones are refused, all named). Then ``out`` is
    locked for the duration: one sweep writes it at a time.

    Examples
    --------
    >>> import tempfile
    >>> spec = {"lam": 0.01, "T": 3.0, "size": 500, "generations": 3, "seed": [1, 2]}
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = sweep(spec, out, workers=1)
    ...     again = sweep(spec, out, workers=1)
    >>> len(result.done), len(again.skipped), sorted(set(result.table["n"]))
    (2, 2, [0, 1, 2, 3])
    """
    t0 = time.perf_counter()
    spec = _as_spec(spec, max_points)
    points = spec.points()
    out = Path(out)
    if client is None:
        check_cluster_options(scheduler, workers)
        if scheduler is None:  # its workers, threads and populations against this machine, before any starts
            check_local_cluster(workers, threads_per_worker, population_memory(points), len(points))
    folders.check_sweep_out(out)
    SweepLock(out).check_free()  # a sweep going on there: name it before its files are read
    _check_record(out, points)
    started, _ = survey(out, [out / RUNS / p.id for p in points],
                        remedy=f"move them out of {out / RUNS} and the same command runs them again")
    if checked is not None:
        checked(spec)
    with _writing(out, points, spec.text):
        with contextlib.ExitStack() as stack:
            if client is None:
                client = stack.enter_context(dask_client(scheduler, workers, threads_per_worker, quiet=quiet))
            done, skipped, failed = [], [], {}
            with contextlib.closing(sweep_points(points, out, client, threads=threads_per_worker,
                                                 started=started)) as outcomes:
                for point, outcome in outcomes:
                    if isinstance(outcome, BaseException):
                        failed[point.id] = outcome
                    else:
                        (skipped if outcome == "skipped" else done).append(point.id)
                    if progress is not None:
                        progress(point, outcome)
        table = _write_summary(out)
    return SweepResult(out, done, skipped, failed, table, time.perf_counter() - t0)
