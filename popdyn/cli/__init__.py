"""The ``popdyn`` command line, one module per family of commands.

Exit status: 0 done; 1 work failed on its way (disk full, I/O error, a failing C reference:
the message says what is intact and how to continue); 2 bad input, refused before anything
is written;
130 / 143 stopped by SIGINT / SIGTERM (``popdyn.interrupt``: what was saved and the command
that continues are printed). Every error is one line on stderr.
"""

import signal
import sys

import click

from .. import interrupt
from ..errors import ConfigError, WorkError
from . import bench, figures, fit, run, sweep, transition  # noqa: F401  (importing a module registers its commands)
from ._errors import worded
from ._common import EXIT_FAILURE, EXIT_USAGE, Stopped, cli, command_line


def main(argv=None):
    """Entry point: every failure the user can act on becomes one line on stderr and an exit status.

    ``argv=None`` is the process's own command line: the signal handlers are then held until
    the process exits. Called with a list (tests, scripts), they last for the call only.
    """
    if argv is None:
        interrupt.hold()
    try:
        _run(argv)
    except SystemExit as exc:
        if argv is None and interrupt.left_behind():  # a cluster cut short in its start or close: no clean-up races it
            interrupt.exit_at_once(exc.code if isinstance(exc.code, int) else int(exc.code is not None))
        raise
    finally:
        if argv is None:
            interrupt.done()


def _run(argv):
    try:
        with interrupt.handled():
            if argv is None:  # a signal held back while the command line loaded (popdyn.__main__) acts here
                interrupt.let_through()
            code = cli.main(args=argv, prog_name="popdyn", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # plain `popdyn`: the help is what was asked for
        click.echo(exc.format_message())
        sys.exit(0)
    except click.UsageError as exc:
        click.echo(f"popdyn: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_USAGE)
    except ConfigError as exc:
        click.echo(f"popdyn: error: {worded(exc)}", err=True)
        sys.exit(EXIT_USAGE)
    except WorkError as exc:
        click.echo(f"popdyn: error: {worded(exc)}", err=True)
        sys.exit(EXIT_FAILURE)
    except (Stopped, interrupt.Interrupted) as exc:
        stop = exc.interrupted if isinstance(exc, Stopped) else exc
        message = worded(stop) if stop.told else (f"{signal.Signals(stop.signum).name}: stopped before any result "
                                                  f"was complete; the same command starts again: {command_line()}")
        click.echo(f"popdyn: {message}", err=True)
        sys.exit(stop.exit_status)
    except OSError as exc:  # the file system refused something no check foresaw: still one line
        click.echo(f"popdyn: error: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    except (KeyboardInterrupt, click.Abort):
        click.echo("popdyn: interrupted", err=True)
        sys.exit(128 + signal.SIGINT)
    sys.exit(code if isinstance(code, int) else 0)
