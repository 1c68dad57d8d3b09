"""Files, safely: the temporaries of atomic replacement are recognized and cleared by their one writer."""

from popdyn.files import atomic_write, is_temporary, remove_temporaries


def test_a_killed_writers_temporaries_are_recognized_and_removed(tmp_path):
    (tmp_path / "sub").mkdir()
    left = [tmp_path / ".config.json.tmp123", tmp_path / "sub" / ".n0001.npy.tmp9"]
    for p in left:
        p.write_text("half")
    (tmp_path / "kept.txt").write_text("whole")
    assert all(is_temporary(p.name) for p in left) and not is_temporary("kept.txt")
    remove_temporaries(tmp_path, tmp_path / "sub")
    assert not any(p.exists() for p in left) and (tmp_path / "kept.txt").exists()


def test_atomic_write_leaves_no_temporary(tmp_path):
    atomic_write(tmp_path / "a.txt", lambda tmp: tmp.write_text("x"))
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
