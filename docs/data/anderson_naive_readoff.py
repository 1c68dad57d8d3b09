"""The naive read-off of docs/validation.md: growth of <ln Gamma> of plain Anderson populations (term recursion) vs W and N."""
import json, sys, time
import numpy as np
import popdyn
from popdyn.models import AndersonTree
from popdyn.analysis.growth import fit_growth
rows = []
for N in (10**4, 10**5, 10**6):
    for W in (12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.17):
        t = time.time()
        r = popdyn.run(AndersonTree(W=W, recursion="term"), size=N, generations=60, seed=1, progress=False)
        g = fit_growth(r.table, "mean_ln", burn_in=20, size=N)
        rows.append({"N": N, "W": W, "v": g.v, "stderr": g.stderr, "wall_s": time.time() - t})
        print(json.dumps(rows[-1]), flush=True)
