"""What this machine has, and the bounds a command's worker processes and threads are checked against.

Every command that starts threads or processes checks them here first, in one line and exit 2,
before anything is started or written: a mistyped ``--workers 10000`` is a refusal, not a
machine that runs out of file descriptors.
"""

import os

from .errors import ConfigError

#: Threads a command may run per core in all (numba threads, or workers x threads per worker): the kernels are
#: compute-bound, so more only slow each other; the slack is for small I/O-bound points and small machines.
THREADS_PER_CORE = 4
#: Memory of one embedded Dask worker process besides its population (Python, numba, pandas, Dask:
#: about 350 MiB resident, of which 140 MiB its own and the rest shared libraries; measured on Linux).
WORKER_MEMORY = 2**28
#: File descriptors the command holds per embedded worker (its sockets to the scheduler and the worker,
#: the queues and pipes of its process: 10 measured), with some slack, and for itself.
FILES_PER_WORKER, FILES_RESERVED = 16, 64


def cores():
    """The cores this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def most_threads():
    """The most threads a command may run in all: ``THREADS_PER_CORE`` per core."""
    return THREADS_PER_CORE * cores()


def check_numba_threads():
    """ConfigError if numba's thread pool (``NUMBA_NUM_THREADS``) would be out of proportion to the cores."""
    import numba

    pool = numba.config.NUMBA_NUM_THREADS
    if pool > most_threads():
        raise ConfigError(f"NUMBA_NUM_THREADS={pool} would start {pool} threads on {cores()} cores; at most "
                          f"{THREADS_PER_CORE} per core ({most_threads()}): set it lower or unset it")


def open_files_limit():
    """The soft limit on this process's open files (``ulimit -n``), or None where there is none."""
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def available_memory():
    """Bytes of memory available to new allocations (``psutil``'s estimate, without swapping)."""
    import psutil

    return psutil.virtual_memory().available
