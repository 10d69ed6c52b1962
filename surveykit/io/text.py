"""Delimited text files (CSV, TSV, delimited .txt).

Steps: find the encoding (:mod:`surveykit.io.encoding`), find the delimiter (comma, tab
or semicolon: the one most frequent outside quotes in the header line; ties go to the
comma), read and check the header row, parse the cells with pandas' C parser twice (as
text, and with numbers inferred), profile each column over the whole file and convert
(:mod:`surveykit.io._columns`).  Empty cells are NaN; other "missing" spellings are
handled by the column typing, with notes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from surveykit.errors import ReadError
from surveykit.io._columns import NA_TOKENS, ColumnProfile, convert_frame, profile_frame
from surveykit.io.encoding import TextEncoding, resolve_text_encoding
from surveykit.io.formats import check_columns_requested, column_letter, duplicated_names
from surveykit.io.layouts import WJX_TOKENS, LayoutPlan, apply_layout, plan_layout
from surveykit.io.metadata import FileMetadata, RawData, VariableMeta

_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
_SAMPLE_CHARS = 1 << 20
_UNNAMED = "\x00unnamed "


@dataclass(frozen=True)
class _Layout:
    """How to parse one text file: encoding, delimiter and the checked header."""

    path: Path
    format: str
    encoding: TextEncoding
    delimiter: str
    names: list[str]
    notes: tuple[str, ...]
    platform: LayoutPlan

    @property
    def tokens(self) -> frozenset[str]:
        """Cells the platform layout declares missing (not typos: no 'mostly numbers' warning)."""
        return WJX_TOKENS if self.platform.name == "wjx" else frozenset()

    @property
    def unnamed(self) -> list[str]:
        return [n for n in self.names if n.startswith(_UNNAMED)]

    def usecols(self, columns: list[str] | None) -> list[int] | None:
        """Positions of the requested columns (pandas would mangle duplicate or empty names)."""
        if columns is None:
            return None
        check_columns_requested(self.path, [n for n in self.names if n not in self.unnamed], columns)
        return sorted(self.names.index(c) for c in columns)

    def rename(self, frame: pd.DataFrame, usecols: list[int] | None) -> pd.DataFrame:
        """Give the parsed columns the checked header names."""
        positions = range(len(self.names)) if usecols is None else usecols
        if len(frame.columns) != len(positions):
            raise ReadError(
                f"Cannot parse the header row of '{self.path}': found {len(frame.columns)} columns "
                f"where the header has {len(self.names)}. Check the header row's quotes."
            )
        frame.columns = [self.names[i] for i in positions]
        return frame


def read_text(
    path: Path, fmt: str, *, encoding: str | None, columns: list[str] | None, layout: str | None = "plain"
) -> RawData:
    """Read a whole CSV/TSV file.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.
    fmt : {'csv', 'tsv'}
        'csv' finds the delimiter (comma, tab or semicolon) from the header line;
        'tsv' uses tab.
    encoding : str or None
        None to detect.
    columns : list of str or None
        Columns to keep, in this order.
    layout : str or None
        Survey-platform layout (:mod:`surveykit.io.layouts`): ``'plain'``, ``'qualtrics'``,
        ``'wjx'``, or None to detect.

    Returns
    -------
    RawData
    """
    parse = _layout(path, fmt, encoding, layout)
    usecols = parse.usecols(columns)
    text, parsed = _read_whole(parse, usecols)
    profiles = profile_frame(text, parsed, tokens=parse.tokens)
    frame, notes = _finish(parse, convert_frame(text, parsed, profiles), profiles)
    frame = frame if columns is None else frame[list(columns)]
    return apply_layout(RawData(frame, _metadata(parse, frame, notes)), parse.platform, parse.names)


def iter_text_chunks(
    path: Path,
    fmt: str,
    *,
    chunksize: int,
    encoding: str | None,
    columns: list[str] | None,
    layout: str | None = "plain",
) -> Iterator[RawData]:
    """Read a CSV/TSV file in chunks of `chunksize` rows, typed as the whole file.

    The file is read twice: once to profile every column over all rows (so that a
    column's type does not change from chunk to chunk), once to convert and yield.

    Parameters
    ----------
    path, fmt, encoding, columns, layout
        As for :func:`read_text`.
    chunksize : int
        Rows per chunk.

    Yields
    ------
    RawData
        Each with a continuing RangeIndex, so that ``pd.concat`` of the chunks equals the
        whole read.
    """
    parse = _layout(path, fmt, encoding, layout)
    usecols = parse.usecols(columns)
    profiles: dict[str, ColumnProfile] = {}
    for text, parsed in _read_chunks(parse, usecols, chunksize):
        profile_frame(text, parsed, profiles, tokens=parse.tokens)
    _empty_header_check(parse, profiles)
    start = 0
    for index, (text, parsed) in enumerate(_read_chunks(parse, usecols, chunksize)):
        frame, notes = _finish(parse, convert_frame(text, parsed, profiles), profiles, warn=index == 0)
        frame = frame if columns is None else frame[list(columns)]
        frame.index = pd.RangeIndex(start, start + len(frame))
        note = f"Chunk {index + 1}: rows {start} to {start + len(frame) - 1}."
        raw = RawData(frame, _metadata(parse, frame, [*notes, note]))
        yield apply_layout(raw, parse.platform, parse.names, first_row=start)
        start += len(frame)


def _layout(path: Path, fmt: str, encoding: str | None, layout: str | None) -> _Layout:
    enc = resolve_text_encoding(path, encoding)
    sample = _sample(path, enc.encoding)
    delimiter, delimiter_notes = _delimiter(sample, fmt)
    records = _first_records(path, sample, delimiter, 3)
    names, name_notes = _header(path, records[0])
    platform = plan_layout(path, names, records[1:], layout)
    notes = (*enc.notes, *delimiter_notes, *name_notes)
    return _Layout(path, fmt, enc, delimiter, names, notes, platform)


def _sample(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as handle:
        return handle.read(_SAMPLE_CHARS)


def _first_line(sample: str) -> str:
    for line in sample.splitlines():
        if line.strip():
            return line
    return ""


def _delimiter(sample: str, fmt: str) -> tuple[str, list[str]]:
    if fmt == "tsv":
        return "\t", []
    line = _first_line(sample)
    counts = {d: _count_outside_quotes(line, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    if counts[best] == 0 or best == ",":
        return ",", []
    return best, [f"Delimiter: {_DELIMITERS[best]} (found in the header line)."]


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def _header(path: Path, row: list[str]) -> tuple[list[str], list[str]]:
    cleaned = [str(name).lstrip("\ufeff").strip() for name in row]
    notes = []
    n_changed = sum(1 for a, b in zip(row, cleaned, strict=True) if a.lstrip("\ufeff") != b)
    if n_changed:
        notes.append(f"Removed spaces around {n_changed} column name{'s' if n_changed > 1 else ''}.")
    _check_duplicates(path, cleaned)
    names = [name if name else f"{_UNNAMED}{i}" for i, name in enumerate(cleaned)]
    return names, notes


def _first_records(path: Path, sample: str, delimiter: str, n: int) -> list[list[str]]:
    """The header row and up to `n` - 1 records below it (blank lines skipped, as pandas does)."""
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if record:
                records.append(record)
            if len(records) == n:
                break
    except csv.Error as exc:
        if not records:
            raise ReadError(f"Cannot parse the header row of '{path}': {exc}. Check its quotes.") from exc
    row = records[0] if records else []
    if not any(cell.strip() for cell in row):
        raise ReadError(
            f"'{path}' has no header row: its first line holds no column names. Export the data "
            "again with the column names in the first row."
        )
    return records


def _check_duplicates(path: Path, names: list[str]) -> None:
    dups = [d for d in duplicated_names(names) if d]
    if not dups:
        return
    where = "; ".join(
        f"'{d}' (columns {', '.join(str(i + 1) for i, n in enumerate(names) if n == d)})" for d in dups
    )
    raise ReadError(
        f"'{path}' has duplicated column names: {where}. Rename them so that each column has its own name."
    )


def _csv_options(layout: _Layout, usecols: list[int] | None, *, as_text: bool) -> dict[str, object]:
    """pandas options: every cell as text, or parsed (numbers where a whole column is numeric)."""
    skip = layout.platform.skip_rows
    return {
        "sep": layout.delimiter,
        "header": 0,
        "skiprows": list(range(1, 1 + skip)) if skip else None,
        "usecols": usecols,
        "dtype": str if as_text else None,
        "keep_default_na": False,
        "na_values": [""] if as_text else ["", *NA_TOKENS],
        "skip_blank_lines": True,
        "engine": "c",
    }


def _read_whole(layout: _Layout, usecols: list[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file as text and as parsed by pandas (two passes of pandas' C parser)."""
    [text] = list(_parse(layout, usecols, as_text=True, chunksize=None))
    [parsed] = list(_parse(layout, usecols, as_text=False, chunksize=None))
    return text, parsed


def _read_chunks(
    layout: _Layout, usecols: list[int] | None, chunksize: int
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Chunks of the file as text and as parsed, row for row."""
    texts = _parse(layout, usecols, as_text=True, chunksize=chunksize)
    parsed = _parse(layout, usecols, as_text=False, chunksize=chunksize)
    yield from zip(texts, parsed, strict=True)


def _parse(
    layout: _Layout, usecols: list[int] | None, *, as_text: bool, chunksize: int | None
) -> Iterator[pd.DataFrame]:
    options = _csv_options(layout, usecols, as_text=as_text)
    with layout.path.open("r", encoding=layout.encoding.encoding, newline="") as handle:
        try:
            if chunksize is None:
                yield layout.rename(pd.read_csv(handle, **options), usecols)
                return
            with pd.read_csv(handle, chunksize=chunksize, **options) as reader:
                for chunk in reader:
                    yield layout.rename(chunk, usecols)
        except ReadError:
            raise
        except (pd.errors.ParserError, csv.Error, ValueError) as exc:
            raise _parse_error(layout.path, exc) from exc


def _parse_error(path: Path, exc: Exception) -> ReadError:
    detail = str(exc).strip().rstrip(".")
    detail = detail.replace("Error tokenizing data. C error: ", "")
    return ReadError(
        f"Cannot parse '{path}': {detail}. Check that row for an unquoted delimiter or quote, "
        "or a missing line break."
    )


def _empty_header_check(layout: _Layout, profiles: dict[str, ColumnProfile]) -> None:
    with_data = [
        n for n in layout.unnamed if n in profiles and (profiles[n].n_values or profiles[n].na_tokens)
    ]
    if not with_data:
        return
    positions = [int(n[len(_UNNAMED) :]) for n in with_data]
    where = ", ".join(f"{p + 1} ({column_letter(p)})" for p in positions)
    raise ReadError(
        f"'{layout.path}' has data under an empty header cell in column {where}. Give each column a "
        "name in the header row."
    )


def _finish(
    layout: _Layout, frame: pd.DataFrame, profiles: dict[str, ColumnProfile], *, warn: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """Check and drop unnamed empty columns; collect notes and warnings from the profiles."""
    _empty_header_check(layout, profiles)
    dropped = [n for n in layout.unnamed if n in frame.columns]
    notes = list(layout.notes)
    if dropped:
        where = ", ".join(str(int(n[len(_UNNAMED) :]) + 1) for n in dropped)
        notes.append(f"Dropped {len(dropped)} empty column(s) with no name (column {where}).")
        frame = frame.drop(columns=dropped)
    for name in frame.columns:
        notes.extend(profiles[name].notes())
        if warn:
            profiles[name].warn_if_mostly_numeric(str(layout.path))
    return frame, notes


def _metadata(layout: _Layout, frame: pd.DataFrame, notes: list[str]) -> FileMetadata:
    variables = {
        str(name): VariableMeta(
            name=str(name),
            type="numeric" if pd.api.types.is_numeric_dtype(frame[name]) else "string",
        )
        for name in frame.columns
    }
    return FileMetadata(
        path=str(layout.path),
        format=layout.format,
        encoding=layout.encoding.encoding,
        encoding_detected=layout.encoding.detected,
        file_label=None,
        n_rows=len(frame),
        variables=variables,
        notes=tuple(notes),
    )
