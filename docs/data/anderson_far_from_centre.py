"""The table of docs/validation.md "Away from the band centre": K lambda(1/2) by both estimators across E.

Run from the repository root (about 5 minutes on 2 cores):

    python docs/data/anderson_far_from_centre.py

K = 2, W = 16, box disorder, seed 0; the quadrature on 1000 cells (and 500 for its grid error) with
10^6 sibling draws, the tilted population with 5 * 10^4 walkers and 200 steps (50 burn-in), both
over 4 replicas with a fixed-point population of 2 * 10^5. Intervals at 95 %, with the systematic
terms inside. Then K lambda(beta) near 1/2 at E = 10 (the band edge), where the two estimators part,
and the two modes of the quadrature's matrix there (2000 cells): the bulk (a > 1), the resonances
(a < 1), and both.
"""

import math

import numpy as np

from popdyn.models import AndersonTree
from popdyn.tilted import _SAMPLES, _key, _path, perron_eigenvalue, quadrature_growth, tilted_growth

QUADRATURE = {"points": 1000, "samples": 1_000_000, "pool_size": 200_000, "replicas": 4}
POPULATION = {"size": 50_000, "steps": 200, "burn_in": 50, "pool_size": 200_000, "replicas": 4}


def cell(g):
    lo, hi = g.growth_interval
    return f"{g.growth:.6g} [{lo:.6g}, {hi:.6g}]"


def main():
    print("| E | quadrature | tilted population | K/abs(E) |")
    print("|---:|---|---|---:|")
    for E in (0.0, 5.0, 8.0, 9.5, 10.0, 11.0, 12.0, 20.0, 100.0, 1e4, 1e8):
        model = AndersonTree(W=16.0, E=E)
        q = quadrature_growth(model, 0.5, **QUADRATURE)
        p = tilted_growth(model, 0.5, **POPULATION)
        print(f"| {E:g} | {cell(q)} | {cell(p)} | {2 / abs(E) if E else math.inf:.6g} |", flush=True)
    print()
    print("| beta | quadrature | tilted population |")
    print("|---:|---|---|")
    model = AndersonTree(W=16.0, E=10.0)
    for beta in (0.4, 0.47, 0.49, 0.5, 0.51, 0.6):
        q = quadrature_growth(model, beta, **QUADRATURE)
        p = cell(tilted_growth(model, beta, **POPULATION)) if beta <= 0.5 else "refused (ask for 1 - beta)"
        print(f"| {beta:g} | {cell(q)} | {p} |", flush=True)
    print()
    kernel = _path(model, 200_000, 50, 0, 0).quadrature(0.5, 1_000_000, _key(0, 0, _SAMPLES, 0))
    matrix = kernel.matrix(2000)
    a = kernel.centre + kernel.scale * np.tan(np.arange(2001) * (math.pi / 2000) - 0.5 * math.pi)
    bulk = a[:-1] >= 1.0
    for name, cells in (("bulk, a > 1", bulk), ("resonances, a < 1", ~bulk), ("both", bulk | ~bulk)):
        print(f"{name}: K lambda(1/2) = {perron_eigenvalue(matrix[np.ix_(cells, cells)]):.5f}")


if __name__ == "__main__":
    main()
