"""Physics models: frozen parameter objects, validated on construction.

A model declares ``fields`` (the floats every sample carries; the first is always the
decay rate ``gamma``) and ``rescaled`` (whether the engine keeps that first field
normalized and tracks its log-scale). The kernels that evolve a model live in
``popdyn.kernels``; models know nothing of them.
"""

from ..errors import ConfigError
from .anderson import AndersonTree
from .baa import COORDINATIONS, RECURSIONS, BAATree

MODELS = {BAATree.name: BAATree, AndersonTree.name: AndersonTree}


def model_from_dict(data):
    """Rebuild a model from ``model.to_dict()`` (as stored in a run's ``config.json``)."""
    data = dict(data)
    name = data.pop("name", None)
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    try:
        return MODELS[name](**data)
    except TypeError as exc:
        raise ConfigError(f"bad parameters for model {name!r}: {exc}") from None


__all__ = ["AndersonTree", "BAATree", "MODELS", "RECURSIONS", "COORDINATIONS", "model_from_dict"]
