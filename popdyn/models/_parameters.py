"""Checks every model's parameters share: one line for the user, as a ConfigError."""

import math

import numpy as np

from ..errors import ConfigError


def finite_float(name, value):
    """``value`` as a finite float, or a ConfigError naming ``name``.

    A number only: ``float`` would also read the string "0.01" and the boolean True, which are
    a value of another kind given by mistake (a quoted number, a switch), not a number.
    """
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise ConfigError(f"{name} must be a number, got {value!r} ({_kind(value)})")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be finite, got {value}")
    return value


def _kind(value):
    return "a boolean" if isinstance(value, (bool, np.bool_)) else "a string"


def check_stored_eta(model, dtype):
    """A nonlinear recursion stores physical Gamma >= eta: eta must lie in [sqrt(tiny), sqrt(max)] of ``dtype``.

    Then its square and sums of a few never leave the range. A rescaled (linear) recursion stores
    eta only as a log-scale, so any positive eta is fine there.
    """
    info = np.finfo(dtype)
    low, high = math.sqrt(float(info.tiny)), math.sqrt(float(info.max))
    if not model.rescaled and not low <= model.eta <= high:
        raise ConfigError(f"eta must lie in [{low:.2g}, {high:.2g}] for the {model.recursion} recursion stored as "
                          f"{np.dtype(dtype).name}, got {model.eta:g}")
