"""Helpers shared by the commands: the command group, list parsing, JSON output."""

import json
import math
import shlex
import sys

import click

from ..errors import ConfigError
from ..interrupt import Interrupted

EXIT_FAILURE = 1
EXIT_USAGE = 2


def command_line():
    """The command as it was typed (to repeat it)."""
    return shlex.join(["popdyn", *sys.argv[1:]])


class Stopped(Exception):
    """An ``Interrupted`` carried past click, which would turn it into a bare Abort (and a blank line)."""

    def __init__(self, interrupted):
        super().__init__(interrupted.message)
        self.interrupted = interrupted


def _print_version(ctx, param, value):
    """``--version``: ``popdyn 0.1.0 (commit abc1234)``, the commit looked up only when asked.

    Not click's ``version_option``: its message is fixed when the module is imported, and the commit takes a
    call to git. The version is that of the distribution (``popdyn._version.DISTRIBUTION``).
    """
    if not value or ctx.resilient_parsing:
        return
    from ..provenance import version_line

    click.echo(version_line())
    ctx.exit()


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Interrupted as exc:
            raise Stopped(exc) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (with the commit of a git checkout) and exit.")
def cli():
    """Population dynamics on the Cayley tree of Basko, Aleiner & Altshuler (many-body localization).

    Units: the level spacing delta_zeta = 1. Run `popdyn COMMAND --help` for each command.
    """


def print_result(result, as_json=False):
    """Print a result: its JSON document (``popdyn.results.document``) with --json, else its ``summary()``."""
    from ..results import document

    click.echo(json.dumps(document(result), indent=2) if as_json else result.summary())


def _parse_generations(text, last):
    """'1,2,5-8' -> [1, 2, 5, 6, 7, 8], every generation within 0..last (checked before expanding)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        try:
            lo, hi = int(lo), int(hi if sep else lo)
        except ValueError:
            raise ConfigError(f"--snapshot takes generations like 1,2,10-12; cannot read {part!r}") from None
        if lo > hi:
            raise ConfigError(f"--snapshot range {part!r} is empty (write it low-high)")
        if hi > last:
            raise ConfigError(f"--snapshot {part!r} is outside the run (generations 0..{last})")
        out.extend(range(lo, hi + 1))
    return out


def _parse_floats(text, option):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{option} takes a list of numbers like 0.1,0.01; cannot read {text!r}") from None
    if not values:
        raise ConfigError(f"{option} needs at least one number")
    return values


def _parse_ints(text, option, low):
    """'1e5,1e6' -> [100000, 1000000], each an integer >= low."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{option} takes a list of numbers like 1e5,1e6; cannot read {text!r}") from None
    if not values or any(not math.isfinite(v) or v != int(v) or v < low for v in values):
        raise ConfigError(f"{option} takes integers >= {low} like 1e5,1e6; got {text!r}")
    return [int(v) for v in values]



def dask_options(command):
    """``--workers``, ``--threads-per-worker``, ``--scheduler``: where a command's runs go (``popdyn.cluster``)."""
    options = [
        click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Worker processes of the embedded Dask cluster on 127.0.0.1 "
                          "(default: cores / threads per worker; workers x threads at most 4 per core)."),
        click.option("--threads-per-worker", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Numba threads of each worker (an embedded worker runs one point or run at a time)."),
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="Submit to a running Dask scheduler (tcp://host:8786) instead of an embedded cluster; "
                          "it must answer within 10 s."),
    ]
    for option in reversed(options):
        command = option(command)
    return command
