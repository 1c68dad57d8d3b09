"""The fitting report of a run, and `popdyn fit`."""

import json
import re

import pytest

import popdyn
from popdyn.lock import DirectoryLock
from popdyn.analysis.report import fit_run
from popdyn.figures.report import write_report
from popdyn.cli import main


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Two seeds of one point, with snapshots: the fixture every report test reads."""
    base = tmp_path_factory.mktemp("fit")
    model = popdyn.BAATree(lam=0.01, T=3.3)
    return [popdyn.run(model, size=5000, generations=30, seed=s, snapshots=[1, 30], out=base / f"s{s}",
                       progress=False) for s in (1, 2)]


def test_fit_run_has_every_named_field(seeds):
    fit = fit_run(seeds[0], n_bootstrap=19, tail_bootstrap=10)
    doc = fit.to_dict()
    assert doc["Lambda"]["population_size"] == 5000
    lo, hi = doc["Lambda"]["interval"]
    assert lo < doc["Lambda"]["estimate"] < hi
    assert doc["Lambda"]["exact_v"] == pytest.approx(1.8164643828, rel=1e-9)
    assert [g["n"] for g in doc["gamma"]] == list(range(31))
    assert all(g["gamma_lo"] < g["gamma"] < g["gamma_hi"] for g in doc["gamma"])
    assert [a["n"] for a in doc["alpha"]] == [1, 30]
    assert any("gamma_1 / (3 pi eta (lam T)^2)" in x for x in fit.notes)


def test_reports_are_written_and_self_contained(seeds):
    md, page = write_report(fit_run(seeds[0], n_bootstrap=19, tail_bootstrap=10))
    text = page.read_text()
    assert "data:image/png;base64," in text
    assert not re.search(r'src="(?!data:)', text)  # no external images, scripts or styles
    assert "statsmodels" in md.read_text() and (md.parent / "report_growth.png").exists()


def test_fit_cli_combines_seeds_in_json(seeds, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", *(str(r.path) for r in seeds), "--json", "--bootstrap", "9", "--tail-bootstrap", "5",
              "--no-report"])
    assert exit_info.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"]) == 2 and doc["combined"][0]["n_seeds"] == 2
    assert set(doc["runs"][0]) >= {"Lambda", "gamma", "alpha", "diagnostics"}


def test_fit_reads_an_unfinished_run(tmp_path, capsys):
    out = tmp_path / "going"
    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=2000, generations=12, out=out, progress=False)
    state = json.loads((out / "state.json").read_text())
    state["status"] = "running"  # what a reader sees while the run goes on (its writer holds the lock)
    (out / "state.json").write_text(json.dumps(state))
    writer = DirectoryLock(out).acquire()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["fit", str(out), "--no-report"])
    finally:
        writer.release()
    assert exit_info.value.code == 0 and "running" in capsys.readouterr().out


def test_a_repeated_seed_is_refused_not_combined(seeds, tmp_path, capsys):
    """A second run of seed 1 at the same point is the first one again, bit for bit: combined as a second seed
    it gave stderr 0, a zero-width interval and chi^2 p = 1. Refused in one line naming both runs, exit 2,
    also for one directory named twice and for a shorter run of the same seed."""
    from popdyn.errors import ConfigError

    from popdyn.analysis.report import group_by_point

    again = popdyn.run(seeds[0].model, size=5000, generations=20, seed=1, out=tmp_path / "again", progress=False)
    for argv in ([str(seeds[0].path), str(again.path)], [str(seeds[0].path), str(seeds[1].path), str(seeds[0].path)]):
        with pytest.raises(SystemExit) as exit_info:
            main(["fit", *argv, "--no-report", "--json"])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and err.count("\n") == 1
        assert f"{argv[0]} and {argv[-1]} have the same seed 1 at one point" in err
    fits = [fit_run(r, n_bootstrap=9, tail_bootstrap=5) for r in (seeds[0], again)]
    with pytest.raises(ConfigError, match="have the same seed 1"):
        group_by_point(fits)


def test_fit_cli_refuses_bad_input(tmp_path, capsys):
    for argv, message in ([["fit", str(tmp_path)], "not a popdyn run directory"],
                          [["fit", str(tmp_path / "nope")], "is not a directory"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and message in err and err.count("\n") == 1


def test_a_tail_threshold_at_the_edge_of_its_search_is_a_note(tmp_path):
    """About 220 positive samples: the k-search holds one candidate, k = 50, which is its edge."""
    run = popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=230, generations=4, seed=1, snapshots=[1],
                     out=tmp_path / "small", progress=False)
    fit = fit_run(run, n_bootstrap=9, tail_bootstrap=5)
    assert fit.tails[1].k_at_edge and fit.tails[1].k == 50
    assert any("at the edge of the k-search in generation(s) 1:" in note for note in fit.notes)
