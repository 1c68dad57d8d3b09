"""config.json as a RunConfig: named fields, read and written back to the same bytes."""

import dataclasses
import json

import pytest

import popdyn
from popdyn.runconfig import RunConfig


def _bytes(config):
    """config.json's bytes as popdyn writes them (``popdyn.store._write_json``)."""
    return json.dumps(config, indent=2, allow_nan=True) + "\n"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    path = tmp_path_factory.mktemp("config") / "run"
    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=200, generations=3, seed=5, snapshots=[1, 3], out=path,
               progress=False)
    return path


def test_config_json_round_trips_to_the_same_bytes(out):
    text = (out / "config.json").read_text()
    config = RunConfig.from_dict(json.loads(text))
    assert _bytes(config.to_dict()) == text
    assert (config.size, config.generations, config.seed, config.snapshots, config.dtype) == (200, 3, 5, (1, 3),
                                                                                            "float64")
    assert popdyn.load(out).config == config


def test_an_extended_run_writes_what_it_wrote_before(tmp_path, out):
    before = json.loads((out / "config.json").read_text())
    copy = tmp_path / "run"
    import shutil

    shutil.copytree(out, copy)
    popdyn.resume(copy, generations=5, progress=False)
    expected = {**before, "run": {**before["run"], "generations": 5}}  # what resume wrote before RunConfig
    assert (copy / "config.json").read_text() == _bytes(expected)


def test_unknown_keys_are_kept(out):
    data = json.loads((out / "config.json").read_text())
    data["run"]["note"] = "by hand"
    data["comment"] = [1, 2]
    assert _bytes(RunConfig.from_dict(data).to_dict()) == _bytes(data)


def test_it_is_frozen_and_reads_as_the_dict_it_was(out):
    config = popdyn.load(out).config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.size = 3
    assert config["run"] == config.parameters() and config["model"] == config.model
    assert config.replace(generations=9).generations == 9 and config.generations == 3
