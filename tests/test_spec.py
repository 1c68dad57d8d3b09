"""Model parameters are numbers: a string or a boolean is refused by the models themselves (the Python API),
and a stored configuration that lacks one is refused in words."""

import pytest

import popdyn
from popdyn.errors import ConfigError
from popdyn.models import AndersonTree, BAAOffsetTree, BAATree


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
