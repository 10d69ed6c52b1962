"""Validation of survey data against its instrument: what blocks analysis, what to know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from surveykit.data.survey import SurveyData
from surveykit.errors import DataError
from surveykit.io.layouts import layout_name
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["Problem", "ValidationReport", "validate"]


@dataclass(frozen=True)
class Problem:
    """One finding: ``severity`` is "error" (blocks analysis), "warning" or "info"."""

    severity: Literal["error", "warning", "info"]
    kind: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()  # 1-based data rows (first few)


@dataclass(frozen=True, repr=False, eq=False)
class ValidationReport(ResultMixin):
    """What :func:`validate` found, and how the file's columns matched the instrument.

    ``matches`` has one row per instrument variable (item, attention check, respondent
    variable): its kind, the column it was found in (None: missing) and how it was matched
    (see :class:`~surveykit.data.survey.ColumnMatch`); ``extra_columns`` are the columns
    the instrument does not know.
    """

    source: str | None
    n_rows: int
    problems: tuple[Problem, ...]
    matches: tuple[dict, ...] = ()
    extra_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing blocks the analysis."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    def raise_if_blocking(self) -> None:
        if not self.ok:
            first = self.errors[0]
            n_more = len(self.errors) - 1
            more = f" ({n_more} more blocking problem(s); run 'surveykit validate')" if n_more else ""
            raise DataError(f"{self.source}: {first.message}{more}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"severity": p.severity, "kind": p.kind, "column": p.column, "message": p.message}
                             for p in self.problems], columns=["severity", "kind", "column", "message"])

    def match_frame(self) -> pd.DataFrame:
        """One row per instrument variable: kind, variable, column (None when missing), how matched."""
        return pd.DataFrame(list(self.matches), columns=["kind", "variable", "column", "how"])

    def to_dict(self) -> dict:
        items = [m for m in self.matches if m["kind"] == "item"]
        match = {
            "items_present": [m["variable"] for m in items if m["column"] is not None],
            "items_missing": [m["variable"] for m in items if m["column"] is None],
            "extra_columns": list(self.extra_columns),
            "columns": list(self.matches),
        }
        return to_jsonable({"source": self.source, "n_rows": self.n_rows, "ok": self.ok, "match": match,
                            "problems": [p.__dict__ for p in self.problems]})

    def _repr_line(self) -> str:
        return f"ValidationReport ok={self.ok} problems={len(self.problems)}"

    def summary(self) -> Summary:
        return Summary(title=f"Validation of {self.source} ({self.n_rows} rows): "
                             f"{'can be analysed' if self.ok else 'BLOCKING PROBLEMS'}",
                       tables=(("Findings", self.to_frame()), ("Columns matched to the instrument",
                                                                   self.match_frame().fillna("(missing)"))))


def _rows(mask: pd.Series, limit: int = 10) -> tuple[int, ...]:
    return tuple(int(i) + 1 for i in np.flatnonzero(mask.to_numpy())[:limit])


def validate(data: SurveyData) -> ValidationReport:
    """Check a SurveyData against its instrument.

    Blocking (``error``): instrument items missing from the file, item columns entirely
    empty, out-of-range codes (values neither on the scale nor declared missing), duplicate
    respondent ids.  Warnings: respondent variables and attention checks missing, attention
    checks out of range, constant items, wholly empty rows, undeclared categorical codes.
    Informational: the survey-platform layout recognised, answer texts mapped to codes,
    declared missing codes found, unknown columns.
    """
    ins = data.instrument
    if ins is None:
        raise DataError("validate() needs a SurveyData read with an instrument.")
    probs: list[Problem] = []
    frame = data.frame
    md = data.metadata
    if md is not None and md.layout != "plain":
        platform = md.platform
        extra = f"; completion time in column '{platform.duration}'" if platform and platform.duration else ""
        meta = f"; {len(platform.meta)} platform meta column(s) kept" if platform and platform.meta else ""
        probs.append(Problem("info", "layout",
                             f"Read as a {layout_name(md.layout)} export "
                             f"({'recognised' if md.layout_detected else 'layout given'}){meta}{extra}."))
    source_column = {m.variable: m.column for m in data.matches}
    attention = set(ins.attention_ids)
    probs.append(_match_problem(data, ins))
    for m in data.matches:
        if m.column is None:
            is_item = m.variable in ins.item_ids
            what = "Item" if is_item else ("Attention check" if m.variable in attention else "Respondent variable")
            probs.append(Problem(
                "error" if is_item else "warning", "missing_column",
                f"{what} '{m.variable}' of instrument '{ins.id}' is not "
                "a column of the data (matched by id, alias or label); add the column or declare an alias.",
                column=m.variable))
    scaled = [(it.id, ins.scale_of(it.id), "Item", "error") for it in ins.items]
    scaled += [(a.id, ins.scale_of_check(a.id), "Attention check", "warning") for a in ins.attention_checks]
    for vid, sc, what, severity in scaled:
        if vid not in frame.columns:
            continue
        col = frame[vid]
        in_file = source_column.get(vid)
        named = f"{what} '{vid}'" + (f" (column '{in_file}' of the file)" if in_file not in (None, vid) else "")
        if col.isna().all():
            probs.append(Problem(severity, "empty_item",
                                 f"{named} has no valid answer in any row; "
                                 "check the column or the missing codes.",
                                 column=vid))
            continue
        bad = col.notna() & ~col.isin(sc.points)
        if bad.any():
            vc = col[bad].value_counts().sort_index()
            desc = ", ".join(f"{v:g} ({c} row{'s' if c != 1 else ''})" for v, c in vc.items())
            rows = _rows(bad)
            probs.append(Problem(
                severity, "out_of_range",
                f"{named} has values outside its scale {sc.min}-{sc.max}: {desc}; first at data row(s) "
                f"{', '.join(map(str, rows[:5]))}. Declare them as missing codes in the scale or recode the data.",
                column=vid, rows=rows))
        if what == "Item" and col.nunique(dropna=True) == 1:
            probs.append(Problem("warning", "constant_item",
                                 f"{named} has the same answer in every row ({col.dropna().iloc[0]:g}).",
                                 column=vid))
    if data.text_mappings:
        columns = sorted({m.variable for m in data.text_mappings})
        n_cells = sum(m.n for m in data.text_mappings)
        probs.append(Problem("info", "text_answers",
                             f"Mapped {n_cells} answer text(s) in {len(columns)} column(s) to codes through the "
                             "instrument's labels (see SurveyData.text_mappings)."))
    for item, codes in data.missing_code_counts.items():
        desc = ", ".join(f"{k} ({v} rows)" for k, v in codes.items())
        probs.append(Problem("info", "missing_codes",
                             f"Item '{item}': declared missing codes found and set to missing: {desc}.", column=item))
    items_present = [i for i in ins.item_ids if i in frame.columns]
    if items_present:
        empty = frame[items_present].isna().all(axis=1)
        if empty.any():
            probs.append(Problem("warning", "empty_rows",
                                 f"{int(empty.sum())} row(s) have no answer to any item "
                                 f"(rows {', '.join(map(str, _rows(empty)))}).",
                                 rows=_rows(empty)))
    id_vars = [r.id for r in ins.respondent if r.type == "id" and r.id in frame.columns]
    for v in id_vars:
        dup = frame[v].duplicated(keep=False) & frame[v].notna()
        if dup.any():
            probs.append(Problem("error", "duplicate_id",
                                 f"Respondent id column '{v}' has duplicated values "
                                 f"({', '.join(map(str, frame.loc[dup, v].unique()[:5]))}) in rows "
                                 f"{', '.join(map(str, _rows(dup)))}; remove the duplicate respondents.",
                                 column=v, rows=_rows(dup)))
    for r in ins.respondent:
        if r.type == "categorical" and r.id in frame.columns:
            col = pd.to_numeric(frame[r.id], errors="coerce")
            bad = col.notna() & ~col.isin(list(r.codes))
            if bad.any():
                probs.append(Problem("warning", "unknown_code",
                                     f"Respondent variable '{r.id}' has codes not declared in the instrument: "
                                     f"{', '.join(f'{v:g}' for v in sorted(col[bad].unique()))}.", column=r.id))
    if data.unknown_columns:
        probs.append(Problem("info", "unknown_columns",
                             f"{len(data.unknown_columns)} column(s) are not in the instrument and were kept "
                             f"as they are: {', '.join(data.unknown_columns[:10])}"
                             f"{' ...' if len(data.unknown_columns) > 10 else ''}."))
    kinds = {**{i: "item" for i in ins.item_ids}, **{a: "attention_check" for a in attention}}
    matches = tuple({"kind": kinds.get(m.variable, "respondent"), "variable": m.variable, "column": m.column,
                     "how": m.how} for m in data.matches)
    return ValidationReport(source=data.source, n_rows=len(frame), problems=tuple(probs), matches=matches,
                            extra_columns=tuple(data.unknown_columns))


def _match_problem(data: SurveyData, ins) -> Problem:
    """One sentence on the match: items present and missing, the other variables, the extra columns."""
    items = set(ins.item_ids)
    found = [m for m in data.matches if m.variable in items and m.column is not None]
    how: dict[str, int] = {}
    for m in found:
        how[m.how] = how.get(m.how, 0) + 1
    others = [m for m in data.matches if m.variable not in items]
    missing = [m.variable for m in data.matches if m.column is None]
    text = (f"Matched {len(found)} of {len(items)} items ({', '.join(f'{n} by {k}' for k, n in how.items()) or 'none'})"
            f" and {sum(m.column is not None for m in others)} of {len(others)} other instrument variables")
    text += f"; not in the file: {', '.join(missing)}" if missing else "; none is missing"
    extra = data.unknown_columns
    text += (f"; {len(extra)} extra column(s) not in the instrument: {', '.join(extra[:10])}"
             f"{' ...' if len(extra) > 10 else ''}." if extra else "; no extra column.")
    return Problem("info", "match", text)
