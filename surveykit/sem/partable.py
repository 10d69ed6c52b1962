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
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd

from surveykit.errors import ModelSpecificationError
from surveykit.sem.syntax import SyntaxRow, parse_syntax

__all__ = ["ParTable", "build_partable", "observed_names"]


@dataclass(frozen=True)
class ParTable:
    """A compiled parameter table with the variable classification it was built from."""

    table: pd.DataFrame
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ov_x: tuple[str, ...]
    defined: tuple[SyntaxRow, ...] = field(default=())
    ngroups: int = 1
    group_labels: tuple[str, ...] = ("1",)
    meanstructure: bool = False
    group_equal: tuple[str, ...] = ()
    group_partial: tuple[str, ...] = ()

    @cached_property
    def n_free(self) -> int:
        return int(self.table["free"].max()) if len(self.table) else 0

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __str__(self) -> str:
        cols = ["lhs", "op", "rhs", "group", "label", "free", "ustart"] if self.ngroups > 1 else [
            "lhs", "op", "rhs", "label", "free", "ustart"]
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


class _GroupRows:
    """The rows of one group, with lavaan's rule that a default never duplicates a user row."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.rows: list[dict] = []
        self.seen: dict[tuple[str, str, str], int] = {}

    def add(self, lhs, op, rhs, *, user, fixed=None, label="", start=None, line=0, exo=0, free_forced=False):
        k = (rhs, op, lhs) if op == "~~" and (rhs, op, lhs) in self.seen else (lhs, op, rhs)
        if k in self.seen:
            if user:
                raise ModelSpecificationError(
                    f"Model syntax line {line}: '{lhs} {op} {rhs}' is specified twice; keep one."
                )
            return
        self.seen[k] = len(self.rows)
        self.rows.append(
            dict(lhs=k[0], op=op, rhs=k[2], user=user, fixed=fixed, label=label, start=start,
                 line=line, exo=exo, free_forced=free_forced, group=self.group)
        )


GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual.covariances", "lv.variances",
               "lv.covariances", "regressions")


def _equal_kind(op: str, lhs: str, rhs: str, lv: set[str]) -> str | None:
    """Which ``group_equal`` keyword constrains a row (lavaan's categories)."""
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in lv else "intercepts"
    if op == "~~":
        if lhs in lv:
            return "lv.variances" if lhs == rhs else "lv.covariances"
        return "residuals" if lhs == rhs else "residual.covariances"
    return None


def observed_names(model: str) -> tuple[str, ...]:
    """The observed variables of lavaan syntax, in the order :func:`build_partable` gives them
    (``ov_names``), without building the table (syntax errors are raised as there)."""
    rows = [r for r in parse_syntax(model) if r.op != ":="]
    return tuple(_classify(rows)[0])


def build_partable(
    model: str | list[SyntaxRow],
    *,
    std_lv: bool = False,
    fixed_x: bool = True,
    auto_cov_y: bool = True,
    orthogonal: bool = False,
    sample_cov: pd.DataFrame | list[pd.DataFrame] | None = None,
    sample_mean: pd.Series | list[pd.Series] | None = None,
    meanstructure: bool = False,
    ngroups: int = 1,
    group_labels: tuple[str, ...] | None = None,
    group_equal: tuple[str, ...] | list[str] = (),
    group_partial: tuple[str, ...] | list[str] = (),
) -> ParTable:
    """Compile lavaan syntax into a full parameter table with lavaan's ``sem()`` defaults.

    ``sample_cov`` (observed covariance with variable names; one per group) supplies the fixed
    values of exogenous observed covariates under ``fixed_x`` (their variances and covariances
    are fixed to the sample values, as lavaan does); ``sample_mean`` likewise their means when
    there is a mean structure.

    With several groups every row is repeated per group (column ``group``); a user label
    shared by rows constrains them equal, in and across groups; ``group_equal`` constrains
    whole kinds of parameters equal across groups ("loadings", "intercepts", "means",
    "residuals", "residual.covariances", "lv.variances", "lv.covariances", "regressions").
    With constrained intercepts, latent means are freed in every group but the first, as
    lavaan does.  ``group_partial`` names parameters ("f =~ x2", "x3 ~1") exempted from
    ``group_equal`` (lavaan's ``group.partial``).
    """
    rows = parse_syntax(model) if isinstance(model, str) else list(model)
    defined = tuple(r for r in rows if r.op == ":=")
    rows = [r for r in rows if r.op != ":="]
    if any(r.op == "|" for r in rows):
        raise ModelSpecificationError(
            "Thresholds (|) need ordered data (estimator='WLSMV'), which this estimator does not support; "
            "remove those lines."
        )
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise ModelSpecificationError(
            f"group_equal has {', '.join(map(repr, unknown))}; choose from {', '.join(GROUP_EQUAL)}."
        )
    if any(r.op == "~1" for r in rows):
        meanstructure = True
    if ngroups > 1 and "intercepts" in group_equal:
        meanstructure = True
    ov_names, lv_names, ov_x, lv_x, y_pure = _classify(rows)
    if not fixed_x:
        ov_x = []
    lv = set(lv_names)
    for r in rows:
        if r.op == "=~" and r.rhs in lv_names and r.rhs == r.lhs:
            raise ModelSpecificationError(f"Model syntax line {r.line}: {r.lhs} cannot measure itself.")
    covs = sample_cov if isinstance(sample_cov, list) else [sample_cov] * ngroups
    means = sample_mean if isinstance(sample_mean, list) else [sample_mean] * ngroups

    records: list[dict] = []
    for g in range(1, ngroups + 1):
        grp = _GroupRows(g)
        add = grp.add
        for r in rows:
            add(r.lhs, r.op, r.rhs, user=1, fixed=r.fixed, label=r.label, start=r.start, line=r.line,
                free_forced=r.free_forced)
        # marker-variable (auto.fix.first) or std.lv identification
        for lvn in lv_names:
            loading = [rec for rec in grp.rows if rec["op"] == "=~" and rec["lhs"] == lvn]
            if not std_lv:
                first = loading[0]
                if first["fixed"] is None and not first["free_forced"]:
                    first["fixed"] = 1.0
        for v in ov_names:
            if v not in ov_x:
                add(v, "~~", v, user=0)
        for v in lv_names:
            add(v, "~~", v, user=0, fixed=1.0 if std_lv else None)
        for a, b in combinations(lv_x, 2):
            add(a, "~~", b, user=0, fixed=0.0 if orthogonal else None)
        if auto_cov_y:
            for a, b in combinations(y_pure, 2):
                add(a, "~~", b, user=0)
        cov_g = covs[g - 1] if g - 1 < len(covs) else None
        mean_g = means[g - 1] if g - 1 < len(means) else None
        for i, a in enumerate(ov_x):
            for b in ov_x[i:]:
                val = float(cov_g.loc[a, b]) if cov_g is not None else np.nan
                add(a, "~~", b, user=0, fixed=val, exo=1)
        if meanstructure:
            for v in ov_names:
                if v in ov_x:
                    add(v, "~1", "", user=0, fixed=float(mean_g[v]) if mean_g is not None else np.nan, exo=1)
                else:
                    add(v, "~1", "", user=0)
            free_means = ngroups > 1 and g > 1 and "intercepts" in group_equal and "means" not in group_equal
            for v in lv_names:
                add(v, "~1", "", user=0, fixed=None if free_means else 0.0)
        records.extend(grp.rows)

    partial = {" ".join(s.replace("~1", " ~1 ").split()) for s in group_partial}
    partial = {p.replace("= ~", "=~").replace("~ ~", "~~") for p in partial}
    # number the free parameters: shared labels share one index; group_equal shares across groups
    free_of_label: dict[str, int] = {}
    free_of_eq: dict[tuple[str, str, str], int] = {}
    n_free = 0
    for rec in records:
        if rec["fixed"] is not None:
            rec["free"] = 0
            continue
        lab = rec["label"]
        if lab and lab in free_of_label:
            rec["free"] = free_of_label[lab]
            continue
        eq_key = (rec["lhs"], rec["op"], rec["rhs"])
        kind = _equal_kind(rec["op"], rec["lhs"], rec["rhs"], lv)
        exempt = f"{rec['lhs']} {rec['op']} {rec['rhs']}".strip() in partial
        if ngroups > 1 and kind in group_equal and not exempt and rec["group"] > 1 and eq_key in free_of_eq:
            rec["free"] = free_of_eq[eq_key]
            continue
        n_free += 1
        rec["free"] = n_free
        if lab:
            free_of_label[lab] = n_free
        if rec["group"] == 1:
            free_of_eq[eq_key] = n_free

    labels_all = [rec["label"] for rec in records if rec["label"]]
    for d in defined:
        if d.lhs in labels_all:
            raise ModelSpecificationError(
                f"Model syntax line {d.line}: defined parameter {d.lhs!r} has the name of a label."
            )
    # lavaan lists, per group, =~ first, then ~, then ~~ (user then default), then ~1
    order = {"=~": 0, "~": 1, "~~": 2, "~1": 3}
    records.sort(key=lambda r: (r["group"], order[r["op"]], -r["user"]))  # stable
    table = pd.DataFrame(
        {
            "id": np.arange(1, len(records) + 1),
            "lhs": [r["lhs"] for r in records],
            "op": [r["op"] for r in records],
            "rhs": [r["rhs"] for r in records],
            "group": np.array([r["group"] for r in records], dtype=np.int64),
            "user": np.array([r["user"] for r in records], dtype=np.int64),
            "free": np.array([r["free"] for r in records], dtype=np.int64),
            "ustart": np.array([np.nan if r["fixed"] is None else r["fixed"] for r in records], dtype=float),
            "start": np.array([np.nan if r["start"] is None else r["start"] for r in records], dtype=float),
            "label": [r["label"] for r in records],
            "exo": np.array([r["exo"] for r in records], dtype=np.int64),
            "line": np.array([r["line"] for r in records], dtype=np.int64),
        }
    )
    return ParTable(
        table=table,
        ov_names=tuple(ov_names),
        lv_names=tuple(lv_names),
        ov_x=tuple(ov_x),
        defined=defined,
        ngroups=ngroups,
        group_labels=tuple(group_labels) if group_labels else tuple(str(g) for g in range(1, ngroups + 1)),
        meanstructure=meanstructure,
        group_equal=tuple(group_equal),
        group_partial=tuple(sorted(partial)),
    )
