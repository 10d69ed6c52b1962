"""Writing data files: SPSS .sav/.zsav (through the pyreadstat adapter) and CSV, atomically."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit.errors import DataError
from surveykit.io.atomic import atomic_path, atomic_write_bytes
from surveykit.io.cells import safe_frame
from surveykit.io.metadata import FileMetadata

_MEASURES = ("nominal", "ordinal", "scale")

MissingSpec = Mapping[str, Sequence[Any]]


def write_sav(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    metadata: FileMetadata | None = None,
    variable_labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    missing_values: MissingSpec | None = None,
    measure: Mapping[str, str] | None = None,
    file_label: str | None = None,
) -> None:
    """Write `frame` as an SPSS .sav file (.zsav, compressed, if `path` ends so), atomically.

    Metadata comes from `metadata` (for instance the one :func:`read_file` returned) for
    the columns of `frame`; the keyword arguments add to it and win where both name a
    variable.

    Parameters
    ----------
    frame : pandas.DataFrame
        Column names must be valid SPSS names (start with a letter, no spaces).
        User-missing codes must be in the data as codes (not NaN) to be recognised.
    path : str or os.PathLike
        Destination; written to a temporary file beside it, then renamed over it.
    metadata : FileMetadata, optional
        Labels, value labels, missing values, measures and the file label to write.
    variable_labels : mapping of str to str, optional
        Column -> variable label.
    value_labels : mapping of str to mapping, optional
        Column -> {code: label}.
    missing_values : mapping of str to sequence, optional
        Column -> declared user-missing codes; a 2-tuple ``(lo, hi)`` is a range.  SPSS
        allows up to three codes, or one range and one code, per variable.
    measure : mapping of str to str, optional
        Column -> ``'nominal'``, ``'ordinal'`` or ``'scale'``.
    file_label : str, optional
        The file label.

    Raises
    ------
    DataError
        If an argument names a column not in `frame`, a measure is unknown, the missing
        values exceed what SPSS allows, or pyreadstat refuses the frame.  The target is
        then left as it was.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "s.sav"
    >>> write_sav(pd.DataFrame({"q1": [1, 2, 9]}), out, variable_labels={"q1": "满意度"},
    ...           missing_values={"q1": [9]})
    """
    from surveykit.io._pyreadstat import write_sav_file

    target = Path(os.fspath(path))
    labels, codes, missing, measures = _merged(
        frame, metadata, variable_labels, value_labels, missing_values, measure
    )
    _check_columns(
        frame, target, variable_labels=labels, value_labels=codes, missing_values=missing, measure=measures
    )
    _check_measures(target, measures)
    ranges = {name: _missing_spec(target, name, spec) for name, spec in missing.items() if spec}
    label = file_label if file_label is not None else (metadata.file_label if metadata else None)
    with atomic_path(target) as tmp:
        write_sav_file(
            frame,
            tmp,
            target=target,
            file_label=label,
            variable_labels=labels,
            value_labels=codes,
            missing_ranges=ranges,
            measure=measures,
        )


def _merged(
    frame: pd.DataFrame,
    metadata: FileMetadata | None,
    variable_labels: Mapping[str, str] | None,
    value_labels: Mapping[str, Mapping[Any, str]] | None,
    missing_values: MissingSpec | None,
    measure: Mapping[str, str] | None,
) -> tuple[dict[str, str], dict[str, dict[Any, str]], dict[str, list[Any]], dict[str, str]]:
    labels: dict[str, str] = {}
    codes: dict[str, dict[Any, str]] = {}
    missing: dict[str, list[Any]] = {}
    measures: dict[str, str] = {}
    if metadata is not None:
        for name, var in metadata.variables.items():
            if name not in frame.columns:
                continue
            if var.label:
                labels[name] = var.label
            if var.value_labels:
                codes[name] = dict(var.value_labels)
            if var.missing_values or var.missing_ranges:
                missing[name] = [*var.missing_values, *var.missing_ranges]
            if var.measure:
                measures[name] = var.measure
    labels.update(variable_labels or {})
    codes.update({k: dict(v) for k, v in (value_labels or {}).items()})
    missing.update({k: list(v) for k, v in (missing_values or {}).items()})
    measures.update(measure or {})
    return labels, codes, missing, measures


def _check_columns(frame: pd.DataFrame, target: Path, **specs: Mapping[str, Any]) -> None:
    for argument, spec in specs.items():
        unknown = [name for name in spec if name not in frame.columns]
        if unknown:
            raise DataError(
                f"Cannot write '{target}': {argument} names column(s) not in the frame: "
                f"{', '.join(repr(u) for u in unknown)}. Use the frame's column names."
            )


def _check_measures(target: Path, measures: Mapping[str, str]) -> None:
    bad = {k: v for k, v in measures.items() if v not in _MEASURES}
    if bad:
        shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        raise DataError(
            f"Cannot write '{target}': unknown measure {shown}. Use 'nominal', 'ordinal' or 'scale'."
        )


def _missing_spec(target: Path, name: str, spec: Sequence[Any]) -> list[Any]:
    """Translate codes and (lo, hi) ranges into pyreadstat's ``missing_ranges`` list."""
    discrete = [c for c in spec if not isinstance(c, tuple | list)]
    ranges = [tuple(c) for c in spec if isinstance(c, tuple | list)]
    if any(len(r) != 2 for r in ranges):
        raise DataError(f"Cannot write '{target}': a missing range of '{name}' is not a (lo, hi) pair.")
    if len(ranges) > 1 or (ranges and len(discrete) > 1) or len(discrete) > 3:
        raise DataError(
            f"Cannot write '{target}': '{name}' declares {len(discrete)} missing code(s) and {len(ranges)} "
            "range(s); SPSS allows up to three codes, or one range and one code, per variable."
        )
    out: list[Any] = [_code(c) for c in discrete]
    out += [{"lo": float(lo), "hi": float(hi)} for lo, hi in ranges]
    return out


def _code(code: Any) -> Any:
    if isinstance(code, numbers.Real) and not isinstance(code, bool):
        value = float(code)
        return value if math.isfinite(value) else code
    return code


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *, encoding: str = "utf-8") -> None:
    """Write `frame` as CSV (comma, ``\\n`` line ends, no index), atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or os.PathLike
        Destination; written to a temporary file beside it, then renamed over it.
    encoding : str, default 'utf-8'
        ``'utf-8-sig'`` adds the byte-order mark that Excel needs to open UTF-8 CSV
        files with Chinese text correctly.

    Raises
    ------
    DataError
        If a character cannot be encoded in `encoding` (naming the line and the
        character); nothing is written then.
    """
    target = Path(os.fspath(path))
    # text a spreadsheet would run as a formula gets a leading quote (OWASP's CSV-injection advice)
    text = safe_frame(frame).to_csv(index=False, lineterminator="\n")
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        line = text.count("\n", 0, exc.start) + 1
        raise DataError(
            f"Cannot write '{target}' in {encoding}: line {line} has the character {char!r} "
            f"(U+{ord(char):04X}), which {encoding} cannot encode. Use encoding='utf-8' or 'utf-8-sig'."
        ) from exc
    except LookupError as exc:
        raise DataError(f"Cannot write '{target}': unknown encoding={encoding!r}. Use 'utf-8'.") from exc
    atomic_write_bytes(target, data)
