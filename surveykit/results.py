"""The result base class and ``Summary``: compute, then format.

Every result object is immutable and gets its text and notebook display from
:class:`ResultMixin`: ``__str__`` is the text summary, ``_repr_html_`` the HTML one and
``__repr__`` one line.  :class:`Summary` is the only place where numbers are rounded.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Summary", "ResultMixin", "to_jsonable", "format_number", "format_pvalue", "markdown_text",
           "SIGNIFICANT_DIGITS"]

_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_text(s) -> str:
    """Text for a Markdown table cell, heading or paragraph, shown literally: backslashes and pipes
    escaped, no line breaks, and no HTML tag can open ('<' before a letter, '/', '!' or '?' becomes
    '&lt;'), since Markdown passes raw HTML through to the page."""
    if s is None:
        return ""
    s = str(s).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return _TAG_START.sub("&lt;", s)


def format_number(x: Any, digits: int = 3) -> str:
    """Format one number for display (never used on returned data)."""
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x != 0 and abs(x) < 10 ** (-digits):
            return f"{x:.{digits}g}" if abs(x) >= 1e-300 else "0"
        return f"{x:.{digits}f}"
    return str(x)


# a p-value's column ("p", "pvalue", "CR p", "pvalue_diff") or row ("P-value (Chi-square)")
P_NAME = re.compile(r"(?i)(?:^|[\s_(])(?:p|pvalue|p_value|p-value)(?:$|[\s_)]|(?<=value)\b)")


def format_pvalue(p: Any) -> str:
    """A p-value for a summary: three decimals, as lavaan's ``summary()`` prints ``P(>|z|)`` (0.000
    below .0005), so that a summary can be read against R line by line; the report instead follows
    APA (``< .001``, see :mod:`surveykit.report.document`)."""
    if p is None or isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        return format_number(p)
    return "" if math.isnan(p) else f"{float(p):.3f}"


@dataclass(frozen=True)
class Summary:
    """A titled list of tables and notes that renders as text, HTML or Markdown."""

    title: str
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    notes: tuple[str, ...] = field(default=())
    digits: int = 3

    def _fmt(self, df: pd.DataFrame) -> pd.DataFrame:
        """Every number with ``digits`` decimals; p-values (a column or a row named as one, see
        :data:`P_NAME`) with three, never in scientific notation."""
        out = df.copy().astype(object)
        p_rows = [isinstance(v, str) and bool(P_NAME.search(v)) for v in df.iloc[:, 0]] if len(df.columns) else []
        for j, c in enumerate(out.columns):
            p_col = bool(P_NAME.search(str(c)))
            out[c] = [format_pvalue(v) if (p_col or (j > 0 and p_rows[i])) else format_number(v, self.digits)
                      for i, v in enumerate(df.iloc[:, j])]
        return out

    def as_text(self) -> str:
        lines = [self.title, "=" * max(len(self.title), 8)]
        for name, df in self.tables:
            lines += ["", name, "-" * max(len(name), 4), self._fmt(df).to_string(index=False)]
        if self.notes:
            lines.append("")
            lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def as_markdown(self) -> str:
        md = markdown_text
        parts = [f"### {md(self.title)}"]
        for name, df in self.tables:
            f = self._fmt(df)
            head = "| " + " | ".join(md(c) for c in f.columns) + " |"
            sep = "|" + "|".join("---" for _ in f.columns) + "|"
            body = ["| " + " | ".join(md(v) for v in row) + " |" for row in f.itertuples(index=False)]
            parts += ["", f"**{md(name)}**", "", head, sep, *body]
        for n in self.notes:
            parts += ["", f"*Note.* {md(n)}"]
        return "\n".join(parts) + "\n"

    def as_html(self) -> str:
        esc = html.escape
        parts = [f"<div class='sk-summary'><h4>{esc(self.title)}</h4>"]
        for name, df in self.tables:
            f = self._fmt(df)
            parts.append(f"<table><caption>{esc(name)}</caption><thead><tr>")
            parts += [f"<th scope='col'>{esc(str(c))}</th>" for c in f.columns]
            parts.append("</tr></thead><tbody>")
            for row in f.itertuples(index=False):
                parts.append("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>")
            parts.append("</tbody></table>")
        parts += [f"<p class='note'>{esc(n)}</p>" for n in self.notes]
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()


class ResultMixin:
    """Display for every result: subclasses implement ``summary()`` and ``_repr_line()``."""

    def summary(self) -> Summary:  # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_line(self) -> str:
        return type(self).__name__

    def __str__(self) -> str:
        return self.summary().as_text()

    def __repr__(self) -> str:
        return f"<{self._repr_line()}>"

    def _repr_html_(self) -> str:
        return self.summary().as_html()


SIGNIFICANT_DIGITS = 10
"""The precision of every float in a results record (``results.json``): 10 significant digits.

Far beyond what any estimate means (sampling error starts in the 2nd or 3rd digit) and beyond
how closely iterative estimates are converged (1e-9 relative or better), yet short of the last
digits that rounding noise writes differently on another CPU's BLAS kernel (1e-16 to 1e-11
relative, measured on the demo analysis): most runs on another machine then give the same bytes,
and ``surveykit verify`` judges the rest by the tolerances of :mod:`surveykit.report.compare`."""


def to_jsonable(obj: Any, *, digits: int | None = None) -> Any:
    """Convert numbers, arrays and frames to JSON-safe Python objects (NaN/inf become None).

    ``digits``: round every float to that many significant digits (the results record uses
    :data:`SIGNIFICANT_DIGITS`); None keeps every digit.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, digits=digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, digits=digits) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r, digits=digits) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return to_jsonable(obj.to_dict(), digits=digits)
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), digits=digits)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if not math.isfinite(x):
            return None
        return x if digits is None else float(f"{x:.{digits}g}")
    if obj is None or isinstance(obj, str):
        return obj
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict(), digits=digits)
    return str(obj)


def dumps(obj: Any, *, digits: int | None = None) -> str:
    """Canonical JSON: sorted keys are NOT used (order is meaningful); stable float repr
    (``digits``: significant digits, as :func:`to_jsonable`)."""
    return json.dumps(to_jsonable(obj, digits=digits), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


class WarningLog(list):
    """Warnings recorded during an analysis, as (category name, message) pairs."""


class capture_warnings:
    """Record the surveykit warnings raised inside the block, then re-issue them.

    ``with capture_warnings() as log: ...`` leaves ``log`` holding ``(category, message)``
    tuples in the order raised, so that a result can store them and the report show them.
    """

    def __enter__(self) -> WarningLog:
        import warnings

        self._cm = warnings.catch_warnings(record=True)
        self._records = self._cm.__enter__()
        warnings.simplefilter("always")
        self.log = WarningLog()
        return self.log

    def __exit__(self, *exc: object) -> None:
        import warnings

        from surveykit.errors import SurveykitWarning

        records = list(self._records)
        self._cm.__exit__(*exc)
        for w in records:
            if issubclass(w.category, SurveykitWarning):
                self.log.append((w.category.__name__, str(w.message)))
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
