"""Kernels of the BAA tree model: one generation of Eq. 25 / Eqs. 18-19.

The private kernels write generation n+1 into an array they are given, in parallel over new
samples, with no allocation in the loop. Sample ``i`` draws everything from its own
counter-based stream (``popdyn.rng``), so its value does not depend on the thread count.
Per decay term the stream is consumed in a fixed order: the mismatch (two numbers), then
the three children (one number each).
"""

import math

import numpy as np

from .._jit import njit, prange
from ..rng import index_below, poisson, stream_start, triangular_mismatch


@njit
def _term_count(state, T, exp_neg_T, fixed_terms):
    if fixed_terms >= 0:
        return fixed_terms, state
    return poisson(state, T, exp_neg_T)


@njit
def _children_sum(parents, state):
    n = parents.size
    a, state = index_below(state, n)
    b, state = index_below(state, n)
    c, state = index_below(state, n)
    return parents[a] + parents[b] + parents[c], state


@njit(parallel=True)
def _linear_generation(parents, out, key, T, fixed_terms, lam2, source):
    """out_i = source + lam2 * sum_{j < k_i} S_j / m_j^2; returns the number of terms drawn.

    With ``source = 0`` this is the n-th order term of Eq. 26, otherwise the linear
    equation 25 (with the source expressed in the units of ``parents``).
    """
    exp_neg_T = math.exp(-T)
    terms = 0
    for i in prange(out.size):
        state = stream_start(key, i)
        k, state = _term_count(state, T, exp_neg_T, fixed_terms)
        acc = 0.0
        for _ in range(k):
            m, state = triangular_mismatch(state)
            s, state = _children_sum(parents, state)
            acc += s / (m * m)
        out[i] = source + lam2 * acc
        terms += k
    return terms


@njit(parallel=True)
def _scba_generation(parents, out, key, T, fixed_terms, lam2, eta):
    """out_i = eta + lam2 * sum_j S_j / (m_j^2 + S_j^2) (Eqs. 18-19 on the tree)."""
    exp_neg_T = math.exp(-T)
    terms = 0
    for i in prange(out.size):
        state = stream_start(key, i)
        k, state = _term_count(state, T, exp_neg_T, fixed_terms)
        acc = 0.0
        for _ in range(k):
            m, state = triangular_mismatch(state)
            s, state = _children_sum(parents, state)
            acc += s / (m * m + s * s)
        out[i] = eta + lam2 * acc
        terms += k
    return terms


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
    lam2 = model.lam * model.lam
    args = (parents[0], out[0], key, model.T, model.fixed_terms, lam2)
    if model.recursion == "scba":
        terms = _scba_generation(*args, model.eta)
    else:
        source = math.exp(math.log(model.eta) - log_scale) if model.recursion == "linear" else 0.0
        terms = _linear_generation(*args, source)
    return 3 * int(terms)


def baa_initial(model, size):
    """Generation 0: every sample equal to eta, stored as 1 in units of eta when rescaled."""
    values = np.ones((1, size)) if model.rescaled else np.full((1, size), model.eta)
    log_scale = math.log(model.eta) if model.rescaled else 0.0
    return values, log_scale
