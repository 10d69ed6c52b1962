"""The codebook of a data file: one entry per variable, with what the file and the instrument say.

:func:`codebook` reads a file (or takes a :class:`SurveyData`) and describes each column
in file order: name, label, storage type, measurement level, value labels, declared
missing values, the numbers of valid and missing values, and its distribution (mean, sd,
min, max for numbers; counts per code for labelled, categorical and instrument-scaled
variables).  With an instrument, each column also says which instrument variable it
matched and how, and for items the construct, the item text in Chinese and English and
the reverse keying; answers given as text are counted under the codes they map to.

Declared missing codes (the file's user-missing values and ranges, Wenjuanxin's
"(跳过)", and with an instrument its scale's missing codes) count as missing, never as
valid values; how often each was found is given per variable.

The result renders as Markdown, JSON, a self-contained HTML page (every text escaped) or
an Excel workbook; :meth:`Codebook.write` writes any of them atomically.
"""

from __future__ import annotations

import html
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from surveykit.data.survey import SurveyData, TextState, clean_frame, load, plan_columns, reading_notes
from surveykit.errors import SpecError, check_option
from surveykit.instrument import Instrument
from surveykit.io import (
    FileMetadata,
    VariableMeta,
    atomic_write_bytes,
    atomic_write_text,
    fix_workbook_dates,
    read_file,
    stable_xlsx,
    text_not_formulas,
)
from surveykit.results import ResultMixin, Summary, format_number, markdown_text, to_jsonable

__all__ = ["Codebook", "codebook", "CODEBOOK_FORMATS"]

CODEBOOK_FORMATS = ("md", "json", "xlsx", "html")
CodebookFormat = Literal["md", "json", "xlsx", "html"]
_MAX_COUNTS = 30  # a text column with more distinct values (or none repeated) is free text: no counts


@dataclass(frozen=True)
class Codebook(ResultMixin):
    """The codebook of one file.

    ``variables`` holds one record per column, in file order, with the keys ``name,
    label, type, value_labels, missing_values, n_valid, n_missing, measure,
    missing_ranges, missing_counts, question, n_distinct, mean, sd, min, max, counts``
    and, with an instrument, ``variable, match, role, construct, item_text_zh,
    item_text_en, reverse``.  ``question`` is a platform export's question text (see
    :mod:`surveykit.io.layouts`); ``counts`` maps each valid code or text to its number of
    rows (None for unlabelled numbers and free text).
    """

    file: str
    n_rows: int
    variables: tuple[dict[str, Any], ...]
    format: str | None = None
    encoding: str | None = None
    layout: str = "plain"
    file_label: str | None = None
    instrument: str | None = None
    not_in_file: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    # -- data ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"file", "n_rows", "variables": [...]}``: the JSON codebook."""
        return to_jsonable({"file": self.file, "n_rows": self.n_rows, "variables": list(self.variables)})

    def to_json(self) -> str:
        """The JSON codebook as text (UTF-8 characters kept, two-space indent, final newline)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"

    def to_frame(self) -> pd.DataFrame:
        """One row per variable (unrounded); value labels, missing values and counts as text."""
        rows = []
        for v in self.variables:
            row = dict(v)
            row["value_labels"] = _pairs(v["value_labels"])
            row["missing_values"] = ", ".join(map(str, v["missing_values"]))
            row["missing_ranges"] = ", ".join(f"{lo:g}-{hi:g}" for lo, hi in v["missing_ranges"])
            row["missing_counts"] = _pairs(v["missing_counts"])
            row["counts"] = _pairs(v["counts"]) if v["counts"] is not None else ""
            rows.append(row)
        return pd.DataFrame(rows, columns=list(self.variables[0]) if self.variables else ["name"])

    def _repr_line(self) -> str:
        return f"Codebook {Path(self.file).name}: {len(self.variables)} variables, {self.n_rows} rows"

    # -- renderings ----------------------------------------------------------------------------
    def _header_lines(self) -> list[tuple[str, str]]:
        lines = [("File", Path(self.file).name), ("Rows", str(self.n_rows)), ("Variables", str(len(self.variables)))]
        lines.append(("Format", self.format or ""))
        if self.encoding:
            lines.append(("Encoding", self.encoding))
        if self.layout != "plain":
            lines.append(("Layout", self.layout))
        if self.file_label:
            lines.append(("File label", self.file_label))
        if self.instrument:
            lines.append(("Instrument", self.instrument))
        return lines

    def _display(self) -> pd.DataFrame:
        """The table the renderers show: numbers rounded, one line per variable."""
        cols = ["name", "label", "type", "value_labels", "missing_values", "n_valid", "n_missing",
                "mean", "sd", "min", "max", "counts"]
        if self.instrument:
            cols += ["variable", "construct", "item_text_zh", "item_text_en", "reverse"]
        out = []
        for v in self.variables:
            missing = [*map(str, v["missing_values"]), *(f"{lo:g}-{hi:g}" for lo, hi in v["missing_ranges"])]
            found = _pairs(v["missing_counts"])
            row = {
                "name": v["name"], "label": v["label"] or "", "type": v["type"],
                "value_labels": _pairs(v["value_labels"]),
                "missing_values": ", ".join(missing) + (f" (found: {found})" if found else ""),
                "n_valid": str(v["n_valid"]), "n_missing": str(v["n_missing"]),
                "mean": _num(v["mean"]), "sd": _num(v["sd"]), "min": _num(v["min"]), "max": _num(v["max"]),
                "counts": _pairs(v["counts"]) if v["counts"] is not None else "",
            }
            if self.instrument:
                row.update({
                    "variable": v.get("variable") or "", "construct": v.get("construct") or "",
                    "item_text_zh": v.get("item_text_zh") or "", "item_text_en": v.get("item_text_en") or "",
                    "reverse": "" if v.get("reverse") is None else ("yes" if v["reverse"] else "no"),
                })
            out.append(row)
        return pd.DataFrame(out, columns=cols)

    def summary(self) -> Summary:
        notes = list(self.notes)
        if self.not_in_file:
            notes.append(f"Instrument variables not in the file: {', '.join(self.not_in_file)}.")
        return Summary(
            title=f"Codebook of {Path(self.file).name} ({self.n_rows} rows, {len(self.variables)} variables)",
            tables=(("Variables", self._display()),), notes=tuple(notes),
        )

    def to_markdown(self) -> str:
        """The codebook as a Markdown document (numbers rounded for display)."""
        lines = [f"# Codebook: {_md(Path(self.file).name)}", ""]
        lines += [f"- **{k}:** {_md(v)}" for k, v in self._header_lines()]
        table = self._display()
        lines += ["", "| " + " | ".join(_md(c) for c in table.columns) + " |",
                  "|" + "|".join("---" for _ in table.columns) + "|"]
        for row in table.itertuples(index=False):
            lines.append("| " + " | ".join(_md(str(x)) for x in row) + " |")
        if self.not_in_file:
            lines += ["", f"**Instrument variables not in the file:** {_md(', '.join(self.not_in_file))}"]
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {_md(n)}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The codebook as a self-contained HTML page (no external resources; all text escaped)."""
        esc = html.escape
        title = f"Codebook: {Path(self.file).name}"
        parts = [
            "<!DOCTYPE html>", '<html lang="zh">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", f"<h1>{esc(title)}</h1>",
            "<dl>",
        ]
        parts += [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in self._header_lines()]
        parts.append("</dl>")
        table = self._display()
        parts.append('<div class="scroll"><table><thead><tr>')
        parts += [f'<th scope="col">{esc(str(c))}</th>' for c in table.columns]
        parts.append("</tr></thead><tbody>")
        for row in table.itertuples(index=False):
            parts.append("<tr>" + "".join(f"<td>{esc(str(x))}</td>" for x in row) + "</tr>")
        parts.append("</tbody></table></div>")
        if self.not_in_file:
            shown = esc(", ".join(self.not_in_file))
            parts.append(f"<p><strong>Instrument variables not in the file:</strong> {shown}</p>")
        if self.notes:
            parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in self.notes) + "</ul>")
        parts += ["</body>", "</html>"]
        return "\n".join(parts) + "\n"

    def to_xlsx_bytes(self) -> bytes:
        """The codebook as an .xlsx workbook: sheets 'variables', 'value_labels' and 'file' (unrounded)."""
        labels = [
            {"name": v["name"], "kind": kind, "code": code, "label": text}
            for v in self.variables
            for kind, mapping in (("value label", v["value_labels"]),)
            for code, text in mapping.items()
        ]
        info = pd.DataFrame(self._header_lines() + [("Note", n) for n in self.notes], columns=["key", "value"])
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            self.to_frame().to_excel(writer, sheet_name="variables", index=False)
            pd.DataFrame(labels, columns=["name", "kind", "code", "label"]).to_excel(
                writer, sheet_name="value_labels", index=False
            )
            info.to_excel(writer, sheet_name="file", index=False)
            text_not_formulas(writer.book)  # a label starting with '=' stays text
            fix_workbook_dates(writer.book)
        return stable_xlsx(buffer.getvalue())

    def render(self, format: CodebookFormat) -> str | bytes:
        """The codebook in `format`: text for md, json and html; bytes for xlsx."""
        fmt = check_format(format)
        return {"md": self.to_markdown, "json": self.to_json, "html": self.to_html,
                "xlsx": self.to_xlsx_bytes}[fmt]()

    def write(self, path: str | os.PathLike[str], *, format: CodebookFormat | None = None) -> Path:
        """Write the codebook to `path` atomically, in `format` (default: from the extension).

        Returns
        -------
        Path
        """
        target = Path(os.fspath(path))
        fmt = check_format(format if format is not None else _format_of(target))
        content = self.render(fmt)
        if isinstance(content, bytes):
            atomic_write_bytes(target, content)
        else:
            atomic_write_text(target, content)
        return target


_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;"
    "margin:2em;color:#222}table{border-collapse:collapse;font-size:0.85em}"
    "th,td{border:1px solid #ccc;padding:0.3em 0.5em;vertical-align:top;text-align:left}"
    "th{background:#f3f3f3}.scroll{overflow-x:auto}dt{font-weight:600;float:left;clear:left;width:8em}"
    "dd{margin-left:9em}"
)


def check_format(format: str | None, name: str = "format") -> str:
    """Check a codebook format name (``name``: the argument or option that gave it); SpecError
    listing the choices otherwise."""
    fmt = str(format).lower().lstrip(".") if format is not None else "md"
    fmt = "md" if fmt == "markdown" else fmt
    check_option(name, fmt, CODEBOOK_FORMATS)
    return fmt


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    known = {"md": "md", "markdown": "md", "json": "json", "xlsx": "xlsx", "html": "html", "htm": "html"}
    if suffix not in known:
        raise SpecError(
            f"Cannot tell the codebook format from the file name '{path}'; give it the extension .md, .json, "
            ".xlsx or .html, or pass the format."
        )
    return known[suffix]


def _md(text: str) -> str:
    return markdown_text(text)


def _num(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    return format_number(x, 2)


def _pairs(mapping: dict | None) -> str:
    if not mapping:
        return ""
    return "; ".join(f"{k} = {v}" for k, v in mapping.items())


def _tidy(value: Any) -> Any:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _sort_key(value: Any) -> tuple:
    return (0, float(value), "") if isinstance(value, (int, float, np.number)) else (1, 0.0, str(value))


def _valid_mask(column: pd.Series, vm: VariableMeta | None, extra_missing: set) -> pd.Series:
    """Cells that hold an answer: not NaN, not empty text, not a declared missing code or range."""
    valid = column.notna()
    if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_datetime64_any_dtype(column):
        valid &= column.astype(object).map(lambda v: not (isinstance(v, str) and not v.strip()))
    declared = set(extra_missing)
    if vm is not None:
        declared |= set(vm.missing_values)
    if declared or (vm is not None and vm.missing_ranges):
        def is_missing(value: Any) -> bool:
            key = value.strip() if isinstance(value, str) else value
            if key in declared:
                return True
            return vm is not None and vm.is_declared_missing(key)

        valid &= ~column.map(is_missing).astype(bool)
    return valid


def _distribution(values: pd.Series, *, labelled: bool, categorical: bool) -> dict[str, Any]:
    """mean/sd/min/max of numbers; counts per code for labelled variables, and for categorical
    (nominal, ordinal or text) ones whose values repeat and take at most 30 distinct values."""
    out: dict[str, Any] = {"n_distinct": int(values.nunique()), "mean": None, "sd": None, "min": None,
                           "max": None, "counts": None}
    if pd.api.types.is_datetime64_any_dtype(values):
        if len(values):
            out["min"], out["max"] = str(values.min()), str(values.max())
        return out
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and len(values):
        x = values.astype(float)
        out.update(mean=float(x.mean()), sd=float(x.std(ddof=1)) if len(x) > 1 else None,
                   min=_tidy(float(x.min())), max=_tidy(float(x.max())))
    few = out["n_distinct"] < len(values) and out["n_distinct"] <= _MAX_COUNTS
    if labelled or ((categorical or not numeric) and few):
        counts = values.map(_tidy).value_counts()
        out["counts"] = {k: int(counts[k]) for k in sorted(counts.index, key=_sort_key)}
    return out


def _missing_counts(column: pd.Series, valid: pd.Series) -> dict:
    cells = column[~valid & column.notna()]
    cells = cells[cells.map(lambda v: not (isinstance(v, str) and not v.strip()))]
    counts = cells.map(lambda v: _tidy(v.strip() if isinstance(v, str) else v)).value_counts()
    return {k: int(counts[k]) for k in sorted(counts.index, key=_sort_key)}


def codebook(
    data: SurveyData | str | os.PathLike[str],
    *,
    instrument: Instrument | str | os.PathLike[str] | None = None,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    layout: str | None = None,
) -> Codebook:
    """Describe every variable of a data file (see the module docstring).

    Parameters
    ----------
    data : SurveyData, str or os.PathLike
        A data file (read with :func:`surveykit.io.read_file`), or a SurveyData made by
        :func:`~surveykit.data.read_survey` (its file is read again for the raw codes).
    instrument : Instrument, str or os.PathLike, optional
        Adds the instrument's view: matched variable, construct, item texts, reverse
        keying, the scale's missing codes, answer texts counted under their codes.
        Default: the SurveyData's instrument, if any.
    format, encoding, sheet, layout
        As for :func:`surveykit.io.read_file` (ignored for a SurveyData).

    Returns
    -------
    Codebook

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.data import codebook
    >>> cb = codebook(sk.datasets.demo_path("sav"), instrument=sk.datasets.demo_instrument_path())
    >>> cb.variables[1]["name"], cb.variables[1]["construct"], cb.variables[1]["missing_values"]
    ('ide_1', 'IDE', [8, 9])
    """
    if isinstance(data, SurveyData):
        if data.source is None:
            raise SpecError("codebook() needs a SurveyData read from a file (its 'source'), or a file path.")
        md = data.metadata
        path = data.source
        given = md is not None and md.format in ("csv", "tsv") and not md.encoding_detected
        raw = read_file(path, format=md.format if md else None, encoding=md.encoding if given else None,
                        sheet=md.sheet if md else None, layout=md.layout if md else None)
        ins = load(instrument) if instrument is not None else data.instrument
    else:
        path = str(data)
        raw = read_file(data, format=format, encoding=encoding, sheet=sheet, layout=layout)
        ins = load(instrument) if instrument is not None else None
    return _build(path, raw.frame, raw.metadata, ins)


def _build(path: str, frame: pd.DataFrame, md: FileMetadata, ins: Instrument | None) -> Codebook:
    columns = [str(c) for c in frame.columns]
    info: dict[str, dict[str, Any]] = {c: {} for c in columns}
    cleaned: dict[str, pd.Series] = {}
    extra_missing: dict[str, set] = {}
    counts: dict[str, dict] = {}
    notes = list(md.notes)
    not_in_file: tuple[str, ...] = ()
    if ins is not None:
        plan = plan_columns(columns, ins, md, path)
        state = TextState(allow_mixed=md.layout != "plain")
        clean, counts = clean_frame(frame, md, ins, plan, state, source=path)
        notes += list(reading_notes(plan, ins, state.mappings(), md, state.positions))
        not_in_file = tuple(m.variable for m in plan.matches if m.column is None)
        scaled = {it.id for it in ins.items} | set(ins.attention_ids)
        categorical = {r.id for r in ins.respondent if r.type == "categorical"}
        for m in plan.matches:
            if m.column is None:
                continue
            entry = info[m.column]
            entry.update(variable=m.variable, match=m.how)
            if m.variable in set(ins.item_ids):
                it = ins.item(m.variable)
                entry.update(role="item", construct=ins.construct_of(it.id).code, item_text_zh=it.text.zh,
                             item_text_en=it.text.en, reverse=it.reverse)
                extra_missing[m.column] = set(ins.scale_of(it.id).missing)
            elif m.variable in ins.attention_ids:
                a = ins.attention_check(m.variable)
                entry.update(role="attention_check", item_text_zh=a.text.zh, item_text_en=a.text.en)
                extra_missing[m.column] = set(ins.scale_of_check(a.id).missing)
            else:
                r = ins.respondent_variable(m.variable)
                entry.update(role="respondent", item_text_zh=r.label.zh, item_text_en=r.label.en)
            if m.variable in scaled or m.variable in categorical:
                cleaned[m.column] = clean[m.variable]
    variables = []
    for c in columns:
        vm = md.variables.get(c)
        column = frame[c]
        missing_values = list(vm.missing_values) if vm else []
        missing_values += sorted(x for x in extra_missing.get(c, ()) if x not in missing_values)
        valid = _valid_mask(column, vm, extra_missing.get(c, set()))
        if c in cleaned:
            values = cleaned[c][cleaned[c].notna()]
            variable = info[c].get("variable")
            found = counts.get(variable, {}) if variable else {}
            n_valid, labelled, categorical = len(values), True, True
        else:
            values = column[valid]
            found = _missing_counts(column, valid)
            n_valid = int(valid.sum())
            labelled = bool(vm and vm.value_labels)
            categorical = bool(vm and vm.measure in ("nominal", "ordinal"))
        record: dict[str, Any] = {
            "name": c,
            "label": vm.label if vm else None,
            "type": vm.type if vm else "numeric",
            "value_labels": {_tidy(k): v for k, v in (vm.value_labels if vm else {}).items()},
            "missing_values": [_tidy(x) for x in missing_values],
            "n_valid": int(n_valid),
            "n_missing": int(len(column) - n_valid),
            "measure": vm.measure if vm else None,
            "missing_ranges": [list(r) for r in (vm.missing_ranges if vm else ())],
            "missing_counts": dict(found),
            "question": vm.question if vm else None,
        }
        record.update(_distribution(values, labelled=labelled, categorical=categorical))
        if ins is not None:
            record.update({k: info[c].get(k) for k in ("variable", "match", "role", "construct", "item_text_zh",
                                                        "item_text_en", "reverse")})
        variables.append(record)
    return Codebook(
        file=path, n_rows=len(frame), variables=tuple(variables), format=md.format, encoding=md.encoding,
        layout=md.layout, file_label=md.file_label, instrument=ins.id if ins is not None else None,
        not_in_file=not_in_file, notes=tuple(notes),
    )
