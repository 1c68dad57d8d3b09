"""The Levy fit of Eq. 27 on samples of known law, and generation 1 of the engine against exact theory."""

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import popdyn
from popdyn.analysis.levy import fit_levy, levy_density, levy_scale_interval


def test_density_is_scipy_levy_with_scale_two_gamma():
    x = np.geomspace(1e-3, 1e3, 50)
    assert np.allclose(levy_density(x, 1.7), stats.levy.pdf(x, scale=3.4), rtol=1e-12)


def test_chi2_interval_covers_at_the_nominal_rate():
    replicas, gamma, n = 1000, 2.5, 300
    x = stats.levy.rvs(scale=2 * gamma, size=(replicas, n), random_state=np.random.default_rng(1))
    gamma_hat = n / (2 * np.sum(1 / x, axis=1))
    lo, hi = levy_scale_interval(gamma_hat, n)
    coverage = np.mean((lo <= gamma) & (gamma <= hi))
    assert abs(coverage - 0.95) < 0.025  # 3.6 binomial standard errors at 1000 replicas


def test_bootstrap_pvalues_agree_with_scipy_goodness_of_fit():
    x = stats.levy.rvs(scale=5.0, size=400, random_state=3)
    ours = fit_levy(x, n_bootstrap=999, seed=1)
    for statistic, stat, p in (("ks", ours.ks, ours.ks_pvalue), ("ad", ours.ad, ours.ad_pvalue)):
        ref = stats.goodness_of_fit(stats.levy, x, known_params={"loc": 0}, statistic=statistic, n_mc_samples=999,
                                    rng=2)
        assert stat == pytest.approx(ref.statistic, rel=1e-3)  # scipy fits the scale numerically
        assert abs(p - ref.pvalue) < 4 * math.sqrt(0.25 / 999) * 2


def test_goodness_of_fit_accepts_levy_and_rejects_pareto_at_the_stated_rates():
    rng = np.random.default_rng(4)
    replicas, n, level = 100, 500, 0.05
    levy_rejects = np.mean([min(f.ks_pvalue, f.ad_pvalue) < level / 2 for f in
                            (fit_levy(stats.levy.rvs(scale=2.0, size=n, random_state=rng), n_bootstrap=199, seed=i)
                             for i in range(replicas))])
    pareto_rejects = np.mean([min(f.ks_pvalue, f.ad_pvalue) < level / 2 for f in
                              (fit_levy(rng.pareto(0.4, n) + 1.0, n_bootstrap=199, seed=i) for i in range(replicas))])
    # Bonferroni over the two tests: at most `level` of the Levy samples rejected, up to binomial error
    assert levy_rejects <= level + 3 * math.sqrt(level * (1 - level) / replicas)
    assert pareto_rejects >= 0.95


def _gamma1_mle_limit(lam, T, eta):
    """The T-exact limit of the MLE for generation 1: P(X > 0) / (2 E[1/X; X > 0]).

    X = c sum_{k ~ Poisson(T)} 1/m_k^2, c = 3 eta lam^2, m triangular. With the Laplace transform
    phi(s) = E exp(-s c / m^2) = 2 (I0 - I1), I0 = int_0^1 e^{-a/m^2} dm = e^{-a} - sqrt(pi a) erfc(sqrt a),
    I1 = int_0^1 m e^{-a/m^2} dm = (e^{-a} - a E1(a)) / 2 at a = s c, E[1/X; X > 0] is
    int_0^inf (exp(-T (1 - phi(s))) - exp(-T)) ds.
    """
    c = 3 * eta * lam**2

    def one_minus_phi(s):
        a = s * c
        i0 = math.exp(-a) - math.sqrt(math.pi * a) * special.erfc(math.sqrt(a))
        i1 = 0.5 * (math.exp(-a) - a * special.exp1(a)) if a > 0 else 0.5
        return 1 - 2 * (i0 - i1)

    scale = 1 / (math.pi * c * T**2)  # where the integrand falls off
    f = lambda u: (math.exp(-T * one_minus_phi(u * scale)) - math.exp(-T)) * scale  # noqa: E731
    inv, _ = integrate.quad(f, 0, np.inf, limit=400, epsabs=0, epsrel=1e-10)
    return (1 - math.exp(-T)) / (2 * inv)


@pytest.mark.parametrize("T", [52.0, 96.0])
def test_generation_one_gamma_against_exact_finite_T_theory(T):
    lam, eta, N = 1e-4, 1.0, 200_000
    r = popdyn.run(popdyn.BAATree(lam=lam, T=T, eta=eta), size=N, generations=1, seed=int(T), snapshots=[1],
                   progress=False)
    fit = fit_levy(np.exp(r.snapshot(1)), n_bootstrap=49)
    exact = _gamma1_mle_limit(lam, T, eta)
    assert fit.interval[0] < exact < fit.interval[1]
    # the Levy limit 3 pi eta (lam T)^2 is approached from below: 0.90 and 0.94 of it at T = 52, 96
    ratio = exact / (3 * math.pi * eta * (lam * T) ** 2)
    assert ratio == pytest.approx({52.0: 0.90, 96.0: 0.94}[T], abs=0.01)
