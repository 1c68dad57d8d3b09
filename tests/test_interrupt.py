"""The interruption contract's bookkeeping, in this process: a signal that a library swallows is not lost."""

import os
import signal

import pytest

import popdyn
from popdyn import interrupt


def test_a_signal_swallowed_by_a_library_still_stops_the_next_run():
    """Cython modules register their types in ``try: ... except: pass`` while they load; a Ctrl-C raised there is
    dropped. ``pending()`` still reports it, so the run that follows stops at generation 0, checkpointed."""
    with interrupt.handled():
        try:  # what such a module does with the Interrupted our handler raises
            os.kill(os.getpid(), signal.SIGINT)
            signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a bytecode boundary: the handler runs here
        except BaseException:  # noqa: B036 (the library's bare except, on purpose)
            pass
        assert interrupt.pending() == signal.SIGINT
        with pytest.raises(popdyn.Interrupted) as stopped:
            popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=1000, generations=5, progress=False)
    assert "stopped after generation 0" in stopped.value.message and stopped.value.run.table["n"].max() == 0
    assert interrupt.pending() is None  # acted on, and the handlers are back as they were


def test_a_wait_in_the_background_has_a_deadline_and_a_signal_cuts_it_short():
    """``in_background``: the result or the error of ``start``; TimeoutError at the deadline; Interrupted at a
    signal, at once. ``start`` runs with both signals blocked (its threads and processes inherit that), and what
    it returns after the wait was given up goes to ``discard``."""
    import threading
    import time

    assert interrupt.in_background(lambda: signal.pthread_sigmask(signal.SIG_BLOCK, []), 5) >= set(interrupt.SIGNALS)
    with pytest.raises(ZeroDivisionError):
        interrupt.in_background(lambda: 1 / 0, 5)
    discarded, release = [], threading.Event()

    def slow():
        release.wait(10)
        return "late"

    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        interrupt.in_background(slow, 0.2, discard=discarded.append)
    assert 0.2 <= time.monotonic() - t0 < 1.0
    release.set()
    deadline = time.monotonic() + 10
    while not discarded and time.monotonic() < deadline:
        time.sleep(0.01)
    assert discarded == ["late"]

    release.clear()
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    t0 = time.monotonic()
    with interrupt.handled(), pytest.raises(popdyn.Interrupted):
        interrupt.in_background(slow, 30)
    assert time.monotonic() - t0 < 1.0
    release.set()


def test_an_interrupted_a_library_drops_stays_pending_and_is_raised_at_the_end():
    """A signal raised as Interrupted where Python cannot raise (a gc callback) is not printed: it stays pending for
    the pollers, the next signal raises again, and the end of ``handled()`` raises it (no silent exit 0)."""
    import gc
    import os
    import signal

    from popdyn import interrupt

    def callback(phase, info):  # as Dask's gc timing did: the signal's handler runs inside it
        if phase == "start":
            gc.callbacks.remove(callback)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(interrupt.Interrupted) as raised:
        with interrupt.handled():
            gc.callbacks.append(callback)
            gc.collect()
            assert interrupt.pending() == signal.SIGINT
    assert raised.value.signum == signal.SIGINT
