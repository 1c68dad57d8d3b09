"""Numba kernels, one module per model, and the look-up that gives a model its kernels.

A model names its kernel module (``model.kernels``, e.g. ``"popdyn.kernels.baa"``); the module
provides three functions at its top level: ``generation(model, parents, out, key, log_scale)
-> edges`` builds generation n+1 into ``out`` (see ``baa.baa_generation``), ``initial(model,
size, dtype) -> (values, log_scale)`` gives generation 0, and ``path(model, pool_size,
pool_generations, key)`` the walkers' moves of the tilted population (``popdyn.tilted``).
``kernels_for(model)`` imports the module on first use and returns a ``ModelKernels``.
"""

import importlib
from dataclasses import dataclass

#: The functions a kernel module provides.
KERNEL_FUNCTIONS = ("generation", "initial", "path")


@dataclass(frozen=True)
class ModelKernels:
    generation: object
    initial: object
    path: object


def kernels_for(model):
    """The ``ModelKernels`` of a model: the functions of its module ``model.kernels``.

    NotImplementedError when the module or one of its functions is missing (a model declared
    without its kernels); an error inside the module while it loads is raised as it is.
    """
    try:
        module = importlib.import_module(model.kernels)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (model.kernels == exc.name or model.kernels.startswith(exc.name + ".")):
            # a module that the kernel module imports is missing: a broken install, not a model without kernels
            raise
        raise NotImplementedError(f"no kernel module {model.kernels!r} for model {model.name!r}") from None
    missing = [f for f in KERNEL_FUNCTIONS if not hasattr(module, f)]
    if missing:
        raise NotImplementedError(f"kernel module {model.kernels!r} of model {model.name!r} has no "
                                  f"{', '.join(missing)}")
    return ModelKernels(*(getattr(module, f) for f in KERNEL_FUNCTIONS))
