"""popdyn: population dynamics on the Cayley tree of Basko, Aleiner & Altshuler.

>>> import popdyn
>>> model = popdyn.BAATree(lam=0.01, T=3.3)
>>> r = popdyn.run(model, size=1000, generations=5, seed=1, progress=False)
>>> r.table.n.tolist()
[0, 1, 2, 3, 4, 5]

The names below are imported on first use (PEP 562): ``import popdyn`` itself is light, so the
command line holds its signal handlers before numba, scipy and pandas load, and a Ctrl-C at
start-up is one clean line like any other.
"""

import importlib

from ._version import __version__

_WHERE = {
    "BAATree": "models",
    "ConfigError": "errors",
    "Interrupted": "interrupt",
    "Run": "runs",
    "RunDirectoryError": "errors",
    "StorageError": "errors",
    "WorkError": "errors",
    "critical_temperature": "spectrum",
    "exact_growth": "spectrum",
    "load": "runs",
    "load_sweep": "sweeps",
    "resume": "runs",
    "run": "runs",
    "sweep": "sweeps",
}

__all__ = ["__version__", *_WHERE]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    else:  # a submodule, as `popdyn.engine` after `import popdyn`
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError:
            raise AttributeError(f"module 'popdyn' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
