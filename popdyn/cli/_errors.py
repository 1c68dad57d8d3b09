"""The library's errors worded for the command line: its options and commands where Python's are named.

The library's exceptions carry their data (a path, the parameter, the run to resume) and a
message for a Python user (``out: ...``, ``popdyn.resume('runs/x')``); here the same data
becomes the line the command line prints (``--out ...``, ``popdyn run --resume runs/x``).
"""

from ..errors import (AnotherSweepError, ClusterOptionsError, NotARunError, NotASweepError, NoTransitionError,
                      OutputDirectoryError, ParameterError, RunCompleteError, RunExistsError, SchedulerError,
                      ThreadsPerWorkerError, TooManyPointsError, UnfinishedError, VariantError, WorkersError)
from ..interrupt import Interrupted


def option(parameter):
    """The option that sets the Python parameter ``parameter`` (``out`` -> ``--out``); an option is itself."""
    return parameter if parameter.startswith("-") else "--" + parameter.replace("_", "-")


def switch_flag(dest):
    """The switch of a model variant whose Python name is ``dest`` (``energy_arguments`` -> ``--energy-arguments``)."""
    from ..models import variants

    return next((cls.variant.flag for cls in variants() if cls.variant.dest == dest), "--" + dest.replace("_", "-"))


def worded(exc):
    """The one line the command line prints for ``exc`` (an error, or a stop's ``Interrupted``), without its prefix."""
    if getattr(exc, "resume_path", None) is not None:
        return f"{exc.situation}continue with: popdyn run --resume {exc.resume_path}"
    if isinstance(exc, RunExistsError):
        if not exc.is_directory:
            return f"{exc.path} exists and is not a directory; choose a new --out"
        resume = f", or continue it with --resume {exc.path}" if exc.resumable else ""
        return f"{exc.path} already exists and is not empty; choose a new --out{resume}"
    if isinstance(exc, RunCompleteError):
        return f"{exc.path or 'the run'} is complete ({exc.generations} generations); ask for more with --generations"
    if isinstance(exc, NotARunError):
        return (f"{exc.path} is a sweep directory (popdyn sweep), not a run directory: its points are the run "
                f"directories {exc.points}/<point-id>; the popdyn sweep command that made it continues it, popdyn "
                "transition and popdyn.load_sweep read it whole")
    if isinstance(exc, TooManyPointsError):
        return f"{exc.head()}, or allow it with --max-points {exc.count} (max_points= in Python)"
    if isinstance(exc, AnotherSweepError):
        return f"{str(exc.path)!r} holds another sweep ({exc.record}); give a new --out or the same spec"
    if isinstance(exc, NotASweepError):
        return f"{exc.path} is {exc.what('popdyn run')}: it has no {exc.record}"
    if isinstance(exc, ThreadsPerWorkerError):
        return f"--threads-per-worker {exc.threads_per_worker} {exc.detail()}"
    if isinstance(exc, WorkersError):
        told = f"--workers {exc.workers}" if exc.given else f"{exc.workers} workers (cores / --threads-per-worker)"
        times = f" x --threads-per-worker {exc.threads_per_worker}" if exc.threads_per_worker is not None else ""
        return f"{told}{times}{exc.detail}"
    if isinstance(exc, SchedulerError):
        return f"--scheduler {repr(exc.address) if exc.quoted else exc.address}{exc.detail}"
    if isinstance(exc, NoTransitionError):
        lo, hi = exc.bracket
        return f"{exc.head()}: no transition in --bracket {lo:g},{hi:g}"
    if isinstance(exc, UnfinishedError):
        remedy = ("the popdyn sweep command that made it finishes it" if exc.point is not None
                  else f"finish it with: popdyn run --resume {exc.path}")
        return f"{exc.head()}: Tc_N is read off finished runs only; {remedy}"
    if isinstance(exc, ClusterOptionsError):
        return "--workers sizes the embedded cluster; a --scheduler's cluster has its own workers"
    if isinstance(exc, VariantError):
        flags = [switch_flag(s) for s in exc.switches]
        if exc.of is not None:
            return (f"{exc.where}{flags[0]} chooses a variant of the {exc.of} model, not of the {exc.model} model "
                    f"(--model {exc.of} {flags[0]})")
        return f"{exc.where}{' and '.join(flags)} choose different variants of the {exc.model} model; give one"
    if isinstance(exc, OutputDirectoryError):
        made = f" (popdyn {exc.made_by})" if exc.made_by else ""
        return f"{option(exc.parameter)} {exc.head}{made}{exc.rest}"
    if isinstance(exc, ParameterError):
        return f"{option(exc.parameter)}{exc.separator}{exc.detail}"
    return exc.message if isinstance(exc, Interrupted) else str(exc)
