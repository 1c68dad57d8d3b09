"""The table of a study: one row per run, in a Parquet file that grows a row at a time.

A study of many runs (``popdyn finite-n``) keeps what each run gave in a ``ResultTable``, written
the way a run directory is (atomic replacement, one writer at a time), so that it can be
stopped, resumed, extended, or read back without running anything.
"""

from pathlib import Path

import pandas as pd

from .errors import ConfigError, DirectoryInUse
from .files import atomic_write, read_parquet, utc_now
from .lock import DirectoryLock


class _TableLock(DirectoryLock):
    """The lock of a result table: ``.<name>.lock`` beside it, held by the one study that appends to it."""

    def __init__(self, table):
        super().__init__(Path(table).parent)
        self.table = Path(table)
        self.path = self.table.with_name(f".{self.table.name}.lock")

    def _busy(self, holder):
        return DirectoryInUse(f"{self.table} is being written by {holder or 'another process'}; one study writes a "
                              "table at a time: wait for it, or stop it")


class ResultTable:
    """A Parquet table of per-run results that grows one row at a time: the store of a study.

    Every row carries the commit the study started from (``provenance`` at start: the code
    that runs is the code that was loaded, whatever the checkout becomes meanwhile), the
    thread count and the time the run ended. Each append rewrites the file atomically, so an
    interrupted study keeps every finished run and a reader never sees half a table. One study
    appends to a table at a time (``lock``; two would each rewrite it without the other's rows).
    Use ``open``, not the constructor.
    """

    def __init__(self, path, frame, provenance, columns=()):
        self.path = Path(path)
        self.frame = frame
        self.provenance = provenance
        self.columns = list(columns)
        self._lock = None

    @classmethod
    def open(cls, path, columns, provenance):
        """The table at ``path`` (empty when the file does not exist yet); ConfigError if it cannot be one.

        A table another study is writing is refused as in use (``DirectoryInUse``, naming it), before
        its rows are judged.
        """
        path = Path(path)
        _TableLock(path).check_free()
        return cls(path, cls._read(path, columns), provenance, columns)

    @staticmethod
    def _read(path, columns):
        if not path.exists():
            if not path.resolve().parent.is_dir():
                raise ConfigError(f"result table {str(path)!r}: folder {str(path.parent)!r} does not exist")
            return pd.DataFrame(columns=list(columns))
        return read_parquet(path, columns, ConfigError, f"result table {str(path)!r}", "holds other results")

    def lock(self):
        """Become the table's one writer until ``close`` (refused, naming the holder, while another study is), and
        read again the rows a study that just let go added."""
        self._lock = _TableLock(self.path).acquire()
        try:
            self.frame = self._read(self.path, self.columns)
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Let go of the table (a table opened only to read holds nothing)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def keys(self, key_columns):
        """The set of key tuples already in the table."""
        return set(self.frame[list(key_columns)].itertuples(index=False, name=None))

    def append(self, row):
        stamped = dict(row)  # its own commit and threads when it brings them (it ran elsewhere), else this process's
        stamped.setdefault("git_commit", self.provenance["git_commit"])
        stamped.setdefault("threads", self.provenance["threads"])
        stamped["created"] = utc_now()
        new = pd.DataFrame([stamped])
        frame = new if self.frame.empty else pd.concat([self.frame, new], ignore_index=True)
        atomic_write(self.path, lambda tmp: frame.to_parquet(tmp, index=False))
        self.frame = frame  # only once it is on disk: the table in memory never claims an unsaved row
