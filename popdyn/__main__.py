"""The ``popdyn`` command (``python -m popdyn`` and the installed script): signal handlers first.

The handlers are held before click and the commands load (a tenth of a second, more on a busy
machine), so a Ctrl-C from the first moment is one clean line and exit 130, never a traceback.
A signal while they load is recorded and acted on as the command starts.
"""

from . import interrupt


def main():
    interrupt.hold()  # for the whole process, like the command line's own
    with interrupt.deferred():
        from .cli import main as command_line
    command_line()


if __name__ == "__main__":
    main()
