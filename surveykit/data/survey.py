"""SurveyData: a frame of responses matched to an instrument, with the file's metadata.

``read_survey`` reads a file (through :mod:`surveykit.io`), matches its columns to the
instrument's items (by id, declared alias, or variable label), turns declared missing codes
(the instrument's and the file's) into NaN and records exactly what it did.  Out-of-range
codes are left in place and reported by :func:`surveykit.data.validate`; nothing is deleted
silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.instrument import Instrument, load_instrument
from surveykit.io import FileMetadata, read_file

__all__ = ["SurveyData", "read_survey", "match_columns", "ColumnMatch"]


@dataclass(frozen=True)
class ColumnMatch:
    """How one instrument variable was found in the data."""

    variable: str  # instrument item or respondent-variable id
    column: str | None  # column in the file, None when not found
    how: str  # "name", "alias", "label", "missing"


@dataclass(frozen=True)
class SurveyData:
    """Responses (one row per respondent) with metadata and, when given, the instrument.

    ``frame`` holds the items as answered (reverse-keyed items NOT yet recoded) with declared
    missing codes as NaN, columns named by instrument ids.  Use :meth:`keyed` for the
    reverse-keyed frame and :meth:`scores` for construct scores.
    """

    frame: pd.DataFrame
    metadata: FileMetadata | None = None
    instrument: Instrument | None = None
    matches: tuple[ColumnMatch, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    missing_code_counts: dict = field(default_factory=dict)  # item -> {code: count}
    source: str | None = None

    def __post_init__(self) -> None:
        # the frame is owned by this object: keep a private copy
        object.__setattr__(self, "frame", self.frame.copy())

    # -- views --------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.frame)

    def item_ids(self, construct: str | None = None) -> list[str]:
        ins = self._need_instrument()
        items = ins.items if construct is None else ins.construct(construct).items
        return [it.id for it in items if it.id in self.frame.columns]

    def items(self, construct: str | None = None, *, keyed: bool = True) -> pd.DataFrame:
        """The item columns (of one construct), reverse-keyed by default."""
        cols = self.item_ids(construct)
        frame = self.keyed() if keyed else self.frame
        return frame.loc[:, cols].copy()

    def keyed(self) -> pd.DataFrame:
        """A copy of the frame with reverse-keyed items recoded as ``min + max - x``."""
        ins = self._need_instrument()
        out = self.frame.copy()
        for it in ins.items:
            if it.reverse and it.id in out.columns:
                sc = ins.scale_of(it.id)
                out[it.id] = sc.reverse(out[it.id].astype(float))
        return out

    def scores(self, *, min_items: int | None = None) -> pd.DataFrame:
        """Construct scores: the mean of the keyed items a respondent answered.

        A score is NaN when fewer than ``min_items`` items were answered (default: half the
        construct's items, rounded up).
        """
        ins = self._need_instrument()
        keyed = self.keyed()
        out = {}
        for c in ins.constructs:
            cols = [it.id for it in c.items if it.id in keyed.columns]
            block = keyed[cols].astype(float)
            need = min_items if min_items is not None else math.ceil(len(cols) / 2)
            answered = block.notna().sum(axis=1)
            out[c.code] = block.mean(axis=1).where(answered >= need)
        return pd.DataFrame(out, index=keyed.index)

    def subset(self, rows) -> SurveyData:
        """A new SurveyData with only the selected rows (boolean mask or index labels)."""
        return SurveyData(
            frame=self.frame.loc[rows], metadata=self.metadata, instrument=self.instrument,
            matches=self.matches, unknown_columns=self.unknown_columns,
            missing_code_counts=self.missing_code_counts, source=self.source,
        )

    def _need_instrument(self) -> Instrument:
        if self.instrument is None:
            raise DataError("This SurveyData has no instrument; pass instrument= to read_survey().")
        return self.instrument

    def __repr__(self) -> str:
        ins = f", instrument={self.instrument.id!r}" if self.instrument else ""
        return f"<SurveyData n={self.n} columns={self.frame.shape[1]}{ins}>"


def _norm(s: str) -> str:
    return "".join(str(s).split()).casefold()


def match_columns(columns: list[str], instrument: Instrument, metadata: FileMetadata | None) -> list[ColumnMatch]:
    """Match instrument items and respondent variables to data columns.

    Order of precedence: exact id (case-insensitive), declared alias, variable label equal to
    the item's Chinese or English text (whitespace-insensitive).
    """
    by_name = {}
    for c in columns:
        by_name.setdefault(_norm(c), c)
    labels = {}
    if metadata is not None:
        for name, vm in metadata.variables.items():
            if vm.label:
                labels.setdefault(_norm(vm.label), name)
    used: set[str] = set()
    out: list[ColumnMatch] = []
    variables = [(it.id, it.aliases, (it.text.zh, it.text.en)) for it in instrument.items]
    variables += [(r.id, r.aliases, (r.label.zh, r.label.en)) for r in instrument.respondent]
    for vid, aliases, texts in variables:
        col, how = None, "missing"
        cand = by_name.get(_norm(vid))
        if cand is not None and cand not in used:
            col, how = cand, "name"
        if col is None:
            for a in aliases:
                cand = by_name.get(_norm(a))
                if cand is not None and cand not in used:
                    col, how = cand, "alias"
                    break
        if col is None:
            for t in texts:
                cand = labels.get(_norm(t))
                if cand is not None and cand not in used:
                    col, how = cand, "label"
                    break
        if col is not None:
            used.add(col)
        out.append(ColumnMatch(variable=vid, column=col, how=how))
    return out


def _declared_missing(instrument: Instrument, item_id: str, metadata: FileMetadata | None, column: str):
    codes = set(instrument.scale_of(item_id).missing)
    ranges: list[tuple[float, float]] = []
    if metadata is not None and column in metadata.variables:
        vm = metadata.variables[column]
        for v in vm.missing_values:
            try:
                codes.add(float(v))
            except (TypeError, ValueError):
                pass
        ranges.extend(vm.missing_ranges)
    return codes, ranges


def read_survey(
    path: str | Path,
    *,
    instrument: Instrument | str | Path | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
) -> SurveyData:
    """Read a survey file and, with an instrument, match and clean its item columns.

    Declared missing codes (the instrument scale's ``missing`` and the file's user-missing
    values and ranges) become NaN and are counted per item in ``missing_code_counts``.
    Columns are renamed to instrument ids; columns the instrument does not know are kept
    and listed in ``unknown_columns``.

    Examples
    --------
    >>> import surveykit as sk
    >>> data = sk.read_survey(sk.datasets.demo_path("sav"), instrument=sk.datasets.demo_instrument_path())
    >>> data.n
    600
    """
    raw = read_file(path, format=format, encoding=encoding, sheet=sheet)
    frame = raw.frame
    if instrument is None:
        return SurveyData(frame=frame, metadata=raw.metadata, source=str(path))
    ins = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    matches = match_columns([str(c) for c in frame.columns], ins, raw.metadata)
    rename = {m.column: m.variable for m in matches if m.column is not None and m.column != m.variable}
    clash = [v for v in rename.values() if v in frame.columns and v not in rename]
    if clash:
        raise DataError(
            f"{path}: column(s) {', '.join(clash)} exist already but other columns matched those instrument "
            "names by alias or label; rename one of them."
        )
    frame = frame.rename(columns=rename)
    known = {m.variable for m in matches}
    unknown = tuple(str(c) for c in frame.columns if c not in known)
    counts: dict[str, dict] = {}
    item_ids = set(ins.item_ids)
    for m in matches:
        if m.column is None or m.variable not in item_ids:
            continue
        col = frame[m.variable]
        if not pd.api.types.is_numeric_dtype(col):
            converted = pd.to_numeric(col, errors="coerce")
            bad = col.notna() & converted.isna() & (col.astype(str).str.strip() != "")
            if bad.any():
                first = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"{path}: item column '{m.column}' holds text such as {col[bad].iloc[0]!r} "
                    f"(data row {first + 1}); recode answers to numbers or declare the layout."
                )
            col = converted
        codes, ranges = _declared_missing(ins, m.variable, raw.metadata, m.column)
        vals = col.astype(float)
        is_missing = vals.isin(list(codes))
        for lo, hi in ranges:
            is_missing |= (vals >= lo) & (vals <= hi)
        found = vals[is_missing].value_counts().sort_index()
        if len(found):
            counts[m.variable] = {int(k) if float(k).is_integer() else float(k): int(v) for k, v in found.items()}
        frame[m.variable] = vals.mask(is_missing)
    return SurveyData(
        frame=frame, metadata=raw.metadata, instrument=ins, matches=tuple(matches),
        unknown_columns=unknown, missing_code_counts=counts, source=str(path),
    )
