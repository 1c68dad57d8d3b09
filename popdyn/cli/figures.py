"""`popdyn figures`: the paper's figures and popdyn's own, computed and drawn."""

import shlex
import signal
import shutil
import time
from pathlib import Path

import click

from ..errors import ConfigError, StorageError
from ..files import check_writable_folder
from ..interrupt import Interrupted
from ._common import cli, command_line

#: The names ``popdyn figures`` takes (``popdyn.figures.FIGURES``), listed here so that --help needs no matplotlib.
NAMES = ("fig4", "fig2b", "fig5", "growth", "phase", "spectrum", "convergence", "offsets", "mobility-edge")


def _names(requested):
    chosen = []
    for name in requested:
        if name == "all":
            chosen.extend(NAMES)
        elif name in NAMES:
            chosen.append(name)
        else:
            raise ConfigError(f"unknown figure {name!r}; choose from all, {', '.join(NAMES)}")
    return list(dict.fromkeys(chosen))


def _check_writable(out):
    """Refuse an --out that cannot take files, before anything is computed.

    Returns the outermost folder this call created (None if --out existed), for ``_remove_if_empty``.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a directory")
    created = None
    for folder in (out, *out.parents):
        if folder.exists():
            break
        created = folder
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_if_empty(created)
        raise ConfigError(f"--out: cannot write into {str(out)!r} ({exc.strerror or exc})") from None
    try:
        check_writable_folder(out, "--out")
    except ConfigError:
        _remove_if_empty(created)
        raise
    return created


def _remove_if_empty(created):
    """Remove the folders ``_check_writable`` created, if no file was written into them."""
    if created is not None and created.is_dir() and not any(p.is_file() for p in created.rglob("*")):
        shutil.rmtree(created, ignore_errors=True)


@cli.command("figures")
@click.argument("names", nargs=-1, required=True, metavar="NAME|all ...")
@click.option("--out", type=click.Path(file_okay=False), default="popdyn-figures", show_default=True,
              help="Directory for NAME.png, NAME.pdf, NAME.parquet and NAME.md (created if absent).")
@click.option("--scale", type=click.Choice(["tiny", "quick", "paper"]), default="quick", show_default=True,
              help="quick: about two minutes or less per figure on 2 cores; paper: larger populations; "
                   "tiny: seconds, a smoke check (its numbers are noise).")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Seed of every population drawn.")
def figures_command(names, out, scale, seed):
    """Compute and draw figures: the paper's Figs. 4, 2b and 5 from real populations, and four more.

    \b
    fig4         P_n(Gamma) for n = 1, 2, 3 at T = 0.7 and 1.3 Tc against the Levy law of Eq. 27
    fig2b        P(Gamma) in the insulator (power-law tail) and in the metal (SCBA fixed point)
    fig5         the SCBA decay rate against T for two eta: insulator, metal, Drude regimes
    growth       ln gamma_n against n around Tc, fitted growth beside the exact slope
    phase        the (lam, T) plane: exact Tc(lam), leading log, population read-offs Tc_N
    spectrum     ln m(beta) and v(beta) = ln m(beta)/beta at several T/Tc, beta* and the pole at 1/2
    convergence  v_N against 1/(ln N)^2 with the exact v, Brunet-Derrida and the extrapolation
    offsets      Eq. 25's energy arguments against the memoryless tree: Tc(lam), ln m(beta), C2(lam)
    mobility-edge  the Anderson model's E_c(W) where K lambda(1/2) = 1, K = 2, with W_c and the band edges

    Each figure writes NAME.png (150 dpi), NAME.pdf, NAME.parquet (the plotted numbers, with the
    parameters and provenance in its metadata) and NAME.md (what is shown, N, seeds, the command).
    phase and convergence draw the committed finite-population studies in docs/data.

    \b
    Examples:
      popdyn figures all --out docs/figures
      popdyn figures fig4 spectrum --scale paper --seed 2
    """
    chosen = _names(names)

    import popdyn.figures
    from popdyn.figures._data import check_studies
    from popdyn.figures.output import write_figure

    check_studies([popdyn.figures.FIGURES[name] for name in chosen])
    out = Path(out)
    created = _check_writable(out)

    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    written = []
    try:
        for name in tqdm(chosen, desc="figures", unit="figure", disable=len(chosen) < 2, leave=False):
            command = shlex.join(["popdyn", "figures", name, "--out", str(out), "--scale", scale, "--seed", str(seed)])
            written.extend(write_figure(popdyn.figures.FIGURES[name], out, scale=scale, seed=seed, command=command))
            click.echo(f"{name}: {out / name}.{{png,pdf,parquet,md}}")
    except OSError as exc:
        _remove_if_empty(created)
        raise StorageError(f"cannot write the figures into {str(out)!r} ({exc.strerror or exc}); "
                           f"{len(written) // 4} of {len(chosen)} complete; rerun: {command_line()}") from None
    except Interrupted as exc:
        _remove_if_empty(created)
        done = len(written) // 4
        raise exc.with_message(f"{signal.Signals(exc.signum).name}: stopped; {done} of {len(chosen)} figure(s) "
                               f"complete in {str(out)!r}, nothing half-written; the same command draws them "
                               f"again: {command_line()}") from None
    except BaseException:  # a failure before the first figure leaves no empty --out behind
        _remove_if_empty(created)
        raise
    click.echo(f"{len(chosen)} figure(s) in {time.perf_counter() - t0:.0f} s")
