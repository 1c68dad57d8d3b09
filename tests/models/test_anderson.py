"""The Anderson model's parameters: validation, the closed form of the imaginary approximation."""

import math

import pytest
from scipy import integrate

from popdyn.errors import ConfigError
from popdyn.models import AndersonTree, model_from_dict


@pytest.mark.parametrize("kwargs, message", [
    ({"W": 0.0}, "W must lie in"), ({"W": math.nan}, "W must be finite"), ({"W": 5, "K": 1}, "K must lie"),
    ({"W": 5, "K": 2.5}, "K must be an integer"), ({"W": 5, "K": True}, "K must be an integer"),
    ({"W": 5, "eta": -1}, "eta must be positive"), ({"W": 5, "recursion": "scba"}, "unknown recursion"),
    ({"W": 5, "disorder": "lorentz"}, "unknown disorder"), ({"W": 5, "carry_R": "yes"}, "carry_R must be"),
])
def test_bad_parameters_are_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        AndersonTree(**kwargs)


def test_round_trip_through_the_run_configuration():
    model = AndersonTree(W=17.5, K=3, E=0.25, eta=1e-4, recursion="cavity", disorder="gaussian", carry_R=False)
    assert model_from_dict(model.to_dict()) == model


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.45])
def test_imaginary_approximation_against_quadrature(beta):
    W = 14.0
    integral, _ = integrate.quad(lambda e: abs(e) ** (-2 * beta) / W, -W / 2, W / 2, points=[0.0], limit=200)
    assert math.isclose(float(AndersonTree(W=W).imaginary_approximation(beta)), 2 * integral, rel_tol=1e-8)


def test_range_of_r_just_outside_the_band_edge():
    """At E = nextafter(band edge) the square root's argument can round below 0 (reported by a review)."""
    model = AndersonTree(W=11.839082672130054, K=278, E=39.26620533713116)
    low, high = model.range_of_R()
    assert math.isfinite(low) and math.isfinite(high) and low <= high
