"""Counter-based random numbers for the kernels.

Every new sample ``i`` of generation ``n`` owns a private stream whose start is a hash of
``(seed, n, i)``. A kernel therefore draws the same numbers for sample ``i`` whichever
thread builds it and in whatever order, which is what makes a run's bits independent of
the thread count (numba's own ``np.random`` keeps one stream per thread and cannot do this).

The generator is SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): the ``k``-th number of a
stream with start ``s`` is ``mix64(s + k * GOLDEN)``, a counter-based construction whose
output passes BigCrush. Streams are started at hashed, effectively random points of the
2^64 cycle; two streams of length ``L`` overlap with probability about ``2 L / 2^64``.
(xoshiro256++ per sample, seeded from SplitMix64, was measured no faster in the kernel.)

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
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO_M53 = 2.0**-53
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
    return subkey(mix64(np.uint64(seed) ^ _SEED_SALT), generation)


def subkey(key, n):
    """Key of the n-th family of streams under ``key``: generation n of a seed's key, or of any other key."""
    with np.errstate(over="ignore"):
        return np.uint64(mix64(np.uint64(key) + np.uint64(n) * GOLDEN))


@njit
def stream_start(key, index):
    """Start of the stream of sample ``index`` under a generation ``key``."""
    return mix64(key + np.uint64(index) * _SAMPLE_MUL)


@njit
def next_u64(state):
    """The next SplitMix64 output of a stream: mix64 of a counter advanced by GOLDEN."""
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


#: The largest population: indices are drawn with a 64 x 32-bit multiply (``index_below``).
MAX_SIZE = 2**32


@njit
def index_below(state, n):
    """A uniform integer in ``[0, n)``, n <= 2^32: floor(x n / 2^64) for a 64-bit draw x.

    The top word of the 96-bit product, from two 32 x 32-bit multiplications; each result has
    probability within n / 2^64 of 1/n (below 2.4e-10 relative for n < 2^32): integer-only, and
    cheaper than converting 53 bits to a float and back.
    """
    x, state = next_u64(state)
    nu = np.uint64(n)
    high = (x >> _S32) * nu + (((x & _MASK32) * nu) >> _S32)
    return np.int64(high >> _S32), state


@njit
def inverse_mismatch(state):
    """``1/|m|`` for ``m = u1 + u2``, ``u1, u2 ~ U(-1/2, 1/2)`` (|m| has density 2 (1 - x) on (0, 1)).

    By inversion of P(|m| <= x) = 1 - (1 - x)^2 from one open uniform u:
    ``|m| = 1 - sqrt(1 - u) = u / (1 + sqrt(1 - u))``, so ``1/|m| = (1 + sqrt(1 - u)) / u``, exact in
    relative terms near |m| = 0, where the resonances are. The weights lam^2 / m^2 need only |m|;
    ``u >= 2^-54``, so 1/|m| is always finite. Returning the inverse spares the kernels a division.
    """
    u, state = uniform_open(state)
    return (1.0 + math.sqrt(1.0 - u)) / u, state


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
        r, _ = inverse_mismatch(stream_start(key, i))
        out[i] = 1.0 / r


def mismatch_sample(size, seed=0):
    """``size`` draws of the mismatch magnitude ``|m|`` (for tests and diagnostics)."""
    out = np.empty(size, dtype=np.float64)
    _mismatch_batch(generation_key(seed, 0), out)
    return out
