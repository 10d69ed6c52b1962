"""Excel .xlsx workbooks: sheets, header checks, cell typing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from surveykit.errors import DataQualityWarning
from surveykit.io import read_file

from ._helpers import assert_read_error

openpyxl = pytest.importorskip("openpyxl")


def _book(path: Path, rows: list[list[object]], *, title: str = "数据", merge: str | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def test_chinese_sheet_read(tmp_path: Path) -> None:
    rows = [
        ["编号", "性别", "满意度", "日期"],
        [1, "男", 4, dt.datetime(2024, 5, 1)],
        [2, "女", None, dt.datetime(2024, 5, 2)],
    ]
    raw = read_file(_book(tmp_path / "s.xlsx", rows))
    frame = raw.frame
    assert list(frame.columns) == ["编号", "性别", "满意度", "日期"]
    assert frame["编号"].dtype == np.int64
    assert frame["性别"].tolist() == ["男", "女"]
    assert frame["满意度"].iloc[0] == 4 and np.isnan(frame["满意度"].iloc[1])
    variables = raw.metadata.variables
    assert (variables["编号"].type, variables["性别"].type, variables["日期"].type) == (
        "numeric",
        "string",
        "datetime",
    )
    assert raw.metadata.format == "xlsx" and raw.metadata.encoding is None
    assert "Read sheet '数据'." in raw.metadata.notes


def test_numbers_stored_as_text_become_numbers(tmp_path: Path) -> None:
    raw = read_file(_book(tmp_path / "t.xlsx", [["q1", "zip"], ["1", "007"], ["2.5", "100"], ["NA", "200"]]))
    assert raw.frame["q1"].iloc[:2].tolist() == [1.0, 2.5]
    assert np.isnan(raw.frame["q1"].iloc[2])
    assert raw.frame["zip"].tolist() == ["007", "100", "200"]


def test_mostly_numeric_column_warns(tmp_path: Path) -> None:
    rows = [["age"], *[[30]] * 9, ["三十"]]
    with pytest.warns(DataQualityWarning, match=r"Column 'age' .* is mostly numbers"):
        read_file(_book(tmp_path / "w.xlsx", rows))


def test_sheet_by_name_and_position(tmp_path: Path) -> None:
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["a"])
    book.active.append([1])
    second = book.create_sheet("第二")
    second.append(["b"])
    second.append([2])
    book.save(path)
    assert list(read_file(path).frame.columns) == ["a"]
    assert list(read_file(path, sheet="第二").frame.columns) == ["b"]
    assert list(read_file(path, sheet=1).frame.columns) == ["b"]
    assert_read_error(path, r"has no sheet 'Sheet9'\. Its sheets are: 'Sheet', '第二'", sheet="Sheet9")


def test_merged_header_cells(tmp_path: Path) -> None:
    rows = [["id", "执行力量表", None, None, "age"], [1, 4, 5, 3, 30], [2, 2, 3, 4, 41]]
    path = _book(tmp_path / "merged.xlsx", rows, merge="B1:D1")
    assert_read_error(
        path,
        r"The header row \(row 1\) of sheet '数据' in '.*merged\.xlsx' has empty or merged cells at "
        r"column C, D\. Unmerge them and give each column its own name\.",
    )


def test_empty_header_cell(tmp_path: Path) -> None:
    path = _book(tmp_path / "gap.xlsx", [["id", None, "q2"], [1, 2, 3]])
    assert_read_error(path, r"has empty or merged cells at column B\.")


def test_empty_edges_dropped(tmp_path: Path) -> None:
    rows = [[None, None], ["id", "q1"], [1, 2], [None, None]]
    raw = read_file(_book(tmp_path / "edge.xlsx", rows))
    assert list(raw.frame.columns) == ["id", "q1"]
    assert raw.frame.shape == (1, 2)
    assert any("header is row 2" in n for n in raw.metadata.notes)


def test_duplicated_names(tmp_path: Path) -> None:
    path = _book(tmp_path / "dup.xlsx", [["id", "q1", "q1"], [1, 2, 3]])
    assert_read_error(path, r"has duplicated column names: 'q1' \(columns B, C\)")


def test_empty_sheet(tmp_path: Path) -> None:
    path = _book(tmp_path / "empty_sheet.xlsx", [])
    assert_read_error(path, r"Sheet '数据' of '.*empty_sheet\.xlsx' is empty")


def test_corrupt_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this zip is broken")
    assert_read_error(path, r"Cannot read '.*broken\.xlsx' as an Excel \.xlsx workbook")


def test_columns_and_encoding_arguments(tmp_path: Path) -> None:
    path = _book(tmp_path / "c.xlsx", [["a", "b"], [1, 2]])
    assert list(read_file(path, columns=["b"]).frame.columns) == ["b"]
    assert_read_error(path, r"has no column 'z'", columns=["z"])
    assert_read_error(path, r"encoding= does not apply to xlsx files", encoding="utf-8")
