"""Provenance: one record of origin, the same keys in every file popdyn writes."""

import platform
import sys

import numba

from popdyn import provenance as prov


def test_provenance_names_versions_commit_machine_and_command():
    record = prov.provenance()
    assert list(record) == ["popdyn", "git_commit", "python", "numpy", "numba", "scipy", "pandas", "platform",
                            "host", "threads", "created", "command"]
    assert record["host"] == platform.node() == prov.host()
    assert record["threads"] == numba.get_num_threads() and record["command"] == sys.argv
    assert record["git_commit"] == prov.git_commit()


def test_the_commit_is_a_hash_maybe_dirty_or_none():
    commit = prov.git_commit()
    assert commit is None or len(commit.removesuffix("-dirty")) == 40


def test_the_run_api_and_a_run_record_share_it(tmp_path):
    import json

    import popdyn

    popdyn.run(popdyn.BAATree(lam=0.01, T=3.3), size=100, generations=1, out=tmp_path / "r", progress=False)
    written = json.loads((tmp_path / "r" / "config.json").read_text())["provenance"]
    assert list(written) == list(prov.provenance())
