"""Damaged run directories: every reader refuses them in one line and leaves them as they were.

Each fixture damages one file of a real run the way a crash, a full disk, a copy gone wrong or
a hand edit would; `fit`, `transition`, `--resume` (exit 2, one line, no traceback) and
`popdyn.load` (RunDirectoryError) must say what is wrong without touching anything.
"""

import hashlib
import json
import pickle
import shutil

import numpy as np
import pandas as pd
import pytest

import popdyn
from popdyn.errors import RunDirectoryError
from tests.helpers import run_main


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """An interrupted run (checkpoint at generation 4 of 8) with snapshots 2 and 4."""
    out = tmp_path_factory.mktemp("pristine") / "run"
    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=500, generations=4, seed=1, snapshots=[2, 4], out=out,
               progress=False)
    config = json.loads((out / "config.json").read_text())
    config["run"]["generations"] = 8
    (out / "config.json").write_text(json.dumps(config))
    state = json.loads((out / "state.json").read_text())
    state["status"] = "interrupted"
    (out / "state.json").write_text(json.dumps(state))
    return out


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _edit_json(name, edit):
    def damage(d):
        doc = json.loads((d / name).read_text())
        edit(doc)
        (d / name).write_text(json.dumps(doc))
    return damage


def _write(name, content):
    return lambda d: (d / name).write_text(content)


def _drop_rows(d):
    t = pd.read_parquet(d / "generations.parquet")
    t.drop(index=[1, 2]).to_parquet(d / "generations.parquet")


def _drop_checkpoint_key(d):
    with np.load(d / "checkpoint.npz") as data:
        kept = {k: data[k] for k in data.files if k != "log_scale0"}
    np.savez(d / "checkpoint.npz", **kept)


def _set_checkpoint(**entries):
    def damage(d):
        with np.load(d / "checkpoint.npz") as data:
            kept = {k: data[k] for k in data.files}
        np.savez(d / "checkpoint.npz", **dict(kept, **entries))
    return damage


def _pickled_snapshot(d):
    np.save(d / "snapshots" / "n0004.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)


DAMAGES = {
    "table truncated": (lambda d: _truncate(d / "generations.parquet"), "is not a Parquet table"),
    "table foreign": (lambda d: pd.DataFrame({"x": [1.0]}).to_parquet(d / "generations.parquet"),
                      "not a popdyn table of generations"),
    "table missing": (lambda d: (d / "generations.parquet").unlink(), "has no generations.parquet"),
    "table with a gap": (_drop_rows, "does not hold generations 0, 1, 2"),
    "config without run": (_edit_json("config.json", lambda c: c.pop("run")), "no run section"),
    "config without model": (_edit_json("config.json", lambda c: c.pop("model")), "no model section"),
    "config without size": (_edit_json("config.json", lambda c: c["run"].pop("size")), "lacks 'size'"),
    "config bad size": (_edit_json("config.json", lambda c: c["run"].update(size=-5)), "size must be"),
    "config bad dtype": (_edit_json("config.json", lambda c: c["run"].update(dtype="float16")), "dtype must be"),
    "config bad lam": (_edit_json("config.json", lambda c: c["model"].update(lam="x")), "lam must be a number"),
    "config edited": (_edit_json("config.json", lambda c: c["model"].update(lam=0.02)), "model.lam changed"),
    "config seed edited": (_edit_json("config.json", lambda c: c["run"].update(seed=7)), "run.seed changed"),
    "config not json": (_write("config.json", "{broken"), "cannot read"),
    "config a list": (_write("config.json", "[]"), "another format"),
    "state empty dict": (_write("state.json", "{}"), "state.json is damaged"),
    "state a list": (_write("state.json", "[]"), "state.json is damaged"),
    "state missing": (lambda d: (d / "state.json").unlink(), "no state.json"),
    "checkpoint truncated": (lambda d: _truncate(d / "checkpoint.npz"), "cannot read the checkpoint"),
    "checkpoint foreign": (lambda d: np.savez(d / "checkpoint.npz", x=np.ones(3)), "cannot read the checkpoint"),
    "checkpoint pickled": (lambda d: (d / "checkpoint.npz").write_bytes(pickle.dumps({"values": 1})),
                           "cannot read the checkpoint"),
}
DAMAGES.update({
    "snapshot truncated": (lambda d: _truncate(d / "snapshots" / "n0004.npy"), "is not 500 float64"),
    "snapshot pickled": (_pickled_snapshot, "is not 500 float64"),
    "snapshot wrong size": (lambda d: np.save(d / "snapshots" / "n0004.npy", np.zeros(3)), "is not 500 float64"),
    "snapshot float32": (lambda d: np.save(d / "snapshots" / "n0004.npy", np.zeros(500, np.float32)),
                         "is not 500 float64"),
    "snapshot junk": (lambda d: (d / "snapshots" / "n0004.npy").write_bytes(b"junk" * 100), "not a NumPy array file"),
})
def _edit_table(edit):
    def damage(d):
        t = pd.read_parquet(d / "generations.parquet")
        edit(t).to_parquet(d / "generations.parquet")
    return damage


DAMAGES.update({
    "table n as float": (_edit_table(lambda t: t.astype({"n": float})), "column 'n' holds float64"),
    "table column as text": (_edit_table(lambda t: t.astype({"mean_ln": str})), "column 'mean_ln' holds"),
    "table rows dropped at the end": (_edit_table(lambda t: t.iloc[:3]), "the checkpoint is at generation 4"),
    "table rows beyond the run": (_edit_table(lambda t: pd.concat([t] + [t.iloc[-1:].assign(n=k) for k in range(5, 10)],
                                                                  ignore_index=True)), "beyond the run's 8"),
    "checkpoint empty": (lambda d: (d / "checkpoint.npz").write_bytes(b""), "cannot read the checkpoint"),
    "checkpoint missing": (lambda d: (d / "checkpoint.npz").unlink(), "has no checkpoint.npz"),
    "checkpoint without a key": (_drop_checkpoint_key, "no 'log_scale0'"),
    "checkpoint generation beyond": (_set_checkpoint(generation=10**6), "the checkpoint is at generation 1000000"),
    "checkpoint generation negative": (_set_checkpoint(generation=-1), "the checkpoint is at generation -1"),
    "checkpoint log scale not a number": (_set_checkpoint(log_scale0=np.array("abc")), "cannot read the checkpoint"),
    "checkpoint log scale infinite": (_set_checkpoint(log_scale0=np.inf), "log_scale0 = inf"),
    "state counts other generations": (_edit_json("state.json", lambda s: s.update(generations_done=999)),
                                       "state.json counts 999"),
    "state says complete": (_edit_json("state.json", lambda s: s.update(status="complete")),
                            "state.json says complete"),
    "snapshot missing": (lambda d: (d / "snapshots" / "n0002.npy").unlink(), "lacks snapshots/n0002.npy"),
    "snapshots folder missing": (lambda d: shutil.rmtree(d / "snapshots"), "lacks snapshots/n0002.npy"),
})


def _digest(directory):
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def damaged(request, pristine, tmp_path):
    damage, message = request.param
    out = tmp_path / "run"
    shutil.copytree(pristine, out)
    damage(out)
    return out, message


def _refused_cleanly(capsys, args, message):
    code, stdout, stderr = run_main(capsys, *args)
    assert code == 2, (stdout, stderr)
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert message in stderr, stderr
    assert stdout == ""


@pytest.mark.parametrize("damaged", DAMAGES.values(), ids=DAMAGES.keys(), indirect=True)
def test_damaged_directory_is_refused_by_every_reader(damaged, capsys):
    out, message = damaged
    before = _digest(out)
    with pytest.raises(RunDirectoryError, match=message):
        popdyn.load(out)
    for args in (["fit", out, "--no-report"], ["transition", out, out], ["run", "--resume", out, "--no-progress"]):
        _refused_cleanly(capsys, args, message)
    assert _digest(out) == before


def test_resume_removes_what_a_killed_writer_left_half_written(pristine, tmp_path, capsys):
    out = tmp_path / "run"
    shutil.copytree(pristine, out)
    (out / ".checkpoint.npz.tmp99999").write_bytes(b"half")
    (out / "snapshots" / ".n0005.npy.tmp99999").write_bytes(b"half")
    code, _, stderr = run_main(capsys, "run", "--resume", out, "--no-progress")
    assert code == 0, stderr
    assert not list(out.rglob(".*.tmp*"))


def test_a_start_cut_short_can_be_taken_over(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".lock").write_text("")
    (out / "state.json").write_text("{}")  # a start killed before its config.json was written
    code, _, stderr = run_main(capsys, "run", "--lam", "0.01", "--T", "3.3", "--size", "300", "--generations", "2",
                               "--out", out, "--no-progress")
    assert code == 0, stderr
    assert popdyn.load(out).status == "complete"


def test_resume_refuses_a_checkpoint_that_is_not_a_population(pristine, tmp_path, capsys):
    out = tmp_path / "run"
    shutil.copytree(pristine, out)
    with np.load(out / "checkpoint.npz") as data:
        kept = {k: data[k] for k in data.files}
    kept["values"] = np.full_like(kept["values"], np.nan)
    np.savez(out / "checkpoint.npz", **kept)
    before = _digest(out)
    _refused_cleanly(capsys, ["run", "--resume", out, "--no-progress"], "not finite")
    after = _digest(out)  # only the lock file, which the refused resume held, was touched
    assert {k: v for k, v in after.items() if k != ".lock"} == {k: v for k, v in before.items() if k != ".lock"}
