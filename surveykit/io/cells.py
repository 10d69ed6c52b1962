"""Spreadsheet cells that stay text: no formula injection through CSV or .xlsx files.

A survey answer, label or id that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is taken for a formula when a CSV file is opened in Excel or LibreOffice, and ``=...``
strings become live formulas when written to .xlsx through openpyxl.  Following the OWASP
guidance on CSV injection, :func:`safe_frame` prefixes such text cells (and column names) with a
single quote in CSV output; numbers, and text that is a plain number such as ``-1.5``, are left
as they are.  :func:`text_not_formulas` stores every ``=...`` string of a workbook as a string.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["safe_cell", "safe_frame", "text_not_formulas"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value):
    """``value`` with a leading single quote when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells and column names made safe (:func:`safe_cell`); numeric columns
    are untouched, and the frame itself is not changed."""
    text_cols = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    needs = [c for c in text_cols if frame[c].map(lambda v: safe_cell(v) is not v).any()]
    names = [safe_cell(c) for c in frame.columns]
    if not needs and names == list(frame.columns):
        return frame
    out = frame.copy()
    for c in needs:
        out[c] = out[c].map(safe_cell)
    out.columns = names
    return out


def text_not_formulas(book) -> None:
    """Make every cell of an openpyxl workbook that openpyxl took for a formula (a string starting
    with '=') a plain string again; call before the workbook is saved."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
