"""Set-up of the worker processes of popdyn's embedded Dask cluster (a Dask preload, ``dask_setup``).

The embedded workers are children of the command and share its terminal's process group, so a
Ctrl-C reaches them as well as the command. They start with it blocked and then ignore it: the
command alone stops the work (it cancels what is left, has the nannies kill the workers and
closes the cluster) and says in one line what was saved, where each worker would otherwise
print a traceback. SIGTERM is left alone: it is how a nanny stops its worker. Dask's logs are
quietened for good (``quiet_dask_logs``): a worker closed under its connections would say so.
"""

import logging
import signal


def dask_setup(worker):
    """Ignore SIGINT in this worker process (called by Dask in the worker's main thread at start-up).

    The process started with both signals blocked (the thread that built the cluster blocks them:
    ``popdyn.interrupt.in_background``); a Ctrl-C that waited is discarded, a SIGTERM that waited
    is delivered.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    quiet_dask_logs()  # a stop closes the worker: what its connections say then is not the command's one line


def _only_critical(record):
    return record.levelno >= logging.CRITICAL


def quiet_dask_logs():
    """Drop the log records of Dask (and its Tornado) below CRITICAL in this process, for good.

    ``silence_logs`` of a cluster, a nanny or a worker holds only while it is open: a connection
    that notices it was closed just after says so on stderr ("Batched Comm Closed", with its
    traceback), after a stop's one line. For processes that are popdyn's alone (the command
    line, the embedded workers): the filter goes on the handlers Dask installed, whose levels
    ``silence_logs`` sets and restores.
    """
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] in ("distributed", "tornado")]
    for name in names:
        for handler in logging.getLogger(name).handlers:
            if _only_critical not in handler.filters:
                handler.addFilter(_only_critical)
