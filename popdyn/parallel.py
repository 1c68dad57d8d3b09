"""Map a function over items on any executor, yielding each outcome as it finishes (emcee's ``pool`` idea).

The analysis takes where its work goes as one argument, ``executor``, and never imports Dask:
None (this process), a ``concurrent.futures`` executor (``ProcessPoolExecutor``, a Dask
client's ``get_executor()``), a Dask ``Client`` itself (handed to ``popdyn.cluster.map_on``,
imported only then), or a plain map function (``multiprocessing.Pool().imap``).
"""

import concurrent.futures
import functools

from . import interrupt
from .errors import ConfigError

#: How often a wait on submitted futures looks for a signal a library swallowed (seconds), as ``map_on`` does.
_POLL_S = 0.1


def is_dask_client(executor):
    """Whether ``executor`` is a ``distributed.Client`` (or a subclass), told without importing Dask.

    A client's ``get_executor()`` is not one: it is a ``concurrent.futures`` executor like any other.
    """
    return any(cls.__module__ == "distributed.client" and cls.__name__ == "Client" for cls in type(executor).__mro__)


def map_unordered(executor, function, items, *args, label=str, retries=2):
    """Run ``function(item, *args)`` for each item on ``executor``; yield ``(item, outcome)`` as each finishes.

    ``outcome`` is the function's return value, or the exception of an item that failed for a
    reason of its own (the others go on). The caller owns progress, storage and interruption:
    stop iterating and close the generator (``contextlib.closing``) and the items not started
    are cancelled (an item under way on a process pool runs on to its end there).

    Parameters
    ----------
    executor : None, executor, distributed.Client or callable
        Where the items run:

        - None: one by one in this process, in order;
        - an object with ``submit(function, *args)`` returning ``concurrent.futures``-like
          futures (``ProcessPoolExecutor``, ``ThreadPoolExecutor``, a Dask client's
          ``get_executor()``): every item is submitted at once, and the wait looks for a
          pending signal (``popdyn.interrupt.pending``) every 0.1 s. A process pool's workers
          must be spawned (``mp_context=multiprocessing.get_context("spawn")``, or
          "forkserver"): numba's OpenMP threads do not survive a fork of a process that ran a
          parallel kernel, so a pool that forks is refused;
        - a Dask ``distributed.Client``: ``popdyn.cluster.map_on`` (readable task keys from
          ``label``, a lost worker's item retried ``retries`` times);
        - any other callable: a map with the semantics of ``map(f, iterable)``, such as
          ``multiprocessing.Pool().imap`` or ``imap_unordered``, ``map`` itself, or a
          ``ProcessPoolExecutor``'s bound ``map``. Each item is tagged with its place, so the
          map may return the results in any order; the outcomes are yielded as the map returns
          them, and nothing can be cancelled.
    function : callable
        Of ``(item, *args)``; for worker processes a module-level function, picklable with
        ``items`` and ``args``.
    items : iterable
    args
        Passed to every call after the item.
    label : callable
        ``item -> str``, for a Dask client's task keys only.
    retries : int
        For a Dask client only.

    Returns
    -------
    iterator of (item, outcome)
        A generator: the items run as it is iterated (all at once on a submit executor).

    Raises
    ------
    popdyn.ConfigError
        A process pool that forks its workers (at the call, before anything runs).
    TypeError
        An ``executor`` of none of these kinds (at the call).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     outcomes = dict(map_unordered(pool, divmod, [7, 9, 0], 2))
    >>> outcomes[7], outcomes[9]
    ((3, 1), (4, 1))
    >>> sorted(map_unordered(None, pow, [2, 3], 2))
    [(2, 4), (3, 9)]
    >>> [(x, type(y).__name__) for x, y in map_unordered(map, divmod, [1, 0], 0)]
    [(1, 'ZeroDivisionError'), (0, 'ZeroDivisionError')]
    """
    items = list(items)
    if executor is None:
        return _here(function, items, args)
    if is_dask_client(executor):
        from .cluster import map_on  # Dask is imported by the caller who made the client, never here

        return map_on(executor, function, items, *args, label=label, retries=retries)
    if callable(getattr(executor, "submit", None)):
        _check_not_forking(executor)
        return _submitted(executor, function, items, args)
    if callable(executor):
        _check_not_forking(getattr(executor, "__self__", None))  # a pool's bound map or imap
        return _mapped(executor, function, items, args)
    raise TypeError(f"an executor is None, an object with submit(), a Dask Client or a map function; got "
                    f"{type(executor).__name__}")


def _check_not_forking(pool):
    """ConfigError, before anything is submitted, for a process pool whose workers are forked.

    numba's OpenMP threads do not survive a fork of a process that ran a parallel kernel: the
    worker dies and the pool breaks far from the cause. The start method is read from the pool
    (``ProcessPoolExecutor._mp_context``, ``multiprocessing.Pool._ctx``: private, hence getattr).
    """
    from multiprocessing.pool import ThreadPool

    if isinstance(pool, ThreadPool):  # threads: its fork context is never used
        return
    context = getattr(pool, "_mp_context", None) or getattr(pool, "_ctx", None)
    if context is not None and context.get_start_method() == "fork":
        raise ConfigError(f"a {type(pool).__name__} that forks its workers breaks once numba has run a parallel "
                          f"kernel in this process: make it with mp_context=multiprocessing.get_context('spawn') "
                          f"(or 'forkserver')")


def _here(function, items, args):
    for item in items:
        if interrupt.pending() is not None:
            raise interrupt.Interrupted(interrupt.take_pending())
        try:
            outcome = function(item, *args)
        except Exception as exc:  # the item's own failure, reported as any executor reports it
            outcome = exc
        yield item, outcome


def _submitted(executor, function, items, args):
    futures = {}
    try:
        for item in items:
            futures[executor.submit(function, item, *args)] = item
        waiting = set(futures)
        while waiting:
            # a signal raised as Interrupted where a library drops exceptions is not lost: it is still
            # pending, and stops the wait here (the wait itself raises on a signal too)
            if interrupt.pending() is not None:
                raise interrupt.Interrupted(interrupt.take_pending())
            finished, waiting = concurrent.futures.wait(waiting, timeout=_POLL_S,
                                                        return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                try:
                    outcome = future.result()
                except Exception as exc:  # the item's own failure (or its process's), reported
                    outcome = exc
                yield futures[future], outcome
    finally:
        for future in futures:  # a finished one ignores it; a running one on a process pool runs on
            future.cancel()


def _call(function, args, tagged):
    """``(place, outcome)`` of ``function(item, *args)`` for a ``(place, item)``: a map's unit of work.

    The failure travels back as a value, so that a map (which stops at the first exception it
    raises) goes on with the other items.
    """
    place, item = tagged
    try:
        return place, function(item, *args)
    except Exception as exc:
        return place, exc


def _mapped(mapper, function, items, args):
    results = mapper(functools.partial(_call, function, args), list(enumerate(items)))
    for place, outcome in results:
        yield items[place], outcome
