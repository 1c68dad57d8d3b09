#!/usr/bin/env bash
# The outputs of tiny runs, fits, studies and figures of one checkout, into DEST: run it on two
# checkouts (before and after a change that must not change a number) and compare the two folders
# with tools/golden_compare.py. About 30 s on 2 cores.
# Usage: bash tools/golden_outputs.sh CHECKOUT DEST
set -euo pipefail
REPO=$(cd "$1" && pwd); DEST=$2
rm -rf "$DEST"; mkdir -p "$DEST"; cd "$DEST"
P="${POPDYN:-$REPO/.venv/bin/popdyn}"   # POPDYN=...: another installed command
export PYTHONPATH="$REPO"
cd "$DEST"
(cd "$REPO" && "$P" --version) > version.txt 2>&1 || true
"$P" run --lam 0.01 --T 2.144 --size 2000 --generations 20 --snapshot 1,20 --seed 3 --out r1 --no-progress 2>/dev/null >/dev/null
"$P" run --lam 0.01 --T 2.144 --size 2000 --generations 20 --snapshot 1,20 --seed 4 --out r2 --no-progress 2>/dev/null >/dev/null
"$P" fit r1 r2 --json --bootstrap 19 --tail-bootstrap 10 --no-report > fit.json
"$P" spectrum --lam 0.01 --T 3.3 --json > spectrum.json
"$P" spectrum --lam 0.1,0.01 --tc --json > tc.json
cat > tc.toml <<'T'
model = "baa"
lam = 0.01
T = [1.5, 1.9]
seed = [1, 2]
size = 2000
generations = 40
T
"$P" sweep tc.toml --out sw --workers 2 --no-progress >/dev/null 2>&1
"$P" transition sw --json > transition.json
"$P" finite-n --lam 0.01 --sizes 1e3,2e3 --ratios 1,1.6 --seeds 2 -G 40 --json --workers 2 --no-progress > finite_n.json
"$P" metallic --lam 1e-2 --T 300,1000 --size 500 -G 8 --seeds 2 --json > metallic.json
"$P" spectrum --model anderson --K 2 --W 17 --beta 0.5 --json --replicas 2 > anderson.json 2>/dev/null
"$P" figures fig5 growth --scale tiny --out fig >/dev/null 2>&1
