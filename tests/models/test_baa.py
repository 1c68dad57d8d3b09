import math

import pytest

from popdyn.errors import ConfigError
from popdyn.models import BAATree, model_from_dict


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lam": 0.0, "T": 1.0}, "lam must lie in (0, 1)"),
        ({"lam": 1.0, "T": 1.0}, "lam must lie in (0, 1)"),
        ({"lam": -0.1, "T": 1.0}, "lam must lie in (0, 1)"),
        ({"lam": math.nan, "T": 1.0}, "lam must be finite"),
        ({"lam": 0.1, "T": 0.0}, "T must be positive"),
        ({"lam": 0.1, "T": -2.0}, "T must be positive"),
        ({"lam": 0.1, "T": math.inf}, "T must be finite"),
        ({"lam": 0.1, "T": "warm"}, "T must be a number"),
        ({"lam": 0.1, "T": 1.0, "eta": 0.0}, "eta must be positive"),
        ({"lam": 0.1, "T": 1.0, "recursion": "cubic"}, "unknown recursion"),
        ({"lam": 0.1, "T": 1.0, "coordination": "star"}, "unknown coordination"),
        ({"lam": 0.1, "T": 2.5, "coordination": "fixed"}, "integer T"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(params, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BAATree(**params)


def test_model_is_frozen_data_that_round_trips():
    model = BAATree(lam=0.01, T=4, recursion="scba", coordination="fixed")
    assert model.T == 4.0 and model.fixed_terms == 4 and not model.rescaled
    assert model_from_dict(model.to_dict()) == model
    with pytest.raises(AttributeError):
        model.lam = 0.2


def test_unknown_model_name_is_refused():
    with pytest.raises(ConfigError, match="unknown model"):
        model_from_dict({"name": "ising", "lam": 0.1, "T": 1.0})
