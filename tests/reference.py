"""An independent, slow, pure-Python implementation of the RNG streams and the BAA recursions.

Written from the definitions (popdyn.rng and BACKGROUND.md section 2) with Python integers,
to check the numba kernels number by number on tiny populations.
"""

import math

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def generation_key(seed, n):
    k = mix64(seed ^ 0x5EED5EED5EED5EED)
    return mix64((k + n * GOLDEN) & MASK)


class Stream:
    """SplitMix64 from the sample's hashed key: the k-th number is mix64(start + k GOLDEN)."""

    def __init__(self, key, index):
        self.state = mix64((key + index * 0xD1B54A32D192ED03) & MASK)

    def u64(self):
        self.state = (self.state + GOLDEN) & MASK
        return mix64(self.state)

    def uniform(self):
        return (self.u64() >> 11) * 2.0**-53

    def uniform_open(self):
        return ((self.u64() >> 11) + 0.5) * 2.0**-53

    def index(self, n):
        return (self.u64() * n) >> 64  # exact integer arithmetic: the top word of the product

    def mismatch(self):
        """|m| by inversion of the triangular law."""
        u = self.uniform_open()
        return u / (1.0 + math.sqrt(1.0 - u))

    def poisson(self, mu):
        if mu < 10:
            u, k, p = self.uniform(), 0, math.exp(-mu)
            cdf = p
            while u > cdf and p > 0:
                k += 1
                p *= mu / k
                cdf += p
            return k
        slam, loglam = math.sqrt(mu), math.log(mu)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        while True:
            u = self.uniform_open() - 0.5
            v = self.uniform_open()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + mu + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -mu + k * loglam - math.lgamma(k + 1):
                return k


def generation(model, parents, key):
    """One generation in physical units (no normalization): a list of floats."""
    n = len(parents)
    lam2 = model.lam**2
    out = []
    for i in range(n):
        s = Stream(key, i)
        k = int(model.T) if model.coordination == "fixed" else s.poisson(model.T)
        acc = 0.0
        for _ in range(k):
            m = s.mismatch()
            a, b, c = s.index(n), s.index(n), s.index(n)
            S = parents[a] + parents[b] + parents[c]
            acc += S / (m * m + S * S) if model.recursion == "scba" else S / (m * m)
        source = 0.0 if model.recursion == "term" else model.eta
        out.append(source + lam2 * acc)
    return out


def evolve(model, size, generations, seed):
    """Generations 0..G of a tiny population, physical Gamma, as lists."""
    pop = [model.eta] * size
    history = [pop]
    for n in range(1, generations + 1):
        pop = generation(model, pop, generation_key(seed, n))
        history.append(pop)
    return history
