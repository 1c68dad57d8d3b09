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


class NoTransitionError(NoRootError):
    """K lambda(1/2) - 1 of one sign at both ends of a given ``bracket``, on a coarse look (``popdyn.analysis.anderson``)."""

    def __init__(self, message, ends, bracket):
        super().__init__(message, ends)
        self.bracket = bracket


class UnfinishedError(ConfigError):
    """A study that reads finished runs was given one under way.

    ``path``: the run or sweep directory; ``point``: the sweep's point that has not started (None for a run);
    ``status``, ``done`` and ``generations``: the run's status and how far it is (None for a sweep).
    """

    def __init__(self, message, path, point=None, status=None, done=None, generations=None):
        super().__init__(message)
        self.path, self.point, self.status, self.done, self.generations = path, point, status, done, generations


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
