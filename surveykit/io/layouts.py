"""Survey-platform layouts: Qualtrics and Wenjuanxin (问卷星) exports.

A platform export is an ordinary table with the platform's conventions around the
answers.  This module recognises two of them and says what it did in the notes; it
knows no instruments (matching columns to items is the data layer's job).

**Qualtrics** (CSV or .xlsx, "Download data table"): three header rows,

1. the export tags (``StartDate``, ``Q7_1``, ...), which become the column names;
2. the question text, which becomes the variable label (for a matrix row, the text
   after the question stem shared by its sibling columns, ``"stem - statement"``; the
   whole text is kept in :attr:`VariableMeta.question`);
3. the ImportId of each column as JSON, e.g. ``{"ImportId":"QID12_1"}``.

Rows 2 and 3 are not respondents and are not read as such.  The export is recognised
when most cells of row 3 are ImportId JSON objects.  Qualtrics' meta columns
(StartDate, EndDate, Status, IPAddress, Progress, ``Duration (in seconds)``, Finished,
RecordedDate, ResponseId, Recipient*, ExternalReference, Location*, DistributionChannel,
UserLanguage) are kept and listed in :attr:`FileMetadata.platform`.  Answers are choice
texts or numeric codes, whichever the export chose ("Use choice text" / "Use numeric
values"); where a numeric export marks "seen but unanswered" with -99, -99 is declared
a user-missing code of that column.

**Wenjuanxin** (.xlsx or CSV, often GBK-encoded; "按选项序号" numeric or "按选项文本"
answer-text download): one header row whose question headers carry the question number,
``7、我所在的党支部…``, ``7、(我所在的党支部…)`` (a matrix row), ``7(1、…)`` or
``7、题干—子问题`` (when several columns share the stem before the dash); the item text
without the number, brackets or stem becomes the variable label.  Meta columns
(序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, ...) are kept; 所用时间
("235秒", "3分55秒", "1小时2分3秒") is converted to seconds, with a note.  Cells that
Wenjuanxin writes for questions a respondent skipped by the survey's logic
("(跳过)") and for empty answers ("(空)") are declared user-missing codes of their
column (kept as values, like SPSS user-missing codes).  Numeric codes are never
declared missing by guess: a numeric download's codes are whatever the survey's option
numbers or scores were.

The export is recognised when the header has Wenjuanxin's time columns (提交答卷时间
or 所用时间) and numbered question headers.

**KoboToolbox** (.xlsx or CSV, usually ``;``-separated; "XML values and headers"):
the header names each question by its XLSForm ``name``, prefixed with the names of the
groups it sits in (``block_1/ide_1``, or with another group separator such as ``.``);
the prefixes are removed, so that the column is named by the question's name, and the
full header is kept in :attr:`VariableMeta.question` (a name that two groups share keeps
its prefix).  Kobo's meta columns (start, end, today, deviceid, ``_id``, ``_uuid``,
``_submission_time``, ``_validation_status``, ``_index``, ...) are kept and listed in
:attr:`FileMetadata.platform`; ``_id`` is the response id.  The export is recognised by
its ``_uuid`` and ``_submission_time`` columns.

``layout=`` names a layout instead of detecting it (``'plain'`` reads the file as an
ordinary table).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from surveykit.errors import ReadError
from surveykit.io.metadata import FileMetadata, PlatformColumns, RawData, VariableMeta

#: Layout names accepted by ``layout=`` (None or ``'auto'`` detects).
LAYOUTS: tuple[str, ...] = ("plain", "qualtrics", "wjx", "kobo")
#: Formats a platform layout applies to.
LAYOUT_FORMATS: frozenset[str] = frozenset({"csv", "tsv", "xlsx"})

_DISPLAY = {"qualtrics": "Qualtrics", "wjx": "Wenjuanxin (问卷星)", "kobo": "KoboToolbox"}

# -- Qualtrics ----------------------------------------------------------------------------
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_QID = re.compile(r"^(QID\d+)")
_QUALTRICS_META_IDS = {
    "startDate": "StartDate",
    "endDate": "EndDate",
    "status": "Status",
    "ipAddress": "IPAddress",
    "progress": "Progress",
    "duration": "Duration (in seconds)",
    "finished": "Finished",
    "recordedDate": "RecordedDate",
    "_recordId": "ResponseId",
    "recipientLastName": "RecipientLastName",
    "recipientFirstName": "RecipientFirstName",
    "recipientEmail": "RecipientEmail",
    "externalDataReference": "ExternalReference",
    "locationLatitude": "LocationLatitude",
    "locationLongitude": "LocationLongitude",
    "distributionChannel": "DistributionChannel",
    "userLanguage": "UserLanguage",
}
_QUALTRICS_META_NAMES = frozenset(_QUALTRICS_META_IDS.values()) | {"ResponseID", "Q_RecaptchaScore"}
_QUALTRICS_SEEN_UNANSWERED = -99

# -- Wenjuanxin ---------------------------------------------------------------------------
_WJX_META = (
    "序号",
    "答卷编号",
    "用户ID",
    "提交答卷时间",
    "开始答题时间",
    "所用时间",
    "来源",
    "来源详情",
    "来源渠道",
    "来自IP",
    "IP",
    "IP属地",
    "总分",
    "微信昵称",
    "微信OpenID",
)
_WJX_TIME_COLUMNS = ("提交答卷时间", "所用时间")
_WJX_DURATION = "所用时间"
_WJX_ID = "序号"
#: Cells Wenjuanxin writes for skipped (by the survey's logic) and empty answers.
WJX_TOKENS: frozenset[str] = frozenset({"(跳过)", "（跳过）", "(空)", "（空）"})
_WJX_TOKEN_LABELS = {"(跳过)": "跳过 (skipped by the survey logic)", "(空)": "空 (no answer)"}
_DOT = r"[、.．]"
_OPEN, _CLOSE = r"[(（]", r"[)）]"
_WJX_QUESTION = re.compile(rf"^\s*(\d+)\s*(?:{_DOT}|(?={_OPEN}))\s*(.*?)\s*$", re.DOTALL)
_WJX_SUBNUMBERED = re.compile(rf"^{_OPEN}\s*\d+\s*{_DOT}\s*(.+?)\s*{_CLOSE}$", re.DOTALL)
_WJX_BRACKETED = re.compile(rf"^{_OPEN}(.+){_CLOSE}$", re.DOTALL)
_DASHES = "—－–-"
# -- KoboToolbox -------------------------------------------------------------------------
_KOBO_META = (
    "start", "end", "today", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "audit",
    "meta/instanceID", "meta/rootUuid", "meta/deprecatedID", "_id", "_uuid", "_submission_time",
    "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index",
    "_attachments", "_geolocation", "_xform_id_string",
)
_KOBO_SIGNATURE = ("_uuid", "_submission_time")
_KOBO_ID = "_id"
#: Group separators Kobo offers for the headers of grouped questions.
_KOBO_SEPARATORS = ("/", ".", ":")

_DURATION = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|时))?\s*(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分))?"
    r"\s*(?:(?P<s>\d+(?:\.\d+)?)\s*秒)?\s*$"
)


@dataclass(frozen=True)
class LayoutPlan:
    """How to read one file: the layout and the header rows after the first.

    Parameters
    ----------
    name : {'plain', 'qualtrics', 'wjx', 'kobo'}
    detected : bool
        True if recognised from the file, False if given.
    extra_rows : tuple of tuple of str
        The header rows below the first (Qualtrics: question text, ImportId), cell by
        cell in the columns of the first.
    """

    name: str = "plain"
    detected: bool = False
    extra_rows: tuple[tuple[str, ...], ...] = ()

    @property
    def skip_rows(self) -> int:
        """Rows below the header row that are not respondents."""
        return len(self.extra_rows)


PLAIN = LayoutPlan()


def check_layout_option(layout: str | None, path: os.PathLike[str] | str, fmt: str) -> str | None:
    """Check the ``layout=`` argument for a file of format `fmt`.

    Parameters
    ----------
    layout : str or None
        None or ``'auto'`` (detect), ``'plain'``, ``'qualtrics'`` or ``'wjx'``.
    path : path-like
        The file, for messages.
    fmt : str
        The file's format.

    Returns
    -------
    str or None
        The layout name, or None to detect.

    Raises
    ------
    ReadError
        If `layout` is unknown, or a platform layout is asked of a format it does not apply to.
    """
    if layout is None or layout == "auto":
        return None
    name = str(layout).lower()
    if name not in LAYOUTS:
        raise ReadError(
            f"Unknown layout={layout!r} for '{path}'. Use one of: auto, {', '.join(LAYOUTS)}."
        )
    if name != "plain" and fmt not in LAYOUT_FORMATS:
        raise ReadError(
            f"layout='{name}' applies to .csv, .tsv and .xlsx exports; '{path}' is read as {fmt}. "
            "Leave layout= out."
        )
    return name


def plan_layout(
    path: os.PathLike[str] | str, header: Sequence[str], following: Sequence[Sequence[object]], layout: str | None
) -> LayoutPlan:
    """Recognise the layout from the header row and the two rows below it, or check a given one.

    Parameters
    ----------
    path : path-like
        The file, for messages.
    header : sequence of str
        The header row's cells (column names).
    following : sequence of sequences
        Up to two rows below the header, as cells (text, numbers or None).
    layout : str or None
        The checked ``layout=`` value (None: detect).

    Returns
    -------
    LayoutPlan

    Raises
    ------
    ReadError
        If a given platform layout does not fit the file.
    """
    rows = [[_cell_text(c) for c in row] for row in following[:2]]
    is_qualtrics = len(rows) == 2 and _looks_like_import_ids(rows[1])
    is_wjx = _looks_like_wjx(header)
    is_kobo = all(name in header for name in _KOBO_SIGNATURE)
    if layout is None:
        if is_qualtrics:
            return LayoutPlan("qualtrics", True, _aligned(header, rows))
        if is_wjx:
            return LayoutPlan("wjx", True)
        if is_kobo:
            return LayoutPlan("kobo", True)
        return PLAIN
    if layout == "kobo":
        if not is_kobo:
            raise ReadError(
                f"'{path}' does not look like a KoboToolbox export: it has no {' and '.join(_KOBO_SIGNATURE)} "
                "columns. Export it again from KoboToolbox (\"XML values and headers\", with the meta columns), "
                "or leave layout= out."
            )
        return LayoutPlan("kobo", False)
    if layout == "qualtrics":
        if not is_qualtrics:
            shown = repr(rows[1][:3]) if len(rows) == 2 else "missing"
            raise ReadError(
                f"'{path}' does not look like a Qualtrics export: its third row should hold ImportId JSON "
                f'such as {{"ImportId":"QID1"}} but is {shown}. Export it again from Qualtrics ("Download '
                "data table\", CSV), or leave layout= out."
            )
        return LayoutPlan("qualtrics", False, _aligned(header, rows))
    if layout == "wjx":
        if not any(_wjx_question(h) is not None for h in header) and not any(h in _WJX_META for h in header):
            raise ReadError(
                f"'{path}' does not look like a Wenjuanxin (问卷星) export: no header such as '1、…' and none of "
                f"{', '.join(_WJX_META[:6])}. Export it again from Wenjuanxin, or leave layout= out."
            )
        return LayoutPlan("wjx", False)
    return PLAIN


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _aligned(header: Sequence[str], rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    n = len(header)
    return tuple(tuple((row + [""] * n)[:n]) for row in rows)


def _looks_like_import_ids(row: list[str]) -> bool:
    filled = [c for c in row if c.strip()]
    if not filled:
        return False
    hits = sum(1 for c in filled if _IMPORT_ID.match(c))
    return hits >= max(1, (len(filled) + 1) // 2)


def _looks_like_wjx(header: Sequence[str]) -> bool:
    has_time = any(h in _WJX_TIME_COLUMNS for h in header)
    return has_time and any(_wjx_question(h) is not None for h in header)


def _wjx_question(header: str) -> tuple[int, str] | None:
    """The question number and the text after it of a Wenjuanxin header, or None."""
    match = _WJX_QUESTION.match(str(header))
    if match is None or not match.group(2):
        return None
    return int(match.group(1)), match.group(2)


def _tokens_in(values: pd.Series) -> list[str]:
    if pd.api.types.is_numeric_dtype(values):
        return []
    return sorted({v.strip() for v in values.to_numpy() if isinstance(v, str) and v.strip() in WJX_TOKENS})


def apply_layout(raw: RawData, plan: LayoutPlan, header: Sequence[str], *, first_row: int = 0) -> RawData:
    """Apply a platform layout to what a reader read: labels, meta columns, conversions, notes.

    Parameters
    ----------
    raw : RawData
        The frame as read (the extra header rows already skipped) and its metadata.
    plan : LayoutPlan
        From :func:`plan_layout`.
    header : sequence of str
        The header row of the file (all columns, in file order), to align `plan.extra_rows`.
    first_row : int
        0-based data row of the frame's first row (for chunks), for messages.

    Returns
    -------
    RawData
        With the layout recorded in the metadata.

    Raises
    ------
    ReadError
        If a Wenjuanxin 所用时间 cell cannot be read as a duration.
    """
    if plan.name == "qualtrics":
        return _apply_qualtrics(raw, plan, header)
    if plan.name == "wjx":
        return _apply_wjx(raw, plan, first_row)
    if plan.name == "kobo":
        return _apply_kobo(raw, plan)
    return raw


def _finish(raw: RawData, plan: LayoutPlan, frame: pd.DataFrame, variables: dict[str, VariableMeta],
            platform: PlatformColumns, notes: list[str]) -> RawData:
    metadata: FileMetadata = replace(
        raw.metadata,
        variables=variables,
        layout=plan.name,
        layout_detected=plan.detected,
        platform=platform,
        notes=(*raw.metadata.notes, *notes),
    )
    return RawData(frame, metadata)


# -- Qualtrics ----------------------------------------------------------------------------
def _import_id(cell: str) -> str | None:
    try:
        value = json.loads(cell)
    except (ValueError, TypeError):
        return None
    if isinstance(value, dict) and isinstance(value.get("ImportId"), str):
        return value["ImportId"]
    return None


def _apply_qualtrics(raw: RawData, plan: LayoutPlan, header: Sequence[str]) -> RawData:
    texts_row, ids_row = plan.extra_rows
    position = {str(h): i for i, h in enumerate(header)}
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    text = {c: texts_row[position[c]].strip() for c in columns if c in position}
    import_id = {c: _import_id(ids_row[position[c]]) for c in columns if c in position}
    meta = [c for c in columns if import_id.get(c) in _QUALTRICS_META_IDS or c in _QUALTRICS_META_NAMES]
    duration = next(
        (c for c in columns if import_id.get(c) == "duration" or c == "Duration (in seconds)"), None
    )
    response_id = next(
        (c for c in columns if import_id.get(c) == "_recordId" or c in ("ResponseId", "ResponseID")), None
    )
    labels = _qualtrics_labels(columns, text, import_id)
    variables: dict[str, VariableMeta] = {}
    seen_unanswered: list[str] = []
    for c in columns:
        vm = raw.metadata.variables[c]
        is_question = bool(_QID.match(import_id.get(c) or ""))
        missing, value_labels = vm.missing_values, dict(vm.value_labels)
        if is_question and _has_code(frame[c], _QUALTRICS_SEEN_UNANSWERED):
            missing = (*missing, _QUALTRICS_SEEN_UNANSWERED)
            value_labels[_QUALTRICS_SEEN_UNANSWERED] = "Seen but unanswered (Qualtrics)"
            seen_unanswered.append(c)
        variables[c] = replace(
            vm, label=labels.get(c) or None, question=text.get(c) or None, missing_values=missing,
            value_labels=value_labels,
        )
    how = "recognised from the ImportId row" if plan.detected else "layout='qualtrics'"
    notes = [
        f"Read as a Qualtrics export ({how}): rows 2 and 3 of the file hold the question text and the "
        "ImportId of each column and are not respondents; the question text is the variable label."
    ]
    if meta:
        notes.append(f"Kept the Qualtrics meta columns {', '.join(meta)}.")
    if duration is not None:
        notes.append(f"Completion time in seconds: column '{duration}'.")
    if seen_unanswered:
        notes.append(
            f"Declared -99 (seen but unanswered) as a missing code of {len(seen_unanswered)} column(s): "
            f"{_shown(seen_unanswered)}."
        )
    platform = PlatformColumns(tuple(meta), duration, response_id, header_rows=3)
    return _finish(raw, plan, frame, variables, platform, notes)


def _qualtrics_labels(columns: list[str], text: dict[str, str], import_id: dict[str, str | None]) -> dict[str, str]:
    """Question text per column; for the rows of a matrix, the text after the shared stem."""
    labels = dict(text)
    groups: dict[str, list[str]] = {}
    for c in columns:
        match = _QID.match(import_id.get(c) or "")
        if match and import_id.get(c) != match.group(1):
            groups.setdefault(match.group(1), []).append(c)
    for members in groups.values():
        if len(members) < 2:
            continue
        stem = _common_stem([text.get(c, "") for c in members], separators=(" - ",))
        if stem:
            for c in members:
                labels[c] = text[c][len(stem) :].strip()
    return labels


def _common_stem(texts: list[str], *, separators: Sequence[str]) -> str:
    """The longest common prefix of `texts` that ends with a separator (with it), or ''."""
    prefix = os.path.commonprefix(texts)
    best = -1
    for sep in separators:
        index = prefix.rfind(sep)
        if index > 0:
            best = max(best, index + len(sep))
    if best <= 0 or any(len(t) <= best for t in texts):
        return ""
    return prefix[:best]


def _has_code(column: pd.Series, code: float) -> bool:
    if pd.api.types.is_numeric_dtype(column):
        return bool((column == code).any())
    return bool(column.astype(object).map(lambda v: str(v).strip() == str(int(code))).any())


# -- Wenjuanxin ---------------------------------------------------------------------------
def _apply_wjx(raw: RawData, plan: LayoutPlan, first_row: int) -> RawData:
    frame = raw.frame.copy()
    columns = [str(c) for c in frame.columns]
    meta = [c for c in columns if c in _WJX_META]
    questions = {c: q for c in columns if c not in meta and (q := _wjx_question(c)) is not None}
    labels = _wjx_labels(questions)
    notes = []
    how = "recognised from its header" if plan.detected else "layout='wjx'"
    notes.append(
        f"Read as a Wenjuanxin (问卷星) export ({how}): the item text in {len(questions)} question header(s) "
        "such as '1、…' is the variable label."
    )
    if meta:
        notes.append(f"Kept the Wenjuanxin meta columns {', '.join(meta)}.")
    variables = {c: raw.metadata.variables[c] for c in columns}
    duration = _WJX_DURATION if _WJX_DURATION in columns else None
    if duration is not None:
        converted, note = _seconds(frame[duration], raw.metadata.path, first_row)
        frame[duration] = converted
        variables[duration] = replace(variables[duration], type="numeric", label="所用时间（秒）")
        if note:
            notes.append(note)
    declared: dict[str, list[object]] = {}
    for c in questions:
        vm = variables[c]
        found: list[object] = [t for t in _tokens_in(frame[c]) if t not in vm.missing_values]
        value_labels = dict(vm.value_labels)
        for code in found:
            value_labels[code] = _WJX_TOKEN_LABELS[str(code).replace("（", "(").replace("）", ")")]
        if found:
            declared[c] = found
        variables[c] = replace(
            vm, label=labels[c] or None, question=c, missing_values=(*vm.missing_values, *found),
            value_labels=value_labels,
        )
    if declared:
        codes = sorted({str(x) for v in declared.values() for x in v})
        notes.append(
            f"Declared Wenjuanxin's cells for skipped or empty answers ({', '.join(codes)}) as missing codes "
            f"of {len(declared)} column(s): {_shown(list(declared))}."
        )
    platform = PlatformColumns(tuple(meta), duration, _WJX_ID if _WJX_ID in columns else None, header_rows=1)
    return _finish(raw, plan, frame, variables, platform, notes)


def _wjx_labels(questions: dict[str, tuple[int, str]]) -> dict[str, str]:
    """Item text of each question header: without number, brackets, or a stem shared with siblings."""
    labels: dict[str, str] = {}
    by_number: dict[int, list[str]] = {}
    for column, (number, rest) in questions.items():
        by_number.setdefault(number, []).append(column)
        sub = _WJX_SUBNUMBERED.match(rest)
        bracketed = _WJX_BRACKETED.match(rest)
        if sub is not None:
            labels[column] = sub.group(1).strip()
        elif bracketed is not None and _balanced(bracketed.group(1)):
            labels[column] = bracketed.group(1).strip()
        else:
            labels[column] = rest.strip()
    for members in by_number.values():
        if len(members) < 2:
            continue
        texts = [labels[c] for c in members]
        stem = _common_stem(texts, separators=tuple(_DASHES))
        if stem:
            for c in members:
                labels[c] = labels[c][len(stem) :].lstrip(_DASHES).strip()
    return labels


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _seconds(column: pd.Series, path: str, first_row: int) -> tuple[pd.Series, str | None]:
    """所用时间 as seconds: numbers stay; texts such as '3分55秒' are converted (or a ReadError)."""
    if pd.api.types.is_numeric_dtype(column):
        return column, None
    out = np.full(len(column), np.nan)
    example = None
    for i, value in enumerate(column.to_numpy()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        text = str(value).strip()
        seconds = _parse_seconds(text)
        if seconds is None:
            raise ReadError(
                f"Cannot read the Wenjuanxin completion time 所用时间 {text!r} in data row {first_row + i + 1} of "
                f"'{path}' as a duration such as '235秒' or '3分55秒'. Correct that cell, or pass layout='plain' "
                "to read the file without Wenjuanxin's conventions."
            )
        if example is None and not text.replace(".", "", 1).isdigit():
            example = text
        out[i] = seconds
    converted = pd.Series(out, index=column.index, name=column.name)
    note = None
    if example is not None:
        note = f"Converted 所用时间 from text such as '{example}' to seconds."
    return converted, note


def _parse_seconds(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.match(text)
    if match is None or not any(match.groupdict().values()):
        return None
    h, m, s = (float(match.group(k) or 0) for k in ("h", "m", "s"))
    return h * 3600 + m * 60 + s


# -- KoboToolbox --------------------------------------------------------------------------
def _kobo_name(header: str) -> str:
    """A Kobo header without its group prefixes: ``block_1/ide_1`` -> ``ide_1``."""
    cut = max(header.rfind(sep) for sep in _KOBO_SEPARATORS)
    return header[cut + 1 :] if cut >= 0 else header


def _apply_kobo(raw: RawData, plan: LayoutPlan) -> RawData:
    columns = [str(c) for c in raw.frame.columns]
    meta = [c for c in columns if c in _KOBO_META]
    short = {c: _kobo_name(c) for c in columns if c not in meta}
    taken = [short[c] for c in short] + meta
    rename = {c: s for c, s in short.items() if s != c and s and taken.count(s) == 1}
    kept = sorted(c for c, s in short.items() if s != c and c not in rename)
    variables = {}
    for c in columns:
        vm = raw.metadata.variables[c]
        name = rename.get(c, c)
        variables[name] = replace(vm, name=name, question=c if c in rename else vm.question)
    frame = raw.frame.rename(columns=rename)
    how = "recognised from its _uuid and _submission_time columns" if plan.detected else "layout='kobo'"
    notes = [f"Read as a KoboToolbox export ({how})."]
    if rename:
        notes.append(
            f"Removed the group prefixes of {len(rename)} column(s), e.g. '{next(iter(rename))}' is "
            f"'{next(iter(rename.values()))}'; the full header is kept as the question."
        )
    if kept:
        notes.append(f"Kept the group prefix of {_shown(kept)}: the name without it is used twice.")
    if meta:
        notes.append(f"Kept the KoboToolbox meta columns {', '.join(meta)}.")
    platform = PlatformColumns(tuple(meta), None, _KOBO_ID if _KOBO_ID in columns else None, header_rows=1)
    return _finish(raw, plan, frame, variables, platform, notes)


def _shown(names: list[str], limit: int = 8) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(f"'{n}'" for n in names[:limit]) + more


def layout_name(name: str) -> str:
    """Reader-friendly name of a layout (``'wjx'`` -> ``'Wenjuanxin (问卷星)'``)."""
    return _DISPLAY.get(name, name)
