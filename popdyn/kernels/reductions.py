"""Population statistics with a fixed summation order.

A parallel reduction sums in an order that depends on the thread count, and floating-point
addition is not associative: the normalization of the next generation would then change in
its last bits with the thread count. Here every sum runs over fixed blocks of ``BLOCK``
samples, each block summed sequentially, and the block sums are then added on the host in
a fixed order, so the result is the same for any number of threads.
"""

import math

import numpy as np

from .._jit import njit, prange

BLOCK = 1 << 14
QUANTILES = (0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99)


@njit(parallel=True)
def _first_pass(g, block, sum_log, n_pos, min_pos, sum_val):
    for b in prange(sum_log.size):
        lo = b * block
        hi = min(lo + block, g.size)
        s = 0.0
        c = 0
        mn = np.inf
        sv = 0.0
        for j in range(lo, hi):
            v = g[j]
            if v > 0.0:
                s += math.log(v)
                c += 1
                sv += v
                if v < mn:
                    mn = v
        sum_log[b] = s
        n_pos[b] = c
        min_pos[b] = mn
        sum_val[b] = sv


@njit(parallel=True)
def _second_pass(g, block, mean_log, mean_val, gmin, sq_log, inv_rel, sq_dev):
    for b in prange(sq_log.size):
        lo = b * block
        hi = min(lo + block, g.size)
        a = 0.0
        r = 0.0
        d = 0.0
        for j in range(lo, hi):
            v = g[j]
            d += (v - mean_val) ** 2
            if v > 0.0:
                a += (math.log(v) - mean_log) ** 2
                r += gmin / v
        sq_log[b] = a
        inv_rel[b] = r
        sq_dev[b] = d


RADIX_BITS = 16


@njit
def _bucket(g, bits, shift, j):
    """Bucket 0 for the zeros (+0.0 and -0.0); 1 + the RADIX_BITS bits after the sign for positive
    samples; the last bucket for NaN and negative samples, which the caller leaves to numpy.

    Zeros get a bucket of their own because a population may hold many of them, and a rank
    among them needs no selection.
    """
    v = g[j]
    if v > 0.0:
        return np.int64(bits[j] >> shift) + 1
    if v == 0.0:
        return 0
    return (1 << RADIX_BITS) + 1


@njit(parallel=True)
def _bucket_histogram(g, bits, shift, hist):
    """hist[c, b]: how many samples of chunk c fall in bucket b."""
    chunks = hist.shape[0]
    n = bits.size
    for c in prange(chunks):
        for j in range(c * n // chunks, (c + 1) * n // chunks):
            hist[c, _bucket(g, bits, shift, j)] += 1


@njit(parallel=True)
def _gather_buckets(g, bits, shift, slot, start, out):
    """Copy the samples of the selected buckets (slot[b] >= 0) into ``out``, chunk c of bucket
    slot[b] at start[c, slot[b]] onwards (an exact layout: every chunk knows its counts)."""
    chunks = start.shape[0]
    n = bits.size
    for c in prange(chunks):
        pos = start[c].copy()
        for j in range(c * n // chunks, (c + 1) * n // chunks):
            s = slot[_bucket(g, bits, shift, j)]
            if s >= 0:
                out[pos[s]] = g[j]
                pos[s] += 1


def quantiles(g, qs):
    """``np.quantile(g, qs)`` (its default linear interpolation) for a non-negative array, in parallel.

    A radix select: one parallel pass counts the samples per bucket of the top 16 bits of their
    IEEE representation (monotone in the value for non-negative floats; the zeros apart), a
    second copies out the few buckets that hold the order statistics needed, and only those are
    partitioned. The counts are integers, so the result does not depend on the thread count.
    Other inputs (small, not 1-d float32/float64, with NaN or negative samples) go to numpy.

    Examples
    --------
    >>> g = np.random.default_rng(0).exponential(size=100_001)
    >>> bool(np.all(quantiles(g, [0.01, 0.5, 0.99]) == np.quantile(g, [0.01, 0.5, 0.99])))
    True
    """
    qs = np.asarray(qs, dtype=float)
    g = np.ascontiguousarray(g)
    n = g.size
    if n < 1 << 16 or g.ndim != 1 or g.dtype not in (np.float64, np.float32):
        return np.quantile(g, qs)  # small populations: numpy's own selection is as fast
    bits = g.view(np.uint64 if g.dtype == np.float64 else np.uint32)
    shift = bits.dtype.type(8 * g.itemsize - 1 - RADIX_BITS)  # the sign bit is 0 for positive samples
    hist = np.zeros((min(16, n >> 16), (1 << RADIX_BITS) + 2), dtype=np.int64)
    _bucket_histogram(g, bits, shift, hist)
    if hist[:, -1].any():  # NaN or negative samples: numpy's answer (nan for a NaN) is the one to give
        return np.quantile(g, qs)
    below = np.concatenate(([0], np.cumsum(hist.sum(axis=0))))  # samples in buckets < b
    virtual = (n - 1) * qs.ravel()
    lower = np.floor(virtual).astype(np.int64)
    ranks = np.unique(np.concatenate((lower, np.minimum(lower + 1, n - 1))))
    buckets = np.unique(np.searchsorted(below, ranks, side="right") - 1)
    order = {int(r): g.dtype.type(0) for r in ranks if r < below[1]}  # ranks among the zeros
    buckets = buckets[buckets > 0]
    slot = np.full((1 << RADIX_BITS) + 2, -1, dtype=np.int64)
    slot[buckets] = np.arange(buckets.size)
    counts = hist[:, buckets]  # (chunks, selected buckets)
    sizes = counts.sum(axis=0)
    base = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    start = base[None, :] + np.cumsum(counts, axis=0) - counts
    out = np.empty(int(sizes.sum()), dtype=g.dtype)
    _gather_buckets(g, bits, shift, slot, np.ascontiguousarray(start), out)
    for k, b in enumerate(buckets):
        part = out[base[k]:base[k] + sizes[k]]
        inside = [int(r - below[b]) for r in ranks if below[b] <= r < below[b + 1]]
        part.partition(inside)
        order.update((int(below[b]) + i, part[i]) for i in inside)
    a = np.array([order[int(k)] for k in lower], dtype=g.dtype)
    b = np.array([order[int(min(k + 1, n - 1))] for k in lower], dtype=g.dtype)
    t = virtual - lower
    # numpy's _lerp (the difference in the samples' own precision), so that the result is the same to the last bit
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t).reshape(qs.shape)[()]


@njit(parallel=True)
def _scale_inplace(g, factor):
    for j in prange(g.size):
        g[j] *= factor


def log_summary(g):
    """Statistics of ln g for a positive-or-zero sample array ``g``, in the units of ``g``.

    Returns a dict with ``mean_ln``, ``sd_ln`` (over g > 0), ``ln_qXX`` (quantiles of ln g over
    all samples, -inf where the quantile is an exact zero), ``zero_fraction``,
    ``ln_gamma_mle`` (ln of the Levy-scale MLE n_pos / (2 sum 1/g) over g > 0, BACKGROUND
    section 4), ``ln_mean`` and ``ln_var`` (ln of the mean and variance over all samples).
    """
    n = g.size
    nb = -(-n // BLOCK)
    sum_log = np.empty(nb)
    n_pos = np.empty(nb, dtype=np.int64)
    min_pos = np.empty(nb)
    sum_val = np.empty(nb)
    _first_pass(g, BLOCK, sum_log, n_pos, min_pos, sum_val)
    npos = int(n_pos.sum())
    out = {"zero_fraction": 1.0 - npos / n}
    with np.errstate(divide="ignore"):
        out.update((f"ln_q{round(100 * q):02d}", v) for q, v in zip(QUANTILES, np.log(quantiles(g, QUANTILES))))
    if npos == 0:
        nan, ninf = float("nan"), float("-inf")
        out.update(mean_ln=ninf, sd_ln=nan, ln_gamma_mle=ninf, ln_mean=ninf, ln_var=ninf)
        return out
    mean_log = float(sum_log.sum()) / npos
    mean_val = float(sum_val.sum()) / n
    gmin = float(min_pos.min())
    sq_log = np.empty(nb)
    inv_rel = np.empty(nb)
    sq_dev = np.empty(nb)
    _second_pass(g, BLOCK, mean_log, mean_val, gmin, sq_log, inv_rel, sq_dev)
    with np.errstate(divide="ignore"):
        out.update(
            mean_ln=mean_log,
            sd_ln=math.sqrt(float(sq_log.sum()) / max(npos - 1, 1)),
            # sum 1/g = (1/gmin) sum gmin/g keeps the sum finite however small gmin is
            ln_gamma_mle=math.log(npos / 2.0) + math.log(gmin) - math.log(float(inv_rel.sum())),
            ln_mean=math.log(mean_val),
            ln_var=float(np.log(float(sq_dev.sum()) / max(n - 1, 1))),
        )
    return out


def rescale_by_power_of_two(g, exponent):
    """``g *= 2**-exponent`` in place: exact, so the log-scale bookkeeping loses nothing."""
    if exponent:
        _scale_inplace(g, math.ldexp(1.0, -exponent))
