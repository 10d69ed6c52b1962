"""Reading and writing data files (the io layer; knows no instruments).

:func:`read_file` reads SPSS (.sav, .zsav, .por), Stata (.dta), SAS (.sas7bdat, .xpt),
CSV/TSV (UTF-8, UTF-8 with BOM, GB18030, Big5; detected), Excel (.xlsx) and Parquet
files into a :class:`RawData`: the raw frame (declared user-missing codes kept as codes)
and a :class:`FileMetadata` with variable labels, value labels, missing-value
declarations, measurement levels, the encoding, the survey-platform layout (Qualtrics and
Wenjuanxin exports, :mod:`surveykit.io.layouts`) and notes on what the reader did.
:func:`iter_chunks` streams the same in chunks.  :func:`write_sav`, :func:`write_csv`,
:func:`atomic_write_bytes` and :func:`atomic_write_text` write atomically.  Every
failure to read is a :class:`~surveykit.errors.ReadError` naming the file and what to do.

pyreadstat is imported by :mod:`surveykit.io._pyreadstat` only.
"""

from __future__ import annotations

from surveykit.io.atomic import atomic_folder, atomic_path, atomic_write_bytes, atomic_write_text, file_sha256
from surveykit.io.cells import safe_cell, safe_frame, text_not_formulas
from surveykit.io.formats import SUPPORTED_EXTENSIONS
from surveykit.io.layouts import LAYOUTS
from surveykit.io.metadata import FileMetadata, PlatformColumns, RawData, VariableMeta
from surveykit.io.read import iter_chunks, read_file
from surveykit.io.stable import fix_workbook_dates, normalize_zip, stable_xlsx
from surveykit.io.write import write_csv, write_sav

__all__ = [
    "LAYOUTS",
    "SUPPORTED_EXTENSIONS",
    "FileMetadata",
    "PlatformColumns",
    "RawData",
    "VariableMeta",
    "atomic_folder",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_sha256",
    "fix_workbook_dates",
    "normalize_zip",
    "stable_xlsx",
    "iter_chunks",
    "read_file",
    "safe_cell",
    "safe_frame",
    "text_not_formulas",
    "write_csv",
    "write_sav",
]
