"""Measurement invariance across groups: the continuous sequence (configural, metric, scalar,
strict) and the ordinal one (configural, thresholds, metric, scalar, strict), difference tests,
decisions against a declared convention, a partial-invariance search and latent mean
differences.

Continuous indicators: each level adds equality constraints to the previous one (lavaan
``group.equal``): metric = loadings; scalar = + intercepts; strict = + residual variances.
Ordinal indicators (``ordered=``): the models of semTools' ``measEq.syntax`` with Wu & Estabrook's
(2016) identification (:mod:`surveykit.sem.measeq`): thresholds; + loadings; + intercepts;
+ residual variances (theta parameterization).

A level "holds" when the fit does not deteriorate beyond the convention's cut-offs relative to
the level before it (e.g. Cheung & Rensvold 2002: CFI drops by no more than .01; Chen 2007: also
RMSEA rises by no more than .015).  The indices compared are the standard ones under ML, the
robust ones (lavaan's ``cfi.robust``, ``rmsea.robust``) under MLR/MLM and other robust continuous
estimators, and the scaled ones (``cfi.scaled``, ``rmsea.scaled``) under WLSMV, whose robust
versions lavaan does not define once scales are free.  When a continuous level fails and
``partial=True``, the constraint with the largest score test (Lagrange multiplier) among those
the level added is released (lavaan ``group.partial``), one at a time, until the criterion holds
or nothing is left.  Difference tests are lavaan's ``lavTestLRT`` defaults: the likelihood ratio
under ML, Satorra-Bentler (2001) under MLR/MLM, Satorra (2000) scaled and shifted under WLSMV.

Validated against: lavaan 0.6.14 ``cfa(..., group = "school", group.equal = ...)`` and
``lavTestLRT`` on Holzinger-Swineford; semTools 0.5 ``measEq.syntax`` fitted by lavaan on bfi
(delta and theta parameterizations, binary and three-category items).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from surveykit.errors import SpecError, check_option
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem import SEMResult, sem
from surveykit.sem.api import parameter_table
from surveykit.sem.measeq import ORDINAL_LEVELS, ordinal_invariance_syntax
from surveykit.sem.modindices import score_tests

__all__ = ["CONVENTIONS", "InvarianceResult", "invariance"]

LEVELS = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
_ADDED = {"metric": "loadings", "scalar": "intercepts", "strict": "residuals"}
_OP_OF = {"loadings": "=~", "intercepts": "~1", "residuals": "~~"}
_INDEX_NAMES = {"standard": "CFI, TLI and RMSEA", "robust": "robust CFI, TLI and RMSEA (lavaan's cfi.robust, ...)",
                "scaled": "scaled CFI, TLI and RMSEA (lavaan's cfi.scaled, ...)"}

#: Cut-offs for a change in fit between nested invariance models, with their sources.
CONVENTIONS: dict[str, dict] = {
    "cheung-rensvold-2002": {
        "delta_cfi": 0.01, "delta_rmsea": None,
        "citation": "Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing "
                    "measurement invariance. Structural Equation Modeling, 9(2), 233-255.",
    },
    "chen-2007": {
        "delta_cfi": 0.01, "delta_rmsea": 0.015,
        "citation": "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance. "
                    "Structural Equation Modeling, 14(3), 464-504.",
    },
}
WU_ESTABROOK = ("Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of different "
                "levels of invariance for ordered categorical outcomes. Psychometrika, 81(4), 1014-1045.")


@dataclass(frozen=True, repr=False, eq=False)
class InvarianceResult(ResultMixin):
    """Fit per invariance level, difference tests and decisions."""

    table: pd.DataFrame  # indexed by level
    convention: str
    group: str
    group_labels: tuple[str, ...]
    released: dict  # level -> list of released constraints ("f =~ x2")
    latent_means: pd.DataFrame  # from the highest level of scalar invariance that holds
    fits: dict = field(repr=False, default_factory=dict)  # level -> SEMResult
    score_tests: dict = field(repr=False, default_factory=dict)  # level -> DataFrame of tried releases
    estimator: str = "ML"
    ordinal: bool = False
    parameterization: str = ""  # ordinal sequence: "delta" or "theta"
    fit_indices: str = "standard"  # which CFI/TLI/RMSEA the decisions compare: standard, robust, scaled
    difference_test: str = ""  # the method of the difference tests
    syntax: dict = field(repr=False, default_factory=dict)  # ordinal sequence: level -> lavaan syntax

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return to_jsonable({
            "group": self.group, "group_labels": list(self.group_labels), "convention": self.convention,
            "citation": CONVENTIONS[self.convention]["citation"], "estimator": self.estimator,
            "ordinal": self.ordinal, "parameterization": self.parameterization, "fit_indices": self.fit_indices,
            "difference_test": self.difference_test, "identification": WU_ESTABROOK if self.ordinal else "",
            "table": self.table.reset_index(), "released": self.released, "latent_means": self.latent_means,
            "syntax": self.syntax,
        })

    def _repr_line(self) -> str:
        held = [lvl for lvl in self.table.index if bool(self.table.loc[lvl, "holds"])]
        return f"InvarianceResult group={self.group!r} holds: {', '.join(held)}"

    def summary(self) -> Summary:
        cols = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff", "pvalue_diff",
                "delta_cfi", "delta_rmsea", "holds"]
        notes = [f"Convention: {self.convention}. {CONVENTIONS[self.convention]['citation']}",
                 f"Estimator {self.estimator}; the decisions compare the {_INDEX_NAMES[self.fit_indices]}; "
                 f"difference tests: {self.difference_test}."]
        if self.ordinal:
            notes.append(f"Ordinal indicators ({self.parameterization} parameterization), identified as in "
                         f"{WU_ESTABROOK}")
        for lvl, rel in self.released.items():
            if rel:
                notes.append(f"Partial {lvl} invariance: released {', '.join(rel)}.")
        tables = [("Invariance levels", self.table[cols].reset_index())]
        if len(self.latent_means):
            tables.append(("Latent mean differences (reference: first group)", self.latent_means))
        return Summary(title=f"Measurement invariance across {self.group!r} ({', '.join(self.group_labels)})",
                       tables=tuple(tables), notes=tuple(notes))


def _holds(delta_cfi: float, delta_rmsea: float, conv: dict) -> bool:
    ok = delta_cfi >= -conv["delta_cfi"] - 1e-12
    if conv["delta_rmsea"] is not None:
        ok = ok and delta_rmsea <= conv["delta_rmsea"] + 1e-12
    return bool(ok)


def _index_kind(fit: SEMResult, ordinal: bool) -> str:
    f = fit.fit_measures()
    if "cfi_scaled" not in f:
        return "standard"
    return "scaled" if ordinal else "robust"


def _row(fit: SEMResult, kind: str) -> dict:
    f = fit.fit_measures()
    suffix = "" if kind == "standard" else f"_{kind}"
    out = {k: f.get(k, np.nan) for k in ("npar", "chisq", "df", "pvalue")}
    out.update({k: f.get(f"{k}{suffix}", np.nan) for k in ("cfi", "tli", "rmsea")})
    out.update({k: f.get(k, np.nan) for k in ("srmr", "aic", "bic")})
    if kind != "standard":
        out.update(chisq_scaled=f["chisq_scaled"], df_scaled=f["df_scaled"], pvalue_scaled=f["pvalue_scaled"])
    return out


def _release_candidates(fit: SEMResult, kind: str, released: list[str]) -> list[tuple[str, list[int]]]:
    """Constrained parameters of ``kind`` (name, table rows of groups 2.. sharing group 1's index)."""
    t = fit.partable.table
    lv = set(fit.partable.lv_names)
    op = _OP_OF[kind]
    out = []
    g1 = t[(t["group"] == 1) & (t["op"] == op) & (t["free"] > 0)]
    for r in g1.itertuples():
        if kind == "residuals" and (r.lhs != r.rhs or r.lhs in lv):
            continue
        if kind == "intercepts" and r.lhs in lv:
            continue
        name = f"{r.lhs} {r.op} {r.rhs}".strip()
        if name in released:
            continue
        others = t[(t["group"] > 1) & (t["lhs"] == r.lhs) & (t["op"] == r.op) & (t["rhs"] == r.rhs)
                   & (t["free"] == r.free)]
        if len(others):
            out.append((name, list(others.index)))
    return out


def _check_levels(levels: tuple[str, ...], order: list[str], ordinal: bool) -> None:
    unknown = [lvl for lvl in levels if lvl not in order]
    if unknown or not levels or levels[0] != "configural":
        kind = "ordinal" if ordinal else "continuous"
        raise SpecError(f"levels must start with 'configural' and use {', '.join(order)} (the {kind} sequence); "
                        f"got {levels}.")
    if [order.index(lvl) for lvl in levels] != sorted(order.index(lvl) for lvl in levels):
        raise SpecError(f"levels must be in the order {', '.join(order)}.")


def invariance(
    model: str,
    data,
    *,
    group: str,
    levels: tuple[str, ...] | None = None,
    estimator: str | None = None,
    ordered=None,
    parameterization: Literal["delta", "theta"] = "delta",
    missing: str = "listwise",
    convention: str = "cheung-rensvold-2002",
    partial: bool | None = None,
    max_released: int | None = None,
) -> InvarianceResult:
    """Test measurement invariance of ``model`` across the groups in column ``group``.

    Continuous indicators (default): levels configural, metric, scalar, strict, estimator "ML"
    (or any continuous estimator of :func:`surveykit.sem`, e.g. "MLR"; ``missing="fiml"``).
    Ordinal indicators (``ordered=True`` or a list of columns): levels configural, thresholds,
    metric, scalar (and strict with ``parameterization="theta"``), estimator "WLSMV", with
    Wu & Estabrook's (2016) identification (semTools ``measEq.syntax``); the syntax of every
    level is kept in ``.syntax``.

    Returns an :class:`InvarianceResult` whose ``.table`` is indexed by level with npar, chisq,
    df, cfi, tli, rmsea, srmr (robust or scaled versions where the estimator has them; see
    ``fit_indices``), chisq_diff, df_diff, pvalue_diff, rmsea_diff (standard test only),
    delta_cfi, delta_rmsea and ``holds``.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> res = sk.invariance("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9",
    ...                     hs, group="school", partial=False)
    >>> print(round(res.table.loc["metric", "chisq"], 3))
    124.044
    """
    check_option("convention", convention, CONVENTIONS)
    ordinal = ordered is not None and ordered is not False and not (hasattr(ordered, "__len__") and not len(ordered))
    if ordinal:
        order = list(ORDINAL_LEVELS)
        if levels is None:
            levels = tuple(order[:5] if parameterization == "theta" else order[:4])
        if partial:
            raise SpecError("partial=True (the search for constraints to release) is available for continuous "
                            "indicators only; for ordinal indicators leave it out and read the level that fails.")
        partial = False
        estimator = estimator or "WLSMV"
        if missing != "listwise":
            raise SpecError(f"missing={missing!r} is not available for ordinal indicators here; use 'listwise'.")
    else:
        order = list(LEVELS)
        levels = levels if levels is not None else tuple(order)
        partial = True if partial is None else partial
        estimator = estimator or "ML"
        if parameterization != "delta":
            raise SpecError("parameterization= applies to ordinal indicators; give ordered= or leave it out.")
    levels = tuple(levels)
    _check_levels(levels, order, ordinal)
    conv = CONVENTIONS[convention]
    if ordinal:
        fits, released, tried, syntax = _ordinal_fits(model, data, group, levels, estimator, ordered,
                                                      parameterization)
    else:
        fits, released, tried = _continuous_fits(model, data, group, levels, estimator, missing, conv, partial,
                                                 max_released)
        syntax = {}
    kind = _index_kind(fits["configural"], ordinal)
    table = pd.DataFrame.from_dict({lvl: _row(f, kind) for lvl, f in fits.items()}, orient="index")
    table.index.name = "level"
    method = _difference_tests(table, fits, conv)
    ngroups = len(fits["configural"].partable.group_labels)
    latent = _latent_means(fits, table, ngroups)
    return InvarianceResult(
        table=table, convention=convention, group=group,
        group_labels=tuple(fits["configural"].partable.group_labels), released=released,
        latent_means=latent, fits=fits, score_tests=tried, estimator=fits["configural"].estimator,
        ordinal=ordinal, parameterization=parameterization if ordinal else "", fit_indices=kind,
        difference_test=method, syntax=syntax,
    )


def _ordinal_fits(model, data, group, levels, estimator, ordered, parameterization):
    frame = getattr(data, "frame", data)
    configural_pt = parameter_table(model, frame, ordered=ordered, group=group, std_lv=True,
                                    parameterization=parameterization, estimator=estimator)
    fits: dict[str, SEMResult] = {}
    syntax: dict[str, str] = {}
    for lvl in levels:
        syntax[lvl] = ordinal_invariance_syntax(configural_pt, lvl, parameterization=parameterization)
        fits[lvl] = sem(syntax[lvl], frame, ordered=list(configural_pt.ov_ord), group=group, std_lv=True,
                        parameterization=parameterization, estimator=estimator)
    return fits, {lvl: [] for lvl in levels}, {}, syntax


def _continuous_fits(model, data, group, levels, estimator, missing, conv, partial, max_released):
    fits: dict[str, SEMResult] = {}
    released: dict[str, list[str]] = {}
    tried: dict[str, pd.DataFrame] = {}
    all_released: list[str] = []
    prev = None

    def fit_level(equal):
        return sem(model, data, estimator=estimator, missing=missing, group=group, group_equal=equal,
                   group_partial=all_released)

    for lvl in levels:
        equal = LEVELS[lvl]
        fit = fit_level(equal)
        kind = _index_kind(fit, False)
        released[lvl] = []
        if prev is not None and partial and lvl in _ADDED:
            steps = []
            while True:
                now, before = _row(fit, kind), _row(fits[prev], kind)
                if _holds(now["cfi"] - before["cfi"], now["rmsea"] - before["rmsea"], conv):
                    break
                if max_released is not None and len(released[lvl]) >= max_released:
                    break
                cands = _release_candidates(fit, _ADDED[lvl], all_released)
                if not cands:
                    break
                scores = []
                for name, rows_ in cands:
                    st = score_tests(fit, release=rows_[:1]) if len(rows_) == 1 else None
                    if st is None:
                        # several groups: release group by group and take the largest statistic
                        st = pd.concat([score_tests(fit, release=[r]) for r in rows_])
                    scores.append((name, float(st["mi"].max())))
                steps.append(pd.DataFrame(scores, columns=["parameter", "score_test"]).assign(step=len(steps) + 1))
                best = max(scores, key=lambda x: (x[1] if np.isfinite(x[1]) else -1))
                all_released.append(best[0])
                released[lvl].append(best[0])
                fit = fit_level(equal)
            if steps:
                tried[lvl] = pd.concat(steps, ignore_index=True)
        fits[lvl] = fit
        prev = lvl
    return fits, released, tried


def _difference_tests(table: pd.DataFrame, fits: dict, conv: dict) -> str:
    """Fill chisq_diff .. holds in ``table``; returns the method of the difference tests."""
    for c in ("chisq_diff", "df_diff", "pvalue_diff", "rmsea_diff", "delta_cfi", "delta_rmsea"):
        table[c] = np.nan
    holds = [True]
    method = ""
    for i in range(1, len(table.index)):
        lvl, before = table.index[i], table.index[i - 1]
        d = fits[before].compare(fits[lvl], names=[before, lvl]).iloc[1]
        method = d["method"]
        table.loc[lvl, ["chisq_diff", "df_diff", "pvalue_diff", "rmsea_diff"]] = [
            d["chisq_diff"], d["df_diff"], d["pvalue"], d["rmsea"]]
        table.loc[lvl, "delta_cfi"] = table.loc[lvl, "cfi"] - table.loc[before, "cfi"]
        table.loc[lvl, "delta_rmsea"] = table.loc[lvl, "rmsea"] - table.loc[before, "rmsea"]
        holds.append(bool(holds[-1]) and _holds(table.loc[lvl, "delta_cfi"], table.loc[lvl, "delta_rmsea"], conv))
    table["holds"] = holds
    return method


def _latent_means(fits: dict, table: pd.DataFrame, ngroups: int) -> pd.DataFrame:
    """Latent mean differences from the scalar level when it holds (group 1 the reference),
    standardized by the pooled factor standard deviation."""
    latent = pd.DataFrame(columns=["group", "factor", "est", "se", "z", "pvalue", "std"])
    if "scalar" not in table.index or not bool(table.loc["scalar", "holds"]):
        return latent
    pe = fits["scalar"].parameter_estimates()
    lvs = fits["scalar"].partable.lv_names
    labels = fits["scalar"].partable.group_labels
    rows = []
    for g in range(2, ngroups + 1):
        for f in lvs:
            r = pe[(pe["op"] == "~1") & (pe["lhs"] == f) & (pe["group"] == g)].iloc[0]
            var1 = pe[(pe["op"] == "~~") & (pe["lhs"] == f) & (pe["rhs"] == f) & (pe["group"] == 1)].iloc[0]["est"]
            varg = pe[(pe["op"] == "~~") & (pe["lhs"] == f) & (pe["rhs"] == f) & (pe["group"] == g)].iloc[0]["est"]
            pooled = math.sqrt((var1 + varg) / 2) if var1 + varg > 0 else np.nan
            rows.append({"group": labels[g - 1], "factor": f, "est": r["est"], "se": r["se"], "z": r["z"],
                         "pvalue": r["pvalue"], "std": r["est"] / pooled})
    return pd.DataFrame(rows)
