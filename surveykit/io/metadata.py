"""What a reader returns: the raw frame and what the file says about it.

These are plain, immutable records.  They know nothing about instruments: a
:class:`VariableMeta` describes one column as the file declares it (label, value labels,
declared missing codes, measurement level, storage type); a :class:`FileMetadata`
describes the file (format, encoding, label, row count) and what the reader did in
``notes``; :class:`RawData` pairs the frame with its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Measure = Literal["nominal", "ordinal", "scale"]
VariableType = Literal["numeric", "string", "datetime"]


@dataclass(frozen=True)
class VariableMeta:
    """Metadata of one variable (column) as declared in the file.

    Parameters
    ----------
    name : str
        Column name in the frame.
    label : str or None
        Variable label (the question text in most survey files).
    value_labels : dict
        Code -> label.  Also filled when only some codes (for instance the scale poles)
        are labelled.  Integral float codes are stored as ``int`` (``1`` rather than
        ``1.0``); since ``hash(1) == hash(1.0)`` either spelling looks a code up.
    missing_values : tuple
        Declared discrete user-missing codes, e.g. ``(8, 9)``.  For Stata and SAS files
        these are the letters of the extended missing values found (``'a'`` for ``.a``).
    missing_ranges : tuple of (float, float)
        Declared user-missing ranges ``(lo, hi)``, both ends included.
    measure : {'nominal', 'ordinal', 'scale'} or None
        Measurement level, where the file declares one.
    type : {'numeric', 'string', 'datetime'}
        Storage type of the column.
    question : str or None
        For survey-platform exports (:mod:`surveykit.io.layouts`), the question text exactly
        as the platform wrote it (Qualtrics' question-text row, Wenjuanxin's header cell);
        ``label`` then holds the item text taken from it (a matrix row's statement without
        the question stem and numbering).  None for other files.
    """

    name: str
    label: str | None = None
    value_labels: dict[float | int | str, str] = field(default_factory=dict)
    missing_values: tuple = ()
    missing_ranges: tuple[tuple[float, float], ...] = ()
    measure: str | None = None
    type: str = "numeric"
    question: str | None = None

    def is_declared_missing(self, value: object) -> bool:
        """Return whether `value` is one of the declared user-missing codes or ranges.

        Parameters
        ----------
        value : object
            A raw value from the column.

        Returns
        -------
        bool
        """
        if value in self.missing_values:
            return True
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return any(lo <= value <= hi for lo, hi in self.missing_ranges)


@dataclass(frozen=True)
class PlatformColumns:
    """The columns a survey platform adds around the answers, as a layout recognised them.

    Parameters
    ----------
    meta : tuple of str
        The platform's own columns (Qualtrics StartDate, Status, IPAddress ...; Wenjuanxin
        序号, 提交答卷时间, 来源, 来自IP ...), kept as read.
    duration : str or None
        The column holding the completion time in seconds (Qualtrics
        ``Duration (in seconds)``; Wenjuanxin 所用时间, converted to seconds).
    respondent_id : str or None
        The column identifying a response (Qualtrics ``ResponseId``; Wenjuanxin 序号).
    header_rows : int
        Rows of the file above the first respondent (Qualtrics: 3).
    """

    meta: tuple[str, ...] = ()
    duration: str | None = None
    respondent_id: str | None = None
    header_rows: int = 1


@dataclass(frozen=True)
class FileMetadata:
    """Metadata of a file as read.

    Parameters
    ----------
    path : str
        The path the file was read from.
    format : str
        One of ``'sav', 'zsav', 'por', 'dta', 'sas7bdat', 'xpt', 'csv', 'tsv', 'xlsx', 'parquet'``.
    encoding : str or None
        Text encoding: detected or given for csv/tsv; the file's declared encoding for
        SPSS files when known (or the one given).
    encoding_detected : bool
        True when `encoding` was detected rather than given.
    file_label : str or None
        The file label, where the format has one.
    n_rows : int
        Number of rows in the frame this metadata accompanies (for a chunk, the rows of
        that chunk).
    variables : dict of str to VariableMeta
        One entry per column, in column order.
    notes : tuple of str
        What the reader did, in plain sentences (e.g. ``"Detected encoding GB18030."``).
    layout : {'plain', 'qualtrics', 'wjx', 'kobo'}
        The survey-platform layout the file was read with (:mod:`surveykit.io.layouts`);
        ``'plain'``: one header row, every other row a respondent.
    layout_detected : bool
        True when the layout was recognised from the file rather than given.
    platform : PlatformColumns or None
        For a platform layout: its meta columns, completion-time and response-id columns.
    sheet : str or None
        The sheet read from an .xlsx workbook.
    """

    path: str
    format: str
    encoding: str | None
    encoding_detected: bool
    file_label: str | None
    n_rows: int
    variables: dict[str, VariableMeta]
    notes: tuple[str, ...] = ()
    layout: str = "plain"
    layout_detected: bool = False
    platform: PlatformColumns | None = None
    sheet: str | None = None

    def with_notes(self, *notes: str) -> FileMetadata:
        """Return a copy with `notes` appended.

        Parameters
        ----------
        *notes : str
            Sentences to append.

        Returns
        -------
        FileMetadata
        """
        return replace(self, notes=self.notes + tuple(notes))


@dataclass(frozen=True)
class RawData:
    """A frame as read from a file, with the file's metadata.

    Parameters
    ----------
    frame : pandas.DataFrame
        Raw values.  Declared user-missing codes are kept as their codes (not NaN), so
        that the data layer can decide what they mean; system-missing values are NaN.
    metadata : FileMetadata
        What the file says about the frame and what the reader did.
    """

    frame: pd.DataFrame
    metadata: FileMetadata


def column_type(column) -> str:
    """The VariableMeta type of a pandas column: "datetime", "numeric" or "string"."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return "numeric"
    return "string"


def plain_metadata(path, frame, notes, *, format: str) -> FileMetadata:
    """Metadata of a format that carries no labels or missing-value declarations (Excel, Parquet)."""
    variables = {str(c): VariableMeta(name=str(c), type=column_type(frame[c])) for c in frame.columns}
    return FileMetadata(
        path=str(path),
        format=format,
        encoding=None,
        encoding_detected=False,
        file_label=None,
        n_rows=len(frame),
        variables=variables,
        notes=tuple(notes),
    )
