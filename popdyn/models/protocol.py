"""What a model is: the members every physics model provides, written down once.

A model is a frozen parameter object (a dataclass, validated on construction) that the rest
of popdyn reads only through the members of ``Model`` below: the engine (``fields``,
``rescaled``, ``check_population``, its kernels), the summaries and reports (``linear``,
``spectrum``, ``exact_reference``, ``fit_notes``, ``fixed_point_reference``), the command line
and sweep specs (``parameters``, ``variant``), and the studies of a transition
(``transition_parameter``, ``exact_transition``, ``at``). Nothing outside a model asks for
its name to learn what it can do, so a new model is its module, its kernel module, one line
of the registry (``popdyn.models.MODELS``), its tests and its docs.

A model names its kernel module (``kernels``) as a string rather than importing it: the
layers are models -> kernels -> engine, and ``popdyn.kernels.kernels_for`` imports the module.
"""

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

#: The kinds of a parameter: how the command line reads it and what the model receives.
KINDS = ("float", "int", "bool", "choice")


@dataclass(frozen=True)
class Parameter:
    """One command-line (and sweep-spec) parameter of a model: an argument of its constructor.

    The command line builds one option per parameter name over all registered models; each
    model's help is tagged with its name (``[baa] Interaction lambda ...``).

    Parameters
    ----------
    name : str
        The constructor argument, the key in ``to_dict()`` and in a sweep spec.
    kind : {"float", "int", "bool", "choice"}
        A number, an integer, a switch, or one of ``choices``.
    help : str
        One or two sentences for ``--help``, without the model's tag.
    default : object
        The constructor's default (shown in ``--help``); None when ``required``.
    required : bool
        A new run of the model needs it.
    choices : tuple of str
        The values of a ``choice`` parameter.
    flag : str or None
        The option's spelling when it is not ``--name`` (``"--carry-R/--drop-R"`` for a switch
        with two names).
    example : object
        A valid value of a required parameter: with the defaults it makes an example model
        (``example_model``), which the tests of every registered model use.
    """

    name: str
    kind: str
    help: str
    default: object = None
    required: bool = False
    choices: tuple = ()
    flag: str = None
    example: object = None

    def __post_init__(self):
        # a malformed declaration is the model author's error: raised when the model module loads
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"parameter {self.name!r}: choices go with kind 'choice', and only with it")
        if self.required and (self.default is not None or self.example is None):
            raise ValueError(f"parameter {self.name!r}: a required parameter has no default, and an example")
        object.__setattr__(self, "choices", tuple(self.choices))

    @property
    def option(self):
        """The option's main spelling, as messages name it: ``--lam``, ``--T``, ``--carry-R``."""
        return (self.flag or "--" + self.name.replace("_", "-")).split("/")[0]


@dataclass(frozen=True)
class Variant:
    """How a model is chosen on the command line as a switch of another: ``--model OF FLAG``.

    ``popdyn run --model baa --energy-arguments`` builds the model that declares
    ``Variant(of="baa", flag="--energy-arguments", help=...)``; the command line adds the switch
    for every registered variant, with this help, tagged ``[baa]``.
    """

    of: str  # the name of the model this one is a variant of
    flag: str  # the switch that selects it, "--energy-arguments"
    help: str  # what the switch does, for --help

    def __post_init__(self):
        if not self.flag.startswith("--") or "/" in self.flag:
            raise ValueError(f"a variant's flag is one switch spelled --name, got {self.flag!r}")

    @property
    def dest(self):
        """The switch as a Python name (and a sweep spec's key): ``energy_arguments``."""
        return self.flag[2:].replace("-", "_")


def example_model(cls):
    """A model of class ``cls`` from the examples of its required parameters (the others at their defaults)."""
    return cls(**{p.name: p.example for p in cls.parameters if p.required})


@runtime_checkable
class Model(Protocol):
    """The members of a model. Class attributes, properties and methods alike; see the module docstring.

    ``isinstance(model, Model)`` checks that every member is present (not their kinds: the
    tests of ``tests/models/test_protocol.py`` do that for every registered model).
    """

    # -- identity and declaration (class attributes)
    name: str  # the registry key: ``--model NAME``, ``"name"`` in ``to_dict()`` and in config.json
    title: str  # a noun phrase for titles and messages: "Anderson model on the Bethe lattice"
    fields: tuple  # the floats every sample carries; the first is always the decay rate "gamma"
    parameters: tuple  # the ``Parameter`` of every constructor argument, in a fixed order
    kernels: str  # dotted name of the kernel module (``generation``, ``initial``, ``path``)
    variant: object  # a ``Variant`` when chosen as a switch of another model, else None
    transition_parameter: object  # the parameter a transition is scanned in ("T"), None when none is read off runs

    # -- what the engine and the summaries ask of an instance
    recursion: str  # which recursion of the model is run ("term" and "linear" are linear in Gamma)
    rescaled: bool  # the population is kept normalized with a tracked log-scale (the linear recursions)
    linear: bool  # the recursion is linear in Gamma: its growth is the tree's v
    has_quadrature: bool  # ``popdyn.tilted.quadrature_growth`` applies
    tilt_symmetric: bool  # lambda(beta) = lambda(1 - beta) for the tilted operator (``popdyn.tilted``)

    def label(self) -> str:
        """The parameters in a line, for titles and messages."""

    def run_name(self) -> str:
        """The parameters in a default run directory's name."""

    def spectrum(self):
        """ln m(beta) as a ``popdyn.spectrum.Spectrum`` in closed form, None when there is none."""

    def exact_reference(self) -> dict:
        """Reference numbers a run's summary sets beside its growth ({} when none), e.g. {"Tc": .., "T_over_Tc": ..}."""

    def exact_transition(self):
        """The exact transition at the model's other parameters (an object with ``.Tc``), None when none is known."""

    def fit_notes(self, exact, ln_gamma) -> list:
        """Lines a fitting report adds: ``exact`` the tree's growth (or None), ``ln_gamma`` {n: ln gamma_n}."""

    def fixed_point_reference(self, ln_mean, ln_var) -> dict:
        """Logs of a nonlinear recursion's fixed point over its closed-form reference, keyed by name ({} when none)."""

    def check_population(self, dtype) -> None:
        """ConfigError unless a population of this model stored as ``dtype`` keeps its numbers exact."""

    def to_dict(self) -> dict:
        """``{"name": name, **parameters}``: JSON-ready, and rebuilt by ``popdyn.models.model_from_dict``."""

    def at(self, **changes):
        """The same model with some parameters changed (validated again): how a study varies one of them."""
