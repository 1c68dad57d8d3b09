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
