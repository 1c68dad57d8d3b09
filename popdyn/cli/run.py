"""`popdyn run`: evolve a population into a run directory."""

import json
import signal

import click

from ..errors import ConfigError
from ..interrupt import Interrupted
from ..results import json_safe
from ._common import _parse_generations, cli


_MODEL_OPTIONS = ("model", "recursion", "coordination", "lam", "T", "eta", "W", "K", "E", "disorder", "carry_R",
                  "size", "seed", "snapshot", "out", "checkpoint_interval", "dtype")
#: The options that are parameters of each model (the others are refused for it, naming the model).
_PARAMETERS = {"baa": ("lam", "T", "eta", "recursion", "coordination"),
               "anderson": ("W", "K", "E", "eta", "recursion", "disorder", "carry_R")}
_REQUIRED = {"baa": ("lam", "T"), "anderson": ("W",)}


@cli.command("run")
@click.option("--model", type=click.Choice(["baa", "anderson"]), default="baa", show_default=True,
              help="Physics model: 'baa', the BAA tree of BACKGROUND.md section 2; 'anderson', the Anderson model "
                   "on the Bethe lattice (the validation model).")
@click.option("--recursion", type=click.Choice(["term", "linear", "scba", "cavity"]), default="term",
              show_default=True,
              help="'term': the n-th order term Gamma^(n) (BAA Eqs. 26-27; Gamma^(0) = eta); 'linear': the linear "
                   "equation with its source eta (BAA Eq. 25; Anderson: Gamma linearized, R carried); [baa] 'scba': "
                   "the self-consistent Born approximation, Eqs. 18-19; [anderson] 'cavity': the complex cavity "
                   "equation at finite eta.")
@click.option("--coordination", type=click.Choice(["poisson", "fixed"]), default="poisson", show_default=True,
              help="[baa] Decay terms per sample: Poisson(T), or exactly T (random-regular tree; T an integer).")
@click.option("--lam", type=float, help="[baa] Interaction lambda, 0 < lam < 1.  [required]")
@click.option("--T", "T", type=float, help="[baa] Temperature in units of delta_zeta (> 0): the mean number of decay "
                                           "terms per sample.  [required]")
@click.option("--W", "W", type=float, help="[anderson] Disorder strength W > 0.  [required]")
@click.option("--K", "K", type=int, default=2, show_default=True, help="[anderson] Branching number, 2..1024.")
@click.option("--E", "E", type=float, default=0.0, show_default=True, help="[anderson] Energy.")
@click.option("--disorder", type=click.Choice(["box", "gaussian", "cauchy"]), default="box", show_default=True,
              help="[anderson] On-site energies: box U(-W/2, W/2), Gaussian of the same variance, Cauchy of "
                   "half-width W/2.")
@click.option("--carry-R/--drop-R", "carry_R", default=True, show_default=True,
              help="[anderson] --drop-R removes R from the denominators (the imaginary approximation).")
@click.option("--eta", type=float, default=None,
              help="Damping eta > 0: the source of the linear equation and Gamma^(0) (default 1 for baa, 1e-6 for "
                   "anderson). The term recursion is linear, so eta only shifts ln Gamma.")
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
def run_command(ctx, model, recursion, coordination, lam, T, W, K, E, disorder, carry_R, eta, size, generations, seed,
                snapshot, out, resume, threads, dtype, burn_in, checkpoint_interval, as_json, progress):
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
    from analysis.summary import format_run_summary, run_summary

    from .. import runs
    from ..models import MODELS

    if resume is not None:
        given = [name for name in _MODEL_OPTIONS
                 if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ConfigError(f"{flags} cannot be combined with --resume: the run's config.json fixes them")
        _check_burn_in(burn_in, generations if generations is not None else runs.load(resume).generations)
        result = runs.resume(resume, generations=generations, threads=threads, progress=progress)
    else:
        model_obj = _model(ctx, model, dict(lam=lam, T=T, W=W, K=K, E=E, disorder=disorder, carry_R=carry_R, eta=eta,
                                            recursion=recursion, coordination=coordination), MODELS)
        generations = 50 if generations is None else generations
        if generations < 0:
            raise ConfigError(f"--generations must be >= 0, got {generations}")
        _check_burn_in(burn_in, generations)
        if out is None:
            out = f"runs/{model}-{model_obj.run_name()}-N{size}-s{seed}"
        result = runs.run(model_obj, size=size, generations=generations, seed=seed,
                          snapshots=_parse_generations(snapshot, generations), out=out, threads=threads,
                          progress=progress, checkpoint_interval=checkpoint_interval, dtype=dtype)
    try:
        summary = run_summary(result, burn_in=burn_in)
    except Interrupted as exc:  # the run itself is complete and saved: say so, not "start again"
        raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped after the run was complete, before its "
                               f"summary was printed; {result.path} holds every generation: popdyn fit {result.path}"
                               ) from None
    if as_json:
        click.echo(json.dumps(json_safe(summary), indent=2))
    else:
        click.echo(format_run_summary(summary))


def _model(ctx, name, options, models):
    """The model of a new run from its options: those of another model are refused, naming it."""
    given = {k for k in options if ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE}
    foreign = sorted(given - set(_PARAMETERS[name]))
    if foreign:
        flags = ", ".join("--" + k.replace("_", "-") for k in foreign)
        raise ConfigError(f"{flags} {'is not a parameter' if len(foreign) == 1 else 'are not parameters'} of the "
                          f"{name} model (--model {name})")
    if any(options[k] is None for k in _REQUIRED[name]):
        needed = " and ".join("--" + k for k in _REQUIRED[name])
        raise ConfigError(f"a new run of the {name} model needs {needed} (or --resume DIR)")
    params = {k: options[k] for k in _PARAMETERS[name] if options[k] is not None}
    if name == "anderson" and "recursion" not in given:
        params["recursion"] = "linear"
    return models[name](**params)


def _check_burn_in(burn_in, generations):
    """--burn-in is used after the run: checked before it (the growth fit needs 3 generations after it)."""
    if burn_in is not None and not 0 <= burn_in < generations - 2:
        raise ConfigError(f"--burn-in {burn_in} leaves fewer than 3 generations of a run of {generations} to fit")
