"""Step 2 of a fit: the parameter table, one row per model parameter, free or fixed (lavaan's
``lavaanify`` with the defaults of ``cfa()``/``sem()``/``growth()``).

Rows: the user's rows in syntax order, then lavaan's defaults (``lav_partable_flat``):
thresholds of ordinal indicators (``auto.th``), residual variances of the observed
variables that are not fixed covariates and variances of the latent variables
(``auto.var``), covariances among exogenous latent variables (``auto.cov.lv.x``) and among
pure outcomes (``auto.cov.y``), the (co)variances of observed exogenous covariates
(fixed at their sample values under ``fixed.x``, free otherwise), scaling factors of ordinal
indicators (``~*~``, ``auto.delta``), and with a mean structure the intercepts and latent
means; then the same for every other group.  The marker loading of every factor is fixed
at 1 (``auto.fix.first``) unless ``std_lv``, the residual variance of a single indicator is
fixed at 0 (``auto.fix.single``), intercepts follow ``int.ov.free``/``int.lv.free``.

Equality constraints are equality classes of lavaan's parameter labels
(``lav_partable_labels``): a user label, shared by rows, a ``c(...)`` vector of per-group
labels, ``equal("f=~x1")``, a simple ``a == b`` constraint, and ``group_equal`` (every row of
a kind in groups 2.. labelled like its group-1 row, except those named in
``group_partial``).  A class with a fixed member is fixed; otherwise its rows share one free
index (column ``free``, 1-based; 0 for fixed rows).  Columns: ``id, lhs, op, rhs, group,
user, free, ustart, start, label, exo, line``; ``ustart`` is the fixed value of a fixed row
(NaN for free rows and for fixed.x rows until the sample statistics fill them).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations

import numpy as np
import pandas as pd

from surveykit.errors import ModelSpecificationError
from surveykit.sem.options import GROUP_EQUAL, Options, resolve_options
from surveykit.sem.syntax import SyntaxRow, parse_syntax

__all__ = ["ParTable", "VarNames", "build_partable", "lavaanify", "observed_names", "variable_names"]


@dataclass(frozen=True)
class VarNames:
    """lavaan's variable classification (``lav_partable_vnames``) of a model's rows."""

    ov: tuple[str, ...]  # observed: indicators, then outcomes, then covariates, then the rest
    lv: tuple[str, ...]
    ov_ind: tuple[str, ...]
    ov_x: tuple[str, ...]  # exogenous observed covariates (candidates for fixed.x)
    ov_y: tuple[str, ...]  # pure observed outcomes
    lv_x: tuple[str, ...]  # exogenous latent variables
    lv_y: tuple[str, ...]  # pure latent outcomes
    ov_ord: tuple[str, ...]  # observed with user thresholds (|)
    eqs_y: tuple[str, ...]
    demoted_x: tuple[str, ...] = ()  # covariates with user (co)variance/intercept rows: treated as random

    @property
    def ov_nox(self) -> tuple[str, ...]:
        return tuple(v for v in self.ov if v not in self.ov_x)


def _unique(seq) -> list[str]:
    return list(dict.fromkeys(x for x in seq if x))


def variable_names(rows: list[SyntaxRow]) -> VarNames:
    """Classify the variables of ``rows`` (without ``:=`` and ``==`` rows) as lavaan does."""
    lv = _unique(r.lhs for r in rows if r.op == "=~")
    eqs_y = _unique(r.lhs for r in rows if r.op == "~")
    eqs_x = _unique(r.rhs for r in rows if r.op == "~")
    v_ind = _unique(r.rhs for r in rows if r.op == "=~")
    ov_ind = [v for v in v_ind if v not in lv]
    ov_y_eq = [v for v in eqs_y if v not in lv and v not in ov_ind]
    ov_x = [v for v in eqs_x if v not in lv and v not in ov_ind and v not in ov_y_eq]
    ov_cov = [r.lhs for r in rows if r.op == "~~" and r.lhs not in lv] + [
        r.rhs for r in rows if r.op == "~~" and r.rhs not in lv]
    ov_int = [r.lhs for r in rows if r.op in ("~1", "|") and r.lhs not in lv]
    tmp = _unique(ov_ind + ov_y_eq + ov_x)
    ov = tmp + [v for v in _unique(ov_cov + ov_int) if v not in tmp]
    user_vars = {r.lhs for r in rows if r.op in ("~1", "~~")} | {r.rhs for r in rows if r.op == "~~"}
    demoted = tuple(v for v in ov_x if v in user_vars)
    ov_x = [v for v in ov_x if v not in user_vars]
    lv_x = [v for v in lv if v not in v_ind and v not in eqs_y]
    ov_y = [v for v in ov if v in eqs_y and v not in v_ind and v not in eqs_x and v not in lv]
    lv_y = [v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x]
    ov_ord = [v for v in ov if v in {r.lhs for r in rows if r.op == "|"}]
    return VarNames(ov=tuple(ov), lv=tuple(lv), ov_ind=tuple(ov_ind), ov_x=tuple(ov_x), ov_y=tuple(ov_y),
                    lv_x=tuple(lv_x), lv_y=tuple(lv_y), ov_ord=tuple(ov_ord), eqs_y=tuple(eqs_y),
                    demoted_x=demoted)


def observed_names(model: str) -> tuple[str, ...]:
    """The observed variables of lavaan syntax, in lavaan's order (indicators, outcomes,
    covariates, others), without building the table (syntax errors are raised as there)."""
    rows = [r for r in parse_syntax(model) if r.op not in (":=", "==")]
    return variable_names(rows).ov


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
    ov_ord: tuple[str, ...] = ()
    parameterization: str = "delta"
    ov_exo: tuple[str, ...] = ()  # exogenous observed covariates whatever fixed.x (lavaan's vnames "ov.x")

    @cached_property
    def n_free(self) -> int:
        return int(self.table["free"].max()) if len(self.table) and self.table["free"].max() > 0 else 0

    @property
    def categorical(self) -> bool:
        return bool(self.ov_ord)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __str__(self) -> str:
        cols = ["lhs", "op", "rhs", "group", "label", "free", "ustart"] if self.ngroups > 1 else [
            "lhs", "op", "rhs", "label", "free", "ustart"]
        return self.table[cols].to_string(index=False)


def _auto_label(lhs: str, op: str, rhs: str, group: int) -> str:
    """lavaan's automatic label of a row: ``lhs op rhs`` without spaces, ``.gK`` in group K > 1."""
    base = f"{lhs}{op}{rhs}"
    return base if group == 1 else f"{base}.g{group}"


_KIND_OF_EQUAL = {"=~": "loadings", "~": "regressions", "|": "thresholds"}


def _equal_kind(op: str, lhs: str, rhs: str, lv: set[str], ov_nox: set[str], ov_ord: set[str]) -> str | None:
    """Which ``group_equal`` keyword constrains a row (``lav_partable_labels``)."""
    if op in _KIND_OF_EQUAL:
        return _KIND_OF_EQUAL[op] if (op != "|" or lhs in ov_ord) else None
    if op == "~1":
        if lhs in lv:
            return "means"
        return "intercepts" if lhs in ov_nox else None
    if op == "~~":
        if lhs in lv:
            return "lv.variances" if lhs == rhs else "lv.covariances"
        if lhs in ov_nox:
            return "residuals" if lhs == rhs else "residual.covariances"
    return None


def _check_user_rows(rows: list[SyntaxRow]) -> None:
    """The checks of the user's rows (without ``:=`` and ``==``) before anything is built, as
    lavaanify checks the flattened syntax (``FLAT``) first: something to estimate, no variable
    related to itself, no interaction term (those models go through sem()'s own paths)."""
    if not rows:
        raise ModelSpecificationError("The model has no '=~', '~' or '~~' line: there is nothing to estimate.")
    for r in rows:
        if r.op in ("=~", "~") and r.lhs == r.rhs:
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: '{r.lhs} {r.op} {r.rhs}' relates a variable to itself; remove it.")
        if ":" in r.rhs:
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: the interaction '{r.rhs}' is estimated by sem() itself (product "
                "indicators or LMS, interaction=...); this model cannot contain one.")


def _ordinal_indicators(vn: VarNames, options: Options) -> tuple[str, ...]:
    """The ordinal indicators in lavaan's order of the observed variables (``lav_partable_vnames``'s
    ``ov.ord``): those of ``ordered=`` and those with user thresholds (``|``), after the checks
    that ``ordered=`` names model variables that are not covariates and that thresholds come
    with a categorical estimator."""
    ordered = tuple(v for v in options.ordered if v in vn.ov)
    not_in_model = [v for v in options.ordered if v not in vn.ov]
    if not_in_model:
        raise ModelSpecificationError(
            f"ordered= names {', '.join(not_in_model)}, which the model does not use; remove them from ordered=.")
    ov_ord = tuple(v for v in vn.ov if v in set(ordered) | set(vn.ov_ord))
    x_ord = [v for v in ov_ord if v in vn.ov_x]
    if x_ord:
        raise ModelSpecificationError(
            f"{', '.join(x_ord)} are exogenous covariates and cannot be ordered; remove them from ordered=.")
    if ov_ord and not options.categorical:
        raise ModelSpecificationError(
            f"The model gives thresholds (|) for {', '.join(ov_ord)}; declare them with ordered= and use "
            "estimator='WLSMV'.")
    return ov_ord


def _default_rows(vn: VarNames, ov_ord: tuple[str, ...], options: Options,
                  nthresholds: dict[str, int]) -> list[tuple[str, str, str]]:
    """The default rows of one group, in lavaan's order (``lav_partable_flat``): thresholds
    (``auto.th``), variances (``auto.var``), latent covariances (``auto.cov.lv.x``), outcome
    covariances (``auto.cov.y``), the covariates' (co)variances, scaling factors (``auto.delta``),
    intercepts and means (``meanstructure``)."""
    ov_x_all = vn.ov_x  # covariates whatever fixed.x: their (co)variances are default rows
    default: list[tuple[str, str, str]] = []
    for v in ov_ord:
        n_th = nthresholds.get(v)
        if n_th is None:
            raise ModelSpecificationError(f"The number of categories of the ordinal indicator {v!r} is unknown.")
        default += [(v, "|", f"t{k}") for k in range(1, n_th + 1)]
    default += [(v, "~~", v) for v in vn.ov_nox] + [(v, "~~", v) for v in vn.lv]
    if options.auto_cov_lv_x:
        default += [(a, "~~", b) for a, b in combinations(vn.lv_x, 2)]
    if options.auto_cov_y:
        default += [(a, "~~", b) for a, b in combinations(list(vn.lv_y) + list(vn.ov_y), 2)]
    for j, a in enumerate(ov_x_all):
        default += [(a, "~~", b) for b in ov_x_all[j:]]
    default += [(v, "~*~", v) for v in ov_ord]
    if options.meanstructure:
        default += [(v, "~1", "") for v in vn.ov] + [(v, "~1", "") for v in vn.lv]
    return default


def _user_keys(rows: list[SyntaxRow], ov_ord: tuple[str, ...],
               nthresholds: dict[str, int]) -> set[tuple[str, str, str]]:
    """The ``(lhs, op, rhs)`` of the user's rows, covariances both ways round, which replace the
    default rows of the same parameter (``lav_partable_flat`` merges the user's rows with its
    defaults), after the checks of each row: a scaling factor only for an ordinal indicator, a
    threshold that the data have."""
    # lavaan ignores exact duplicates with a warning; surveykit refuses them
    seen: dict[tuple[str, str, str], SyntaxRow] = {}
    for r in rows:
        key = (r.lhs, r.op, r.rhs)
        alt = (r.rhs, r.op, r.lhs) if r.op == "~~" else key
        if key in seen or alt in seen:
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: '{r.lhs} {r.op} {r.rhs}' is specified twice (also line "
                f"{(seen.get(key) or seen.get(alt)).line}); keep one.")
        seen[key] = r
        if r.op == "~*~" and r.lhs not in ov_ord:
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: '{r.lhs} ~*~ {r.rhs}' sets the scaling factor of an ordinal indicator, "
                f"and {r.lhs} is not ordinal; declare it with ordered= or remove the line.")
        if r.op == "|":
            n_th = nthresholds.get(r.lhs)
            k = int(r.rhs[1:])
            if n_th is not None and k > n_th:
                raise ModelSpecificationError(
                    f"Model syntax line {r.line}: {r.lhs} has {n_th + 1} categories in the data, so {n_th} "
                    f"thresholds; '{r.lhs} | {r.rhs}' does not exist.")
    return set(seen) | {(b, o, a) for (a, o, b) in seen if o == "~~"}


@dataclass
class _Template:
    """One group's rows, the user's then the remaining defaults, as ``(lhs, op, rhs, user, syntax
    row)``, with their free/fixed defaults: ``free``, ``ustart`` (the fixed value; NaN when free
    and for fixed.x rows until the sample statistics fill them) and ``exo`` (fixed.x rows)."""

    rows: list[tuple[str, str, str, int, SyntaxRow | None]]
    free: np.ndarray
    ustart: np.ndarray
    exo: np.ndarray

    @classmethod
    def of(cls, rows: list[SyntaxRow], default: list[tuple[str, str, str]]) -> _Template:
        """The user's rows, free, then the ``default`` rows, free."""
        template = [(r.lhs, r.op, r.rhs, 1, r) for r in rows] + [(a, o, b, 0, None) for a, o, b in default]
        n = len(template)
        return cls(template, np.ones(n, dtype=bool), np.full(n, np.nan), np.zeros(n, dtype=int))

    def where(self, pred) -> list[int]:
        """The indices of the rows for which ``pred(lhs, op, rhs, user)`` holds."""
        return [i for i, (a, o, b, u, _) in enumerate(self.rows) if pred(a, o, b, u)]

    def fix(self, idx, value: float) -> None:
        """Fix the rows ``idx`` at ``value``."""
        for i in idx:
            self.free[i], self.ustart[i] = False, value


def _single_indicators(t: _Template) -> set[str]:
    """The indicators that are the only indicator of their factor and indicate no other factor
    (``auto.fix.single``: their residual variance is fixed at 0)."""
    mm = t.where(lambda a, o, b, u: o == "=~")
    per_factor = Counter(t.rows[i][0] for i in mm)
    per_indicator = Counter(t.rows[i][2] for i in mm)
    return {b for a, _, b, _, _ in (t.rows[i] for i in mm)
            if per_factor[a] == 1 and a != b and per_indicator[b] == 1}


def _fix_identification(t: _Template, options: Options, lv_set: set[str]) -> None:
    """The free/fixed defaults of ``lav_partable_flat`` that scale and identify the model, in its
    order (a later rule overrides an earlier one): ``auto.th``, ``auto.var``, ``std.lv`` (latent
    variances 1), ``auto.fix.first`` (the first loading of every factor 1), ``auto.fix.single``
    (the residual variance of a single indicator 0), ``orthogonal`` (latent covariances 0)."""
    if not options.auto_th:
        for i in t.where(lambda a, o, b, u: o == "|" and not u):
            t.free[i] = False
    if not options.auto_var:
        t.fix(t.where(lambda a, o, b, u: o == "~~" and a == b and not u), 0.0)
    if options.std_lv:
        t.fix(t.where(lambda a, o, b, u: o == "~~" and a in lv_set and a == b), 1.0)
    if options.auto_fix_first:
        firsts: dict[str, int] = {}
        for i in t.where(lambda a, o, b, u: o == "=~"):
            firsts.setdefault(t.rows[i][0], i)
        t.fix(firsts.values(), 1.0)
    if options.auto_var and options.auto_fix_single:
        single = _single_indicators(t)
        t.fix(t.where(lambda a, o, b, u: o == "~~" and a == b and a in single and not u), 0.0)
    if options.orthogonal:
        t.fix(t.where(lambda a, o, b, u: o == "~~" and a in lv_set and b in lv_set and a != b and not u), 0.0)


def _fix_means_covariates_ordinal(t: _Template, options: Options, lv_set: set[str], ov_ord: tuple[str, ...],
                                  ov_x: tuple[str, ...]) -> None:
    """The remaining free/fixed defaults of ``lav_partable_flat``, after :func:`_fix_identification`:
    intercepts and means (``int.ov.free``, ``int.lv.free``; 0 for ordinal indicators), the
    fixed.x covariates' (co)variances and means (fixed, ``exo`` = 1, valued later from the
    sample), the residual variances and scaling factors of ordinal indicators (1)."""
    ord_set = set(ov_ord)

    def fixed_mean(v: str) -> bool:
        return v in ord_set or (v not in lv_set and not options.int_ov_free) or (
            v in lv_set and not options.int_lv_free)

    if options.meanstructure:
        t.fix(t.where(lambda a, o, b, u: o == "~1" and not u and fixed_mean(a)), 0.0)
    if options.fixed_x and ov_x:
        xs = set(ov_x)
        for i in t.where(lambda a, o, b, u: not u and ((o == "~~" and a in xs and b in xs)
                                                       or (o == "~1" and a in xs))):
            t.free[i], t.ustart[i], t.exo[i] = False, np.nan, 1
    t.fix(t.where(lambda a, o, b, u: o == "~~" and a == b and a in ord_set and not u), 1.0)
    t.fix(t.where(lambda a, o, b, u: o == "~*~" and not u), 1.0)


def _free_in_later_group(a: str, o: str, b: str, options: Options, lv_set: set[str], ord_set: set[str]) -> bool:
    """Whether a default row fixed in group 1 is free in groups 2.. (``lav_partable_flat`` with
    ``group.equal``): latent means when intercepts or thresholds are equal and means are not,
    latent variances under ``std.lv`` when loadings are equal and latent variances are not, and
    with equal thresholds the scaling factors (delta) or the residual variances (theta) of
    ordinal indicators."""
    geq = options.group_equal
    if (o == "~1" and a in lv_set and options.meanstructure and not options.int_lv_free
            and ("intercepts" in geq or "thresholds" in geq) and "means" not in geq):
        return True
    if options.std_lv and o == "~~" and a == b and a in lv_set and "loadings" in geq and "lv.variances" not in geq:
        return True
    if o == "~*~" and "thresholds" in geq and options.parameterization == "delta" and options.auto_delta:
        return True
    return options.parameterization == "theta" and o == "~~" and a == b and a in ord_set and "thresholds" in geq


def _group_rows(t: _Template, options: Options, ngroups: int, lv_set: set[str], ord_set: set[str]) -> list[dict]:
    """Every group's rows: the template repeated per group (``lav_partable_flat``) with the
    group-specific defaults (:func:`_free_in_later_group`) and the user's modifiers (lavaanify's
    ``MOD``: a fixed value, ``NA`` to free, a start value, a label; ``c(...)`` per group)."""
    recs: list[dict] = []
    for g in range(1, ngroups + 1):
        for i, (a, o, b, u, srow) in enumerate(t.rows):
            rec = {"lhs": a, "op": o, "rhs": b, "group": g, "user": int(u), "free": bool(t.free[i]),
                   "ustart": float(t.ustart[i]), "start": np.nan, "label": "", "exo": int(t.exo[i]),
                   "line": srow.line if srow is not None else 0}
            if g > 1 and not u and _free_in_later_group(a, o, b, options, lv_set, ord_set):
                rec["free"], rec["ustart"] = True, np.nan
            if srow is not None:
                label, fixed, start, free_forced = srow.in_group(g, ngroups)
                if fixed is not None:
                    rec["free"], rec["ustart"] = False, float(fixed)
                elif free_forced:
                    rec["free"], rec["ustart"] = True, np.nan
                if start is not None:
                    rec["start"] = float(start)
                rec["label"] = label
            recs.append(rec)
    return recs


def _check_group_partial(recs: list[dict], partial: set[str]) -> None:
    """Every parameter of ``group_partial`` is a parameter of the model (a group-1 label)."""
    partial_known = {_auto_label(r["lhs"], r["op"], r["rhs"], 1) for r in recs if r["group"] == 1}
    unknown_partial = [p for p in partial if p not in partial_known]
    if unknown_partial:
        raise ModelSpecificationError(
            f"group_partial names {', '.join(map(repr, sorted(unknown_partial)))}, which is not a parameter of the "
            "model; write it as lavaan does, e.g. 'visual=~x2' or 'x3~1'.")


def _equality_labels(recs: list[dict], options: Options, ngroups: int, lv_set: set[str], ov_nox_set: set[str],
                     ord_set: set[str]) -> list[str]:
    """Every row's label for the equality classes (``lav_partable_labels``): the user's label,
    else the automatic one, which in groups 2.. is the group-1 label for the kinds of
    ``group_equal`` (except the parameters of ``group_partial``)."""
    partial = set(options.group_partial)
    eq_label: list[str] = []
    g1_label: dict[tuple[str, str, str], str] = {}
    for r in recs:
        auto = _auto_label(r["lhs"], r["op"], r["rhs"], r["group"])
        key = (r["lhs"], r["op"], r["rhs"])
        if r["group"] == 1:
            g1_label[key] = auto
        elif ngroups > 1 and key in g1_label:
            kind = _equal_kind(r["op"], r["lhs"], r["rhs"], lv_set, ov_nox_set, ord_set)
            if kind in options.group_equal and g1_label[key] not in partial:
                auto = g1_label[key]
        eq_label.append(r["label"] or auto)
    return eq_label


def _check_equal_references(recs: list[dict], eq_label: list[str]) -> None:
    """An ``equal("...")`` modifier (a user label with ``=`` or ``~``) names a parameter of the
    model by its automatic label."""
    autos = {_auto_label(x["lhs"], x["op"], x["rhs"], x["group"]) for x in recs}
    for r, lab in zip(recs, eq_label):
        if r["label"] and ("=" in lab or "~" in lab) and lab not in autos:
            raise ModelSpecificationError(
                f"Model syntax line {r['line']}: equal({lab!r}) does not name a parameter of the model; write it "
                "as lavaan labels parameters, e.g. equal(\"visual=~x1\").")


def _find(parent: dict[str, str], x: str) -> str:
    """The representative of ``x``'s class (union-find with path halving)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _simple_constraints(recs: list[dict], eq_label: list[str],
                        constraints: tuple[SyntaxRow, ...]) -> tuple[dict[str, str], dict[str, float]]:
    """The ``==`` rows as lavaanify's simple equality constraints (``ceq.simple``): ``a == b``
    between two user labels joins their classes, ``a == number`` fixes the rows of ``a``; other
    constraints are refused.  Returns the union-find parents of the labels and the fixed labels."""
    user_labels = {r["label"] for r in recs if r["label"]}
    parent: dict[str, str] = {lab: lab for lab in set(eq_label)}
    fixed_by_constraint: dict[str, float] = {}
    for c in constraints:
        num = _NUMBER.fullmatch(c.rhs)
        if c.lhs in user_labels and c.rhs in user_labels:
            a, b = _find(parent, c.lhs), _find(parent, c.rhs)
            if a != b:
                parent[b] = a
        elif c.lhs in user_labels and num:
            fixed_by_constraint[c.lhs] = float(c.rhs)
        else:
            raise ModelSpecificationError(
                f"Model syntax line {c.line}: only simple equality constraints between two parameter labels "
                f"('a == b') or a label and a number are supported, not '{c.lhs} == {c.rhs}'; "
                "give both parameters the same label instead.")
    return parent, fixed_by_constraint


def _number_free(recs: list[dict], eq_label: list[str], parent: dict[str, str],
                 fixed_by_constraint: dict[str, float]) -> None:
    """The ``free`` column (``recs`` updated in place), as lavaanify numbers the free parameters
    of its equality classes (rows with one label): a class with a fixed member is fixed at the
    first member's value (lavaan warns when the values differ), the rows of a free class share
    one index, numbered in the order of the class's first row; 0 for fixed rows."""
    classes: dict[str, list[int]] = {}
    for i, lab in enumerate(eq_label):
        classes.setdefault(_find(parent, lab), []).append(i)
    for lab, val in fixed_by_constraint.items():
        for i in classes[_find(parent, lab)]:
            recs[i]["free"], recs[i]["ustart"] = False, val
    for members in classes.values():
        fixed_members = [i for i in members if not recs[i]["free"]]
        if fixed_members and len(members) > 1:
            val = recs[fixed_members[0]]["ustart"]
            for i in members:
                recs[i]["free"], recs[i]["ustart"] = False, val
    free_idx: dict[str, int] = {}
    for i, r in enumerate(recs):
        if not r["free"]:
            r["free"] = 0
            continue
        cls = _find(parent, eq_label[i])
        if cls not in free_idx:
            free_idx[cls] = len(free_idx) + 1
        r["free"] = free_idx[cls]
        r["ustart"] = np.nan


def _check_defined(defined: tuple[SyntaxRow, ...], recs: list[dict]) -> None:
    """A defined parameter (``:=``) has a name of its own and is defined once."""
    labels_all = {r["label"] for r in recs if r["label"]}
    for d in defined:
        if d.lhs in labels_all:
            raise ModelSpecificationError(
                f"Model syntax line {d.line}: defined parameter {d.lhs!r} has the name of a label.")
    names_d = [d.lhs for d in defined]
    dup = sorted({x for x in names_d if names_d.count(x) > 1})
    if dup:
        raise ModelSpecificationError(f"The defined parameter {dup[0]!r} is defined twice (:=); keep one definition.")


def _table_frame(recs: list[dict]) -> pd.DataFrame:
    """The rows as the table's columns and dtypes (``id`` 1-based, in row order)."""
    return pd.DataFrame({
        "id": np.arange(1, len(recs) + 1),
        "lhs": [r["lhs"] for r in recs], "op": [r["op"] for r in recs], "rhs": [r["rhs"] for r in recs],
        "group": np.array([r["group"] for r in recs], dtype=np.int64),
        "user": np.array([r["user"] for r in recs], dtype=np.int64),
        "free": np.array([r["free"] for r in recs], dtype=np.int64),
        "ustart": np.array([r["ustart"] for r in recs], dtype=float),
        "start": np.array([r["start"] for r in recs], dtype=float),
        "label": [r["label"] for r in recs],
        "exo": np.array([r["exo"] for r in recs], dtype=np.int64),
        "line": np.array([r["line"] for r in recs], dtype=np.int64),
    })


def lavaanify(
    rows: list[SyntaxRow],
    options: Options,
    *,
    ngroups: int = 1,
    group_labels: tuple[str, ...] | None = None,
    nthresholds: dict[str, int] | None = None,
) -> ParTable:
    """Compile parsed syntax rows into the full parameter table (see the module docstring).

    ``nthresholds`` gives the number of thresholds (categories - 1) of every ordinal
    indicator (``options.ordered``), from the data.

    lavaan's steps: the checks of the rows (:func:`_check_user_rows`) and the variable
    classification (:func:`variable_names`, :func:`_ordinal_indicators`); one group's default
    rows (:func:`_default_rows`) after the user's (:func:`_user_keys`) with their free/fixed
    defaults (:func:`_fix_identification`, :func:`_fix_means_covariates_ordinal`); every group's
    rows with the user's modifiers (:func:`_group_rows`); the equality labels
    (:func:`_equality_labels`) joined by the ``==`` rows (:func:`_simple_constraints`) and the
    free indices (:func:`_number_free`); the defined parameters (:func:`_check_defined`).
    """
    defined = tuple(r for r in rows if r.op == ":=")
    constraints = tuple(r for r in rows if r.op == "==")
    rows = [r for r in rows if r.op not in (":=", "==")]
    _check_user_rows(rows)
    vn = variable_names(rows)
    lv_set = set(vn.lv)
    ov_ord = _ordinal_indicators(vn, options)
    ord_set = set(ov_ord)
    ov_x = vn.ov_x if options.fixed_x else ()
    nthresholds = dict(nthresholds or {})
    default = _default_rows(vn, ov_ord, options, nthresholds)
    user_keys = _user_keys(rows, ov_ord, nthresholds)
    template = _Template.of(rows, [d for d in default if d not in user_keys])
    _fix_identification(template, options, lv_set)
    _fix_means_covariates_ordinal(template, options, lv_set, ov_ord, ov_x)
    recs = _group_rows(template, options, ngroups, lv_set, ord_set)
    partial = set(options.group_partial)
    _check_group_partial(recs, partial)
    eq_label = _equality_labels(recs, options, ngroups, lv_set, set(vn.ov_nox), ord_set)
    _check_equal_references(recs, eq_label)
    parent, fixed_by_constraint = _simple_constraints(recs, eq_label, constraints)
    _number_free(recs, eq_label, parent, fixed_by_constraint)
    _check_defined(defined, recs)
    labels_g = tuple(group_labels) if group_labels else tuple(str(g) for g in range(1, ngroups + 1))
    return ParTable(
        table=_table_frame(recs), ov_names=vn.ov, lv_names=vn.lv, ov_x=tuple(ov_x), defined=defined,
        ngroups=ngroups, group_labels=labels_g, meanstructure=options.meanstructure,
        group_equal=options.group_equal, group_partial=tuple(sorted(partial)), ov_ord=ov_ord,
        parameterization=options.parameterization, ov_exo=vn.ov_x,
    )


def with_exogenous_values(pt: ParTable, covs: list[np.ndarray], means: list[np.ndarray],
                          names: tuple[str, ...]) -> ParTable:
    """The table with its fixed.x rows (``exo == 1``, fixed) set to the sample (co)variances and
    means of the covariates in each group (``covs``/``means`` in the order of ``names``)."""
    t = pt.table
    mask = (t["exo"] == 1) & (t["free"] == 0)
    if not mask.any():
        return pt
    idx = {v: i for i, v in enumerate(names)}
    ustart = t["ustart"].to_numpy(dtype=float).copy()
    for i in np.flatnonzero(mask.to_numpy()):
        g = int(t["group"].iat[i]) - 1
        a = idx[t["lhs"].iat[i]]
        if t["op"].iat[i] == "~~":
            ustart[i] = covs[g][a, idx[t["rhs"].iat[i]]]
        else:
            ustart[i] = means[g][a]
    new = t.copy()
    new["ustart"] = ustart
    return dataclasses.replace(pt, table=new)


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
    """The parameter table of lavaan syntax with ``sem()``'s defaults (continuous indicators).

    A convenience over :func:`lavaanify` for callers that build tables without data
    (simulation, tests): ``sample_cov``/``sample_mean`` (DataFrames/Series with variable
    names, one per group) fill the fixed.x rows when given.
    """
    rows = parse_syntax(model) if isinstance(model, str) else list(model)
    plain = [r for r in rows if r.op not in (":=", "==")]
    vn = variable_names(plain)
    unknown = [g for g in group_equal if g not in GROUP_EQUAL]
    if unknown:
        raise ModelSpecificationError(
            f"group_equal has {', '.join(map(repr, unknown))}; choose from {', '.join(GROUP_EQUAL)}.")
    opts = resolve_options(
        std_lv=std_lv, fixed_x=fixed_x, auto_cov_y=auto_cov_y, orthogonal=orthogonal,
        meanstructure=meanstructure or None, group="g" if ngroups > 1 else None, group_equal=tuple(group_equal),
        group_partial=tuple(group_partial), has_exogenous_x=bool(vn.ov_x),
        has_intercept_rows=any(r.op == "~1" for r in plain),
    )
    pt = lavaanify(rows, opts, ngroups=ngroups, group_labels=group_labels)
    if sample_cov is not None and pt.ov_x:
        covs = sample_cov if isinstance(sample_cov, list) else [sample_cov] * ngroups
        means = sample_mean if isinstance(sample_mean, list) else [sample_mean] * ngroups
        names = tuple(covs[0].index)
        pt = with_exogenous_values(
            pt, [c.loc[list(names), list(names)].to_numpy() for c in covs],
            [m.loc[list(names)].to_numpy() if m is not None else np.full(len(names), np.nan) for m in means], names)
    return pt


def independence_table(pt: ParTable) -> ParTable:
    """The baseline (independence) model of ``pt`` (lavaan's ``lav_partable_independence``): in
    every group the variances of the observed variables (fixed at 1 for ordinal indicators, whose
    thresholds are free), the means with a mean structure (0 for ordinal indicators, whose
    scaling factors are 1), and under fixed.x the covariates' (co)variances and means fixed at
    their sample values; no covariances otherwise and no constraints across groups."""
    recs: list[dict] = []
    ordset = set(pt.ov_ord)
    xs = set(pt.ov_x)  # fixed covariates
    exo_all = set(pt.ov_exo)  # every exogenous covariate: its block is saturated in the baseline
    t = pt.table
    for g in range(1, pt.ngroups + 1):
        rows: list[tuple] = []
        for v in pt.ov_names:
            if v in ordset:
                rows.append((v, "~~", v, False, 1.0, 0))
            elif v in xs:
                rows.append((v, "~~", v, False, np.nan, 1))
            else:
                rows.append((v, "~~", v, True, np.nan, 0))
        for v in pt.ov_ord:
            th = t[(t["group"] == g) & (t["op"] == "|") & (t["lhs"] == v)]
            rows += [(v, "|", r, True, np.nan, 0) for r in th["rhs"]]
        if pt.ov_ord:
            rows += [(v, "~1", "", False, 0.0, 0) for v in pt.ov_ord]
            rows += [(v, "~*~", v, False, 1.0, 0) for v in pt.ov_ord]
            # conditional on the covariates (lavaan's conditional.x): the slopes are free
            rows += [(v, "~", x, True, np.nan, 0) for x in pt.ov_names if x in xs for v in pt.ov_ord]
        if pt.meanstructure:
            rows += [(v, "~1", "", v not in xs, np.nan, int(v in xs)) for v in pt.ov_names if v not in ordset]
        xl = [v for v in pt.ov_names if v in exo_all]
        for i, a in enumerate(xl):
            rows += [(a, "~~", b, a not in xs, np.nan, int(a in xs)) for b in xl[i + 1:]]
        for lhs, op, rhs, free, ustart, exo in rows:
            recs.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g, "user": 0, "free": free, "ustart": ustart,
                         "exo": exo})
    n_free = 0
    for r in recs:
        if r["free"]:
            n_free += 1
            r["free"] = n_free
        else:
            r["free"] = 0
    table = pd.DataFrame({
        "id": np.arange(1, len(recs) + 1),
        "lhs": [r["lhs"] for r in recs], "op": [r["op"] for r in recs], "rhs": [r["rhs"] for r in recs],
        "group": np.array([r["group"] for r in recs], dtype=np.int64),
        "user": np.zeros(len(recs), dtype=np.int64),
        "free": np.array([r["free"] for r in recs], dtype=np.int64),
        "ustart": np.array([r["ustart"] for r in recs], dtype=float),
        "start": np.full(len(recs), np.nan),
        "label": [""] * len(recs),
        "exo": np.array([r["exo"] for r in recs], dtype=np.int64),
        "line": np.zeros(len(recs), dtype=np.int64),
    })
    return dataclasses.replace(pt, table=table, lv_names=(), defined=(), group_equal=(), group_partial=())
