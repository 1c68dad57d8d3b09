"""popdyn: population dynamics on the Cayley tree of Basko, Aleiner & Altshuler.

>>> import popdyn
>>> model = popdyn.BAATree(lam=0.01, T=3.3)
>>> r = popdyn.run(model, size=1000, generations=5, seed=1, progress=False)
>>> r.table.n.tolist()
[0, 1, 2, 3, 4, 5]
"""

from ._version import __version__

from .errors import ConfigError, RunDirectoryError, StorageError
from .interrupt import Interrupted
from .models import BAATree
from .runs import Run, load, resume, run
from .spectrum import critical_temperature, exact_growth

__all__ = [
    "__version__",
    "BAATree",
    "ConfigError",
    "Interrupted",
    "Run",
    "RunDirectoryError",
    "StorageError",
    "critical_temperature",
    "exact_growth",
    "load",
    "resume",
    "run",
]
