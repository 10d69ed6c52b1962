"""Excel workbooks (.xlsx), read through pandas and openpyxl.

The first non-empty row of the sheet is the header.  Every header cell must hold a
name: empty cells, and the cells a merged header spans beyond its first, are refused
with the spreadsheet letters of the columns, since a column without a name cannot be
matched to an item.  A column with neither a name nor any data (a formatted but empty
column at the right edge) is dropped, with a note.  Cells stored as text are typed as in
CSV files (:mod:`surveykit.io._columns`).
"""

from __future__ import annotations

import datetime as dt
import numbers
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd

from surveykit.errors import ReadError
from surveykit.io._columns import ColumnProfile, convert, parse_texts
from surveykit.io.formats import check_columns_requested, column_letter, duplicated_names
from surveykit.io.layouts import WJX_TOKENS, LayoutPlan, apply_layout, plan_layout
from surveykit.io.metadata import FileMetadata, RawData, plain_metadata


def read_xlsx(
    path: Path, *, sheet: str | int | None, columns: list[str] | None, layout: str | None = "plain"
) -> RawData:
    """Read one sheet of an .xlsx workbook.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.
    sheet : str, int or None
        Sheet name, or 0-based position; None for the first sheet.
    columns : list of str or None
        Columns to keep, in this order.
    layout : str or None
        Survey-platform layout (:mod:`surveykit.io.layouts`): ``'plain'``, ``'qualtrics'``,
        ``'wjx'``, or None to detect.

    Returns
    -------
    RawData
    """
    book = _open(path)
    with book:
        name = _sheet_name(path, book.sheet_names, sheet)
        try:
            cells = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
        except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile) as exc:
            raise ReadError(
                f"Cannot read sheet '{name}' of '{path}': {exc}. Open it in Excel and save it again."
            ) from exc
    notes = [f"Read sheet '{name}'."]
    frame, table_notes, plan = _table(path, name, cells, layout)
    notes.extend(table_notes)
    header = list(frame.columns)
    tokens = WJX_TOKENS if plan.name == "wjx" else frozenset()
    frame, type_notes = _type_columns(path, frame, tokens)
    notes.extend(type_notes)
    if columns is not None:
        check_columns_requested(path, list(frame.columns), columns)
        frame = frame[list(columns)]
    metadata = replace(_metadata(path, frame, notes), sheet=name)
    return apply_layout(RawData(frame, metadata), plan, header)


def _open(path: Path) -> pd.ExcelFile:
    try:
        return pd.ExcelFile(path, engine="openpyxl")
    except ImportError as exc:
        raise ReadError(
            f"Reading '{path}' needs the openpyxl package. Install it with: pip install openpyxl"
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ReadError(
            f"Cannot read '{path}' as an Excel .xlsx workbook: the file is damaged or in another "
            "format. Open it in Excel and save it as .xlsx, or pass format= if it is another format."
        ) from exc


def _sheet_name(path: Path, names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        if not names:
            raise ReadError(f"'{path}' has no sheets. Save the data in a sheet of the workbook.")
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    raise ReadError(
        f"'{path}' has no sheet {sheet!r}. Its sheets are: {', '.join(repr(n) for n in names)}; pass one "
        "of them (or its 0-based position) as sheet=."
    )


def _table(
    path: Path, sheet: str, cells: pd.DataFrame, layout: str | None
) -> tuple[pd.DataFrame, list[str], LayoutPlan]:
    """Split the cells into header and data; check the header; drop empty edges; find the layout."""
    notes: list[str] = []
    filled_rows = [i for i in range(len(cells)) if cells.iloc[i].notna().any()]
    if not filled_rows:
        raise ReadError(f"Sheet '{sheet}' of '{path}' is empty. Put the data in it with a header row.")
    first, last = filled_rows[0], filled_rows[-1]
    if first > 0:
        notes.append(f"Skipped {first} empty row(s) above the header; the header is row {first + 1}.")
    if last < len(cells) - 1:
        notes.append(f"Dropped {len(cells) - 1 - last} empty row(s) below the data.")
    header = cells.iloc[first]
    data = cells.iloc[first + 1 : last + 1]
    keep = [j for j in range(cells.shape[1]) if pd.notna(header.iloc[j]) or data.iloc[:, j].notna().any()]
    if len(keep) < cells.shape[1]:
        notes.append(f"Dropped {cells.shape[1] - len(keep)} empty column(s) with no name.")
    _check_header(path, sheet, header, keep, first)
    names = [_name(header.iloc[j]) for j in keep]
    following = [list(data.iloc[i, keep]) for i in range(min(2, len(data)))]
    plan = plan_layout(path, names, following, layout)
    data = data.iloc[plan.skip_rows :]
    frame = pd.DataFrame(data.iloc[:, keep].to_numpy(), columns=names)
    return frame, notes, plan


def _name(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(path: Path, sheet: str, header: pd.Series, keep: list[int], row: int) -> None:
    empty = [column_letter(j) for j in keep if pd.isna(header.iloc[j]) or not str(header.iloc[j]).strip()]
    if empty:
        raise ReadError(
            f"The header row (row {row + 1}) of sheet '{sheet}' in '{path}' has empty or merged cells "
            f"at column {', '.join(empty)}. Unmerge them and give each column its own name."
        )
    names = [_name(header.iloc[j]) for j in keep]
    dups = duplicated_names(names)
    if dups:
        where = "; ".join(
            f"'{d}' (columns {', '.join(column_letter(keep[i]) for i, n in enumerate(names) if n == d)})"
            for d in dups
        )
        raise ReadError(
            f"Sheet '{sheet}' of '{path}' has duplicated column names: {where}. Rename them so that "
            "each column has its own name."
        )


def _type_columns(path: Path, frame: pd.DataFrame, tokens: frozenset[str]) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    typed = {}
    for name in frame.columns:
        typed[name], column_notes = _type_column(path, frame[name], tokens)
        notes.extend(column_notes)
    return pd.DataFrame(typed, index=pd.RangeIndex(len(frame))), notes


def _type_column(path: Path, column: pd.Series, tokens: frozenset[str]) -> tuple[pd.Series, list[str]]:
    values = column.dropna()
    values = values[values.map(lambda v: not (isinstance(v, str) and not v.strip()))]
    if len(values) and values.map(_is_datetime).all():
        return pd.to_datetime(column.where(column.map(_is_datetime), None)), []
    if not values.map(_is_number_or_text).all():
        return column.astype(object), []
    texts = column.map(_as_text).astype(object)
    texts = texts.where(texts.notna() & (texts != ""), None)
    profile = ColumnProfile(str(column.name), tokens)
    parsed = parse_texts(texts)
    profile.update(texts, parsed)
    profile.warn_if_mostly_numeric(str(path))
    if profile.is_numeric:
        return convert(texts, parsed, profile), profile.notes()
    return texts.astype("str").where(texts.notna(), None), profile.notes()


def _is_datetime(value: object) -> bool:
    return isinstance(value, dt.date | dt.datetime | pd.Timestamp)


def _is_number_or_text(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _as_text(value: object) -> object:
    """Numbers as their exact text (``repr`` round-trips floats); text as it is; missing stays None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


def _metadata(path: Path, frame: pd.DataFrame, notes: list[str]) -> FileMetadata:
    return plain_metadata(path, frame, notes, format="xlsx")
