"""Benchmarks of the generation kernels: ``popdyn bench``.

An *edge* is one child sample gathered (three per decay term), so edges/s compares kernels
whatever T is. Absolute times on shared machines drift by factors of several: every figure is
the median of interleaved repeats, and comparisons are ratios measured in the same run.

Beside the numba kernel this module holds, for comparison only, a plain vectorized NumPy
implementation of one generation of the term recursion (``numpy_generation``), and a driver
for the naive C reference of the shared folder (``c_reference``), built with gcc -O3 -fopenmp.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np

from .errors import ConfigError
from .kernels import kernels_for
from .models import BAATree
from .results import json_safe
from .rng import generation_key


def numpy_generation(parents, T, lam, rng, chunk=1 << 22):
    """One generation of the term recursion in plain vectorized NumPy (for comparison only).

    Per chunk of new samples (chunks only bound the memory of the term arrays at large N):
    Poisson term counts, ``np.repeat`` to one row per term, the
    triangular mismatch, three random parents per term, and ``np.bincount`` to sum the terms
    of each sample. Returns ``(out, edges)``.
    """
    n = parents.size
    out = np.empty(n)
    terms = 0
    for lo in range(0, n, chunk):
        size = min(chunk, n - lo)
        k = rng.poisson(T, size)
        owner = np.repeat(np.arange(size), k)
        m = rng.uniform(-0.5, 0.5, owner.size) + rng.uniform(-0.5, 0.5, owner.size)
        s = parents[rng.integers(0, n, owner.size)] + parents[rng.integers(0, n, owner.size)]
        s += parents[rng.integers(0, n, owner.size)]
        out[lo:lo + size] = lam * lam * np.bincount(owner, weights=s / (m * m), minlength=size)
        terms += owner.size
    return out, 3 * terms


def _median_rate(times, edges):
    t = float(np.median(times))
    return edges / t, t


def bench_kernel(model, size, threads, repeats=5, dtype="float64", seed=1):
    """Median edges/s and seconds per generation of ``model``'s kernel at ``size`` samples."""
    generation = kernels_for(model).generation
    parents = np.exp(np.random.default_rng(seed).normal(0.0, 2.0, size)).astype(dtype)[None, :]
    out = np.empty_like(parents)
    numba.set_num_threads(threads)
    generation(model, parents, out, generation_key(seed, 1), 0.0)  # compile / warm
    times, edges = [], 0
    for r in range(repeats):
        t0 = time.perf_counter()
        edges = generation(model, parents, out, generation_key(seed, 2 + r), 0.0)
        times.append(time.perf_counter() - t0)
    return _median_rate(times, edges)


def bench_numpy(size, T, lam, repeats=3, seed=1):
    parents = np.exp(np.random.default_rng(seed).normal(0.0, 2.0, size))
    rng = np.random.default_rng(seed)
    times, edges = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        _, edges = numpy_generation(parents, T, lam, rng)
        times.append(time.perf_counter() - t0)
    return _median_rate(times, edges)


def _first_error_line(stderr):
    """The line of a compiler's stderr that says what went wrong (not an "In function ...:" header)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if not line.endswith(":"):
            return line
    return lines[0] if lines else "no message"


def build_c_reference(source, folder, option="--c-reference"):
    """Compile the C reference into ``folder`` (which the caller owns and removes); returns the binary's path.

    ConfigError (one line, naming ``option``) when gcc is missing or the source does not build.
    """
    if shutil.which("gcc") is None:
        raise ConfigError(f"{option} needs gcc to build {source}, and gcc is not on PATH")
    binary = Path(folder) / "ref"
    try:
        result = subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", str(source), "-o", str(binary), "-lm"],
                                capture_output=True, text=True, errors="replace")
    except OSError as exc:
        raise ConfigError(f"{option} {source} does not build: cannot run gcc: {exc.strerror}") from None
    if result.returncode != 0 or not binary.is_file():
        raise ConfigError(f"{option} {source} does not build: {_first_error_line(result.stderr)}")
    try:  # a tiny run: a program that builds but is no C reference is refused here too, before any timing
        rate = c_reference(binary, 1000, 1.0, 0.01, 1, generations=1, timeout=60)
    except (OSError, subprocess.SubprocessError, IndexError, ValueError) as exc:
        raise ConfigError(f"{option} {source} builds but is not a working C reference (a tiny run with N=1000 "
                          f"does not print edges/s=...: {type(exc).__name__})") from None
    if not rate > 0:
        raise ConfigError(f"{option} {source} builds but its tiny test run reports edges/s={rate}")
    return binary


@contextlib.contextmanager
def c_reference_build(source, option="--c-reference"):
    """``with c_reference_build(source) as binary:`` the built C reference, in a temporary folder
    (``popdyn-cref-*``) that is removed when the block ends, however it ends (error, Ctrl-C)."""
    with tempfile.TemporaryDirectory(prefix="popdyn-cref-") as folder:
        yield build_c_reference(source, folder, option)


def c_reference(binary, size, T, lam, threads, generations=3, timeout=None):
    """Edges/s of the C reference (its own timer, over ``generations`` generations)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run([str(binary), str(size), str(T), str(lam), str(generations)], capture_output=True,
                         text=True, env=env, check=True, timeout=timeout).stdout
    return float(out.split("edges/s=")[1].split()[0])


_PROBE = """
import sys, time, json
import numpy as np
from popdyn.models import BAATree
from popdyn.engine import initial_state, step
size, T, lam, dtype = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
model = BAATree(lam=lam, T=T)
def high_water_kib():  # VmHWM: unlike ru_maxrss, it is not inherited from the parent across exec
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
step(model, initial_state(model, 1000, dtype=dtype), seed=1)  # compile first: its memory is not the population's
base = high_water_kib()
state = initial_state(model, size, dtype=dtype)
t0 = time.perf_counter()
row, _ = step(model, state, seed=1)
wall = time.perf_counter() - t0
peak = high_water_kib()
print(json.dumps({"size": size, "dtype": dtype, "wall_s": wall, "edges": row["edges"],
                  "peak_rss_bytes": peak * 1024, "baseline_rss_bytes": base * 1024}))
"""


def memory_probe(size, T, lam, dtype="float64"):
    """Wall time and peak memory of one engine generation (kernel + statistics) in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _PROBE, str(size), str(T), str(lam), dtype], capture_output=True,
                         text=True, check=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    row["bytes_per_sample"] = (row["peak_rss_bytes"] - row["baseline_rss_bytes"]) / size
    row["edges_per_s"] = row["edges"] / row["wall_s"]
    return row


def compile_times(T=20.0, lam=0.01):
    """Wall time of a small ``popdyn run`` with an empty numba cache, then with the cache filled."""
    times = []
    with tempfile.TemporaryDirectory(prefix="popdyn-numba-cache-") as cache:
        for _ in range(2):
            with tempfile.TemporaryDirectory(prefix="popdyn-bench-run-") as out:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "popdyn", "run", "--lam", str(lam), "--T", str(T), "--size", "1000",
                                "--generations", "2", "--out", f"{out}/r", "--no-progress"], check=True,
                               capture_output=True, env={**os.environ, "NUMBA_CACHE_DIR": cache})
                times.append(time.perf_counter() - t0)
    return {"first_run_s": times[0], "cached_run_s": times[1]}


def run_benchmark(sizes=(10**5, 10**6, 10**7), threads=(1, 2), recursions=("term", "linear", "scba"), T=20.0,
                  lam=0.01, repeats=5, numpy=True, c_binary=None, dtype="float64", progress=None):
    """One row per (recursion, N, threads): numba, NumPy and C edges/s side by side."""
    rows = []
    numpy_rate = {}
    c_rate = {}
    try:
        for size in sizes:
            if numpy:
                numpy_rate[size] = bench_numpy(size, T, lam, repeats=max(1, min(repeats, 3)))[0]
            for t in threads:
                if c_binary is not None:
                    c_rate[size, t] = c_reference(c_binary, size, T, lam, t)
                for recursion in recursions:
                    model = BAATree(lam=lam, T=T, recursion=recursion)
                    rate, seconds = bench_kernel(model, size, t, repeats=repeats, dtype=dtype)
                    row = {"recursion": recursion, "N": size, "threads": t, "T": T, "lam": lam, "dtype": dtype,
                           "numba_edges_per_s": rate, "numba_ns_per_edge": 1e9 / rate if rate else float("inf"),
                           "seconds_per_generation": seconds,
                           "numpy_edges_per_s": numpy_rate.get(size) if recursion == "term" else None,
                           "c_edges_per_s": c_rate.get((size, t)) if recursion == "term" else None}
                    if row["numpy_edges_per_s"]:
                        row["numba_over_numpy"] = rate / row["numpy_edges_per_s"]
                    if row["c_edges_per_s"]:
                        row["numba_over_c"] = rate / row["c_edges_per_s"]
                    rows.append(row)
                    if progress is not None:
                        progress(row)
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return rows


def format_rows(rows):
    head = f"{'recursion':>9} {'N':>9} {'thr':>3} {'numba edges/s':>14} {'ns/edge':>8} {'NumPy':>10} {'C':>10} " \
           f"{'/NumPy':>7} {'/C':>6}"
    lines = [head]
    for r in rows:
        def g(x, spec=".3g"):
            return format(x, spec) if x else "-"
        lines.append(f"{r['recursion']:>9} {r['N']:>9.0e} {r['threads']:>3} {r['numba_edges_per_s']:>14.3e} "
                     f"{r['numba_ns_per_edge']:>8.2f} {g(r['numpy_edges_per_s']):>10} {g(r['c_edges_per_s']):>10} "
                     f"{g(r.get('numba_over_numpy'), '.1f'):>7} {g(r.get('numba_over_c'), '.2f'):>6}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Benchmark:
    """What ``popdyn bench`` measured: the kernels' rates, memory probes, compile times, the machine.

    Attributes
    ----------
    rows : list of dict
        ``run_benchmark``'s rows.
    memory : list of dict
        ``memory_probe``'s results.
    compile : dict or None
        ``compile_times``' result, when measured.
    machine : dict
        ``cpus`` and the most ``numba_threads`` used.
    """

    rows: list
    memory: list = field(default_factory=list)
    compile: dict = None
    machine: dict = field(default_factory=dict)

    def to_dict(self):
        return json_safe({"rows": self.rows, "memory": self.memory, "compile": self.compile, "machine": self.machine})

    def summary(self):
        lines = [format_rows(self.rows)]
        for m in self.memory:
            lines.append(f"one generation at N={m['size']:.0e} ({m['dtype']}): {m['wall_s']:.1f} s wall, "
                         f"{m['edges_per_s']:.3g} edges/s, peak memory {m['peak_rss_bytes'] / 2**30:.2f} GiB "
                         f"({m['bytes_per_sample']:.1f} bytes per sample)")
        if self.compile:
            c = self.compile
            lines.append(f"popdyn run, empty numba cache: {c['first_run_s']:.1f} s; cached: {c['cached_run_s']:.1f} s")
        return "\n".join(lines)
