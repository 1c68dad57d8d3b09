"""Kernels of the BAA tree model: one generation of Eq. 25 / Eqs. 18-19.

The private kernels write generation n+1 into an array they are given, in parallel over new
samples, with no allocation in the loop. Sample ``i`` draws everything from its own
counter-based stream (``popdyn.rng``), so its value does not depend on the thread count.
Per decay term the stream is consumed in a fixed order: the mismatch |m| (one number), then
the three children (one number each).
"""

import math

import numpy as np

from .._jit import njit, prange
from ..rng import index_below, inverse_mismatch, poisson, stream_start


@njit
def _term_count(state, T, exp_neg_T, fixed_terms):
    if fixed_terms >= 0:
        return fixed_terms, state
    return poisson(state, T, exp_neg_T)


@njit
def _children_sum(parents, state):
    """S = Gamma_a + Gamma_b + Gamma_c of three uniform parents, summed in float64."""
    n = parents.size
    a, state = index_below(state, n)
    b, state = index_below(state, n)
    c, state = index_below(state, n)
    return np.float64(parents[a]) + np.float64(parents[b]) + np.float64(parents[c]), state


@njit(parallel=True)
def _generation(parents, out, key, T, fixed_terms, lam2, source, lorentzian):
    """out_i = source + lam2 * sum_{j < k_i} f(S_j, m_j); returns the number of terms drawn.

    ``f = S / m^2`` for the linear recursions: with ``source = 0`` the n-th order term of
    Eq. 26, otherwise Eq. 25 (the source in the units of ``parents``). ``f = S / (m^2 + S^2)``
    when ``lorentzian``: the SCBA of Eqs. 18-19, where three Lorentzians of widths Gamma_a,b,c
    convolve into one of width S. One loop serves all three, so the order in which a sample's
    stream is consumed is written down once.
    """
    exp_neg_T = math.exp(-T)
    terms = 0
    for i in prange(out.size):
        state = stream_start(key, i)
        k, state = _term_count(state, T, exp_neg_T, fixed_terms)
        acc = 0.0
        for _ in range(k):
            r, state = inverse_mismatch(state)  # 1/|m|
            s, state = _children_sum(parents, state)
            if lorentzian:
                q = s * r
                acc += q * r / (1.0 + q * q)  # = S / (m^2 + S^2)
            else:
                acc += s * r * r  # = S / m^2
        out[i] = source + lam2 * acc
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
    if model.recursion == "term":
        source = 0.0
    elif model.recursion == "linear":
        source = math.exp(math.log(model.eta) - log_scale)
    else:
        source = model.eta  # SCBA samples are physical (log_scale = 0)
    terms = _generation(parents[0], out[0], key, model.T, model.fixed_terms, model.lam * model.lam, source,
                        model.recursion == "scba")
    return 3 * int(terms)


def baa_initial(model, size, dtype="float64"):
    """Generation 0: every sample equal to eta, stored as 1 in units of eta when rescaled."""
    values = np.ones((1, size), dtype=dtype) if model.rescaled else np.full((1, size), model.eta, dtype=dtype)
    log_scale = math.log(model.eta) if model.rescaled else 0.0
    return values, log_scale
