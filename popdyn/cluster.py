"""Dask: the embedded cluster, a running scheduler's client, and ``map_on``, the one way popdyn puts work on Dask.

``dask_client`` opens a client for the duration (``local_client``: an embedded ``LocalCluster`` of
worker processes on 127.0.0.1; ``remote_client``: a running scheduler, probed for its handshake
first) and closes what it opened however the block ends, within deadlines, a signal acted on at
any moment (``popdyn.interrupt``). ``map_on`` maps a picklable function over items on a client,
yielding as each finishes. Everything here imports Dask lazily, inside the function that needs it:
the analysis never imports this module unless its caller passed a Dask client
(``popdyn.parallel.map_unordered``).
"""

import contextlib
import time

from . import interrupt, machine
from .errors import (ClusterOptionsError, ConfigError, SchedulerError, ThreadsPerWorkerError, WorkError,
                     WorkersError)

#: Deadlines, in seconds, of the waits on what is outside the command: a ``--scheduler`` to answer (the TCP
#: connection and Dask's handshake, which Dask waits for without end), the embedded cluster's worker processes
#: to start (each loads Python, numba and Dask: a second or two, more on a loaded machine), a cluster to close.
SCHEDULER_TIMEOUT, START_TIMEOUT, CLOSE_TIMEOUT = 10.0, 60.0, 5.0

#: How often ``map_on`` looks for a finished item, and for a signal a library swallowed (seconds).
_POLL_S = 0.1


def map_on(client, function, items, *args, label=str, retries=2):
    """Run ``function(item, *args)`` for each item on a Dask ``client``; yield ``(item, outcome)`` as each finishes.

    The one way popdyn puts work on Dask (sweeps and studies). ``outcome`` is the function's
    return value, or the exception of an item that failed for a reason of its own (the others
    go on). A worker lost mid-item costs that item's unfinished work only: Dask resubmits it
    (``retries``). The caller owns progress, storage and interruption (emcee's ``sample()``):
    stop iterating and close the generator (``contextlib.closing``), while the client is open,
    and every item not yet finished is cancelled.

    Task keys are ``label(item)``, the item's place and a token of this call: readable on the
    dashboard, never shared by two items, never confused with an earlier call's tasks.
    """
    import uuid

    from distributed import as_completed

    token = uuid.uuid4().hex[:8]
    futures = {client.submit(function, item, *args, key=f"popdyn-{label(item)}-{k}-{token}", pure=False,
                             retries=retries): item for k, item in enumerate(items)}
    try:
        waiting = as_completed(futures)
        while not waiting.is_empty():
            # a signal raised as Interrupted where a library drops exceptions (Dask's garbage-collection
            # callback did) is not lost: it is still pending, and stops the wait here
            if interrupt.pending() is not None:
                raise interrupt.Interrupted(interrupt.take_pending())
            finished = waiting.next_batch(block=False)
            if not finished:
                time.sleep(_POLL_S)  # a signal raises here too
                continue
            for future in finished:
                try:
                    outcome = future.result()
                except Exception as exc:  # the item's own failure (or its worker's, past the retries), reported
                    outcome = exc
                yield futures[future], outcome
    finally:
        if client.status == "running":  # a closed client has cancelled everything already
            with contextlib.suppress(Exception):  # the scheduler too busy or gone: closing the client cancels them
                interrupt.in_background(lambda: client.cancel(list(futures)), CLOSE_TIMEOUT, name="popdyn-cancel")


def local_workers(workers=None, threads_per_worker=1):
    """The worker processes of an embedded cluster: ``workers``, or the cores divided by ``threads_per_worker``."""
    return workers or max(1, machine.cores() // threads_per_worker)


def check_local_cluster(workers=None, threads_per_worker=1, population=0, tasks=None):
    """ConfigError unless this machine can hold an embedded cluster of ``workers``; nothing is started.

    The bounds: ``threads_per_worker`` within numba's pool (``NUMBA_NUM_THREADS``: a worker's run
    refuses more); workers x threads per worker within ``machine.THREADS_PER_CORE`` per core; the
    open files the command holds for its workers (``machine.FILES_PER_WORKER`` each) within its
    limit (``ulimit -n``); the memory of the worker processes (``machine.WORKER_MEMORY`` each) and
    of the populations of ``population`` bytes that ``min(workers, tasks)`` of them hold at once
    within 90 % of what is available.
    """
    import numba

    machine.check_numba_threads()  # the workers inherit NUMBA_NUM_THREADS
    n = local_workers(workers, threads_per_worker)
    pool = numba.config.NUMBA_NUM_THREADS
    if threads_per_worker > pool:
        raise ThreadsPerWorkerError(threads_per_worker, pool)
    threads, most = n * threads_per_worker, machine.most_threads()
    if threads > most:
        raise WorkersError(n, bool(workers), f" = {threads} threads on {machine.cores()} cores; at most "
                           f"{machine.THREADS_PER_CORE} per core ({most} in all)", threads_per_worker)
    files, limit = machine.FILES_RESERVED + n * machine.FILES_PER_WORKER, machine.open_files_limit()
    if limit is not None and files > limit:
        fit = max(0, (limit - machine.FILES_RESERVED) // machine.FILES_PER_WORKER)
        raise WorkersError(n, bool(workers), f" needs about {files} open files ({machine.FILES_PER_WORKER} per "
                           f"worker), over this process's limit of {limit} (ulimit -n): at most {fit} workers")
    busy = n if tasks is None else min(n, tasks)
    need, available = n * machine.WORKER_MEMORY + busy * population, machine.available_memory()
    if need > 0.9 * available:
        populations = f" and {busy} populations of {population / 2**30:.2f} GiB" if population else ""
        raise WorkersError(n, bool(workers), f": {n} worker processes ({machine.WORKER_MEMORY / 2**30:.2f} GiB "
                           f"each){populations} need about {need / 2**30:.1f} GiB, {available / 2**30:.1f} GiB "
                           f"available (a tenth is left to the rest)")


def local_client(workers=None, threads_per_worker=1, timeout=START_TIMEOUT):
    """An embedded Dask cluster of worker processes on 127.0.0.1 (no dashboard), sized by ``local_workers``.

    Each worker runs one item at a time with ``threads_per_worker`` numba threads, so the cores
    are not oversubscribed. The workers ignore SIGINT (``popdyn._worker``): a Ctrl-C at the
    terminal reaches them too, and the command alone stops the work, in one line.

    The cluster starts in ``interrupt.in_background``: a signal is acted on at once, and a start
    that does not end within ``timeout`` seconds is a WorkError. Either way what was started is
    taken down (``_abandon``) and never left to the interpreter's exit.
    """
    from distributed import Client, LocalCluster

    check_local_cluster(workers, threads_per_worker)
    _start_quiet_resource_tracker()  # here: started from Dask's threads, it would let both signals through there
    n = local_workers(workers, threads_per_worker)
    made = []

    class EmbeddedCluster(LocalCluster):
        def __init__(self, **kwargs):
            made.append(self)  # before it starts anything: a start cut short is taken down from here
            super().__init__(**kwargs)

    def start():
        # the scheduler's HTTP server (health checks; no dashboard) on a free loopback port, never 8787's warning
        cluster = EmbeddedCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                  silence_logs=50, preload=["popdyn._worker"])
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
        # the in-process scheduler times garbage collections from a gc callback, where a signal's Interrupted
        # would be printed and dropped; the timing only feeds logs this command silences
        from distributed.gc import disable_gc_diagnosis

        disable_gc_diagnosis(force=True)
        return client

    try:
        return interrupt.in_background(start, timeout, discard=lambda client: _close(client, stopping=True),
                                       name="popdyn-cluster")
    except BaseException as exc:
        for cluster in made:
            _abandon(cluster)
        if isinstance(exc, TimeoutError):
            raise WorkError(f"the embedded Dask cluster of {n} workers did not start within {timeout:g} s (is the "
                            f"machine overloaded?); nothing ran") from None
        if isinstance(exc, Exception):
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise WorkError(f"the embedded Dask cluster of {n} workers could not start ({reason}); nothing "
                            f"ran") from None
        raise


def _stop_workers(cluster, grace):
    """For the cluster's event loop: close its nannies at once, each one's worker killed after ``grace`` s.

    Dask's own close lets a busy worker finish its task and kills it only after 4 s; a point's run
    is consistent on disk at every moment (its checkpoint), so a stop need not wait. A closing
    nanny does not start its worker again, as it would one killed under it.
    """
    import asyncio

    async def stop():
        nannies = list(cluster.workers.values())
        await asyncio.gather(*(nanny.close(timeout=grace, reason="popdyn-stop") for nanny in nannies),
                             return_exceptions=True)

    return stop


def _kill_workers(cluster):
    """SIGKILL the worker processes of an embedded cluster that have started, without waiting."""
    for nanny in list(cluster.workers.values()):
        process = getattr(getattr(nanny, "process", None), "process", None)  # Nanny -> WorkerProcess -> AsyncProcess
        with contextlib.suppress(Exception):  # not started yet, or already gone
            process.kill()


def _abandon(cluster):
    """Take down a cluster whose start or close was cut short, without waiting for it.

    Its nannies are told to close (on its event loop: none starts its worker again), its worker
    processes are killed, and the interpreter's exit kills any started since rather than close
    the cluster again and wait (Dask's ``atexit``, up to 10 s, or multiprocessing's, which waits
    for each worker to heed a SIGTERM that its start-up holds back). The thread that started or
    was closing it ends that on its own (``interrupt.in_background``).
    """
    cluster.shutdown_on_close = False
    with contextlib.suppress(Exception):  # its event loop not started yet: then nor is anything else
        cluster.loop.add_callback(_stop_workers(cluster, 0.0))
    _kill_workers(cluster)
    if not interrupt.left_behind():
        import atexit

        atexit.register(lambda: [_kill_workers(c) for c in _abandoned])  # runs before multiprocessing's own
        interrupt.leave_behind(_kill_spawned)
    _abandoned.append(cluster)
    interrupt.leave_behind(lambda: _kill_workers(cluster))


_abandoned = []


def _kill_spawned():
    """SIGKILL this process's children but multiprocessing's resource tracker, until none is left (at most 0.5 s).

    For the command line's ``interrupt.exit_at_once`` only, where every other child is a worker
    process of popdyn's, known to a nanny yet or not: one still being spawned (its command line
    not yet its own) would otherwise find this process gone before it had read what it runs, and
    say so on stderr. A spawn requested before the stop is under way within milliseconds.
    """
    import psutil

    deadline, idle = time.monotonic() + 0.5, 0
    while idle < 3 and time.monotonic() < deadline:
        alive = []
        for child in psutil.Process().children():
            with contextlib.suppress(psutil.Error):
                if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(child.cmdline()):
                    child.kill()
                    alive.append(child)
        idle = 0 if alive else idle + 1
        time.sleep(0.02)


def _close(client, stopping=False):
    """Close ``client`` and, when it has one, its embedded cluster; ``stopping``: its workers at once."""
    from distributed.utils import sync

    cluster = getattr(client, "cluster", None)
    try:
        if cluster is not None and stopping:
            sync(cluster.loop, _stop_workers(cluster, 0.25))
        client.close(timeout=CLOSE_TIMEOUT)
    finally:
        if cluster is not None:
            cluster.close(timeout=CLOSE_TIMEOUT)


def _start_quiet_resource_tracker():
    """Start multiprocessing's resource tracker without its warning about the semaphores it removes.

    A stop terminates the workers mid-point; the semaphores of their queues are then removed by
    the tracker, which says so on stderr after the command's one line. That is the clean-up
    working, not a leak. The tracker takes its warning filters from ``sys.warnoptions`` when it
    starts (it is a process of its own), so the filter goes there for that moment only.
    """
    import sys
    from multiprocessing import resource_tracker

    option = "ignore:resource_tracker:UserWarning"
    sys.warnoptions.append(option)
    try:
        resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(option)


def _probe(address, deadline, timeout):
    """ConfigError unless a Dask server at ``address`` speaks first (its handshake) before ``deadline``.

    Only ``tcp://`` addresses (the default scheme): a Dask server writes its handshake on every
    connection it accepts, a 64-bit length and then the message, where an HTTP server or a stuck
    process says nothing. A refused connection is tried again until the deadline, as Dask does
    (a scheduler may be starting). Other schemes (``tls://``: the client speaks first) are left
    to ``Client``, within the same deadline.
    """
    import socket
    import struct

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location, 8786) if scheme == "tcp" else (None, 0)
    except ValueError as exc:
        raise SchedulerError(address, f" is not an address like tcp://host:8786 ({exc})", quoted=True) from None
    if scheme != "tcp":
        return
    if not 0 < port < 2**16:
        raise SchedulerError(address, f": port {port} is not in 1..65535", quoted=True)
    lead = " does not answer"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SchedulerError(address, f"{lead}: nothing listens there (connection refused for {timeout:g} s); "
                                 f"start one (dask scheduler) or check the address")
        try:
            with socket.create_connection((host, port), timeout=left) as sock:
                sock.settimeout(max(deadline - time.monotonic(), 1e-3))
                head = b""
                while len(head) < 8:
                    more = sock.recv(8 - len(head))
                    if not more:
                        raise SchedulerError(address, f"{lead}: it closed the connection without a Dask handshake")
                    head += more
        except ConnectionRefusedError:
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0)))
            continue
        except socket.gaierror as exc:
            raise SchedulerError(address, f": cannot resolve the host {host!r} ({exc.strerror})") from None
        except TimeoutError:
            raise SchedulerError(address, f"{lead}: no Dask scheduler answered there within {timeout:g} s (a "
                                 f"connection was accepted, then nothing: another kind of server?)") from None
        except OSError as exc:
            raise SchedulerError(address, f"{lead}: {exc.strerror or exc}") from None
        (length,) = struct.unpack("<Q", head)
        if not 0 < length < 2**24:
            raise SchedulerError(address, f" is not a Dask scheduler (it answered {head!r}, not Dask's handshake)")
        return


def remote_client(address, timeout=SCHEDULER_TIMEOUT):
    """A client of a running Dask scheduler (``dask scheduler`` / ``dask worker``); ConfigError if it does not answer.

    Dask's ``Client(address, timeout=...)`` bounds the TCP connection only: a server that accepts
    and never answers (an HTTP server, a stuck process) holds it for ever. Here the address is
    first asked for Dask's handshake (``_probe``), and the whole connection is a wait of at most
    ``timeout`` seconds in ``interrupt.in_background``, which a signal cuts short at once.
    """
    from distributed import Client

    deadline = time.monotonic() + timeout

    def connect():
        _probe(address, deadline, timeout)
        return Client(address, timeout=max(deadline - time.monotonic(), 0.1))

    try:
        # a moment over the deadline: the probe's own refusal, which says more, comes first
        return interrupt.in_background(connect, timeout + 0.5, discard=_close, name="popdyn-scheduler")
    except TimeoutError:  # the deadline's, or Dask's own
        raise SchedulerError(address, f" does not answer: no Dask scheduler answered there within {timeout:g} s") \
            from None
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 (Dask's refusals of an address are of many kinds)
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise SchedulerError(address, f": cannot connect ({type(exc).__name__}: {reason})") from None


def check_cluster_options(scheduler=None, workers=None):
    """ConfigError for options that contradict each other: ``workers`` sizes the embedded cluster only."""
    if scheduler is not None and workers is not None:
        raise ClusterOptionsError(scheduler, workers)


@contextlib.contextmanager
def dask_client(scheduler=None, workers=None, threads_per_worker=1, quiet=False):
    """A Dask client for the duration: of the scheduler at ``scheduler``, or of an embedded ``local_client``.

    What it opened it closes (the embedded cluster with its worker processes), however the block
    ends, within ``CLOSE_TIMEOUT`` seconds: on a stop or an error the workers are killed first
    (their points are checkpointed), and a close that does not end in time is abandoned to the
    exit (``_abandon``). Opening and closing wait in ``interrupt.in_background``: SIGINT and
    SIGTERM are acted on at any moment, and never leave half a cluster behind.
    ``workers`` sizes the embedded cluster only; a running cluster has the workers it was given.
    ``quiet``: Dask's logs below CRITICAL are dropped in this process for good (``_worker.quiet_dask_logs``),
    for the command line, which says what happened in one line.
    """
    check_cluster_options(scheduler, workers)
    if quiet:
        import distributed  # noqa: F401 (its logging handlers, to quieten)

        from ._worker import quiet_dask_logs

        quiet_dask_logs()
    client = remote_client(scheduler) if scheduler is not None else local_client(workers, threads_per_worker)
    stopping = True
    try:
        yield client
        stopping = False
    finally:
        try:
            interrupt.in_background(lambda: _close(client, stopping), 2 * CLOSE_TIMEOUT, name="popdyn-close")
        except BaseException as exc:  # the work is saved: what is left of the cluster goes with the process
            if getattr(client, "cluster", None) is not None:
                _abandon(client.cluster)
            if isinstance(exc, interrupt.Interrupted):
                raise
