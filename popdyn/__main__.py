"""The ``popdyn`` command (``python -m popdyn`` and the installed script): signals wait while it loads.

SIGINT and SIGTERM are held back (blocked) while click and the commands load (a tenth of a
second, more on a busy machine) and let through once the command line's handlers are in place,
so a Ctrl-C from the first moment, or two of them, is one clean line and exit 130, never a traceback.
"""

from . import interrupt


def main():
    interrupt.hold_back()  # let through by the command line (popdyn.cli.main), its handlers in place
    try:
        from .cli import main as command_line
    except BaseException:  # a broken installation: its traceback, with the signals as they were
        interrupt.let_through()
        raise

    command_line()


if __name__ == "__main__":
    main()
