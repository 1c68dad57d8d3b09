"""`popdyn bench`: benchmarks of the kernels."""

import json
import os
import shutil
import subprocess
import sys

import click

from ..errors import ConfigError, StorageError, WorkError
from ..results import document
from ._common import _parse_ints, cli, print_result


@cli.command("bench")
@click.option("--sizes", default="1e5,1e6,1e7", show_default=True, help="Population sizes N.")
@click.option("--threads", "threads_text", default="1,2", show_default=True, help="Numba thread counts.")
@click.option("--recursions", default="term,linear,scba", show_default=True, help="Recursions to time.")
@click.option("--T", "T", type=float, default=20.0, show_default=True, help="Temperature (mean decay terms per sample).")
@click.option("--lam", type=float, default=0.01, show_default=True, help="Interaction lambda.")
@click.option("--repeats", type=int, default=5, show_default=True, help="Timed generations per point (median quoted).")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True,
              help="Storage of the population.")
@click.option("--numpy/--no-numpy", default=True, show_default=True,
              help="Time the plain vectorized NumPy generation beside the kernel.")
@click.option("--c-reference", type=click.Path(dir_okay=False, exists=True), default=None,
              help="C reference source (e.g. ../shared/bench/ref.c): built with gcc -O3 -fopenmp and timed alike.")
@click.option("--memory", default="", metavar="N:DTYPE,...",
              help="Also time one full generation in a fresh process and report its peak memory, e.g. "
                   "1e8:float64,1e9:float32.")
@click.option("--compile-time", is_flag=True, help="Also time a first `popdyn run` with an empty numba cache and a "
                                                   "second with it filled.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="New directory for bench.json and bench.png (default: bench-<date-time>).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
def bench_command(sizes, threads_text, recursions, T, lam, repeats, dtype, numpy, c_reference, memory, compile_time,
                  out, as_json, progress):
    """Benchmark the generation kernels: edges/s (one edge = one child sample gathered).

    For each N, thread count and recursion: the median over --repeats generations of the
    numba kernel, beside a plain vectorized NumPy generation (term recursion) and, with
    --c-reference, the naive C reference, all measured in this one run: compare the ratios,
    not absolute speeds across runs (shared machines drift by factors of several).

    \b
    Examples:
      popdyn bench
      popdyn bench --sizes 1e5,1e6,1e7 --c-reference ../shared/bench/ref.c --json
      popdyn bench --sizes 1e6 --recursions term --memory 1e8:float64,1e9:float32
    """
    import contextlib
    import datetime
    from pathlib import Path

    from tqdm.auto import tqdm

    from .. import bench
    from ..engine import DTYPES
    from ..models import BAATree
    from ..rng import MAX_SIZE
    from ..runs import check_memory, set_threads
    from ..files import atomic_write, check_output_dir

    # Every input is checked here, before any work: a bad one costs one line on stderr and exit 2.
    size_list = _sizes(sizes, "--sizes", MAX_SIZE)
    thread_list = _parse_ints(threads_text, "--threads", 1)
    for t in thread_list:
        set_threads(t)
    recursion_list = [r.strip() for r in recursions.split(",") if r.strip()]
    if not recursion_list:
        raise ConfigError(f"--recursions needs at least one recursion, got {recursions!r}")
    for r in recursion_list:  # lam, T and the recursion names, within the kernels' exact range
        model = BAATree(lam=lam, T=T, recursion=r)
        model.check_population(dtype)
    check_memory(model, max(size_list), dtype, snapshots=False)
    if repeats < 1:
        raise ConfigError(f"--repeats must be at least 1, got {repeats}")
    probes = []
    for item in filter(None, (x.strip() for x in memory.split(","))):
        n, _, kind = item.partition(":")
        if kind not in DTYPES:
            raise ConfigError(f"--memory takes N:float64 or N:float32 items, got {item!r}")
        probes.append((_sizes(n, "--memory", MAX_SIZE)[0], kind))
        check_memory(model, probes[-1][0], kind, snapshots=False)
    if out is None:
        out = datetime.datetime.now().strftime("bench-%Y%m%d-%H%M%S")
    check_output_dir(out, "--out")  # absent or empty, and creatable; nothing is created until the results are in
    out = Path(out)
    with contextlib.ExitStack() as stack:
        # The C reference is built (or refused) before any timing; its folder goes however the command ends.
        c_binary = stack.enter_context(bench.c_reference_build(c_reference)) if c_reference else None
        total = len(size_list) * len(thread_list) * len(recursion_list)
        bar = stack.enter_context(tqdm(total=total, disable=not progress, file=sys.stderr, unit="point", leave=False))
        try:  # the C reference and the probes are other processes: their failure is one line, not a traceback
            rows = bench.run_benchmark(size_list, thread_list, recursion_list, T=T, lam=lam, repeats=repeats,
                                       numpy=numpy, c_binary=c_binary, dtype=dtype,
                                       progress=lambda row: bar.update(1))
            result = bench.Benchmark(rows, [bench.memory_probe(n, T, lam, kind) for n, kind in probes],
                                     bench.compile_times(T, lam) if compile_time else None,
                                     {"cpus": os.cpu_count(), "numba_threads": max(thread_list)})
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit status {exc.returncode}"]
            what = "the C reference" if str(exc.cmd[0]) == str(c_binary) else "a benchmark subprocess"
            raise WorkError(f"{what} failed during the benchmark ({last[0]}); nothing was written") from None
    text = json.dumps(document(result), indent=2) + "\n"
    # The results reach stdout first, so that a failure to write the files loses nothing.
    print_result(result, as_json)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "bench.json", lambda tmp: tmp.write_text(text))
        atomic_write(out / "bench.png", lambda tmp: tmp.write_bytes(_plot(rows)))
    except OSError as exc:
        if created:  # nothing half-written stays behind
            shutil.rmtree(out, ignore_errors=True)
        raise StorageError(f"cannot write the results in {str(out)!r} ({exc.strerror or exc}); they are on stdout "
                           f"above") from None
    if not as_json:
        click.echo(f"results: {out / 'bench.json'}  plot: {out / 'bench.png'}")


def _sizes(text, option, most):
    """``_parse_ints`` for population sizes: integers in [2, most]."""
    values = _parse_ints(text, option, 2)
    if any(v > most for v in values):
        raise ConfigError(f"{option} takes population sizes from 2 to {most}; got {text!r}")
    return values


def _plot(rows):
    from popdyn.figures import style
    from popdyn.figures._style import png_bytes
    from popdyn.figures.bench import draw_rates

    with style():
        return png_bytes(draw_rates(rows))
