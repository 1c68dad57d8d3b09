"""Files, safely: atomic replacement, outputs tried before any work, tables read or refused in one line.

Every popdyn output is written under a temporary name and renamed into place (``atomic_write``),
so a reader, or a process killed half-way, never sees half a file. Every command checks its
outputs before it works (``check_output_file``, ``check_output_dir``), by creating a file there:
permission bits say nothing for root or on a read-only mount.
"""

import datetime
import errno
import os
import tempfile
from pathlib import Path

from .errors import ParameterError


def utc_now():
    """The time stamp of every popdyn record: ISO 8601, UTC, whole seconds."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and an atomic rename: readers never see half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")  # is_temporary must recognize this name
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def is_temporary(name):
    """Whether the file name ``name`` is an ``atomic_write`` temporary (``.<name>.tmp<pid>``)."""
    return name.startswith(".") and ".tmp" in name


def remove_temporaries(*folders):
    """Delete the ``atomic_write`` temporaries in ``folders``: what a killed writer left half-written.

    Only the one writer of the folders may call it (a temporary may be another writer's file).
    """
    for folder in folders:
        for p in Path(folder).glob(".*.tmp*"):
            p.unlink()


def read_parquet(path, columns, error, what, foreign):
    """The Parquet table at ``path``, refused with ``error`` (one line) unless it holds ``columns``.

    ``what`` names the table in the message, ``foreign`` says what a table without them is.
    """
    import io

    import pandas as pd

    try:
        # the bytes are read through one open file, then parsed: pyarrow given the path notes the file's size,
        # then opens it again, and a writer's atomic replacement in between reads as a damaged table
        with open(path, "rb") as f:
            data = f.read()
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise error(f"{what} is not a Parquet table ({type(exc).__name__})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise error(f"{what} {foreign} (no column {missing[0]!r})")
    return frame


def check_writable_folder(folder, what):
    """ParameterError (a ConfigError) unless a file can be created in ``folder``: tried, not guessed.

    Permission bits say nothing for root or on a read-only mount; only a real attempt tells.
    ``what`` names the output in the message: a Python parameter (``"out"``, which the command line
    spells ``--out``), or an option of the command line that checks its own (``"--table"``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(what, f"folder {str(folder)!r} does not exist")
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".popdyn-write-test-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ParameterError(what, f"cannot write in {str(folder)!r}: {exc.strerror}") from None


def usable_path(path, what):
    """``path`` as a Path, or ParameterError for a name no file system takes (empty, too long, ...)."""
    if not str(path):
        raise ParameterError(what, "needs a path, got an empty one", separator=" ")
    path = Path(path)
    try:
        path.lstat()
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno != errno.ENOTDIR:  # a path under a file is refused with a clearer line below
            raise ParameterError(what, f"cannot use {str(path)[:80]!r}: {exc.strerror}") from None
    return path


def check_output_file(path, what):
    """ParameterError unless ``path`` can be written (its folder exists and takes files; not a directory)."""
    path = usable_path(path, what)
    if path.is_dir():
        raise ParameterError(what, f"{str(path)!r} is a directory")
    check_writable_folder(path.parent, what)


def check_output_dir(path, what):
    """ParameterError unless ``path`` can become a new output directory: absent, or an empty directory.

    For an absent one, its nearest existing ancestor must be a directory that takes files
    (nothing is created here).
    """
    path = usable_path(path, what)
    if path.exists():
        if not path.is_dir() or any(path.iterdir()):
            raise ParameterError(what, f"{str(path)!r} already exists and is not empty")
        check_writable_folder(path, what)
        return
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ParameterError(what, f"cannot create {str(path)!r}: {str(ancestor)!r} is not a directory")
    check_writable_folder(ancestor, what)
