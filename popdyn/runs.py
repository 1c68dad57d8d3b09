"""The Python API of a run: ``run``, ``resume`` and ``load``, and the ``Run`` they return.

This layer validates a request (before anything is written), writes provenance, and drives
the engine's generator into a store, owning checkpoints, progress and signals (the
interruption contract of ``popdyn.interrupt``). The numbers come from ``popdyn.engine``.
"""

import math
import shutil
import signal
import sys
import time
from pathlib import Path

import numba
import numpy as np

from . import folders, interrupt, machine
from .engine import check_dtype, initial_state, memory_needed, sample, summarize
from .errors import ConfigError, RunCompleteError, StorageError, resumable, resume_remedy
from .files import usable_path, utc_now
from .lock import DirectoryLock
from .models import model_from_dict
from .provenance import provenance
from .rng import MAX_SIZE
from .runconfig import RUN_KEYS, RunConfig
from .store import DirectoryStore, MemoryStore


class Run:
    """A run: its configuration, per-generation table, and snapshots (loaded lazily).

    Attributes
    ----------
    config : popdyn.runconfig.RunConfig
        Model, run parameters and provenance, as in ``config.json``.
    model : the model of the run
    path : pathlib.Path or None
        The run directory (None for a run kept in memory).
    status : str
        "running", "interrupted" or "complete".
    """

    def __init__(self, store):
        self._store = store
        self.config = store.config
        self.model = model_from_dict(self.config.model)
        self.path = store.path

    @property
    def status(self):
        return self._store.status

    @property
    def size(self):
        return self.config.size

    @property
    def seed(self):
        return self.config.seed

    @property
    def generations(self):
        """The generations asked for (the table may hold fewer while a run is going)."""
        return self.config.generations

    @property
    def table(self):
        """Per-generation rows as a pandas DataFrame (columns: ``popdyn.engine.columns(model)``)."""
        return self._store.table()

    @property
    def snapshot_generations(self):
        return self._store.snapshot_generations()

    def snapshot(self, n, field="gamma"):
        """Samples of generation ``n``: ln Gamma for ``field="gamma"``, else the field itself."""
        return self._store.read_snapshot(n, field)

    def __repr__(self):
        where = self.path if self.path is not None else "memory"
        done = len(self.table) - 1
        return f"<Run {self.model} N={self.size} generations={done}/{self.generations} {self.status} at {where}>"


def _integer(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ConfigError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ConfigError(f"{name} must be {bound}, got {value}")
    return value


def set_threads(threads):
    """Use ``threads`` numba threads (None: leave numba's default), at most numba's pool (``NUMBA_NUM_THREADS``).

    The pool itself, which numba starts whole at the first parallel kernel, is checked against the
    cores (``machine.check_numba_threads``), whatever ``threads`` is.
    """
    machine.check_numba_threads()
    if threads is None:
        return
    most = numba.config.NUMBA_NUM_THREADS
    threads = _integer("threads", threads, 1)
    if threads > most:
        raise ConfigError(f"threads must be at most {most} on this machine (NUMBA_NUM_THREADS), got {threads}")
    numba.set_num_threads(threads)


def _progress_bar(enabled, total, initial):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="gen", file=sys.stderr,
                dynamic_ncols=True, leave=False)


def _resumable(make, situation, store):
    """``make(message)``, the message being ``situation`` and how to continue the run of ``store``.

    A run directory's error carries its path (``errors.resumable``): the command line words its own remedy.
    """
    if store.path is None:
        return make(situation + "continue it with popdyn.resume(exc.run)")
    return resumable(make(situation + resume_remedy(store.path)), situation, store.path)


def _drive(store, model, state, progress):
    """The one caller of ``engine.sample``: stores, checkpoints, shows progress, and handles signals.

    Every generation's row (and snapshot) is stored as it comes; a checkpoint is written
    every ``checkpoint_interval`` seconds and at the end. The first SIGINT or SIGTERM lets the
    generation being built finish, checkpoints it, marks the run "interrupted" and raises
    ``Interrupted`` (the run is never marked complete unless it is).
    """
    cfg = store.config
    snapshots = set(cfg.snapshots)
    where = f"run {store.path}" if store.path is not None else "the run in memory"
    session = {"threads": numba.get_num_threads(), "started": utc_now(), "from_generation": state.generation}
    bar = _progress_bar(progress, cfg.generations, state.generation)
    last_checkpoint = time.monotonic()
    try:
        with interrupt.deferred():
            store.set_status("running")
            generations = sample(model, state, cfg.generations, cfg.seed) if interrupt.pending() is None else ()
            for state, row in generations:
                if state.generation in snapshots:  # before its row: a reader never misses a listed snapshot
                    store.write_snapshot(state.generation, state.fields(model))
                store.append_row(row)
                bar.update(1)
                bar.set_postfix_str(f"<lnΓ>={row['mean_ln']:.4g}", refresh=False)
                if interrupt.pending() is not None:
                    break
                if time.monotonic() - last_checkpoint > cfg.checkpoint_interval:
                    store.save_checkpoint(state)
                    last_checkpoint = time.monotonic()
            store.save_checkpoint(state)
            signum = interrupt.take_pending()
            finished = state.generation >= cfg.generations
            session.update(ended=utc_now(), to_generation=state.generation)
            store.set_status("complete" if finished else "interrupted", session=session)
    except interrupt.Interrupted as exc:  # a second signal: the generation being built is abandoned
        done = store.checkpoint_generation
        raise _resumable(exc.with_message, f"{signal.Signals(exc.signum).name}, a second signal: {where} stopped at "
                         f"once; its checkpoint of generation {done} is kept; ", store) from None
    except OSError as exc:
        if store.path is None:
            raise
        done = store.checkpoint_generation
        raise _resumable(StorageError, f"cannot write {store.path} ({exc.strerror or exc}); its checkpoint of "
                         f"generation {done} is intact: make room, then ", store) from None
    finally:
        bar.close()
        store.close()
    run = Run(store)
    if signum is not None:
        name = signal.Signals(signum).name
        if finished:  # the signal came with the last generation: the run is complete, the command stops
            raise interrupt.Interrupted(signum, f"{name}: {where} is complete; stopped before anything else", run)
        raise _resumable(lambda message: interrupt.Interrupted(signum, message, run),
                         f"{name}: {where} stopped after generation {state.generation}, checkpointed; ", store)
    return run


#: The most generations of a run: its table is held in memory and rewritten at every checkpoint
#: (about a kilobyte a generation), and the slowest runs of interest need thousands.
MAX_GENERATIONS = 10**6


def check_memory(model, size, dtype, snapshots):
    """ConfigError unless the machine has the memory a population of ``size`` needs, before allocating.

    A tenth of what is available is left to the interpreter, numba and the tables. (An embedded
    cluster's workers, one population each, are checked by ``popdyn.cluster.check_local_cluster``.)
    """
    import psutil

    need = memory_needed(model, size, dtype, snapshots)
    available = psutil.virtual_memory().available
    if need > 0.9 * available:
        raise ConfigError(f"N = {size} ({dtype}) needs about {need / 2**30:.1f} GiB, "
                          f"{available / 2**30:.1f} GiB available (a tenth is left to the rest)")


def _check_disk(out, size, snapshots):
    """ConfigError unless the snapshots (ln Gamma, float64) fit on the disk that will hold them."""
    folder = Path(out).absolute()
    while not folder.exists():
        folder = folder.parent
    need = 8 * size * len(snapshots)
    free = shutil.disk_usage(folder).free
    if need > free:
        raise ConfigError(f"{len(snapshots)} snapshots of N = {size} need about {need / 2**30:.1f} GiB on disk, "
                          f"{free / 2**30:.1f} GiB free")


def run_parameters(size, generations, seed, snapshots, checkpoint_interval, dtype):
    """The run section of a configuration, validated (ConfigError names the first bad value)."""
    size = _integer("size", size, 2, MAX_SIZE)
    generations = _integer("generations", generations, 0, MAX_GENERATIONS)
    seed = _integer("seed", seed, 0, 2**63 - 1)
    snapshots = sorted({_integer("snapshot generation", n, 0) for n in snapshots})
    if snapshots and snapshots[-1] > generations:
        raise ConfigError(f"snapshot generation {snapshots[-1]} is outside the run (generations 0..{generations})")
    if not (isinstance(checkpoint_interval, (int, float)) and not isinstance(checkpoint_interval, bool)
            and 0 < checkpoint_interval < math.inf):
        raise ConfigError(f"checkpoint_interval must be a positive number of seconds, got {checkpoint_interval!r}")
    check_dtype(dtype)
    return {"size": size, "generations": generations, "seed": seed, "snapshots": snapshots,
            "checkpoint_interval": float(checkpoint_interval), "dtype": dtype}


def run(model, size, generations, seed=0, snapshots=(), out=None, threads=None, progress=True,
        checkpoint_interval=60.0, dtype="float64"):
    """Evolve a population of ``size`` samples of ``model`` for ``generations`` generations.

    Parameters
    ----------
    model : popdyn.models.BAATree (or another model of ``popdyn.models``)
    size : int
        Population size N >= 2.
    generations : int
        Generations to build after generation 0 (>= 0).
    seed : int
        Seed of every random stream; the same seed gives the same bits for any thread count.
    snapshots : iterable of int
        Generations (0 ... generations) whose samples are kept.
    out : path or None
        The run directory to create (absent or empty). None keeps the run in memory.
    threads : int or None
        Numba threads (None: numba's default, all cores).
    progress : bool
        Show a progress bar on stderr.
    checkpoint_interval : float
        Seconds between checkpoints of a run directory (there is one at generation 0 and one
        at the end).
    dtype : {"float64", "float32"}
        Storage of the population. float32 halves its memory (sums are still accumulated in
        float64); its accuracy cost is measured in the README.

    Returns
    -------
    Run
        A complete run.

    Raises
    ------
    popdyn.Interrupted
        SIGINT or SIGTERM stopped the run after a checkpoint (its ``run`` attribute holds the
        run, "interrupted"; continue it with ``popdyn.resume``).
    popdyn.ConfigError
        A bad parameter, an output in the way, or more memory than the machine has; raised
        before anything is written.

    Examples
    --------
    >>> import popdyn
    >>> r = popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=1000, generations=3, progress=False)
    >>> r.status, len(r.table)
    ('complete', 4)
    """
    params = run_parameters(size, generations, seed, snapshots, checkpoint_interval, dtype)
    model.check_population(dtype)
    set_threads(threads)
    if out is not None:
        folders.check_run_out(usable_path(out, "out"), lambda: _point_id(model, params))  # what the folder is, first
        folders.check_new_run(out)
        _check_disk(out, params["size"], params["snapshots"])
    check_memory(model, params["size"], dtype, bool(params["snapshots"]))
    config = RunConfig(model=model.to_dict(), **{**params, "snapshots": tuple(params["snapshots"])},
                       provenance=provenance())
    with interrupt.deferred():  # a signal while starting stops the run at generation 0, checkpointed
        try:
            state, store = _start(model, params, config, out)
        except interrupt.Interrupted as exc:  # a second signal: the start is undone
            raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped while the run started; nothing was "
                                   "kept; the same command starts it again") from None
        return _drive(store, model, state, progress)


def _point_id(model, params):
    """The id a sweep gives the point of this run (a run may be written into a sweep only as its point)."""
    return folders.Point(model.to_dict(), params["size"], params["generations"], params["seed"], tuple(params["snapshots"]),
                 params["dtype"]).id


def _start(model, params, config, out):
    """Generation 0, stored and checkpointed: from then on the run can always be resumed.

    Whatever stops the start (a signal, a full disk) leaves ``out`` as it was, absent or empty.
    """
    state = initial_state(model, params["size"], params["dtype"])
    store = MemoryStore(config) if out is None else DirectoryStore.create(out, config)
    try:
        if 0 in params["snapshots"]:
            store.write_snapshot(0, state.fields(model))
        store.append_row(summarize(state, model))
        store.save_checkpoint(state)
        store.publish()
    except BaseException as exc:
        store.discard()
        if isinstance(exc, OSError):
            raise StorageError(f"cannot write the run directory {out} ({exc.strerror or exc}); nothing was kept") \
                from None
        raise
    return state, store


def resume(run_or_path, generations=None, threads=None, progress=True):
    """Continue an interrupted run, or extend a run to more ``generations``.

    The continuation is bit-identical to a run that was never interrupted: generation n
    depends only on the seed, n, and generation n-1, which the checkpoint holds. Everything
    is checked (the directory, its checkpoint against its configuration, memory) before
    anything is written; the directory is locked while the run goes on.
    """
    if isinstance(run_or_path, Run):
        store = run_or_path._store
    else:
        store = DirectoryStore.open(run_or_path, validate=validate_config)
    config = store.config
    model = model_from_dict(config.model)
    if generations is not None:
        generations = _integer("generations", generations, 0, MAX_GENERATIONS)
    target = config.generations if generations is None else generations
    # every refusal comes before the lock: a refused resume writes nothing
    if store.path is not None:
        DirectoryLock(store.path).check_free()
    done = store.checkpoint_generation  # a directory without a checkpoint was refused by open
    if target < done:
        raise ConfigError(f"generations={target} is below the {done} generations already done")
    if done >= target and store.status == "complete":
        raise RunCompleteError(store.path, done)
    set_threads(threads)
    if store.path is not None:
        check_memory(model, config.size, config.dtype, bool(config.snapshots))
        store.lock()
    try:
        done = store.load_checkpoint(model)
        if target < done.generation:  # a writer that let go just before the lock went further
            raise ConfigError(f"generations={target} is below the {done.generation} generations already done")
        if target != config.generations:
            store.update_config(config.replace(generations=target))
    except OSError as exc:
        store.close()
        raise _resumable(StorageError, f"cannot write {store.path} ({exc.strerror or exc}); it is as it was: make "
                         "room, then ", store) from None
    except BaseException:
        store.close()
        raise
    return _drive(store, model, done, progress)


def validate_config(config):
    """ConfigError unless ``config`` (of ``config.json``) holds a model and run parameters popdyn accepts."""
    if not isinstance(config.get("model"), dict):
        raise ConfigError("no model section")
    model = model_from_dict(config["model"])
    section = config.get("run")
    if not isinstance(section, dict):
        raise ConfigError("no run section")
    missing = [k for k in RUN_KEYS if k not in section]
    if missing:
        raise ConfigError(f"the run section lacks {missing[0]!r}")
    if not isinstance(section["snapshots"], list):
        raise ConfigError("run.snapshots is not a list")
    params = run_parameters(*(section[k] for k in RUN_KEYS))
    model.check_population(params["dtype"])


def load(path):
    """Open a run directory for reading.

    Examples
    --------
    >>> import popdyn, tempfile, os
    >>> d = os.path.join(tempfile.mkdtemp(), "run")
    >>> _ = popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=2, out=d, progress=False)
    >>> popdyn.load(d).table.n.tolist()
    [0, 1, 2]
    """
    return Run(DirectoryStore.open(path, validate=validate_config))
