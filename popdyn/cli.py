"""The ``popdyn`` command line.

Errors in the input print one line on stderr and exit with status 2, before anything is
written. Ctrl-C during a run finishes the current generation, checkpoints, and exits 130.
"""

import json
import math
import sys

import click

from .errors import ConfigError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _parse_generations(text):
    """'1,2,5-8' -> [1, 2, 5, 6, 7, 8]."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        try:
            out.extend(range(int(lo), int(hi) + 1) if sep else [int(lo)])
        except ValueError:
            raise ConfigError(f"--snapshot takes generations like 1,2,10-12; cannot read {part!r}") from None
    return out


def _json_safe(x):
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="popdyn")
def cli():
    """Population dynamics on the Cayley tree of Basko, Aleiner & Altshuler (many-body localization).

    Units: the level spacing delta_zeta = 1. Run `popdyn COMMAND --help` for each command.
    """


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

    \b
    Examples:
      popdyn run --lam 0.01 --T 3.3 --size 100000 --generations 40 --out runs/metal
      popdyn run --resume runs/metal                 # after Ctrl-C
      popdyn run --resume runs/metal --generations 80  # extend
    """
    from analysis.summary import format_run_summary, run_summary

    from . import runs
    from .models import BAATree

    if resume is not None:
        given = [name for name in _MODEL_OPTIONS
                 if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            raise ConfigError(f"{flags} cannot be combined with --resume: the run's config.json fixes them")
        result = runs.resume(resume, generations=generations, threads=threads, progress=progress)
        out = resume
    else:
        if lam is None or T is None:
            raise ConfigError("a new run needs --lam and --T (or --resume DIR)")
        model_obj = BAATree(lam=lam, T=T, eta=eta, recursion=recursion, coordination=coordination)
        if out is None:
            out = f"runs/{model}-{recursion}-lam{lam:g}-T{T:g}-N{size}-s{seed}"
        result = runs.run(model_obj, size=size, generations=50 if generations is None else generations, seed=seed,
                          snapshots=_parse_generations(snapshot), out=out, threads=threads, progress=progress,
                          checkpoint_interval=checkpoint_interval, dtype=dtype)
    summary = run_summary(result, burn_in=burn_in)
    if as_json:
        click.echo(json.dumps(_json_safe(summary), indent=2))
    else:
        click.echo(format_run_summary(summary))
    if result.status == "interrupted":
        n = summary["run"]["generations_done"]
        click.echo(f"popdyn: interrupted after generation {n}; continue with: popdyn run --resume {out}", err=True)
        ctx.exit(EXIT_INTERRUPTED)


@cli.command("fit")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--burn-in", type=int, default=None,
              help="First generation of the growth fits (default: the stated rule, half the run).")
@click.option("--bootstrap", type=int, default=199, show_default=True,
              help="Parametric-bootstrap samples for the Levy goodness-of-fit p-values.")
@click.option("--tail-bootstrap", type=int, default=100, show_default=True,
              help="Bootstrap samples for the tail-exponent interval.")
@click.option("--json", "as_json", is_flag=True, help="Print the fits as JSON on stdout.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Write report.md, report.html and two PNG plots into each run directory.")
def fit_command(run_dirs, burn_in, bootstrap, tail_bootstrap, as_json, report):
    """Fit runs: gamma_n with exact intervals, Levy goodness of fit, tail exponents, and Lambda.

    For each RUN_DIR: the Levy-scale MLE of every generation with its exact chi^2 interval;
    on snapshot generations, KS and Anderson-Darling tests of Eq. 27 and the tail exponent;
    the growth v = 2 ln Lambda of ln gamma_n (OLS on the increments with HAC errors) beside
    the exact tree value. Runs of the same model and N with different seeds are combined.
    Works on a run that is still going (it reads the generations complete so far).

    \b
    Examples:
      popdyn fit runs/metal
      popdyn fit runs/metal-s1 runs/metal-s2 runs/metal-s3 --json
    """
    from analysis.report import combined_growth, fit_run, group_by_point, write_report

    from . import runs

    if bootstrap < 1 or tail_bootstrap < 1:
        raise ConfigError("--bootstrap and --tail-bootstrap must be at least 1")
    loaded = [runs.load(d) for d in run_dirs]
    for r in loaded:
        last = int(r.table["n"].max())
        if burn_in is not None and not 0 <= burn_in < last - 2:
            raise ConfigError(f"--burn-in {burn_in} leaves fewer than 3 generations in {r.path} (it ends at {last})")
    fits = [fit_run(r, burn_in=burn_in, n_bootstrap=bootstrap, tail_bootstrap=tail_bootstrap) for r in loaded]
    combined = {}
    for key, group in group_by_point(fits).items():
        c = combined_growth(group)
        for f in group:
            combined[id(f)] = c
    written = [write_report(f, combined[id(f)]) for f in fits] if report else []
    if as_json:
        doc = {"runs": [f.to_dict() for f in fits], "combined": []}
        for key, group in group_by_point(fits).items():
            c = combined[id(group[0])]
            if c is not None:
                doc["combined"].append({"point": json.loads(key), "runs": [str(f.run.path) for f in group],
                                        "v": c.v, "v_stderr": c.stderr, "v_interval": list(c.interval),
                                        "Lambda": c.Lambda, "Lambda_interval": list(c.Lambda_interval),
                                        "n_seeds": c.n_seeds, "consistency_pvalue": c.consistency_pvalue})
        click.echo(json.dumps(_json_safe(doc), indent=2))
        return
    for f in fits:
        click.echo(f.summary())
        if combined[id(f)] is not None:
            click.echo("combined over seeds: " + combined[id(f)].summary())
        click.echo("")
    for md, page in written:
        click.echo(f"report: {md}  {page}")


def main(argv=None):
    """Entry point: click's own errors and ConfigError become one line and exit status 2."""
    try:
        code = cli.main(args=argv, prog_name="popdyn", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.UsageError as exc:
        click.echo(f"popdyn: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        click.echo(f"popdyn: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, click.Abort):
        click.echo("popdyn: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
