"""Resampling of the tilted population's walkers (``popdyn.tilted``)."""

from .._jit import njit
from ..rng import stream_start, uniform


@njit
def _systematic(weight, key, index):
    """Systematic resampling: walker i takes the one whose cumulative weight passes (u + i) / N of the total.

    Sequential sums in index order: the same indices for any thread count. Returns the total.
    """
    n = weight.size
    u, _ = uniform(stream_start(key, n))
    total = 0.0
    for i in range(n):
        total += weight[i]
    step = total / n
    position = u * step
    j = 0
    cumulative = weight[0]
    for i in range(n):
        while cumulative < position and j < n - 1:
            j += 1
            cumulative += weight[j]
        index[i] = j
        position += step
    return total


def systematic_resample(weight, key, index):
    """Fill ``index`` with ``weight.size`` draws proportional to ``weight`` (systematic); returns the sum of weights.

    The one uniform comes from the stream just past the walkers' own, ``stream_start(key, N)``.
    """
    return _systematic(weight, key, index)
