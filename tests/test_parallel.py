"""``map_unordered`` on every kind of executor: failures reported per item, the rest cancelled on close."""

import contextlib
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

import pytest

from popdyn import interrupt
from popdyn.parallel import is_dask_client, map_unordered


def _inverse(x, scale=1.0):
    return scale / x


@pytest.mark.parametrize("kind", ["none", "threads", "map", "imap_unordered"])
def test_a_failing_item_yields_its_exception_and_the_others_go_on(kind):
    items = [1, 2, 0, 4]
    with contextlib.ExitStack() as stack:
        executor = {"none": lambda: None, "map": lambda: map,
                    "threads": lambda: stack.enter_context(ThreadPoolExecutor(2)),
                    "imap_unordered": lambda: stack.enter_context(ThreadPool(2)).imap_unordered}[kind]()
        outcomes = list(map_unordered(executor, _inverse, items, 2.0))
    assert sorted(item for item, _ in outcomes) == sorted(items)
    got = dict(outcomes)
    assert isinstance(got[0], ZeroDivisionError)
    assert [got[x] for x in (1, 2, 4)] == [2.0, 1.0, 0.5]
    if kind in ("none", "map"):
        assert [item for item, _ in outcomes] == items  # in order


def test_closing_the_generator_cancels_the_items_not_started():
    ran, release = [], threading.Event()

    def work(item):
        ran.append(item)
        if item:
            release.wait(5)
        return item

    with ThreadPoolExecutor(1) as pool:
        with contextlib.closing(map_unordered(pool, work, range(10))) as outcomes:
            assert next(outcomes) == (0, 0)
        release.set()
    assert len(ran) <= 2  # the first, and at most the one that had started when the rest was cancelled


def test_a_pending_signal_stops_the_wait(monkeypatch):
    """A signal some library swallowed (``interrupt.pending``) stops the wait, and the rest is cancelled."""
    for name in ("pending", "raised", "swallowed", "stopping"):
        monkeypatch.setattr(interrupt._signals, name, getattr(interrupt._signals, name))
    ran, release = [], threading.Event()

    def work(item):
        ran.append(item)
        release.wait(5)

    with ThreadPoolExecutor(1) as pool:
        outcomes = map_unordered(pool, work, [1, 2, 3])
        monkeypatch.setattr(interrupt._signals, "pending", signal.SIGTERM)
        with pytest.raises(interrupt.Interrupted) as stopped:
            next(outcomes)
        release.set()
    assert stopped.value.signum == signal.SIGTERM and ran in ([], [1])


def test_a_dask_client_is_told_apart_without_importing_dask():
    Client = type("Client", (), {"__module__": "distributed.client", "submit": lambda self: None})
    Executor = type("ClientExecutor", (), {"__module__": "distributed.cfexecutor", "submit": lambda self: None})
    assert is_dask_client(type("Mine", (Client,), {})()) and not is_dask_client(Executor())
    assert not is_dask_client(ThreadPoolExecutor) and not is_dask_client(None)
    with pytest.raises(TypeError, match="an executor is None"):
        list(map_unordered(3, _inverse, [1]))


def test_the_analysis_never_imports_dask():
    """Dask is the command line's engine, not the analysis's: importing it (in a fresh process) loads none of it."""
    import subprocess
    import sys

    code = ("import sys, popdyn.analysis, popdyn.analysis.finite_size, popdyn.analysis.mobility_edge, popdyn.analysis.transition, "
            "popdyn.analysis.metallic, popdyn, popdyn.parallel; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]; assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_process_pool_that_forks_is_refused_before_anything_runs():
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from popdyn.errors import ConfigError

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        with pytest.raises(ConfigError, match=r"forks its workers .*get_context\('spawn'\)"):
            map_unordered(pool, divmod, [1], 1)  # refused at the call: no worker was started
        assert not pool._processes
        with pytest.raises(ConfigError, match="forks its workers"):
            map_unordered(pool.map, divmod, [1], 1)
    with pytest.raises(TypeError, match="an executor is None"):
        map_unordered(42, divmod, [1], 1)  # at the call, not at the first item
