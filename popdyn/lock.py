"""One writer per run directory: an operating-system lock that no crash leaves stale."""

import fcntl
import os
import time
from pathlib import Path

from .errors import DirectoryInUse, RunDirectoryError
from .files import utc_now
from .provenance import host


def _holder(fd):
    """Who holds a lock, as its holder wrote it (which it does just after taking the lock: wait a moment)."""
    for _ in range(20):
        text = os.pread(fd, 400, 0).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.01)
    return ""


class DirectoryLock:
    """An exclusive lock on a run directory, held by the one process that writes it.

    ``fcntl.flock`` on ``<dir>/.lock``: the operating system releases it when the process
    ends, however it ends (kill -9 included), so a lock is never stale. The file holds the
    holder's pid, host and start time for the message a second writer gets.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.path = self.directory / ".lock"
        self._fd = None

    def acquire(self):
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunDirectoryError(f"cannot lock {self.directory}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise self._busy(holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"popdyn pid {os.getpid()} on {host()} since {utc_now()}".encode())
        self._fd = fd
        return self

    def release(self):
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def _busy(self, holder):
        return RunDirectoryError(f"{self.directory} is being written by {holder or 'another process'}; one writer "
                                 "per run directory: wait for it, or stop it")

    def check_free(self):
        """RunDirectoryError naming the holder if some process holds the lock now (nothing is written)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            raise self._busy(_holder(fd)) from None
        finally:
            os.close(fd)

    @staticmethod
    def held(directory):
        """Whether some process holds the lock of ``directory`` now."""
        try:
            DirectoryLock(directory).check_free()
            return False
        except RunDirectoryError:
            return True


def in_use(directory):
    """What a reader of ``directory`` is told while another process writes it.

    Returns
    -------
    DirectoryInUse or None
        The refusal naming the process that holds the lock now, or None when none does.
    """
    try:
        DirectoryLock(directory).check_free()
    except RunDirectoryError as exc:
        return DirectoryInUse(str(exc))
    return None
