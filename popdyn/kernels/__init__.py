"""Numba kernels, one family per model, and the table that gives a model its kernels.

``kernels_for(model)`` returns a ``ModelKernels``: ``generation(model, parents, out, key,
log_scale) -> edges`` builds generation n+1 into ``out`` (see ``baa.baa_generation``),
``initial(model, size, dtype) -> (values, log_scale)`` gives generation 0, and
``path(model, pool_size, pool_generations, key)`` the walkers' moves of the tilted
population (``popdyn.tilted``).
"""

from dataclasses import dataclass

from . import anderson, baa


@dataclass(frozen=True)
class ModelKernels:
    generation: object
    initial: object
    path: object


_KERNELS = {
    "baa": ModelKernels(baa.baa_generation, baa.baa_initial, baa.baa_path),
    "anderson": ModelKernels(anderson.anderson_generation, anderson.anderson_initial, anderson.anderson_path),
}


def kernels_for(model):
    """The ``ModelKernels`` of a model."""
    try:
        return _KERNELS[model.name]
    except KeyError:
        raise NotImplementedError(f"no kernel for model {model.name!r}") from None
