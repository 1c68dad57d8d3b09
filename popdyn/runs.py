"""The Python API of a run: ``run``, ``resume`` and ``load``, and the ``Run`` they return.

This layer validates a request, writes provenance, wires the engine to a store, and turns
Ctrl-C into a clean checkpoint. The numbers come from ``popdyn.engine``.
"""

import contextlib
import platform
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numba
import numpy as np

from ._version import __version__
from .engine import check_dtype, evolve, initial_state, summarize
from .errors import ConfigError, RunDirectoryError
from .models import model_from_dict
from .rng import MAX_SIZE
from .store import FORMAT, FORMAT_VERSION, DirectoryStore, MemoryStore, utc_now


class Run:
    """A run: its configuration, per-generation table, and snapshots (loaded lazily).

    Attributes
    ----------
    config : dict
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
        self.model = model_from_dict(self.config["model"])
        self.path = store.path

    @property
    def status(self):
        return self._store.status

    @property
    def size(self):
        return self.config["run"]["size"]

    @property
    def seed(self):
        return self.config["run"]["seed"]

    @property
    def generations(self):
        """The generations asked for (the table may hold fewer while a run is going)."""
        return self.config["run"]["generations"]

    @property
    def table(self):
        """Per-generation rows as a pandas DataFrame (columns: ``popdyn.engine.COLUMNS``)."""
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


def _git_commit():
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def provenance():
    """Versions, commit, machine and command line behind a run."""
    import pandas
    import scipy

    return {
        "popdyn": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "platform": platform.platform(),
        "host": platform.node(),
        "threads": numba.get_num_threads(),
        "created": utc_now(),
        "command": sys.argv,
    }


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
    """Use ``threads`` numba threads (None: leave numba's default)."""
    if threads is None:
        return
    most = numba.config.NUMBA_NUM_THREADS
    threads = _integer("threads", threads, 1)
    if threads > most:
        raise ConfigError(f"threads must be at most {most} on this machine (NUMBA_NUM_THREADS), got {threads}")
    numba.set_num_threads(threads)


@contextlib.contextmanager
def _deferred_interrupt():
    """Turn the first Ctrl-C into a request to stop after the current generation."""
    hit = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def handler(signum, frame):
        if hit:  # a second Ctrl-C means: stop now, without a checkpoint
            raise KeyboardInterrupt
        hit.append(signum)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield lambda: bool(hit)
    finally:
        signal.signal(signal.SIGINT, previous)


def _progress_bar(enabled, total, initial):
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, disable=not enabled, unit="gen", file=sys.stderr,
               dynamic_ncols=True, leave=False)

    def update(row):
        bar.update(1)
        bar.set_postfix_str(f"<lnΓ>={row['mean_ln']:.4g}", refresh=False)

    return bar, update


def _evolve(store, model, state, progress):
    cfg = store.config["run"]
    session = {"threads": numba.get_num_threads(), "started": utc_now(), "from_generation": state.generation}
    store.set_status("running")
    bar, update = _progress_bar(progress, cfg["generations"], state.generation)
    try:
        with _deferred_interrupt() as should_stop:
            finished = evolve(model, state, cfg["generations"], cfg["seed"], store, snapshots=cfg["snapshots"],
                              should_stop=should_stop, checkpoint_interval=cfg["checkpoint_interval"],
                              progress=update)
    finally:
        bar.close()
    session.update(ended=utc_now(), to_generation=state.generation)
    store.set_status("complete" if finished else "interrupted", session=session)
    return Run(store)


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
        Seconds between checkpoints of a run directory.
    dtype : {"float64", "float32"}
        Storage of the population. float32 halves its memory (sums are still accumulated in
        float64); its accuracy cost is measured in the README.

    Returns
    -------
    Run
        With ``status == "interrupted"`` if Ctrl-C stopped it (resume with ``popdyn.resume``).

    Examples
    --------
    >>> import popdyn
    >>> r = popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=1000, generations=3, progress=False)
    >>> r.status, len(r.table)
    ('complete', 4)
    """
    size = _integer("size", size, 2, MAX_SIZE)
    generations = _integer("generations", generations, 0)
    seed = _integer("seed", seed, 0, 2**63 - 1)
    snapshots = sorted({_integer("snapshot generation", n, 0) for n in snapshots})
    if snapshots and snapshots[-1] > generations:
        raise ConfigError(f"snapshot generation {snapshots[-1]} is outside the run (generations 0..{generations})")
    if not (isinstance(checkpoint_interval, (int, float)) and checkpoint_interval > 0):
        raise ConfigError(f"checkpoint_interval must be a positive number of seconds, got {checkpoint_interval!r}")
    check_dtype(dtype)
    set_threads(threads)
    if out is not None:
        DirectoryStore.check_new(out)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model.to_dict(),
        "run": {"size": size, "generations": generations, "seed": seed, "snapshots": snapshots,
                "checkpoint_interval": float(checkpoint_interval), "dtype": dtype},
        "provenance": provenance(),
    }
    store = MemoryStore(config) if out is None else DirectoryStore.create(out, config)
    state = initial_state(model, size, dtype)
    store.append_row(summarize(state))
    if 0 in snapshots:
        store.write_snapshot(0, state.fields(model))
    return _evolve(store, model, state, progress)


def resume(run_or_path, generations=None, threads=None, progress=True):
    """Continue an interrupted run, or extend a run to more ``generations``.

    The continuation is bit-identical to a run that was never interrupted: generation n
    depends only on the seed, n, and generation n-1, which the checkpoint holds.
    """
    store = run_or_path._store if isinstance(run_or_path, Run) else DirectoryStore.open(run_or_path)
    config = store.config
    model = model_from_dict(config["model"])
    done = store.load_checkpoint()
    if generations is not None:
        generations = _integer("generations", generations, 0)
        if generations < done.generation:
            raise ConfigError(f"generations={generations} is below the {done.generation} generations already done")
        if generations != config["run"]["generations"]:
            config = {**config, "run": {**config["run"], "generations": generations}}
    target = config["run"]["generations"]
    if done.generation >= target and store.status == "complete":
        raise RunDirectoryError(
            f"{store.path or 'the run'} is complete ({done.generation} generations); ask for more with --generations"
        )
    if done.size != config["run"]["size"]:
        raise RunDirectoryError(f"the checkpoint of {store.path} does not match its config.json")
    set_threads(threads)
    store.update_config(config)
    return _evolve(store, model, done, progress)


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
    return Run(DirectoryStore.open(path))
