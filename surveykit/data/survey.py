"""SurveyData: a frame of responses matched to an instrument, with the file's metadata.

``read_survey`` reads a file (through :mod:`surveykit.io`, which also recognises Qualtrics
and Wenjuanxin exports), matches its columns to the instrument's items, attention checks
and respondent variables (by id, declared alias, or variable label / question text),
maps answer texts ("非常同意", "Strongly agree") to codes through the instrument's scale
labels, turns declared missing codes (the instrument's and the file's) into NaN and
records exactly what it did.  Out-of-range codes are left in place and reported by
:func:`surveykit.data.validate`; nothing is deleted silently.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.errors import DataError
from surveykit.instrument import Instrument, Scale, Text, load_instrument
from surveykit.io import FileMetadata, read_file

__all__ = ["SurveyData", "read_survey", "match_columns", "ColumnMatch", "TextMapping"]


@dataclass(frozen=True)
class ColumnMatch:
    """How one instrument variable was found in the data.

    ``how`` is "name" (the column is named by the id, case-insensitively), "alias" (by a
    declared alias), "label" (its variable label, question text or, for files without
    labels, its header equals the item's Chinese or English text, ignoring spaces, case,
    full-/half-width forms, leading question numbers and trailing punctuation), "platform"
    (the completion-time or response-id column a survey-platform layout reported) or
    "missing" (not found; ``column`` is None).
    """

    variable: str  # instrument item, attention-check or respondent-variable id
    column: str | None  # column in the file, None when not found
    how: str  # "name", "alias", "label", "platform", "missing"


@dataclass(frozen=True)
class TextMapping:
    """One answer text mapped to a code: ``n`` cells of ``column`` read ``text``, now ``code``.

    ``missing`` is True when the text is a declared missing label ("不清楚", "拒答") whose
    code then became NaN and is counted in ``SurveyData.missing_code_counts``.
    """

    variable: str
    column: str
    text: str
    code: int | float
    n: int
    missing: bool = False


@dataclass(frozen=True)
class SurveyData:
    """Responses (one row per respondent) with metadata and, when given, the instrument.

    ``frame`` holds the items as answered (reverse-keyed items NOT yet recoded) with declared
    missing codes as NaN, columns named by instrument ids.  Use :meth:`keyed` for the
    reverse-keyed frame and :meth:`scores` for construct scores.  ``matches`` says which
    column each instrument variable came from, ``unknown_columns`` lists the columns the
    instrument does not know (kept as read), ``missing_code_counts`` the declared missing
    codes found per item, ``text_mappings`` the answer texts mapped to codes, and ``notes``
    what reading did, in sentences.
    """

    frame: pd.DataFrame
    metadata: FileMetadata | None = None
    instrument: Instrument | None = None
    matches: tuple[ColumnMatch, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    missing_code_counts: dict = field(default_factory=dict)  # item -> {code: count}
    source: str | None = None
    text_mappings: tuple[TextMapping, ...] = ()
    notes: tuple[str, ...] = ()

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
        return keyed_frame(self.frame, ins)

    def scores(self, *, min_items: int | None = None) -> pd.DataFrame:
        """Construct scores: the mean of the keyed items a respondent answered.

        A score is NaN when fewer than ``min_items`` items were answered (default: half the
        construct's items, rounded up).
        """
        ins = self._need_instrument()
        return construct_scores(self.keyed(), ins, min_items=min_items)

    def text_mapping_frame(self) -> pd.DataFrame:
        """The answer texts mapped to codes, one row per (variable, text)."""
        cols = ["variable", "column", "text", "code", "n", "missing"]
        return pd.DataFrame([m.__dict__ for m in self.text_mappings], columns=cols)

    def subset(self, rows) -> SurveyData:
        """A new SurveyData with only the selected rows (boolean mask or index labels)."""
        return SurveyData(
            frame=self.frame.loc[rows], metadata=self.metadata, instrument=self.instrument,
            matches=self.matches, unknown_columns=self.unknown_columns,
            missing_code_counts=self.missing_code_counts, source=self.source,
            text_mappings=self.text_mappings, notes=self.notes,
        )

    def _need_instrument(self) -> Instrument:
        if self.instrument is None:
            raise DataError("This SurveyData has no instrument; pass instrument= to read_survey().")
        return self.instrument

    def __repr__(self) -> str:
        ins = f", instrument={self.instrument.id!r}" if self.instrument else ""
        return f"<SurveyData n={self.n} columns={self.frame.shape[1]}{ins}>"


def keyed_frame(frame: pd.DataFrame, ins: Instrument) -> pd.DataFrame:
    """A copy of `frame` with the instrument's reverse-keyed items recoded as ``min + max - x``."""
    out = frame.copy()
    for it in ins.items:
        if it.reverse and it.id in out.columns:
            sc = ins.scale_of(it.id)
            out[it.id] = sc.reverse(out[it.id].astype(float))
    return out


def construct_scores(keyed: pd.DataFrame, ins: Instrument, *, min_items: int | None = None) -> pd.DataFrame:
    """Construct scores from keyed items: the mean of the answered items (see :meth:`SurveyData.scores`)."""
    out = {}
    for c in ins.constructs:
        cols = [it.id for it in c.items if it.id in keyed.columns]
        block = keyed[cols].astype(float)
        need = min_items if min_items is not None else math.ceil(len(cols) / 2)
        answered = block.notna().sum(axis=1)
        out[c.code] = block.mean(axis=1).where(answered >= need)
    return pd.DataFrame(out, index=keyed.index)


# -- matching -----------------------------------------------------------------------------
def _norm(s: str) -> str:
    return "".join(str(s).split()).casefold()


_LEADING_NUMBER = re.compile(r"^[(\[]?q?\d{1,3}(?:[._]\d{1,3})*(?:[)\]][、.:]?|[、.:])")
_TRAILING_PUNCT = re.compile(r"[。.!?:;,、…]+$")


def _loose(s: str) -> str:
    """Text for tolerant label matching.

    Unicode NFKC (full-width forms as half-width: ``（`` -> ``(``, ``？`` -> ``?``), no
    whitespace, case-folded, without a leading question number (``7、``, ``Q7.``, ``(3)``,
    ``7.1``) and without trailing sentence punctuation (``。.!?:;,、…``).  Nothing else:
    different words never match.
    """
    text = _norm(unicodedata.normalize("NFKC", str(s)))
    text = _LEADING_NUMBER.sub("", text, count=1)
    return _TRAILING_PUNCT.sub("", text)


def _label_index(columns: list[str], metadata: FileMetadata | None, key) -> dict[str, str]:
    """Normalised text -> column, from variable labels, then question texts, then headers."""
    index: dict[str, str] = {}
    variables = metadata.variables if metadata is not None else {}
    for name in columns:
        vm = variables.get(name)
        if vm is not None and vm.label:
            index.setdefault(key(vm.label), name)
    for name in columns:
        vm = variables.get(name)
        if vm is not None and vm.question:
            index.setdefault(key(vm.question), name)
    for name in columns:
        index.setdefault(key(name), name)
    index.pop("", None)
    return index


def match_columns(columns: list[str], instrument: Instrument, metadata: FileMetadata | None) -> list[ColumnMatch]:
    """Match instrument items, attention checks and respondent variables to data columns.

    Order of precedence: exact id (case-insensitive), declared alias, then text: a
    column's variable label (or platform question text, or, where neither exists, its
    header) equal to the variable's Chinese or English text, ignoring whitespace and case;
    then the same comparison tolerant of full-/half-width forms, a leading question number
    and trailing punctuation (see :func:`_loose`).  Respondent variables of type
    ``duration`` and ``id`` still unmatched take the completion-time and response-id
    columns a survey-platform layout reported (``metadata.platform``).  A column is used
    at most once.
    """
    by_name: dict[str, str] = {}
    for c in columns:
        by_name.setdefault(_norm(c), c)
    exact = _label_index(columns, metadata, _norm)
    loose = _label_index(columns, metadata, _loose)
    used: set[str] = set()
    out: list[ColumnMatch] = []
    variables = [(it.id, it.aliases, (it.text.zh, it.text.en), None) for it in instrument.items]
    variables += [(a.id, a.aliases, (a.text.zh, a.text.en), None) for a in instrument.attention_checks]
    variables += [(r.id, r.aliases, (r.label.zh, r.label.en), r.type) for r in instrument.respondent]
    platform = metadata.platform if metadata is not None else None
    for vid, aliases, texts, rtype in variables:
        col, how = None, "missing"
        candidates = [(by_name.get(_norm(vid)), "name")]
        candidates += [(by_name.get(_norm(a)), "alias") for a in aliases]
        candidates += [(exact.get(_norm(t)), "label") for t in texts]
        candidates += [(loose.get(_loose(t)), "label") for t in texts]
        if platform is not None and rtype == "duration":
            candidates.append((platform.duration, "platform"))
        if platform is not None and rtype == "id":
            candidates.append((platform.respondent_id, "platform"))
        for cand, kind in candidates:
            if cand is not None and cand in columns and cand not in used:
                col, how = cand, kind
                break
        if col is not None:
            used.add(col)
        out.append(ColumnMatch(variable=vid, column=col, how=how))
    return out


# -- cleaning -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnPlan:
    """What read_survey does with the columns of a file, decided once (from its first chunk)."""

    matches: tuple[ColumnMatch, ...]
    rename: dict[str, str]
    unknown: tuple[str, ...]


def plan_columns(columns: list[str], ins: Instrument, metadata: FileMetadata | None, source: str) -> ColumnPlan:
    """Match the columns and check the renaming to instrument ids (see :func:`read_survey`)."""
    matches = match_columns(columns, ins, metadata)
    rename = {m.column: m.variable for m in matches if m.column is not None and m.column != m.variable}
    clash = [v for v in rename.values() if v in columns and v not in rename]
    if clash:
        raise DataError(
            f"{source}: column(s) {', '.join(clash)} exist already but other columns matched those instrument "
            "names by alias or label; rename one of them."
        )
    known = {m.variable for m in matches}
    renamed = [rename.get(c, c) for c in columns]
    unknown = tuple(str(c) for c in renamed if c not in known)
    return ColumnPlan(tuple(matches), rename, unknown)


@dataclass
class TextState:
    """What the answer texts of each column looked like, accumulated over chunks.

    A column of a plain (non-platform) file may hold codes or answer texts, not both: a
    single text among numbers is more likely a typing error than an answer.  Platform
    exports may mix them (a pole-labelled scale exported as text has numbers between).
    """

    allow_mixed: bool
    numbers_at: dict[str, int] = field(default_factory=dict)  # column -> first data row with a number
    text_at: dict[str, tuple[str, int]] = field(default_factory=dict)  # column -> (first text, its row)
    counts: dict[tuple[str, str, str], list] = field(default_factory=dict)  # (var, col, text) -> [code, n, miss]
    positions: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (column, position, code) -> cells

    def check(self, source: str, column: str, what: str = "item") -> None:
        """Raise DataError if a plain file's `column` has shown both codes and texts."""
        if self.allow_mixed or column not in self.numbers_at or column not in self.text_at:
            return
        text, row = self.text_at[column]
        raise DataError(
            f"{source}: {what} column '{column}' holds text such as {text!r} (data row {row}) among numeric "
            f"codes (first at data row {self.numbers_at[column]}); recode answers to numbers, or export every "
            "answer as text so that the scale labels map them, or declare the layout (layout='qualtrics' or 'wjx')."
        )

    def mappings(self) -> tuple[TextMapping, ...]:
        return tuple(
            TextMapping(variable=v, column=c, text=t, code=code, n=n, missing=miss)
            for (v, c, t), (code, n, miss) in self.counts.items()
        )


def _answer_key(text: str) -> str:
    return _norm(unicodedata.normalize("NFKC", str(text)))


def _decode(
    col: pd.Series,
    *,
    variable: str,
    column: str,
    labels: list[tuple[int, Text]],
    missing_codes: set[float],
    tokens: set[str],
    state: TextState,
    source: str,
    first_row: int,
    what: str,
) -> tuple[pd.Series, pd.Series]:
    """A text column as numbers: numeric strings as numbers, label texts as their codes.

    Returns the values and a mask of cells holding a declared missing text token.
    """
    codes: dict[str, int] = {}
    for code, text in labels:
        for t in (text.zh, text.en):
            codes.setdefault(_answer_key(t), code)
    cells = col.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    blank = cells.isna() | cells.map(lambda v: isinstance(v, str) and v == "")
    is_token = cells.map(lambda v: isinstance(v, str) and v in tokens) & ~blank
    numbers = pd.to_numeric(cells.where(~blank & ~is_token, None), errors="coerce").astype(float)
    is_text = ~blank & ~is_token & numbers.isna()
    has_numbers = ~blank & ~is_token & numbers.notna()
    positions = np.arange(len(cells))
    if has_numbers.any() and column not in state.numbers_at:
        state.numbers_at[column] = first_row + int(positions[has_numbers.to_numpy()][0]) + 1
    if is_text.any() and column not in state.text_at:
        pos = int(positions[is_text.to_numpy()][0])
        state.text_at[column] = (str(cells.iloc[pos]), first_row + pos + 1)
    state.check(source, column, what)
    if not is_text.any():
        return numbers, is_token
    texts = cells[is_text]
    keys = texts.map(_answer_key)
    unknown = ~keys.isin(list(codes))
    if unknown.any():
        pos = int(positions[is_text.to_numpy()][int(np.flatnonzero(unknown.to_numpy())[0])])
        known = ", ".join(f"{code} {text.zh!r}/{text.en!r}" for code, text in labels)
        raise DataError(
            f"{source}: {what} column '{column}' has the answer {str(cells.iloc[pos])!r} in data row "
            f"{first_row + pos + 1}, which is not a label of its scale in the instrument ({known}). Correct "
            "the answer, add the text to the scale's labels, or export the answers as numeric codes."
        )
    mapped = keys.map(codes).astype(float)
    numbers = numbers.copy()
    numbers[is_text] = mapped
    for (text, code), n in pd.DataFrame({"t": texts, "c": mapped}).value_counts(sort=False).items():
        entry = state.counts.setdefault((variable, column, str(text)), [_tidy(code), 0, float(code) in missing_codes])
        entry[1] += int(n)
    return numbers, is_token


def _option_positions(vals: pd.Series, scale: Scale, column: str, state: TextState) -> pd.Series:
    """A 问卷星 numeric download's option positions as the instrument's codes.

    问卷星 numbers the options of a question 1, 2, ... in the order the questionnaire lists
    them, and its numeric download ("按选项序号") holds that number.  The questionnaires
    surveykit writes list a scale's points first, then its declared missing codes
    (:attr:`Scale.options`), so for a scale starting at 1 a point's position is its code and
    only the missing options differ: positions after the last point that are no code of the
    scale (6 and 7 for a 1-5 scale with missing codes 8 and 9) are read as the missing codes at
    those positions.  A value that is a code of the scale is never changed; nothing is done
    for a scale that does not start at 1 (its positions and codes differ everywhere and
    cannot be told apart).
    """
    points = scale.points
    if points[0] != 1:
        return vals
    valid = {*points, *scale.missing}
    remap = {float(p): float(code) for p, code in enumerate(scale.options, start=1) if p not in valid}
    hit = vals.isin(list(remap))
    if not hit.any():
        return vals
    for position, n in vals[hit].value_counts().sort_index().items():
        key = (column, int(position), int(remap[position]))
        state.positions[key] = state.positions.get(key, 0) + int(n)
    return vals.where(~hit, vals.map(remap))


def _tidy(code: float) -> int | float:
    return int(code) if float(code).is_integer() else float(code)


def _declared_missing(scale_missing: Iterable[int], metadata: FileMetadata | None, column: str):
    codes = {float(c) for c in scale_missing}
    ranges: list[tuple[float, float]] = []
    tokens: set[str] = set()
    if metadata is not None and column in metadata.variables:
        vm = metadata.variables[column]
        for v in vm.missing_values:
            if isinstance(v, str):
                tokens.add(v.strip())
                continue
            try:
                codes.add(float(v))
            except (TypeError, ValueError):
                pass
        ranges.extend(vm.missing_ranges)
    return codes, ranges, tokens


def clean_frame(
    frame: pd.DataFrame,
    metadata: FileMetadata | None,
    ins: Instrument,
    plan: ColumnPlan,
    state: TextState,
    *,
    source: str,
    first_row: int = 0,
) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Rename matched columns to instrument ids, map answer texts, set declared missing codes to NaN.

    Parameters
    ----------
    frame : pandas.DataFrame
        The raw frame (or one chunk of it).
    metadata : FileMetadata or None
        Its metadata (declared missing codes, platform tokens).
    ins : Instrument
    plan : ColumnPlan
        From :func:`plan_columns`.
    state : TextState
        Accumulates the answer texts mapped (and checks codes and texts are not mixed).
    source : str
        The file, for messages.
    first_row : int
        0-based data row of the frame's first row, for messages.

    Returns
    -------
    frame : pandas.DataFrame
    counts : dict
        Item or attention check -> {declared missing code or text: cells}.
    """
    frame = frame.rename(columns=plan.rename)
    counts: dict[str, dict] = {}
    scaled = {it.id: ins.scale_of(it.id) for it in ins.items}
    scaled.update({a.id: ins.scale_of_check(a.id) for a in ins.attention_checks})
    categorical = {r.id: r for r in ins.respondent if r.type == "categorical"}
    for m in plan.matches:
        if m.column is None:
            continue
        col = frame[m.variable]
        if m.variable in scaled:
            sc = scaled[m.variable]
            codes, ranges, tokens = _declared_missing(sc.missing, metadata, m.column)
            is_token = pd.Series(False, index=col.index)
            if not pd.api.types.is_numeric_dtype(col):
                raw_col = col
                col, is_token = _decode(
                    col, variable=m.variable, column=m.column, labels=[*sc.labels.items(), *sc.missing.items()],
                    missing_codes=codes, tokens=tokens, state=state, source=source, first_row=first_row,
                    what="attention-check" if m.variable in ins.attention_ids else "item",
                )
            vals = col.astype(float)
            if metadata is not None and metadata.layout == "wjx":
                vals = _option_positions(vals, sc, m.column, state)
            is_missing = vals.isin(list(codes))
            for lo, hi in ranges:
                is_missing |= (vals >= lo) & (vals <= hi)
            found = vals[is_missing].value_counts().sort_index()
            item_counts: dict = {_tidy(k): int(v) for k, v in found.items()}
            if is_token.any():
                for token, n in raw_col[is_token].astype(str).str.strip().value_counts().sort_index().items():
                    item_counts[str(token)] = int(n)
            if item_counts:
                counts[m.variable] = item_counts
            frame[m.variable] = vals.mask(is_missing | is_token)
        elif m.variable in categorical and not pd.api.types.is_numeric_dtype(col):
            r = categorical[m.variable]
            decoded, _ = _decode(
                col, variable=m.variable, column=m.column, labels=list(r.codes.items()), missing_codes=set(),
                tokens=set(), state=state, source=source, first_row=first_row, what="respondent-variable",
            )
            frame[m.variable] = decoded
    return frame, counts


def merge_counts(total: dict[str, dict], part: dict[str, dict]) -> None:
    """Add the missing-code counts of one chunk to `total` (in place)."""
    for item, codes in part.items():
        into = total.setdefault(item, {})
        for code, n in codes.items():
            into[code] = into.get(code, 0) + n


def reading_notes(plan: ColumnPlan, ins: Instrument, mappings: tuple[TextMapping, ...],
                  metadata: FileMetadata | None, positions: dict | None = None) -> tuple[str, ...]:
    """Sentences on what matching, text mapping and option positions (``TextState.positions``) did."""
    notes: list[str] = []
    items = [m for m in plan.matches if m.variable in set(ins.item_ids)]
    found = [m for m in items if m.column is not None]
    by_how: dict[str, int] = {}
    for m in found:
        by_how[m.how] = by_how.get(m.how, 0) + 1
    how = ", ".join(f"{n} by {k}" for k, n in by_how.items())
    notes.append(f"Matched {len(found)} of {len(items)} instrument items to columns ({how or 'none'}).")
    missing = [m.variable for m in items if m.column is None]
    if missing:
        notes.append(f"Items not found in the file: {', '.join(missing)}.")
    for m in plan.matches:
        if m.how == "platform" and metadata is not None:
            notes.append(
                f"'{m.variable}' is the {metadata.layout} export's column '{m.column}' "
                "(completion time or response id reported by the layout)."
            )
    if mappings:
        columns = sorted({(m.variable, m.column) for m in mappings})
        shown = "; ".join(
            f"{t!r} -> {c}" for t, c in dict.fromkeys((m.text, m.code) for m in mappings)
        )
        notes.append(
            f"Mapped answer texts to codes through the instrument's labels in {len(columns)} column(s): {shown}."
        )
    if positions:
        pairs = sorted({(p, c) for _, p, c in positions})
        columns = sorted({col for col, _, _ in positions})
        notes.append(
            f"Read the 问卷星 option positions {', '.join(f'{p} as code {c}' for p, c in pairs)} (the declared missing "
            f"options, listed after the scale points) in {len(columns)} column(s): {sum(positions.values())} cell(s)."
        )
    if plan.unknown:
        more = " ..." if len(plan.unknown) > 10 else ""
        notes.append(f"Columns not in the instrument, kept as read: {', '.join(plan.unknown[:10])}{more}.")
    return tuple(notes)


def load(instrument: Instrument | str | Path) -> Instrument:
    """An Instrument object, or one loaded from a YAML path."""
    return instrument if isinstance(instrument, Instrument) else load_instrument(instrument)


def read_survey(
    path: str | Path,
    *,
    instrument: Instrument | str | Path | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    layout: str | None = None,
) -> SurveyData:
    """Read a survey file and, with an instrument, match and clean its item columns.

    Declared missing codes (the instrument scale's ``missing`` and the file's user-missing
    values and ranges) become NaN and are counted per item in ``missing_code_counts``.
    Answer texts in item columns ("非常同意", "Strongly agree", "不清楚") are mapped to
    codes through the instrument's scale labels in both languages (a missing label to its
    missing code, which then becomes NaN); the mapping is listed in ``text_mappings``.
    An answer text that is no label of the scale is a :class:`DataError` naming the
    column, the data row and the text.  In a plain file a column holds either codes or
    texts; texts among codes are refused as a likely typing error.  Columns are renamed to
    instrument ids; columns the instrument does not know are kept and listed in
    ``unknown_columns``.

    Parameters
    ----------
    path : str or Path
        The data file (see :func:`surveykit.io.read_file` for formats).
    instrument : Instrument, str or Path, optional
        The instrument, or its YAML file.
    format, encoding, sheet, layout
        Passed to :func:`surveykit.io.read_file`; ``layout`` None detects Qualtrics and
        Wenjuanxin exports.

    Examples
    --------
    >>> import surveykit as sk
    >>> data = sk.read_survey(sk.datasets.demo_path("sav"), instrument=sk.datasets.demo_instrument_path())
    >>> data.n
    600
    """
    raw = read_file(path, format=format, encoding=encoding, sheet=sheet, layout=layout)
    if instrument is None:
        return SurveyData(frame=raw.frame, metadata=raw.metadata, source=str(path))
    ins = load(instrument)
    plan = plan_columns([str(c) for c in raw.frame.columns], ins, raw.metadata, str(path))
    state = TextState(allow_mixed=raw.metadata.layout != "plain")
    frame, counts = clean_frame(raw.frame, raw.metadata, ins, plan, state, source=str(path))
    mappings = state.mappings()
    return SurveyData(
        frame=frame, metadata=raw.metadata, instrument=ins, matches=plan.matches,
        unknown_columns=plan.unknown, missing_code_counts=counts, source=str(path),
        text_mappings=mappings, notes=reading_notes(plan, ins, mappings, raw.metadata, state.positions),
    )
