"""Parquet files (pyarrow is optional)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveykit.io import iter_chunks, parquet, read_file

from ._helpers import assert_read_error


def test_missing_pyarrow_explains_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.parquet"
    path.write_bytes(b"PAR1 not really")
    monkeypatch.setattr(parquet, "pyarrow_available", lambda: False)
    assert_read_error(path, r"needs the pyarrow package.*pip install pyarrow")


def test_parquet_read_and_chunks(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"编号": range(10), "城市": ["北京", "台北"] * 5, "分数": [1.5, None] * 5})
    path = tmp_path / "s.parquet"
    frame.to_parquet(path)
    raw = read_file(path)
    assert raw.metadata.format == "parquet"
    assert raw.frame["城市"].tolist() == frame["城市"].tolist()
    assert raw.metadata.variables["城市"].type == "string"
    assert raw.metadata.variables["分数"].type == "numeric"
    chunks = list(iter_chunks(path, chunksize=4))
    assert [len(c.frame) for c in chunks] == [4, 4, 2]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), raw.frame)
    assert list(read_file(path, columns=["分数"]).frame.columns) == ["分数"]


def test_corrupt_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    assert_read_error(path, r"Cannot read '.*bad\.parquet' as a Parquet file")
