"""Counter-based random numbers for the kernels.

Every new sample ``i`` of generation ``n`` owns a private stream whose start is a hash of
``(seed, n, i)``. A kernel therefore draws the same numbers for sample ``i`` whichever
thread builds it and in whatever order, which is what makes a run's bits independent of
the thread count (numba's own ``np.random`` keeps one stream per thread and cannot do this).

The generator is SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): the ``k``-th number of a
stream with start ``s`` is ``mix64(s + k * GOLDEN)``, a counter-based construction whose
output passes BigCrush. Streams are started at hashed, effectively random points of the
2^64 cycle; two streams of length ``L`` overlap with probability about ``2 L / 2^64``.

The draw functions take the stream state and return ``(value, new_state)``: numba
inlines them, so the state lives in a register of the hot loop.
"""

import math

import numpy as np

from ._jit import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_SAMPLE_MUL = np.uint64(0xD1B54A32D192ED03)
_SEED_SALT = np.uint64(0x5EED5EED5EED5EED)
_S11 = np.uint64(11)
_S12 = np.uint64(12)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_TWO_M53 = 2.0**-53
_TWO_52 = np.int64(2**52)
_TWO_53 = np.int64(2**53)
_PTRS_THRESHOLD = 10.0


@njit
def mix64(z):
    """The SplitMix64 finalizer: a bijective avalanche hash of one uint64."""
    z = (z ^ (z >> _S30)) * _MUL1
    z = (z ^ (z >> _S27)) * _MUL2
    return z ^ (z >> _S31)


def generation_key(seed, generation):
    """Key of one generation's streams, a uint64 hash of ``(seed, generation)``."""
    if seed < 0 or generation < 0:
        raise ValueError("seed and generation must be non-negative")
    with np.errstate(over="ignore"):
        k = np.uint64(mix64(np.uint64(seed) ^ _SEED_SALT))
        return np.uint64(mix64(k + np.uint64(generation) * GOLDEN))


@njit
def stream_start(key, index):
    """Start of the stream of sample ``index`` under a generation ``key``."""
    return mix64(key + np.uint64(index) * _SAMPLE_MUL)


@njit
def next_u64(state):
    state = state + GOLDEN
    return mix64(state), state


@njit
def uniform(state):
    """U[0, 1) on the 2^-53 grid."""
    x, state = next_u64(state)
    return np.float64(x >> _S11) * _TWO_M53, state


@njit
def uniform_open(state):
    """U(0, 1): the 2^-53 grid shifted by half a step, so neither end is reached."""
    x, state = next_u64(state)
    return (np.float64(x >> _S11) + 0.5) * _TWO_M53, state


@njit
def index_below(state, n):
    """A uniform integer in ``[0, n)`` from 53 random bits (bias below n / 2^53)."""
    x, state = next_u64(state)
    i = np.int64(np.float64(x >> _S11) * (n * _TWO_M53))
    if i >= n:  # float rounding can reach n when n is not a power of two
        i = n - 1
    return i, state


@njit
def triangular_mismatch(state):
    """``m = u1 + u2`` with ``u1, u2 ~ U(-1/2, 1/2)``: the triangular law on (-1, 1).

    Computed exactly on the 2^-53 grid as an odd multiple of 2^-53, so ``m`` is never 0 and
    ``1/m^2`` is always finite (at most 2^106): ``m * 2^53 = 2 (j1 + j2) + 1 - 2^53`` with
    ``j1, j2`` uniform on ``[0, 2^52)``.
    """
    x1, state = next_u64(state)
    x2, state = next_u64(state)
    j = np.int64(x1 >> _S12) + np.int64(x2 >> _S12)
    return np.float64(2 * j + 1 - _TWO_53) * _TWO_M53, state


@njit
def poisson(state, mu, exp_neg_mu):
    """An exact Poisson(mu) draw; ``exp_neg_mu`` is ``exp(-mu)``, computed once by the caller.

    Below mu = 10: inversion by sequential search (exact, about mu + 1 steps). From 10 on:
    the transformed rejection PTRS of Hoermann (Insurance Math. Econom. 12, 39 (1993)),
    exact and O(1) in mu, the algorithm NumPy uses for the same range.
    """
    if mu < _PTRS_THRESHOLD:
        u, state = uniform(state)
        k = 0
        p = exp_neg_mu
        cdf = p
        while u > cdf and p > 0.0:  # p underflows only far beyond any reachable u
            k += 1
            p *= mu / k
            cdf += p
        return k, state
    slam = math.sqrt(mu)
    loglam = math.log(mu)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, state = uniform_open(state)
        u -= 0.5
        v, state = uniform_open(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mu + 0.43)
        if us >= 0.07 and v <= vr:
            return np.int64(k), state
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -mu + k * loglam - math.lgamma(k + 1.0)
        ):
            return np.int64(k), state


@njit
def _poisson_batch(key, mu, out):
    exp_neg_mu = math.exp(-mu)
    for i in range(out.size):
        state = stream_start(key, i)
        out[i], _ = poisson(state, mu, exp_neg_mu)


def poisson_sample(mu, size, seed=0):
    """``size`` Poisson(mu) draws, one per stream (for tests and diagnostics)."""
    out = np.empty(size, dtype=np.int64)
    _poisson_batch(generation_key(seed, 0), float(mu), out)
    return out


@njit
def _mismatch_batch(key, out):
    for i in range(out.size):
        out[i], _ = triangular_mismatch(stream_start(key, i))


def mismatch_sample(size, seed=0):
    """``size`` draws of the triangular mismatch ``m`` (for tests and diagnostics)."""
    out = np.empty(size, dtype=np.float64)
    _mismatch_batch(generation_key(seed, 0), out)
    return out
