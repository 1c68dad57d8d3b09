"""The model protocol: every registered model provides it, and a new model needs nothing outside its own files.

The second half registers small models inside the tests (a toy branching process with kernels
written in numpy, and a variant of the BAA tree chosen by a switch) and runs them through
``popdyn run``, ``popdyn spectrum`` and the sweep spec parser, with no other change to popdyn.
"""

import dataclasses
import json
import math
import sys
import types

import numpy as np
import pytest

from popdyn import models, sweeps
from popdyn.errors import ConfigError
from popdyn.kernels import ModelKernels, kernels_for
from popdyn.models import (MODELS, BAATree, Model, Parameter, Variant, example_model, model_class, model_from_dict,
                           registry)
from popdyn.spectrum import Spectrum
from tests.helpers import run_main

REGISTERED = sorted(MODELS)


@pytest.mark.parametrize("name", REGISTERED)
def test_every_registered_model_declares_every_member_with_its_kind(name):
    cls = MODELS[name]
    model = example_model(cls)
    assert isinstance(model, Model)
    assert cls.name == name and isinstance(cls.title, str) and cls.title
    assert isinstance(cls.fields, tuple) and cls.fields[0] == "gamma" and all(isinstance(f, str) for f in cls.fields)
    assert isinstance(cls.parameters, tuple) and all(isinstance(p, Parameter) for p in cls.parameters)
    names = [p.name for p in cls.parameters]
    assert len(set(names)) == len(names)
    if dataclasses.is_dataclass(cls):  # the parameters are the constructor's arguments, with its defaults
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert set(names) == set(fields)
        for p in cls.parameters:
            assert (fields[p.name].default is dataclasses.MISSING) == p.required
    for p in cls.parameters:
        if not p.required:
            assert getattr(model, p.name) == p.default, p.name
        if p.kind == "choice":
            assert p.default is None or p.default in p.choices
    assert isinstance(cls.kernels, str)
    assert cls.variant is None or (isinstance(cls.variant, Variant) and MODELS[cls.variant.of].variant is None)
    assert cls.transition_parameter is None or cls.transition_parameter in names
    # what an instance answers
    assert isinstance(model.recursion, str)
    for flag in (model.rescaled, model.linear, model.has_quadrature, model.tilt_symmetric):
        assert isinstance(flag, bool)
    assert isinstance(model.label(), str) and isinstance(model.run_name(), str)
    assert model.spectrum() is None or isinstance(model.spectrum(), Spectrum)
    assert isinstance(model.exact_reference(), dict)
    exact = model.exact_transition()
    assert exact is None or math.isfinite(exact.Tc)
    assert isinstance(model.fit_notes(None, {}), list)
    assert isinstance(model.fixed_point_reference(0.0, 0.0), dict)
    assert model.check_population("float64") is None
    doc = model.to_dict()
    assert doc["name"] == name and set(doc) == {"name", *names}
    assert model_from_dict(json.loads(json.dumps(doc))) == model
    assert model.at() == model
    # its kernels, found through the name it declares
    kernels = kernels_for(model)
    assert isinstance(kernels, ModelKernels)
    assert all(callable(f) for f in (kernels.generation, kernels.initial, kernels.path))
    values, log_scale = kernels.initial(model, 8, "float64")
    assert values.shape == (len(cls.fields), 8) and math.isfinite(log_scale)


def test_the_command_line_reads_every_registered_parameter():
    from popdyn.cli._models import model_options, parameter_declarations
    from popdyn.cli.run import run_command

    declared = parameter_declarations()
    assert set(declared) == {p.name for cls in MODELS.values() for p in cls.parameters}
    options = {o.name: o for o in model_options()}
    assert set(declared) | {"model"} <= set(options)
    # today's spellings and defaults
    assert options["T"].opts == ["--T"] and options["carry_R"].opts == ["--carry-R"]
    assert options["carry_R"].secondary_opts == ["--drop-R"] and options["K"].default == 2
    assert options["eta"].default is None  # baa's 1 and anderson's 1e-6 come from the models
    assert options["model"].default == "baa" == models.default_model()
    assert "[baa] Interaction lambda, 0 < lam < 1.  [required]" == options["lam"].help
    import click

    with click.Context(run_command) as ctx:
        run_command.get_params(ctx)  # no model parameter shadows an option of the command


def test_registry_refuses_two_models_of_one_name():
    with pytest.raises(ValueError, match="two models are named 'baa'"):
        registry(BAATree, BAATree)


def test_a_parameter_declaration_is_checked_when_the_model_loads():
    with pytest.raises(ValueError, match="kind must be one of"):
        Parameter("x", "complex", "x")
    with pytest.raises(ValueError, match="choices go with kind 'choice'"):
        Parameter("x", "choice", "x")
    with pytest.raises(ValueError, match="an example"):
        Parameter("x", "float", "x", required=True)
    with pytest.raises(ValueError, match="one switch spelled --name"):
        Variant("baa", "--on/--off", "x")


def test_a_model_without_its_kernel_module_is_named():
    @dataclasses.dataclass(frozen=True)
    class Orphan(BAATree):
        name = "orphan"
        kernels = "popdyn.kernels.no_such_module"

    with pytest.raises(NotImplementedError, match="no kernel module 'popdyn.kernels.no_such_module' for model 'orphan'"):
        kernels_for(Orphan(lam=0.1, T=1.0))


# -- a new model: its class and its kernels, registered by the test alone


@dataclasses.dataclass(frozen=True)
class Toy:
    """A branching process: a sample is ``a`` times the sum of two random parents, times a U(1/2, 3/2) weight."""

    a: float
    recursion: str = "term"

    name = "toy"
    title = "toy branching process"
    fields = ("gamma",)
    parameters = (Parameter("a", "float", "Weight a > 0 of a parent.", required=True, example=0.7),
                  Parameter("recursion", "choice", "'term': the only one.", default="term", choices=("term",)))
    kernels = "toy_kernels_of_a_test"
    variant = None
    transition_parameter = None
    rescaled = True
    linear = True
    has_quadrature = False
    tilt_symmetric = False

    def __post_init__(self):
        if not self.a > 0:
            raise ConfigError(f"a must be positive, got {self.a}")
        if self.recursion != "term":
            raise ConfigError(f"unknown recursion {self.recursion!r} for the toy model; choose term")

    def label(self):
        return f"a={self.a:g}"

    def run_name(self):
        return f"{self.recursion}-a{self.a:g}"

    def spectrum(self):
        return None

    def exact_reference(self):
        return {}

    def exact_transition(self):
        return None

    def fit_notes(self, exact, ln_gamma):
        return []

    def fixed_point_reference(self, ln_mean, ln_var):
        return {}

    def check_population(self, dtype):
        return None

    def to_dict(self):
        return {"name": self.name, **dataclasses.asdict(self)}

    def at(self, **changes):
        return dataclasses.replace(self, **changes)


def _toy_generation(model, parents, out, key, log_scale):
    rng = np.random.default_rng(int(key))
    n = parents.shape[1]
    pick = rng.integers(n, size=(2, n))
    out[0] = model.a * (parents[0][pick[0]] + parents[0][pick[1]]) * rng.uniform(0.5, 1.5, n)
    return 2 * n


def _toy_initial(model, size, dtype="float64"):
    return np.ones((1, size), dtype=dtype), 0.0


def _toy_path(model, pool_size, pool_generations, key):
    raise NotImplementedError("the toy has no tilted population")


@pytest.fixture
def toy(monkeypatch):
    """The toy model in the registry, and its kernel module where ``Toy.kernels`` says."""
    module = types.ModuleType(Toy.kernels)
    module.generation, module.initial, module.path = _toy_generation, _toy_initial, _toy_path
    monkeypatch.setitem(sys.modules, Toy.kernels, module)
    monkeypatch.setitem(MODELS, Toy.name, Toy)
    return Toy


def test_a_new_model_conforms(toy):
    test_every_registered_model_declares_every_member_with_its_kind("toy")


def test_a_new_model_runs_from_the_command_line_and_resumes(toy, tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, stderr = run_main(capsys, "run", "--model", "toy", "--a", "0.7", "--size", "400", "--generations", "6",
                                    "--out", out, "--no-progress", "--json")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["model"] == {"name": "toy", "a": 0.7, "recursion": "term"} and doc["run"]["status"] == "complete"
    # E ln(a (g1 + g2) u) grows by about ln(2 a) per generation once the population has spread
    assert doc["last_generation"]["mean_ln"] == pytest.approx(6 * math.log(1.4), abs=1.0)
    code, stdout, stderr = run_main(capsys, "run", "--resume", out, "--generations", "8", "--no-progress")
    assert code == 0, stderr
    code, stdout, _ = run_main(capsys, "run", "--help")
    assert "[toy] Weight a > 0 of a parent. [required]" in " ".join(stdout.split())
    assert "'toy', the toy branching process" in " ".join(stdout.split())


@pytest.mark.parametrize("args, message", [
    (["--model", "toy"], "a new run of the toy model needs --a (or --resume DIR)"),
    (["--model", "toy", "--a", "1", "--lam", "0.1"], "--lam is not a parameter of the toy model (--model toy)"),
    (["--lam", "0.1", "--T", "2", "--a", "1"], "--a is not a parameter of the baa model (--model baa)"),
    (["--model", "toy", "--a", "-1"], "a must be positive"),
    (["--model", "toy", "--a", "1", "--recursion", "scba"], "unknown recursion"),
])
def test_a_new_model_is_refused_like_the_others(toy, tmp_path, capsys, args, message):
    code, stdout, stderr = run_main(capsys, "run", *args, "--out", tmp_path / "r", "--no-progress")
    assert code == 2 and stderr.count("\n") == 1 and message in stderr, stderr
    assert not (tmp_path / "r").exists()


def test_a_new_model_is_a_sweep_point(toy, tmp_path):
    points = sweeps.parse_spec({"model": "toy", "a": [0.6, 0.8], "size": 300, "generations": 3, "seed": [1, 2]})
    assert [(p.model, p.seed) for p in points][:2] == [({"name": "toy", "a": 0.6, "recursion": "term"}, 1),
                                                       ({"name": "toy", "a": 0.6, "recursion": "term"}, 2)]
    assert points[0].id.startswith("toy-term-a0.6-N300-s1-")
    assert sweeps.run_point(points[0], tmp_path) == "complete"
    with pytest.raises(ConfigError, match=r"unknown key 'lam' \(the toy model takes a, recursion"):
        sweeps.parse_spec({"model": "toy", "a": 0.6, "lam": 0.1})


# -- a variant: chosen on the command line by a switch of the model it varies


@dataclasses.dataclass(frozen=True)
class Shifted(BAATree):
    """The BAA tree with one more (here unused) parameter, chosen by ``--model baa --shifted``."""

    shift: float = 0.0

    name = "baa-shifted"
    parameters = BAATree.parameters + (Parameter("shift", "float", "An offset of the variant.", default=0.0),)
    variant = Variant(of="baa", flag="--shifted", help="The BAA tree with an offset (a test's variant).")


@pytest.fixture
def shifted(monkeypatch):
    monkeypatch.setitem(MODELS, Shifted.name, Shifted)
    return Shifted


def test_a_variant_conforms_and_is_chosen_by_its_switch(shifted):
    test_every_registered_model_declares_every_member_with_its_kind("baa-shifted")
    assert model_class("baa", shifted=True) is Shifted and model_class("baa") is BAATree
    assert "baa-shifted" not in models.base_models()
    with pytest.raises(ConfigError, match="shifted=True chooses a variant of the baa model, not of the anderson model"):
        model_class("anderson", shifted=True)


def test_a_variant_runs_from_the_command_line(shifted, tmp_path, capsys):
    common = ["--lam", "0.01", "--T", "2", "--size", "300", "--generations", "4", "--no-progress", "--json"]
    code, stdout, stderr = run_main(capsys, "run", "--model", "baa", "--shifted", "--shift", "0.5", *common,
                                    "--out", tmp_path / "v")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["model"]["name"] == "baa-shifted" and doc["model"]["shift"] == 0.5
    # the same kernels as the BAA tree: the same bits
    code, stdout, stderr = run_main(capsys, "run", *common, "--out", tmp_path / "b")
    base = json.loads(stdout)
    assert doc["last_generation"] == base["last_generation"]
    code, _, stderr = run_main(capsys, "run", *common, "--shift", "0.5", "--out", tmp_path / "x")
    assert code == 2 and "--shift is not a parameter of the baa model (--model baa)" in stderr
    code, _, stderr = run_main(capsys, "run", "--model", "anderson", "--W", "10", "--shifted", "--out", tmp_path / "y")
    assert code == 2 and "--shifted chooses a variant of the baa model" in stderr
    code, _, stderr = run_main(capsys, "run", "--resume", tmp_path / "v", "--shifted")
    assert code == 2 and "--shifted cannot be combined with --resume" in stderr
    code, stdout, _ = run_main(capsys, "run", "--help")
    text = " ".join(stdout.split())
    assert "--shifted [baa] The BAA tree with an offset" in text
    assert "[baa --shifted] An offset of the variant." in text
    assert "[baa] Interaction lambda, 0 < lam < 1. [required]" in text  # the variant shares baa's parameters


def test_a_variant_has_the_spectrum_of_its_model(shifted, capsys):
    code, stdout, stderr = run_main(capsys, "spectrum", "--model", "baa", "--shifted", "--lam", "0.01", "--tc", "--json")
    assert code == 0, stderr
    _, base, _ = run_main(capsys, "spectrum", "--lam", "0.01", "--tc", "--json")
    assert stdout == base


def test_a_variant_is_a_sweep_point(shifted):
    point, = sweeps.parse_spec({"model": "baa", "shifted": True, "lam": 0.01, "T": 2.0, "shift": 0.25, "size": 100})
    assert point.model["name"] == "baa-shifted" and point.model["shift"] == 0.25
    with pytest.raises(ConfigError, match="'shifted' must be true or false"):
        sweeps.parse_spec({"model": "baa", "shifted": "yes", "lam": 0.01, "T": 2.0})
    with pytest.raises(ConfigError, match="unknown key 'shift'"):
        sweeps.parse_spec({"model": "baa", "lam": 0.01, "T": 2.0, "shift": 0.25})


def test_a_study_asks_the_model_not_its_name(shifted):
    """A variant with lam and T is studied like the BAA tree (same kernels here: the same numbers)."""
    import popdyn
    from popdyn.analysis.finite_size import finite_population_study
    from popdyn.analysis.metallic import metallic_point
    from popdyn.analysis.transition import transition_from_runs

    def runs(model):
        return [popdyn.run(model.at(T=T), size=400, generations=12, seed=s, progress=False)
                for T in (0.45, 0.55) for s in (1, 2)]

    variant = Shifted(lam=0.1, T=1.0, shift=0.5)
    est, base = transition_from_runs(runs(variant)), transition_from_runs(runs(BAATree(lam=0.1, T=1.0)))
    assert est.Tc == base.Tc and est.exact_Tc == base.exact_Tc == variant.exact_transition().Tc
    assert est.points.equals(base.points)
    with pytest.raises(ValueError, match="must share lam, eta, recursion, coordination, shift and N"):
        transition_from_runs(runs(variant) + runs(variant.at(shift=1.0))[:1])
    with pytest.raises(ValueError, match="are of one model; got baa, baa-shifted"):
        transition_from_runs(runs(variant) + runs(BAATree(lam=0.1, T=1.0)))
    with pytest.raises(ValueError, match="no transition is read off runs of the anderson model"):
        transition_from_runs([popdyn.run(models.AndersonTree(W=15.0), size=100, generations=2, progress=False)])
    study = dict(sizes=(200, 400), ratios=(1.3,), seeds=(1, 2), generations=10)
    assert finite_population_study(0.1, prototype=variant, **study).drop(columns="wall_s", errors="ignore").equals(
        finite_population_study(0.1, **study).drop(columns="wall_s", errors="ignore"))
    point = dict(size=300, generations=6, seeds=(1, 2))
    assert metallic_point(1e-3, 3000.0, prototype=variant, **point) == metallic_point(1e-3, 3000.0, **point)
