"""The plain population of the offset tree against N and the resolution, as docs/offsets.md tables it.

lam = 0.01, T = 3.3 (exact v = 1.6016): the term recursion for N = 10^4, 10^5, 10^6, resolution 0.04, 0.02,
0.01 (and the memoryless tree beside it, exact v = 1.8165), seeds 0, 1, 2, 100 generations; the typical growth
is the least-squares slope of <ln Gamma> over generations 41-100. Prints the mean over seeds and its standard
error per (N, resolution); resolution -1 is the memoryless tree. Then the design: spread 64 (nearly uniform
on [0, 8)) against the default 0.5 at N = 10^4 and 10^5, same estimator.

    .venv/bin/python docs/data/offset_convergence.py      # about 6 minutes on 2 cores
"""

import numpy as np
import pandas as pd

from popdyn.engine import initial_state, sample
from popdyn.models import BAAOffsetTree, BAATree

LAM, T, GENERATIONS, FIRST = 0.01, 3.3, 100, 41


def growth(model, size, seed):
    state, means = initial_state(model, size), []
    for state, row in sample(model, state, GENERATIONS, seed):
        means.append(row["mean_ln"])
    return float(np.polyfit(np.arange(FIRST, GENERATIONS + 1), np.array(means)[FIRST - 1:], 1)[0])


if __name__ == "__main__":
    rows = []
    for size in (10**4, 10**5, 10**6):
        for resolution in (0.04, 0.02, 0.01):
            model = BAAOffsetTree(lam=LAM, T=T, resolution=resolution)
            rows += [{"N": size, "resolution": resolution, "v": growth(model, size, seed)} for seed in range(3)]
        rows += [{"N": size, "resolution": -1, "v": growth(BAATree(lam=LAM, T=T), size, seed)} for seed in range(3)]
    table = pd.DataFrame(rows).groupby(["N", "resolution"])["v"].agg(["mean", "std", "count"])
    table["stderr"] = table["std"] / np.sqrt(table["count"])
    print(table.round(3).to_string())
    rows = [{"N": size, "spread": spread, "v": growth(BAAOffsetTree(lam=LAM, T=T, spread=spread), size, seed)}
            for size in (10**4, 10**5) for spread in (64.0, 0.5) for seed in range(3)]
    table = pd.DataFrame(rows).groupby(["N", "spread"])["v"].agg(["mean", "std", "count"])
    table["stderr"] = table["std"] / np.sqrt(table["count"])
    print(table.round(3).to_string())
