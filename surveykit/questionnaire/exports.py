"""Responses written as a survey platform exports them: for a dry run of the fieldwork pipeline.

:func:`platform_export` takes a frame of responses named by instrument ids (for instance
``sk.simulate(...).frame``) and the :class:`~surveykit.questionnaire.form.Form` the platform
was given, and writes what that platform's download of the questionnaire looks like:

* ``wjx``: 问卷星's numeric download ("按选项序号"): meta columns 序号, 提交答卷时间, 所用时间
  (``"235秒"``), 来源, 来源详情, 来自IP, then one column per question headed ``N、text``,
  holding the option's position (1, 2, ... in the questionnaire's order); CSV in GBK by
  default (what 问卷星 downloads), or .xlsx.
* ``qualtrics``: Qualtrics' "Download data table" CSV with numeric values: three header rows
  (export tags, question texts, ImportId JSON), the meta columns (StartDate ... UserLanguage),
  then the questions named by their ``[[ID:...]]`` export tags, holding the recode values
  (the codes); UTF-8 with BOM.
* ``kobo``: KoboToolbox's export with "XML values and headers": start and end, the questions
  with their group prefixes (``block_1/ide_1``), the meta columns (``_id``, ``_uuid``,
  ``_submission_time``, ...), holding the choice names (the codes); CSV separated by ``;``
  (Kobo's default) in UTF-8, or .xlsx.

The timestamps are made up (a fixed start, one respondent every seven minutes) and
the respondent id, when the instrument has one, is the frame's; nothing else is invented.
A missing answer is an empty cell.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from surveykit.errors import SpecError
from surveykit.questionnaire.form import Form, Question

__all__ = ["platform_export", "PLATFORMS", "wjx_header"]

PLATFORMS = ("wjx", "qualtrics", "kobo")
_START = datetime(2024, 3, 1, 9, 0, 0)
_STEP = timedelta(minutes=7)


def wjx_header(q: Question, lang: str) -> str:
    """The header 问卷星 gives a question in its download: ``N、text``."""
    return f"{q.number}、{' '.join(q.text.get(lang).split())}"


def _role(form: Form, kind: str) -> str | None:
    return next((r.id for r in form.instrument.respondent if r.type == kind), None)


def _column(frame: pd.DataFrame, q: Question, positions: bool) -> pd.Series:
    if q.id not in frame.columns:
        raise SpecError(f"The responses have no column '{q.id}' for question {q.number}; name the columns by the "
                        "instrument's ids (as sk.simulate does).")
    values = pd.to_numeric(frame[q.id], errors="coerce")
    if not positions or q.kind == "number":
        return values.astype("Int64") if q.kind != "number" else values
    position = {float(o.code): i + 1 for i, o in enumerate(q.options)}
    bad = values.notna() & ~values.isin(list(position))
    if bad.any():
        raise SpecError(f"Column '{q.id}' holds {values[bad].iloc[0]:g}, which is no option of question {q.number}; "
                        "only codes of the question's scale can be exported.")
    return values.map(position).astype("Int64")


def _times(n: int, seconds: pd.Series | None) -> tuple[list[datetime], list[datetime], np.ndarray]:
    starts = [_START + i * _STEP for i in range(n)]
    secs = np.full(n, 300.0) if seconds is None else pd.to_numeric(seconds, errors="coerce").fillna(300).to_numpy()
    ends = [s + timedelta(seconds=float(d)) for s, d in zip(starts, secs)]
    return starts, ends, secs


def _wjx(frame: pd.DataFrame, form: Form, lang: str) -> pd.DataFrame:
    n = len(frame)
    id_col, dur_col = _role(form, "id"), _role(form, "duration")
    ids = frame[id_col] if id_col in frame.columns else pd.Series(range(1, n + 1))
    starts, ends, secs = _times(n, frame[dur_col] if dur_col in frame.columns else None)
    out = {
        "序号": ids.to_numpy(),
        "提交答卷时间": [e.strftime("%Y/%m/%d %H:%M:%S").replace("/0", "/") for e in ends],
        "所用时间": [f"{int(s)}秒" for s in secs],
        "来源": ["手机提交"] * n, "来源详情": ["直接访问"] * n, "来自IP": [""] * n,
    }
    for q in form.questions:
        out[wjx_header(q, lang)] = _column(frame, q, positions=True).to_numpy()
    return pd.DataFrame(out)


def _qualtrics(frame: pd.DataFrame, form: Form, lang: str) -> pd.DataFrame:
    n = len(frame)
    id_col, dur_col = _role(form, "id"), _role(form, "duration")
    ids = frame[id_col] if id_col in frame.columns else pd.Series(range(1, n + 1))
    starts, ends, secs = _times(n, frame[dur_col] if dur_col in frame.columns else None)
    stamp = "%Y-%m-%d %H:%M:%S"
    meta = [  # (export tag, question text, ImportId, values)
        ("StartDate", "Start Date", "startDate", [s.strftime(stamp) for s in starts]),
        ("EndDate", "End Date", "endDate", [e.strftime(stamp) for e in ends]),
        ("Status", "Response Type", "status", [0] * n),
        ("IPAddress", "IP Address", "ipAddress", [""] * n),
        ("Progress", "Progress", "progress", [100] * n),
        ("Duration (in seconds)", "Duration (in seconds)", "duration", [int(s) for s in secs]),
        ("Finished", "Finished", "finished", [1] * n),
        ("RecordedDate", "Recorded Date", "recordedDate", [e.strftime(stamp) for e in ends]),
        ("ResponseId", "Response ID", "_recordId", [f"R_{v}" for v in ids]),
        ("DistributionChannel", "Distribution Channel", "distributionChannel", ["anonymous"] * n),
        ("UserLanguage", "User Language", "userLanguage", ["ZH-S" if lang == "zh" else "EN"] * n),
    ]
    columns, texts, import_ids, data = [], [], [], {}
    for tag, text, import_id, values in meta:
        extra = ',"timeZone":"Asia/Shanghai"' if tag in ("StartDate", "EndDate", "RecordedDate") else ""
        columns.append(tag)
        texts.append(text)
        import_ids.append(f'{{"ImportId":"{import_id}"{extra}}}')
        data[tag] = [str(v) for v in values]
    for k, q in enumerate(form.questions, start=1):
        columns.append(q.id)
        texts.append(" ".join(q.text.get(lang).split()))
        import_id = f"QID{k}" if q.kind != "number" else f"QID{k}_TEXT"
        import_ids.append(json.dumps({"ImportId": import_id}, separators=(",", ":")))
        values = _column(frame, q, positions=False)
        data[q.id] = ["" if pd.isna(v) else f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    rows = pd.DataFrame(data, columns=columns)
    head = pd.DataFrame([texts, import_ids], columns=columns)
    return pd.concat([head, rows], ignore_index=True)


def _kobo(frame: pd.DataFrame, form: Form) -> pd.DataFrame:
    n = len(frame)
    id_col, dur_col = _role(form, "id"), _role(form, "duration")
    ids = frame[id_col] if id_col in frame.columns else pd.Series(range(1, n + 1))
    starts, ends, _ = _times(n, frame[dur_col] if dur_col in frame.columns else None)
    stamp = "%Y-%m-%dT%H:%M:%S.000+08:00"
    out: dict[str, object] = {"start": [s.strftime(stamp) for s in starts], "end": [e.strftime(stamp) for e in ends]}
    for g in form.grids:
        for q in g.questions:
            out[f"block_{g.number}/{q.id}"] = _column(frame, q, positions=False).to_numpy()
    for q in form.background:
        out[q.id] = _column(frame, q, positions=False).to_numpy()
    out["_id"] = ids.to_numpy()
    out["_uuid"] = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"surveykit:{form.instrument.id}:{v}")) for v in ids]
    out["_submission_time"] = [e.strftime("%Y-%m-%dT%H:%M:%S") for e in ends]
    out["_validation_status"] = [""] * n
    out["_status"] = ["submitted_via_web"] * n
    out["__version__"] = [form.instrument.version] * n
    out["_index"] = list(range(1, n + 1))
    return pd.DataFrame(out)


def platform_export(
    frame: pd.DataFrame,
    form: Form,
    platform: Literal["wjx", "qualtrics", "kobo"],
    *,
    format: Literal["csv", "xlsx"] = "csv",
    encoding: str | None = None,
) -> bytes:
    """`frame`'s responses as `platform`'s download of `form` (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent, columns named by instrument ids, answers as codes.
    form : Form
        The questionnaire the platform was given (its numbering and option order).
    platform : {'wjx', 'qualtrics', 'kobo'}
    format : {'csv', 'xlsx'}
        Qualtrics: csv only here.
    encoding : str, optional
        Of a CSV: default 'gbk' for 问卷星, 'utf-8-sig' for Qualtrics, 'utf-8' for Kobo.

    Returns
    -------
    bytes
    """
    if platform not in PLATFORMS:
        raise SpecError(f"platform {platform!r} is not one of {', '.join(PLATFORMS)}.")
    if format not in ("csv", "xlsx"):
        raise SpecError(f"format {format!r} is not one of csv, xlsx.")
    lang = "zh" if form.lang == "both" else form.lang
    if platform == "wjx":
        table, default, sep = _wjx(frame, form, lang), "gbk", ","
    elif platform == "qualtrics":
        table, default, sep = _qualtrics(frame, form, lang), "utf-8-sig", ","
    else:
        table, default, sep = _kobo(frame, form), "utf-8", ";"
    if format == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            table.to_excel(writer, index=False, sheet_name="Sheet1")
        return buf.getvalue()
    text = table.to_csv(index=False, sep=sep, lineterminator="\r\n")
    return text.encode(encoding or default)
