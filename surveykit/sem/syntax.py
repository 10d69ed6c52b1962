"""A parser for lavaan model syntax.

Supported: ``=~`` (measured by), ``~`` (regressed on), ``~~`` (covariance), ``:=`` (defined
parameter), ``~ 1`` (intercept), ``|`` (threshold) and ``==`` (equality constraint) rows;
``+``-separated right-hand sides with modifiers ``label*x``, ``0.5*x`` (fixed), ``NA*x``
(free), ``start(0.5)*x``, ``label("a")*x``, ``equal("f=~x1")*x`` and chains such as
``a*start(1)*x`` (also lavaan's shorthand ``0.5?x`` for a start value); per-group vectors as
lavaan writes them for multiple groups: ``c(a1, a2)*x`` (a label per group), ``c(1, NA)*x``
(fixed in group 1, free in group 2), ``start(c(1, 0.5))*x``; comments (``#`` and ``!``);
``;`` and line breaks as separators; a line that ends in an operator or ``+`` continues on
the next.  Variable names may be any
Unicode identifiers (Chinese names included) and may contain ``.``.

lavaan modifiers that surveykit does not estimate (``lower()``, ``upper()``, ``prior()``,
``efa()``, ``rv()``) and inequality constraints (``<``, ``>``) are refused with a sentence,
never ignored.  A syntax error names the line and what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from surveykit.errors import ModelSpecificationError

__all__ = ["SyntaxRow", "parse_syntax"]

# longest operators first
_OPS = ("=~", "~~", ":=", "<~", "~*~", "~", "|", "==", "<", ">", ":")
_NAME = r"[^\W\d][\w.]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class SyntaxRow:
    """One parsed model statement: ``lhs op rhs`` with its modifiers.

    ``fixed`` is the fixed value (``None`` when free), ``label`` the user label (``""`` none),
    ``start`` a user starting value, ``free_forced`` is True for ``NA*x``.  ``group_labels``,
    ``group_fixed`` (``None`` entries: ``NA``, free) and ``group_start`` hold the per-group
    vectors of ``c(...)`` modifiers (one entry per group); :meth:`in_group` resolves them.
    """

    lhs: str
    op: str
    rhs: str
    line: int
    label: str = ""
    fixed: float | None = None
    start: float | None = None
    free_forced: bool = False
    group_labels: tuple[str, ...] | None = None
    group_fixed: tuple[float | None, ...] | None = None
    group_start: tuple[float, ...] | None = None

    @property
    def vector_length(self) -> int | None:
        """The length of the row's ``c(...)`` vectors (None without one)."""
        for vec in (self.group_labels, self.group_fixed, self.group_start):
            if vec is not None:
                return len(vec)
        return None

    def in_group(self, g: int, ngroups: int) -> tuple[str, float | None, float | None, bool]:
        """(label, fixed, start, free_forced) of this row in group ``g`` (1-based) of ``ngroups``.

        A ``c(...)`` vector must have one entry per group (lavaan's rule); a scalar modifier
        applies to every group."""
        n = self.vector_length
        if n is not None and n != ngroups:
            raise ModelSpecificationError(
                f"Model syntax line {self.line}: the modifier of '{self.lhs} {self.op} {self.rhs}' has {n} "
                f"values for {ngroups} group(s); give one value per group, e.g. c(a1, a2) for two groups."
            )
        label = self.group_labels[g - 1] if self.group_labels is not None else self.label
        fixed, free_forced = self.fixed, self.free_forced
        if self.group_fixed is not None:
            fixed = self.group_fixed[g - 1]
            free_forced = fixed is None
        start = self.group_start[g - 1] if self.group_start is not None else self.start
        return label, fixed, start, free_forced


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


_REFUSED_MODIFIERS = {
    "lower": "bounds on parameters (lower()) are not supported; remove the modifier",
    "upper": "bounds on parameters (upper()) are not supported; remove the modifier",
    "prior": "priors (prior()) belong to Bayesian estimation, which surveykit does not do; remove the modifier",
    "efa": "EFA blocks in a CFA/SEM (efa()) are not supported; use sk.efa() for an exploratory analysis",
    "rv": "random-slope/variance modifiers (rv()) are not supported; remove the modifier",
}


def _vector_items(arg: str, line: int) -> list[str]:
    inner = arg.strip()
    if not (inner.startswith("c(") and inner.endswith(")")):
        return [inner.strip("\"'")]
    items = [x.strip().strip("\"'") for x in inner[2:-1].split(",")]
    if not items or any(not x for x in items):
        raise ModelSpecificationError(f"Model syntax line {line}: {arg!r} has an empty element.")
    return items


def _number(text: str, line: int, what: str) -> float:
    if not _NUM_RE.match(text):
        raise ModelSpecificationError(f"Model syntax line {line}: {what} needs a number, not {text!r}.")
    value = float(text)
    if not math.isfinite(value):
        raise ModelSpecificationError(f"Model syntax line {line}: {what} must be finite.")
    return value


def _parse_modifier(mod: str, line: int) -> dict:
    mod = mod.strip()
    m = re.fullmatch(r"([A-Za-z_.]+)\((.*)\)", mod)
    if m and m.group(1) in _REFUSED_MODIFIERS:
        raise ModelSpecificationError(f"Model syntax line {line}: {_REFUSED_MODIFIERS[m.group(1)]} ({mod!r}).")
    if m and m.group(1) in ("start", "label", "equal"):
        kind, items = m.group(1), _vector_items(m.group(2), line)
        if kind == "start":
            values = tuple(_number(x, line, "start()") for x in items)
            return {"start": values[0]} if len(values) == 1 and not m.group(2).strip().startswith("c(") else {
                "group_start": values}
        for x in items:
            if kind == "label" and not _NAME_RE.match(x):
                raise ModelSpecificationError(f"Model syntax line {line}: {x!r} in {mod!r} is not a valid label.")
        if kind == "equal":
            items = ["".join(x.split()) for x in items]
        if len(items) == 1 and not m.group(2).strip().startswith("c("):
            return {"label": items[0]}
        return {"group_labels": tuple(items)}
    if m and m.group(1) == "c":
        items = _vector_items(mod, line)
        if all(x in ("NA", "na") or _NUM_RE.match(x) for x in items):
            return {"group_fixed": tuple(None if x in ("NA", "na") else _number(x, line, "a fixed value")
                                         for x in items)}
        if all(_NAME_RE.match(x) and x not in ("NA", "na") for x in items):
            return {"group_labels": tuple(items)}
        raise ModelSpecificationError(
            f"Model syntax line {line}: {mod!r} mixes labels with numbers or NA; give either one label per group "
            "(c(a1, a2)) or one value per group (c(1, NA)), and chain them if you need both (c(a1, a2)*c(1, NA)*x)."
        )
    if m:
        raise ModelSpecificationError(
            f"Model syntax line {line}: modifier {mod!r} is not one lavaan defines here; use a number, NA, a label, "
            "c(...), start(...), label(...) or equal(...)."
        )
    if mod in ("NA", "na"):
        return {"free_forced": True}
    if _NUM_RE.match(mod):
        return {"fixed": _number(mod, line, "a fixed value")}
    if _NAME_RE.match(mod):
        return {"label": mod}
    raise ModelSpecificationError(
        f"Model syntax line {line}: modifier {mod!r} is not a number, NA, a label, c(...), start(...) or label(...)."
    )


def _merge_modifiers(first: dict, second: dict, term: str, line: int) -> dict:
    """The modifiers of a term given twice in one formula, merged; the same kind twice with
    different values is refused."""
    kinds = ({"fixed", "free_forced", "group_fixed"}, {"label", "group_labels"}, {"start", "group_start"})
    out = dict(first)
    for key, val in second.items():
        same_kind = next((k for k in kinds if key in k), {key})
        if any(k in out and (k != key or out[k] != val) for k in same_kind):
            what = {"group_fixed": "value", "free_forced": "value", "fixed": "value", "group_labels": "label",
                    "group_start": "start"}.get(key, key)
            raise ModelSpecificationError(
                f"Model syntax line {line}: {term!r} repeats a term with a second {what}; give each value, label or "
                "start once.")
        out[key] = val
    return out


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
        if op == "<~":
            raise ModelSpecificationError(
                f"Model syntax line {line}: composites (formative indicators, '<~') are not supported; "
                "model the construct with reflective indicators (=~)."
            )
        if op == ":":
            raise ModelSpecificationError(
                f"Model syntax line {line}: blocks ('group:' or 'level:') are not supported; give the groups with "
                "group= and group-specific values with c(...)."
            )
        if op in ("<", ">"):
            raise ModelSpecificationError(
                f"Model syntax line {line}: inequality constraints ({stmt!r}) are not supported; "
                "remove the line (a boundary estimate is reported as a Heywood case instead)."
            )
        if op == "==":
            rows.append(SyntaxRow(lhs=lhs.replace(" ", ""), op=op, rhs=rhs.replace(" ", ""), line=line))
            continue
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
        terms: dict[tuple[str, str], tuple[dict, str]] = {}
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
            if "?" in var:  # lavaan's start-value shorthand: 0.5?x is start(0.5)*x
                value, var = (x.strip() for x in var.split("?", 1))
                mods["start"] = _number(value, line, f"the start value in {term!r}")
            this_op = op
            if op == "~" and var == "1":
                this_op, var = "~1", ""
            elif op == "|":
                if not re.fullmatch(r"t\d+", var):
                    raise ModelSpecificationError(
                        f"Model syntax line {line}: thresholds are written 'x | t1 + t2', not {var!r}."
                    )
            elif op == "~*~" and var not in [n.strip() for n in lhs.split("+")]:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: a scaling factor is written 'y ~*~ y' (the same ordinal indicator on "
                    f"both sides), not {lhs.strip()!r} ~*~ {var!r}."
                )
            elif ":" in var:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: interaction terms ({var!r}) are not supported yet; add the product "
                    "of the (centered) variables to the data as a column and use that column."
                )
            elif not _NAME_RE.match(var):
                raise ModelSpecificationError(
                    f"Model syntax line {line}: {var!r} is not a valid variable name."
                )
            if (this_op, var) in terms:
                # lavaan merges the modifiers of a term repeated in one formula (f =~ NA*x1 + a*x1)
                mods = _merge_modifiers(terms[(this_op, var)][0], mods, term, line)
            terms[(this_op, var)] = (mods, term)
        for (this_op, var), (mods, term) in terms.items():
            lengths = {len(mods[k]) for k in ("group_labels", "group_fixed", "group_start") if k in mods}
            if len(lengths) > 1:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: the c(...) modifiers of {term!r} have different lengths; "
                    "give one value per group in each."
                )
            for name in lhs_names:
                rows.append(
                    SyntaxRow(
                        lhs=name,
                        op=this_op,
                        rhs=var,
                        line=line,
                        label=mods.get("label", ""),
                        fixed=mods.get("fixed"),
                        start=mods.get("start"),
                        free_forced=mods.get("free_forced", False),
                        group_labels=mods.get("group_labels"),
                        group_fixed=mods.get("group_fixed"),
                        group_start=mods.get("group_start"),
                    )
                )
    return rows
