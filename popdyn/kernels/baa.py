"""Kernels of the BAA tree model: one generation of Eq. 25 / Eqs. 18-19.

The private kernels write generation n+1 into an array they are given, in parallel over new
samples, with no allocation per sample (the blocked kernel for large populations allocates its
scratch once per block of about 4096 terms). Sample ``i`` draws everything from its own
counter-based stream (``popdyn.rng``), so its value does not depend on the thread count.
Every kernel consumes a node's stream in the one order written by ``_node`` and ``_term``: the
term count, then per decay term 1/|m| and the indices of its three children.
"""

import math

import numpy as np

from .._jit import njit, prange
from ..errors import ConfigError
from ..rng import index_below, inverse_mismatch, poisson, stream_start


@njit
def _node(key, i, T, exp_neg_T, fixed_terms):
    """Start node i's stream and draw its number of decay terms (Poisson(T), or ``fixed_terms``)."""
    state = stream_start(key, i)
    if fixed_terms >= 0:
        return fixed_terms, state
    return poisson(state, T, exp_neg_T)


@njit
def _term(state, n):
    """One decay term's draws: r = 1/|m|, then the indices below n of its three children."""
    r, state = inverse_mismatch(state)
    a, state = index_below(state, n)
    b, state = index_below(state, n)
    c, state = index_below(state, n)
    return r, a, b, c, state


@njit
def _children_sum(values, a, b, c):
    """S = Gamma_a + Gamma_b + Gamma_c, summed in float64."""
    return np.float64(values[a]) + np.float64(values[b]) + np.float64(values[c])


@njit
def _term_value(s, r, lorentzian):
    """One decay term given S and r = 1/|m|: S / m^2, or S / (m^2 + S^2) for SCBA (Eqs. 18-19,
    where three Lorentzians of widths Gamma_a,b,c convolve into one of width S)."""
    if lorentzian:
        q = s * r
        return q * r / (1.0 + q * q)
    return s * r * r


@njit
def _sample(parents, key, i, T, exp_neg_T, fixed_terms, lorentzian):
    """sum_j f(S_j, m_j) of new sample i, drawn from its own stream; returns (sum, terms)."""
    k, state = _node(key, i, T, exp_neg_T, fixed_terms)
    acc = 0.0
    for _ in range(k):
        r, a, b, c, state = _term(state, parents.size)
        acc += _term_value(_children_sum(parents, a, b, c), r, lorentzian)
    return acc, k


@njit(parallel=True)
def _generation(parents, out, key, T, fixed_terms, lam2, source, lorentzian):
    """out_i = source + lam2 * sum_{j < k_i} f(S_j, m_j); returns the number of terms drawn.

    ``f = S / m^2`` for the linear recursions: with ``source = 0`` the n-th order term of
    Eq. 26, otherwise Eq. 25 (the source in the units of ``parents``); ``f = S / (m^2 + S^2)``
    when ``lorentzian`` (SCBA).
    """
    exp_neg_T = math.exp(-T)
    terms = 0
    for i in prange(out.size):
        acc, k = _sample(parents, key, i, T, exp_neg_T, fixed_terms, lorentzian)
        out[i] = source + lam2 * acc
        terms += k
    return terms


@njit(parallel=True)
def _generation_blocked(parents, out, key, T, fixed_terms, lam2, source, lorentzian, block, capacity):
    """``_generation`` with the gathers of a block of samples done in one tight pass.

    When the parents do not fit in cache, every gather is a trip to memory, and a loop that
    also runs the random-number arithmetic keeps few of them in flight. Here each block of
    ``block`` samples first draws all its terms (1/|m| and parent indices, in each sample's
    stream order) into scratch of ``capacity`` terms, then gathers all parents at once, then
    sums each sample's terms in the same order as ``_generation``: the result is bit-identical.
    A block whose terms overflow the scratch finishes its remaining samples directly.
    """
    exp_neg_T = math.exp(-T)
    n = parents.size
    size = out.size
    terms = 0
    for b in prange((size + block - 1) // block):
        lo = b * block
        hi = min(lo + block, size)
        inv_m = np.empty(capacity)
        index = np.empty(3 * capacity, dtype=np.int64)
        value = np.empty(3 * capacity)
        count = np.empty(hi - lo, dtype=np.int64)
        t = 0
        stop = hi
        for i in range(lo, hi):
            k, state = _node(key, i, T, exp_neg_T, fixed_terms)
            if t + k > capacity:
                stop = i
                break
            count[i - lo] = k
            for _ in range(k):
                r, j0, j1, j2, state = _term(state, n)
                inv_m[t] = r
                index[3 * t] = j0
                index[3 * t + 1] = j1
                index[3 * t + 2] = j2
                t += 1
        for q in range(3 * t):
            value[q] = parents[index[q]]
        t = 0
        for i in range(lo, stop):
            acc = 0.0
            for _ in range(count[i - lo]):
                s = _children_sum(value, 3 * t, 3 * t + 1, 3 * t + 2)
                acc += _term_value(s, inv_m[t], lorentzian)
                t += 1
            out[i] = source + lam2 * acc
        terms += t
        for i in range(stop, hi):
            acc, k = _sample(parents, key, i, T, exp_neg_T, fixed_terms, lorentzian)
            out[i] = source + lam2 * acc
            terms += k
    return terms


#: Parents larger than this (bytes) are gathered block by block (``_generation_blocked``):
#: measured 2x faster at N = 10^7 and 0.75x at N <= 10^6 (where the parents sit in cache).
BLOCKED_ABOVE_BYTES = 16 * 2**20
#: Terms per block of ``_generation_blocked``: scratch of ~0.2 MB per thread, within L2.
BLOCK_TERMS = 4096


def _block_shape(T, fixed_terms):
    mean = float(fixed_terms) if fixed_terms >= 0 else T
    block = int(min(1024, max(1, BLOCK_TERMS // max(mean, 1.0))))
    spread = 0.0 if fixed_terms >= 0 else 10.0 * math.sqrt(block * mean)
    return block, int(block * mean + spread) + 16


def baa_generation(model, parents, out, key, log_scale):
    """Build one generation of the BAA tree model into ``out``.

    Parameters
    ----------
    model : popdyn.models.BAATree
    parents, out : ndarray, shape (1, N)
        Generation n (read) and n+1 (written), in units of ``exp(log_scale)`` for the
        rescaled recursions. They must not overlap.
    key : numpy.uint64
        The generation's stream key, ``popdyn.rng.generation_key(seed, n + 1)``.
    log_scale : float
        ln of the unit of ``parents`` (0 for SCBA, whose samples are physical).

    Returns
    -------
    int
        Edges gathered: three children per decay term.
    """
    if model.recursion == "term":
        source = 0.0
    elif model.recursion == "linear":
        source = math.exp(math.log(model.eta) - log_scale)
    else:
        source = model.eta  # SCBA samples are physical (log_scale = 0)
    args = (parents[0], out[0], key, model.T, model.fixed_terms, model.lam * model.lam, source,
            model.recursion == "scba")
    if parents[0].nbytes > BLOCKED_ABOVE_BYTES:
        terms = _generation_blocked(*args, *_block_shape(model.T, model.fixed_terms))
    else:
        terms = _generation(*args)
    return 3 * int(terms)


def baa_initial(model, size, dtype="float64"):
    """Generation 0: every sample equal to eta, stored as 1 in units of eta when rescaled."""
    values = np.ones((1, size), dtype=dtype) if model.rescaled else np.full((1, size), model.eta, dtype=dtype)
    log_scale = math.log(model.eta) if model.rescaled else 0.0
    return values, log_scale


@njit(parallel=True)
def _tilted_weights(weight, key, T, fixed_terms, scale):
    """``scale * k`` for fresh nodes, k their number of decay terms: the memoryless tilted step.

    Node i draws its term count from its stream like a generation's node (so it sees the count
    of that node); ``scale`` is 3 lam^(2 beta) E|m|^(-2 beta), each term's sum over its three
    children of w^beta with the mismatch integrated out.
    """
    exp_neg_T = math.exp(-T)
    for i in prange(weight.size):
        k, _ = _node(key, i, T, exp_neg_T, fixed_terms)
        weight[i] = scale * k


@njit
def _power_integrals(a, b, e):
    """int_a^b |y|^(e - 1) dy and int_a^b y |y|^(e - 1) dy (a < b, either sign), e = 1 - 2 beta > 0."""
    g0 = (math.copysign(abs(b) ** e, b) - math.copysign(abs(a) ** e, a)) / e
    g1 = (abs(b) ** (e + 1.0) - abs(a) ** (e + 1.0)) / (e + 1.0)
    return g0, g1


@njit
def _step_mass(x, e):
    """Z(x) = int p(y - x) |y|^(-2 beta) dy over y in [x - 1, x + 1], p the triangle: the step's weight."""
    left0, left1 = _power_integrals(x - 1.0, x, e)
    right0, right1 = _power_integrals(x, x + 1.0, e)
    return (1.0 - x) * left0 + left1 + (1.0 + x) * right0 - right1


class BAAPath:
    """The tilted population of the BAA tree: memoryless, so a step is a fresh node's ``sum of w^beta``.

    The single weight w^beta = (lam^2 / m^2)^beta has an infinite variance from beta = 1/4 on
    (P(w > y) ~ y^(-1/2)): its sample mean converged so slowly that ln of it was biased low with
    an interval that missed ln m (1.697 [1.652, 1.742] against 1.927 at lam = 0.1, T = 1,
    beta = 0.45; 4 replicas of 20000 x 20 nodes, 95 %). The mismatch is therefore integrated out (Rao-Blackwell) as in the offset
    tree's tilted step: E[|m|^(-2 beta)] = Z(0), the offset tree's step mass at x = 0, in
    closed form (``_step_mass``), and only the term count k is sampled, so the weights have every moment for
    0 < beta < 1/2. With fixed coordination nothing random is left: the estimate is exact.
    """

    memoryless = True

    def __init__(self, model):
        self.model = model

    def start(self, size, key):
        return np.zeros(size)

    def step(self, walkers, out, weight, key, beta):
        if not 0.0 < beta < 0.5:
            raise ConfigError(f"beta must lie in (0, 1/2) for the BAA tree (m(beta) is infinite beyond), got {beta}")
        m = self.model
        scale = 3.0 * (m.lam * m.lam) ** beta * _step_mass(0.0, 1.0 - 2.0 * beta)
        _tilted_weights(weight, key, m.T, m.fixed_terms, scale)


def baa_path(model, pool_size=None, pool_generations=None, key=None):
    """The tilted population's moves of the BAA tree (memoryless: no fixed-point population is needed)."""
    return BAAPath(model)


# The kernel module's interface (``popdyn.kernels.kernels_for``): ``BAATree.kernels`` names this module.
generation, initial, path = baa_generation, baa_initial, baa_path
