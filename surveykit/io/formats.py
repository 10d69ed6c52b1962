"""File formats: which extension means which format, and checks every reader shares."""

from __future__ import annotations

import os
from pathlib import Path

from surveykit.errors import ReadError, not_a_regular_file

#: Extension (lower case, with the dot) -> format name.
EXTENSION_FORMATS: dict[str, str] = {
    ".sav": "sav",
    ".zsav": "zsav",
    ".por": "por",
    ".dta": "dta",
    ".sas7bdat": "sas7bdat",
    ".xpt": "xpt",
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}

SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(EXTENSION_FORMATS)
FORMATS: tuple[str, ...] = tuple(dict.fromkeys(EXTENSION_FORMATS.values()))

#: Formats read through the pyreadstat adapter.
STAT_FORMATS: frozenset[str] = frozenset({"sav", "zsav", "por", "dta", "sas7bdat", "xpt"})
TEXT_FORMATS: frozenset[str] = frozenset({"csv", "tsv"})

_HINTS: dict[str, str] = {
    ".xls": " Open it in Excel or LibreOffice and save it as .xlsx.",
    ".xlsm": " Save it as .xlsx (without macros).",
    ".ods": " Save it as .xlsx or .csv.",
    ".rds": " In R, write it with haven::write_sav() or write.csv().",
    ".rdata": " In R, write it with haven::write_sav() or write.csv().",
    ".json": " Convert it to .csv or .parquet.",
}


def resolve_format(path: Path, format: str | None) -> str:
    """Return the format of `path`: `format` if given, else from its extension.

    Parameters
    ----------
    path : Path
        The file.
    format : str or None
        A format name overriding the extension (case-insensitive).

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    ReadError
        If `format` is not a known format, or the extension is not supported.
    """
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        if fmt not in FORMATS:
            raise ReadError(f"Unknown format={format!r} for '{path}'. Use one of: {', '.join(FORMATS)}.")
        return fmt
    suffix = path.suffix.lower()
    if suffix in EXTENSION_FORMATS:
        return EXTENSION_FORMATS[suffix]
    shown = f"extension '{path.suffix}'" if path.suffix else "no extension"
    raise ReadError(
        f"Cannot read '{path}': {shown} is not supported. Supported extensions: "
        f"{', '.join(SUPPORTED_EXTENSIONS)}; or pass format= (one of {', '.join(FORMATS)})."
        f"{_HINTS.get(suffix, '')}"
    )


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """Check that `path` is an existing, readable, non-empty regular file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    Path

    Raises
    ------
    ReadError
        If the file does not exist, is a directory, cannot be opened or has 0 bytes.
    """
    p = Path(os.fspath(path))
    if not p.exists():
        raise ReadError(f"File not found: '{p}'. Check the path (relative paths start at {Path.cwd()}).")
    if p.is_dir():
        raise ReadError(f"'{p}' is a folder, not a file. Give the path of the data file inside it.")
    kind = not_a_regular_file(p)
    if kind:  # opening a FIFO would wait forever for a writer; a device never ends
        raise ReadError(f"'{p}' is {kind}, not a file. Save the data to a file and give its path.")
    try:
        size = p.stat().st_size
        with p.open("rb"):
            pass
    except OSError as exc:
        raise ReadError(f"Cannot open '{p}': {exc.strerror or exc}. Check its permissions.") from exc
    if size == 0:
        raise ReadError(
            f"'{p}' is empty (0 bytes). Export the data again; the file may not have been saved completely."
        )
    return p


def column_letter(index: int) -> str:
    """Return the spreadsheet column letter of the 0-based column `index` (0 -> 'A', 26 -> 'AA').

    Parameters
    ----------
    index : int
        0-based column position.

    Returns
    -------
    str
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def duplicated_names(names: list[str]) -> list[str]:
    """Return the names that occur more than once, in order of first appearance.

    Parameters
    ----------
    names : list of str

    Returns
    -------
    list of str
    """
    seen: set[str] = set()
    dups: dict[str, None] = {}
    for name in names:
        if name in seen:
            dups[name] = None
        seen.add(name)
    return list(dups)


def check_columns_requested(path: Path, available: list[str], columns: list[str] | None) -> None:
    """Raise ReadError if some of `columns` are not in `available`.

    Parameters
    ----------
    path : Path
        The file (for the message).
    available : list of str
        Column names in the file.
    columns : list of str or None
        Requested columns; None means all.

    Raises
    ------
    ReadError
    """
    if columns is None:
        return
    missing = [c for c in columns if c not in available]
    if missing:
        shown = ", ".join(repr(c) for c in available[:20])
        more = f" and {len(available) - 20} more" if len(available) > 20 else ""
        raise ReadError(
            f"'{path}' has no column {', '.join(repr(c) for c in missing)}. "
            f"Its columns are: {shown}{more}. Check the spelling in columns=."
        )
    dups = duplicated_names(list(columns))
    if dups:
        raise ReadError(
            f"columns= names {', '.join(repr(c) for c in dups)} more than once for '{path}'. "
            "Name each column once."
        )
