"""Every JSON the command line prints is its result's document: ``schema_version`` and the result's ``to_dict()``.

One test per command: the command's ``--json`` against the same study run through the Python API
(``popdyn.results.document``), equal but for wall-clock times.
"""

import json

import pytest

import popdyn
from popdyn.results import SCHEMA_VERSION, document
from tests.helpers import run_main

#: Fields that measure time: the only ones two runs of one study may differ in.
CLOCK = {"wall_s", "runtime_s", "edges_per_s", "performance"}

#: Settings light enough for a test, for both estimators of K lambda (about a second an estimate).
LIGHT = {"quadrature": {"points": 200, "samples": 50_000, "pool_size": 20_000, "pool_generations": 20, "replicas": 3},
         "population": {"size": 5_000, "steps": 40, "burn_in": 10, "pool_size": 20_000, "pool_generations": 20,
                        "replicas": 3}}


def _timeless(doc):
    if isinstance(doc, dict):
        return {k: _timeless(v) for k, v in doc.items() if k not in CLOCK}
    if isinstance(doc, list):
        return [_timeless(v) for v in doc]
    return doc


def _printed(capsys, *argv):
    code, stdout, stderr = run_main(capsys, *argv, "--json")
    assert code in (0, None), stderr
    doc = json.loads(stdout)
    assert doc["schema_version"] == SCHEMA_VERSION == 2
    return _timeless(doc)


def _same(printed, result):
    assert printed == _timeless(json.loads(json.dumps(document(result))))


def _recording(monkeypatch, module, name):
    """``module.name`` wrapped to keep every result it returns: the study a command ran, without running it twice."""
    import importlib

    module = importlib.import_module(module)
    function, results = getattr(module, name), []

    def kept(*args, **kwargs):
        results.append(function(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(module, name, kept)
    return results


def test_spectrum_growth(capsys):
    from popdyn.spectrum import ExactAnswers, exact_answer

    answers = ExactAnswers(tuple(exact_answer(popdyn.BAATree(lam=lam, T=3.3)) for lam in (0.01, 0.1)))
    _same(_printed(capsys, "spectrum", "--lam", "0.01,0.1", "--T", "3.3"), answers)
    one = _printed(capsys, "spectrum", "--lam", "0.01", "--T", "3.3")
    assert one["v"] == one["answers"][0]["v"]  # schema 1 read one answer at the top: kept one release


def test_spectrum_tc(capsys):
    from popdyn.spectrum import Transitions, transition

    _same(_printed(capsys, "spectrum", "--lam", "0.1,1e-4", "--tc"),
          Transitions((transition(0.1), transition(1e-4))))


@pytest.fixture
def light(monkeypatch):
    """The command's settings of K lambda made light (``popdyn.analysis.anderson``); the same settings go to the API."""
    import popdyn.analysis.anderson as anderson

    for method, settings in LIGHT.items():
        monkeypatch.setitem(anderson.SETTINGS, method, (settings, settings))
        monkeypatch.setitem(anderson.EDGE_SETTINGS, method, settings)
    return {method: dict(settings, seed=0) for method, settings in LIGHT.items()}


def test_spectrum_anderson_growth(capsys, light):
    from popdyn.analysis.anderson import anderson_growth

    _same(_printed(capsys, "spectrum", "--model", "anderson", "--W", "17", "--beta", "0.4"),
          anderson_growth(17.0, beta=0.4, settings=light["quadrature"]))


def test_spectrum_anderson_wc(capsys, light, monkeypatch):
    ran = _recording(monkeypatch, "popdyn.analysis.anderson", "critical_disorder")
    printed = _printed(capsys, "spectrum", "--model", "anderson", "--wc", "--bracket", "16,20")
    _same(printed, ran[0])
    assert printed["bracket"] == [16.0, 20.0] and printed["bracket_search"] is None
    assert printed["settings"] == light["quadrature"]


def test_spectrum_mobility_edge(capsys, light, monkeypatch):
    ran = _recording(monkeypatch, "popdyn.analysis.mobility_edge", "mobility_edge")
    _same(_printed(capsys, "spectrum", "--model", "anderson", "--mobility-edge", "--disorders", "12"), ran[0])
    assert [p["settings"] for p in ran[0].to_dict()["curve"]] == [{**light["quadrature"], "parameter": None}]


@pytest.fixture(scope="module")
def transition_runs(tmp_path_factory):
    """Two seeds at two temperatures around Tc(0.01) = 1.649, N = 300: run directories."""
    base = tmp_path_factory.mktemp("transition")
    paths = []
    for T in (1.4, 2.0):
        for seed in (1, 2):
            paths.append(base / f"T{T}-s{seed}")
            popdyn.run(popdyn.BAATree(lam=0.01, T=T), size=300, generations=16, seed=seed, out=paths[-1],
                       progress=False, snapshots=(1, 16))
    return paths


def test_run(capsys, tmp_path):
    from popdyn.analysis.summary import run_summary

    printed = _printed(capsys, "run", "--lam", "0.01", "--T", "3.3", "--size", "300", "--generations", "6",
                       "--no-progress", "--out", tmp_path / "r")
    _same(printed, run_summary(popdyn.load(tmp_path / "r")))


def test_fit(capsys, transition_runs):
    from popdyn.analysis.report import fit_runs

    paths = transition_runs[:2]
    printed = _printed(capsys, "fit", *paths, "--no-report", "--bootstrap", "9", "--tail-bootstrap", "5")
    _same(printed, fit_runs([popdyn.load(p) for p in paths], n_bootstrap=9, tail_bootstrap=5))
    combined, = printed["combined"]
    assert combined["v_stderr"] == combined["stderr"] and combined["n_seeds"] == 2  # schema 1's name kept


def test_transition(capsys, transition_runs):
    from popdyn.analysis.transition import transition_from_runs

    printed = _printed(capsys, "transition", *transition_runs)
    _same(printed, transition_from_runs([popdyn.load(p) for p in transition_runs]))
    assert printed["Tc_N"] == printed["Tc"]  # schema 1's name kept


def test_finite_n(capsys, monkeypatch):
    ran = _recording(monkeypatch, "popdyn.analysis.finite_size", "finite_size_report")
    printed = _printed(capsys, "finite-n", "--lam", "0.1", "--sizes", "200,400", "--ratios", "1,1.6", "--seeds", "2",
                       "-G", "16", "--workers", "1", "--no-progress")
    _same(printed, ran[0])
    assert [(r["T_over_Tc"], r["N"], r["seeds"]) for r in printed["study"]] == [
        (1.0, 200, 2), (1.0, 400, 2), (1.6, 200, 2), (1.6, 400, 2)]


def test_metallic(capsys):
    from popdyn.analysis.metallic import metallic_table

    _same(_printed(capsys, "metallic", "--lam", "0.01", "--T", "300,1000", "--size", "200", "-G", "6", "--seeds", "2"),
          metallic_table(0.01, (300.0, 1000.0), size=200, generations=6, seeds=(1, 2)))


def test_bench_prints_what_it_saves(capsys, tmp_path):
    printed = _printed(capsys, "bench", "--sizes", "1000", "--threads", "1", "--recursions", "term", "--repeats", "1",
                       "--no-numpy", "--no-progress", "--out", tmp_path / "b")
    saved = json.loads((tmp_path / "b" / "bench.json").read_text())
    assert printed == _timeless(saved) and set(printed) == {"schema_version", "rows", "memory", "compile", "machine"}
