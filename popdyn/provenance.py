"""Where a result came from: popdyn's version and commit, the libraries, the machine, the command.

Every record popdyn writes (a run's ``config.json``, a sweep's ``sweep.json``, a figure's
metadata, a study table's rows) takes its provenance from here, so they all name their origin
with the same keys and the same values.
"""

import platform
import subprocess
import sys
from pathlib import Path

from ._version import __version__
from .files import utc_now


def git_commit():
    """The commit of the popdyn checkout that is running, with ``-dirty`` if its code was edited; None outside git.

    Only a checkout counts: the package must be the ``popdyn/`` folder at the top of the git work tree, so
    that an installed popdyn (in a virtual environment that happens to lie inside some repository) names
    no commit.

    Returns
    -------
    str or None
    """
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "--show-toplevel", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        if out.returncode != 0:
            return None
        top, head = out.stdout.split()
        if Path(top).resolve() != here.parent:
            return None
        # docs/ holds outputs (figures, study tables), not code: writing them does not make the code dirty
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--",
                                ":(top,exclude)docs"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    return head + ("-dirty" if dirty.stdout.strip() else "")


def host():
    """The name of this machine, as every popdyn record (provenance, lock files) gives it."""
    return platform.node()


def provenance():
    """Versions, commit, machine and command line behind a result.

    Returns
    -------
    dict
        ``popdyn``, ``git_commit``, ``python``, ``numpy``, ``numba``, ``scipy``, ``pandas``,
        ``platform``, ``host``, ``threads`` (numba's, now), ``created`` (``files.utc_now``) and
        ``command`` (``sys.argv``).
    """
    # imported here: the lock files and the command line's start use ``host`` without the numerical stack
    import numba
    import numpy as np
    import pandas
    import scipy

    return {
        "popdyn": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "platform": platform.platform(),
        "host": host(),
        "threads": numba.get_num_threads(),
        "created": utc_now(),
        "command": sys.argv,
    }


def version_line():
    """What ``popdyn --version`` prints: ``popdyn 0.1.0 (commit abc1234)``; no commit outside a git checkout.

    Returns
    -------
    str
    """
    commit = git_commit()
    if commit is None:
        return f"popdyn {__version__}"
    sha, dirty, _ = commit.partition("-dirty")
    return f"popdyn {__version__} (commit {sha[:7]}{dirty})"
