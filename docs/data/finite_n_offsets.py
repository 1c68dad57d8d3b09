"""The finite-N study of the offset tree (Eq. 25 with energy arguments), as docs/offsets.md tables it.

Runs of the term recursion at T = r Tc (r = 1, 1.3, 1.6, 2; Tc the offset tree's converged Tc) for
N = 10^3 ... 10^6, 3 seeds, 200 generations, at lam = 0.1, 0.01, 1e-3; each run's fitted growth goes
to docs/data/finite_n_offsets_lam<lam>.parquet (runs already there are not run again), then the
study, its Tc_N and the memoryless tree's Tc_N beside it are printed.

    .venv/bin/python docs/data/finite_n_offsets.py   # about 45 minutes on 2 cores from nothing; minutes to re-print
"""

import sys
from pathlib import Path

import pandas as pd

from popdyn.analysis.finite_size import finite_population_runs, population_tc, run_grid, study_from_runs
from popdyn.models import BAAOffsetTree

HERE = Path(__file__).parent
LAMS = (0.1, 0.01, 1e-3)
SIZES = (10**3, 10**4, 10**5, 10**6)
RATIOS = (1.0, 1.3, 1.6, 2.0)
SEEDS = (1, 2, 3)
GENERATIONS = 200


def study(lam):
    prototype = BAAOffsetTree(lam=lam, T=1.0)
    path = HERE / f"finite_n_offsets_lam{lam:g}.parquet"
    done = pd.read_parquet(path) if path.exists() else pd.DataFrame()
    have = set() if done.empty else set(zip(done["T_over_Tc"], done["N"], done["seed"]))
    todo = [k for k in run_grid(lam, SIZES, RATIOS, SEEDS, GENERATIONS) if (k[1], k[2], k[3]) not in have]
    for row in finite_population_runs(todo, prototype=prototype, on_run=lambda r: print(r, file=sys.stderr)):
        done = pd.concat([done, pd.DataFrame([row])], ignore_index=True)
        done.to_parquet(path)  # after every run: an interrupted study keeps what it finished
    result = study_from_runs(done.to_dict("records"), prototype)
    return result, population_tc(result, prototype)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    for lam in LAMS:
        result, tc = study(lam)
        print(f"lam = {lam:g}: offset tree")
        print(result.drop(columns=["lam"]).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        print(tc.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
