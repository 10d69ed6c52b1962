"""A parser for lavaan model syntax.

Supported: ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covariance), ``:=`` (defined
parameter), ``~ 1`` (intercept) and ``|`` (threshold) rows; ``+``-separated right-hand
sides with modifiers ``label*x``, ``0.5*x`` (fixed), ``NA*x`` (free), ``start(0.5)*x``,
``label("a")*x`` and chains such as ``a*start(1)*x``; comments (``#`` and ``!``); ``;`` and
line breaks as separators; a line that ends in an operator or ``+`` continues on the next.
Variable names may be any Unicode identifiers (Chinese names included) and may contain ``.``.

A syntax error names the line and what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from surveykit.errors import ModelSpecificationError

__all__ = ["SyntaxRow", "parse_syntax"]

# longest operators first
_OPS = ("=~", "~~", ":=", "~", "|", "==", "<", ">")
_NAME = r"[^\W\d][\w.]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class SyntaxRow:
    """One parsed model statement: ``lhs op rhs`` with its modifiers.

    ``fixed`` is the fixed value (``None`` when free), ``label`` the user label (``""`` none),
    ``start`` a user starting value, ``free_forced`` is True for ``NA*x``.
    """

    lhs: str
    op: str
    rhs: str
    line: int
    label: str = ""
    fixed: float | None = None
    start: float | None = None
    free_forced: bool = False


def _strip_comment(line: str) -> str:
    out = []
    quote = None
    for ch in line:
        if quote:
            out.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            out.append(ch)
        elif ch in "#!":
            break
        else:
            out.append(ch)
    return "".join(out)


def _statements(text: str) -> list[tuple[int, str]]:
    """Split into statements, joining continuation lines; returns (first line number, text)."""
    stmts: list[tuple[int, str]] = []
    pending = ""
    pending_line = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        for part in _strip_comment(raw).split(";"):
            part = part.strip()
            if not part:
                continue
            if pending:
                pending = pending + " " + part
            else:
                pending, pending_line = part, lineno
            if pending.rstrip().endswith(("+", "~", "=~", "~~", ":=", "*", "|")):
                continue
            stmts.append((pending_line, pending))
            pending = ""
    if pending:
        raise ModelSpecificationError(
            f"Model syntax line {pending_line}: the statement {pending!r} ends with an operator; "
            "complete the right-hand side."
        )
    return stmts


def _find_op(stmt: str, line: int) -> tuple[str, str, str]:
    # find the first operator outside parentheses and quotes
    depth = 0
    quote = None
    i = 0
    while i < len(stmt):
        ch = stmt[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            for op in _OPS:
                if stmt.startswith(op, i):
                    return stmt[:i].strip(), op, stmt[i + len(op) :].strip()
        i += 1
    raise ModelSpecificationError(
        f"Model syntax line {line}: {stmt!r} has no operator; "
        "use =~ (measured by), ~ (regression), ~~ (covariance) or := (defined parameter)."
    )


def _split_plus(rhs: str) -> list[str]:
    terms, depth, cur = [], 0, []
    for ch in rhs:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "+" and depth == 0:
            terms.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    terms.append("".join(cur).strip())
    return terms


def _parse_modifier(mod: str, line: int) -> dict:
    mod = mod.strip()
    m = re.fullmatch(r"(start|label|equal)\((.*)\)", mod)
    if m:
        kind, arg = m.group(1), m.group(2).strip().strip("\"'")
        if kind == "start":
            try:
                return {"start": float(arg)}
            except ValueError:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: start({arg}) needs a number."
                ) from None
        return {"label": arg}
    if mod in ("NA", "na"):
        return {"free_forced": True}
    if _NUM_RE.match(mod):
        return {"fixed": float(mod)}
    if _NAME_RE.match(mod):
        return {"label": mod}
    raise ModelSpecificationError(
        f"Model syntax line {line}: modifier {mod!r} is not a number, NA, a label, start(...) or label(...)."
    )


def parse_syntax(text: str) -> list[SyntaxRow]:
    """Parse lavaan model syntax into a list of :class:`SyntaxRow` (the user's rows only).

    Examples
    --------
    >>> rows = parse_syntax("f =~ x1 + a*x2 + x3\\ny ~ f")
    >>> [(r.lhs, r.op, r.rhs, r.label) for r in rows][:2]
    [('f', '=~', 'x1', ''), ('f', '=~', 'x2', 'a')]
    """
    if not isinstance(text, str) or not text.strip():
        raise ModelSpecificationError("The model syntax is empty; give at least one '=~' or '~' line.")
    rows: list[SyntaxRow] = []
    for line, stmt in _statements(text):
        lhs, op, rhs = _find_op(stmt, line)
        if op in ("==", "<", ">"):
            raise ModelSpecificationError(
                f"Model syntax line {line}: constraints with {op!r} are not supported yet; "
                "use shared labels (a*x1 + a*x2) for equality constraints."
            )
        if op == ":=":
            if not _NAME_RE.match(lhs):
                raise ModelSpecificationError(
                    f"Model syntax line {line}: the name {lhs!r} of a defined parameter must be an identifier."
                )
            rows.append(SyntaxRow(lhs=lhs, op=op, rhs=rhs.replace(" ", ""), line=line, label=lhs))
            continue
        lhs_names = [s.strip() for s in lhs.split("+")]
        for name in lhs_names:
            if not _NAME_RE.match(name):
                raise ModelSpecificationError(
                    f"Model syntax line {line}: {name!r} is not a valid variable name."
                )
        for term in _split_plus(rhs):
            if not term:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: empty term in {rhs!r}; remove the extra '+'."
                )
            parts = [p.strip() for p in term.split("*")]
            var = parts[-1]
            mods: dict = {}
            for mod in parts[:-1]:
                for key, val in _parse_modifier(mod, line).items():
                    mods[key] = val
            this_op = op
            if op == "~" and var == "1":
                this_op, var = "~1", ""
            elif op == "|":
                if not re.fullmatch(r"t\d+", var):
                    raise ModelSpecificationError(
                        f"Model syntax line {line}: thresholds are written 'x | t1 + t2', not {var!r}."
                    )
            elif not _NAME_RE.match(var):
                raise ModelSpecificationError(
                    f"Model syntax line {line}: {var!r} is not a valid variable name."
                )
            fixed = mods.get("fixed")
            if fixed is not None and not math.isfinite(fixed):
                raise ModelSpecificationError(f"Model syntax line {line}: fixed value must be finite.")
            for name in lhs_names:
                rows.append(
                    SyntaxRow(
                        lhs=name,
                        op=this_op,
                        rhs=var,
                        line=line,
                        label=mods.get("label", ""),
                        fixed=fixed,
                        start=mods.get("start"),
                        free_forced=mods.get("free_forced", False),
                    )
                )
    return rows
