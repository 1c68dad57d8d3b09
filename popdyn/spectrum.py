"""The exact tree answer from ln m(beta), for any tree model; the BAA tree's in closed form (BACKGROUND section 3).

For a linear recursion on a tree with independent weights, ln Gamma^(n) grows typically by

    v = min_{0 < beta <= 1} ln m(beta) / beta,   m(beta) = E[ sum_children w^beta ]

per generation (Biggins; Derrida & Spohn, J. Stat. Phys. 51, 817 (1988)). For the BAA tree
(3 children per term, Poisson(T) or T terms, w = lam^2 / m^2 with triangular m):

    ln m(beta) = ln(3T) + 2 beta ln(lam) - ln(1 - 2 beta) - ln(1 - beta),   0 < beta < 1/2,

and m(beta) = inf for beta >= 1/2. The coordination law does not enter: only E[k] = T does.
The paper's Lambda of Eq. 27 follows from gamma_{n+1} / gamma_n -> Lambda^2, so
Lambda = exp(v / 2); the transition Lambda = 1 is v = 0.

Everything here starts from a ``Spectrum`` (ln m and the interval where it is finite), so any
model with a known or estimated ln m plugs in; ``spectrum_of`` gives the BAA tree's.

A finite population of N samples measures less than v: Brunet & Derrida (Phys. Rev. E 56,
2597 (1997)) predict v_N = v - pi^2 beta*^2 v''(beta*) / (2 L^2) with v(beta) = ln m(beta)/beta
and L = ln N, refined to L = ln N + 3 ln ln N by Brunet, Derrida, Mueller & Munier (2006);
at beta*, beta*^2 v''(beta*) = beta* (ln m)''(beta*).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .errors import ConfigError
from .results import json_safe


def ln_m(lam, T, beta):
    """ln m(beta) of the BAA tree model, BACKGROUND section 3 (inf for beta >= 1/2).

    Examples
    --------
    >>> round(float(ln_m(0.01, 3.3, 0.25)), 6)
    0.970779
    """
    beta = np.asarray(beta, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = math.log(3.0 * T) + 2.0 * beta * math.log(lam) - np.log1p(-2.0 * beta) - np.log1p(-beta)
    return np.where(beta < 0.5, value, np.inf)


def _dln_m(lam, beta):
    return 2.0 * math.log(lam) + 2.0 / (1.0 - 2.0 * beta) + 1.0 / (1.0 - beta)


def d2ln_m(beta):
    """(ln m)''(beta) = 4/(1 - 2 beta)^2 + 1/(1 - beta)^2 (independent of lam and T)."""
    return 4.0 / (1.0 - 2.0 * beta) ** 2 + 1.0 / (1.0 - beta) ** 2


@dataclass(frozen=True)
class Spectrum:
    """ln m(beta) of a linear recursion on a tree: the one input of the exact answer.

    Any model plugs in through this: the BAA tree gives it in closed form (``spectrum_of``),
    another model (the Anderson tree of a later issue) may give a closed form or an estimate.

    Attributes
    ----------
    ln_m : callable
        beta -> ln m(beta) = ln E[sum over children of w^beta], vectorized; ln m is convex.
    beta_max : float
        ln m is finite on (0, beta_max) (inf: everywhere); the growth minimizes over
        (0, min(beta_max, 1)].
    dln_m, d2ln_m : callable or None
        Its first and second derivatives; central differences when None.
    beta_min : float
        ln m is known on [beta_min, beta_max), and at beta -> 0 where ``ln_m`` gives a number there
        (a quadrature may not reach the small beta in between; nan: not known, as for an estimate on
        a grid); a growth whose minimizer lies below it is refused, not clipped.
    data_end : bool
        True when beta_max is where the data end (an estimate on a grid of beta), not where ln m
        diverges: ln m is known up to beta_max itself, and a growth whose minimizer lies at or
        beyond it is refused, not read off the edge.
    """

    ln_m: object
    beta_max: float = math.inf
    dln_m: object = None
    d2ln_m: object = None
    beta_min: float = 0.0
    data_end: bool = False

    def derivative(self, beta):
        """(ln m)'(beta): the given derivative, or a difference that stays inside (0, beta_max)."""
        if self.dln_m is not None:
            return float(self.dln_m(beta))
        h = 1e-6 * max(beta, 1e-3)
        lo = beta - h if beta > h else beta
        hi = beta + h if beta + h < self.beta_max else beta
        return float(self.ln_m(hi) - self.ln_m(lo)) / (hi - lo)

    def curvature(self, beta):
        """(ln m)''(beta): the given one, or a second difference that stays inside (0, beta_max)."""
        if self.d2ln_m is not None:
            return float(self.d2ln_m(beta))
        h = 1e-4 * beta
        centre = min(beta, self.beta_max - 1.5 * h)  # one-sided next to the edge
        return float(self.ln_m(centre + h) - 2 * self.ln_m(centre) + self.ln_m(centre - h)) / (h * h)


def baa_spectrum(lam, T):
    """The ``Spectrum`` of the BAA tree: the closed form ``ln_m`` above, finite below beta = 1/2."""
    return Spectrum(ln_m=lambda beta: ln_m(lam, T, beta), beta_max=0.5, dln_m=lambda beta: _dln_m(lam, beta),
                    d2ln_m=d2ln_m)


def spectrum_of(model):
    """The ``Spectrum`` a model gives in closed form (``model.spectrum()``); TypeError when it has none.

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> round(float(spectrum_of(BAATree(lam=0.01, T=3.3)).ln_m(0.25)), 6)
    0.970779
    """
    spectrum = model.spectrum()
    if spectrum is None:
        raise TypeError(f"no closed-form spectrum for the {model.name} model ({model.label()}); estimate it with "
                        "popdyn.tilted.tilted_spectrum")
    return spectrum


def brunet_derrida_L(N, refined=True):
    """The L of the Brunet-Derrida correction pi^2 beta*^2 v'' / (2 L^2): ln N, or ln N + 3 ln ln N.

    nan where L <= 0 (N below 2.17 refined, 1 plain): the asymptotic formula says nothing there.
    """
    N = np.asarray(N, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        L = np.log(N) + (3.0 * np.log(np.log(N)) if refined else 0.0)
    L = np.where(L > 0, L, np.nan)
    return float(L) if L.ndim == 0 else L


@dataclass(frozen=True)
class TreeGrowth:
    """Exact typical growth of a linear recursion on a tree.

    Attributes
    ----------
    v : float
        Growth of ln Gamma^(n) per generation (-inf when m(0) <= 1: the tree dies out).
    beta_star : float
        The minimizer of ln m(beta) / beta, also the tail exponent of the fixed point.
    Lambda : float
        The paper's Lambda = exp(v / 2) (Eq. 27).
    bd_coefficient : float
        beta*^2 v''(beta*) = beta* (ln m)''(beta*), the coefficient of the Brunet-Derrida
        correction (nan when beta* = 1, where that correction does not apply).
    phase : {"metal", "insulator"} (property)
    """

    v: float
    beta_star: float
    Lambda: float
    bd_coefficient: float = math.nan

    @property
    def phase(self):
        return "metal" if self.v > 0 else "insulator"

    def finite_population(self, N, refined=True):
        """The Brunet-Derrida prediction v_N for a population of N (see the module docstring)."""
        L = brunet_derrida_L(N, refined)
        return self.v - math.pi**2 * self.bd_coefficient / (2.0 * L * L)

    def to_dict(self):
        """The growth as JSON-ready Python (null for nan and inf: v = -inf, a tree that dies out, is null)."""
        return json_safe({"v": self.v, "beta_star": self.beta_star, "Lambda": self.Lambda,
                          "bd_coefficient": self.bd_coefficient, "phase": self.phase})

    def summary(self):
        return (f"exact tree: v = {self.v:.6g} per generation, beta* = {self.beta_star:.4f}, "
                f"Lambda = {self.Lambda:.4g} -> {self.phase}")


def typical_growth(spectrum):
    """v = min over 0 < beta <= 1 of ln m(beta) / beta, its minimizer and Lambda = exp(v/2).

    At an interior minimum beta (ln m)'(beta) = ln m(beta); the left side minus the right is
    nondecreasing (its derivative is beta (ln m)'' >= 0), from -ln m(0) at 0, so the root is
    unique; when it does not occur below min(beta_max, 1) the minimum sits at beta = 1 and
    v = ln m(1) (the annealed growth: the population then needs no tail to follow it), or at a
    divergence of ln m at beta_max.

    Raises
    ------
    ConfigError
        When the minimizer lies where the spectrum is not known: at or beyond its beta_max when
        that is the end of its data (``Spectrum.data_end``), or below its ``beta_min``.

    Examples
    --------
    Weights w = exp(mu + sigma z) with z normal and K children: ln m = ln K + beta mu +
    beta^2 sigma^2 / 2, so v = mu + sigma sqrt(2 ln K) when sqrt(2 ln K) < sigma.

    >>> K, mu, sigma = 4, -1.0, 2.0
    >>> g = typical_growth(Spectrum(lambda b: math.log(K) + b * mu + b * b * sigma**2 / 2))
    >>> round(g.v, 6) == round(mu + sigma * math.sqrt(2 * math.log(K)), 6)
    True
    """
    ln_m0 = float(spectrum.ln_m(1e-300))
    if ln_m0 <= 0.0:  # known and <= 0 (nan: ln m is not known near 0, and nothing is concluded from it)
        return TreeGrowth(-math.inf, 0.0, 0.0)
    if math.isnan(ln_m0) and not spectrum.beta_min > 0.0:
        raise ConfigError("ln m(beta) is nan as beta -> 0 and the spectrum gives no beta_min above which it is known")

    def stationarity(beta):
        return beta * spectrum.derivative(beta) - float(spectrum.ln_m(beta))

    if spectrum.beta_max > 1.0:
        edge = 1.0
    elif spectrum.data_end:
        edge = spectrum.beta_max  # the last beta where ln m is known
    else:
        edge = spectrum.beta_max - 1e-15  # ln m is finite up to the edge, not at it
    if not stationarity(edge) > 0.0:  # ln m / beta still falls at the edge: the minimum sits there
        if spectrum.data_end and spectrum.beta_max <= 1.0:
            raise ConfigError(f"the minimizer of ln m(beta) / beta lies at or beyond beta = {spectrum.beta_max:g}, the "
                              "last beta where ln m is known: extend the grid")
        v = float(spectrum.ln_m(edge)) / edge
        return TreeGrowth(v, edge, math.exp(v / 2.0))
    low = max(spectrum.beta_min, 1e-300)
    if spectrum.beta_min > 0.0 and stationarity(low) > 0.0:
        raise ConfigError(f"the minimizer of ln m(beta) / beta lies below beta = {spectrum.beta_min:g}, where this "
                          "spectrum is not known" + ("" if ln_m0 > 0.0 else " (nor whether the tree dies out, "
                                                      "m(0+) <= 1)"))
    beta = brentq(stationarity, low, edge, xtol=1e-16, rtol=1e-15, maxiter=500)
    v = float(spectrum.ln_m(beta)) / beta
    return TreeGrowth(v, beta, math.exp(v / 2.0), beta * spectrum.curvature(beta))


def stationary_tail_exponent(spectrum):
    """kappa of P(Gamma > y) ~ y^-kappa for the linear recursion with a source, in the insulator.

    With a source eta the insulating recursion ``Gamma = eta + sum w Gamma_child`` has a stationary
    law. For beta <= 1, E[Gamma^beta] <= eta^beta + m(beta) E[Gamma^beta] by subadditivity, so every
    moment with m(beta) < 1 is finite; past the larger root of ln m = 0 the moments diverge (one
    dominant path, a product of weights down the tree, suffices). The tail exponent is therefore
    that root, kappa > beta*, where m(kappa) = 1 and m'(kappa) > 0: the implicit renewal theorem
    on weighted branching trees (Jelenkovic & Olvera-Cravioto, Adv. Appl. Probab. 44, 528 (2012)).
    At Tc the two roots meet at beta*, the tail exponent of BACKGROUND section 3. nan where there
    is no such root below min(beta_max, 1): the metal, or a root above 1, where the subadditivity
    argument no longer holds (never for the BAA tree, whose kappa < 1/2, the single weight's own
    tail). A root beyond the end of a spectrum's data (``Spectrum.data_end``) is refused
    (ConfigError), as is a growth ``typical_growth`` refuses.

    Examples
    --------
    >>> s = baa_spectrum(0.01, 1.2)
    >>> kappa = stationary_tail_exponent(s)
    >>> typical_growth(s).beta_star < kappa < 0.5, abs(float(s.ln_m(kappa))) < 1e-12
    (True, True)
    """
    growth = typical_growth(spectrum)
    if not growth.v < 0.0 or growth.v == -math.inf:
        return math.nan
    edge = min(spectrum.beta_max, 1.0)
    diverges = spectrum.beta_max <= 1.0 and not spectrum.data_end  # then ln m may be infinite at beta_max itself
    top = edge - 1e-12 * edge if diverges else edge
    if not float(spectrum.ln_m(top)) > 0.0:
        if spectrum.data_end and spectrum.beta_max <= 1.0:
            raise ConfigError(f"the root of ln m(beta) = 0 above beta* lies at or beyond beta = {spectrum.beta_max:g}, "
                              "the last beta where ln m is known: extend the grid")
        return math.nan
    return brentq(lambda b: float(spectrum.ln_m(b)), growth.beta_star, top, xtol=1e-15, rtol=1e-14, maxiter=500)


def exact_growth(model):
    """The exact typical growth v, beta* and Lambda of a model (``typical_growth`` of ``spectrum_of``).

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> round(exact_growth(BAATree(lam=0.01, T=3.3)).v, 4)
    1.8165
    """
    return typical_growth(spectrum_of(model))


def zero_growth(spectrum_at, lo, hi, rtol=1e-14):
    """The parameter p in (lo, hi) where the typical growth of ``spectrum_at(p)`` vanishes.

    The generic route to a transition (v changes sign on the bracket); the BAA tree has its
    Tc in closed form (``critical_temperature``), which this reproduces. ``rtol``: the relative
    precision of p (loosen it for an estimated spectrum, each evaluation of which is costly).

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> tc = zero_growth(lambda T: spectrum_of(BAATree(lam=0.01, T=T)), 1.0, 3.0)
    >>> abs(tc / critical_temperature(0.01) - 1) < 1e-10
    True
    """
    return brentq(lambda p: typical_growth(spectrum_at(p)).v, lo, hi, xtol=1e-300, rtol=rtol, maxiter=500)


@dataclass(frozen=True)
class Transition:
    """The exact transition of the BAA tree at one lam.

    Attributes
    ----------
    lam, Tc : float
    beta_c : float
        The minimizer of ln m at Tc (0 when lam >= exp(-3/2): the branching threshold).
    C2 : float (property)
        1 / (Tc lam ln(1/lam)), the constant of BAA Eq. 28.
    C2_leading_log : float
        Its leading-log limit 6e; C2 = 6e (1 - 1/ln(1/lam) + ...).
    method : str
        How Tc was computed: "closed form" (the memoryless tree) or a quadrature.
    ln_Tc_error : float
        An upper estimate of the error of ln Tc (0 for the closed form: exact to rounding).
    """

    lam: float
    Tc: float
    beta_c: float
    C2_leading_log: float = 6.0 * math.e
    method: str = "closed form"
    ln_Tc_error: float = 0.0

    @property
    def C2(self):
        return 1.0 / (self.Tc * self.lam * math.log(1.0 / self.lam))

    def to_dict(self):
        """The transition as JSON-ready Python."""
        return json_safe({"lam": self.lam, "Tc": self.Tc, "beta_c": self.beta_c, "C2": self.C2,
                          "C2_leading_log": self.C2_leading_log, "method": self.method,
                          "ln_Tc_error": self.ln_Tc_error})

    def summary(self):
        return (f"exact transition at lam = {self.lam:g}: Tc = {self.Tc:.6g}, beta_c = {self.beta_c:.4f}, "
                f"C2 = {self.C2:.4f} (leading log 6e = {self.C2_leading_log:.4f}; {self.method}"
                + (f", ln Tc to {self.ln_Tc_error:.1g})" if self.ln_Tc_error else ")"))


def _beta_c(lam):
    c = -2.0 * math.log(lam)
    if c <= 3.0:
        return 0.0
    return 2.0 * (c - 3.0) / (3.0 * c - 4.0 + math.sqrt(c * c + 16.0))


def transition(lam):
    """Tc, beta_c and C2 of the BAA tree at ``lam`` (see ``critical_temperature``).

    Examples
    --------
    >>> t = transition(1e-4)
    >>> round(t.Tc, 3), round(t.C2, 4)
    (74.174, 14.6378)
    """
    tc = critical_temperature(lam)
    return Transition(lam, tc, _beta_c(lam))


def critical_temperature(lam):
    """Exact Tc of the BAA tree model: the T at which min_beta ln m(beta) = 0.

    (ln m)' does not depend on T, so the minimizing beta_c solves
    2/(1 - 2b) + 1/(1 - b) = c with c = 2 ln(1/lam), a quadratic whose root in (0, 1/2) is
    b = 2 (c - 3) / (3c - 4 + sqrt(c^2 + 16)); then ln(3 Tc) = c b + ln(1 - 2b) + ln(1 - b).
    For lam >= exp(-3/2), (ln m)' > 0 on (0, 1/2) and Tc = 1/3, the branching threshold.

    Examples
    --------
    >>> round(critical_temperature(0.01), 4)
    1.649
    """
    if not 0.0 < lam < 1.0:
        raise ValueError(f"lam must lie in (0, 1), got {lam}")
    b = _beta_c(lam)
    if b == 0.0:
        return 1.0 / 3.0
    c = -2.0 * math.log(lam)
    return math.exp(c * b + math.log1p(-2.0 * b) + math.log1p(-b)) / 3.0


#: The tilts at which ``exact_answer`` lists ln m(beta), and the population sizes of its Brunet-Derrida column.
ANSWER_BETAS = tuple(round(0.05 * k, 2) for k in range(1, 10))
ANSWER_SIZES = tuple(10**k for k in range(3, 10))


@dataclass(frozen=True)
class ExactAnswer:
    """The converged answer of a tree model at one (lam, T), ``exact_answer``'s result.

    Attributes
    ----------
    lam, T : float
    growth : TreeGrowth
        v, beta*, Lambda and the phase.
    T_over_Tc : float
        T over the exact Tc (nan when the model has none).
    ln_m : dict
        ln m(beta) at ``ANSWER_BETAS``, keyed "0.05", ...
    v_N : dict
        The Brunet-Derrida v_N of a population of N (refined L), keyed "1e3", ... (empty when v = -inf).
    """

    lam: float
    T: float
    growth: TreeGrowth
    T_over_Tc: float
    ln_m: dict
    v_N: dict

    def to_dict(self):
        g = self.growth
        return json_safe({"lam": self.lam, "T": self.T, "v": g.v, "beta_star": g.beta_star, "Lambda": g.Lambda,
                          "phase": g.phase, "T_over_Tc": self.T_over_Tc, "ln_m": self.ln_m,
                          "v_N_brunet_derrida": self.v_N})

    def summary(self):
        g = self.growth
        lines = [f"lam={self.lam:g} T={self.T:g} (T/Tc={self.T_over_Tc:.4g}): v={g.v:.6g} per generation, "
                 f"beta*={g.beta_star:.5f}, Lambda={g.Lambda:.5g} -> {g.phase}",
                 "  ln m(beta): " + "  ".join(f"{b}:{v:.4g}" for b, v in self.ln_m.items())]
        if self.v_N:
            lines.append("  population of N measures about (Brunet-Derrida, ln N + 3 ln ln N): "
                         + "  ".join(f"N={k}:{v:.3f}" for k, v in self.v_N.items()))
        return "\n".join(lines)


def exact_answer(model):
    """The converged answer of ``model``: its typical growth, ln m(beta) and what a population of N measures.

    Parameters
    ----------
    model : a model with a closed-form spectrum (``spectrum_of``)

    Returns
    -------
    ExactAnswer

    Raises
    ------
    popdyn.ConfigError
        The model has no closed-form spectrum.

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> a = exact_answer(BAATree(lam=0.01, T=3.3))
    >>> a.growth.phase, round(a.T_over_Tc, 3)
    ('metal', 2.001)
    """
    try:
        spectrum = spectrum_of(model)
    except TypeError as exc:  # no closed-form spectrum
        raise ConfigError(str(exc)) from None
    g = typical_growth(spectrum)
    exact = model.exact_transition()
    return ExactAnswer(model.lam, model.T, g, model.T / exact.Tc if exact is not None else math.nan,
                       {f"{b:.2f}": float(spectrum.ln_m(b)) for b in ANSWER_BETAS},
                       {f"1e{round(math.log10(N))}": g.finite_population(float(N)) for N in ANSWER_SIZES}
                       if math.isfinite(g.v) else {})


@dataclass(frozen=True)
class ExactAnswers:
    """``exact_answer`` at several lam (or T): one document, one summary."""

    answers: tuple

    def to_dict(self):
        doc = {"answers": [a.to_dict() for a in self.answers]}
        if len(self.answers) == 1:  # schema 1 printed one answer's keys at the top: readable there until 0.3
            doc.update(self.answers[0].to_dict())
        return doc

    def summary(self):
        return "\n".join(a.summary() for a in self.answers)


@dataclass(frozen=True)
class Transitions:
    """The exact transitions of a model at several lam, as the table ``popdyn spectrum --tc`` prints."""

    transitions: tuple
    title: str = "BAA tree"

    def to_dict(self):
        return {"transitions": [t.to_dict() for t in self.transitions]}

    def summary(self):
        rows = [f"{'lam':>10} {'Tc':>14} {'beta_c':>8} {'C2':>9} {'C2/6e':>7} {'err ln Tc':>9}"]
        for t in self.transitions:
            rows.append(f"{t.lam:>10.3g} {t.Tc:>14.10g} {t.beta_c:>8.5f} {t.C2:>9.5f} "
                        f"{t.C2 / t.C2_leading_log:>7.4f} {t.ln_Tc_error:>9.1g}")
        method = self.transitions[0].method
        rows.append(f"{self.title}, Tc by {method}. C2 -> 6e = 16.3097 as lam -> 0"
                    + ("; Tc = 1/3 (branching) for lam >= exp(-3/2)" if method == "closed form" else ""))
        return "\n".join(rows)
