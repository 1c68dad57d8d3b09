"""Numba kernels, one family per model, and the table that dispatches a model to them.

Each entry gives two functions: ``generation(model, parents, out, key, log_scale) -> edges``
builds generation n+1 into ``out`` (see ``baa.baa_generation``), and
``initial(model, size) -> (values, log_scale)`` gives generation 0.
"""

from .baa import baa_generation, baa_initial

_KERNELS = {"baa": (baa_generation, baa_initial)}


def kernels_for(model):
    """The ``(generation, initial)`` pair of a model."""
    try:
        return _KERNELS[model.name]
    except KeyError:
        raise NotImplementedError(f"no kernel for model {model.name!r}") from None
