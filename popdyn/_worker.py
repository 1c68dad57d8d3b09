"""Set-up of the worker processes of popdyn's embedded Dask cluster (a Dask preload, ``dask_setup``).

The embedded workers are children of the command and share its terminal's process group, so a
Ctrl-C reaches them as well as the command. They start with it blocked and then ignore it: the
command alone stops the work (it cancels what is left and closes the cluster, whose nannies
terminate the workers) and says in one line what was saved, where each worker would otherwise
print a traceback. SIGTERM is left alone: it is how a nanny stops its worker.
"""

import signal


def dask_setup(worker):
    """Ignore SIGINT in this worker process (called by Dask in the worker's main thread at start-up).

    The process started with both signals blocked (``popdyn.interrupt.hold_back`` while the
    cluster was built); a Ctrl-C that waited is discarded, a SIGTERM that waited is delivered.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
