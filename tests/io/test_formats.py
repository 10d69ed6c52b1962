"""Format from the extension, format=, and the checks every reader shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveykit.errors import ReadError
from surveykit.io import SUPPORTED_EXTENSIONS, read_file

from ._helpers import assert_read_error


def test_supported_extensions_listed() -> None:
    for ext in (
        ".sav",
        ".zsav",
        ".por",
        ".dta",
        ".sas7bdat",
        ".xpt",
        ".csv",
        ".txt",
        ".tsv",
        ".xlsx",
        ".parquet",
    ):
        assert ext in SUPPORTED_EXTENSIONS


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "DATA.CSV"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    raw = read_file(path)
    assert raw.metadata.format == "csv"
    assert raw.frame["b"].tolist() == [2]


def test_format_overrides_extension(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    raw = read_file(path, format="TSV")
    assert raw.metadata.format == "tsv"
    assert list(raw.frame.columns) == ["a", "b"]


def test_unknown_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "survey.xyz"
    path.write_bytes(b"whatever")
    error = assert_read_error(path, r"extension '\.xyz' is not supported")
    for ext in SUPPORTED_EXTENSIONS:
        assert ext in str(error)


def test_old_excel_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "survey.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    assert_read_error(path, r"save it as \.xlsx")


def test_unknown_format_argument(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert_read_error(path, r"Unknown format='spss'", format="spss")


def test_missing_file(tmp_path: Path) -> None:
    assert_read_error(tmp_path / "nowhere.sav", r"File not found: '.*nowhere\.sav'")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(ReadError, match=r"is a folder, not a file"):
        read_file(folder)


@pytest.mark.parametrize("name", ["empty.csv", "empty.sav", "empty.xlsx", "empty.dta", "empty.parquet"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert_read_error(path, r"is empty \(0 bytes\)")


def test_sheet_only_for_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert_read_error(path, r"sheet= applies to \.xlsx workbooks only", sheet="Sheet1")


def test_read_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        read_file(tmp_path / "nowhere.csv")
