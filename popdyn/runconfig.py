"""A run's configuration, ``config.json``: its model, its parameters and where it ran.

``RunConfig`` is what a run directory's ``config.json`` holds, read once into named fields; it
writes back the very same bytes (``to_dict`` gives the same keys in the same order):

    {"format": "popdyn-run", "format_version": 1,
     "model": {...},                                   # model.to_dict()
     "run": {"size", "generations", "seed", "snapshots", "checkpoint_interval", "dtype"},
     "provenance": {...}}                              # popdyn.provenance.provenance()

Checking the values is ``popdyn.runs.validate_config``'s job, on the file's dict, before this is built.
"""

import dataclasses
from dataclasses import dataclass, field

FORMAT = "popdyn-run"
FORMAT_VERSION = 1
#: The run section of config.json, in its order.
RUN_KEYS = ("size", "generations", "seed", "snapshots", "checkpoint_interval", "dtype")
_TOP_KEYS = ("format", "format_version", "model", "run", "provenance")


@dataclass(frozen=True)
class RunConfig:
    """The configuration of one run (frozen: a resume that asks for more generations makes a new one, ``replace``).

    Attributes
    ----------
    model : dict
        The model, as ``model.to_dict()`` (``popdyn.models.model_from_dict`` builds it).
    size, generations, seed : int
        Population size N, generations asked for, seed of every random stream.
    snapshots : tuple of int
        Generations whose samples are kept, in order.
    checkpoint_interval : float
        Seconds between checkpoints.
    dtype : str
        Storage of the population, "float64" or "float32".
    provenance : dict
        Versions, commit, machine and command (``popdyn.provenance.provenance``).
    format, format_version : str, int
        The file's format (``FORMAT``, ``FORMAT_VERSION``).
    extra, run_extra : dict
        Keys of the file, or of its run section, that popdyn does not know (kept, written back after the others).
    """

    model: dict
    size: int
    generations: int
    seed: int
    snapshots: tuple
    checkpoint_interval: float
    dtype: str
    provenance: dict = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    extra: dict = field(default_factory=dict)
    run_extra: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, config):
        """The configuration of a ``config.json`` dict (already checked: ``popdyn.runs.validate_config``)."""
        run = config["run"]
        return cls(model=dict(config["model"]), **{k: run[k] for k in RUN_KEYS if k != "snapshots"},
                   snapshots=tuple(run["snapshots"]), provenance=dict(config.get("provenance", {})),
                   format=config["format"], format_version=config["format_version"],
                   extra={k: v for k, v in config.items() if k not in _TOP_KEYS},
                   run_extra={k: v for k, v in run.items() if k not in RUN_KEYS})

    def parameters(self):
        """The run section of config.json: size, generations, seed, snapshots (a list), checkpoint_interval, dtype."""
        run = {"size": self.size, "generations": self.generations, "seed": self.seed,
               "snapshots": list(self.snapshots), "checkpoint_interval": self.checkpoint_interval, "dtype": self.dtype}
        return {**run, **self.run_extra}

    def to_dict(self):
        """config.json's dict, keys in the file's order (``json.dumps`` of it writes the file's bytes)."""
        return {"format": self.format, "format_version": self.format_version, "model": dict(self.model),
                "run": self.parameters(), "provenance": dict(self.provenance), **self.extra}

    def replace(self, **changes):
        """The same configuration with ``changes`` (``generations=...`` for a run extended)."""
        return dataclasses.replace(self, **changes)

    def __getitem__(self, key):
        """``config["model"]``, ``config["run"]``, ...: config.json's sections, for readers of the dict it was.

        Each call builds a new dict: changing it changes nothing here.
        """
        return self.to_dict()[key]
