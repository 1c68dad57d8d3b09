"""`popdyn sweep`: a grid of runs from a TOML spec, on an embedded Dask cluster or a running one."""

import contextlib
import signal
from pathlib import Path

import click

from ..errors import ConfigError, WorkError
from ..interrupt import Interrupted
from ._common import cli, command_line, dask_options


@cli.command("sweep")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Sweep directory: runs/<point-id>/ per point, sweep.json, summary.parquet.")
@dask_options
@click.option("--max-points", type=click.IntRange(min=1), default=None, metavar="N",
              help="Run a spec of up to N points (default 10000: a larger spec is refused before any point is "
                   "built, saying how many points and sample-generations it asks for).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar over points on stderr.")
def sweep_command(spec, out, workers, threads_per_worker, scheduler, max_points, progress):
    """Run every point of a sweep spec, each as an ordinary run directory, on Dask.

    SPEC is a TOML file: every option of `popdyn run` (model, its parameters, size,
    generations, seed, snapshot, dtype) is a scalar or a list, and the sweep is the Cartesian
    product of the lists, plus optional [[point]] tables. Complete points are skipped and
    interrupted ones continue from their checkpoint: rerunning the same command finishes a
    sweep and recomputes nothing. OUT/summary.parquet (one row per point and generation, every
    parameter a column) is rebuilt from the run directories at the end.

    OUT is a new folder or this sweep's own directory, never a run directory or a folder
    inside one or inside another sweep; one process writes it at a time. A spec of more than
    --max-points points (default 10000) is refused, saying how many points and how much work
    (samples x generations) it asks for.

    Exit status: 0 every point complete; 1 some point failed for a reason of its own (its id
    and error are printed; the others complete), or the embedded cluster did not start within
    60 s; 2 bad spec or --out, a --scheduler that does not answer within 10 s, or more workers or
    threads than this machine holds (4 threads per core), nothing written; 130/143 stopped.

    \b
    Example spec:
      model = "baa"
      lam = [0.01]
      T = [2.0, 3.0]
      size = [20000]
      generations = [5]
      seed = [1, 2]
    \b
    Examples:
      popdyn sweep grid.toml --out sweeps/grid
      popdyn sweep grid.toml --out sweeps/grid --scheduler tcp://127.0.0.1:8786
    """
    from tqdm.auto import tqdm

    from .. import sweeps

    # every refusal of the spec comes before anything is written, its size before any point is built
    max_points = sweeps.MAX_POINTS if max_points is None else max_points
    plan = sweeps.Spec.read(spec).check_size(max_points)
    out = Path(out)
    try:
        with contextlib.ExitStack() as stack:
            bars = []

            def checked(plan):  # after every refusal (one line each), before the cluster and the work
                if progress:
                    click.echo(f"sweep: {plan.size_line()} into {out}", err=True)
                bars.append(stack.enter_context(tqdm(total=len(plan.points()), desc="sweep", unit="point",
                                                     disable=not progress, leave=False)))

            def report(point, outcome):
                bars[0].update()
                if isinstance(outcome, BaseException):
                    bars[0].write(f"point {point.id} failed: {_reason(outcome)}")

            result = sweeps.sweep(plan, out, scheduler=scheduler, workers=workers,
                                  threads_per_worker=threads_per_worker, progress=report, max_points=max_points,
                                  checked=checked, quiet=True)
    except Interrupted as exc:
        # a folder is named only when it holds what the message says it keeps
        if sweeps.has_results(out):
            told = (f"complete points are kept in {str(out)!r} and interrupted ones continue from their checkpoints "
                    "with the same command")
        else:
            told = "no point had begun; the same command starts the sweep"
        raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped; {told}: {command_line()}") from None
    click.echo(result.summary())
    click.echo(f"table: {out / sweeps.SUMMARY}")
    if result.failed:
        ids = list(result.failed)
        named = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise WorkError(f"{len(ids)} point(s) failed: {named}; the others are complete")


def _reason(exc):
    """Why a point failed, in the words of its error (its type too when it is not one of popdyn's own)."""
    return str(exc) if isinstance(exc, (ConfigError, WorkError)) else f"{type(exc).__name__}: {exc}"
