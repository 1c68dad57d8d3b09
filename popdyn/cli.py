"""The ``popdyn`` command line.

Errors in the input print one line on stderr and exit with status 2, before anything is
written. Ctrl-C during a run finishes the current generation, checkpoints, and exits 130.
"""

import json
import math
import os
import sys

import click
import numpy as np

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


@cli.command("transition")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--burn-in", type=int, default=None, help="First generation of the growth fits (default: half the run).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def transition_command(run_dirs, burn_in, as_json):
    """Tc_N read off populations, beside the exact Tc.

    RUN_DIRs: runs of the term recursion at one lam and N, across temperatures T around the
    transition, one or more seeds each. The growth v = 2 ln Lambda of each run is fitted (as
    in `popdyn fit`), averaged over seeds at each T, and Tc_N is where a weighted line in ln T
    crosses v = 0, with a parametric-bootstrap interval from the spread across seeds.

    \b
    Example:
      for T in 1.6 1.9 2.2; do for s in 1 2 3; do
        popdyn run --lam 0.01 --T $T --size 100000 --generations 200 --seed $s --out runs/tc/T$T-s$s; done; done
      popdyn transition runs/tc/*
    """
    from analysis.transition import transition_from_runs

    from . import runs

    try:
        est = transition_from_runs([runs.load(d) for d in run_dirs], burn_in=burn_in)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if as_json:
        doc = {"lam": est.lam, "size": est.size, "Tc_N": est.Tc, "interval": list(est.interval),
               "confidence": est.confidence, "exact_Tc": est.exact_Tc, "bracketed": est.bracketed,
               "points": est.points.to_dict("records")}
        click.echo(json.dumps(_json_safe(doc), indent=2))
        return
    click.echo(est.points.to_string(index=False, float_format=lambda x: f"{x:.5g}"))
    click.echo(est.summary())


@cli.command("metallic")
@click.option("--lam", type=float, required=True, help="Interaction lambda, 0 < lam < 1.")
@click.option("--T", "T_text", required=True, metavar="T[,T...]", help="Temperatures, e.g. 1e3,3e3,1e4.")
@click.option("--size", "-N", type=int, default=4000, show_default=True, help="Population size per run.")
@click.option("--generations", "-G", type=int, default=30, show_default=True,
              help="SCBA generations per run (the first half is burn-in).")
@click.option("--seeds", type=int, default=3, show_default=True, help="Independent runs per temperature.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def metallic_command(lam, T_text, size, generations, seeds, as_json):
    """The metallic side (BAA Eqs. 20-23): <Gamma> and Var Gamma of the SCBA fixed point.

    Deep in the window 1/lam << T << 1/lam^2 the tree predicts <Gamma> -> pi lam^2 T and
    Var Gamma -> lam^2/6; the table gives both ratios with their errors, and the sizes
    1/(lam T) and 3 pi lam^2 T of the corrections that bend them away at the window's edges.
    Runs are kept in memory (nothing is written).

    \b
    Example:
      popdyn metallic --lam 1e-3 --T 3e2,1e3,3e3,1e4,3e4,1e5
    """
    from analysis.metallic import metallic_table

    from .models import BAATree

    temperatures = _parse_floats(T_text, "--T")
    for T in temperatures:
        BAATree(lam=lam, T=T)
    if size < 2 or generations < 4 or seeds < 2:
        raise ConfigError("--size must be >= 2, --generations >= 4 and --seeds >= 2")
    table = metallic_table(lam, temperatures, size=size, generations=generations, seeds=tuple(range(1, seeds + 1)))
    if as_json:
        click.echo(json.dumps(_json_safe(table.to_dict("records")), indent=2))
    else:
        click.echo(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))


@cli.command("finite-n")
@click.option("--lam", type=float, required=True, help="Interaction lambda, 0 < lam < 1.")
@click.option("--sizes", default="1e3,1e4,1e5", show_default=True, help="Population sizes N.")
@click.option("--ratios", default="1,1.3,1.6,2", show_default=True, help="Temperatures T / Tc.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Independent runs per (T, N).")
@click.option("--generations", "-G", type=int, default=200, show_default=True,
              help="Generations per run (the first half is burn-in).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
def finite_n_command(lam, sizes, ratios, seeds, generations, as_json, progress):
    """How far a population of N samples is from the exact answer, and how well Brunet-Derrida explains it.

    For every N and T = r Tc: the measured growth v_N of ln gamma_n (mean over seeds) beside
    the exact v and the Brunet-Derrida predictions (L = ln N, and L = ln N + 3 ln ln N); per N,
    the population's Tc_N with its interval; per T, the extrapolation v_N = v_inf - c/L^2.
    Runs are kept in memory (nothing is written).

    \b
    Example:
      popdyn finite-n --lam 0.01 --sizes 1e3,1e4,1e5,1e6 --ratios 1,1.3,1.6,2
    """
    from tqdm.auto import tqdm

    from analysis.finite_size import extrapolate, finite_population_study, population_tc, sizes_for_tc_within

    from .models import BAATree

    size_list = _parse_ints(sizes, "--sizes", 2)
    ratio_list = _parse_floats(ratios, "--ratios")
    BAATree(lam=lam, T=1.0)
    if any(r <= 0 for r in ratio_list) or seeds < 2 or generations < 8:
        raise ConfigError("--ratios must be positive, --seeds >= 2 and --generations >= 8")
    bar = tqdm(total=len(size_list) * len(ratio_list), disable=not progress, file=sys.stderr, leave=False)
    study = finite_population_study(lam, size_list, ratio_list, seeds=tuple(range(1, seeds + 1)),
                                    generations=generations, progress=lambda row: bar.update(1))
    bar.close()
    tcs = population_tc(study) if len(ratio_list) >= 2 else None
    extra = extrapolate(study)
    needed = sizes_for_tc_within(tcs, lam) if tcs is not None else float("nan")
    if as_json:
        doc = {"lam": lam, "study": study.to_dict("records"), "extrapolation": extra.to_dict("records"),
               "Tc_N": tcs.to_dict("records") if tcs is not None else None, "N_for_Tc_within_10_percent": needed}
        click.echo(json.dumps(_json_safe(doc), indent=2))
        return
    fmt = lambda x: f"{x:.4g}"  # noqa: E731
    click.echo(study.drop(columns=["lam"]).to_string(index=False, float_format=fmt))
    if len(extra):
        click.echo("\nextrapolation v_N = v_inf - c / (ln N + 3 ln ln N)^2:")
        click.echo(extra.to_string(index=False, float_format=fmt))
    if tcs is not None:
        click.echo("\npopulation Tc_N (exact Tc = " + fmt(study["T"].iloc[0] / study["T_over_Tc"].iloc[0]) + "):")
        click.echo(tcs.to_string(index=False, float_format=fmt))
        click.echo(f"N for Tc_N within 10 % of Tc, by the measured trend of ln(Tc_N/Tc - 1) in ln ln N: {needed:.3g}")


def _parse_floats(text, option):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{option} takes a list of numbers like 0.1,0.01; cannot read {text!r}") from None
    if not values:
        raise ConfigError(f"{option} needs at least one number")
    return values


@cli.command("spectrum")
@click.option("--lam", "lam_text", required=True, metavar="LAM[,LAM...]", help="Interaction lambda(s), 0 < lam < 1.")
@click.option("--T", "T", type=float, default=None, help="Temperature: print v, beta*, Lambda and ln m(beta).")
@click.option("--tc", is_flag=True, help="Print the exact Tc, beta_c and C2 = 1/(Tc lam ln(1/lam)) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def spectrum_command(lam_text, T, tc, as_json):
    """The exact tree answer (BACKGROUND.md section 3): no population involved.

    With --T: the typical growth v = min_beta ln m(beta)/beta, its minimizer beta*, the paper's
    Lambda = exp(v/2), ln m(beta) on a grid, and the Brunet-Derrida prediction of what a
    population of N samples measures. With --tc: the transition temperature Tc (closed form,
    exact to rounding), beta_c, and C2 of BAA Eq. 28 beside its leading-log limit 6e.

    \b
    Examples:
      popdyn spectrum --lam 0.01 --T 3.3
      popdyn spectrum --lam 0.1,0.01,1e-4,1e-6 --tc
    """
    from .models import BAATree
    from .spectrum import exact_growth, ln_m, transition

    lams = _parse_floats(lam_text, "--lam")
    if tc == (T is not None):
        raise ConfigError("give either --T T (growth at one temperature) or --tc (the transition)")
    for lam in lams:
        BAATree(lam=lam, T=T if T is not None else 1.0)  # validates lam and T
    if tc:
        rows = [vars(transition(lam)) for lam in lams]
        if as_json:
            click.echo(json.dumps(_json_safe(rows), indent=2))
            return
        click.echo(f"{'lam':>10} {'Tc':>14} {'beta_c':>8} {'C2':>9} {'C2/6e':>7}")
        for r in rows:
            click.echo(f"{r['lam']:>10.3g} {r['Tc']:>14.10g} {r['beta_c']:>8.5f} {r['C2']:>9.5f} "
                       f"{r['C2'] / r['C2_leading_log']:>7.4f}")
        click.echo("C2 -> 6e = 16.3097 as lam -> 0, as 6e (1 - 1/ln(1/lam)); Tc = 1/3 (branching) for lam >= exp(-3/2)")
        return
    docs = []
    for lam in lams:
        g = exact_growth(BAATree(lam=lam, T=T))
        beta = np.round(np.linspace(0.05, 0.45, 9), 2)
        doc = {"lam": lam, "T": T, "v": g.v, "beta_star": g.beta_star, "Lambda": g.Lambda, "phase": g.phase,
               "T_over_Tc": T / transition(lam).Tc,
               "ln_m": {f"{b:.2f}": float(ln_m(lam, T, b)) for b in beta},
               "v_N_brunet_derrida": {f"1e{k}": g.finite_population(10.0**k) for k in range(3, 10)}
               if math.isfinite(g.v) else {}}
        docs.append(doc)
    if as_json:
        click.echo(json.dumps(_json_safe(docs if len(docs) > 1 else docs[0]), indent=2))
        return
    for d in docs:
        click.echo(f"lam={d['lam']:g} T={d['T']:g} (T/Tc={d['T_over_Tc']:.4g}): v={d['v']:.6g} per generation, "
                   f"beta*={d['beta_star']:.5f}, Lambda={d['Lambda']:.5g} -> {d['phase']}")
        click.echo("  ln m(beta): " + "  ".join(f"{b}:{v:.4g}" for b, v in d["ln_m"].items()))
        if d["v_N_brunet_derrida"]:
            click.echo("  population of N measures about (Brunet-Derrida, ln N + 3 ln ln N): "
                       + "  ".join(f"N={k}:{v:.3f}" for k, v in d["v_N_brunet_derrida"].items()))


def _parse_ints(text, option, low):
    """'1e5,1e6' -> [100000, 1000000], each an integer >= low."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{option} takes a list of numbers like 1e5,1e6; cannot read {text!r}") from None
    if not values or any(not math.isfinite(v) or v != int(v) or v < low for v in values):
        raise ConfigError(f"{option} takes integers >= {low} like 1e5,1e6; got {text!r}")
    return [int(v) for v in values]


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
    import datetime
    from pathlib import Path

    from tqdm.auto import tqdm

    from . import bench
    from .models import BAATree
    from .runs import set_threads

    size_list = _parse_ints(sizes, "--sizes", 2)
    thread_list = _parse_ints(threads_text, "--threads", 1)
    for t in thread_list:
        set_threads(t)
    recursion_list = [r.strip() for r in recursions.split(",") if r.strip()]
    for r in recursion_list:
        BAATree(lam=lam, T=T, recursion=r)  # validates lam, T and the recursion names
    if repeats < 1:
        raise ConfigError(f"--repeats must be at least 1, got {repeats}")
    probes = []
    for item in filter(None, (x.strip() for x in memory.split(","))):
        n, _, kind = item.partition(":")
        if kind not in ("float64", "float32"):
            raise ConfigError(f"--memory takes N:float64 or N:float32 items, got {item!r}")
        probes.append((_parse_ints(n, "--memory", 2)[0], kind))
    out = Path(out or datetime.datetime.now().strftime("bench-%Y%m%d-%H%M%S"))
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} already exists and is not empty; choose a new --out")
    c_binary = bench.build_c_reference(c_reference) if c_reference else None
    total = len(size_list) * len(thread_list) * len(recursion_list)
    bar = tqdm(total=total, disable=not progress, file=sys.stderr, unit="point", leave=False)
    rows = bench.run_benchmark(size_list, thread_list, recursion_list, T=T, lam=lam, repeats=repeats, numpy=numpy,
                               c_binary=c_binary, dtype=dtype, progress=lambda row: bar.update(1))
    bar.close()
    doc = {"rows": rows, "memory": [bench.memory_probe(n, T, lam, kind) for n, kind in probes],
           "compile": bench.compile_times(T, lam) if compile_time else None,
           "machine": {"cpus": os.cpu_count(), "numba_threads": max(thread_list)}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(_json_safe(doc), indent=2) + "\n")
    bench.plot_rates(rows, out / "bench.png")
    if as_json:
        click.echo(json.dumps(_json_safe(doc), indent=2))
        return
    click.echo(bench.format_rows(rows))
    for m in doc["memory"]:
        click.echo(f"one generation at N={m['size']:.0e} ({m['dtype']}): {m['wall_s']:.1f} s wall, "
                   f"{m['edges_per_s']:.3g} edges/s, peak memory {m['peak_rss_bytes'] / 2**30:.2f} GiB "
                   f"({m['bytes_per_sample']:.1f} bytes per sample)")
    if doc["compile"]:
        c = doc["compile"]
        click.echo(f"popdyn run, empty numba cache: {c['first_run_s']:.1f} s; cached: {c['cached_run_s']:.1f} s")
    click.echo(f"results: {out / 'bench.json'}  plot: {out / 'bench.png'}")


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
