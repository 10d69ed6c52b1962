"""Careless-response screening: flag, never silently delete.

Indices per respondent (computed on the item responses as answered, in instrument order):

* ``longstring``: the longest run of identical consecutive answers (Johnson 2005);
* ``irv``: intra-individual response variability, the SD of a respondent's answers
  (Dunn et al. 2018);
* ``duration``: completion time in seconds (from the instrument's ``duration`` variable);
* ``prop_missing``: share of items not answered;
* ``mahalanobis``: squared Mahalanobis distance on the complete items and its chi-square
  p-value (Meade & Craig 2012);
* ``attention_failed``, ``attention_unanswered``: how many of the instrument's declared
  attention checks (``attention_checks``, each with its correct answer(s)) a respondent
  answered wrongly, and left unanswered (only when the instrument declares checks).

Exclusion rules are declared data (the analysis spec); :func:`screen` reports how many
respondents each rule flagged and N before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from surveykit.data.survey import SurveyData
from surveykit.errors import DataError
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["ScreeningRule", "ScreeningResult", "careless_indices", "screen"]


class ScreeningRule(BaseModel):
    """One exclusion rule.  ``rule`` names the index; the threshold key depends on it.

    * ``longstring``: exclude when the longest run >= ``min_run`` (default: all items);
    * ``irv``: exclude when the SD of answers < ``below``;
    * ``speed``: exclude when duration < ``min_seconds``;
    * ``missing``: exclude when the share of unanswered items > ``max_prop``;
    * ``mahalanobis``: exclude when the chi-square p-value < ``p_below``;
    * ``attention``: exclude when the number of failed attention checks >= ``min_failed``
      (default 1); an unanswered check counts as failed only with ``count_unanswered: true``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: Literal["longstring", "irv", "speed", "missing", "mahalanobis", "attention"]
    min_run: int | None = Field(default=None, ge=2)
    below: float | None = Field(default=None, ge=0)
    min_seconds: float | None = Field(default=None, gt=0)
    max_prop: float | None = Field(default=None, ge=0, le=1)
    p_below: float | None = Field(default=None, gt=0, lt=1)
    min_failed: int | None = Field(default=None, ge=1)
    count_unanswered: bool = False

    def threshold(self, n_items: int) -> float:
        """The effective threshold of the rule (defaults filled in)."""
        return {
            "longstring": float(self.min_run or n_items),
            "irv": self.below if self.below is not None else 0.0,
            "speed": self.min_seconds if self.min_seconds is not None else float("nan"),
            "missing": self.max_prop if self.max_prop is not None else 0.5,
            "mahalanobis": self.p_below if self.p_below is not None else 0.001,
            "attention": float(self.min_failed or 1),
        }[self.rule]

    def describe(self, n_items: int) -> str:
        if self.rule == "longstring":
            return f"longest run of identical answers >= {self.min_run or n_items}"
        if self.rule == "irv":
            return f"SD of a respondent's answers < {self.below if self.below is not None else 0.0}"
        if self.rule == "speed":
            return f"completion time < {self.min_seconds} s"
        if self.rule == "missing":
            return f"share of unanswered items > {self.max_prop if self.max_prop is not None else 0.5}"
        if self.rule == "attention":
            unanswered = " (unanswered counts as failed)" if self.count_unanswered else ""
            return f"failed attention checks >= {self.min_failed or 1}{unanswered}"
        return f"Mahalanobis distance p < {self.p_below if self.p_below is not None else 0.001}"


def _longest_run(row: np.ndarray) -> int:
    best = run = 0
    prev = np.nan
    for v in row:
        if np.isnan(v):
            run = 0
            prev = np.nan
            continue
        run = run + 1 if v == prev else 1
        prev = v
        best = max(best, run)
    return best


def careless_indices(data: SurveyData) -> pd.DataFrame:
    """Per-respondent careless-response indices (see module docstring)."""
    ins = data.instrument
    if ins is None:
        raise DataError("Screening needs a SurveyData read with an instrument.")
    cols = [i for i in ins.item_ids if i in data.frame.columns]
    x = data.frame[cols].astype(float).to_numpy()
    out = pd.DataFrame(index=data.frame.index)
    out["longstring"] = [_longest_run(r) for r in x]
    with np.errstate(invalid="ignore"):
        out["irv"] = np.nanstd(x, axis=1, ddof=1) if x.shape[1] > 1 else np.nan
    out["prop_missing"] = np.isnan(x).mean(axis=1)
    dur = [r.id for r in ins.respondent if r.type == "duration" and r.id in data.frame.columns]
    out["duration"] = pd.to_numeric(data.frame[dur[0]], errors="coerce").to_numpy() if dur else np.nan
    complete = ~np.isnan(x).any(axis=1)
    d2 = np.full(len(x), np.nan)
    p = np.full(len(x), np.nan)
    if complete.sum() > x.shape[1] + 1:
        xc = x[complete]
        mu = xc.mean(axis=0)
        cov = np.cov(xc, rowvar=False)
        inv = np.linalg.pinv(cov)
        dev = xc - mu
        d2[complete] = np.einsum("ij,jk,ik->i", dev, inv, dev)
        p[complete] = stats.chi2.sf(d2[complete], df=x.shape[1])
    out["mahalanobis"] = d2
    out["mahalanobis_p"] = p
    checks = [a for a in ins.attention_checks if a.id in data.frame.columns]
    if ins.attention_checks:
        failed = np.zeros(len(x), dtype=int)
        unanswered = np.zeros(len(x), dtype=int)
        for a in checks:
            answer = pd.to_numeric(data.frame[a.id], errors="coerce").to_numpy(dtype=float)
            failed += (~np.isnan(answer) & ~np.isin(answer, list(a.correct))).astype(int)
            unanswered += np.isnan(answer).astype(int)
        out["attention_failed"] = failed
        out["attention_unanswered"] = unanswered
    return out


@dataclass(frozen=True, repr=False, eq=False)
class ScreeningResult(ResultMixin):
    indices: pd.DataFrame
    flags: pd.DataFrame  # one boolean column per rule
    rules: tuple[ScreeningRule, ...]
    n_before: int
    n_after: int
    n_items: int

    @property
    def excluded(self) -> pd.Series:
        return self.flags.any(axis=1) if len(self.flags.columns) else pd.Series(False, index=self.indices.index)

    def counts(self) -> pd.DataFrame:
        rows = [
            {"rule": r.rule, "criterion": r.describe(self.n_items), "threshold": r.threshold(self.n_items),
             "flagged": int(self.flags[f"{r.rule}_{i}"].sum())}
            for i, r in enumerate(self.rules)
        ]
        return pd.DataFrame(rows, columns=["rule", "criterion", "threshold", "flagged"])

    def to_frame(self) -> pd.DataFrame:
        return self.indices.join(self.flags)

    def to_dict(self) -> dict:
        return to_jsonable({"n_before": self.n_before, "n_after": self.n_after,
                            "n_excluded": self.n_before - self.n_after, "rules": self.counts()})

    def _repr_line(self) -> str:
        return f"ScreeningResult N {self.n_before} -> {self.n_after}"

    def summary(self) -> Summary:
        return Summary(title=f"Screening: N before {self.n_before}, after {self.n_after}",
                       tables=(("Exclusions by rule", self.counts()),),
                       notes=("A respondent flagged by several rules is counted under each and excluded once.",))


def screen(data: SurveyData, rules: list[ScreeningRule] | tuple[ScreeningRule, ...] = ()) -> ScreeningResult:
    """Compute careless-response indices and apply the declared exclusion rules (flags only)."""
    idx = careless_indices(data)
    n_items = len([i for i in data.instrument.item_ids if i in data.frame.columns])
    flags = pd.DataFrame(index=idx.index)
    for i, r in enumerate(rules):
        if r.rule == "longstring":
            f = idx["longstring"] >= (r.min_run or n_items)
        elif r.rule == "irv":
            f = idx["irv"] < (r.below if r.below is not None else 1e-12)
            if r.below is None:
                f = idx["irv"] <= 0
        elif r.rule == "speed":
            if idx["duration"].isna().all():
                raise DataError("A 'speed' screening rule needs a duration variable in the instrument and the data.")
            if r.min_seconds is None:
                raise DataError("The 'speed' screening rule needs 'min_seconds'.")
            f = idx["duration"] < r.min_seconds
        elif r.rule == "missing":
            f = idx["prop_missing"] > (r.max_prop if r.max_prop is not None else 0.5)
        elif r.rule == "attention":
            present = [a.id for a in data.instrument.attention_checks if a.id in data.frame.columns]
            if not present:
                declared = "declares none" if not data.instrument.attention_checks else "has none of them in the data"
                raise DataError(
                    f"The 'attention' screening rule needs attention checks, but instrument "
                    f"'{data.instrument.id}' {declared}; declare them under 'attention_checks' in the instrument "
                    "(id, text, correct) and keep their columns in the data, or remove the rule."
                )
            failed = idx["attention_failed"] + (idx["attention_unanswered"] if r.count_unanswered else 0)
            f = failed >= (r.min_failed or 1)
        else:
            f = idx["mahalanobis_p"] < (r.p_below if r.p_below is not None else 0.001)
        flags[f"{r.rule}_{i}"] = f.fillna(False).astype(bool)
    excluded = flags.any(axis=1) if len(flags.columns) else pd.Series(False, index=idx.index)
    return ScreeningResult(indices=idx, flags=flags, rules=tuple(rules), n_before=len(idx),
                           n_after=int((~excluded).sum()), n_items=n_items)
