"""`popdyn run`: evolve a population into a run directory."""

import json

import click

from ..errors import ConfigError
from ._common import _json_safe, _parse_generations, cli


_MODEL_OPTIONS = ("model", "recursion", "coordination", "lam", "T", "eta", "size", "seed", "snapshot", "out",
                  "checkpoint_interval", "dtype")


@cli.command("run")
@click.option("--model", type=click.Choice(["baa"]), default="baa", show_default=True,
              help="Physics model: 'baa' is the BAA tree of BACKGROUND.md section 2.")
@click.option("--recursion", type=click.Choice(["term", "linear", "scba"]), default="term", show_default=True,
              help="'term': the n-th order term Gamma^(n) of Eqs. 26-27 (Gamma^(0) = eta); 'linear': Eq. 25 with "
                   "its source eta; 'scba': the nonlinear self-consistent Born approximation, Eqs. 18-19.")
@click.option("--coordination", type=click.Choice(["poisson", "fixed"]), default="poisson", show_default=True,
              help="Decay terms per sample: Poisson(T), or exactly T (random-regular tree; T an integer).")
@click.option("--lam", type=float, help="Interaction lambda, 0 < lam < 1.  [required for a new run]")
@click.option("--T", "T", type=float, help="Temperature in units of delta_zeta (> 0): the mean number of decay "
                                           "terms per sample.  [required for a new run]")
@click.option("--eta", type=float, default=1.0, show_default=True,
              help="Damping eta > 0: the source of Eq. 25 and Gamma^(0). The term recursion is linear, so eta "
                   "only shifts ln Gamma.")
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
def run_command(ctx, model, recursion, coordination, lam, T, eta, size, generations, seed, snapshot, out,
                resume, threads, dtype, burn_in, checkpoint_interval, as_json, progress):
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
    """
    from analysis.summary import format_run_summary, run_summary

    from .. import runs
    from ..models import BAATree

    if resume is not None:
        given = [name for name in _MODEL_OPTIONS
                 if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ConfigError(f"{flags} cannot be combined with --resume: the run's config.json fixes them")
        _check_burn_in(burn_in, generations if generations is not None else runs.load(resume).generations)
        result = runs.resume(resume, generations=generations, threads=threads, progress=progress)
    else:
        if lam is None or T is None:
            raise ConfigError("a new run needs --lam and --T (or --resume DIR)")
        generations = 50 if generations is None else generations
        if generations < 0:
            raise ConfigError(f"--generations must be >= 0, got {generations}")
        _check_burn_in(burn_in, generations)
        model_obj = BAATree(lam=lam, T=T, eta=eta, recursion=recursion, coordination=coordination)
        if out is None:
            out = f"runs/{model}-{recursion}-lam{lam:g}-T{T:g}-N{size}-s{seed}"
        result = runs.run(model_obj, size=size, generations=generations, seed=seed,
                          snapshots=_parse_generations(snapshot, generations), out=out, threads=threads,
                          progress=progress, checkpoint_interval=checkpoint_interval, dtype=dtype)
    summary = run_summary(result, burn_in=burn_in)
    if as_json:
        click.echo(json.dumps(_json_safe(summary), indent=2))
    else:
        click.echo(format_run_summary(summary))


def _check_burn_in(burn_in, generations):
    """--burn-in is used after the run: checked before it (the growth fit needs 3 generations after it)."""
    if burn_in is not None and not 0 <= burn_in < generations - 2:
        raise ConfigError(f"--burn-in {burn_in} leaves fewer than 3 generations of a run of {generations} to fit")
