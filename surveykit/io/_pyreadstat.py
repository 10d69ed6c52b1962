"""The pyreadstat adapter: the only module of surveykit that imports pyreadstat.

It reads SPSS (.sav, .zsav, .por), Stata (.dta) and SAS (.sas7bdat, .xpt) files and
writes .sav/.zsav, translating between pyreadstat's metadata container and
:class:`~surveykit.io.metadata.FileMetadata`, and pyreadstat's exceptions into
:class:`~surveykit.errors.ReadError` / :class:`~surveykit.errors.DataError`.

Reading never changes data silently: files are read with ``user_missing=True`` where the
format has user-missing values, so declared missing codes (SPSS ``8``, ``9`` or a range;
Stata/SAS ``.a``-``.z``, returned by pyreadstat as the letters) stay in the frame as
codes and are listed in each :class:`VariableMeta`.  pyreadstat's ``read_por`` has no
``user_missing`` option, so for a portable (.por) file :mod:`surveykit.io.por` reads the
declarations from the file's dictionary and hands pyreadstat a copy without them.
System-missing values are NaN.
Dates and times become ``datetime64`` columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from surveykit.errors import DataError, ReadError
from surveykit.io.formats import check_columns_requested
from surveykit.io.metadata import FileMetadata, RawData, VariableMeta
from surveykit.io.por import PorDictionary, por_missing, read_por_dictionary

_READERS: dict[str, Callable[..., Any]] = {
    "sav": pyreadstat.read_sav,
    "zsav": pyreadstat.read_sav,
    "por": pyreadstat.read_por,
    "dta": pyreadstat.read_dta,
    "sas7bdat": pyreadstat.read_sas7bdat,
    "xpt": pyreadstat.read_xport,
}
_DESCRIPTIONS = {
    "sav": "an SPSS .sav file",
    "zsav": "a compressed SPSS .zsav file",
    "por": "an SPSS portable .por file",
    "dta": "a Stata .dta file",
    "sas7bdat": "a SAS .sas7bdat file",
    "xpt": "a SAS transport .xpt file",
}
_USER_MISSING = frozenset({"sav", "zsav", "dta", "sas7bdat"})
_ENCODING_OPTION = frozenset({"sav", "zsav", "dta", "sas7bdat", "xpt"})
_MEASURES = ("nominal", "ordinal", "scale")
_ENGINE_ERRORS = (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeError, ValueError)


def read_stat(path: Path, fmt: str, *, encoding: str | None, columns: list[str] | None) -> RawData:
    """Read a whole SPSS, Stata or SAS file.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.
    fmt : {'sav', 'zsav', 'por', 'dta', 'sas7bdat', 'xpt'}
    encoding : str or None
        Overrides the encoding the file declares (an iconv name such as ``'GB18030'``),
        for old files that declare none or a wrong one.
    columns : list of str or None
        Columns to keep, in this order.

    Returns
    -------
    RawData
    """
    kwargs = _kwargs(path, fmt, encoding, columns)
    por = read_por_dictionary(path) if fmt == "por" else None
    frame, meta = _call(path, fmt, lambda: _READERS[fmt](_source(path, por), **kwargs))
    frame = frame if columns is None else frame[list(columns)]
    return RawData(frame, _file_metadata(path, fmt, frame, meta, encoding, por))


def iter_stat_chunks(
    path: Path, fmt: str, *, chunksize: int, encoding: str | None, columns: list[str] | None
) -> Iterator[RawData]:
    """Read an SPSS, Stata or SAS file in chunks of `chunksize` rows.

    This is the loop of ``pyreadstat.read_file_in_chunks`` (``row_offset``/``row_limit``
    reads), written out so that ``encoding=`` also reaches the first metadata read,
    which ``read_file_in_chunks`` makes without it.

    Parameters
    ----------
    path, fmt, encoding, columns
        As for :func:`read_stat`.
    chunksize : int
        Rows per chunk.

    Yields
    ------
    RawData
        Each with a continuing RangeIndex; a file without rows yields one empty chunk.
    """
    kwargs = _kwargs(path, fmt, encoding, columns)
    por = read_por_dictionary(path) if fmt == "por" else None
    reader = _READERS[fmt]
    options = {k: v for k, v in kwargs.items() if k != "usecols"}
    _, meta = _call(path, fmt, lambda: reader(str(path), metadataonly=True, **options))
    n_rows = meta.number_rows
    start, index = 0, 0
    while n_rows is None or start < n_rows or index == 0:
        frame, meta = _call(
            path, fmt, lambda s=start: reader(_source(path, por), row_offset=s, row_limit=chunksize, **kwargs)
        )
        if index > 0 and not len(frame):
            return
        frame = frame if columns is None else frame[list(columns)]
        frame.index = pd.RangeIndex(start, start + len(frame))
        metadata = _file_metadata(path, fmt, frame, meta, encoding, por)
        yield RawData(
            frame, metadata.with_notes(f"Chunk {index + 1}: rows {start} to {start + len(frame) - 1}.")
        )
        if not len(frame):
            return
        start, index = start + len(frame), index + 1


def _source(path: Path, por: PorDictionary | None) -> Any:
    """What pyreadstat reads: the path, or for a .por file declaring missing values a copy without them."""
    return por.without_missing() if por is not None and por.has_missing else str(path)


def _kwargs(path: Path, fmt: str, encoding: str | None, columns: list[str] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"dates_as_pandas_datetime": True}
    if fmt in _USER_MISSING:
        kwargs["user_missing"] = True
    if encoding is not None:
        if fmt not in _ENCODING_OPTION:
            raise ReadError(f"encoding= cannot be set for {_DESCRIPTIONS[fmt]} ('{path}'); leave it out.")
        kwargs["encoding"] = encoding
    if columns is not None:
        kwargs["usecols"] = list(columns)
        _check_columns(path, fmt, kwargs, columns)
    return kwargs


def _check_columns(path: Path, fmt: str, kwargs: dict[str, Any], columns: list[str]) -> None:
    """pyreadstat silently ignores unknown names in usecols: check them against the metadata."""
    options = {k: v for k, v in kwargs.items() if k in ("encoding",)}
    _, meta = _call(path, fmt, lambda: _READERS[fmt](str(path), metadataonly=True, **options))
    check_columns_requested(path, list(meta.column_names), columns)


def _call(path: Path, fmt: str, read: Callable[[], Any]) -> Any:
    try:
        return read()
    except _ENGINE_ERRORS as exc:
        raise _read_error(path, fmt, exc) from exc


def _read_error(path: Path, fmt: str, exc: BaseException) -> ReadError:
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    what = _DESCRIPTIONS[fmt]
    if "character set" in reason or "encoding" in reason.lower() or isinstance(exc, UnicodeError):
        return ReadError(
            f"Cannot read '{path}' as {what}: {reason}. Pass encoding= with the file's code page "
            "(for example encoding='GB18030' for an old Chinese SPSS file, 'CP1252' for a Western one)."
        )
    return ReadError(
        f"Cannot read '{path}' as {what}: {reason}. The file may be truncated or damaged (export or "
        "download it again), or be in another format (pass format=)."
    )


def _file_metadata(
    path: Path, fmt: str, frame: pd.DataFrame, meta: Any, encoding: str | None, por: PorDictionary | None = None
) -> FileMetadata:
    variables = {str(name): _variable(str(name), frame[name], meta) for name in frame.columns}
    if por is not None:
        variables = por_missing(variables, por)
    return FileMetadata(
        path=str(path),
        format=fmt,
        encoding=encoding if encoding is not None else (getattr(meta, "file_encoding", None) or None),
        encoding_detected=False,
        file_label=getattr(meta, "file_label", None) or None,
        n_rows=len(frame),
        variables=variables,
        notes=tuple(_notes(fmt, variables, encoding) + (list(por.notes) if por is not None else [])),
    )


def _notes(fmt: str, variables: dict[str, VariableMeta], encoding: str | None) -> list[str]:
    notes = [f"Read with pyreadstat {pyreadstat.__version__}."]
    if fmt == "por":
        notes.append(
            "The user-missing declarations of the SPSS portable (.por) file were read by surveykit's own "
            "reader of its dictionary (pyreadstat cannot keep them), and pyreadstat read the data with none "
            "declared, so declared missing codes stay in the frame as codes."
        )
    if encoding is not None:
        notes.append(f"Read with the given encoding {encoding}.")
    declared = [v for v in variables.values() if v.missing_values or v.missing_ranges]
    if declared:
        shown = "; ".join(f"{v.name}: {_missing_text(v)}" for v in declared[:10])
        more = f"; and {len(declared) - 10} more" if len(declared) > 10 else ""
        notes.append(
            f"Declared user-missing codes were kept as values in {len(declared)} variable(s) ({shown}{more})."
        )
    return notes


def _missing_text(variable: VariableMeta) -> str:
    parts = [str(v) for v in variable.missing_values]
    parts += [f"{_end(lo)}-{_end(hi)}" for lo, hi in variable.missing_ranges]
    return ", ".join(parts)


def _end(x: float) -> str:
    """A range end for a note: ``90``, ``-inf``, ``1.7976931348623157e+308`` (not 309 digits)."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else str(x)


def _variable(name: str, column: pd.Series, meta: Any) -> VariableMeta:
    label = (getattr(meta, "column_names_to_labels", None) or {}).get(name) or None
    labels = (getattr(meta, "variable_value_labels", None) or {}).get(name, {})
    values, ranges = _missing(name, meta)
    measure = (getattr(meta, "variable_measure", None) or {}).get(name)
    return VariableMeta(
        name=name,
        label=label,
        value_labels={_tidy(code): str(text) for code, text in labels.items()},
        missing_values=values,
        missing_ranges=ranges,
        measure=measure if measure in _MEASURES else None,
        type=_variable_type(column, (getattr(meta, "readstat_variable_types", None) or {}).get(name)),
    )


def _missing(name: str, meta: Any) -> tuple[tuple, tuple[tuple[float, float], ...]]:
    """Split pyreadstat's missing ranges into discrete codes (lo == hi) and true ranges."""
    values: list[Any] = []
    ranges: list[tuple[float, float]] = []
    for item in (getattr(meta, "missing_ranges", None) or {}).get(name, []):
        lo, hi = item["lo"], item["hi"]
        if lo == hi:
            values.append(_tidy(lo))
        else:
            ranges.append((float(lo), float(hi)))
    for code in (getattr(meta, "missing_user_values", None) or {}).get(name, []):
        if _tidy(code) not in values:
            values.append(_tidy(code))
    return tuple(values), tuple(ranges)


def _tidy(code: Any) -> Any:
    """Integral float codes as int (``8.0`` -> ``8``); others unchanged."""
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def _variable_type(column: pd.Series, readstat_type: str | None) -> str:
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
        return "datetime"
    if readstat_type == "string":
        return "string"
    if pd.api.types.is_numeric_dtype(column):
        # a numeric column cannot hold date objects; checking every cell cost most of a large read
        return "numeric"
    values = column.dropna()
    if len(values) and values.map(lambda v: isinstance(v, dt.date | dt.time | dt.datetime)).all():
        return "datetime"
    return "numeric"


def write_sav_file(
    frame: pd.DataFrame,
    tmp_path: Path,
    *,
    target: Path,
    file_label: str | None,
    variable_labels: Mapping[str, str],
    value_labels: Mapping[str, Mapping[Any, str]],
    missing_ranges: Mapping[str, list[Any]],
    measure: Mapping[str, str],
) -> None:
    """Write `frame` to `tmp_path` with ``pyreadstat.write_sav`` (zsav if `target` ends in .zsav).

    Parameters
    ----------
    frame : pandas.DataFrame
    tmp_path : Path
        Where pyreadstat writes (the atomic writer's temporary file).
    target : Path
        The final path, for messages and the choice of .sav or .zsav.
    file_label : str or None
    variable_labels, value_labels, missing_ranges, measure : mapping
        In pyreadstat's shapes (``missing_ranges`` values are lists of codes or
        ``{"lo": ..., "hi": ...}`` dicts).

    Raises
    ------
    DataError
        If pyreadstat refuses the frame or the metadata.
    """
    try:
        pyreadstat.write_sav(
            frame,
            str(tmp_path),
            file_label=file_label or "",
            column_labels=dict(variable_labels) or None,
            compress=target.suffix.lower() == ".zsav",
            variable_value_labels={k: dict(v) for k, v in value_labels.items()} or None,
            missing_ranges={k: list(v) for k, v in missing_ranges.items()} or None,
            variable_measure=dict(measure) or None,
        )
    except (
        pyreadstat.ReadstatError,
        pyreadstat.PyreadstatError,
        ValueError,
        TypeError,
        OverflowError,
    ) as exc:
        raise DataError(
            f"Cannot write '{target}' as an SPSS file: {str(exc).strip().rstrip('.')}. Check the column "
            "names (SPSS names start with a letter and have no spaces), types and labels."
        ) from exc


# -- reading chunks in worker processes ----------------------------------------------------------------------------
# Kept apart from iter_stat_chunks above (the serial reader, which .por files and files without a row count use).
_PARALLEL_FORMATS = frozenset({"sav", "zsav", "dta", "sas7bdat", "xpt"})


def iter_stat_chunks_parallel(
    path: Path, fmt: str, *, chunksize: int, encoding: str | None, columns: list[str] | None, jobs: int
) -> Iterator[RawData]:
    """Read an SPSS, Stata or SAS file in chunks, `jobs` chunks at a time in worker processes.

    The chunks are those of :func:`iter_stat_chunks` (same frames, index and metadata), in
    file order.  pyreadstat holds the GIL while it converts values (one Python call per
    cell), so threads would not overlap; worker processes do, the way
    ``pyreadstat.read_file_multiprocessing`` splits a file between processes.  At most
    ``jobs + 1`` chunks are requested ahead of the one being consumed, which bounds memory.

    Falls back to the serial reader for .por files, for files whose header gives no row
    count (the chunk boundaries are not known in advance) and for files of one chunk.

    Parameters
    ----------
    path, fmt, chunksize, encoding, columns
        As for :func:`iter_stat_chunks`.
    jobs : int
        Worker processes (at least 2 to read in parallel).

    Yields
    ------
    RawData
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    kwargs = _kwargs(path, fmt, encoding, columns)
    options = {k: v for k, v in kwargs.items() if k != "usecols"}
    n_rows = None
    if fmt in _PARALLEL_FORMATS:
        _, meta = _call(path, fmt, lambda: _READERS[fmt](str(path), metadataonly=True, **options))
        n_rows = meta.number_rows
    if jobs < 2 or not n_rows or n_rows <= chunksize:
        yield from iter_stat_chunks(path, fmt, chunksize=chunksize, encoding=encoding, columns=columns)
        return
    starts = range(0, n_rows, chunksize)
    workers = min(jobs, len(starts))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(_start_method()))
    try:
        pending: list = []
        for index in range(len(starts) + workers):
            if index < len(starts):
                pending.append(
                    pool.submit(_read_chunk, path, fmt, kwargs, columns, encoding, starts[index], chunksize, index)
                )
            if len(pending) > workers or (index >= len(starts) and pending):
                chunk = _result(pending.pop(0), path)
                if chunk.metadata.n_rows == 0:  # the header counted more rows than the file holds
                    return
                yield chunk
                if chunk.metadata.n_rows < chunksize:
                    return
    finally:
        # a consumer that stops early (an error found in chunk 3) leaves no reads running behind it
        pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """fork where it is safe, else spawn.

    Forked workers start in milliseconds with pyreadstat already imported (spawned ones
    import numpy, pandas and pyreadstat again, about a second each on two cores); fork is
    the start method pyreadstat's own ``read_file_multiprocessing`` gets on Linux.  But a
    process forked while another of its threads holds a lock can deadlock, so fork is used
    only while this process runs a single Python thread (all workers start at the first
    request, before the caller's progress display starts its thread).
    """
    import multiprocessing
    import threading

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _result(future: Any, path: Path) -> RawData:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ReadError(
            f"A worker process reading '{path}' stopped unexpectedly ({exc}); the machine may be out of memory. "
            "Read with fewer worker processes (jobs=1) or smaller chunks."
        ) from exc


def _read_chunk(
    path: Path, fmt: str, kwargs: dict[str, Any], columns: list[str] | None, encoding: str | None,
    start: int, chunksize: int, index: int,
) -> RawData:
    """Rows ``start`` .. ``start + chunksize - 1`` as the chunk ``index`` of :func:`iter_stat_chunks`."""
    frame, meta = _call(
        path, fmt, lambda: _READERS[fmt](str(path), row_offset=start, row_limit=chunksize, **kwargs)
    )
    frame = frame if columns is None else frame[list(columns)]
    frame.index = pd.RangeIndex(start, start + len(frame))
    metadata = _file_metadata(path, fmt, frame, meta, encoding)
    return RawData(frame, metadata.with_notes(f"Chunk {index + 1}: rows {start} to {start + len(frame) - 1}."))
