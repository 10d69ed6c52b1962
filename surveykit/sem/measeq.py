"""Measurement-invariance models of ordinal indicators written as lavaan syntax (semTools'
``measEq.syntax`` with ``ID.fac = "std.lv"`` and ``ID.cat = "Wu.Estabrook.2016"``).

Wu & Estabrook (2016) showed that lavaan's and Mplus' default identification of ordinal
multiple-group models imposes restrictions that are themselves invariance assumptions, so that
the usual sequence (loadings, then intercepts) is not a sequence of nested tests of the
measurement model.  Their identification, which semTools implements, is what this module
writes, starting from the configural parameter table (``std.lv``: factor variances 1, means 0;
latent-response intercepts 0; scales, ``~*~`` in the delta or residual variances in the theta
parameterization, 1):

* thresholds equal: the latent-response intercepts are freed in groups 2.. and, for items with
  three or more categories, the scales too;
* + loadings equal: the factor variances are freed in groups 2..;
* + intercepts equal (all 0 again): the factor means are freed in groups 2.., and the scales of
  binary items are freed;
* + residuals equal (theta parameterization only): the scales are 1 in every group.

Every other parameter keeps its configural specification (free in each group, or fixed, or a
user label that is shared across groups).  The output is lavaan syntax with one ``c(...)``
value or label per group, so it can be read, reported and refitted in lavaan unchanged.
"""

from __future__ import annotations

from surveykit.errors import SpecError
from surveykit.sem.partable import ParTable

__all__ = ["ORDINAL_LEVELS", "ordinal_invariance_syntax"]

#: The ordinal sequence: level -> the kinds of parameters constrained equal across groups.
ORDINAL_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
    "scalar": ("thresholds", "loadings", "intercepts"),
    "strict": ("thresholds", "loadings", "intercepts", "residuals"),
}


def _fmt(value: float) -> str:
    return f"{value:.17g}"


def ordinal_invariance_syntax(pt: ParTable, level: str, *, parameterization: str = "delta") -> str:
    """The lavaan syntax of invariance ``level`` for the configural table ``pt`` (fitted with
    ``std_lv=True``, ``ordered=`` every indicator and ``group=``)."""
    if level not in ORDINAL_LEVELS:
        raise SpecError(f"level={level!r} is not one of {', '.join(ORDINAL_LEVELS)}.")
    equal = set(ORDINAL_LEVELS[level])
    if "residuals" in equal and parameterization != "theta":
        raise SpecError("Residual variances of ordinal indicators can only be tested for invariance in the theta "
                        "parameterization; use parameterization='theta' or leave out the 'strict' level.")
    t = pt.table
    ngroups = int(t["group"].max())
    if ngroups < 2:
        raise SpecError("Measurement invariance needs at least two groups.")
    if pt.defined or (t["op"] == "==").any():
        raise SpecError("The ordinal invariance sequence writes every parameter itself; remove the '==' and ':=' "
                        "lines from the measurement model.")
    if (t["exo"] > 0).any():
        raise SpecError("The ordinal invariance sequence is for measurement models; remove the observed covariates.")
    ov_ord = set(pt.ov_ord)
    lv = list(pt.lv_names)
    continuous = [v for v in pt.ov_names if v not in ov_ord]
    if continuous:
        raise SpecError(f"The ordinal invariance sequence needs every indicator ordinal; {', '.join(continuous)} "
                        "are not (declare them in ordered= or use the continuous sequence).")
    ov_index = {v: i + 1 for i, v in enumerate(pt.ov_names)}
    lv_index = {f: j + 1 for j, f in enumerate(lv)}
    nth = t[(t["group"] == 1) & (t["op"] == "|")].groupby("lhs").size().to_dict()
    user_labels = {x for x in t["label"] if x}
    lines = []
    for r in t[t["group"] == 1].itertuples():
        if r.op == "~*~" and parameterization == "theta":
            continue  # the scales are derived in the theta parameterization
        cells = [t[(t["group"] == g) & (t["lhs"] == r.lhs) & (t["op"] == r.op) & (t["rhs"] == r.rhs)].iloc[0]
                 for g in range(1, ngroups + 1)]
        values: list[str] = [("NA" if c["free"] > 0 else _fmt(c["ustart"])) for c in cells]
        labels: list[str] = [c["label"] for c in cells]
        rule = _rule(r, equal, ov_ord, set(lv), nth, parameterization)
        if rule is not None:
            kind, arg = rule
            if kind == "equal" and all(v == "NA" for v in values):
                name = _label(r, ov_index, lv_index)
                if name in user_labels:
                    raise SpecError(f"The model uses the label {name!r}, which the invariance sequence needs for "
                                    f"'{r.lhs} {r.op} {r.rhs}'; rename it.")
                labels = [labels[0] or name] * ngroups
            elif kind == "fixed_first" and values[0] != "NA":
                values = [values[0]] + ["NA"] * (ngroups - 1)
                labels = [""] * ngroups
            elif kind == "fixed_all":
                values = [_fmt(arg)] * ngroups
                labels = [""] * ngroups
        lines.append(_line(r, values, labels))
    header = f"# {level} model (Wu & Estabrook 2016 identification, {parameterization} parameterization)"
    return "\n".join([header, *lines]) + "\n"


def _rule(r, equal: set, ov_ord: set, lv: set, nth: dict, parameterization: str):
    """What the level does to row ``r``: ("equal", None), ("fixed_first", None) (fixed in group
    1, free elsewhere), ("fixed_all", value) or None (configural specification)."""
    if r.op == "=~" and r.rhs in ov_ord:
        return ("equal", None) if "loadings" in equal else None
    if r.op == "|":
        return ("equal", None) if "thresholds" in equal else None
    if r.op == "~1" and r.lhs in ov_ord:
        if "intercepts" in equal:
            return ("fixed_all", 0.0)
        return ("fixed_first", None) if "thresholds" in equal else None
    is_scale = (r.op == "~*~" and parameterization == "delta") or (
        r.op == "~~" and r.lhs == r.rhs and r.lhs in ov_ord and parameterization == "theta")
    if is_scale:
        if "residuals" in equal:
            return ("fixed_all", 1.0)
        if "thresholds" in equal and (nth.get(r.lhs, 1) >= 2 or "intercepts" in equal):
            return ("fixed_first", None)
        return None
    if r.op == "~~" and r.lhs == r.rhs and r.lhs in lv:
        return ("fixed_first", None) if "loadings" in equal else None
    if r.op == "~1" and r.lhs in lv:
        return ("fixed_first", None) if "intercepts" in equal else None
    return None


def _label(r, ov_index: dict, lv_index: dict) -> str:
    if r.op == "=~":
        return f"lambda.{ov_index[r.rhs]}_{lv_index[r.lhs]}"
    if r.op == "|":
        return f"tau.{ov_index[r.lhs]}_{r.rhs[1:]}"
    raise AssertionError(r.op)  # only loadings and thresholds are set equal by label


def _line(r, values: list[str], labels: list[str]) -> str:
    mods = []
    if any(labels):
        if not all(labels):
            raise AssertionError("labels must be given in every group or none")
        mods.append(f"c({', '.join(labels)})")
    if not (all(v == "NA" for v in values) and mods):
        mods.append(f"c({', '.join(values)})")
    term = "*".join([*mods, {"~1": "1"}.get(r.op, r.rhs)])
    op = "~" if r.op == "~1" else r.op
    return f"{r.lhs} {op} {term}"
