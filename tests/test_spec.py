"""Sweep specs: one typed schema (the models' declared parameters and the run options), points counted before
they are built, a bound on their number; every refusal one line, exit 2, nothing written. No cluster is started."""

import time

import pytest

import popdyn
from popdyn import sweeps
from popdyn.errors import ConfigError
from popdyn.models import AndersonTree, BAAOffsetTree, BAATree
from tests.helpers import run_main

GOOD = 'lam = 0.01\nT = 2.0\nsize = 100\ngenerations = 2\n'

# (the spec, what the one line must say): each a value of the wrong kind, named with its key and its value
WRONG = {
    "string for a float": ('lam = "0.01"\nT = 2.0\n', "'lam' must be a number, got \"0.01\""),
    "boolean for a float": ('lam = 0.01\nT = true\n', "'T' must be a number, got true"),
    "string in a list": ('lam = 0.01\nT = [2.0, "x"]\n', "'T' must be a number, got \"x\" (value 2 of its list)"),
    "boolean in a list": ('lam = [0.01, false]\nT = 2.0\n', "'lam' must be a number, got false (value 2 of its list)"),
    "infinite float": ('lam = 0.01\nT = inf\n', "'T' must be a finite number, got inf"),
    "nan": ('lam = nan\nT = 2.0\n', "'lam' must be a finite number, got nan"),
    "fraction for an int": (GOOD + 'seed = 1.5\n', "'seed' must be an integer, got 1.5"),
    "string for an int": ('lam = 0.01\nT = 2.0\nsize = "100"\n', "'size' must be an integer, got \"100\""),
    "boolean for an int": (GOOD + 'seed = true\n', "'seed' must be an integer, got true"),
    "huge float for an int": ('lam = 0.01\nT = 2.0\nsize = 1e300\n', "'size' must be an integer, got 1e+300"),
    "fraction in generations": ('lam = 0.01\nT = 2.0\ngenerations = [2, 2.5]\n',
                                "'generations' must be an integer, got 2.5 (value 2 of its list)"),
    "snapshot fraction": (GOOD + 'snapshot = [1, 1.5]\n', "'snapshot' must be an integer, got 1.5 (value 2"),
    "snapshot string": (GOOD + 'snapshot = "1"\n', "'snapshot' must be an integer, got \"1\""),
    "dtype unknown": (GOOD + 'dtype = "float16"\n', "'dtype' must be one of float64, float32, got \"float16\""),
    "dtype a number": (GOOD + 'dtype = 64\n', "'dtype' must be a string, got 64"),
    "model a number": (GOOD + 'model = 3\n', "'model' must be a string, got 3"),
    "model unknown": (GOOD + 'model = "nope"\n', "'model' must be one of baa, anderson"),
    "switch a string": (GOOD + 'energy_arguments = "yes"\n', "'energy_arguments' must be true or false, got \"yes\""),
    "choice a number": (GOOD + 'recursion = 3\n', "'recursion' must be a string, got 3"),
    "choice unknown": (GOOD + 'recursion = "nope"\n', "unknown recursion 'nope'"),
    "a table for a float": ('lam = {value = 0.01}\nT = 2.0\n', "'lam' must be a number, got a table"),
    "a date for a float": ('lam = 0.01\nT = 1979-05-27\n', "'T' must be a number, got 1979-05-27 (a date or time)"),
    "int of the anderson model": ('model = "anderson"\nW = 10.0\nK = 2.5\n', "'K' must be an integer, got 2.5"),
    "bool of the anderson model": ('model = "anderson"\nW = 10.0\ncarry_R = 1\n', "'carry_R' must be true or false"),
    "a list in a point table": ('size = 100\n[[point]]\nlam = 0.01\nT = [2.0, 3.0]\n',
                                "[[point]] 1: 'T' takes one value in a [[point]] table, got [2.0, 3.0]"),
    "a string in a point table": ('size = 100\n[[point]]\nlam = "0.01"\nT = 2.0\n',
                                  "[[point]] 1: 'lam' must be a number, got \"0.01\""),
    "unknown key": (GOOD + 'bogus = 1\n', "unknown key 'bogus' (the baa model takes"),
    "unknown key in a point table": ('size = 100\n[[point]]\nlam = 0.01\nT = 2.0\nbogus = 1\n',
                                     "[[point]] 1: unknown key 'bogus'"),
    "another model's key": (GOOD + 'W = 10.0\n', "unknown key 'W' (the baa model takes"),
    "point not tables": (GOOD + 'point = 3\n', "'point' must be an array of tables"),
    # an empty spec, or a point without a required parameter: said in the spec's words
    "empty spec": ('', "sweep spec sets no lam and no T (required by the baa model)"),
    "required missing": ('lam = [0.01, 0.1]\n', "sweep spec sets no T (required by the baa model)"),
    "required missing in a point": ('size = 100\n[[point]]\nmodel = "anderson"\n',
                                    "sweep spec [[point]] 1 sets no W (required by the anderson model)"),
    "a grid list is no table default": ('lam = [0.01, 0.1]\nT = 2.0\n[[point]]\nT = 3.0\n',
                                        "[[point]] 1 sets no lam (required by the baa model); the top-level lam is a "
                                        "list"),
}


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("text, message", WRONG.values(), ids=list(WRONG))
def test_a_value_of_the_wrong_kind_is_one_line_naming_key_and_value(text, message, tmp_path, capsys):
    (tmp_path / "spec.toml").write_text(text)
    before = _listing(tmp_path)
    code, stdout, stderr = run_main(capsys, "sweep", tmp_path / "spec.toml", "--out", tmp_path / "out")
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert message in stderr, stderr
    assert "__init__" not in stderr and "positional" not in stderr and "Traceback" not in stderr
    assert _listing(tmp_path) == before


def test_integral_floats_are_integers_and_ints_are_floats():
    """1e3 is the integer 1000 and T = 2 the number 2.0: the same points, the same ids, as written otherwise."""
    a = sweeps.parse_spec({"lam": 0.01, "T": 2, "size": 1e3, "generations": 2.0, "seed": [1, 1.0]})
    b = sweeps.parse_spec({"lam": 0.01, "T": 2.0, "size": 1000, "generations": 2, "seed": 1})
    assert [p.id for p in a] == [p.id for p in b] and len(a) == 1


@pytest.mark.parametrize("value", ["0.01", True, b"0.01", None])
def test_the_python_api_refuses_what_is_not_a_number(value):
    for build in (lambda v: BAATree(lam=v, T=2.0), lambda v: BAATree(lam=0.01, T=v),
                  lambda v: AndersonTree(W=v), lambda v: BAAOffsetTree(lam=0.01, T=2.0, cut=v)):
        with pytest.raises(ConfigError, match="must be a number"):
            build(value)


def test_numbers_of_any_type_are_still_numbers():
    import numpy as np

    assert BAATree(lam=np.float32(0.5), T=np.int64(3)).T == 3.0
    assert BAATree(lam=1 / 4, T=2).lam == 0.25


def test_a_stored_configuration_without_a_parameter_is_refused_in_words(tmp_path):
    import json

    out = tmp_path / "r"
    popdyn.run(BAATree(lam=0.01, T=2.0), size=100, generations=2, out=out, progress=False)
    config = json.loads((out / "config.json").read_text())
    del config["model"]["lam"]
    (out / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError, match="the baa model needs lam, which is not given") as info:
        popdyn.load(out)
    assert "__init__" not in str(info.value)
    config["model"].update(lam=0.01, bogus=1)
    (out / "config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError, match="the baa model has no parameter 'bogus'"):
        popdyn.load(out)


# -- the size of a spec: counted before any point is built


def _million_spec(T=2000, seeds=1000):
    return {"lam": 0.01, "T": [1.0 + 0.001 * k for k in range(T)], "seed": list(range(seeds)), "size": 1000,
            "generations": 10}


def test_points_and_work_are_counted_without_building_a_point(monkeypatch):
    def no_point(*_):
        raise AssertionError("a point was built")

    monkeypatch.setattr(sweeps, "_point", no_point)
    t0 = time.perf_counter()
    spec = sweeps.Spec.parse(_million_spec())
    assert spec.count == 2_000_000 and spec.work == 2_000_000 * 1000 * 10
    assert time.perf_counter() - t0 < 5
    with pytest.raises(ConfigError, match=r"expands to 2,000,000 points, 2.00e\+10 sample-generations .* "
                                          r"max_points=2000000"):
        spec.check_size()


def test_counts_add_grid_and_tables_and_sum_the_work():
    spec = sweeps.Spec.parse({"lam": 0.01, "T": [2.0, 2, 3.0], "size": [100, 200], "generations": [3, 4],
                              "seed": [1, 2]})
    assert spec.count == 2 * 2 * 2 * 2 and spec.work == (100 + 200) * (3 + 4) * 2 * 2  # T = 2 and 2.0: one point
    assert len(spec.points()) == spec.count
    tables = sweeps.Spec.parse({"lam": 0.01, "T": 3.0, "size": 100, "point": [{"T": 1.0}, {"T": 2.0, "size": 50}]})
    assert tables.count == 2 and tables.work == 100 * 50 + 50 * 50 and len(tables.points()) == 2
    assert tables.size_line() == "2 points, 7,500 sample-generations"


def test_the_bound_and_its_override_in_python():
    spec = {"lam": 0.01, "T": [2.0, 3.0, 4.0], "size": 100, "generations": 2}
    with pytest.raises(ConfigError, match="expands to 3 points"):
        sweeps.parse_spec(spec, max_points=2)
    assert len(sweeps.parse_spec(spec, max_points=3)) == 3
    assert len(sweeps.parse_spec(spec, max_points=None)) == 3
    assert sweeps.MAX_POINTS == 10_000


def test_a_spec_beyond_the_bound_is_refused_at_once_naming_its_size(tmp_path, capsys):
    spec = _million_spec()
    (tmp_path / "big.toml").write_text("".join(f"{k} = {v!r}\n" for k, v in spec.items()))
    before = _listing(tmp_path)
    t0 = time.perf_counter()
    code, stdout, stderr = run_main(capsys, "sweep", tmp_path / "big.toml", "--out", tmp_path / "out")
    assert time.perf_counter() - t0 < 10
    assert code == 2 and stdout == "" and stderr.count("\n") == 1, stderr
    assert "2,000,000 points" in stderr and "sample-generations" in stderr and "--max-points 2000000" in stderr
    assert _listing(tmp_path) == before
    # the override is the option; one below the spec's size is still refused
    code, _, stderr = run_main(capsys, "sweep", tmp_path / "big.toml", "--out", tmp_path / "out", "--max-points",
                               "1999999")
    assert code == 2 and "--max-points 2000000" in stderr
    assert _listing(tmp_path) == before


def test_the_override_lets_a_spec_beyond_the_default_through(tmp_path, capsys, monkeypatch):
    """--max-points raises the bound (shown with a small bound: the default's points would take minutes)."""
    monkeypatch.setattr(sweeps, "MAX_POINTS", 2)
    (tmp_path / "spec.toml").write_text('lam = 0.01\nT = [2.0, 3.0, 4.0]\nsize = 100\ngenerations = 2\n')
    code, _, stderr = run_main(capsys, "sweep", tmp_path / "spec.toml", "--out", tmp_path / "out")
    assert code == 2 and "beyond the 2 points" in stderr and not (tmp_path / "out").exists()
    code, stdout, stderr = run_main(capsys, "sweep", tmp_path / "spec.toml", "--out", tmp_path / "out",
                                    "--max-points", "3", "--workers", "1", "--progress")
    assert code == 0, stderr
    assert "3 done" in stdout and "sweep: 3 points, 600 sample-generations into" in stderr
