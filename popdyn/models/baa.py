"""The BAA tree model: Eq. 25 of Basko, Aleiner & Altshuler read on a Cayley tree.

Units: the mean level spacing in one localization volume, delta_zeta, is 1. A new sample of
the decay rate Gamma is built from ``k`` decay terms, ``k ~ Poisson(T)`` (or exactly ``T``
terms on the random-regular variant). Term ``j`` has an energy mismatch
``m_j = u1 + u2``, ``u1, u2 ~ U(-1/2, 1/2)`` (rectangular model of V, BAA Sec. 3.1) and three
children ``a, b, c`` (the hole beta and the electrons gamma, delta), each an independent draw
from the previous generation. With ``S_j = Gamma_a + Gamma_b + Gamma_c``:

* ``term``   (Eqs. 26-27): Gamma^(0) = eta, Gamma^(n+1) = sum_j lam^2 / m_j^2 S_j;
* ``linear`` (Eq. 25):    Gamma = eta + sum_j lam^2 / m_j^2 S_j  (partial sums of Eq. 26);
* ``scba``   (Eqs. 18-19): Gamma = eta + sum_j lam^2 S_j / (m_j^2 + S_j^2).

See ``BACKGROUND.md`` section 2 for the derivation of these rules from the paper.
"""

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..errors import ConfigError
from ..results import exp_or_nan
from ._parameters import check_stored_eta, finite_float
from .protocol import Parameter

RECURSIONS = ("term", "linear", "scba")
COORDINATIONS = ("poisson", "fixed")

#: The largest T: the Poisson sampler (``popdyn.rng.poisson``) compares log-probabilities of
#: size T ln T in float64, so its acceptance test errs by about T ln T 2^-53; at T = 2^30 that
#: is 2.5e-6, beyond that the draw stops being exact. Counts also stay far inside int64.
T_MAX = 2.0**30


def smallest_weight(dtype):
    """The smallest lam^2 a population stored as ``dtype`` represents with room to spare.

    A new sample is lam^2 times terms of order 1 (the population is normalized to a geometric
    mean of 1), stored in ``dtype``. Asking lam^2 >= sqrt(tiny) keeps it in the upper half of
    the exponent range: as many decades below it for the population's spread as above.
    float64: lam >= 1.2e-77; float32: lam >= 3.3e-10.
    """
    return math.sqrt(float(np.finfo(dtype).tiny))


def check_tree_parameters(model):
    """Validate and store as floats lam, T, eta, and check recursion and coordination, of a BAA tree model.

    Shared by every model of the BAA tree (the memoryless tree and the tree with energy arguments).
    """
    lam = finite_float("lam", model.lam)
    T = finite_float("T", model.T)
    eta = finite_float("eta", model.eta)
    if not 0.0 < lam < 1.0:
        raise ConfigError(f"lam must lie in (0, 1), got {lam}")
    if T <= 0.0:
        raise ConfigError(f"T must be positive, got {T}")
    if eta <= 0.0:
        raise ConfigError(f"eta must be positive, got {eta}")
    if model.recursion not in RECURSIONS:
        raise ConfigError(f"unknown recursion {model.recursion!r}; choose one of {', '.join(RECURSIONS)}")
    if model.coordination not in COORDINATIONS:
        raise ConfigError(f"unknown coordination {model.coordination!r}; choose one of {', '.join(COORDINATIONS)}")
    if model.coordination == "fixed" and T != round(T):
        raise ConfigError(f"fixed coordination needs an integer T (K = T terms), got {T}")
    object.__setattr__(model, "lam", lam)
    object.__setattr__(model, "T", T)
    object.__setattr__(model, "eta", eta)
    if lam < np.finfo(float).tiny:  # the closed-form spectrum works down to here; a population needs more
        raise ConfigError(f"lam must be a normal double (>= {np.finfo(float).tiny:.3g}), got {lam:g}")


def check_tree_population(model, dtype):
    """ConfigError unless a population of a BAA tree model stored as ``dtype`` keeps its numbers exact.

    T within the Poisson sampler's exact range (``T_MAX``), lam^2 representable with room
    (``smallest_weight``), and a physical eta for SCBA (``check_stored_eta``).
    """
    if model.T > T_MAX:
        raise ConfigError(f"T must be at most 2^30 = {T_MAX:.0f} for a population (the Poisson sampler's exact "
                          f"range), got {model.T:g}")
    if model.lam**2 < smallest_weight(dtype):
        least = math.sqrt(smallest_weight(dtype))
        raise ConfigError(f"lam = {model.lam:g} is too small for {np.dtype(dtype).name} storage (lam^2 underflows): "
                          f"lam >= {least:.2g}")
    check_stored_eta(model, dtype)


@dataclass(frozen=True)
class BAATree:
    """Parameters of the BAA tree model (BAA Eqs. 18-19, 25-27; BACKGROUND section 2).

    Parameters
    ----------
    lam : float
        Dimensionless interaction lambda, 0 < lam < 1; a term's weight is lam^2 / m^2.
    T : float
        Temperature in units of delta_zeta: the mean number of decay terms per sample
        (the coordination T / delta_zeta of the Cayley tree, BAA Sec. 3.2).
    eta : float
        Infinitesimal damping, the source of Eq. 25 and Gamma^(0) of Eq. 26.
    recursion : {"term", "linear", "scba"}
        The n-th order term of Eqs. 26-27, the linear equation 25 with its source, or the
        nonlinear self-consistent Born approximation of Eqs. 18-19.
    coordination : {"poisson", "fixed"}
        ``k ~ Poisson(T)`` terms per sample, or exactly ``K = T`` (random-regular tree; T must
        then be a positive integer).

    Examples
    --------
    >>> from popdyn.models import BAATree
    >>> BAATree(lam=0.01, T=3.3).fields
    ('gamma',)
    """

    lam: float
    T: float
    eta: float = 1.0
    recursion: str = "term"
    coordination: str = "poisson"

    name = "baa"
    fields = ("gamma",)
    title = "BAA tree (Basko, Aleiner & Altshuler Eq. 25)"
    has_quadrature = False  # memoryless: the tilted population is already the sample mean of sum w^beta
    tilt_symmetric = False  # no beta -> 1 - beta symmetry of its ln m
    parameters = (
        Parameter("lam", "float", "Interaction lambda, 0 < lam < 1.", required=True, example=0.01),
        Parameter("T", "float", "Temperature in units of delta_zeta (> 0): the mean number of decay terms per sample.",
                  required=True, example=3.3),
        Parameter("eta", "float", "Damping eta > 0: the source of the linear equation and Gamma^(0). The term "
                  "recursion is linear, so eta only shifts ln Gamma.", default=1.0),
        Parameter("recursion", "choice", "'term': the n-th order term Gamma^(n) (Eqs. 26-27; Gamma^(0) = eta); "
                  "'linear': the linear equation 25 with its source eta; 'scba': the self-consistent Born "
                  "approximation, Eqs. 18-19.", default="term", choices=RECURSIONS),
        Parameter("coordination", "choice", "Decay terms per sample: Poisson(T), or exactly T (random-regular tree; "
                  "T an integer).", default="poisson", choices=COORDINATIONS),
    )
    kernels = "popdyn.kernels.baa"
    variant = None
    transition_parameter = "T"  # the transition Tc(lam) is read off runs across T (``popdyn transition``)

    def __post_init__(self):
        check_tree_parameters(self)

    def label(self):
        """Parameters in a line, for titles and messages."""
        return f"lam={self.lam:g} T={self.T:g} {self.recursion}"

    def run_name(self):
        """The parameters in a default run directory's name."""
        return f"{self.recursion}-lam{self.lam:g}-T{self.T:g}"

    @property
    def linear(self):
        """Whether the recursion is linear in Gamma (its growth is the tree's v); SCBA is not."""
        return self.recursion != "scba"

    def spectrum(self):
        """ln m(beta) in closed form (``popdyn.spectrum.ln_m``; BACKGROUND section 3), for the linear recursions."""
        from ..spectrum import baa_spectrum

        return baa_spectrum(self.lam, self.T) if self.linear else None

    def exact_reference(self):
        """The model's own reference numbers beside the growth: the exact Tc at this lam, and T / Tc."""
        from ..spectrum import critical_temperature

        tc = critical_temperature(self.lam)
        return {"Tc": tc, "T_over_Tc": self.T / tc}

    def exact_transition(self):
        """The exact transition in T at this lam (``popdyn.spectrum.transition``): Tc, beta_c and C2."""
        from ..spectrum import transition

        return transition(self.lam)

    def fit_notes(self, exact, ln_gamma):
        """What a fitting report says about this model: ``exact`` the tree's growth, ``ln_gamma`` {n: ln gamma_n}."""
        notes = []
        if self.recursion == "linear" and exact is not None and exact.v < 0:
            notes.append("the linear equation 25 converges below Tc: its growth tends to 0, not to v")
        if self.recursion == "term" and 1 in ln_gamma:
            ln_ref = math.log(3 * math.pi * self.eta) + 2 * math.log(self.lam * self.T)
            notes.append(f"generation 1: gamma_1 / (3 pi eta (lam T)^2) = {exp_or_nan(ln_gamma[1] - ln_ref):.4f} "
                         "(the large-T limit is 1; the body is not yet Levy at finite T)")
        return notes

    def fixed_point_reference(self, ln_mean, ln_var):
        """The metallic SCBA fixed point against BAA Eq. 20 in this tree: <Gamma> -> pi lam^2 T, Var -> lam^2/6.

        Given ln <Gamma> and ln Var Gamma, the logs of the two ratios, keyed by their names in the summary.
        """
        return {"mean_over_pi_lam2_T": ln_mean - (math.log(math.pi) + 2 * math.log(self.lam) + math.log(self.T)),
                "var_over_lam2_over_6": ln_var - (2 * math.log(self.lam) - math.log(6.0))}

    def check_population(self, dtype):
        """ConfigError unless a population of this model stored as ``dtype`` keeps its numbers exact.

        T must lie within the Poisson sampler's exact range (``T_MAX``; the closed-form
        spectrum has no such limit). lam^2 must be representable with room (``smallest_weight``); SCBA stores physical
        Gamma >= eta, so eta must lie in [sqrt(tiny), sqrt(max)] of ``dtype`` (its square and
        the sums of three never leave the range). The linear recursions store eta only as a
        log-scale, so any positive eta is fine there.
        """
        check_tree_population(self, dtype)

    @property
    def rescaled(self):
        """Whether the population is kept normalized with a tracked log-scale.

        The term and linear recursions grow or shrink exponentially and are homogeneous (up
        to the source, which is rescaled with them); SCBA is nonlinear and bounded, so its
        samples stay physical.
        """
        return self.recursion != "scba"

    @property
    def fixed_terms(self):
        """The number of terms per sample on the fixed-coordination tree, -1 for Poisson."""
        return int(self.T) if self.coordination == "fixed" else -1

    def to_dict(self):
        return {"name": self.name, **asdict(self)}

    def at(self, **changes):
        """The same model with ``changes`` (validated again), e.g. ``model.at(T=2.0)``."""
        return replace(self, **changes)
