"""Set-up of the worker processes of popdyn's embedded Dask cluster (a Dask preload, ``dask_setup``).

The embedded workers are children of the command and share its terminal's process group, so a
Ctrl-C reaches them as well as the command. They ignore it: the command alone stops the work (it
cancels what is left and closes the cluster, whose nannies terminate the workers) and says in
one line what was saved, where each worker would otherwise print a traceback. SIGTERM is left
alone: it is how a nanny stops its worker.
"""

import signal


def dask_setup(worker):
    """Ignore SIGINT in this worker process (called by Dask in the worker's main thread at start-up)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
