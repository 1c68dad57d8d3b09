"""The offset tree's converged answer: the quadrature of K_beta against closed forms and an independent assembly."""

import math

import numpy as np
import pytest
from scipy import integrate

from popdyn.errors import ConfigError
from popdyn.models.baa_offset import BAAOffsetTree, _discrete_root, _mesh, critical_point, ln_rho
from popdyn.spectrum import critical_temperature, transition, typical_growth


@pytest.mark.parametrize("beta", [0.05, 0.25, 0.45, 0.499])
def test_offsets_reset_to_zero_give_the_memoryless_closed_form(beta):
    """Every child on its own level: rho = E|m|^(-2 beta) = 1 / ((1 - 2 beta)(1 - beta)), and its slope."""
    root = ln_rho(beta, carry_offset=False)
    assert abs(root.ln_rho + math.log((1 - 2 * beta) * (1 - beta))) < 1e-12
    assert root.slope == pytest.approx(2 / (1 - 2 * beta) + 1 / (1 - beta), rel=1e-12)


@pytest.mark.parametrize("lam", [0.01, pytest.param(0.1, marks=pytest.mark.slow),
                                 pytest.param(1e-6, marks=pytest.mark.slow)])
def test_reset_offsets_give_the_memoryless_transition(lam):
    tc, beta_c, _ = critical_point(lam, carry_offset=False)
    assert tc == pytest.approx(critical_temperature(lam), rel=1e-10)
    assert beta_c == pytest.approx(transition(lam).beta_c, abs=1e-9)


def _brute_force_matrix(nodes, beta):
    """A[i, j] = int (p(y - x_i) + p(y + x_i)) phi_j(y) y^(-2 beta) dy by adaptive quadrature, entry by entry.

    Independent of the product-integration assembly (Kn M, Gauss-Legendre and Beta functions): scipy's QAWS
    handles the y^(-2 beta) end point of the first cell, QUADPACK the rest, with the kernel's kinks as break points.
    """
    n = nodes.size
    tri = lambda u: max(0.0, 1.0 - abs(u))  # noqa: E731
    A = np.zeros((n, n))
    for i, x in enumerate(nodes):
        for j in range(n):
            lo, hi = nodes[max(j - 1, 0)], nodes[min(j + 1, n - 1)]

            def hat(y, j=j):
                if y <= nodes[j]:
                    return (y - nodes[j - 1]) / (nodes[j] - nodes[j - 1]) if j > 0 else 1.0
                return (nodes[j + 1] - y) / (nodes[j + 1] - nodes[j])

            f = lambda y: (tri(y - x) + tri(y + x)) * hat(y)  # noqa: E731
            pieces = sorted({lo, hi, *[p for p in (x - 1, x, x + 1, 1 - x) if lo < p < hi]})
            total = 0.0
            for a, b in zip(pieces[:-1], pieces[1:]):
                if a == 0.0:
                    total += integrate.quad(f, a, b, weight="alg", wvar=(-2 * beta, 0.0), epsabs=1e-14)[0]
                else:
                    total += integrate.quad(lambda y: f(y) * y ** (-2 * beta), a, b, epsabs=1e-14, epsrel=1e-12)[0]
            A[i, j] = total
    return A


@pytest.mark.parametrize("beta", [0.2, 0.45])
def test_product_integration_against_a_brute_force_matrix(beta):
    nodes = _mesh(3, 3.0)
    A = _brute_force_matrix(nodes, beta)
    expected = math.log(max(np.linalg.eigvals(A).real))
    assert _discrete_root(3, 3.0, beta, True)[0] == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.45])
def test_mesh_refinement_converges_at_second_order(beta):
    """The error of product integration with linear f on the graded mesh falls like n^-2: differences shrink by 4."""
    values = [_discrete_root(n, 8.0, beta, True)[0] for n in (40, 80, 160)]
    ratio = (values[1] - values[0]) / (values[2] - values[1])
    assert 3.7 < ratio < 4.3


@pytest.mark.parametrize("beta", [0.1, 0.3, 0.45])
def test_hellmann_feynman_slope_against_a_central_difference(beta):
    h = 1e-5
    slope = _discrete_root(40, 8.0, beta, True)[1]
    difference = (_discrete_root(40, 8.0, beta + h, True)[0] - _discrete_root(40, 8.0, beta - h, True)[0]) / (2 * h)
    assert slope == pytest.approx(difference, rel=1e-7)


def test_converged_to_1e_8_with_the_refinement_shown():
    root = ln_rho(0.3)
    assert root.error < 1e-8 and len(root.refinement) == 3
    finer = _discrete_root(800, 8.0, 0.3, True)[0]  # 6401 nodes: beyond the default meshes
    assert abs(finer - root.ln_rho) < abs(root.refinement[-1][1] - root.ln_rho)  # the extrapolation is ahead of 400


def test_the_cut_grows_where_the_eigenfunction_spreads():
    assert ln_rho(0.3).cut == 8.0 and ln_rho(0.02).cut >= 16.0


@pytest.mark.slow
def test_transition_is_where_the_typical_growth_vanishes():
    tc, beta_c, _ = critical_point(0.01)
    growth = typical_growth(BAAOffsetTree(lam=0.01, T=tc).spectrum())
    assert abs(growth.v) < 1e-8 and growth.beta_star == pytest.approx(beta_c, abs=1e-6)
    assert typical_growth(BAAOffsetTree(lam=0.01, T=1.01 * tc).spectrum()).v > 0
    assert typical_growth(BAAOffsetTree(lam=0.01, T=0.99 * tc).spectrum()).v < 0


def test_offsets_lower_m_and_raise_tc():
    """Carrying the offset lowers m(beta) (a non-resonant step hands its children fewer resonances) and raises Tc."""
    for beta in (0.2, 0.3, 0.45):
        assert ln_rho(beta).ln_rho < ln_rho(beta, carry_offset=False).ln_rho
    assert critical_point(0.01)[0] > critical_temperature(0.01)


@pytest.mark.parametrize("field, value", [("cut", 1.0), ("resolution", 0.0), ("spread", 0.01), ("lam", 1.5),
                                          ("carry_offset", "yes"), ("recursion", "cavity")])
def test_bad_parameters_are_one_config_error(field, value):
    with pytest.raises(ConfigError):
        BAAOffsetTree(**{"lam": 0.01, "T": 2.0, field: value})


def test_a_resolution_wider_than_the_design_is_refused():
    """spread = 0.05 and resolution = 0.1 are allowed alone, but the window at offset 0 would hold
    resolution N q(0) = 2N design points: a child drawn from anywhere in the design. (Measured at lam = 0.01,
    T = 3.3, N = 2e4, one seed: v_N = 0.93 at resolution 0.02, 0.92 at 0.1, where the finite-N bias hides it,
    -0.05 at 0.3; exact 1.60.) The bound is 1 / q(0) = spread (1 - exp(-cut/spread)), exactly."""
    widest = 0.5 * -math.expm1(-2.0 / 0.5)  # 0.4908
    BAAOffsetTree(lam=0.01, T=2.0, spread=0.5, cut=2.0, resolution=widest)
    with pytest.raises(ConfigError, match=r"resolution <= spread \(1 - exp\(-cut/spread\)\) = 0.490842"):
        BAAOffsetTree(lam=0.01, T=2.0, spread=0.5, cut=2.0, resolution=widest * (1 + 1e-12))
    with pytest.raises(ConfigError, match="resolution 0.1 is wider than the design of spread 0.05"):
        BAAOffsetTree(lam=0.01, T=2.0, spread=0.05, resolution=0.1)


def test_small_beta_is_refused_not_clipped():
    spectrum = BAAOffsetTree(lam=0.01, T=2.0).spectrum()
    with pytest.raises(ConfigError):
        spectrum.ln_m(0.001)
    assert float(spectrum.ln_m(1e-300)) == pytest.approx(math.log(6.0))  # rho(0) = 1: the exact limit


def test_command_line_runs_the_offset_tree_and_refuses_bad_parameters(capsys, tmp_path):
    from tests.helpers import run_main

    out = tmp_path / "run"
    code, stdout, _ = run_main(capsys, "run", "--model", "baa", "--energy-arguments", "--lam", "0.1", "--T", "0.5",
                               "--size", "2000", "--generations", "6", "--out", out, "--no-progress", "--json")
    assert code in (0, None)
    import json

    summary = json.loads(stdout)
    assert summary["model"]["name"] == "baa-offset" and summary["exact"]["Tc"] == pytest.approx(critical_point(0.1)[0])
    for bad in (["--cut", "1"], ["--resolution", "2"], ["--spread", "0"], ["--spread", "0.05", "--resolution", "0.1"]):
        code, stdout, stderr = run_main(capsys, "run", "--model", "baa", "--energy-arguments", "--lam", "0.1", "--T",
                                        "0.5", *bad, "--out", tmp_path / "bad", "--no-progress")
        assert code == 2 and stderr.count("\n") == 1 and not (tmp_path / "bad").exists()
    code, _, stderr = run_main(capsys, "run", "--model", "anderson", "--W", "10", "--cut", "3", "--out", tmp_path / "x")
    assert code == 2 and "--cut" in stderr


def test_transition_reads_runs_of_the_offset_tree_beside_its_own_tc():
    import popdyn
    from popdyn.analysis.transition import transition_from_runs

    runs = [popdyn.run(BAAOffsetTree(lam=0.01, T=T), size=3000, generations=24, seed=s, progress=False)
            for T in (1.6, 2.2, 2.8) for s in (1, 2)]
    estimate = transition_from_runs(runs, burn_in=8)
    assert estimate.exact_Tc == pytest.approx(critical_point(0.01)[0], rel=1e-12)
    mixed = runs + [popdyn.run(popdyn.BAATree(lam=0.01, T=2.0), size=3000, generations=24, progress=False)]
    with pytest.raises(ValueError):
        transition_from_runs(mixed, burn_in=8)
