"""Exceptions with a message meant for the user, one line each."""


class ConfigError(ValueError):
    """A parameter, option or input that cannot be used; the message says which and why."""


class RunDirectoryError(ConfigError):
    """A run directory that is missing, unreadable, foreign, or in the way."""


class StorageError(RuntimeError):
    """Results could not be written (disk full, I/O error); the message says what is intact and what to do."""
