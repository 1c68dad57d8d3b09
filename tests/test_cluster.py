"""What a command waits for outside itself, and what it starts: deadlines, signals and bounds.

Real processes throughout: an HTTP server and a socket that accepts and never answers as
``--scheduler``, the embedded cluster's worker processes, SIGINT and SIGTERM sent as a terminal
or a batch system sends them, and the machine's own limits (cores, memory, ``ulimit -n``).
"""

import contextlib
import os
import select
import signal
import subprocess
import sys
import time

import psutil
import pytest

from popdyn import machine
from popdyn.cluster import SCHEDULER_TIMEOUT
from popdyn.errors import WorkError
from tests.helpers import run_cli, session_processes

SPEC = "lam = 0.01\nT = [2.0, 3.0]\nsize = 50000\ngenerations = 1200\nseed = 1\n"

#: Servers that accept a connection and never answer it as Dask would; each prints its port, then a line per
#: connection it accepts (so a test knows the command is waiting on it).
SERVERS = {
    "http": """
import http.server
class Server(http.server.HTTPServer):
    def get_request(self):
        request = super().get_request()
        print("accepted", flush=True)
        return request
server = Server(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print(server.server_address[1], flush=True)
server.serve_forever()
""",
    "silent": """
import socket
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
held = []
while True:
    held.append(listener.accept()[0])
    print("accepted", flush=True)
""",
}


def _line(stream, seconds=60):
    """The next line a subprocess writes on ``stream`` (unbuffered), waited for at most ``seconds``."""
    line = b""
    deadline = time.monotonic() + seconds
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no line within {seconds} s (so far {line!r})"
        more = os.read(stream.fileno(), 1)
        assert more, f"the stream closed (so far {line!r})"
        line += more
    return line.decode().strip()


@contextlib.contextmanager
def _server(kind):
    proc = subprocess.Popen([sys.executable, "-c", SERVERS[kind]], stdout=subprocess.PIPE, bufsize=0)
    try:
        yield int(_line(proc.stdout)), proc
    finally:
        proc.kill()
        proc.wait()


def _spec(tmp_path):
    (tmp_path / "spec.toml").write_text(SPEC)
    return tmp_path / "spec.toml"


@pytest.mark.parametrize("kind", SERVERS)
def test_a_scheduler_that_never_answers_is_refused_within_its_deadline(kind, tmp_path):
    """Dask's own Client waits for its handshake without end: the command gives up after SCHEDULER_TIMEOUT, in one
    line and exit 2 (an address that is no Dask scheduler is bad input), having written nothing."""
    with _server(kind) as (port, _):
        t0 = time.monotonic()
        result = run_cli("sweep", _spec(tmp_path), "--out", tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}",
                         "--no-progress", timeout=120)
        elapsed = time.monotonic() - t0
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.count("\n") == 1 and "does not answer" in result.stderr, result.stderr
    assert f"within {SCHEDULER_TIMEOUT:g} s" in result.stderr
    assert SCHEDULER_TIMEOUT <= elapsed < SCHEDULER_TIMEOUT + 20  # the deadline, and the command's start-up
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_waiting_for_a_scheduler_stops_the_command_at_once(kind, signum, tmp_path):
    """While the command waits on a server that accepted its connection and says nothing, SIGINT or SIGTERM
    is one line and 130 / 143 within 2 s (the wait is not one that holds signals back)."""
    with _server(kind) as (port, server):
        proc = subprocess.Popen([sys.executable, "-m", "popdyn", "sweep", str(_spec(tmp_path)), "--out",
                                 str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}", "--no-progress"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert _line(server.stdout) == "accepted"  # the command is waiting on the server
            time.sleep(0.3)
            t0 = time.monotonic()
            proc.send_signal(signum)
            stdout, stderr = proc.communicate(timeout=60)
            stopped = time.monotonic() - t0
        finally:
            proc.kill()
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum and stdout == "", stderr
    assert stderr.count("\n") == 1 and stderr.startswith(f"popdyn: {name}: stopped; no point had begun"), stderr
    assert stopped < 2.0, stopped
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_while_the_embedded_cluster_starts_leaves_no_process_behind(signum, tmp_path):
    """The signal sent to the whole session (a terminal's Ctrl-C, a batch system's SIGTERM) once the first worker
    process exists, the cluster half started: one line, 130 / 143 within 2 s, no worker process left."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "popdyn", "sweep", str(_spec(tmp_path)), "--out", str(out),
                             "--workers", "2", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not any("spawn_main" in cmd for cmd in session_processes(proc.pid)):
            assert proc.poll() is None and time.monotonic() < deadline, "no worker process started"
            time.sleep(0.01)
        t0 = time.monotonic()
        os.killpg(proc.pid, signum)
        stdout, stderr = proc.communicate(timeout=60)
        stopped = time.monotonic() - t0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum and stdout == "", stderr
    assert stderr.count("\n") == 1 and stderr.startswith(f"popdyn: {name}: stopped; no point had begun"), stderr
    assert stopped < 2.0, stopped
    time.sleep(0.5)
    assert session_processes(proc.pid) == []
    assert not out.exists()


def test_an_embedded_cluster_that_does_not_start_in_time_is_a_work_error_and_taken_down():
    """The start's deadline, in this process: a WorkError at once, and the cluster still starting is closed by its
    own thread when it is up (no worker process outlives it)."""
    from popdyn.cluster import local_client

    def workers():
        found = []
        for p in psutil.Process().children():
            with contextlib.suppress(psutil.Error):  # one that exits meanwhile (a zombie, gone) is not left behind
                if p.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(p.cmdline()):
                    found.append(p)
        return found

    import distributed  # noqa: F401 (loaded before the clock starts)

    t0 = time.monotonic()
    with pytest.raises(WorkError, match=r"did not start within 0.2 s"):
        local_client(workers=1, timeout=0.2)
    assert time.monotonic() - t0 < 2.0
    deadline = time.monotonic() + 60
    while workers():
        assert time.monotonic() < deadline, workers()
        time.sleep(0.1)


# -- bounds: what a command starts, against what the machine has (refused before anything starts or is written)

STUDY = ["finite-n", "--lam", "0.1", "--sizes", "200,400", "--ratios", "1,1.6", "--seeds", "2", "--generations", "12",
         "--no-progress"]


def _command(which, tmp_path, size=None):
    if which == "sweep":
        (tmp_path / "spec.toml").write_text(f"lam = 0.01\nT = 2.0\nsize = {size or 1000}\ngenerations = 3\n"
                                            "seed = [1, 2]\n")
        return ["sweep", tmp_path / "spec.toml", "--out", tmp_path / "out", "--no-progress"]
    sizes = ["--sizes", str(size)] if size else []
    return [*STUDY, *sizes, "--table", tmp_path / "out"]


@pytest.mark.parametrize("which", ["sweep", "finite-n"])
def test_more_workers_than_the_open_files_limit_allows_are_refused(which, tmp_path):
    """``ulimit -n`` lowered for the command: three workers need more descriptors than it allows."""
    import resource

    workers = 3
    limit = machine.FILES_RESERVED + workers * machine.FILES_PER_WORKER - 1
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if workers > machine.most_threads():
        pytest.skip("fewer cores than three workers need")
    result = subprocess.run([sys.executable, "-m", "popdyn", *map(str, _command(which, tmp_path)), "--workers",
                             str(workers)], capture_output=True, text=True, timeout=120,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard)))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"limit of {limit} (ulimit -n): at most 2 workers" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("which", ["sweep", "finite-n"])
def test_populations_that_fit_one_by_one_but_not_on_two_workers_at_once_are_refused(which, tmp_path):
    """A population of 60 % of the available memory runs alone; two workers would hold two at once."""
    from popdyn.engine import memory_needed
    from popdyn.models import BAATree

    per_sample = memory_needed(BAATree(lam=0.1, T=1.0), 1, "float64")
    size = int(0.6 * machine.available_memory() / per_sample)
    if size > 2**32:
        pytest.skip("this machine has the memory of two populations of N = 2^32")
    code = run_cli(*_command(which, tmp_path, size), "--workers", "2", timeout=120)
    assert code.returncode == 2 and code.stderr.count("\n") == 1, code.stderr
    assert "2 populations of" in code.stderr and "GiB available" in code.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_numba_thread_pool_out_of_proportion_to_the_cores_is_refused(command, tmp_path):
    """NUMBA_NUM_THREADS beyond THREADS_PER_CORE per core: numba would start that many threads at the first kernel."""
    pool = machine.most_threads() + 1
    if command == "run":
        args = ["run", "--lam", "0.01", "--T", "3.3", "--size", "300", "--generations", "3", "--out", tmp_path / "out",
                "--no-progress"]
    else:
        args = _command("sweep", tmp_path)
    result = run_cli(*args, env={"NUMBA_NUM_THREADS": str(pool)}, timeout=120)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"NUMBA_NUM_THREADS={pool} would start {pool} threads" in result.stderr
    assert not (tmp_path / "out").exists()
