"""The command line: refusals, help, JSON, thread-independent bits, Ctrl-C and resume."""

import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.helpers import run_cli, run_main, same_bits

GOOD = ["--lam", "0.01", "--T", "3.3", "--size", "500", "--generations", "8", "--no-progress"]


_main = run_main


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lam", "1.5", "--T", "3"], "lam must lie in (0, 1)"),
        (["--lam", "0", "--T", "3"], "lam must lie in (0, 1)"),
        (["--lam", "0.1", "--T", "0"], "T must be positive"),
        (["--lam", "0.1", "--T", "inf"], "T must be finite"),
        (["--lam", "0.1", "--T", "nan"], "T must be finite"),
        (["--lam", "0.1", "--T", "3", "--eta", "-1"], "eta must be positive"),
        (["--lam", "0.1", "--T", "3", "--size", "1"], "size must be in [2, 4294967296]"),
        (["--lam", "0.1", "--T", "3", "--generations", "-2"], "generations must be >= 0"),
        (["--lam", "0.1", "--T", "3", "--generations", "3", "--snapshot", "4"], "outside the run"),
        (["--lam", "0.1", "--T", "3", "--snapshot", "1,x"], "--snapshot takes generations"),
        (["--lam", "0.1", "--T", "3", "--model", "ising"], "'ising' is not"),
        (["--lam", "0.1", "--T", "3", "--recursion", "cubic"], "'cubic' is not"),
        (["--lam", "0.1", "--T", "2.5", "--coordination", "fixed"], "integer T"),
        (["--lam", "abc", "--T", "3"], "'abc' is not a valid float"),
        (["--T", "3"], "needs --lam and --T"),
        (["--lam", "0.1", "--T", "3", "--threads", "0"], "threads must be >= 1"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "r"
    code, stdout, stderr = _main(capsys, "run", *args, "--out", str(out), "--no-progress")
    assert code == 2
    assert stderr.count("\n") == 1 and message in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert not out.exists()


def test_existing_output_and_foreign_resume_are_refused(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code, _, stderr = _main(capsys, "run", *GOOD, "--out", str(out))
    assert code == 2 and "not empty" in stderr and stderr.count("\n") == 1
    assert (out / "keep.txt").read_text() == "precious" and len(list(out.iterdir())) == 1
    code, _, stderr = _main(capsys, "run", "--resume", str(out))
    assert code == 2 and "not a popdyn run directory" in stderr
    code, _, stderr = _main(capsys, "run", "--resume", str(tmp_path / "missing"))
    assert code == 2 and "is not a directory" in stderr


def test_resume_refuses_model_options(tmp_path, capsys):
    out = tmp_path / "r"
    assert _main(capsys, "run", *GOOD, "--out", str(out))[0] == 0
    code, _, stderr = _main(capsys, "run", "--resume", str(out), "--lam", "0.2")
    assert code == 2 and "--lam cannot be combined with --resume" in stderr


def test_short_run_says_why_it_has_no_growth_estimate(tmp_path, capsys):
    code, stdout, _ = _main(capsys, "run", *GOOD, "--generations", "2", "--out", str(tmp_path / "r"))
    assert code == 0 and "no growth estimate" in stdout


def test_help_explains_every_option(capsys):
    code, stdout, _ = _main(capsys, "run", "--help")
    assert code == 0
    for option in ("--model", "--recursion", "--coordination", "--lam", "--T", "--eta", "--size", "--generations",
                   "--seed", "--snapshot", "--out", "--resume", "--threads", "--json", "--progress"):
        assert option in stdout


def test_json_summary_has_named_fields(tmp_path, capsys):
    code, stdout, _ = _main(capsys, "run", *GOOD, "--out", str(tmp_path / "r"), "--json")
    assert code == 0
    doc = json.loads(stdout)
    assert doc["exact"]["v"] == pytest.approx(1.8164643828, rel=1e-9)
    assert doc["population"]["size"] == 500 and len(doc["population"]["interval"]) == 2
    assert doc["run"]["status"] == "complete" and doc["model"]["lam"] == 0.01


def test_same_seed_same_bits_with_one_and_two_threads(tmp_path):
    outs = []
    for threads in (1, 2):
        out = tmp_path / f"t{threads}"
        result = run_cli("run", "--lam", "0.01", "--T", "3.3", "--size", "50000", "--generations", "6",
                         "--snapshot", "1,6", "--seed", "5", "--out", out, "--no-progress",
                         env={"NUMBA_NUM_THREADS": str(threads)})
        assert result.returncode == 0, result.stderr
        assert json.loads((out / "config.json").read_text())["provenance"]["threads"] == threads
        outs.append(out)
    for name in ("n0001.npy", "n0006.npy"):
        assert (outs[0] / "snapshots" / name).read_bytes() == (outs[1] / "snapshots" / name).read_bytes()
    a, b = (np.load(o / "checkpoint.npz") for o in outs)
    assert same_bits(a["values"], b["values"]) and int(a["scale_exponent"]) == int(b["scale_exponent"])


def test_ctrl_c_exits_130_and_resume_continues(tmp_path):
    out = tmp_path / "r"
    args = ["run", "--lam", "0.01", "--T", "3.3", "--size", "20000", "--seed", "3", "--snapshot", "1-300",
            "--generations", "100000", "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-m", "popdyn", *args, "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "snapshots" / "n0003.npy").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1].endswith(f"continue with: popdyn run --resume {out}")
    state = json.loads((out / "state.json").read_text())
    assert state["status"] == "interrupted"
    done = state["generations_done"]
    resumed = run_cli("run", "--resume", out, "--generations", done + 3, "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    fresh = run_cli(*args[:-3], "--snapshot", done + 3, "--generations", done + 3, "--out", tmp_path / "fresh",
                    "--no-progress")
    assert fresh.returncode == 0, fresh.stderr
    name = f"n{done + 3:04d}.npy"
    assert (out / "snapshots" / name).read_bytes() == (tmp_path / "fresh" / "snapshots" / name).read_bytes()


FINITE_N = ["finite-n", "--lam", "0.1", "--sizes", "200,400", "--ratios", "1,1.6", "--seeds", "2",
            "--generations", "12", "--no-progress", "--json"]


def test_finite_n_table_resumes_without_rerunning(tmp_path, capsys, monkeypatch):
    import popdyn.analysis.finite_size as finite_size
    import popdyn.cluster

    table = tmp_path / "study.parquet"
    code, first, _ = _main(capsys, *FINITE_N, "--table", str(table))
    assert code in (0, None)
    saved = __import__("pandas").read_parquet(table)
    assert len(saved) == 8 and saved["git_commit"].notna().all()

    def refuse(*args, **kwargs):
        raise AssertionError("every run is in the table already: nothing runs, no cluster starts")

    monkeypatch.setattr(finite_size, "finite_population_runs", refuse)
    monkeypatch.setattr(popdyn.cluster, "dask_client", refuse)
    code, again, _ = _main(capsys, *FINITE_N, "--table", str(table))
    assert code in (0, None) and json.loads(again) == json.loads(first)


def test_finite_n_plot_into_a_missing_folder_is_refused_before_running(tmp_path, capsys):
    code, stdout, stderr = _main(capsys, *FINITE_N, "--plot", str(tmp_path / "no" / "p.png"))
    assert code == 2 and "--plot: folder" in stderr and stdout == ""


@pytest.mark.parametrize("content, message", [(b"not parquet", "is not a Parquet table"), (None, "does not exist")])
def test_finite_n_bad_table_is_one_line_and_untouched(tmp_path, capsys, content, message):
    table = tmp_path / "study.parquet" if content is not None else tmp_path / "missing" / "study.parquet"
    if content is not None:
        table.write_bytes(content)
    code, stdout, stderr = _main(capsys, *FINITE_N, "--table", str(table))
    assert code == 2 and message in stderr and stderr.count("\n") == 1 and stdout == ""
    assert (content is None and not table.parent.exists()) or table.read_bytes() == content


def test_transition_reads_tc_off_run_directories(tmp_path, capsys):
    dirs = []
    for T in (0.4, 0.5, 0.6, 0.7):
        for seed in (1, 2):
            out = tmp_path / f"T{T}-s{seed}"
            code, _, _ = _main(capsys, "run", "--lam", "0.1", "--T", str(T), "--size", "2000", "--generations", "30",
                               "--seed", str(seed), "--out", str(out), "--no-progress")
            assert code in (0, None)
            dirs.append(str(out))
    for degree in ("1", "2"):
        code, stdout, _ = _main(capsys, "transition", *dirs, "--degree", degree, "--json")
        doc = json.loads(stdout)
        assert code in (0, None) and doc["degree"] == int(degree) and len(doc["points"]) == 4
        assert doc["exact_Tc"] == pytest.approx(0.4019093633) and doc["interval"][0] < doc["Tc_N"] < doc["interval"][1]
    other = tmp_path / "other"
    _main(capsys, "run", "--lam", "0.2", "--T", "0.5", "--size", "2000", "--generations", "30", "--out", str(other),
          "--no-progress")
    code, stdout, stderr = _main(capsys, "transition", *dirs, str(other))
    assert code == 2 and "share lam" in stderr and stderr.count("\n") == 1 and stdout == ""


def test_transition_reads_a_sweep_directory_as_all_its_points(tmp_path, capsys):
    spec = tmp_path / "tc.toml"
    spec.write_text("lam = 0.1\nT = [0.3, 0.4, 0.5, 0.6]\nseed = [1, 2]\nsize = 2000\ngenerations = 30\n")
    out = tmp_path / "sweep"
    code, _, stderr = _main(capsys, "sweep", str(spec), "--out", str(out), "--workers", "2", "--no-progress")
    assert code in (0, None), stderr
    code, from_sweep, _ = _main(capsys, "transition", str(out), "--json")
    assert code in (0, None) and len(json.loads(from_sweep)["points"]) == 4
    code, from_runs, _ = _main(capsys, "transition", *map(str, sorted((out / "runs").iterdir())), "--json")
    assert code in (0, None) and json.loads(from_runs) == json.loads(from_sweep)
    shutil.rmtree(next((out / "runs").iterdir()))  # a point not started: the sweep is not finished
    code, stdout, stderr = _main(capsys, "transition", str(out))
    assert code == 2 and "is not finished" in stderr and stderr.count("\n") == 1 and stdout == ""


@pytest.mark.parametrize("extra, message", [(["--scheduler", "tcp://127.0.0.1:9"], "does not answer"),
                                            (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"],
                                             "sizes the embedded cluster")])
def test_finite_n_refuses_a_silent_scheduler_before_writing(tmp_path, capsys, extra, message):
    table = tmp_path / "study.parquet"
    code, stdout, stderr = _main(capsys, *FINITE_N, "--table", str(table), *extra)
    assert code == 2 and message in stderr and stderr.count("\n") == 1 and stdout == ""
    assert not table.exists()


def test_fit_of_a_metallic_run_beyond_exp_range(tmp_path):
    """2000 generations at lam = 0.01, T = 3.3 (metal): ln Gamma passes ln(max double) = 709.78 ~ generation 1000.

    gamma_n is then no double: the fit must carry it as a log (finite ln_gamma, growth v), write both
    reports, and print the scale from its log; before, `fit` died of an OverflowError (math.exp).
    """
    out = tmp_path / "metal"
    ran = run_cli("run", "--lam", "0.01", "--T", "3.3", "-N", "1000", "-G", "2000", "--snapshot", "1999,2000",
                  "--threads", "1", "--seed", "1", "--no-progress", "--json", "--out", out)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["last_generation"]["ln_gamma_mle"] > 709.78  # the test is in the overflow range
    fitted = run_cli("fit", out, "--json", "--bootstrap", "19", "--tail-bootstrap", "10")
    assert fitted.returncode == 0 and fitted.stderr == "", fitted.stderr
    doc = json.loads(fitted.stdout)["runs"][0]
    last = doc["gamma"][-1]
    assert last["n"] == 2000 and np.isfinite(last["ln_gamma"]) and last["ln_gamma"] > 709.78
    assert last["ln_gamma_lo"] < last["ln_gamma"] < last["ln_gamma_hi"] and last["gamma"] is None
    assert doc["gamma"][1]["gamma"] == pytest.approx(np.exp(doc["gamma"][1]["ln_gamma"]), rel=1e-12)
    assert np.isfinite(doc["Lambda"]["v"]) and doc["Lambda"]["v_interval"][0] < doc["Lambda"]["v"]
    assert [a["n"] for a in doc["alpha"]] == [1999, 2000] and all(np.isfinite(a["ln_tail_gamma"]) for a in doc["alpha"])
    assert [f["n"] for f in doc["levy"]] == [1999, 2000] and all(np.isfinite(f["ln_gamma"]) for f in doc["levy"])
    md, page = (out / "report.md").read_text(), (out / "report.html").read_text()
    mantissa_exponent = f"e+{int(last['ln_gamma'] / np.log(10))}"  # gamma_2000 printed from its log
    assert mantissa_exponent in md and mantissa_exponent in page and "data:image/png;base64," in page


def test_fit_refuses_report_outputs_taken_by_a_directory_before_fitting(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, _ = _main(capsys, "run", *GOOD, "--snapshot", "8", "--out", str(out))
    assert code in (0, None)
    for name in ("report.md", "report_levy.png"):
        (out / name).mkdir()
        code, stdout, stderr = _main(capsys, "fit", str(out))
        assert code == 2 and stdout == "" and stderr.count("\n") == 1 and "is a directory" in stderr
        assert name in stderr and "Traceback" not in stderr
        # refused before any fit or file: no plot, no page
        assert not any((out / f).exists() for f in ("report_growth.png", "report.html"))
        (out / name).rmdir()
    (out / "report.html").mkdir()
    code, stdout, _ = _main(capsys, "fit", str(out), "--no-report", "--json")  # without reports nothing is in the way
    assert code in (0, None) and json.loads(stdout)["runs"][0]["gamma"][-1]["n"] == 8


def test_report_folder_that_refuses_files_is_a_config_error():
    """fit checks each run directory with files.check_writable_folder; root can write almost anywhere, not in sysfs."""
    from popdyn.errors import ConfigError
    from popdyn.files import check_writable_folder

    try:
        check_writable_folder("/sys", "--report")
    except ConfigError as exc:
        assert str(exc).startswith("--report: cannot write in '/sys'") and "\n" not in str(exc)
    else:
        pytest.skip("this machine lets a file be made in /sys")


def test_version_names_the_commit_of_a_checkout(capsys, monkeypatch):
    """`popdyn --version`: the version of pyproject.toml, with the commit when popdyn runs from a git checkout."""
    import re

    import popdyn
    from popdyn import provenance

    code, stdout, _ = _main(capsys, "--version")
    commit = provenance.git_commit()
    assert code == 0
    if commit is None:
        assert stdout == f"popdyn {popdyn.__version__}\n"
    else:
        assert re.fullmatch(rf"popdyn {re.escape(popdyn.__version__)} \(commit [0-9a-f]{{7}}(-dirty)?\)\n", stdout)
        assert stdout.split("commit ")[1].startswith(commit[:7])
    monkeypatch.setattr(provenance, "git_commit", lambda: None)
    assert _main(capsys, "--version")[1] == f"popdyn {popdyn.__version__}\n"


def test_the_version_is_the_one_of_pyproject():
    from pathlib import Path

    import popdyn
    from popdyn._version import _from_pyproject

    root = Path(popdyn.__file__).resolve().parents[1]
    assert popdyn.__version__ == _from_pyproject()
    assert f"\nversion: {popdyn.__version__}\n" in (root / "CITATION.cff").read_text()
