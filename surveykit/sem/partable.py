"""The parameter table: one row per model parameter, free or fixed (lavaan's central structure).

Model syntax compiles to this table with lavaan's defaults for ``cfa()``/``sem()``
(``auto.fix.first``, ``auto.var``, ``auto.cov.lv.x``, ``auto.cov.y``, ``fixed.x``); the
instrument's measurement model and structural paths are rows of it, and it prints before
anything is estimated.  Columns: ``id, lhs, op, rhs, user, free, ustart, start, label, exo,
line``.  ``free`` is the 1-based index of the free parameter (shared labels share an index,
which is how equality constraints are expressed), 0 for fixed rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from surveykit.errors import ModelSpecificationError
from surveykit.sem.syntax import SyntaxRow, parse_syntax

__all__ = ["ParTable", "build_partable"]


@dataclass(frozen=True)
class ParTable:
    """A compiled parameter table with the variable classification it was built from."""

    table: pd.DataFrame
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ov_x: tuple[str, ...]
    defined: tuple[SyntaxRow, ...] = field(default=())

    @property
    def n_free(self) -> int:
        return int(self.table["free"].max()) if len(self.table) else 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __str__(self) -> str:
        cols = ["lhs", "op", "rhs", "label", "free", "ustart"]
        return self.table[cols].to_string(index=False)


def _classify(rows: list[SyntaxRow]) -> tuple[list[str], list[str], list[str], list[str], list[str]]:
    """Return (ov_names, lv_names, ov_x, lv_x, y_pure) following lavaan's vnames()."""
    lv_names: list[str] = []
    for r in rows:
        if r.op == "=~" and r.lhs not in lv_names:
            lv_names.append(r.lhs)
    indicators = {r.rhs for r in rows if r.op == "=~"}
    eqs_y = [r.lhs for r in rows if r.op == "~"]
    eqs_x = [r.rhs for r in rows if r.op == "~"]
    ov_names: list[str] = []

    def add(name: str) -> None:
        if name and name not in lv_names and name not in ov_names:
            ov_names.append(name)

    for r in rows:
        if r.op == "=~":
            add(r.rhs)
    for r in rows:
        if r.op in ("~", "~~"):
            add(r.lhs)
            add(r.rhs)
        elif r.op in ("~1", "|"):
            add(r.lhs)
    ov_x = [v for v in ov_names if v in eqs_x and v not in eqs_y and v not in indicators]
    # a variable with a user-specified (co)variance is not treated as fixed.x (lavaan warns)
    user_cov = {r.lhs for r in rows if r.op == "~~"} | {r.rhs for r in rows if r.op == "~~"}
    ov_x = [v for v in ov_x if v not in user_cov]
    lv_x = [v for v in lv_names if v not in indicators and v not in eqs_y]
    y_pure = [v for v in lv_names + ov_names if v in eqs_y and v not in indicators and v not in eqs_x]
    # lavaan orders lv.y then ov.y
    y_pure = [v for v in lv_names if v in y_pure] + [v for v in ov_names if v in y_pure]
    return ov_names, lv_names, ov_x, lv_x, y_pure


def build_partable(
    model: str | list[SyntaxRow],
    *,
    std_lv: bool = False,
    fixed_x: bool = True,
    auto_cov_y: bool = True,
    orthogonal: bool = False,
    sample_cov: pd.DataFrame | None = None,
) -> ParTable:
    """Compile lavaan syntax into a full parameter table with lavaan's ``sem()`` defaults.

    ``sample_cov`` (observed covariance, with variable names) supplies the fixed values of
    exogenous observed covariates under ``fixed_x`` (their variances and covariances are fixed
    to the sample values, as lavaan does).
    """
    rows = parse_syntax(model) if isinstance(model, str) else list(model)
    defined = tuple(r for r in rows if r.op == ":=")
    rows = [r for r in rows if r.op != ":="]
    if any(r.op in ("~1", "|") for r in rows):
        raise ModelSpecificationError(
            "Intercepts (~ 1) and thresholds (|) are not supported by this estimator yet; "
            "remove those lines (the mean structure is saturated)."
        )
    ov_names, lv_names, ov_x, lv_x, y_pure = _classify(rows)
    if not fixed_x:
        ov_x = []
    for r in rows:
        if r.op == "=~" and r.rhs in lv_names and r.rhs == r.lhs:
            raise ModelSpecificationError(f"Model syntax line {r.line}: {r.lhs} cannot measure itself.")

    records: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}

    def key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
        if op == "~~" and (rhs, op, lhs) in seen:
            return (rhs, op, lhs)
        return (lhs, op, rhs)

    def add(lhs, op, rhs, *, user, fixed=None, label="", start=None, line=0, exo=0, free_forced=False):
        k = key(lhs, op, rhs)
        if k in seen:
            if user:
                # lavaan: duplicated elements are ignored; we refuse silently-different duplicates
                raise ModelSpecificationError(
                    f"Model syntax line {line}: '{lhs} {op} {rhs}' is specified twice; keep one."
                )
            return
        seen[k] = len(records)
        records.append(
            dict(lhs=k[0], op=op, rhs=k[2], user=user, fixed=fixed, label=label, start=start,
                 line=line, exo=exo, free_forced=free_forced)
        )

    for r in rows:
        add(r.lhs, r.op, r.rhs, user=1, fixed=r.fixed, label=r.label, start=r.start, line=r.line,
            free_forced=r.free_forced)

    # marker-variable (auto.fix.first) or std.lv identification
    for lv in lv_names:
        loading_idx = [i for i, rec in enumerate(records) if rec["op"] == "=~" and rec["lhs"] == lv]
        if not std_lv:
            first = records[loading_idx[0]]
            if first["fixed"] is None and not first["free_forced"]:
                first["fixed"] = 1.0
    # defaults: residual variances of non-x observed, variances of latents
    for v in ov_names:
        if v not in ov_x:
            add(v, "~~", v, user=0)
    for v in lv_names:
        add(v, "~~", v, user=0, fixed=1.0 if std_lv else None)
    if not orthogonal:
        for a, b in combinations(lv_x, 2):
            add(a, "~~", b, user=0)
    else:
        for a, b in combinations(lv_x, 2):
            add(a, "~~", b, user=0, fixed=0.0)
    if auto_cov_y:
        for a, b in combinations(y_pure, 2):
            add(a, "~~", b, user=0)
    for i, a in enumerate(ov_x):
        for b in ov_x[i:]:
            val = None
            if sample_cov is not None:
                val = float(sample_cov.loc[a, b])
            add(a, "~~", b, user=0, fixed=val if val is not None else np.nan, exo=1)

    # std.lv: a variance that the user fixed stays fixed; loadings all free unless fixed
    # number the free parameters; shared labels share one index
    free_of_label: dict[str, int] = {}
    n_free = 0
    for rec in records:
        if rec["fixed"] is not None:
            rec["free"] = 0
            continue
        lab = rec["label"]
        if lab and lab in free_of_label:
            rec["free"] = free_of_label[lab]
            continue
        n_free += 1
        rec["free"] = n_free
        if lab:
            free_of_label[lab] = n_free

    labels_all = [rec["label"] for rec in records if rec["label"]]
    for d in defined:
        if d.lhs in labels_all:
            raise ModelSpecificationError(
                f"Model syntax line {d.line}: defined parameter {d.lhs!r} has the name of a label."
            )
    table = pd.DataFrame(
        {
            "id": np.arange(1, len(records) + 1),
            "lhs": [r["lhs"] for r in records],
            "op": [r["op"] for r in records],
            "rhs": [r["rhs"] for r in records],
            "user": [r["user"] for r in records],
            "free": [r["free"] for r in records],
            "ustart": [np.nan if r["fixed"] is None else r["fixed"] for r in records],
            "start": [np.nan if r["start"] is None else r["start"] for r in records],
            "label": [r["label"] for r in records],
            "exo": [r["exo"] for r in records],
            "line": [r["line"] for r in records],
        }
    )
    # lavaan lists =~ first, then ~, then ~~ (user then default), in that order
    order = {"=~": 0, "~": 1, "~~": 2}
    table["_o"] = table["op"].map(order)
    table = table.sort_values(["_o", "user"], ascending=[True, False], kind="stable").drop(columns="_o")
    table = table.reset_index(drop=True)
    return ParTable(
        table=table,
        ov_names=tuple(ov_names),
        lv_names=tuple(lv_names),
        ov_x=tuple(ov_x),
        defined=defined,
    )
