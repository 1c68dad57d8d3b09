"""Helpers shared by the tests."""

import os
import subprocess
import sys

import numpy as np


def run_cli(*args, env=None, **kwargs):
    """Run the installed ``popdyn`` entry point in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "popdyn", *map(str, args)], capture_output=True, text=True,
                          env=full_env, **kwargs)


def session_processes(pid):
    """The command lines of the processes in the session (process group) of ``pid``, but ``pid`` itself."""
    import contextlib

    import psutil

    left = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if proc.pid != pid and os.getpgid(proc.pid) == pid:
                left.append(" ".join(proc.cmdline())[:100])
    return left


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def run_main(capsys, *argv):
    """Run ``popdyn.cli.main`` in this process: (exit status, stdout, stderr). No start-up cost."""
    import pytest

    from popdyn.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in argv])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def population_growth(model, size, seeds, generations):
    """The typical growth of <ln Gamma> of runs of ``model`` over ``seeds``: (mean, standard error)."""
    import math

    import popdyn
    from popdyn.analysis.growth import fit_growth

    values = [fit_growth(popdyn.run(model, size=size, generations=generations, seed=s, progress=False).table,
                         "mean_ln").v for s in seeds]
    return float(np.mean(values)), float(np.std(values, ddof=1) / math.sqrt(len(values)))


def on_threads(compute, threads=(1, 2)):
    """``[compute() with numba on t threads for t in threads]``; numba's thread count is restored after."""
    import numba

    results = []
    try:
        for t in threads:
            numba.set_num_threads(t)
            results.append(compute())
    finally:
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return results


def make_sweep(out, spec, started=None):
    """A sweep directory as ``popdyn sweep`` leaves it, its points run in this process (no cluster needed here):
    the first ``started`` points (all when None) run, the others listed and not begun."""
    import json

    from popdyn import sweeps

    points = sweeps.parse_spec(spec)
    (out / sweeps.RUNS).mkdir(parents=True)
    sweeps._write_record(out, points, json.dumps(spec))
    for point in points[:started]:
        sweeps.run_point(point, out)
    sweeps.write_summary(out)
    return points
