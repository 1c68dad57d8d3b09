"""popdyn's version, written in one place: ``version`` in pyproject.toml.

An installed popdyn (a wheel, or ``pip install -e``) reads it from the metadata of its
distribution, ``popdyn-mbl`` (the import name and the command are ``popdyn``); a source checkout
that was never installed reads it from the pyproject.toml beside the package. ``popdyn --version``
adds the commit of a git checkout (``popdyn.provenance.version_line``).
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
