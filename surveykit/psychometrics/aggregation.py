"""Aggregation statistics for group-level (branch-level) constructs: ICC(1), ICC(2), rwg, rwg(j).

Before members' answers are averaged into a branch's score, the literature asks whether the
branches differ (ICC(1), with its F test), whether the branch means are reliable (ICC(2)) and
whether members of a branch agree (rwg(j) per branch, summarized over branches).  Formulas in
:mod:`surveykit._core.aggregation`; conventional cut-offs with their sources in
``aggregation_cutoffs.yaml`` beside this file.

Validated against: R 4.2.2 ``aov()`` with the formulas written out, ``psych::statsBy`` 2.2.9
(ICC(1) with the mean group size and ICC(2)), and rwg / rwg(j) written from James, Demaree &
Wolf (1984) (tests/reference/make_design_reference.R; Bliese's multilevel package is not
available there): 1e-8 relative.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from surveykit._core import aggregation as agg
from surveykit.data import SurveyData
from surveykit.errors import DataError, MissingDataWarning, SpecError, check_option
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["AggregationResult", "aggregation", "aggregation_cutoffs"]


@lru_cache(maxsize=1)
def _cutoff_file() -> dict:
    text = resources.files("surveykit.psychometrics").joinpath("aggregation_cutoffs.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def aggregation_cutoffs() -> dict:
    """The conventional cut-offs (``icc1``, ``icc2``, ``rwg``, ``rwg_j``): per measure the
    comparison ``op``, the ``value``, the short citation ``cite`` and the full ``reference``; and
    LeBreton & Senter's (2008) verbal bands for rwg (``rwg_bands``)."""
    data = copy.deepcopy(_cutoff_file())
    refs = data["references"]
    out = {m: {**{k: v for k, v in c.items() if k != "what"}, "reference": refs[c["ref"]], "what": c["what"]}
           for m, c in data["criteria"].items()}
    out["rwg_bands"] = {**data["rwg_bands"], "reference": refs[data["rwg_bands"]["ref"]]}
    return out


@dataclass(frozen=True, repr=False)
class AggregationResult(ResultMixin):
    """ICC(1), ICC(2) and rwg(j) per construct (item set), ICC(1), ICC(2) and rwg per item, and the
    agreement of every group.

    * ``constructs``: one row per item set: ``construct``, ``n_items``, ``options`` (A),
      ``sigma_eu2``, the ANOVA of the score (mean of the items, rows answering all of them: ``n``,
      ``groups``, ``k``, ``ms_between``, ``ms_within``, ``df_between``, ``df_within``, ``f``,
      ``p_value``), ``icc1``, ``icc2``, and over the groups with an rwg(j): ``rwg_j_groups``,
      ``rwg_j_mean``, ``rwg_j_median``, ``rwg_j_share`` (the share meeting ``rwg_cutoff``),
      ``rwg_j_truncated`` (groups whose variance exceeded the uniform null's, set to 0);
    * ``items``: the same per item (rows answering the item), with ``rwg_*``;
    * ``groups``: rwg(j) per (construct, group): ``size``, ``mean_variance``, ``truncated``, ``rwg_j``;
    * ``item_groups``: rwg per (construct, item, group): ``size``, ``variance``, ``truncated``, ``rwg``;
    * ``cutoffs``: the conventional cut-offs with their citations (:func:`aggregation_cutoffs`).
    """

    constructs: pd.DataFrame
    items: pd.DataFrame
    groups: pd.DataFrame
    item_groups: pd.DataFrame
    group: str
    group_size: str
    rwg_cutoff: float
    cutoffs: dict
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.constructs.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"group": self.group, "group_size": self.group_size, "rwg_cutoff": self.rwg_cutoff,
                            "constructs": self.constructs, "items": self.items, "groups": self.groups,
                            "item_groups": self.item_groups, "cutoffs": self.cutoffs, "notes": list(self.notes)})

    def _repr_line(self) -> str:
        return f"AggregationResult {len(self.constructs)} construct(s) in groups of '{self.group}'"

    def summary(self) -> Summary:
        cols = ["construct", "n_items", "n", "groups", "k", "f", "p_value", "icc1", "icc2", "rwg_j_mean",
                "rwg_j_median", "rwg_j_share"]
        t = self.constructs[cols].rename(columns={"rwg_j_share": f"rwg_j >= {self.rwg_cutoff:.2f}"})
        c = self.cutoffs
        shown = {"icc1": "ICC(1)", "icc2": "ICC(2)", "rwg_j": "rwg(j)"}
        conventions = "; ".join(f"{shown[m]} {c[m]['op']} {c[m]['value']:.2f}, {c[m]['cite']}" for m in shown)
        k = ("k = (N - sum n_j^2 / N) / (J - 1), the adjusted group size" if self.group_size == "adjusted"
             else "k = N / J, the mean group size (multilevel::ICC1, psych::statsBy)")
        notes = (f"Groups: '{self.group}'. ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW) with {k}; ICC(2) = (MSB - MSW)"
                 " / MSB; rwg(j) against a uniform null, (A^2 - 1) / 12 (James, Demaree & Wolf 1984).",
                 f"Conventional cut-offs: {conventions}.", *self.notes)
        return Summary(title="Aggregation statistics (ICC and rwg)", tables=(("Constructs", t),), notes=notes)


def _anova_row(y: np.ndarray, codes: np.ndarray, group_size: str) -> dict:
    a = agg.one_way_anova(y, codes)
    k = a.k_adjusted if group_size == "adjusted" else a.k_mean
    return {"n": a.n, "groups": a.groups, "k": k, "ms_between": a.ms_between, "ms_within": a.ms_within,
            "df_between": a.df_between, "df_within": a.df_within, "f": a.f, "p_value": a.p_value,
            "icc1": agg.icc1(a.ms_between, a.ms_within, k), "icc2": agg.icc2(a.ms_between, a.ms_within)}


def _rwg_rows(x: np.ndarray, labels: np.ndarray, sigma2: float) -> list[dict]:
    out = []
    for g in pd.unique(labels):
        value, var, truncated = agg.rwg_j(x[labels == g], sigma2)
        out.append({"group": g, "size": int((labels == g).sum()), "variance": var, "truncated": bool(truncated),
                    "rwg": value})
    return out


def _summarize(rows: list[dict], cutoff: float, prefix: str) -> dict:
    v = np.array([r["rwg"] for r in rows], dtype=float)
    v = v[~np.isnan(v)]
    return {f"{prefix}_groups": len(v), f"{prefix}_mean": float(v.mean()) if len(v) else np.nan,
            f"{prefix}_median": float(np.median(v)) if len(v) else np.nan,
            f"{prefix}_share": float((v >= cutoff).mean()) if len(v) else np.nan,
            f"{prefix}_truncated": int(sum(r["truncated"] for r in rows))}


def _item_sets(data: Any, items, constructs, options) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, int],
                                                              dict[str, tuple[float, float] | None]]:
    """The frame, the item sets, A per set and the scale range per set (None: unknown)."""
    survey = data if isinstance(data, SurveyData) else None
    if survey is None and not isinstance(data, pd.DataFrame):
        raise DataError(f"aggregation() needs a DataFrame or a SurveyData, not {type(data).__name__}.")
    if items is not None and constructs is not None:
        raise SpecError("aggregation() takes items= or constructs=, not both.")
    if items is None:
        if survey is None or survey.instrument is None:
            raise SpecError("aggregation() needs items= (a list of item columns, or {name: [columns]}) when the data "
                            "are a DataFrame.")
        ins = survey.instrument
        codes = [c.code for c in ins.constructs] if constructs is None else list(constructs)
        sets, a, ranges = {}, {}, {}
        keyed = survey.keyed()
        for code in codes:
            ids = survey.item_ids(code)
            scales = {(ins.scale_of(i).min, ins.scale_of(i).max) for i in ids}
            if len(scales) > 1:
                raise DataError(f"Construct {code} mixes response scales ({sorted(scales)}); rwg(j) needs one number "
                                "of response options: pass items= and options= for it.")
            (lo, hi), = scales
            sets[code], a[code], ranges[code] = ids, hi - lo + 1, (lo, hi)
        frame = keyed
    else:
        frame = survey.keyed() if survey is not None and survey.instrument is not None else (
            survey.frame if survey is not None else data)
        if isinstance(items, Mapping):
            sets = {str(k): [items[k]] if isinstance(items[k], str) else list(items[k]) for k in items}
        elif isinstance(items, str):
            sets = {"items": [items]}
        else:
            sets = {"items": list(items)}
        if options is None:
            raise SpecError("aggregation() needs options= (the number of response options A of the items, e.g. 5 "
                            "for a 5-point scale; {name: A} per item set) to compute rwg against a uniform null.")
        a, ranges = {}, dict.fromkeys(sets)
    if options is not None:
        if isinstance(options, Mapping):
            missing = [s for s in sets if s not in options]
            if missing:
                raise SpecError(f"options= gives no number of response options for {', '.join(missing)}.")
            a = {s: options[s] for s in sets}
        else:
            a = dict.fromkeys(sets, options)
        for s, v in a.items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
                raise SpecError(f"options={v!r} for {s} must be a whole number of response options, 2 or more.")
    for s, cols in sets.items():
        if not cols:
            raise SpecError(f"Item set {s} names no columns.")
        unknown = [str(c) for c in cols if c not in frame.columns]
        if unknown:
            raise DataError(f"Item column(s) {', '.join(unknown)} of {s} are not in the data; name columns of the "
                            "data.")
        bad = [str(c) for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise DataError(f"Item column(s) {', '.join(bad)} are not numeric; recode them before aggregation().")
    return frame, sets, a, ranges


def aggregation(
    data: Any,
    *,
    group: str,
    items: str | Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    constructs: Sequence[str] | None = None,
    options: int | Mapping[str, int] | None = None,
    group_size: Literal["adjusted", "mean"] = "adjusted",
    rwg_cutoff: float | None = None,
) -> AggregationResult:
    """ICC(1), ICC(2) and rwg(j) of constructs measured on members nested in groups (branches).

    Parameters
    ----------
    data : SurveyData or DataFrame
        One row per member, with the group column.  A SurveyData with an instrument supplies the
        constructs (keyed items) and their response options.
    group : str
        The column naming each member's group (e.g. ``"branch_id"``).
    items : list of str or {name: list of str}, optional
        Item sets to use instead of the instrument's constructs (a list is one set, ``"items"``).
    constructs : list of str, optional
        The instrument's constructs to use (default: all).
    options : int or {name: int}, optional
        The number of response options ``A`` (needed with ``items=``; with an instrument, taken from
        the construct's scale unless given).
    group_size : {"adjusted", "mean"}
        ``k`` in ICC(1) for unequal groups: ``"adjusted"``, ``k0 = (N - sum n_j^2 / N) / (J - 1)`` (the
        ANOVA variance-component estimator's, and what the issue asked for), or ``"mean"``, ``N / J``
        (Bliese's multilevel ``ICC1`` and psych's ``statsBy``).  Equal for equal groups.
    rwg_cutoff : float, optional
        The agreement counted in ``rwg_j_share`` / ``rwg_share`` (default: the conventional .70,
        LeBreton & Senter 2008, from ``aggregation_cutoffs.yaml``).

    Notes
    -----
    A construct's ICCs and rwg(j) use the members answering all its items (its score: their mean,
    keyed); an item's ICCs and rwg use the members answering it.  ICC(1) = (MSB - MSW) / (MSB +
    (k - 1) MSW), ICC(2) = (MSB - MSW) / MSB from the one-way ANOVA of the score on the group, with
    the F test of group differences.  rwg(J) = J (1 - r) / (J (1 - r) + r), r = mean item variance /
    ((A^2 - 1) / 12), truncated at r = 1 (rwg = 0); groups of one member have none.  Members
    without a group are left out (with a MissingDataWarning).

    Validated against: R 4.2.2 ``aov()`` and the formulas above, ``psych::statsBy`` 2.2.9 (ICC(1)
    with ``group_size="mean"``, ICC(2)); rwg/rwg(j) as multilevel's ``rwg``/``rwg.j`` define them
    (written out in tests/reference/make_design_reference.R): 1e-8 relative.

    Examples
    --------
    >>> import numpy as np, pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"branch": np.repeat(["a", "b", "c"], 4),
    ...                    "q1": [4, 4, 5, 5, 2, 3, 2, 2, 3, 4, 3, 3], "q2": [4, 5, 5, 4, 2, 2, 3, 2, 3, 3, 4, 3]})
    >>> r = sk.aggregation(df, group="branch", items=["q1", "q2"], options=5)
    >>> r.constructs.loc[0, ["icc1", "icc2", "rwg_j_mean"]].round(3).tolist()
    [0.918, 0.978, 0.925]
    """
    check_option("group_size", group_size, ("adjusted", "mean"))
    cutoffs = aggregation_cutoffs()
    if rwg_cutoff is None:
        rwg_cutoff = float(cutoffs["rwg_j"]["value"])
    elif not (isinstance(rwg_cutoff, (int, float)) and 0 < rwg_cutoff <= 1):
        raise SpecError(f"rwg_cutoff={rwg_cutoff!r} must be a number between 0 and 1, such as 0.70.")
    frame, sets, a, ranges = _item_sets(data, items, constructs, options)
    if not isinstance(group, str):
        raise SpecError(f"group={group!r} must be one column name.")
    source = data.frame if isinstance(data, SurveyData) else data
    if group not in source.columns:
        raise DataError(f"Group column '{group}' is not in the data; name the column that identifies each member's "
                        "group (e.g. the branch).")
    labels_all = source[group]
    has_group = labels_all.notna().to_numpy()
    notes = []
    if not has_group.all():
        n_no = int((~has_group).sum())
        msg = (f"{n_no} of {len(has_group)} rows have no value in group column '{group}' and were left out of the "
               "aggregation statistics.")
        warnings.warn(msg, MissingDataWarning, stacklevel=2)
        notes.append(msg)
    frame = frame.loc[has_group].reset_index(drop=True)
    labels = labels_all[has_group].to_numpy()
    sizes = pd.Series(labels).value_counts()
    if len(sizes) < 2:
        raise DataError(f"Group column '{group}' has {'a single group' if len(sizes) else 'no values'}; ICC and rwg "
                        "compare two or more groups: check the column.")
    if (sizes == 1).all():
        raise DataError(f"Group column '{group}' has one member per group ({len(sizes)} groups of {len(labels)} rows); "
                        "ICC and rwg need groups of two or more members: pass the column that identifies the groups "
                        "(e.g. the branch), not the respondents.")
    singles = sizes.index[sizes == 1].tolist()
    if singles:
        shown = ", ".join(map(str, singles[:5])) + (" ..." if len(singles) > 5 else "")
        notes.append(f"{len(singles)} group(s) have one member ({shown}): they have no rwg and add nothing to the "
                     "within-group variance.")
    codes = pd.factorize(labels)[0]

    construct_rows, item_rows, group_rows, item_group_rows = [], [], [], []
    for name, cols in sets.items():
        x = frame[cols].to_numpy(dtype=float)
        empty = [str(c) for c, answered in zip(cols, (~np.isnan(x)).any(axis=0)) if not answered]
        if empty:
            raise DataError(f"Item(s) {', '.join(empty)} of {name} have no answers; remove them.")
        lo, hi = np.nanmin(x), np.nanmax(x)
        if ranges[name] is not None and (lo < ranges[name][0] or hi > ranges[name][1]):
            raise DataError(f"{name} has answers from {lo:g} to {hi:g}, outside its scale {ranges[name][0]}-"
                            f"{ranges[name][1]}; declare missing codes in the instrument or recode the data.")
        if hi - lo + 1 > a[name]:
            raise DataError(f"{name} has answers from {lo:g} to {hi:g}, more than its {a[name]} response options; pass "
                            "the number of response options of its scale as options=.")
        sigma2 = agg.uniform_null_variance(a[name])
        complete = ~np.isnan(x).any(axis=1)
        if complete.sum() < 3:
            raise DataError(f"Only {int(complete.sum())} members answer every item of {name}; too few for ICC and rwg.")
        rows = _rwg_rows(x[complete], labels[complete], sigma2)
        group_rows += [{"construct": name, "group": r["group"], "size": r["size"], "mean_variance": r["variance"],
                        "truncated": r["truncated"], "rwg_j": r["rwg"]} for r in rows]
        construct_rows.append({"construct": name, "n_items": len(cols), "options": int(a[name]), "sigma_eu2": sigma2,
                               **_anova_row(x[complete].mean(axis=1), codes[complete], group_size),
                               **_summarize(rows, rwg_cutoff, "rwg_j")})
        truncated = [str(r["group"]) for r in rows if r["truncated"]]
        if truncated:
            notes.append(f"{name}: rwg(j) of {len(truncated)} group(s) ({', '.join(truncated[:5])}"
                         f"{' ...' if len(truncated) > 5 else ''}) set to 0: their answers vary more than the uniform "
                         "null (James, Demaree & Wolf 1984).")
        for j, col in enumerate(cols):
            answered = ~np.isnan(x[:, j])
            irows = _rwg_rows(x[answered, j], labels[answered], sigma2)
            item_group_rows += [{"construct": name, "item": col, **r} for r in irows]
            item_rows.append({"construct": name, "item": col,
                              **_anova_row(x[answered, j], codes[answered], group_size),
                              **_summarize(irows, rwg_cutoff, "rwg")})
    if group_size == "adjusted":
        notes.append("ICC(1) uses the adjusted group size k = (N - sum n_j^2 / N) / (J - 1); Bliese's multilevel "
                     "ICC1 and psych's statsBy use the mean size N / J (group_size='mean').")
    return AggregationResult(
        constructs=pd.DataFrame(construct_rows), items=pd.DataFrame(item_rows), groups=pd.DataFrame(group_rows),
        item_groups=pd.DataFrame(item_group_rows), group=group, group_size=group_size, rwg_cutoff=float(rwg_cutoff),
        cutoffs=cutoffs,
        notes=tuple(notes))
