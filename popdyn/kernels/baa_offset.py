"""Kernels of the BAA tree with energy offsets carried down the tree (``popdyn.models.baa_offset``).

How the population represents the law of Gamma at every offset
---------------------------------------------------------------
A child must be a sample of the previous generation *evaluated at offset |M|*, and M is known
only when its parent draws it. The population is therefore a fixed design in x: sample i of
every generation is built at offset

    x_i = F^-1((i + 1/2) / N),   F the distribution function of q(x) ~ exp(-x / s) on [0, X),

X = ``model.cut``, s = ``model.spread``. A child requested at offset y = |M| is drawn uniformly
from the design points within a window of width ``model.resolution`` around y (N q(y) resolution
points; reflected at 0, where the law is even in x, and at the last point). The child then sits at offset y + e, e of width ``resolution`` and
mean 0: the population solves the model with the mismatch law smoothed by that width, an
O(resolution^2) effect, and as N grows at fixed resolution each window holds more samples (the
chance that the two electrons of one term share a sample vanishes). Where the design is sparse,
N q(y) resolution < 1 (y > s ln(N resolution / s): 3.0 at N = 10^4, 4.1 at 10^5 with the
defaults), a window holds one point: the resolution there is the design's spacing, 1 / (N q(y)),
and neighbouring requests share samples; the weights lam^2 / M^2 are small there. The design
ends at x_(N-1) ~ s ln(2N) (4.95 at N = 10^4, 6.1 at 10^5): the tree is cut at
X_N = min(X, x_(N-1)), not at X.

Why an exponential design: the offsets' walk x -> |x + u1 + u2| has Lebesgue as its invariant
measure, so a uniform design uses every sample equally often, but the paths that carry the
growth (resonances, small M) live at small x: measured at lam = 0.01, T = 3.3 (v = 1.60), a
nearly uniform design (s = 64) gives v_N = 0.23 and 0.73 at N = 10^4 and 10^5, the design with
s = 1/2 0.76 and 1.00 (3 seeds each; docs/data/offset_convergence.py). A sample far out is
requested more often than 3T times, where weights are small.

A node at |x| >= X_N has no decay terms (the tree is cut there, as the quadrature's f = 0 beyond
X): for the linear and SCBA recursions its Gamma is the source eta; for the n-th order term it is
absent (0 at every order, generation 0 included, so generation 1 of a parent within 1 of the cut
misses those terms). The eigenfunction decays like c^x / (x!)^(2 beta): a cut at 5 changes
ln m(beta) by less than 1e-9 for beta >= 0.1.

Population rows: 0, Gamma; 1, the offset x (the design, written each generation for the record).

Stream order, written once in ``_node`` and ``_term``: the term count (as the memoryless tree),
then per term u1, u2 and one uniform for each of its three children (gamma, delta, beta): a
generation's bits do not depend on the thread count.
"""

import math

import numpy as np

from .._jit import njit, prange
from ..errors import ConfigError
from ..rng import stream_start, uniform
from .baa import _node, _step_mass


@njit
def _term(state, x):
    """One decay term's draws: M = x + u1 + u2, then a uniform for each of the three children."""
    u1, state = uniform(state)
    u2, state = uniform(state)
    a, state = uniform(state)
    b, state = uniform(state)
    c, state = uniform(state)
    return x + (u1 - 0.5) + (u2 - 0.5), a, b, c, state


@njit
def _density(y, n, cut, spread):
    """Design points per unit offset at y: n q(y), q(y) = exp(-y / s) / (s (1 - exp(-X / s)))."""
    return n * math.exp(-y / spread) / (spread * -math.expm1(-cut / spread))


@njit
def _offset(i, n, cut, spread):
    """x_i = F^-1((i + 1/2) / n), F the design's distribution function on [0, X)."""
    return -spread * math.log1p((i + 0.5) / n * math.expm1(-cut / spread))


@njit
def _child(u, y, n, cut, spread, resolution, carry):
    """Index of a sample at offset |y|: uniform in the window of width ``resolution`` around it (-1 beyond the cut).

    The window holds n q(|y|) resolution design points (at least one); its centre is the position n F(|y|),
    where x_i sits at i + 1/2; reflected at 0 (the law is even in x) and at the last point. Past the last
    point (position n - 1/2) the tree is cut.
    """
    if not carry:  # every node on its own level: any sample is a child
        return min(int(u * n), n - 1)
    y = abs(y)
    position = n * -math.expm1(-y / spread) / -math.expm1(-cut / spread)
    if y >= cut or position >= n - 0.5:  # beyond the cut, or beyond the design's last point: the cut X_N
        return -1
    width = max(1.0, resolution * _density(y, n, cut, spread))
    j = int(math.floor(position + width * (u - 0.5)))
    if j < 0:
        j = -1 - j
    if j >= n:
        j = 2 * n - 1 - j
    return min(max(j, 0), n - 1)  # a window wider than the population folds once at most


@njit
def _design(out, cut, spread):
    for i in range(out.size):
        out[i] = _offset(i, out.size, cut, spread)


@njit
def _value(parents, j, beyond):
    return beyond if j < 0 else np.float64(parents[j])


@njit(parallel=True)
def _generation(parents, out, key, T, fixed_terms, lam2, source, beyond, lorentzian, cut, spread, resolution,
                carry):
    """out[0, i] = source + lam2 sum_j f(S_j, M_j) at offset x_i; out[1, i] = x_i. Returns the terms drawn.

    ``f = S / M^2`` (term, linear) or ``S / (M^2 + S^2)`` (SCBA); a child beyond the cut contributes
    ``beyond`` (in the units of ``parents``).
    """
    n = parents.shape[1]
    exp_neg_T = math.exp(-T)
    terms = 0
    for i in prange(out.shape[1]):
        x = _offset(i, out.shape[1], cut, spread)
        k, state = _node(key, i, T, exp_neg_T, fixed_terms)
        acc = 0.0
        for _ in range(k):
            m, a, b, c, state = _term(state, x if carry else 0.0)
            s = (_value(parents[0], _child(a, m, n, cut, spread, resolution, carry), beyond)
                 + _value(parents[0], _child(b, m, n, cut, spread, resolution, carry), beyond)
                 + _value(parents[0], _child(c, -m, n, cut, spread, resolution, carry), beyond))
            if lorentzian:
                acc += s / (m * m + s * s)
            else:
                acc += s / (m * m)
        out[0, i] = source + lam2 * acc
        out[1, i] = x
        terms += k
    return terms


def generation(model, parents, out, key, log_scale):
    """Build one generation into ``out`` (rows: Gamma, x); returns the edges (three children per term).

    The linear recursions store Gamma in units of ``exp(log_scale)``; SCBA stores it physical.
    """
    if model.recursion == "scba":
        source = beyond = model.eta
    else:
        eta = math.exp(math.log(model.eta) - log_scale)
        source, beyond = (0.0, 0.0) if model.recursion == "term" else (eta, eta)
    terms = _generation(parents, out, key, model.T, model.fixed_terms, model.lam * model.lam, source, beyond,
                        model.recursion == "scba", model.cut, model.spread, model.resolution, model.carry_offset)
    return 3 * int(terms)


def initial(model, size, dtype="float64"):
    """Generation 0: Gamma = eta at every offset (1 in units of eta when rescaled), x on the design."""
    values = np.empty((2, size), dtype=dtype)
    values[0] = 1.0 if model.rescaled else model.eta
    _design(values[1], model.cut, model.spread)
    return values, (math.log(model.eta) if model.rescaled else 0.0)


@njit(parallel=True)
def _tilted_step(walkers, out, weight, key, scale, beta, carry):
    """One step of the beta-tilted offset walk: weight scale Z(x), then x' from p(x' - x) |x'|^(-2 beta) / Z(x).

    The singular factor |x'|^(-2 beta) is sampled, not weighted, so the weights are bounded (a
    weight 1/M^(2 beta) would have an infinite variance from beta = 1/4 on). The draw is by
    rejection: a proposal from |y|^(-2 beta) on [x - 1, x + 1] by inversion, accepted with
    probability p(y - x) = 1 - |y - x| (the acceptance Z(x) / int |y|^(-2 beta) is 1/(2(1 - beta)) at x = 0,
    down to about 1/8 at x = 1, beta = 0.45). Walkers hold |x'| (f is even).
    """
    e = 1.0 - 2.0 * beta
    for i in prange(walkers.size):
        x = walkers[i] if carry else 0.0
        weight[i] = scale * _step_mass(x, e)
        lo = math.copysign(abs(x - 1.0) ** e, x - 1.0) / e
        hi = math.copysign(abs(x + 1.0) ** e, x + 1.0) / e
        state = stream_start(key, i)
        while True:
            u, state = uniform(state)
            v, state = uniform(state)
            g = lo + u * (hi - lo)
            y = math.copysign(abs(e * g) ** (1.0 / e), g)
            if v < 1.0 - abs(y - x):
                break
        out[i] = abs(y)


class BAAOffsetPath:
    """The tilted population of the offset tree: a walker holds the offset x of the node on its path."""

    memoryless = False

    def __init__(self, model):
        self.model = model

    def start(self, size, key):
        return np.zeros(size)  # the root is on shell

    def step(self, walkers, out, weight, key, beta):
        if not 0.0 < beta < 0.5:
            raise ConfigError(f"beta must lie in (0, 1/2) for the offset tree (m(beta) is infinite beyond), got {beta}")
        m = self.model
        _tilted_step(walkers, out, weight, key, 3.0 * m.T * (m.lam * m.lam) ** beta, float(beta), m.carry_offset)


def path(model, pool_size=None, pool_generations=None, key=None):
    """The tilted population's moves (no fixed-point population: the siblings do not enter the weight)."""
    return BAAOffsetPath(model)
