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
