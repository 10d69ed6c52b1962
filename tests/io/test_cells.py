"""surveykit.io.cells: text a spreadsheet would run as a formula is neutralized (OWASP CSV injection)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from surveykit.io import safe_cell, safe_frame, text_not_formulas, write_csv


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-1.5", "-1.5"), ("+3", "+3"), ("-2e-3", "-2e-3"), ("ok", "ok"), ("", ""), (-1, -1), (None, None),
])
def test_safe_cell(value, safe):
    assert safe_cell(value) == safe


def test_safe_frame_touches_text_only_and_leaves_the_input():
    frame = pd.DataFrame({"id": ["=cmd", "a"], "x": [-1, 2], "=col": ["b", "c"]})
    out = safe_frame(frame)
    assert out["id"].tolist() == ["'=cmd", "a"] and out["x"].tolist() == [-1, 2]
    assert list(out.columns) == ["id", "x", "'=col"]
    assert frame["id"].tolist() == ["=cmd", "a"]  # not changed in place
    plain = pd.DataFrame({"id": ["a"], "x": [1]})
    assert safe_frame(plain) is plain


def test_csv_written_by_surveykit_is_safe(tmp_path):
    write_csv(pd.DataFrame({"id": ["=HYPERLINK(\"http://x\")", "r2"], "q1": [1, -2]}), tmp_path / "d.csv")
    assert (tmp_path / "d.csv").read_text(encoding="utf-8").splitlines() == [
        "id,q1", "\"'=HYPERLINK(\"\"http://x\"\")\",1", "r2,-2"]


def test_workbook_strings_are_not_formulas():
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        pd.DataFrame({"t": ["=1+1", "x"]}).to_excel(writer, index=False)
        text_not_formulas(writer.book)
    cell = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
