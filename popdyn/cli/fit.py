"""`popdyn fit`: fitting reports of runs."""

from pathlib import Path

import click

from ..errors import ConfigError, StorageError
from ..files import check_writable_folder
from ._common import cli, print_result

def _check_report_outputs(run_dir, names):
    """ConfigError unless the run directory takes files and none of ``names`` in it is taken by a directory."""
    check_writable_folder(run_dir, "--report")
    for name in names:
        if (run_dir / name).is_dir():
            raise ConfigError(f"--report: {str(run_dir / name)!r} is a directory; move it away or use --no-report")


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
              help="Write report.md, report.html and two PNG plots into each run directory, and "
                   "report_combined.md/.html for the seeds of one point.")
def fit_command(run_dirs, burn_in, bootstrap, tail_bootstrap, as_json, report):
    """Fit runs: gamma_n with exact intervals, Levy goodness of fit, tail exponents, and Lambda.

    For each RUN_DIR: the Levy-scale MLE of every generation with its exact chi^2 interval;
    on snapshot generations, KS and Anderson-Darling tests of Eq. 27 and the tail exponent;
    the growth v = 2 ln Lambda of ln gamma_n (OLS on the increments with HAC errors) beside
    the exact tree value. Runs of the same model and N with different seeds are combined.
    Works on a run that is still going (it reads the generations complete so far).

    Each RUN_DIR gets report.md, report.html (a self-contained page, plots inline),
    report_growth.png and report_levy.png. Several RUN_DIRs of one point (same model and N,
    different seeds) also get one combined report: each seed's Lambda fit, their combination
    and one growth plot of all seeds, as report_combined.html, report_combined.md and
    report_combined_growth.png in the first of those RUN_DIRs on the command line (when at
    least two of them have a growth fit).

    \b
    Examples:
      popdyn fit runs/metal
      popdyn fit runs/metal-s1 runs/metal-s2 runs/metal-s3 --json
    """
    from popdyn.analysis.report import check_seeds_by_point, fit_runs, point_key

    from .. import runs

    if bootstrap < 1 or tail_bootstrap < 1:
        raise ConfigError("--bootstrap and --tail-bootstrap must be at least 1")
    loaded = [runs.load(d) for d in run_dirs]
    check_seeds_by_point(loaded)  # before any fit: two runs of one seed are not two seeds
    for r in loaded:
        last = int(r.table["n"].max())
        if burn_in is not None and not 0 <= burn_in < last - 2:
            raise ConfigError(f"--burn-in {burn_in} leaves fewer than 3 generations in {r.path} (it ends at {last})")
    if report:  # every output is checked before any fit: a refusal costs nothing and writes nothing
        # drawing and templates are imported only when there is a report to write (--no-report skips them)
        from popdyn.figures.report import COMBINED_FILES, REPORT_FILES, write_combined_report, write_report

        points = {}
        for r in loaded:
            _check_report_outputs(Path(r.path), REPORT_FILES)
            points.setdefault(point_key(r), []).append(r)
        for group in points.values():  # the combined report goes into the first run of its point
            if len(group) >= 2:
                _check_report_outputs(Path(group[0].path), COMBINED_FILES)
    result = fit_runs(loaded, burn_in=burn_in, n_bootstrap=bootstrap, tail_bootstrap=tail_bootstrap)
    written, written_combined = [], []
    for f in result.fits if report else []:
        try:
            written.append(write_report(f, result.combined_of(f)))
        except OSError as exc:
            raise StorageError(f"cannot write the report into {str(f.run.path)!r} ({exc.strerror or exc}); "
                               "the fits are computed, rerun when there is room, or use --no-report") from None
    for point in result.points if report else []:
        if len(point.fits) < 2 or point.combined is None:
            continue
        try:
            written_combined.append(write_combined_report(list(point.fits), point.combined))
        except OSError as exc:
            raise StorageError(f"cannot write the combined report into {str(point.fits[0].run.path)!r} "
                               f"({exc.strerror or exc}); the fits are computed, rerun when there is room, "
                               "or use --no-report") from None
    print_result(result, as_json)
    if as_json:
        return
    for md, page in written:
        click.echo(f"report: {md}  {page}")
    for md, page in written_combined:
        click.echo(f"combined report: {md}  {page}")
