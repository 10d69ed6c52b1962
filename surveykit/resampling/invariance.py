"""Measurement invariance across groups: configural, metric, scalar and strict models,
difference tests, decisions against a declared convention, a partial-invariance search and
latent mean differences.

Each level adds equality constraints to the previous one (lavaan ``group.equal``):
metric = loadings; scalar = + intercepts; strict = + residual variances.  A level "holds"
when the fit does not deteriorate beyond the convention's cut-offs relative to the level
before it (e.g. Cheung & Rensvold 2002: CFI drops by no more than .01; Chen 2007: also RMSEA
rises by no more than .015).  When a level fails and ``partial=True``, the constraint with
the largest score test (Lagrange multiplier) among those the level added is released
(lavaan ``group.partial``), one at a time, until the criterion holds or nothing is left.

Validated against: lavaan 0.6.14 ``cfa(..., group = "school", group.equal = ...)`` and
``lavTestLRT`` on Holzinger-Swineford (chi-square, df, CFI, RMSEA per level; difference tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from surveykit.errors import SpecError, check_option
from surveykit.results import ResultMixin, Summary, to_jsonable
from surveykit.sem import SEMResult, sem
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

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return to_jsonable({
            "group": self.group, "group_labels": list(self.group_labels), "convention": self.convention,
            "citation": CONVENTIONS[self.convention]["citation"], "table": self.table.reset_index(),
            "released": self.released, "latent_means": self.latent_means,
        })

    def _repr_line(self) -> str:
        held = [lvl for lvl in self.table.index if bool(self.table.loc[lvl, "holds"])]
        return f"InvarianceResult group={self.group!r} holds: {', '.join(held)}"

    def summary(self) -> Summary:
        cols = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq_diff", "df_diff", "pvalue_diff",
                "delta_cfi", "delta_rmsea", "holds"]
        notes = [f"Convention: {self.convention}. {CONVENTIONS[self.convention]['citation']}"]
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


def _row(fit: SEMResult) -> dict:
    f = fit.fit_measures()
    return {k: f[k] for k in ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic")}


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


def invariance(
    model: str,
    data,
    *,
    group: str,
    levels: tuple[str, ...] = ("configural", "metric", "scalar", "strict"),
    estimator: Literal["ML"] = "ML",
    convention: str = "cheung-rensvold-2002",
    partial: bool = True,
    max_released: int | None = None,
) -> InvarianceResult:
    """Test measurement invariance of ``model`` across the groups in column ``group``.

    Returns an :class:`InvarianceResult` whose ``.table`` is indexed by level with chisq, df,
    cfi, tli, rmsea, srmr, chisq_diff, df_diff, pvalue_diff, delta_cfi, delta_rmsea and
    ``holds``.  Chi-square difference tests are likelihood-ratio tests between successive
    levels (lavaan ``lavTestLRT``), with the RMSEA of the difference.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> res = sk.invariance("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9",
    ...                     hs, group="school", partial=False)
    >>> round(res.table.loc["metric", "chisq"], 3)
    124.044
    """
    check_option("convention", convention, CONVENTIONS)
    unknown = [lvl for lvl in levels if lvl not in LEVELS]
    if unknown or not levels or levels[0] != "configural":
        raise SpecError(f"levels must start with 'configural' and use {', '.join(LEVELS)}; got {levels}.")
    order = list(LEVELS)
    if [order.index(lvl) for lvl in levels] != sorted(order.index(lvl) for lvl in levels):
        raise SpecError(f"levels must be in the order {', '.join(LEVELS)}.")
    conv = CONVENTIONS[convention]
    fits: dict[str, SEMResult] = {}
    rows: dict[str, dict] = {}
    released: dict[str, list[str]] = {}
    tried: dict[str, pd.DataFrame] = {}
    all_released: list[str] = []
    prev = None
    for lvl in levels:
        equal = LEVELS[lvl]
        fit = sem(model, data, estimator=estimator, group=group, group_equal=equal, group_partial=all_released)
        released[lvl] = []
        if prev is not None and partial and lvl in _ADDED:
            steps = []
            while True:
                d_cfi = fit.fit_measures()["cfi"] - fits[prev].fit_measures()["cfi"]
                d_rmsea = fit.fit_measures()["rmsea"] - fits[prev].fit_measures()["rmsea"]
                if _holds(d_cfi, d_rmsea, conv):
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
                fit = sem(model, data, estimator=estimator, group=group, group_equal=equal,
                          group_partial=all_released)
            if steps:
                tried[lvl] = pd.concat(steps, ignore_index=True)
        fits[lvl] = fit
        rows[lvl] = _row(fit)
        prev = lvl
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "level"
    ngroups = len(fits["configural"].partable.group_labels)
    n = fits["configural"].nobs
    for c in ("chisq_diff", "df_diff", "pvalue_diff", "rmsea_diff", "delta_cfi", "delta_rmsea"):
        table[c] = np.nan
    holds = []
    for i, lvl in enumerate(table.index):
        if i == 0:
            holds.append(True)
            continue
        before = table.index[i - 1]
        dchi = table.loc[lvl, "chisq"] - table.loc[before, "chisq"]
        ddf = table.loc[lvl, "df"] - table.loc[before, "df"]
        table.loc[lvl, "chisq_diff"] = dchi
        table.loc[lvl, "df_diff"] = ddf
        table.loc[lvl, "pvalue_diff"] = float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan
        table.loc[lvl, "rmsea_diff"] = (math.sqrt(max(0.0, (dchi - ddf) / (n * ddf))) * math.sqrt(ngroups)
                                        if ddf > 0 else np.nan)
        table.loc[lvl, "delta_cfi"] = table.loc[lvl, "cfi"] - table.loc[before, "cfi"]
        table.loc[lvl, "delta_rmsea"] = table.loc[lvl, "rmsea"] - table.loc[before, "rmsea"]
        holds.append(bool(holds[-1]) and _holds(table.loc[lvl, "delta_cfi"], table.loc[lvl, "delta_rmsea"], conv))
    table["holds"] = holds

    latent = pd.DataFrame(columns=["group", "factor", "est", "se", "z", "pvalue", "std"])
    if "scalar" in table.index and bool(table.loc["scalar", "holds"]):
        pe = fits["scalar"].parameter_estimates()
        lvs = fits["scalar"].partable.lv_names
        rows_lm = []
        labels = fits["scalar"].partable.group_labels
        for g in range(2, ngroups + 1):
            for f in lvs:
                r = pe[(pe["op"] == "~1") & (pe["lhs"] == f) & (pe["group"] == g)].iloc[0]
                var1 = pe[(pe["op"] == "~~") & (pe["lhs"] == f) & (pe["rhs"] == f) & (pe["group"] == 1)].iloc[0]["est"]
                varg = pe[(pe["op"] == "~~") & (pe["lhs"] == f) & (pe["rhs"] == f) & (pe["group"] == g)].iloc[0]["est"]
                pooled = math.sqrt((var1 + varg) / 2) if var1 + varg > 0 else np.nan
                rows_lm.append({"group": labels[g - 1], "factor": f, "est": r["est"], "se": r["se"], "z": r["z"],
                                "pvalue": r["pvalue"], "std": r["est"] / pooled})
        latent = pd.DataFrame(rows_lm)
    return InvarianceResult(
        table=table, convention=convention, group=group,
        group_labels=tuple(fits["configural"].partable.group_labels), released=released,
        latent_means=latent, fits=fits, score_tests=tried,
    )
