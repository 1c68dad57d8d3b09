"""`popdyn run`: evolve a population into a run directory."""

import signal

import click

from ..errors import ConfigError
from ..interrupt import Interrupted
from ._common import _parse_generations, cli, print_result
from ._models import ModelCommand, flags, given, model_from_options, model_option_names, model_options


#: Options of a new run besides the model's (``--resume`` refuses them too: the run's config.json fixes them).
_RUN_OPTIONS = ("size", "seed", "snapshot", "out", "checkpoint_interval", "dtype")


@cli.command("run", cls=ModelCommand, model_params=model_options)
@click.option("--size", "-N", type=int, default=100_000, show_default=True, help="Population size N >= 2.")
@click.option("--generations", "-G", type=int, default=None,
              help="Generations to build after generation 0 (>= 0). Default 50 for a new run; with --resume, "
                   "a larger number extends a run.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of all random streams; the same seed gives the same bits for any thread count.")
@click.option("--snapshot", default="", metavar="LIST",
              help="Generations whose samples are saved as snapshots/nNNNN.npy (ln Gamma, float64), e.g. 1,2,10-12.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="New run directory (absent or empty). Default: runs/<model>-<recursion>-lam<..>-T<..>-N<..>-s<seed>.")
@click.option("--resume", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Continue an interrupted run (bit-identically), or extend one with --generations.")
@click.option("--threads", type=int, default=None, help="Numba threads (default: all cores).")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True,
              help="Storage of the population: float32 halves its memory (sums stay float64), for N up to 10^9.")
@click.option("--burn-in", type=int, default=None,
              help="First generation of the summary's growth estimate (default: half the run).")
@click.option("--checkpoint-interval", type=float, default=60.0, show_default=True,
              help="Seconds between checkpoints.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@click.pass_context
def run_command(ctx, size, generations, seed, snapshot, out, resume, threads, dtype, burn_in, checkpoint_interval,
                as_json, progress, **options):
    """Evolve a population of Gamma samples and summarize it.

    Writes a run directory: config.json (configuration and provenance), generations.parquet
    (one row per generation), snapshots/ and checkpoint.npz. Prints the typical growth of
    ln Gamma per generation beside the exact tree value v (BACKGROUND.md section 3).

    Ctrl-C or SIGTERM finishes the generation being built, checkpoints it, prints the
    command that continues, and exits 130 / 143; --resume continues bit-identically. One
    process at a time writes a run directory (a second one is refused).

    \b
    Examples:
      popdyn run --lam 0.01 --T 3.3 --size 100000 --generations 40 --out runs/metal
      popdyn run --resume runs/metal                 # after Ctrl-C
      popdyn run --resume runs/metal --generations 80  # extend
      popdyn run --model anderson --W 15 --recursion linear --size 100000 --generations 40
    """
    from popdyn.analysis.summary import run_summary

    from .. import runs

    if resume is not None:
        fixed = given(ctx, [*model_option_names(), *_RUN_OPTIONS])
        if fixed:
            raise ConfigError(f"{flags(fixed)} cannot be combined with --resume: the run's config.json fixes them")
        _check_burn_in(burn_in, generations if generations is not None else runs.load(resume).generations)
        result = runs.resume(resume, generations=generations, threads=threads, progress=progress)
    else:
        model = model_from_options(ctx, options)
        generations = 50 if generations is None else generations
        if generations < 0:
            raise ConfigError(f"--generations must be >= 0, got {generations}")
        _check_burn_in(burn_in, generations)
        if out is None:
            out = f"runs/{model.name}-{model.run_name()}-N{size}-s{seed}"
        result = runs.run(model, size=size, generations=generations, seed=seed,
                          snapshots=_parse_generations(snapshot, generations), out=out, threads=threads,
                          progress=progress, checkpoint_interval=checkpoint_interval, dtype=dtype)
    try:
        summary = run_summary(result, burn_in=burn_in)
    except Interrupted as exc:  # the run itself is complete and saved: say so, not "start again"
        raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped after the run was complete, before its "
                               f"summary was printed; {result.path} holds every generation: popdyn fit {result.path}"
                               ) from None
    print_result(summary, as_json)


def _check_burn_in(burn_in, generations):
    """--burn-in is used after the run: checked before it (the growth fit needs 3 generations after it)."""
    if burn_in is not None and not 0 <= burn_in < generations - 2:
        raise ConfigError(f"--burn-in {burn_in} leaves fewer than 3 generations of a run of {generations} to fit")
