"""The exact answer and the transition: `popdyn spectrum`, `transition`, `finite-n`, `metallic`."""

import contextlib
import signal
import sys
from pathlib import Path

import click

from ..errors import ConfigError, WorkError
from ..interrupt import Interrupted
from ._common import _parse_floats, _parse_ints, cli, command_line, dask_options, print_result
from ._models import ModelCommand, chosen_class, variant_options


def _signal_name(exc):
    return signal.Signals(exc.signum).name


def _check_sizes(sizes, generations, option):
    """Every population size of a study, checked as ``popdyn.run`` will check it, before the first run."""
    from ..runs import run_parameters

    for N in sizes:
        try:
            run_parameters(N, generations, 1, (), 60.0, "float64")
        except ConfigError as exc:
            raise ConfigError(f"{option}: {exc}") from None


#: ``--model`` of ``popdyn spectrum``: one way to the converged answer per choice, the closed form of the BAA tree
#: (and its variants) or the tilted operator of the Anderson model.
_SPECTRUM_MODEL = click.Option(["--model", "model"], type=click.Choice(["baa", "anderson"]), default="baa",
                               show_default=True,
                               help="baa: the closed-form spectrum of the BAA tree; anderson: the tilted operator of "
                                    "the Anderson model on the Bethe lattice, by quadrature or tilted population.")


def study_prototype(name="baa", switches=None, **parameters):
    """The model a study varies: ``--model NAME`` (and a variant's switches) with the parameters the study fixes.

    The hook through which ``finite-n`` and ``metallic`` choose their model from the registry
    (``popdyn.models.model_class``); they study the BAA tree today. The study then sets lam and T
    (``popdyn.analysis.finite_size.study_model``, ``popdyn.analysis.metallic.metallic_model``).
    """
    from ..models import model_class

    return model_class(name, **(switches or {}))(**parameters)


@cli.command("spectrum", cls=ModelCommand, model_params=lambda: [_SPECTRUM_MODEL, *variant_options()])
@click.option("--lam", "lam_text", default=None, metavar="LAM[,LAM...]", help="[baa] Interaction lambda(s), 0 < lam < 1.")
@click.option("--T", "T", type=float, default=None, help="[baa] Temperature: print v, beta*, Lambda and ln m(beta).")
@click.option("--tc", is_flag=True, help="[baa] Print the exact Tc, beta_c and C2 = 1/(Tc lam ln(1/lam)) instead.")
@click.option("--K", "K", type=int, default=2, show_default=True, help="[anderson] Branching number.")
@click.option("--E", "E", type=float, default=0.0, show_default=True, help="[anderson] Energy.")
@click.option("--disorder", type=click.Choice(["box", "gaussian", "cauchy"]), default="box", show_default=True,
              help="[anderson] Law of the on-site energies: box U(-W/2, W/2), Gaussian of the same variance, "
                   "Cauchy of half-width W/2.")
@click.option("--W", "W", type=float, default=None, help="[anderson] Disorder: print K lambda(beta) at --beta.")
@click.option("--beta", type=float, default=0.5, show_default=True, help="[anderson] The tilt beta, 0 < beta < 1.")
@click.option("--wc", is_flag=True, help="[anderson] Find the critical disorder W_c: the root of K lambda(1/2) = 1.")
@click.option("--bracket", default=None, metavar="LO,HI",
              help="[anderson] Disorders that bracket W_c (K lambda(1/2) - 1 changes sign between them); by "
                   "default the bracket is found from a guess that scales like K ln K, on a coarse grid.")
@click.option("--mobility-edge", "edge", is_flag=True,
              help="[anderson] Trace the mobility edge E_c(W), where K lambda(1/2; E, W) = 1 (box disorder).")
@click.option("--disorders", default=None, metavar="W1,W2,...",
              help="[anderson] The disorders of --mobility-edge (default: 9 from 0.1 to 0.98 of the guess of W_c).")
@click.option("--method", type=click.Choice(["quadrature", "population"]), default="quadrature", show_default=True,
              help="[anderson] Galerkin quadrature of the one-dimensional kernel (box disorder), or the tilted "
                   "population (any disorder).")
@click.option("--precise", is_flag=True, help="[anderson] Finer grid, more samples and replicas (about 4x the time; "
                                                "--mobility-edge: the grid of one estimate).")
@click.option("--replicas", type=click.IntRange(2, 64), default=None,
              help="[anderson] Independent replicas behind the interval (default 4, 8 with --precise).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=0, show_default=True, help="[anderson] Seed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def spectrum_command(lam_text, T, tc, K, E, disorder, W, beta, wc, bracket, edge, disorders, method, precise, replicas,
                     seed, as_json, **options):
    """The converged tree answer, no plain population involved (BACKGROUND.md sections 2-3).

    BAA tree (--model baa, closed form). With --T: the typical growth
    v = min_beta ln m(beta)/beta, its minimizer beta*, the paper's Lambda = exp(v/2), ln m(beta)
    on a grid, and the Brunet-Derrida prediction of what a population of N samples measures.
    With --tc: Tc (closed form, exact to rounding), beta_c, and C2 of BAA Eq. 28 beside 6e.

    Anderson model on the Bethe lattice (--model anderson): K lambda(beta), the largest
    eigenvalue of the beta-tilted linearized operator, with an interval from independent
    replicas and the estimator's systematic error inside it; --wc finds W_c where
    K lambda(1/2) = 1 (K = 2, E = 0, box: 18.17 +- 0.01 in Tikhonov & Mirlin 2019), after a
    second's look at the ends of --bracket. Either estimator takes about 30 s on 2 cores.
    The population takes beta <= 1/2 inside the band (lambda(beta) = lambda(1 - beta)); near
    a band edge at beta = 1/2 it misses resonances, and its interval reaches up to its value
    at beta - 0.01. W and |E| up to 1e150.

    \b
    Examples:
      popdyn spectrum --lam 0.01 --T 3.3
      popdyn spectrum --lam 0.1,0.01,1e-4,1e-6 --tc
      popdyn spectrum --model anderson --K 2 --E 0 --wc
      popdyn spectrum --model anderson --W 18.17 --beta 0.3 --method population
      popdyn spectrum --model anderson --K 2 --mobility-edge
    """
    from ._models import selection

    cls = chosen_class(options)  # the model, or a variant of it chosen by its switch
    if options["model"] == "anderson":
        if edge:
            _mobility_edge(K, E, disorder, W, wc, disorders, method, precise, replicas, seed, as_json)
            return
        _anderson_spectrum(cls, K, E, disorder, W, beta, wc, bracket, method, precise, replicas, seed, as_json)
        return
    if lam_text is None:
        raise ConfigError(f"{selection(cls)} needs --lam (and --T or --tc)")
    from ..spectrum import ExactAnswers, Transitions, exact_answer

    lams = _parse_floats(lam_text, "--lam")
    if tc == (T is not None):
        raise ConfigError("give either --T T (growth at one temperature) or --tc (the transition)")
    models = [cls(lam=lam, T=T if T is not None else 1.0) for lam in lams]  # validates lam and T
    if not tc:
        print_result(ExactAnswers(tuple(exact_answer(m) for m in models)), as_json)
        return
    transitions = [m.exact_transition() for m in models]
    if None in transitions:
        raise ConfigError(f"the {cls.name} model has no exact transition to print ({selection(cls)} --tc)")
    print_result(Transitions(tuple(transitions), cls.title), as_json)


def _check_quadrature(method, disorder):
    if method == "quadrature" and disorder != "box":
        raise ConfigError(f"--method quadrature is written for box disorder; use --method population for {disorder}")


def _mobility_edge(K, E, disorder, W, wc, disorders, method, precise, replicas, seed, as_json):
    """E_c(W) of the Anderson model (``popdyn.analysis.mobility_edge``), printed as its summary or its JSON."""
    from popdyn.analysis.anderson import estimator_settings
    from popdyn.analysis.mobility_edge import mobility_edge

    if wc or W is not None or E != 0.0:
        raise ConfigError("--mobility-edge traces E_c over W: give it without --W, --E or --wc")
    _check_quadrature(method, disorder)
    Ws = _parse_floats(disorders, "--disorders") if disorders is not None else None
    # a root per disorder, about ten estimates each: a lighter grid than one estimate's, --precise for that one
    settings = estimator_settings(method, precise, replicas, seed, edge=True)

    def tell(w, point):
        lo, hi = point.interval
        click.echo(f"  W = {w:g}: E_c = {point.value:.4f} [{lo:.4f}, {hi:.4f}] ({point.wall_s:.0f} s)", err=True)

    edge = mobility_edge(K=K, disorder=disorder, Ws=Ws, method=method, progress=None if as_json else tell,
                         **settings)
    print_result(edge, as_json)


def _anderson_spectrum(cls, K, E, disorder, W, beta, wc, bracket, method, precise, replicas, seed, as_json):
    """K lambda(beta) or W_c of ``cls``: the Anderson model (``--model anderson``) or a variant of it."""
    from popdyn.analysis.anderson import anderson_growth, critical_disorder, estimator_settings
    from popdyn.tilted import Bracket

    if wc == (W is not None):
        raise ConfigError("give either --W W (K lambda(beta) at one disorder) or --wc (the critical disorder)")
    if not 0.0 < beta < 1.0:
        raise ConfigError(f"--beta must lie in (0, 1), got {beta}")
    _check_quadrature(method, disorder)
    settings = estimator_settings(method, precise, replicas, seed)
    if not wc:
        print_result(anderson_growth(W, K, E, disorder, beta, method, settings, model=cls), as_json)
        return
    if beta != 0.5:
        raise ConfigError("--wc solves K lambda(1/2) = 1; leave --beta at 0.5")
    if bracket is not None:
        ends = _parse_floats(bracket, "--bracket")
        if len(ends) != 2 or not ends[0] < ends[1]:
            raise ConfigError(f"--bracket takes two disorders LO,HI with LO < HI, got {bracket!r}")
        bracket = ends

    began = []

    def tell(event):
        if not began:  # said once work begins: a bracket refused at a first look is one line
            click.echo(f"W_c of the Anderson model, K={K} E={E:g} {disorder}, by {method}:", err=True)
            began.append(True)
        if isinstance(event, Bracket):
            click.echo(f"W_c: {event.summary()}", err=True)
        else:
            click.echo(f"  W = {event.settings['parameter']:.5f}: {event.summary()} ({event.wall_s:.0f} s)", err=True)

    print_result(critical_disorder(K, E, disorder, method, bracket, settings, progress=tell, model=cls), as_json)


@cli.command("transition")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--burn-in", type=int, default=None, help="First generation of the growth fits (default: half the run).")
@click.option("--degree", type=click.IntRange(1, 2), default=1, show_default=True,
              help="v_N(T) model: 1, a straight line in ln T; 2, a parabola (needs 4 temperatures).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def transition_command(run_dirs, burn_in, degree, as_json):
    """Tc_N read off populations, beside the exact Tc.

    RUN_DIRs: runs of the term recursion at one lam and N, across temperatures T around the
    transition, one or more seeds each: run directories of `popdyn run`, or sweep directories
    of `popdyn sweep` (each stands for all its points, run on Dask by the sweep). The growth
    v = 2 ln Lambda of each run is fitted (as in `popdyn fit`), averaged over seeds at each T,
    and Tc_N is where a weighted line in ln T (or, with --degree 2, a parabola) crosses v = 0,
    with a parametric-bootstrap interval from the spread across seeds.

    \b
    Examples (tc.toml: lam = 0.01, T = [1.6, 1.9, 2.2], seed = [1, 2, 3],
              size = 100000, generations = 200):
      popdyn sweep tc.toml --out sweeps/tc
      popdyn transition sweeps/tc
      popdyn transition runs/T1.6-s1 runs/T1.6-s2 runs/T1.9-s1 runs/T1.9-s2   (popdyn run --out ...)
    """
    from popdyn.analysis.transition import finished_runs, transition_from_runs

    loaded = finished_runs(run_dirs)  # an unfinished one: an UnfinishedError, worded with its commands
    try:
        est = transition_from_runs(loaded, burn_in=burn_in, degree=degree)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    print_result(est, as_json)


@cli.command("finite-n")
@click.option("--lam", type=float, required=True, help="Interaction lambda, 0 < lam < 1.")
@click.option("--sizes", default="1e3,1e4,1e5", show_default=True, help="Population sizes N.")
@click.option("--ratios", default="1,1.3,1.6,2", show_default=True, help="Temperatures T / Tc.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Independent runs per (T, N).")
@click.option("--generations", "-G", type=int, default=200, show_default=True,
              help="Generations per run (the first half is burn-in).")
@click.option("--table", "table_path", type=click.Path(dir_okay=False), default=None,
              help="Parquet file of per-run results: runs already there are reused, each new run is "
                   "added as soon as it is fitted (an interrupted study loses only the runs under way).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG: v_N against 1/L^2 with the extrapolation, and Tc_N/Tc against N.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@dask_options
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
def finite_n_command(lam, sizes, ratios, seeds, generations, table_path, plot_path, as_json, workers,
                     threads_per_worker, scheduler, progress):
    """How far a population of N samples is from the exact answer, and how well Brunet-Derrida explains it.

    For every N and T = r Tc: the measured growth v_N of ln gamma_n (mean over seeds) beside
    the exact v and the Brunet-Derrida predictions (L = ln N, and L = ln N + 3 ln ln N); per N,
    the population's Tc_N with its interval; per T, the extrapolation v_N = v_inf - c/L^2.
    The runs go to Dask like the points of `popdyn sweep`: an embedded cluster of worker
    processes on 127.0.0.1 (one run per worker at a time), or a running cluster by --scheduler.
    Populations stay in the workers' memory and only each run's fitted row comes back; with
    --table that row is saved (with the commit and time it ran) as soon as it arrives, so a
    long study can be stopped and resumed, extended (more N, temperatures or seeds: the report
    covers every run the table holds at this lam and --generations), or re-printed without
    running anything (no cluster is started then).

    \b
    Examples:
      popdyn finite-n --lam 0.01 --sizes 1e3,1e4,1e5,1e6 --ratios 1,1.3,1.6,2 --table lam0.01.parquet
      popdyn finite-n --lam 0.01 --sizes 1e7 --table lam0.01.parquet --scheduler tcp://127.0.0.1:8786
    """
    from tqdm.auto import tqdm

    from popdyn.analysis.finite_size import FiniteSizeStudy, exact_tc

    from ..cluster import check_cluster_options, check_local_cluster, dask_client
    from ..engine import memory_needed
    from ..files import check_output_file

    check_cluster_options(scheduler, workers)
    size_list = _parse_ints(sizes, "--sizes", 2)
    ratio_list = _parse_floats(ratios, "--ratios")
    if any(r <= 0 for r in ratio_list) or seeds < 2 or generations < 8:
        raise ConfigError("--ratios must be positive, --seeds >= 2 and --generations >= 8")
    prototype = study_prototype("baa", lam=lam, T=1.0)
    try:
        Tc = exact_tc(prototype)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for r in ratio_list:  # every run is checked before the first one starts
        prototype.at(T=r * Tc).check_population("float64")
    _check_sizes(size_list, generations, "--sizes")
    for path, option in ((table_path, "--table"), (plot_path, "--plot")):
        if path is not None:
            check_output_file(path, option)
    study = FiniteSizeStudy(lam, size_list, ratio_list, range(1, seeds + 1), generations, table_path, prototype)
    largest = study.largest_population()
    if largest is not None and scheduler is None:  # the embedded workers share this machine's cores and memory
        check_local_cluster(workers, threads_per_worker, memory_needed(*largest, "float64"), len(study.todo()))
    if largest is not None:  # one study writes a table: refused while another does; the rows it added count
        study.lock()

    with _telling_what_is_saved(study), contextlib.closing(study):
        if study.todo():
            with dask_client(scheduler, workers, threads_per_worker, quiet=True) as client, \
                    tqdm(total=len(study.todo()), disable=not progress, file=sys.stderr, leave=False,
                         unit="run") as bar:
                study.run(executor=client, threads=threads_per_worker, on_run=lambda row: bar.update(1))
        report = study.report()
    if plot_path is not None and report.tcs is not None:
        from popdyn.figures._style import png_bytes, style
        from popdyn.figures.finite_size import draw_finite_population

        from ..files import atomic_write

        title = f"lam = {lam:g}, up to {report.study['seeds'].max()} seeds, {generations} generations"
        with style():
            png = png_bytes(draw_finite_population(report.study, report.extrapolation, report.tcs, title=title))
        atomic_write(Path(plot_path), lambda tmp: tmp.write_bytes(png))
    print_result(report, as_json)


@contextlib.contextmanager
def _telling_what_is_saved(study):
    """An interrupted or failed study says how many of its runs its table holds, and the command that goes on."""
    try:
        yield
    except Interrupted as exc:
        raise exc.with_message(f"{_signal_name(exc)}: study stopped; {_saved(study)}") from None
    except WorkError as exc:
        raise WorkError(f"{exc}; {_saved(study)}") from None


def _saved(study):
    if study.table is None:
        return "nothing was saved (no --table)"
    if not study.table.path.exists():  # a file is named only once it holds a run
        return f"none of its {len(study.keys)} runs was saved yet; the same command starts it: {command_line()}"
    return (f"{study.saved()} of its {len(study.keys)} runs are saved in {study.table.path} (an unfinished run is "
            f"not); the same command resumes: {command_line()}")


@cli.command("metallic")
@click.option("--lam", type=float, required=True, help="Interaction lambda, 0 < lam < 1.")
@click.option("--T", "T_text", required=True, metavar="T[,T...]", help="Temperatures, e.g. 1e3,3e3,1e4.")
@click.option("--size", "-N", type=int, default=4000, show_default=True, help="Population size per run.")
@click.option("--generations", "-G", type=int, default=30, show_default=True,
              help="SCBA generations per run (the first half is burn-in).")
@click.option("--seeds", type=int, default=3, show_default=True, help="Independent runs per temperature.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def metallic_command(lam, T_text, size, generations, seeds, as_json):
    """<Gamma> and Var Gamma of the SCBA fixed point, the metallic side of BAA (Eqs 20-23).

    Deep in the window 1/lam << T << 1/lam^2 the tree predicts <Gamma> -> pi lam^2 T and
    Var Gamma -> lam^2/6; the table gives both ratios with their errors, and the sizes
    1/(lam T) and 3 pi lam^2 T of the corrections that bend them away at the window's edges.
    Runs are kept in memory (nothing is written).

    \b
    Example:
      popdyn metallic --lam 1e-3 --T 3e2,1e3,3e3,1e4,3e4,1e5
    """
    from popdyn.analysis.metallic import metallic_model, metallic_table

    from ..runs import check_memory

    temperatures = _parse_floats(T_text, "--T")
    prototype = study_prototype("baa", lam=lam, T=temperatures[0], recursion="scba")
    for T in temperatures:  # the models the runs will have, each checked before the first run
        metallic_model(lam, T, prototype=prototype).check_population("float64")
    if generations < 4 or seeds < 2:
        raise ConfigError("--generations must be >= 4 and --seeds >= 2")
    _check_sizes([size], generations, "--size")
    check_memory(metallic_model(lam, temperatures[0], prototype=prototype), size, "float64", snapshots=False)
    try:
        table = metallic_table(lam, temperatures, size=size, generations=generations,
                               seeds=tuple(range(1, seeds + 1)), prototype=prototype)
    except Interrupted as exc:
        raise exc.with_message(f"{_signal_name(exc)}: stopped; nothing was printed or saved (metallic keeps its "
                               f"runs in memory); the same command starts again: {command_line()}") from None
    print_result(table, as_json)
