"""Exceptions with a message meant for the user, one line each.

The command line turns ``ConfigError`` into exit status 2 (refused before any work) and
``WorkError`` into exit status 1 (work that failed on its way: the message says what is intact).
"""


class ConfigError(ValueError):
    """A parameter, option or input that cannot be used; the message says which and why."""


class NoRootError(ConfigError):
    """A bracket without a sign change; ``ends`` holds the two estimates made at its ends (``popdyn.tilted``)."""

    def __init__(self, message, ends):
        super().__init__(message)
        self.ends = ends


class RunDirectoryError(ConfigError):
    """A run directory that is missing, unreadable, foreign, or in the way."""


class DirectoryInUse(RunDirectoryError):
    """A directory another process is writing now: in use, not damaged; the message names the writer."""


class WorkError(RuntimeError):
    """Work that could not be completed; the message says why, what is intact and what to do."""


class StorageError(WorkError):
    """Results could not be written (disk full, I/O error); the message says what is intact and what to do."""


class _Carrying:
    """An exception built from its data: pickled as that data (a Dask worker's error reaches the client whole)."""

    def __reduce__(self):
        return type(self), self._data


class ParameterError(_Carrying, ConfigError):
    """A refused value of one parameter, told without naming how the caller spelled it.

    The message names the parameter as Python does (``out: 'runs/x' already exists ...``); the
    command line names its option instead (``--out``), from the same data.

    Attributes
    ----------
    parameter : str
        The parameter's Python name (``"out"``), or an option's spelling when the command line
        raised it itself (``"--table"``).
    detail : str
        What is wrong with its value.
    separator : str
        What the command line puts between the option and ``detail``.
    """

    def __init__(self, parameter, detail, separator=": "):
        self.parameter, self.detail, self.separator = parameter, detail, separator
        self._data = (parameter, detail, separator)
        super().__init__(f"{parameter}: {detail}")


class OutputDirectoryError(ParameterError, RunDirectoryError):
    """A folder given as a new output (``out``) that is a run or sweep directory, or inside one, or a file.

    Attributes
    ----------
    head, rest : str
        The refusal, before and after the maker of the folder it names.
    made_by : {"run", "sweep"} or None
        What made that folder: ``popdyn.run`` or ``popdyn.sweep`` (the command line names its commands).
    """

    def __init__(self, parameter, head, made_by=None, rest=""):
        self.head, self.made_by, self.rest = head, made_by, rest
        super().__init__(parameter, head + (f" (popdyn.{made_by})" if made_by else "") + rest, separator=" ")
        self._data = (parameter, head, made_by, rest)


class RunExistsError(_Carrying, RunDirectoryError):
    """A new run asked for in ``path``, which already holds files (maybe a run: ``resumable``), or is a file.

    Attributes
    ----------
    path : pathlib.Path
    resumable : bool
        Whether to tell that the run there can be continued.
    is_directory : bool
        False when ``path`` is a file.
    """

    def __init__(self, path, resumable=True, is_directory=True):
        self.path, self.resumable, self.is_directory = path, resumable, is_directory
        self._data = (path, resumable, is_directory)
        if not is_directory:
            super().__init__(f"{path} exists and is not a directory; choose another out")
            return
        remedy = f", or continue the run there with popdyn.resume({str(path)!r})" if resumable else ""
        super().__init__(f"{path} already exists and is not empty; choose another out{remedy}")


class NotARunError(_Carrying, RunDirectoryError):
    """A sweep directory ``path`` given where a run directory is read; its points are ``runs/<point-id>`` in ``points``."""

    def __init__(self, path, points):
        self.path, self.points = path, points
        self._data = (path, points)
        super().__init__(f"{path} is a sweep directory (popdyn.sweep), not a run directory: its points are the run "
                         f"directories {points}/<point-id>; popdyn.sweep with the spec that made it continues it, "
                         "popdyn.load_sweep reads it whole")


class RunCompleteError(_Carrying, RunDirectoryError):
    """A resume of a run that is complete, without more generations: ``path`` (None in memory) and ``generations``."""

    def __init__(self, path, generations):
        self.path, self.generations = path, generations
        self._data = (path, generations)
        where = str(path) if path is not None else "the run"
        super().__init__(f"{where} is complete ({generations} generations); ask for more with "
                         "popdyn.resume(..., generations=...)")


def resumable(exc, situation, path):
    """``exc`` marked as continuable from the run directory ``path``, its message ``situation`` and the remedy.

    The remedy a Python user reads is ``popdyn.resume(path)``; the command line words its own
    from ``resume_path`` after ``situation``.
    """
    exc.resume_path, exc.situation = path, situation
    return exc


def resume_remedy(path):
    """How a Python user continues the run directory ``path``."""
    return f"continue with popdyn.resume({str(path)!r})"


class TooManyPointsError(_Carrying, ConfigError):
    """A sweep spec of more points than ``max_points`` allows.

    Attributes
    ----------
    count : int
        The points the spec expands to (what ``max_points`` must be to allow it).
    max_points : int
        The bound it was held to.
    size_line, bound_line : str
        The points and their work in words ("2,000,000 points, 2.00e+10 sample-generations") and the bound in words.
    """

    def __init__(self, count, max_points, size_line, bound_line):
        self.count, self.max_points, self.size_line, self.bound_line = count, max_points, size_line, bound_line
        self._data = (count, max_points, size_line, bound_line)
        super().__init__(f"{self.head()}, or allow it with max_points={count}")

    def head(self):
        """The refusal, up to the remedy that names how to raise the bound."""
        return (f"sweep spec expands to {self.size_line} (size x generations summed over the points), beyond the "
                f"{self.bound_line} points a sweep runs unless told more: check its lists")


class AnotherSweepError(_Carrying, RunDirectoryError):
    """A sweep asked for in ``path`` (its ``out``), which holds the record ``record`` of a sweep of other points."""

    def __init__(self, path, record):
        self.path, self.record = path, record
        self._data = (path, record)
        super().__init__(f"{str(path)!r} holds another sweep ({record}); give a new out or the same spec")


class NotASweepError(_Carrying, RunDirectoryError):
    """``path``, read as a sweep directory, has no sweep record ``record``; ``is_run``: it is a run directory."""

    def __init__(self, path, record, is_run=False):
        self.path, self.record, self.is_run = path, record, is_run
        self._data = (path, record, is_run)
        super().__init__(f"{path} is {self.what('popdyn.run')}: it has no {record}")

    def what(self, maker):
        """What ``path`` is, its maker spelled ``maker`` ("popdyn.run", "popdyn run")."""
        return f"a run directory ({maker}), not a sweep" if self.is_run else "not a sweep directory"


class ThreadsPerWorkerError(_Carrying, ConfigError):
    """``threads_per_worker`` beyond numba's pool of ``pool`` threads (``NUMBA_NUM_THREADS``)."""

    def __init__(self, threads_per_worker, pool):
        self.threads_per_worker, self.pool = threads_per_worker, pool
        self._data = (threads_per_worker, pool)
        super().__init__(f"threads_per_worker={threads_per_worker} {self.detail()}")

    def detail(self):
        return f"is more than numba's {self.pool} threads on this machine (NUMBA_NUM_THREADS)"


class WorkersError(_Carrying, ConfigError):
    """An embedded cluster of ``workers`` worker processes that this machine cannot hold.

    Attributes
    ----------
    workers : int
        The worker processes.
    given : bool
        Whether the caller asked for that many (``workers=``); otherwise cores / ``threads_per_worker``.
    threads_per_worker : int or None
        Set when the refusal is of the threads: the line then tells workers x threads_per_worker.
    detail : str
        The rest of the line: what they need, what the machine has.
    """

    def __init__(self, workers, given, detail, threads_per_worker=None):
        self.workers, self.given, self.detail, self.threads_per_worker = workers, given, detail, threads_per_worker
        self._data = (workers, given, detail, threads_per_worker)
        told = f"workers={workers}" if given else f"{workers} workers (cores / threads_per_worker)"
        times = f" x threads_per_worker={threads_per_worker}" if threads_per_worker is not None else ""
        super().__init__(f"{told}{times}{detail}")


class SchedulerError(_Carrying, ConfigError):
    """A Dask scheduler at ``address`` that cannot be used; ``detail`` says why.

    ``quoted``: whether the command line shows the address as a Python string (an address it could not parse).
    """

    def __init__(self, address, detail, quoted=False):
        self.address, self.detail, self.quoted = address, detail, quoted
        self._data = (address, detail, quoted)
        super().__init__(f"scheduler={address!r}{detail}")


class ClusterOptionsError(_Carrying, ConfigError):
    """Both a scheduler's ``address`` and a number of ``workers``: ``workers`` sizes the embedded cluster only."""

    def __init__(self, address, workers):
        self.address, self.workers = address, workers
        self._data = (address, workers)
        super().__init__(f"workers={workers} sizes the embedded cluster; the cluster of scheduler={address!r} has "
                         "its own workers")


class VariantError(_Carrying, ConfigError):
    """Switches of model variants that do not go with the model ``model``.

    Attributes
    ----------
    model : str
        The model asked for.
    switches : tuple of str
        The variants' switches that are on, as Python names (``"energy_arguments"``); their flags are
        ``--energy-arguments``.
    of : str or None
        The model the (first) switch chooses a variant of when that is not ``model``; None when the
        switches are variants of ``model``, more than one.
    where : str
        What was being read, before the refusal ("sweep spec: "; empty for a direct call).
    """

    def __init__(self, model, switches, of=None, where=""):
        self.model, self.switches, self.of, self.where = model, tuple(switches), of, where
        self._data = (model, self.switches, of, where)
        if of is not None:
            s = self.switches[0]
            super().__init__(f"{where}{s}=True chooses a variant of the {of} model, not of the {model} model "
                             f"(model={of!r}, {s}=True)")
        else:
            super().__init__(f"{where}{' and '.join(s + '=True' for s in self.switches)} choose different variants "
                             f"of the {model} model; give one")


class NoTransitionError(_Carrying, NoRootError):
    """K lambda(1/2) - 1 of one sign at both ends of a given ``bracket``, on a coarse look (``popdyn.analysis.anderson``).

    ``ends``: the two estimates (``popdyn.tilted.TiltedGrowth``) at ``bracket = (lo, hi)``.
    """

    def __init__(self, ends, bracket):
        self.bracket, self.ends = tuple(bracket), ends
        self._data = (ends, self.bracket)
        lo, hi = self.bracket
        super().__init__(f"{self.head()}: no transition in the bracket [{lo:g}, {hi:g}]", ends)

    def head(self):
        """What the two ends saw, before the remedy."""
        (lo, hi), (a, b) = self.bracket, self.ends
        side = "above" if a.growth > 1.0 else "below"
        return f"K lambda(1/2) is {side} 1 at both W = {lo:g} ({a.growth:.3g}) and W = {hi:g} ({b.growth:.3g})"


class UnfinishedError(_Carrying, ConfigError):
    """A study that reads finished runs (the transition's Tc_N) was given one under way.

    ``path``: the run or sweep directory; ``point``: the sweep's point that has not started (None for a run);
    ``status``, ``done`` and ``generations``: the run's status and how far it is (None for a sweep).
    """

    def __init__(self, path, point=None, status=None, done=None, generations=None):
        self.path, self.point, self.status, self.done, self.generations = path, point, status, done, generations
        self._data = (path, point, status, done, generations)
        remedy = ("running the sweep again finishes it" if point is not None
                  else f"finish it with popdyn.resume({str(path)!r})")
        super().__init__(f"{self.head()}: Tc_N is read off finished runs only; {remedy}")

    def head(self):
        """What is unfinished, before the remedy."""
        if self.point is not None:
            return f"sweep {self.path} is not finished (point {self.point} has not started)"
        return f"run {self.path} is {self.status} at generation {self.done} of {self.generations}"
