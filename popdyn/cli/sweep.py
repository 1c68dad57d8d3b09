"""`popdyn sweep`: a grid of runs from a TOML spec, on an embedded Dask cluster or a running one."""

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
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar over points on stderr.")
def sweep_command(spec, out, workers, threads_per_worker, scheduler, progress):
    """Run every point of a sweep spec, each as an ordinary run directory, on Dask.

    SPEC is a TOML file: every option of `popdyn run` (model, its parameters, size,
    generations, seed, snapshot, dtype) is a scalar or a list, and the sweep is the Cartesian
    product of the lists, plus optional [[point]] tables. Complete points are skipped and
    interrupted ones continue from their checkpoint: rerunning the same command finishes a
    sweep and recomputes nothing. OUT/summary.parquet (one row per point and generation, every
    parameter a column) is rebuilt from the run directories at the end.

    Exit status: 0 every point complete; 1 some point failed for a reason of its own (its id
    and error are printed; the others complete), or the embedded cluster did not start within
    60 s; 2 bad spec, a --scheduler that does not answer within 10 s, or more workers or threads
    than this machine holds (4 threads per core), nothing written; 130/143 stopped.

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

    points = sweeps.load_spec(spec)  # every refusal of the spec comes before anything is written
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a directory")
    sweeps.check_cluster_options(scheduler, workers)
    if scheduler is None:  # its workers, threads and populations against this machine, before any starts
        sweeps.check_local_cluster(workers, threads_per_worker, sweeps.population_memory(points), len(points))
    connected = False
    try:
        with sweeps.dask_client(scheduler, workers, threads_per_worker, quiet=True) as client, \
                tqdm(total=len(points), desc="sweep", unit="point", disable=not progress, leave=False) as bar:
            connected = True

            def report(point, outcome):
                bar.update()
                if isinstance(outcome, BaseException):
                    bar.write(f"point {point.id} failed: {type(outcome).__name__}: {outcome}")

            result = sweeps.sweep(spec, out, client=client, threads_per_worker=threads_per_worker, progress=report)
    except Interrupted as exc:
        if not connected:  # stopped while the cluster started: nothing was written (the generic line says so)
            raise
        raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped; complete points are kept in {str(out)!r} "
                               f"and interrupted ones continue from their checkpoints with the same command: "
                               f"{command_line()}") from None
    click.echo(result.summary())
    click.echo(f"table: {out / sweeps.SUMMARY}")
    if result.failed:
        raise WorkError(f"{len(result.failed)} point(s) failed: {', '.join(result.failed)}; the others are complete")
