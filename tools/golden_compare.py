"""Compare two folders of tools/golden_outputs.sh: the same numbers, to the bit, in both.

Every number of every JSON document (times, provenance and paths left out; a renamed key is no
difference, a changed or missing number is), the run tables, a sweep's summary and the figures'
data. Usage: python tools/golden_compare.py BEFORE AFTER (exit status 1 on a difference).
"""
import json, math, sys
from pathlib import Path
import pandas as pd

SKIP = ("wall", "runtime", "time", "commit", "host", "date", "version", "pid", "started", "finished", "python", "numpy", "numba", "path", "run", "schema")

def leaves(x, key=""):
    if isinstance(x, dict):
        for k, v in x.items():
            if any(s in str(k).lower() for s in SKIP):
                continue
            yield from leaves(v, k)
    elif isinstance(x, list):
        for v in x:
            yield from leaves(v, key)
    elif isinstance(x, bool) or x is None or isinstance(x, str):
        return
    elif isinstance(x, (int, float)):
        yield float(x)

def key(v):
    return (math.isnan(v), 0.0 if math.isnan(v) else v)

a, b = Path(sys.argv[1]), Path(sys.argv[2])
bad = 0
for f in sorted(a.glob("*.json")):
    va = sorted(set(leaves(json.loads(f.read_text()))), key=key)
    vb = sorted(set(leaves(json.loads((b / f.name).read_text()))), key=key)
    missing = [v for v in va if v not in set(vb) and not math.isnan(v)]
    print(f"{f.name}: {len(va)} numbers, {len(missing)} missing in new" + (f" e.g. {missing[:5]}" if missing else ""))
    bad += bool(missing)
for t in ["r1/generations.parquet", "r2/generations.parquet", "fig/fig5.parquet", "fig/growth.parquet", "sw/summary.parquet"]:
    x, y = pd.read_parquet(a / t), pd.read_parquet(b / t)
    cols = [c for c in x.columns if not any(s in c.lower() for s in SKIP)]
    try:
        pd.testing.assert_frame_equal(x[cols], y[cols], check_exact=True)
        print(f"{t}: equal")
    except AssertionError as e:
        print(f"{t}: DIFFERENT {str(e)[:200]}"); bad += 1
sys.exit(1 if bad else 0)
