"""Command-line options built from the model registry (``popdyn.models.MODELS``).

A model declares its parameters (``Model.parameters``) and, for a variant, the switch that
chooses it (``Model.variant``); the commands that build models get ``--model``, one option per
parameter name over all registered models, and one switch per variant, each help tagged with
the models that take it (``[baa] Interaction lambda ...``). The options are built each time a
command parses its arguments or shows its help, so a model registered later (a test's) is
there too.
"""

import click

from ..errors import ConfigError


class ModelCommand(click.Command):
    """A command whose first options come from ``model_params()``, called each time they are needed.

    Parameters
    ----------
    model_params : callable
        () -> list of click.Parameter, placed before the command's own options.
    """

    def __init__(self, *args, model_params, **kwargs):
        super().__init__(*args, **kwargs)
        self.model_params = model_params

    def get_params(self, ctx):
        dynamic = self.model_params()
        own = super().get_params(ctx)
        clash = {p.name for p in dynamic} & {p.name for p in own}
        if clash:  # a model's parameter named like an option of the command: the model author's error
            raise RuntimeError(f"model parameter {sorted(clash)[0]!r} has the name of an option of popdyn {self.name}")
        return [*dynamic, *own]


def _tag(cls):
    """How a help text names a model: its name, or for a variant its model and switch."""
    return cls.name if cls.variant is None else f"{cls.variant.of} {cls.variant.flag}"


def _tags(classes):
    """The tag of a group of models that share a help text; a variant is covered by its model when that is in the group."""
    names = {cls.name for cls in classes}
    return ", ".join(_tag(cls) for cls in classes if cls.variant is None or cls.variant.of not in names)


def _shown(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def parameter_declarations():
    """{parameter name: [(model class, Parameter), ...]} over the registry, in the order first declared.

    A name declared with two kinds or two spellings is the model author's error (TypeError):
    one option cannot read both.
    """
    from ..models import MODELS

    union = {}
    for cls in MODELS.values():
        for p in cls.parameters:
            union.setdefault(p.name, []).append((cls, p))
    for name, taken in union.items():
        first_cls, first = taken[0]
        for cls, p in taken[1:]:
            if (p.kind, p.flag) != (first.kind, first.flag):
                raise TypeError(f"parameter {name!r} is declared as {first.kind} {first.flag or first.option} by the "
                                f"{first_cls.name} model and as {p.kind} {p.flag or p.option} by the {cls.name} model")
    return union


def _parameter_option(name, taken):
    """One click option for parameter ``name``, taken by the models of ``taken`` [(class, Parameter)]."""
    from ..models import MODELS

    p = taken[0][1]
    groups = {}  # help text -> the models that give it, so that shared texts are written once
    for cls, q in taken:
        groups.setdefault((q.help, q.required), []).append(cls)
    if len(groups) == 1 and len(taken) == len(MODELS):  # every model, one meaning: no tag
        (text, required), = groups
        help_text = text + ("  [required]" if required else "")
    else:
        help_text = " ".join(f"[{_tags(classes)}] {text}" + ("  [required]" if required else "")
                             for (text, required), classes in groups.items())
    defaults = {}
    for cls, q in taken:
        if q.default is not None:
            defaults.setdefault(q.default, []).append(cls)
    common = len(defaults) == 1 and sum(map(len, defaults.values())) == len(taken)
    if common:
        default, show_default = next(iter(defaults)), True
    else:  # each model's own default applies when the option is not given
        default, show_default = None, False
        if defaults:
            help_text += "  [default: " + ", ".join(f"{_shown(d)} for {_tags(classes)}"
                                                    for d, classes in defaults.items()) + "]"
    declared = [p.flag or "--" + name.replace("_", "-"), name]
    if p.kind == "bool":
        if "/" not in declared[0]:
            declared[0] = f"{declared[0]}/--no-{declared[0][2:]}"
        return click.Option(declared, default=default, show_default=show_default, help=help_text)
    if p.kind == "choice":
        choices = list(dict.fromkeys(c for _, q in taken for c in q.choices))
        kind = click.Choice(choices)
    else:
        kind = {"float": float, "int": int}[p.kind]
    return click.Option(declared, type=kind, default=default, show_default=show_default, help=help_text)


def variant_options():
    """A switch for every registered variant model (``--energy-arguments``), tagged with the model it varies."""
    from ..models import variants

    return [click.Option([cls.variant.flag, cls.variant.dest], is_flag=True, default=False,
                         help=f"[{cls.variant.of}] {cls.variant.help}") for cls in variants()]


def model_options():
    """``--model``, the variants' switches and every model parameter: the options of ``popdyn run``."""
    from ..models import MODELS, base_models, default_model

    names = base_models()
    model = click.Option(["--model", "model"], type=click.Choice(names), default=default_model(), show_default=True,
                         help="Physics model: " + "; ".join(f"'{n}', the {MODELS[n].title}" for n in names) + ".")
    return [model, *variant_options(),
            *(_parameter_option(name, taken) for name, taken in parameter_declarations().items())]


def model_option_names():
    """The names of the options ``model_options`` gives (``--resume`` refuses them: config.json fixes them)."""
    from ..models import variants

    return ["model", *(cls.variant.dest for cls in variants()), *parameter_declarations()]


def given(ctx, names):
    """The options among ``names`` that the command line gave (not defaults)."""
    return [n for n in names if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]


def flags(names):
    """Option names as typed: ``--lam, --carry-R``."""
    return ", ".join("--" + name.replace("_", "-") for name in names)


def selection(cls):
    """How the command line chooses a model class: ``--model baa``, ``--model baa --energy-arguments``."""
    return f"--model {cls.name}" if cls.variant is None else f"--model {cls.variant.of} {cls.variant.flag}"


def chosen_class(options):
    """The model class ``--model`` and the variant switches choose (``popdyn.models.model_class``)."""
    from ..models import model_class, variants

    return model_class(options["model"], **{cls.variant.dest: options.get(cls.variant.dest, False)
                                            for cls in variants()})


def model_from_options(ctx, options):
    """The model of a new run from its options; those of another model are refused, naming it.

    ``options`` holds the values of ``model_options()``. Only the parameters given on the command
    line reach the model's constructor: the others take the model's own defaults.
    """
    cls = chosen_class(options)
    own = [p.name for p in cls.parameters]
    typed = set(given(ctx, list(parameter_declarations())))
    foreign = sorted(typed - set(own))
    if foreign:
        raise ConfigError(f"{flags(foreign)} {'is not a parameter' if len(foreign) == 1 else 'are not parameters'} "
                          f"of the {cls.name} model ({selection(cls)})")
    required = [p for p in cls.parameters if p.required]
    if any(p.name not in typed for p in required):
        raise ConfigError(f"a new run of the {cls.name} model needs {' and '.join(p.option for p in required)} "
                          f"(or --resume DIR)")
    return cls(**{name: options[name] for name in own if name in typed})
