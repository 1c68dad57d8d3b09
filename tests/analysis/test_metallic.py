"""The metallic side of the SCBA recursion against the tree's predictions (BACKGROUND section 2)."""

import math

import numpy as np
import pytest

from popdyn.analysis.metallic import metallic_point
from popdyn.errors import ConfigError


@pytest.mark.slow
def test_deeper_in_the_window_the_predictions_hold_better():
    """lam = 3e-4, T = 6e4 (1/(lam T) = 0.056, 3 pi lam^2 T = 0.051) against lam = 1e-3, T = 3e4
    (0.033 and 0.28). Corrections carry O(1) coefficients: the deep point must sit within twice
    their sum, and closer to the prediction than the shallow point."""
    deep = metallic_point(3e-4, 6e4, size=2000, generations=12, seeds=(1, 2, 3))
    shallow = metallic_point(1e-3, 3e4, size=2000, generations=12, seeds=(1, 2, 3))
    tol = 2 * (deep.upper_correction + deep.lower_correction)
    assert abs(deep.mean_ratio - 1) < tol + 4 * deep.mean_ratio_err
    assert abs(deep.var_ratio - 1) < tol + 4 * deep.var_ratio_err
    assert abs(deep.mean_ratio - 1) < abs(shallow.mean_ratio - 1)


def test_window_edge_point_within_its_corrections():
    """lam = 1e-3, T = 3000, where 1/(lam T) = 0.33: the prototype of BACKGROUND gave 0.92 and 1.08."""
    p = metallic_point(1e-3, 3000.0, size=3000, generations=20, seeds=(1, 2))
    tol = 2 * (p.upper_correction + p.lower_correction)
    assert abs(p.mean_ratio - 1) < tol + 4 * p.mean_ratio_err
    assert abs(p.var_ratio - 1) < tol + 4 * p.var_ratio_err


def test_a_repeated_seed_is_refused():
    """seeds=(1, 1, 2) would average one run twice as two seeds: refused before any run."""
    with pytest.raises(ConfigError, match=r"must differ, got \(1, 1, 2\) \(seed 1 repeated\)"):
        metallic_point(1e-3, 3000.0, size=100, generations=4, seeds=(1, 1, 2))


def test_late_half_mean_is_the_mean_of_gamma_over_the_last_half():
    import popdyn
    from popdyn.analysis.metallic import late_half, late_half_mean, metallic_model

    run = popdyn.run(metallic_model(0.01, 300.0), size=300, generations=9, seed=2, progress=False)
    late = late_half(run)
    assert list(late["n"]) == [5, 6, 7, 8, 9]
    # independent: each generation's <Gamma>, by hand
    assert late_half_mean(run, "ln_mean") == pytest.approx(np.mean([math.exp(v) for v in late["ln_mean"]]), rel=1e-14)
