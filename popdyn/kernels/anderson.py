"""Kernels of the Anderson model on the Bethe lattice (Abou-Chacra, Anderson & Thouless 1973).

A sample is the cavity self-energy of a node whose K children are independent subtrees
(BACKGROUND section 2): ``S = sum_j 1 / (E + i eta - eps_j - S_j) = R - i Gamma``. A new
sample takes K samples of the previous generation as its children and draws each child's
on-site energy eps_j afresh (a node's eps is independent of the subtree below it). Population
rows: 0, Gamma; 1, R.

Every kernel consumes a sample's counter-based stream (``popdyn.rng``) in the one order of
``_child``: per child, its index in the previous generation, then its on-site energy. A
generation's bits therefore do not depend on the thread count, and the real, linearized and
complex recursions of one seed see the same tree.
"""

import math

import numpy as np

from .._jit import njit, prange
from ..rng import index_below, stream_start, subkey, uniform, uniform_open

#: Codes of the disorder laws, in the order of ``popdyn.models.anderson.DISORDERS``.
BOX, GAUSSIAN, CAUCHY = 0, 1, 2


@njit
def _on_site(state, W, law):
    """An on-site energy: box U(-W/2, W/2); Gaussian of the box's variance W^2/12; Cauchy of half-width W/2."""
    if law == BOX:
        u, state = uniform(state)
        return W * (u - 0.5), state
    if law == GAUSSIAN:  # Box-Muller, one of the pair
        u, state = uniform_open(state)
        v, state = uniform(state)
        return W / math.sqrt(12.0) * math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * v), state
    u, state = uniform_open(state)
    return 0.5 * W * math.tan(math.pi * (u - 0.5)), state


@njit
def _child(state, n, W, law):
    """One child of a new node, in the stream order of every Anderson kernel: its index below n, then its eps."""
    j, state = index_below(state, n)
    eps, state = _on_site(state, W, law)
    return j, eps, state


@njit(parallel=True)
def _real_generation(parents, out, key, K, W, E, law):
    """The real recursion at eta = 0 (R alone): ``R_i = sum_{j<K} 1 / (E - eps_j - R_j)``."""
    n = parents.size
    for i in prange(out.size):
        state = stream_start(key, i)
        r = 0.0
        for _ in range(K):
            j, eps, state = _child(state, n, W, law)
            r += 1.0 / (E - eps - parents[j])
        out[i] = r


@njit(parallel=True)
def _generation(parents, out, key, K, W, E, law, carry, shift, cavity):
    """One generation of (Gamma, R) for children j with ``a_j = E - eps_j - R_j`` (R dropped unless ``carry``).

    Linearized in Gamma with R carried (BACKGROUND section 2), ``shift`` the source:
    ``R_i = sum_j 1/a_j``, ``Gamma_i = sum_j (shift + Gamma_j) / a_j^2``. With ``cavity`` the complex
    equation at finite eta = ``shift``: ``S_i = sum_j 1 / (a_j + i (eta + Gamma_j))``, S = R - i Gamma.
    """
    n = parents.shape[1]
    for i in prange(out.shape[1]):
        state = stream_start(key, i)
        r = 0.0
        g = 0.0
        for _ in range(K):
            j, eps, state = _child(state, n, W, law)
            a = E - eps - (np.float64(parents[1, j]) if carry else 0.0)
            b = shift + np.float64(parents[0, j])
            if cavity:
                d = a * a + b * b
                r += a / d
                g += b / d
            else:
                inv = 1.0 / a
                r += inv
                g += inv * inv * b
        out[0, i] = g
        out[1, i] = r


@njit
def _siblings(state, pool, K, W, E, law):
    """The sum of 1/a over the K - 1 other children of a path node (R from ``pool``, fresh eps); returns (y, state)."""
    n = pool.size
    y = 0.0
    for _ in range(K - 1):
        j, eps, state = _child(state, n, W, law)
        y += 1.0 / (E - eps - pool[j])
    return y, state


@njit(parallel=True)
def _tilted_step(walkers, out, weight, pool, key, K, W, E, law, carry, beta):
    """One step of the beta-tilted path measure (BACKGROUND section 3, the symmetric split).

    Walker i holds the denominator ``a = E - eps - R`` of the node on its path; the path's
    next node up has ``a' = E - eps' - 1/a - sum of its K - 1 other children's 1/a_s`` (the
    siblings from the fixed-point ``pool`` of R, each with a fresh eps), and the step weight
    is ``K |a|^-beta |a'|^-beta``: each node's ``|a|^-2 beta`` split between the two edges it
    touches, so that no weight has a divergent moment below beta = 1. Stream order: the
    K - 1 siblings as children, then the new node's own eps.
    """
    for i in prange(out.size):
        y, state = _siblings(stream_start(key, i), pool, K, W, E, law)
        eps, state = _on_site(state, W, law)
        a = walkers[i]
        b = E - eps - (y + 1.0 / a if carry else 0.0)
        out[i] = b
        weight[i] = K * math.pow(abs(a) * abs(b), -beta)


@njit
def _denominators(pool, key, W, E, law, carry, out):
    """``a = E - eps - R`` of nodes whose R is drawn from ``pool``: the start of the tilted walkers."""
    n = pool.size
    for i in range(out.size):
        j, eps, _ = _child(stream_start(key, i), n, W, law)
        out[i] = E - eps - (pool[j] if carry else 0.0)


@njit
def _sibling_sums(pool, key, K, W, E, law, out):
    """``y = sum of K - 1 siblings' 1/a``, drawn as ``_tilted_step`` draws them (then ``a' = E - eps' - y - 1/a``)."""
    for i in range(out.size):
        out[i], _ = _siblings(stream_start(key, i), pool, K, W, E, law)


def real_fixed_point(model, size, generations, key):
    """R of ``size`` nodes after ``generations`` of the real recursion from R = 0: its fixed-point population.

    Plain population dynamics gets this law right (a distribution of O(1) numbers, not a growth
    rate; BACKGROUND section 2). Generation n uses the streams of ``subkey(key, n)``.
    """
    R = np.zeros(size)
    out = np.empty(size)
    for n in range(1, generations + 1):
        _real_generation(R, out, subkey(key, n), model.K, model.W, model.E, model.law)
        R, out = out, R
    return R


def anderson_path(model, pool_size, pool_generations, key):
    """The tilted population's moves of the Anderson model, over a fixed-point population of R built here."""
    return AndersonPath(model, real_fixed_point(model, int(pool_size), int(pool_generations), key))


def anderson_generation(model, parents, out, key, log_scale):
    """Build one generation of the Anderson model into ``out`` (rows: Gamma, R); returns the edges (K per sample).

    The linear recursions store Gamma in units of ``exp(log_scale)``: the source eta is
    rescaled with it; the cavity recursion's samples are physical.
    """
    if model.recursion == "cavity":
        shift = model.eta
    else:
        shift = 0.0 if model.recursion == "term" else math.exp(math.log(model.eta) - log_scale)
    _generation(parents, out, key, model.K, model.W, model.E, model.law, model.carry_R, shift,
                model.recursion == "cavity")
    return model.K * out.shape[1]


def anderson_initial(model, size, dtype="float64"):
    """Generation 0: Gamma = eta (1 in units of eta when rescaled) and R = 0, the empty subtree."""
    values = np.zeros((2, size), dtype=dtype)
    values[0] = 1.0 if model.rescaled else model.eta
    return values, (math.log(model.eta) if model.rescaled else 0.0)


class AndersonPath:
    """The path variable of the tilted population of the Anderson model: a node's denominator ``a = E - eps - R``.

    ``pool`` is the fixed-point population of R the siblings are drawn from.
    """

    memoryless = False

    def __init__(self, model, pool):
        self.K, self.W, self.E, self.law, self.carry = model.K, model.W, model.E, model.law, model.carry_R
        self.range_of_R = model.range_of_R()
        self.pool = pool

    def start(self, size, key):
        out = np.empty(size)
        _denominators(self.pool, key, self.W, self.E, self.law, self.carry, out)
        return out

    def step(self, walkers, out, weight, key, beta):
        _tilted_step(walkers, out, weight, self.pool, key, self.K, self.W, self.E, self.law, self.carry, float(beta))

    def sibling_sums(self, size, key):
        """``size`` draws of the K - 1 siblings' sum of 1/a (for the quadrature's kernel)."""
        out = np.empty(size)
        _sibling_sums(self.pool, key, self.K, self.W, self.E, self.law, out)
        return out

    def quadrature(self, beta, samples, key):
        """The tilted operator's kernel at ``beta`` from ``samples`` draws of the siblings: a ``Quadrature``."""
        if self.law != BOX or not self.carry:
            raise ValueError("the quadrature kernel is written for box disorder with R carried")
        return Quadrature(self, beta, self.sibling_sums(samples, key))


class Quadrature:
    """The Galerkin discretization of the tilted operator of the Anderson model, on any number of cells.

    The operator (BACKGROUND sections 2-3) in the form ``mu'(a) = K int db mu(b) |b|^(-2 beta)
    q(a + 1/b)`` (similar to the symmetric split: the same spectrum), q the density of
    ``x = E - eps - y``, y the K - 1 siblings' sum of 1/a. For box disorder the distribution
    function F_x is exact given the empirical law of the draws of y (``_x_distribution``).

    The cells follow the law of the path variable a = E - eps - R where it lives:

    * Inside the band (``range_of_R`` is None) a reaches every real number, and the eigenvector
      lives both in the bulk of its law and on the resonances, |a| -> 0 and then |a| -> infinity:
      cells uniform in theta, ``a = scale tan(theta)`` with ``scale`` the larger of W/2 and the
      spread of y, put half of them at |a| < scale with a = 0 on an edge, and reach infinity.
    * Outside the band a lies in ``[E - W/2 - R_max, E + W/2 - R_min]``, away from 0: equal cells
      on that interval, computed relative to its middle (|E| up to the model's bound keeps full
      precision). Cells of the whole line would hold a block near a = 0 that the walk never
      reaches but a discretized matrix does (a piecewise-constant density leaks past the edge
      of the law, one cell per step), with an eigenvalue of its own above the walk's: at W = 16,
      E = 100 it gave K lambda(1/2) = 0.083 for 0.020.

    Attributes
    ----------
    centre, scale : float
        a = centre + u, and the scale of the cells and of F_x's table in u.
    support : float or None
        The half-width of the interval of a outside the band (the cells span [-support, support]
        in u); None inside the band.
    """

    def __init__(self, path, beta, y):
        self.K, self.W, self.beta = float(path.K), path.W, float(beta)
        if path.range_of_R is None:
            low, high = np.percentile(y, [25.0, 75.0])
            self.centre, self.support = 0.0, None
            self.scale = max(0.5 * path.W, 0.5 * float(high - low))
            middle = path.E
        else:
            r_min, r_max = path.range_of_R
            middle = 0.5 * (r_min + r_max)  # E - centre, with no large E in it
            self.centre = path.E - middle
            self.support = self.scale = 0.5 * path.W + 0.5 * (r_max - r_min)
        self.table = _x_distribution(y, path.W, middle, self.scale)

    def matrix(self, points):
        """The Galerkin matrix on ``points`` cells: its Perron eigenvalue is K lambda(beta).

        Column j is the mass cell j sends to every cell. A cell's mass is spread uniformly (in
        theta inside the band, in a outside); the mass that lands in target cell i is integrated
        exactly through F_x, and the source cell is sub-sampled finely enough that the shift
        1/b moves by at most ``_SHIFT_STEP`` between sub-points (q has edges of width ~ 1/W at
        |x - E| = W/2; near b = 0 the shift runs off to infinity and q(1/b) ~ b^2 switches the
        cell off).
        """
        if self.support is None:
            theta = np.arange(points + 1) * (math.pi / points) - 0.5 * math.pi
            u = self.scale * np.tan(theta)
        else:
            theta = np.empty(0)
            u = np.linspace(-self.support, self.support, points + 1)
        out = np.zeros((points, points))
        _galerkin(theta, u, self.table, self.centre, self.scale, self.beta, self.K, _SHIFT_STEP, _MAX_SUBPOINTS,
                  out)
        return out


#: Sub-sampling of a source cell of the quadrature: the largest move of the shift 1/b between sub-points,
#: and the most sub-points of one cell.
_SHIFT_STEP = 0.005
_MAX_SUBPOINTS = 20000
#: Points of the tabulated F_x (uniform in arctan(t / scale)).
_TABLE_POINTS = 1 << 18


def _x_distribution(y, W, shift, scale):
    """F(t) = P(x <= E - shift + t), x = E - eps - y, box eps ~ U(-W/2, W/2), on t = scale tan(phi), phi uniform.

    Relative to the centre E - shift, so that no large E enters a difference:
    ``F(t) = 1 - (I(shift - t + W/2) - I(shift - t - W/2)) / W`` with ``I(s) = int_-inf^s F_y`` of the
    empirical law of y: ``I(s) = (s c(s) - S(s)) / M``, c and S the count and sum of the samples <= s.
    """
    y = np.sort(y)
    prefix = np.concatenate(([0.0], np.cumsum(y)))
    phi = (np.arange(_TABLE_POINTS) + 0.5) * (math.pi / _TABLE_POINTS) - 0.5 * math.pi
    t = scale * np.tan(phi)

    def integral(s):
        c = np.searchsorted(y, s, side="right")
        return (s * c - prefix[c]) / y.size

    return np.clip(1.0 - (integral(shift - t + 0.5 * W) - integral(shift - t - 0.5 * W)) / W, 0.0, 1.0)


@njit
def _table_value(table, scale, t):
    """Linear interpolation of a table on t = scale tan(phi) (phi on the midpoints of (-pi/2, pi/2)); 0 and 1 beyond."""
    n = table.size
    p = (math.atan(t / scale) + 0.5 * math.pi) * (n / math.pi) - 0.5
    if p <= 0.0:
        return table[0] if t > -math.inf else 0.0
    if p >= n - 1:
        return table[n - 1] if t < math.inf else 1.0
    k = int(p)
    f = p - k
    return table[k] * (1.0 - f) + table[k + 1] * f


@njit(parallel=True)
def _galerkin(theta, u, table, centre, scale, beta, K, step, most, out):
    """Column j: the mass cell j sends to every cell, see ``Quadrature.matrix``.

    The cells' edges are ``u`` (a = centre + u); with ``theta`` (u = scale tan(theta), centre 0)
    a cell is sub-sampled uniformly in theta, else (``theta`` empty) uniformly in u. ``table``
    is F_x relative to the centre, on ``scale tan(phi)``.
    """
    n = u.size - 1
    angular = theta.size > 0
    a = np.empty(n + 1)  # the cells' edges in a, for the spread of the shift 1/b over a cell
    for i in range(n + 1):
        a[i] = centre + u[i]
    for j in prange(n):
        if a[j] < 0.0 < a[j + 1] or a[j] == 0.0 or a[j + 1] == 0.0:
            spread = math.inf
        else:
            spread = abs(1.0 / a[j] - 1.0 / a[j + 1])
        points = int(min(most, max(2.0, math.ceil(spread / step))))
        lo, hi = (theta[j], theta[j + 1]) if angular else (u[j], u[j + 1])
        target = np.empty(n + 1)  # F_x at the target edges shifted by 1/b: 0 and 1 at the two ends
        target[0] = 0.0
        target[n] = 1.0
        for s in range(points):
            v = lo + (s + 0.5) * (hi - lo) / points
            b = centre + (scale * math.tan(v) if angular else v)
            shift = 1.0 / b
            weight = K * math.pow(abs(b), -2.0 * beta) / points
            for i in range(1, n):
                target[i] = _table_value(table, scale, u[i] + shift)
            for i in range(n):
                out[i, j] += weight * (target[i + 1] - target[i])


# The kernel module's interface (``popdyn.kernels.kernels_for``): ``AndersonTree.kernels`` names this module.
generation, initial, path = anderson_generation, anderson_initial, anderson_path
