"""The two entry points for reading: :func:`read_file` and :func:`iter_chunks`.

They check the path and the arguments once, pick the format (from the extension unless
``format=`` is given) and hand over to the reader of that format.  Every reader only
opens the file for reading.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from surveykit.errors import ReadError
from surveykit.io.formats import STAT_FORMATS, TEXT_FORMATS, check_input_file, resolve_format
from surveykit.io.layouts import check_layout_option
from surveykit.io.metadata import RawData

PathLike = str | os.PathLike[str]


def read_file(
    path: PathLike,
    *,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    columns: Sequence[str] | None = None,
    layout: str | None = None,
) -> RawData:
    """Read a data file into a raw frame with its metadata.

    Parameters
    ----------
    path : str or os.PathLike
        The file.  Its extension (case-insensitive) gives the format: ``.sav``, ``.zsav``,
        ``.por`` (SPSS), ``.dta`` (Stata), ``.sas7bdat``, ``.xpt`` (SAS), ``.csv``, ``.txt``
        (delimiter found from the header line: comma, tab or semicolon), ``.tsv`` (tab),
        ``.xlsx`` (Excel), ``.parquet`` (needs pyarrow).
    format : str, optional
        Overrides the extension: one of ``'sav', 'zsav', 'por', 'dta', 'sas7bdat', 'xpt',
        'csv', 'tsv', 'xlsx', 'parquet'``.
    encoding : str, optional
        Text encoding of a csv/tsv file; None detects UTF-8 (with or without BOM),
        GB18030 or Big5 (see :mod:`surveykit.io.encoding`).  For SPSS/Stata/SAS files it
        overrides the encoding the file declares.
    sheet : str or int, optional
        Sheet name or 0-based position in an .xlsx workbook; the first sheet by default.
    columns : sequence of str, optional
        Read only these columns, in this order.
    layout : {None, 'auto', 'plain', 'qualtrics', 'wjx', 'kobo'}, optional
        Survey-platform layout of a .csv/.tsv/.xlsx export (:mod:`surveykit.io.layouts`):
        None or ``'auto'`` recognises Qualtrics exports (three header rows), Wenjuanxin
        (问卷星) and KoboToolbox exports; ``'plain'`` reads the file as an ordinary table.  The layout
        used is ``metadata.layout``, its meta columns ``metadata.platform``.

    Returns
    -------
    RawData
        ``frame`` holds the raw values (declared user-missing codes kept as codes,
        system-missing as NaN); ``metadata`` holds labels, value labels, missing-value
        declarations, measurement levels, the encoding and notes on what was done.

    Raises
    ------
    ReadError
        With one sentence naming the file (and row/column where it applies) and what to
        do: missing or empty file, unsupported extension, undecodable or binary text,
        damaged file, duplicated or empty column names, unknown columns or sheet, a
        platform layout that does not fit the file.

    Examples
    --------
    >>> raw = read_file("tests/reference/data/bfi.sav")  # doctest: +SKIP
    >>> raw.metadata.variables["A1"].label  # doctest: +SKIP
    'Am indifferent to the feelings of others.'
    """
    file, fmt, cols, plan = _prepare(path, format, encoding, sheet, columns, layout)
    if fmt in STAT_FORMATS:
        from surveykit.io._pyreadstat import read_stat

        return read_stat(file, fmt, encoding=encoding, columns=cols)
    if fmt in TEXT_FORMATS:
        from surveykit.io.text import read_text

        return read_text(file, fmt, encoding=encoding, columns=cols, layout=plan)
    if fmt == "xlsx":
        from surveykit.io.excel import read_xlsx

        return read_xlsx(file, sheet=sheet, columns=cols, layout=plan)
    from surveykit.io.parquet import read_parquet

    return read_parquet(file, columns=cols)


def iter_chunks(
    path: PathLike,
    *,
    chunksize: int = 100_000,
    format: str | None = None,
    encoding: str | None = None,
    columns: Sequence[str] | None = None,
    layout: str | None = None,
    jobs: int = 1,
) -> Iterator[RawData]:
    """Read a data file in chunks of at most `chunksize` rows.

    SPSS, Stata and SAS files are read with pyreadstat's row offsets, CSV/TSV files
    with pandas' chunked reader (after one pass that fixes each column's type over the
    whole file), Parquet files by record batch; memory use is bounded by the chunk.
    An .xlsx sheet is read whole and then split (a sheet holds at most about a million
    rows).  The chunks carry a continuing RangeIndex, so ``pd.concat`` of their frames
    equals ``read_file(path).frame``.

    Parameters
    ----------
    path, format, encoding, columns, layout
        As for :func:`read_file`.
    chunksize : int, default 100_000
        Rows per chunk.
    jobs : int, default 1
        Worker processes reading SPSS (.sav, .zsav), Stata and SAS files: up to `jobs`
        chunks are read at the same time, ahead of the one being used (so up to
        ``jobs + 1`` chunks are in memory); ``-1``: one per core.  The chunks and their
        order are the same.  Other formats, .por files and files whose header does not
        give the number of rows are read in this process.

    Yields
    ------
    RawData
        One per chunk; ``metadata.n_rows`` is the chunk's row count and the last note
        names the rows it holds.  A file without data rows yields one empty chunk.

    Raises
    ------
    ReadError
        As :func:`read_file`; also if `chunksize` is not a positive whole number, or
        `jobs` neither a positive whole number nor -1.
    """
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ReadError(f"chunksize must be a positive whole number of rows, got {chunksize!r}.")
    workers = resolve_jobs(jobs)
    file, fmt, cols, plan = _prepare(path, format, encoding, None, columns, layout)
    return _chunks(file, fmt, chunksize, encoding, cols, plan, workers)


def resolve_jobs(jobs: int) -> int:
    """The number of worker processes `jobs` asks for (-1: one per core); ReadError if it is no such number."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or (jobs < 1 and jobs != -1):
        raise ReadError(f"jobs must be a positive whole number of processes or -1 (one per core), got {jobs!r}.")
    if jobs != -1:
        return jobs
    # the cores this process may use (a container or taskset may allow fewer than the machine has)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _chunks(
    file: Path, fmt: str, chunksize: int, encoding: str | None, cols: list[str] | None, layout: str | None,
    jobs: int = 1,
) -> Iterator[RawData]:
    if fmt in STAT_FORMATS:
        from surveykit.io._pyreadstat import iter_stat_chunks, iter_stat_chunks_parallel

        if jobs > 1:
            yield from iter_stat_chunks_parallel(
                file, fmt, chunksize=chunksize, encoding=encoding, columns=cols, jobs=jobs
            )
        else:
            yield from iter_stat_chunks(file, fmt, chunksize=chunksize, encoding=encoding, columns=cols)
    elif fmt in TEXT_FORMATS:
        from surveykit.io.text import iter_text_chunks

        chunks = iter_text_chunks(file, fmt, chunksize=chunksize, encoding=encoding, columns=cols, layout=layout)
        yield from _at_least_one(
            chunks, lambda: read_file(file, format=fmt, encoding=encoding, columns=cols, layout=layout or "auto")
        )
    elif fmt == "parquet":
        from surveykit.io.parquet import iter_parquet_chunks

        chunks = iter_parquet_chunks(file, chunksize=chunksize, columns=cols)
        yield from _at_least_one(chunks, lambda: read_file(file, format=fmt, columns=cols))
    else:
        yield from _split(read_file(file, format=fmt, columns=cols, layout=layout or "auto"), chunksize)


def _prepare(
    path: PathLike,
    format: str | None,
    encoding: str | None,
    sheet: str | int | None,
    columns: Sequence[str] | None,
    layout: str | None = None,
) -> tuple[Path, str, list[str] | None, str | None]:
    file = check_input_file(path)
    fmt = resolve_format(file, format)
    plan = check_layout_option(layout, file, fmt)
    if sheet is not None and fmt != "xlsx":
        raise ReadError(f"sheet= applies to .xlsx workbooks only; '{file}' is read as {fmt}. Leave it out.")
    if encoding is not None and fmt in ("xlsx", "parquet"):
        raise ReadError(
            f"encoding= does not apply to {fmt} files ('{file}' stores its text as Unicode). Leave it out."
        )
    if isinstance(columns, str):
        columns = [columns]
    return file, fmt, None if columns is None else [str(c) for c in columns], plan


def _at_least_one(chunks: Iterator[RawData], read_whole: Callable[[], RawData]) -> Iterator[RawData]:
    """Yield `chunks`; if there are none (no data rows), yield the whole (empty) read once."""
    produced = False
    for chunk in chunks:
        produced = True
        yield chunk
    if not produced:
        yield read_whole()


def _split(raw: RawData, chunksize: int) -> Iterator[RawData]:
    n = len(raw.frame)
    for start in range(0, max(n, 1), chunksize):
        frame = raw.frame.iloc[start : start + chunksize]
        rows = f"rows {start} to {start + len(frame) - 1}"
        note = f"Chunk {start // chunksize + 1}: {rows} (read whole, then split)."
        yield RawData(frame, replace(raw.metadata, n_rows=len(frame)).with_notes(note))
