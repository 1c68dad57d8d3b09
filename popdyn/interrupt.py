"""The interruption contract: SIGINT and SIGTERM stop work cleanly, never leaving a wrong number.

Inside ``handled()`` (which ``popdyn``'s ``main`` holds for every command) both signals
raise ``Interrupted`` where the program is, like Ctrl-C's KeyboardInterrupt, so a command
that is only reading or fitting stops at once (its outputs are written atomically, whole or
not at all). Inside ``deferred()`` (a run's generation loop) the first signal is only recorded:
the loop polls ``pending()``, finishes the generation it is building, checkpoints, and raises
``Interrupted`` itself with a message that says what was saved. A second signal while the
first is pending raises at once: the current generation is abandoned, and the run directory
still holds the last checkpoint (every file of it is replaced atomically).

The command line holds the handlers for its whole process (``hold``) and ignores both signals
once its work is over (``done``), so that no signal during the exit undoes a clean stop.

No signal is held back for longer than a moment (``hold_back``). A wait on what is outside
the process (a scheduler, worker processes starting, a cluster closing) runs in a thread of
its own with a deadline (``in_background``), so a signal stops the command at once; what such
a wait left running is killed as the command exits (``leave_behind``, ``exit_at_once``).

``Interrupted`` is a ``KeyboardInterrupt``, so no ``except Exception`` on the way up can mistake
a stopped run for a finished one. Its ``exit_status`` is 128 + the signal number: 130 for
SIGINT, 143 for SIGTERM, as shells report them.
"""

import contextlib
import signal
import sys
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """Work stopped by SIGINT or SIGTERM.

    Attributes
    ----------
    signum : int
        The signal that stopped it.
    message : str
        What was saved and how to continue (one line for the user).
    run : popdyn.Run or None
        The run that was stopped, when a run was (its checkpoint is consistent).
    """

    def __init__(self, signum, message=None, run=None):
        self.signum = int(signum)
        self.told = message is not None  # whether some level said what was saved
        self.message = message or f"interrupted by {signal.Signals(self.signum).name}"
        self.run = run
        super().__init__(self.message)

    @property
    def exit_status(self):
        return 128 + self.signum

    def with_message(self, message):
        """The same interruption, told at a higher level (what that level saved)."""
        return Interrupted(self.signum, message, self.run)


class _Signals:
    def __init__(self):
        self.installed = 0
        self.deferring = 0
        self.pending = None
        self.stopping = False  # a stop is under way: further signals change nothing
        self.raised = None  # the signal raised as Interrupted: pending() still says it, should a library swallow it
        self.swallowed = None  # a raised signal a library dropped where Python cannot raise (``_unraisable``)
        self.previous_hook = sys.__unraisablehook__
        self.previous = {}


_signals = _Signals()


def _handler(signum, frame):
    if _signals.stopping:
        return
    if _signals.deferring and _signals.pending is None:
        _signals.pending = signum
        return
    _signals.pending = None
    _signals.stopping = True
    _signals.raised = signum
    raise Interrupted(signum)


def _unraisable(report):
    """``sys.unraisablehook``: an Interrupted dropped where Python cannot raise (a gc callback, a ``__del__``)
    is not printed; it stays ``pending()`` for the next poll, ``_release`` raises it, and the next signal raises
    again (the stop it began never got under way). Anything else goes to the hook that was there before."""
    if isinstance(report.exc_value, Interrupted):
        _signals.stopping = False
        _signals.swallowed = report.exc_value.signum
        return
    _signals.previous_hook(report)


def hold():
    """Install the handlers (main thread only; counted: each ``hold`` is undone by one ``_release``).

    The command line's ``main`` holds them for the whole process and never releases them; see ``done``.
    """
    if threading.current_thread() is threading.main_thread():
        if _signals.installed == 0:
            _signals.previous = {s: signal.signal(s, _handler) for s in SIGNALS}
            _signals.previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
        _signals.installed += 1


def _release():
    """Undo one ``hold``; the last restores the previous handlers and raises a signal left pending."""
    _signals.installed -= 1
    if _signals.installed == 0:
        for s, previous in _signals.previous.items():
            signal.signal(s, previous)
        sys.unraisablehook = _signals.previous_hook
        signum = _signals.pending if _signals.pending is not None else _signals.swallowed
        _signals.pending, _signals.stopping, _signals.raised, _signals.swallowed = None, False, None, None
        if signum is not None:
            raise Interrupted(signum)


def done():
    """The process's work is over (saved, printed): ignore SIGINT and SIGTERM until it exits.

    Without this, the interpreter's shutdown restores the default handlers, and a signal in
    its last milliseconds would turn a clean exit 0 / 130 / 143 into death by signal.
    """
    if threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            signal.signal(s, signal.SIG_IGN)


@contextlib.contextmanager
def handled():
    """Turn SIGINT and SIGTERM into ``Interrupted`` for the duration (main thread only; re-entrant).

    A signal recorded by ``deferred()`` and not yet acted on when the outermost ``handled()``
    ends is raised there, so a process that received one never exits 0 silently.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hold()
    try:
        yield
    finally:
        _release()


@contextlib.contextmanager
def deferred():
    """Record the first SIGINT/SIGTERM instead of raising it (poll ``pending()``); a second one raises."""
    with handled():
        _signals.deferring += 1
        try:
            yield
        finally:
            _signals.deferring -= 1


def hold_back():
    """Block SIGINT and SIGTERM in this thread (and the threads and processes it starts): they wait, pending.

    For moments no handler may interrupt halfway, never a wait on something else: loading the
    command line, creating a thread that must inherit the blocked mask (``in_background``: Dask's
    threads and worker processes then leave both signals to the main thread). Returns the signal
    mask before, for ``let_through``.
    """
    return signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def let_through(mask=None):
    """Put back ``mask`` (from ``hold_back``), or unblock both signals: one that waited is delivered now.

    It reaches the handlers in place there, so call it where an ``Interrupted`` is acted on.
    """
    if mask is None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    else:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _thread(target, name):
    """Start ``target`` in a daemonic thread created with SIGINT and SIGTERM blocked (its threads and processes
    inherit that); a signal that waited meanwhile is acted on here, once it has started."""
    mask = hold_back()
    try:
        threading.Thread(target=target, name=name, daemon=True).start()
    finally:
        let_through(mask)


def in_background(start, seconds, discard=None, name="popdyn-wait"):
    """``start()`` in a thread of its own, waited for here at most ``seconds``, a signal acted on at any moment.

    For waits on what is outside the process (a scheduler to answer, worker processes to start,
    a cluster to close), which libraries do not all bound or let a signal cut short cleanly
    (Dask's handshake waits for ever on a socket that never answers; a Dask start-up cut short
    leaves half a cluster to the interpreter's exit). ``start`` runs with SIGINT and SIGTERM
    blocked, and so do the threads and processes it starts (Dask's event loop, the worker
    processes): the signals come to this thread, whose handlers act at once. They are held
    back only while the thread is created.

    Returns ``start``'s result or raises its exception. ``TimeoutError`` once ``seconds`` have
    passed; ``Interrupted`` on a signal. Either way ``start`` runs on to its end in its thread
    (daemonic: it never delays the exit), and what it still returns goes to ``discard`` there.
    """
    import time

    lock, done, box = threading.Lock(), threading.Event(), {}

    def target():
        try:
            result = start()
        except BaseException as exc:  # noqa: B036 (handed to the waiting thread, which raises it)
            box["error"] = exc
        else:
            with lock:
                abandoned = box.get("abandoned", False)
                if not abandoned:
                    box["result"] = result
            if abandoned and discard is not None:
                discard(result)
        finally:
            done.set()

    deadline = time.monotonic() + seconds
    try:
        _thread(target, name)
        while not done.wait(min(0.1, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"not done within {seconds:g} s")
    except BaseException:
        with lock:
            box["abandoned"] = True
            result, finished = box.get("result"), "result" in box
        if finished and discard is not None:  # it ended in the last moment: not left behind, nor waited for
            _thread(lambda: discard(result), name)
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]


#: How to kill what a wait cut short left running (``leave_behind``), for ``exit_at_once``.
_left_behind = []


def leave_behind(kill):
    """Register ``kill``, which kills what a wait cut short left running (a cluster still starting, or closing).

    The command line then ends with ``exit_at_once`` instead of the interpreter's clean-up.
    """
    _left_behind.append(kill)


def left_behind():
    """Whether some wait cut short left something running (``leave_behind``)."""
    return bool(_left_behind)


def exit_at_once(status):
    """Kill what was left behind, flush stdout and stderr, and end the process with ``status`` now.

    The interpreter's clean-up would race what is still starting: Dask's ``atexit`` closes the
    cluster again and waits for it (up to 10 s), multiprocessing's waits for each worker process
    to heed a SIGTERM that its start-up holds back, and its finalizers remove the semaphores that
    a worker process still starting is about to open (a traceback from that process). Worker
    processes out of reach of ``kill`` end on their own: their pipe to this process closes.
    """
    import os
    import sys

    for kill in _left_behind:
        try:
            kill()
        except Exception:  # noqa: BLE001 (best effort: the exit kills the rest)
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def pending():
    """The signal recorded by ``deferred()`` and not yet acted on, or None.

    Also a signal raised as ``Interrupted`` that some library swallowed: Cython modules register
    their types in ``try: ... except: pass`` while they load, so a Ctrl-C landing there is caught
    and dropped. A run polling ``pending()`` still stops at its next generation.
    """
    return _signals.pending if _signals.pending is not None else _signals.raised


def take_pending():
    """The pending signal, now acted on (cleared; the stop is under way), or None."""
    signum = pending()
    _signals.pending = _signals.raised = _signals.swallowed = None
    if signum is not None:
        _signals.stopping = True
    return signum
