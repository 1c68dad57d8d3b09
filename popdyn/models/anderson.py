"""The Anderson model on the Bethe lattice: the validation model (Abou-Chacra, Anderson & Thouless 1973).

Branching K, hopping t = 1, on-site energies eps of width W, energy E (BACKGROUND section 2).
The cavity self-energy of a node with children j,

    S_i = sum_{j=1..K} 1 / (E + i eta - eps_j - S_j),      S = R - i Gamma,

is, linearized in Gamma with the real part R carried along,

    R_i = sum_j 1 / a_j,   Gamma_i = sum_j (eta + Gamma_j) / a_j^2,   a_j = E - eps_j - R_j.

Recursions: ``term`` (the n-th order in eta: no source, Gamma^(0) = eta), ``linear`` (with
the source eta), ``cavity`` (the complex equation at finite eta, not linearized). The
localization transition is K lambda(1/2) = 1 for the largest eigenvalue lambda(beta) of the
beta-tilted linear operator (``popdyn.tilted``); at K = 2, E = 0, box disorder it lies at
W_c = 18.17 +- 0.01 (Tikhonov & Mirlin 2019; Parisi et al. 2019).
"""

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..errors import ConfigError
from ._parameters import check_stored_eta, finite_float
from .protocol import Parameter

RECURSIONS = ("term", "linear", "cavity")
#: Disorder laws of eps: box U(-W/2, W/2); Gaussian of the same variance W^2/12; Cauchy of half-width W/2.
DISORDERS = ("box", "gaussian", "cauchy")
#: The largest branching: a node's K children are drawn one by one.
K_MAX = 1024
#: The widest range of W and |E|: with |a| = |E - eps - R| below about 2e150, every weight 1/a^2 of the
#: recursion and |a|^(-2 beta) of the tilted operator is a normal double (above 1e-300).
SCALE_MAX = 1e150


@dataclass(frozen=True)
class AndersonTree:
    """Parameters of the Anderson model on the Bethe lattice (AAT 1973; BACKGROUND section 2).

    Parameters
    ----------
    W : float
        Disorder strength, 1e-150 <= W <= 1e150 (box: eps ~ U(-W/2, W/2)).
    K : int
        Branching number (children per node), 2 <= K <= 1024; the connectivity is K + 1.
    E : float
        Energy, |E| <= 1e150.
    eta : float
        Infinitesimal imaginary part of the energy: the source of the linear recursion.
    recursion : {"term", "linear", "cavity"}
    disorder : {"box", "gaussian", "cauchy"}
    carry_R : bool
        False drops R from every denominator (a = E - eps): the "imaginary approximation",
        whose tilted eigenvalue has a closed form (``imaginary_approximation``), a test.

    Examples
    --------
    >>> AndersonTree(W=18.17).fields
    ('gamma', 'R')
    """

    W: float
    K: int = 2
    E: float = 0.0
    eta: float = 1e-6
    recursion: str = "linear"
    disorder: str = "box"
    carry_R: bool = True

    name = "anderson"
    fields = ("gamma", "R")
    title = "Anderson model on the Bethe lattice"
    parameters = (
        Parameter("W", "float", "Disorder strength, 1e-150 <= W <= 1e150.", required=True, example=15.0),
        Parameter("K", "int", f"Branching number, 2..{K_MAX}.", default=2),
        Parameter("E", "float", "Energy, |E| <= 1e150.", default=0.0),
        Parameter("eta", "float", "Imaginary part eta > 0 of the energy: the source of the linear recursion and "
                  "Gamma^(0).", default=1e-6),
        Parameter("recursion", "choice", "'term': the n-th order in eta (Gamma^(0) = eta); 'linear': Gamma "
                  "linearized, R carried, with the source eta; 'cavity': the complex cavity equation at finite eta.",
                  default="linear", choices=RECURSIONS),
        Parameter("disorder", "choice", "On-site energies: box U(-W/2, W/2), Gaussian of the same variance, Cauchy "
                  "of half-width W/2.", default="box", choices=DISORDERS),
        Parameter("carry_R", "bool", "--drop-R removes R from the denominators (the imaginary approximation).",
                  default=True, flag="--carry-R/--drop-R"),
    )
    kernels = "popdyn.kernels.anderson"
    variant = None
    # its transition (W_c, where K lambda(1/2) = 1) comes from the tilted operator (``popdyn spectrum --wc``),
    # not from runs across a parameter
    transition_parameter = None

    def __post_init__(self):
        W = finite_float("W", self.W)
        E = finite_float("E", self.E)
        eta = finite_float("eta", self.eta)
        K = self.K
        if isinstance(K, bool) or not isinstance(K, (int, float, np.integer)) or not float(K).is_integer():
            raise ConfigError(f"K must be an integer, got {K!r}")
        K = int(K)
        if not 2 <= K <= K_MAX:
            raise ConfigError(f"K must lie in [2, {K_MAX}], got {K}")
        if not 1.0 / SCALE_MAX <= W <= SCALE_MAX:
            raise ConfigError(f"W must lie in [{1.0 / SCALE_MAX:g}, {SCALE_MAX:g}] (the weights 1/a^2 stay normal "
                              f"doubles), got {W:g}")
        if abs(E) > SCALE_MAX:
            raise ConfigError(f"|E| must be at most {SCALE_MAX:g} (the weights 1/a^2 stay normal doubles), got {E:g}")
        if eta <= 0.0:
            raise ConfigError(f"eta must be positive, got {eta}")
        if self.recursion not in RECURSIONS:
            raise ConfigError(f"unknown recursion {self.recursion!r} for the anderson model; choose one of "
                              f"{', '.join(RECURSIONS)}")
        if self.disorder not in DISORDERS:
            raise ConfigError(f"unknown disorder {self.disorder!r}; choose one of {', '.join(DISORDERS)}")
        if not isinstance(self.carry_R, (bool, np.bool_)):
            raise ConfigError(f"carry_R must be true or false, got {self.carry_R!r}")
        for name, value in (("W", W), ("K", K), ("E", E), ("eta", eta), ("carry_R", bool(self.carry_R))):
            object.__setattr__(self, name, value)

    @property
    def rescaled(self):
        """The linear recursions are kept normalized (Gamma grows or shrinks exponentially); ``cavity`` is physical."""
        return self.recursion != "cavity"

    @property
    def law(self):
        """The disorder law's code for the kernels (its index in ``DISORDERS``)."""
        return DISORDERS.index(self.disorder)

    def check_population(self, dtype):
        """ConfigError unless a population stored as ``dtype`` keeps this model's numbers exact.

        The cavity recursion stores physical Gamma >= eta, so eta must lie in [sqrt(tiny),
        sqrt(max)] of ``dtype``; the linear ones store eta only as a log-scale.
        """
        check_stored_eta(self, dtype)

    @property
    def has_quadrature(self):
        """Whether ``popdyn.tilted.quadrature_growth`` applies: box disorder, R carried (a 1-D kernel)."""
        return self.disorder == "box" and self.carry_R

    def band_edge(self):
        """The edge of the spectrum, W/2 + 2 sqrt(K) for box disorder (inf for the unbounded laws).

        The clean Bethe lattice's band is |E| <= 2 sqrt(K); box disorder widens it by W/2 on
        each side (Lifshitz tails reach that edge), a Gaussian or Cauchy law everywhere.
        """
        return 0.5 * self.W + 2.0 * math.sqrt(self.K) if self.disorder == "box" else math.inf

    @classmethod
    def critical_disorder_guess(cls, K):
        """A first guess of W_c for ``popdyn.tilted.find_bracket``: 18.17 at K = 2 (box), scaled like K ln K.

        The large-K form of W_c grows like K ln K (Abou-Chacra, Anderson & Thouless 1973); the
        guess only starts the search, which moves by a factor until K lambda(1/2) - 1 changes sign.
        """
        return 18.17 * K * math.log(K) / (2.0 * math.log(2.0))

    @staticmethod
    def least_disorder_with_states(K, E):
        """The least box disorder W whose band W/2 + 2 sqrt(K) reaches E: 2 (|E| - 2 sqrt K), 0 inside the clean band.

        Below it E has no states and K lambda(1/2) < 1: a search for W_c need not look there.
        """
        return max(0.0, 2.0 * (abs(E) - 2.0 * math.sqrt(K)))

    def range_of_R(self):
        """(R_min, R_max) of the fixed point of R outside the band (box disorder, R carried), else None.

        R_i = sum_j 1 / (E - eps_j - R_j) grows with every eps_j and R_j, so its extremes are the
        fixed points of the extreme nodes, ``R = K / (E -+ W/2 - R)``: with s = E -+ W/2,
        ``R = 2K / (s + sign(s) sqrt(s^2 - 4K))``, the root that tends to K/E far from the band
        (written without cancellation). Real for |E| > W/2 + 2 sqrt(K): then every denominator
        a = E - eps - R lies in [E - W/2 - R_max, E + W/2 - R_min], away from 0.

        Examples
        --------
        >>> [round(r, 6) for r in AndersonTree(W=16.0, E=20.0).range_of_R()]  # a in [11.83, 27.93]
        [0.071612, 0.169048]
        >>> AndersonTree(W=16.0, E=10.0).range_of_R() is None  # inside the band (edge 10.83)
        True
        """
        if self.disorder != "box" or not self.carry_R or abs(self.E) <= self.band_edge():
            return None

        edge = 2.0 * math.sqrt(self.K)

        def extreme(s):  # |s| >= 2 sqrt(K) here, up to rounding at the band edge
            return 2.0 * self.K / (s + math.copysign(math.sqrt(max(0.0, (abs(s) - edge) * (abs(s) + edge))), s))

        low, high = extreme(self.E + 0.5 * self.W), extreme(self.E - 0.5 * self.W)
        return (low, high)

    @property
    def tilt_symmetric(self):
        """lambda(beta) = lambda(1 - beta) with R carried, inside the band (Kravtsov, Altshuler & Ioffe 2018).

        Outside the band there are no resonances and no such symmetry: far from it
        K lambda(beta) -> K |E|^(-2 beta).
        """
        return self.carry_R and abs(self.E) <= self.band_edge()

    def label(self):
        """Parameters in a line, for titles and messages."""
        return f"K={self.K} W={self.W:g} E={self.E:g} {self.disorder}{'' if self.carry_R else ' (R dropped)'}"

    def run_name(self):
        """The parameters in a default run directory's name."""
        return f"{self.recursion}-K{self.K}-W{self.W:g}-E{self.E:g}-{self.disorder}"

    @property
    def linear(self):
        """Whether the recursion is linear in Gamma (its growth is the tree's v); the cavity equation is not."""
        return self.recursion != "cavity"

    def spectrum(self):
        """No closed form: K lambda(beta) comes from ``popdyn.tilted`` (``popdyn spectrum --model anderson``)."""
        return None

    def exact_reference(self):
        """No closed-form reference numbers beside the growth."""
        return {}

    def fixed_point_reference(self, ln_mean, ln_var):
        """No closed-form reference for the cavity equation's fixed point."""
        return {}

    def exact_transition(self):
        """None: W_c has no closed form; ``popdyn.tilted.critical_point`` estimates it."""
        return None

    def fit_notes(self, exact, ln_gamma):
        """Nothing model-specific to add to a fitting report."""
        return []

    def imaginary_approximation(self, beta):
        """K lambda_0(beta) with R dropped (``carry_R=False``; box disorder, E = 0): ``K (W/2)^(-2 beta) / (1 - 2 beta)``.

        Weights 1/eps^2 of independent eps ~ U(-W/2, W/2): E|eps|^(-2 beta) = (W/2)^(-2 beta) / (1 - 2 beta),
        finite for beta < 1/2. A test of the tilted population with the path variable switched off.
        """
        if self.disorder != "box" or self.E != 0.0:
            raise ValueError("the closed form holds for box disorder at E = 0")
        beta = np.asarray(beta, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = self.K * (self.W / 2.0) ** (-2.0 * beta) / (1.0 - 2.0 * beta)
        return np.where(beta < 0.5, value, np.inf)

    def to_dict(self):
        return {"name": self.name, **asdict(self)}

    def at(self, **changes):
        """The same model with ``changes`` (validated again), e.g. ``model.at(W=18.0)``."""
        return replace(self, **changes)
