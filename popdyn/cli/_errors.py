"""The library's errors worded for the command line: its options and commands where Python's are named.

The library's exceptions carry their data (a path, the parameter, the run to resume) and a
message for a Python user (``out: ...``, ``popdyn.resume('runs/x')``); here the same data
becomes the line the command line prints (``--out ...``, ``popdyn run --resume runs/x``).
"""

from ..errors import NotARunError, OutputDirectoryError, ParameterError, RunCompleteError, RunExistsError
from ..interrupt import Interrupted


def option(parameter):
    """The option that sets the Python parameter ``parameter`` (``out`` -> ``--out``); an option is itself."""
    return parameter if parameter.startswith("-") else "--" + parameter.replace("_", "-")


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
    if isinstance(exc, OutputDirectoryError):
        made = f" (popdyn {exc.made_by})" if exc.made_by else ""
        return f"{option(exc.parameter)} {exc.head}{made}{exc.rest}"
    if isinstance(exc, ParameterError):
        return f"{option(exc.parameter)}{exc.separator}{exc.detail}"
    return exc.message if isinstance(exc, Interrupted) else str(exc)
