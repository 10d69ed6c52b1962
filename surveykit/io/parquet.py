"""Parquet files, read through pyarrow (an optional dependency)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit.errors import ReadError
from surveykit.io.formats import check_columns_requested, duplicated_names
from surveykit.io.metadata import FileMetadata, RawData, plain_metadata


def pyarrow_available() -> bool:
    """Whether pyarrow can be imported (without importing it)."""
    return importlib.util.find_spec("pyarrow") is not None


def _parquet_file(path: Path) -> Any:
    if not pyarrow_available():
        raise ReadError(
            f"Reading '{path}' needs the pyarrow package, which is not installed. Install it with: "
            "pip install pyarrow"
        )
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ReadError(
            f"Cannot read '{path}' as a Parquet file: it is damaged or in another format ({exc}). "
            "Write it again, or pass format= if it is another format."
        ) from exc


def _names(path: Path, parquet: Any, columns: list[str] | None) -> list[str]:
    """The columns to read: `columns`, or every data column (not pandas' stored index)."""
    names = [str(n) for n in parquet.schema_arrow.names if not str(n).startswith("__index_level_")]
    dups = duplicated_names(names)
    if dups:
        raise ReadError(
            f"'{path}' has duplicated column names: {', '.join(repr(d) for d in dups)}. Rename them "
            "so that each column has its own name."
        )
    check_columns_requested(path, names, columns)
    return names if columns is None else list(columns)


def read_parquet(path: Path, *, columns: list[str] | None) -> RawData:
    """Read a whole Parquet file.

    A stored pandas index is not restored: named index columns are read as ordinary
    columns, in file order, so the frame always has a RangeIndex.

    Parameters
    ----------
    path : Path
        An existing, non-empty file.
    columns : list of str or None
        Columns to keep, in this order.

    Returns
    -------
    RawData
    """
    parquet = _parquet_file(path)
    names = _names(path, parquet, columns)
    frame = _to_frame(path, lambda: parquet.read(columns=names, use_pandas_metadata=False))[names]
    return RawData(frame, _metadata(path, frame, []))


def iter_parquet_chunks(path: Path, *, chunksize: int, columns: list[str] | None) -> Iterator[RawData]:
    """Read a Parquet file in record batches of at most `chunksize` rows.

    Parameters
    ----------
    path : Path
    chunksize : int
    columns : list of str or None

    Yields
    ------
    RawData
        Each with a continuing RangeIndex.
    """
    import pyarrow as pa

    parquet = _parquet_file(path)
    names = _names(path, parquet, columns)
    start = 0
    for index, batch in enumerate(parquet.iter_batches(batch_size=chunksize, columns=names)):
        frame = _to_frame(path, lambda b=batch: pa.Table.from_batches([b]))[names]
        frame.index = pd.RangeIndex(start, start + len(frame))
        note = f"Chunk {index + 1}: rows {start} to {start + len(frame) - 1}."
        yield RawData(frame, _metadata(path, frame, [note]))
        start += len(frame)


def _to_frame(path: Path, read: Any) -> pd.DataFrame:
    import pyarrow as pa

    try:
        return read().to_pandas(ignore_metadata=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ReadError(f"Cannot read the data in '{path}': {exc}. Write the Parquet file again.") from exc


def _metadata(path: Path, frame: pd.DataFrame, notes: list[str]) -> FileMetadata:
    return plain_metadata(path, frame, notes, format="parquet")
