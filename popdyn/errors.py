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
    """K lambda(1/2) - 1 of one sign at both ends of a given ``bracket``, on a coarse look (``analysis.anderson``)."""

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
