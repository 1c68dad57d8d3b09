"""The result table of a study: grows a row at a time, survives reopening, refuses foreign files."""

import pandas as pd
import pytest

from popdyn.errors import ConfigError
from popdyn.tables import ResultTable

PROV = {"git_commit": "abc123", "threads": 2}


def test_rows_are_stamped_saved_at_once_and_found_again(tmp_path):
    path = tmp_path / "t.parquet"
    table = ResultTable.open(path, ("a", "b"), PROV)
    assert table.frame.empty and not path.exists()
    table.append({"a": 1, "b": 2.5})
    table.append({"a": 2, "b": 3.5})
    on_disk = pd.read_parquet(path)
    assert list(on_disk["a"]) == [1, 2] and set(on_disk["git_commit"]) == {"abc123"}
    assert on_disk["created"].notna().all()
    assert ResultTable.open(path, ("a", "b"), PROV).keys(("a",)) == {(1,), (2,)}


def test_a_foreign_table_is_refused(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(path)
    with pytest.raises(ConfigError, match="no column 'a'"):
        ResultTable.open(path, ("a",), PROV)
