"""Eq. 25 as written: the BAA tree with the energy offset carried from parent to child.

The memoryless tree (``popdyn.models.baa``) evaluates every child on its own level. Eq. 25 of
BAA does not: a decay term of a sample alpha evaluated at energy epsilon has the denominator
``epsilon + xi_beta - xi_gamma - xi_delta`` and its children are evaluated at shifted energies,
``Gamma_gamma(epsilon + xi_beta - xi_delta)`` (and delta alike) and
``Gamma_beta(xi_gamma + xi_delta - epsilon)``. Measure a sample's energy from its own level,
``x = epsilon - xi_alpha`` (the root: x = 0, on shell). In the rectangular model of V
(BAA Sec. 3.1), ``u1 = xi_alpha - xi_delta`` and ``u2 = xi_beta - xi_gamma`` are uniform on
[-1/2, 1/2] (units delta_zeta = 1), and a term has

    M = x + u1 + u2,    weight lam^2 / M^2,

with its electrons gamma, delta evaluated at offset +M and its hole beta at -M. The law of
Gamma at offset x is even in x (by induction: generation 0 is eta everywhere, and x -> -x maps
M -> -M in law with the same weights), so every child is a draw of Gamma at offset |M|: a
resonance (small M) keeps its children near their levels, a non-resonant step pushes them
off shell, where their own terms resonate less. With every child reset to x = 0
(``carry_offset=False``) this is the memoryless tree again.

The exact answer (BACKGROUND section 3) is ln m(beta) = ln of the largest eigenvalue of

    (L_beta f)(x) = 3T lam^(2 beta) int p(x' - x) |x'|^(-2 beta) f(x') dx',

p the triangular density of u1 + u2 on [-1, 1]. T and lam factor out:
``ln m(beta) = ln(3T) + 2 beta ln(lam) + ln rho(beta)``, with rho(beta) the Perron root of the
universal operator ``K_beta`` (``p`` and ``|x'|^(-2 beta)`` alone), computed here by product
integration (``ln_rho``). So the transition is a Legendre transform of one function:
``ln(3 Tc) = max_beta [2 beta ln(1/lam) - ln rho(beta)]`` (``critical_temperature``).

Why the leading-log limit C2 -> 6e survives: as lam -> 0, beta_c -> 1/2, where the
``|x'|^(-2 beta)`` singularity dominates; then K_beta f ~ 2 f(0) p(-x) / (1 - 2 beta), so
rho(beta) ~ 2 p(0) / (1 - 2 beta) = 2 / (1 - 2 beta): the residue of the memoryless tree's
pole, 1/((1 - 2 beta)(1 - beta)) at beta = 1/2. A resonance hands its children an offset near
0, which is exactly the memoryless assumption; the offsets change only the O(1/ln(1/lam))
corrections.
"""

import math
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np
from scipy.special import beta as beta_function
from scipy.special import digamma

from ..errors import ConfigError
from ._parameters import finite_float
from .baa import BAATree, check_tree_parameters, check_tree_population
from .protocol import Parameter, Variant

#: Gauss-Legendre rule on [0, 1] for the cells away from x = 0, where |x|^(-2 beta) is analytic
#: (its singularity lies at least one cell away): 24 points integrate it to rounding.
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)
_GL_NODES, _GL_WEIGHTS = 0.5 * (_GL_NODES + 1.0), 0.5 * _GL_WEIGHTS
#: Grading of the mesh inside each unit interval, s -> s^q / (s^q + (1 - s)^q): cells of width
#: ~ n^-q at every integer, where L_beta f is singular (|x|^(2 - 2 beta) at 0, weaker at 1, 2...).
#: q = 3 keeps the local error of the first cell, n^(-q (3 - 4 beta)), below the n^-2 of the rest
#: for every beta < 1/2, so Richardson extrapolation in n^-2 applies (measured: ratios 3.99).
_GRADING = 3.0


def _mesh(per_unit, cut):
    """Nodes on [0, cut]: the same graded pattern in every unit interval.

    Then x_i, x_i +- 1 and 1 - x_i are nodes whenever x_i is: the kinks of p(x' - x_i) and
    p(x' + x_i) lie on nodes, the kernel is linear on every cell, and product integration is exact
    for piecewise-linear f.
    """
    s = np.arange(per_unit + 1) / per_unit
    pattern = s**_GRADING / (s**_GRADING + (1.0 - s) ** _GRADING)
    units = int(math.ceil(cut))
    return np.concatenate([k + pattern[:-1] for k in range(units)] + [[float(units)]])


def _gram(nodes, beta, derivative=False):
    """The weighted Gram matrix of the hat functions, M_lj = int phi_l phi_j |x|^(-2 beta) dx, as 3 bands.

    ``derivative``: the same with |x|^(-2 beta) replaced by its beta-derivative -2 ln|x| |x|^(-2 beta).
    Cells away from 0 by Gauss-Legendre (exact to rounding); the first cell [0, h] in closed form,
    int_0^h (1 - y/h)^a (y/h)^b y^(-2 beta) dy = h^e B(e + b, a + 1), e = 1 - 2 beta.
    """
    a, h = nodes[:-1], np.diff(nodes)
    t = _GL_NODES[None, :]
    y = a[:, None] + h[:, None] * t
    density = y ** (-2.0 * beta) * (-2.0 * np.log(y) if derivative else 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # the first cell is replaced below
        rows = [h * np.sum(_GL_WEIGHTS * left * right * density, axis=1)
                for left, right in ((1 - t, 1 - t), (1 - t, t), (t, t))]
    e, h0 = 1.0 - 2.0 * beta, h[0]
    for row, (p, q) in zip(rows, ((2, 0), (1, 1), (0, 2))):  # (1 - t)^p t^q
        value = h0**e * beta_function(e + q, p + 1)
        if derivative:  # d/dbeta = -2 d/de
            value *= -2.0 * (math.log(h0) + digamma(e + q) - digamma(e + q + p + 1))
        row[0] = value
    diagonal = np.zeros(nodes.size)
    diagonal[:-1] += rows[0]
    diagonal[1:] += rows[2]
    return diagonal, rows[1]


def _band_product(matrix, diagonal, off):
    """matrix @ M for the symmetric tridiagonal M (``diagonal``, ``off``)."""
    out = matrix * diagonal
    out[:, 1:] += matrix[:, :-1] * off
    out[:, :-1] += matrix[:, 1:] * off
    return out


def _band_form(left, right, diagonal, off):
    """a^T M b for the symmetric tridiagonal M."""
    return float(left @ (right * diagonal) + left[:-1] @ (right[1:] * off) + left[1:] @ (right[:-1] * off))


def _triangle(u):
    return np.maximum(0.0, 1.0 - np.abs(u))


def _discrete_root(per_unit, cut, beta, carry_offset):
    """ln rho and (ln rho)' of the product-integration matrix on one mesh.

    f is piecewise linear on the nodes and 0 beyond ``cut``. The kernel k(x, x') = p(x' - x) +
    p(x' + x) (folded onto x' >= 0: f is even) is linear on every cell, so k(x_i, .) is itself
    the interpolant sum_l k(x_i, x_l) phi_l and the matrix is exactly A = Kn M, Kn the kernel at
    the nodes, M the weighted Gram matrix. Kn and M are symmetric, so the left eigenvector is
    M psi and Hellmann-Feynman gives (ln rho)' = psi^T M' psi / psi^T M psi (M' = dM/dbeta).
    """
    from scipy.sparse.linalg import eigs

    nodes = _mesh(per_unit, cut)
    if carry_offset:
        kernel = _triangle(nodes[None, :] - nodes[:, None]) + _triangle(nodes[None, :] + nodes[:, None])
    else:  # every child evaluated at x = 0: the memoryless tree; f is constant, rho = E|m|^(-2 beta)
        kernel = np.broadcast_to(2.0 * _triangle(nodes)[None, :], (nodes.size, nodes.size))
    diagonal, off = _gram(nodes, beta)
    matrix = _band_product(kernel, diagonal, off)
    value, vector = eigs(matrix, k=1, which="LR", tol=1e-14, v0=np.ones(nodes.size))
    rho, psi = float(value[0].real), np.abs(vector[:, 0].real)
    # Hellmann-Feynman, (ln rho)' = y^T Kn M' psi / y^T Kn M psi for the left eigenvector y: y^T Kn = rho psi^T
    # when Kn is symmetric; with the offsets reset Kn = 1 w^T (w = 2 p at the nodes), so y^T Kn is along w^T
    left = psi if carry_offset else kernel[0]
    d_diagonal, d_off = _gram(nodes, beta, derivative=True)
    return math.log(rho), _band_form(left, psi, d_diagonal, d_off) / _band_form(left, psi, diagonal, off)


@dataclass(frozen=True)
class OperatorRoot:
    """ln rho(beta), the log Perron root of K_beta, converged in the mesh and the cut.

    Attributes
    ----------
    beta, ln_rho, slope : float
        beta, ln rho(beta) (Richardson-extrapolated in n^-2) and (ln rho)'(beta).
    error : float
        The change of the extrapolated ln rho from the previous mesh (an upper estimate of its error).
    cut : float
        The offset beyond which f = 0: doubled until ln rho moved by less than ``tolerance / 10``.
    refinement : tuple of (per_unit, ln_rho)
        ln rho on each mesh (nodes per unit interval), the convergence shown.
    """

    beta: float
    ln_rho: float
    slope: float
    error: float
    cut: float
    refinement: tuple


#: Meshes of ``ln_rho``: nodes per unit interval, finest last. The finest mesh on [0, 8] has 3201 nodes.
MESHES = (100, 200, 400)
#: The smallest beta of the model's spectrum: below it the eigenfunction spreads beyond |x| ~ 30 and the
#: quadrature's cut and mesh no longer fit ``_MOST_NODES`` (a growth minimized there is refused). ln rho has its
#: minimum near beta = 0.005, so every beta_c (lam < 1) lies above it.
BETA_MIN = 0.003
#: Nodes of one mesh at most: the per-unit count of a wider cut is lowered to stay within it.
_MOST_NODES = 4096


@lru_cache(maxsize=4096)
def ln_rho(beta, carry_offset=True, tolerance=1e-10):
    """ln rho(beta) of the offset operator ``K_beta`` (see the module docstring), with an estimate of its error.

    The cut in |x| first: starting from 8, doubled (on a coarse mesh) until ln rho moves by less
    than ``tolerance / 10`` (the eigenfunction decays like c^x / (x!)^(2 beta); at beta -> 0 it
    spreads like beta^(-1/2), and so does the cut). Then ln rho on the meshes of ``MESHES``,
    Richardson-extrapolated in n^-2 (the product-integration error on the graded mesh). The error
    estimate (``OperatorRoot.error``) is below 1e-8 for beta >= 0.1 and grows towards small beta
    (2e-8 at 0.05, 8e-8 at 0.01), where the cut widens and the meshes coarsen to fit ``_MOST_NODES``.

    Parameters
    ----------
    beta : float
        0 < beta < 1/2 (rho is infinite from 1/2 on: the resonances).
    carry_offset : bool
        False: every child on its own level, rho = 1 / ((1 - 2 beta)(1 - beta)) (a test).

    Returns
    -------
    OperatorRoot

    Examples
    --------
    >>> r = ln_rho(0.3, carry_offset=False)
    >>> abs(r.ln_rho + math.log((1 - 0.6) * (1 - 0.3))) < 1e-12
    True
    """
    beta = float(beta)
    if not 0.0 < beta < 0.5:
        raise ConfigError(f"beta must lie in (0, 1/2) for the offset operator, got {beta}")
    cut, coarse = 8.0, _discrete_root(10, 8.0, beta, carry_offset)[0]
    while carry_offset:
        wider = _discrete_root(10, 2.0 * cut, beta, carry_offset)[0]
        if abs(wider - coarse) < 0.1 * tolerance:
            break
        if 2.0 * cut * MESHES[0] > _MOST_NODES:
            raise ConfigError(f"beta = {beta:g} is too small for the offset operator's quadrature: its "
                              f"eigenfunction reaches beyond |x| = {cut:g}")
        cut, coarse = 2.0 * cut, wider
    refinement, slopes = [], []
    scale = min(1.0, _MOST_NODES / (math.ceil(cut) * MESHES[-1]))  # a wide cut: coarser meshes, same ratios
    for per_unit in MESHES:
        per_unit = int(round(per_unit * scale))
        value, slope = _discrete_root(per_unit, cut, beta, carry_offset)
        refinement.append((per_unit, value))
        slopes.append(slope)
    def extrapolate(k, values):  # Richardson in n^-2 from meshes k - 1 and k
        (na, _), (nb, _) = refinement[k - 1], refinement[k]
        return values[k] + (values[k] - values[k - 1]) / ((nb / na) ** 2 - 1.0)

    values = [v for _, v in refinement]
    best, previous = extrapolate(2, values), extrapolate(1, values)
    return OperatorRoot(beta, best, extrapolate(2, slopes), abs(best - previous), cut, tuple(refinement))


def _bracket_slope(target, carry_offset):
    """beta in (0, 1/2) with (ln rho)'(beta) below and above ``target``: ln rho is convex, its slope increasing.

    Its slope is negative below beta ~ 0.005 (the minimum of ln rho), so for lam < 1 the lower end is always
    found above ``BETA_MIN``; the upper end moves towards the pole at 1/2 as lam -> 0.
    """
    lo, hi = 0.05, 0.45
    while ln_rho(lo, carry_offset).slope >= target:
        if lo == BETA_MIN:
            raise ConfigError(f"the transition lies at beta_c < {BETA_MIN:g}, below the offset quadrature's reach")
        lo = max(lo / 2.0, BETA_MIN)
    while ln_rho(hi, carry_offset).slope <= target:
        hi = 0.5 - (0.5 - hi) / 10.0
        if hi > 0.5 - 1e-12:
            raise ConfigError("the transition lies at beta_c within 1e-12 of 1/2 (lam too small)")
    return lo, hi


@lru_cache(maxsize=256)
def critical_point(lam, carry_offset=True):
    """Tc, beta_c and the error of ln Tc of the offset tree at ``lam``.

    ln m(beta) = ln(3T) + 2 beta ln(lam) + ln rho(beta); Tc is where min_beta ln m = 0, so
    ``ln(3 Tc) = max_beta [2 beta ln(1/lam) - ln rho(beta)]``: beta_c solves
    (ln rho)'(beta_c) = 2 ln(1/lam) (ln rho is convex) and the maximum is stationary in beta, so the
    error of ln Tc is that of ln rho(beta_c).

    Returns
    -------
    (Tc, beta_c, error) : tuple of float

    Examples
    --------
    With every child on its own level the memoryless tree's closed form comes back:

    >>> from popdyn.spectrum import critical_temperature as memoryless
    >>> tc, beta_c, error = critical_point(0.01, carry_offset=False)
    >>> abs(tc / memoryless(0.01) - 1) < 1e-9
    True
    """
    from scipy.optimize import brentq

    lam = float(lam)
    target = 2.0 * math.log(1.0 / lam)
    lo, hi = _bracket_slope(target, carry_offset)
    beta_c = brentq(lambda b: ln_rho(b, carry_offset).slope - target, lo, hi, xtol=1e-12, rtol=1e-12)
    root = ln_rho(beta_c, carry_offset)
    return math.exp(target * beta_c - root.ln_rho) / 3.0, beta_c, root.error


@dataclass(frozen=True)
class BAAOffsetTree:
    """The BAA tree with Eq. 25's energy arguments: the offset carried from parent to child.

    Parameters
    ----------
    lam, T, eta, recursion, coordination
        As for ``popdyn.models.BAATree``: lambda, temperature (mean number of terms per sample),
        the source, the recursion (term, linear, scba) and Poisson or fixed coordination.
    cut : float
        X: nodes at offset |x| >= X have no decay terms (the tree is cut there), 2 <= X <= 64; a population
        cuts at min(X, x_(N-1)), where its design ends (``popdyn.kernels.baa_offset``).
    resolution : float
        Width in x of the window a child is drawn from (``popdyn.kernels.baa_offset``), 0 < resolution <= 1,
        and at most spread (1 - exp(-cut / spread)) (1 / q(0), where the window holds N q(0) resolution samples:
        no wider than the design).
    spread : float
        s of the population's design in x, density ~ exp(-x / s) on [0, cut), 0.05 <= s <= 64.
    carry_offset : bool
        False evaluates every child on its own level: the memoryless tree, a test.

    Examples
    --------
    >>> BAAOffsetTree(lam=0.01, T=2.0).fields
    ('gamma', 'x')
    """

    lam: float
    T: float
    eta: float = 1.0
    recursion: str = "term"
    coordination: str = "poisson"
    cut: float = 8.0
    resolution: float = 0.02
    spread: float = 0.5
    carry_offset: bool = True

    name = "baa-offset"
    fields = ("gamma", "x")
    title = "BAA tree with energy arguments (Eq. 25 as written)"
    has_quadrature = False  # ln m comes from spectrum(); popdyn.tilted's quadrature is the Anderson kernel's
    tilt_symmetric = False  # no beta -> 1 - beta symmetry of its ln m
    parameters = BAATree.parameters + (
        Parameter("cut", "float", "Offset X beyond which the tree is cut (nodes at |x| >= X have no decay terms; a "
                  "population also cuts where its design ends, near spread * ln 2N), 2 <= X <= 64.", default=8.0),
        Parameter("resolution", "float", "Width in x of the window of design points a child at offset |M| is drawn "
                  "from, 0 < resolution <= 1 and <= spread (1 - exp(-cut/spread)).", default=0.02),
        Parameter("spread", "float", "Scale s of the population's offsets, density ~ exp(-x/s) on [0, cut).",
                  default=0.5),
        Parameter("carry_offset", "bool", "--reset-offsets evaluates every child on its own level (the memoryless "
                  "tree, a test).", default=True, flag="--carry-offsets/--reset-offsets"),
    )
    kernels = "popdyn.kernels.baa_offset"
    variant = Variant(of="baa", flag="--energy-arguments",
                      help="Eq. 25 as written: children evaluated at the energy offsets +-M their parent's term hands "
                           "them (the offset carried down the tree), instead of on their own levels.")
    transition_parameter = "T"

    def __post_init__(self):
        check_tree_parameters(self)
        cut, resolution = finite_float("cut", self.cut), finite_float("resolution", self.resolution)
        spread = finite_float("spread", self.spread)
        if not 2.0 <= cut <= 64.0:
            raise ConfigError(f"cut must lie in [2, 64], got {cut}")
        if not 0.0 < resolution <= 1.0:
            raise ConfigError(f"resolution must lie in (0, 1], got {resolution}")
        if not 0.05 <= spread <= 64.0:
            raise ConfigError(f"spread must lie in [0.05, 64], got {spread}")
        # A child's window holds N q(y) resolution design points, most at y = 0, where q(0) = 1 / widest: beyond
        # that the window is wider than the whole design, no longer local, and folds (or clips) children onto its ends.
        widest = spread * -math.expm1(-cut / spread)
        if resolution > widest:
            raise ConfigError(f"resolution {resolution:g} is wider than the design of spread {spread:g}, cut {cut:g} "
                              f"(a child's window at offset 0 would hold more than the N samples): resolution <= "
                              f"spread (1 - exp(-cut/spread)) = {widest:.6g}, or a larger spread")
        if not isinstance(self.carry_offset, (bool, np.bool_)):
            raise ConfigError(f"carry_offset must be true or false, got {self.carry_offset!r}")
        for name, value in (("cut", cut), ("resolution", resolution), ("spread", spread),
                            ("carry_offset", bool(self.carry_offset))):
            object.__setattr__(self, name, value)

    @property
    def linear(self):
        """Whether the recursion is linear in Gamma (its growth is the tree's v); SCBA is not."""
        return self.recursion != "scba"

    @property
    def rescaled(self):
        """The linear recursions are kept normalized with a tracked log-scale; SCBA stores physical Gamma."""
        return self.recursion != "scba"

    @property
    def fixed_terms(self):
        """The number of terms per sample on the fixed-coordination tree, -1 for Poisson."""
        return int(self.T) if self.coordination == "fixed" else -1

    def label(self):
        """Parameters in a line, for titles and messages."""
        carried = f"carried (cut {self.cut:g}, resolution {self.resolution:g}, spread {self.spread:g})"
        return f"lam={self.lam:g} T={self.T:g} {self.recursion}, offsets {carried if self.carry_offset else 'reset'}"

    def run_name(self):
        """The parameters in a default run directory's name."""
        return f"{self.recursion}-lam{self.lam:g}-T{self.T:g}" + ("" if self.carry_offset else "-reset")

    def spectrum(self):
        """ln m(beta) = ln(3T) + 2 beta ln(lam) + ln rho(beta) by quadrature (``ln_rho``), for the linear recursions.

        ln m(0+) = ln(3T) exactly (the offsets' walk conserves mass); each beta costs ~0.3 s, cached.
        """
        from ..spectrum import Spectrum

        if not self.linear:
            return None
        base, slope = math.log(3.0 * self.T), 2.0 * math.log(self.lam)
        carry = self.carry_offset

        def value(beta):
            if beta >= 0.5:
                return math.inf
            if beta <= 1e-12:  # rho(0) = 1: the limit, where the quadrature's cut would have to be infinite
                return base
            return base + beta * slope + _root(beta).ln_rho

        def _root(beta):
            if beta < BETA_MIN:
                raise ConfigError(f"ln m(beta) of the offset tree is computed for beta >= {BETA_MIN:g}, got {beta:g}")
            return ln_rho(float(beta), carry)

        return Spectrum(ln_m=np.vectorize(value, otypes=[float]), beta_max=0.5, beta_min=BETA_MIN,
                        dln_m=lambda beta: slope + _root(beta).slope)

    def exact_reference(self):
        """The converged Tc of this model at this lam (``critical_point``), and T / Tc."""
        tc = critical_point(self.lam, self.carry_offset)[0]
        return {"Tc": tc, "T_over_Tc": self.T / tc}

    def exact_transition(self):
        """The converged transition in T at this lam (``critical_point``): Tc, beta_c and C2 = 1/(Tc lam ln(1/lam))."""
        from ..spectrum import Transition

        tc, beta_c, error = critical_point(self.lam, self.carry_offset)
        return Transition(self.lam, tc, beta_c, method="quadrature of the offset operator", ln_Tc_error=error)

    def at(self, **changes):
        """The same model with ``changes`` (validated again), e.g. ``model.at(T=2.0)``."""
        return replace(self, **changes)

    def fit_notes(self, exact, ln_gamma):
        """What a fitting report says about this model."""
        notes = [f"samples at offsets x on [0, {self.cut:g}) (density ~ exp(-x/{self.spread:g})): the growth v does "
                 "not depend on the offset of the root, but the Levy scale and tails are those of the mixture over x"]
        if self.recursion == "linear" and exact is not None and exact.v < 0:
            notes.append("the linear equation 25 converges below Tc: its growth tends to 0, not to v")
        return notes

    def fixed_point_reference(self, ln_mean, ln_var):
        """No closed-form reference for the SCBA fixed point with offsets (the mixture over x)."""
        return {}

    def check_population(self, dtype):
        """ConfigError unless a population stored as ``dtype`` keeps this model's numbers exact (as ``BAATree``)."""
        check_tree_population(self, dtype)

    def to_dict(self):
        return {"name": self.name, **asdict(self)}
