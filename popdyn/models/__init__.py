"""Physics models: frozen parameter objects, validated on construction.

Every model provides the members of ``protocol.Model`` (its fields, whether the engine keeps
the first field normalized, its command-line parameters, the name of its kernel module, what
it knows exactly). ``MODELS`` is the registry, one line per model: the command line, sweep
specs and run directories find a model there by its name, and ask it the rest. The kernels
that evolve a model live in ``popdyn.kernels``; models know nothing of them.
"""

from ..errors import ConfigError, VariantError
from .anderson import AndersonTree
from .baa import COORDINATIONS, RECURSIONS, BAATree
from .baa_offset import BAAOffsetTree
from .protocol import Model, Parameter, Variant, example_model


def registry(*classes):
    """The registry of ``classes``: {name: class} in the order given; the first is the command line's default."""
    models = {}
    for cls in classes:
        if cls.name in models:
            raise ValueError(f"two models are named {cls.name!r}")
        models[cls.name] = cls
    return models


MODELS = registry(BAATree, AndersonTree, BAAOffsetTree)


def default_model():
    """The name ``popdyn run`` and a sweep spec use when none is given: the first registered."""
    return next(iter(MODELS))


def base_models():
    """The models ``--model`` chooses among: every registered one that is not a variant of another."""
    return [name for name, cls in MODELS.items() if cls.variant is None]


def variants():
    """Every registered variant model, in registry order."""
    return [cls for cls in MODELS.values() if cls.variant is not None]


def model_class(name, **switches):
    """The class of the model named ``name``, or of its variant whose switch is on (``energy_arguments=True``).

    A switch of another model's variant, or two variants at once, is a ``VariantError`` naming them.

    Examples
    --------
    >>> model_class("baa").__name__
    'BAATree'
    """
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    on = [cls for cls in variants() if switches.get(cls.variant.dest)]
    foreign = [cls for cls in on if cls.variant.of != name]
    if foreign:
        raise VariantError(name, [foreign[0].variant.dest], of=foreign[0].variant.of)
    if len(on) > 1:
        raise VariantError(name, [cls.variant.dest for cls in on])
    return on[0] if on else MODELS[name]


def model_from_dict(data):
    """Rebuild a model from ``model.to_dict()`` (as stored in a run's ``config.json``)."""
    data = dict(data)
    name = data.pop("name", None)
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    cls = MODELS[name]
    declared = [p.name for p in cls.parameters]
    unknown = sorted(set(data) - set(declared), key=str)
    if unknown:
        raise ConfigError(f"the {name} model has no parameter {unknown[0]!r} (it takes {', '.join(declared)})")
    missing = [p.name for p in cls.parameters if p.required and p.name not in data]
    if missing:
        raise ConfigError(f"the {name} model needs {' and '.join(missing)}, which are not given"
                          if len(missing) > 1 else f"the {name} model needs {missing[0]}, which is not given")
    return cls(**data)


__all__ = ["AndersonTree", "BAAOffsetTree", "BAATree", "MODELS", "Model", "Parameter", "Variant", "RECURSIONS",
           "COORDINATIONS", "base_models", "default_model", "example_model", "model_class", "model_from_dict",
           "registry", "variants"]
