"""popdyn's version, written in one place: ``version`` in pyproject.toml.

An installed popdyn (a wheel, or ``pip install -e``) reads it from the metadata of its
distribution, ``popdyn-mbl`` (the import name and the command are ``popdyn``); a source checkout
that was never installed reads it from the pyproject.toml beside the package. ``popdyn --version``
adds the commit of a git checkout (``version_line``).
"""

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: The name of popdyn's distribution on the package index.
DISTRIBUTION = "popdyn-mbl"


def _from_pyproject():
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        found = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(), re.MULTILINE)
    except OSError:
        found = None
    return found.group(1) if found else "0+unknown"


try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # a source checkout, not installed
    __version__ = _from_pyproject()


def version_line():
    """What ``popdyn --version`` prints: ``popdyn 0.1.0 (commit abc1234)``; no commit outside a git checkout.

    Returns
    -------
    str
    """
    from .provenance import git_commit

    commit = git_commit()
    if commit is None:
        return f"popdyn {__version__}"
    sha, dirty, _ = commit.partition("-dirty")
    return f"popdyn {__version__} (commit {sha[:7]}{dirty})"
