"""Bad input on every command: one line on stderr, exit 2, no traceback, nothing created or changed.

One table over commands and option classes: out-of-range physics (beyond the kernels' exact
range), sizes beyond memory or the sampler, malformed lists, options only used after the
work (checked before it), outputs that cannot be written, and runs that cannot be resumed.
Run in this process (the same ``main`` as the console script) with the working directory in
a fresh folder, so that "nothing created" covers default output paths too.
"""

import hashlib

import psutil
import pytest

import popdyn
from tests.helpers import run_main

RUN = ["run", "--lam", "0.01", "--T", "3.3", "--size", "300", "--generations", "4", "--no-progress"]
STUDY = ["finite-n", "--lam", "0.1", "--sizes", "200,400", "--ratios", "1,1.6", "--seeds", "2", "--generations",
         "12", "--no-progress"]
METAL = ["metallic", "--lam", "1e-3", "--T", "300", "--size", "200", "--generations", "6", "--seeds", "2"]
UNWRITABLE = "/proc/popdyn-test"  # not even root creates files there
IN_A_FILE = "afile/x"  # a path under a regular file (the fixture creates afile)

CASES = {
    # -- run: physics beyond the kernels' exact range
    "run T huge": (RUN + ["--T", "1e300"], "T must be at most 2^30"),
    "run T beyond Poisson": (RUN + ["--T", "1e12"], "T must be at most 2^30"),
    "run fixed T huge": (RUN + ["--coordination", "fixed", "--T", "1e19"], "T must be at most 2^30"),
    "run lam underflows": (RUN + ["--lam", "1e-200"], "lam^2 underflows"),
    "run lam denormal": (RUN + ["--lam", "5e-324"], "lam must be a normal double"),
    "run generations huge": (RUN + ["--generations", str(2**64)], "generations must be in [0, 1000000]"),
    "run lam float32": (RUN + ["--lam", "1e-10", "--dtype", "float32"], "too small for float32"),
    "run scba eta": (RUN + ["--recursion", "scba", "--eta", "1e-200"], "eta must lie in"),
    # -- run: sizes, memory, lists, options used after the run
    "run size at max needs memory": (RUN + ["--size", "4294967296"], "GiB available"),
    "run size beyond max": (RUN + ["--size", "4294967297"], "size must be in [2, 4294967296]"),
    "run snapshot range huge": (RUN + ["--snapshot", "0-9999999999"], "is outside the run"),
    "run snapshot range empty": (RUN + ["--snapshot", "3-1"], "is empty"),
    "run snapshot negative": (RUN + ["--snapshot", "-1"], "--snapshot takes generations"),
    "run burn-in beyond": (RUN + ["--burn-in", "3"], "--burn-in 3 leaves fewer than 3"),
    "run burn-in negative": (RUN + ["--burn-in", "-1"], "--burn-in -1"),
    "run checkpoint interval": (RUN + ["--checkpoint-interval", "0"], "checkpoint_interval must be"),
    "run checkpoint interval nan": (RUN + ["--checkpoint-interval", "nan"], "checkpoint_interval must be"),
    "run seed": (RUN + ["--seed", "-1"], "seed must be"),
    "run threads": (RUN + ["--threads", "100000"], "threads must be at most"),
    # -- run: outputs
    "run out unwritable": (RUN + ["--out", UNWRITABLE + "/r"], "--out: cannot write"),
    "run out in a file": (RUN + ["--out", IN_A_FILE], "is not a directory"),
    "run out is a file": (RUN + ["--out", "afile"], "is a file"),
    "run out empty": (RUN + ["--out", ""], "--out needs a path"),
    "run out name too long": (RUN + ["--out", "a" * 300], "File name too long"),
    # -- resume
    "resume missing": (["run", "--resume", "nowhere"], "is not a directory"),
    "resume foreign": (["run", "--resume", "."], "not a popdyn run directory"),
    "resume complete": (["run", "--resume", "done"], "is complete"),
    "resume model option": (["run", "--resume", "done", "--lam", "0.2"], "cannot be combined with --resume"),
    "resume fewer generations": (["run", "--resume", "done", "--generations", "2"], "below the 4 generations"),
    "resume burn-in": (["run", "--resume", "done", "--generations", "6", "--burn-in", "5"], "--burn-in 5"),
    # -- finite-n: every run checked before the first
    "study size beyond max": (STUDY + ["--sizes", "100,5e9"], "--sizes: size must be"),
    "study size not integer": (STUDY + ["--sizes", "1e2,1.5"], "--sizes takes integers"),
    "study ratio T huge": (STUDY + ["--ratios", "1,1e12"], "T must be at most 2^30"),
    "study ratio zero": (STUDY + ["--ratios", "0,1"], "--ratios must be positive"),
    "study seeds": (STUDY + ["--seeds", "1"], "--seeds >= 2"),
    "study generations huge": (STUDY + ["--generations", str(2**63)], "generations must be in [0, 1000000]"),
    "study lam": (STUDY + ["--lam", "2"], "lam must lie in (0, 1)"),
    "study table unwritable": (STUDY + ["--table", UNWRITABLE + ".parquet"], "--table: cannot write"),
    "study table in a file": (STUDY + ["--table", IN_A_FILE + ".parquet"], "does not exist"),
    "study plot unwritable": (STUDY + ["--plot", UNWRITABLE + ".png"], "--plot: cannot write"),
    "study table not parquet": (STUDY + ["--table", "afile"], "is not a Parquet table"),
    "study table empty": (STUDY + ["--table", ""], "--table needs a path"),
    "study plot empty": (STUDY + ["--plot", ""], "--plot needs a path"),
    "study workers beyond the cores": (STUDY + ["--workers", "100000"], "per core"),
    "study threads per worker": (STUDY + ["--threads-per-worker", "100000"], "more than numba's"),
    # -- sweep: the embedded cluster against the machine
    "sweep workers beyond the cores": (["sweep", "spec.toml", "--out", "o", "--workers", "100000"], "per core"),
    "sweep threads per worker": (["sweep", "spec.toml", "--out", "o", "--threads-per-worker", "100000"],
                                 "more than numba's"),
    "sweep workers of a scheduler": (["sweep", "spec.toml", "--out", "o", "--workers", "2", "--scheduler",
                                      "tcp://127.0.0.1:9"], "--workers sizes the embedded cluster"),
    # -- metallic
    "metallic size": (METAL + ["--size", "5000000000"], "--size: size must be"),
    "metallic T huge": (METAL + ["--T", "300,1e300"], "T must be at most 2^30"),
    "metallic T list": (METAL + ["--T", "300,x"], "--T takes a list of numbers"),
    "metallic seeds": (METAL + ["--seeds", "1"], "--seeds >= 2"),
    # -- spectrum
    "spectrum lam denormal": (["spectrum", "--lam", "5e-324", "--tc"], "lam must be a normal double"),
    "spectrum lam": (["spectrum", "--lam", "1.5", "--tc"], "lam must lie in (0, 1)"),
    "spectrum neither": (["spectrum", "--lam", "0.1"], "give either --T"),
    # -- fit and transition
    "fit missing": (["fit", "nowhere"], "is not a directory"),
    "fit bootstrap": (["fit", "done", "--bootstrap", "0"], "--bootstrap and --tail-bootstrap"),
    "fit burn-in": (["fit", "done", "--burn-in", "9"], "--burn-in 9"),
    "transition missing": (["transition", "nowhere"], "is not a directory"),
    "transition unfinished": (["transition", "stopped", "done"], "finished runs only"),
    # -- bench (before any timing)
    "bench T huge": (["bench", "--T", "1e300", "--no-progress"], "T must be at most 2^30"),
    "bench sizes huge": (["bench", "--sizes", "1e300", "--no-progress"], "--sizes takes population sizes"),
    "bench memory": (["bench", "--sizes", "4294967296", "--no-progress"], "GiB available"),
    "bench memory probe": (["bench", "--sizes", "1000", "--memory", "4294967296:float64", "--no-progress"],
                           "GiB available"),
    # -- the Anderson model: run and spectrum
    "anderson W negative": (["run", "--model", "anderson", "--W", "-1", "--no-progress"], "W must lie in [1e-150"),
    "anderson W missing": (["run", "--model", "anderson", "--no-progress"], "needs --W"),
    "anderson K one": (["run", "--model", "anderson", "--W", "10", "--K", "1", "--no-progress"], "K must lie in [2, 1024]"),
    "anderson eta zero": (["run", "--model", "anderson", "--W", "10", "--eta", "0", "--no-progress"],
                          "eta must be positive"),
    "anderson scba": (["run", "--model", "anderson", "--W", "10", "--recursion", "scba", "--no-progress"],
                      "unknown recursion 'scba' for the anderson model"),
    "anderson with lam": (["run", "--model", "anderson", "--W", "10", "--lam", "0.1", "--no-progress"],
                          "--lam is not a parameter of the anderson model"),
    "baa with W": (RUN + ["--W", "10"], "--W is not a parameter of the baa model"),
    "anderson E infinite": (["run", "--model", "anderson", "--W", "10", "--E", "inf", "--no-progress"],
                            "E must be finite"),
    "spectrum anderson both": (["spectrum", "--model", "anderson", "--W", "10", "--wc"], "either --W W"),
    "spectrum anderson beta": (["spectrum", "--model", "anderson", "--W", "10", "--beta", "1"],
                               "--beta must lie in (0, 1)"),
    "spectrum anderson bracket": (["spectrum", "--model", "anderson", "--wc", "--bracket", "20,16"],
                                  "--bracket takes two disorders"),
    "spectrum anderson quadrature cauchy": (["spectrum", "--model", "anderson", "--W", "10", "--disorder", "cauchy"],
                                            "written for box disorder"),
    "spectrum anderson W zero": (["spectrum", "--model", "anderson", "--W", "0"], "W must lie in [1e-150"),
    "spectrum anderson W huge": (["spectrum", "--model", "anderson", "--W", "1e308"], "W must lie in [1e-150"),
    "spectrum anderson W tiny": (["spectrum", "--model", "anderson", "--W", "1e-200"], "W must lie in [1e-150"),
    "spectrum anderson E huge": (["spectrum", "--model", "anderson", "--W", "16", "--E", "1e300"],
                                 "|E| must be at most 1e+150"),
    "anderson E huge": (["run", "--model", "anderson", "--W", "16", "--E", "-1e200", "--no-progress"],
                        "|E| must be at most 1e+150"),
    "spectrum anderson population beta": (["spectrum", "--model", "anderson", "--W", "16", "--beta", "0.7",
                                           "--method", "population"], "ask for beta = 0.3"),
    "spectrum anderson no transition": (["spectrum", "--model", "anderson", "--wc", "--bracket", "10,12"],
                                        "no transition in --bracket 10,12"),
    "spectrum anderson no transition anywhere": (["spectrum", "--model", "anderson", "--E", "20", "--wc"],
                                                 "no transition found in [34.3"),
    "spectrum baa without lam": (["spectrum", "--T", "3"], "needs --lam"),
    "bench repeats": (["bench", "--repeats", "0", "--no-progress"], "--repeats must be at least 1"),
    "bench out unwritable": (["bench", "--out", UNWRITABLE, "--no-progress"], "--out: cannot write"),
    # -- figures
    "figures unknown name": (["figures", "fig4", "fig9"], "unknown figure 'fig9'"),
    "figures out unwritable": (["figures", "spectrum", "--out", UNWRITABLE], "--out: cannot write"),
    "figures out in a file": (["figures", "spectrum", "--out", IN_A_FILE], "--out: cannot write"),
    "figures out is a file": (["figures", "spectrum", "--out", "afile"], "is a file"),
    "figures seed negative": (["figures", "spectrum", "--seed", "-1"], "is not in the range x>=0"),
    "figures scale unknown": (["figures", "spectrum", "--scale", "huge"], "'huge' is not one of"),
    "bench out empty": (["bench", "--out", "", "--no-progress"], "--out needs a path"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A complete run and an interrupted one, to point commands at."""
    base = tmp_path_factory.mktemp("runs")
    model = popdyn.BAATree(lam=0.01, T=3.3)
    popdyn.run(model, size=300, generations=4, out=base / "done", progress=False)
    popdyn.run(model, size=300, generations=1, out=base / "stopped", progress=False)
    state = base / "stopped" / "state.json"
    state.write_text(state.read_text().replace('"complete"', '"interrupted"'))
    return base


def _digest(folder):
    return {str(p.relative_to(folder)): p.is_dir() or hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("args, message", CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_exit_2_and_touches_nothing(args, message, runs, tmp_path, capsys, monkeypatch):
    if message == "GiB available" and psutil.virtual_memory().available > 64 * 2**30:
        pytest.skip("this machine has the memory of N = 2^32 samples")
    for name in ("done", "stopped"):
        (tmp_path / name).symlink_to(runs / name)
    (tmp_path / "afile").write_text("a file, not a folder")
    (tmp_path / "spec.toml").write_text("lam = 0.01\nT = 2.0\nsize = 1000\ngenerations = 3\n")
    monkeypatch.chdir(tmp_path)
    before = _digest(tmp_path), _digest(runs)
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2, (stdout, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith("popdyn: error: ") and "Traceback" not in stderr
    assert message in stderr, stderr
    assert stdout == ""
    assert (_digest(tmp_path), _digest(runs)) == before
