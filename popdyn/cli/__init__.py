"""The ``popdyn`` command line, one module per family of commands.

Errors in the input print one line on stderr and exit with status 2, before anything is
written. Ctrl-C during a run finishes the current generation, checkpoints, and exits 130.
"""

import sys

import click

from ..errors import ConfigError
from . import bench, fit, run, transition  # noqa: F401  (importing a module registers its commands)
from ._common import EXIT_INTERRUPTED, EXIT_USAGE, cli


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

