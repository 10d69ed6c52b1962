"""Design-based descriptives: weighted means, totals and proportions of items and scores with
Taylor-linearization standard errors, design effects and confidence intervals, overall and by a
grouping column, for a design with clusters (PSUs, one column per sampling stage), strata,
sampling weights and an optional finite population correction -- R's survey package.

    design = sk.Design(cluster="branch_id", strata="region", weights="w")
    sk.survey_mean(data, design=design, columns=["EXE", "ORG"], by="role")

is R's ``svyby(~EXE + ORG, ~role, svydesign(ids = ~branch_id, strata = ~region, weights = ~w,
data = ...), svymean, na.rm = TRUE, deff = TRUE)`` (each column estimated alone).

Why surveykit's own code and not a library (issue 14 asked to prefer samplics or svy where they
match R; both were run against the committed R survey 4.1.1 values, see
tests/reference/survey/design.json):

* samplics 0.6.1 is archived by its authors (it says so when imported: "migrate to svy"); its
  ``TaylorEstimator`` computes no design effect (``deff=True`` is accepted and ignored) and
  ignores the second sampling stage (``ssu``), so two-stage designs with an fpc at both stages
  (R's ``fpc = ~fpc1 + fpc2``) get standard errors 0.6-2% off R's; single-stage means, totals and
  domain means do match R (to 1e-14).
* svy 0.35 (samplics' successor) matches R on every design here except two: its lonely-PSU rule
  "center", offered as R's "adjust", gives totals another variance than R's "adjust" (5% in SE on
  the lonely-PSU reference), and domain proportions omit the categories absent from a domain
  (R reports them as 0 with SE 0).  It also needs Python >= 3.11 (surveykit supports 3.10),
  polars 2 and a compiled Rust engine: more to install than the ~150 lines of numpy
  (:mod:`surveykit._core.survey`) that match R to 1e-12 on all of them.

Conventions (R survey's, stated in every result):

* each column is estimated on the rows that answered it (``na.rm = TRUE``); the rows left out stay
  in the design (their PSUs count, with zero contributions), as R's ``svymean(..., na.rm = TRUE)``
  and ``svyby`` do: a domain estimate is a domain estimate, not a new design;
* design effect ``deff``: the variance over that of simple random sampling without replacement of
  the same number of respondents from a population of ``sum(weights)`` (R's ``deff = TRUE``);
* confidence intervals: estimate +- z * SE with the normal quantile (R's ``confint()``, df = Inf);
* lonely PSUs (a stratum with one sampled PSU): refused by default, as R's default
  ``options(survey.lonely.psu = "fail")``; ``Design(lonely_psu=...)`` chooses another of R's rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.survey import LONELY_PSU_RULES, taylor_variance
from surveykit.data.survey import SurveyData
from surveykit.errors import DataError, SpecError, check_option
from surveykit.results import ResultMixin, Summary, to_jsonable

__all__ = ["LONELY_PSU_TEXT", "Design", "SurveyEstimates", "survey_mean", "survey_proportions", "survey_total"]

LonelyPSU = Literal["fail", "adjust", "remove", "certainty", "average"]

LONELY_PSU_TEXT = {
    "fail": "stop with an error (R's default)",
    "remove": "let the stratum add nothing to the variance",
    "certainty": "treat its PSU as sampled with certainty, adding nothing at that stage",
    "adjust": "centre its PSU's total at the grand mean instead of the stratum mean (conservative)",
    "average": "give it the average variance of the strata with two or more PSUs",
}
"""What each of R's ``options(survey.lonely.psu = ...)`` rules does with a stratum of one PSU."""


def _names(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SpecError(f"Design {key}={value!r} must be a column name or a list of column names (one per stage).")


@dataclass(frozen=True)
class Design:
    """How the sample was drawn: R's ``svydesign(ids = ~cluster, strata = ~strata, weights =
    ~weights, fpc = ~fpc, nest = nest)``, with ``options(survey.lonely.psu = lonely_psu)``.

    Parameters
    ----------
    cluster : str or list of str, optional
        The primary sampling units (e.g. ``"branch_id"``); several columns for several stages
        (``["district", "school"]``: districts, then schools in them).  None: respondents were
        sampled individually (R's ``ids = ~1``).
    strata : str, optional
        The stratum each PSU was sampled from.
    weights : str, optional
        Sampling weights (inverse selection probabilities).  None: from the fpc when one is given
        (1 / the product of the stages' sampling fractions, as R does), else equal weights.
    fpc : str or list of str, optional
        Finite population correction, one column per stage: the population size of the stratum
        (numbers > 1) or the sampling fraction (all numbers <= 1), as R's ``fpc``.
    nest : bool
        Cluster ids restart within each stratum (R's ``nest = TRUE``); without it, a cluster id
        found in two strata is refused.
    lonely_psu : {"fail", "adjust", "remove", "certainty", "average"}
        What to do with a stratum with one sampled PSU (see :data:`LONELY_PSU_TEXT`); "fail",
        R's default, refuses with a sentence naming the stratum.
    """

    cluster: str | tuple[str, ...] | None = None
    strata: str | None = None
    weights: str | None = None
    fpc: str | tuple[str, ...] | None = None
    nest: bool = False
    lonely_psu: LonelyPSU = "fail"

    def __post_init__(self) -> None:
        cluster, fpc = _names(self.cluster, "cluster"), _names(self.fpc, "fpc")
        object.__setattr__(self, "cluster", cluster or None)
        object.__setattr__(self, "fpc", fpc or None)
        for key in ("strata", "weights"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise SpecError(f"Design {key}={value!r} must be one column name.")
        if not isinstance(self.nest, bool):
            raise SpecError(f"Design nest={self.nest!r} must be true or false.")
        check_option("lonely_psu", self.lonely_psu, LONELY_PSU_RULES)
        stages = max(len(cluster), 1)
        if fpc and len(fpc) != stages:
            raise SpecError(f"Design fpc names {len(fpc)} column(s) for {stages} sampling stage(s) "
                            f"(cluster={list(cluster) or None}); give one fpc column per stage.")

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Design:
        """A design from a spec's ``design:`` mapping (keys as the arguments)."""
        if isinstance(spec, Design):
            return spec
        if not isinstance(spec, Mapping):
            raise SpecError(f"design must be a mapping such as {{cluster: branch_id, weights: w}}, not {spec!r}.")
        known = ("cluster", "strata", "weights", "fpc", "nest", "lonely_psu")
        unknown = [k for k in spec if k not in known]
        if unknown:
            raise SpecError(f"design has unknown key(s) {', '.join(map(str, unknown))}; "
                            f"the keys are {', '.join(known)}.")
        return cls(**dict(spec))

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the design names."""
        return (*(self.cluster or ()), *([self.strata] if self.strata else []),
                *([self.weights] if self.weights else []), *(self.fpc or ()))

    def to_dict(self) -> dict:
        return {"cluster": list(self.cluster) if self.cluster else None, "strata": self.strata,
                "weights": self.weights, "fpc": list(self.fpc) if self.fpc else None, "nest": self.nest,
                "lonely_psu": self.lonely_psu}

    def r_call(self) -> str:
        """The equivalent ``svydesign()`` call."""
        ids = " + ".join(self.cluster) if self.cluster else "1"
        parts = [f"ids = ~{ids}"]
        if self.strata:
            parts.append(f"strata = ~{self.strata}")
        if self.weights:
            parts.append(f"weights = ~{self.weights}")
        if self.fpc:
            parts.append(f"fpc = ~{' + '.join(self.fpc)}")
        if self.nest:
            parts.append("nest = TRUE")
        return f"svydesign({', '.join(parts)}, data = ...)"


# -- the design on a frame ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    """The design as arrays over the rows of a frame (stage by stage, see _core.survey)."""

    weights: np.ndarray
    clusters: np.ndarray
    strata: np.ndarray
    n_units: np.ndarray
    pop_size: np.ndarray | None
    df: int
    notes: tuple[str, ...]


def _codes(*arrays: np.ndarray) -> np.ndarray:
    """Integer codes of the distinct combinations of ``arrays`` (sorted)."""
    frame = pd.DataFrame({i: a for i, a in enumerate(arrays)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()


def _count_within(units: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """For each row, how many distinct units its stratum has."""
    pairs = pd.DataFrame({"s": strata, "u": units}).drop_duplicates()
    per = pairs.groupby("s")["u"].size()
    return per.reindex(strata).to_numpy()


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def _value(x: Any) -> str:
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return repr(int(x))
    return repr(x.item() if isinstance(x, np.generic) else x)


def _check_columns(frame: pd.DataFrame, design: Design) -> None:
    roles = [(c, "cluster") for c in design.cluster or ()] + [(design.strata, "strata")] * bool(design.strata) \
        + [(design.weights, "weights")] * bool(design.weights) + [(c, "fpc") for c in design.fpc or ()]
    for col, role in roles:
        if col not in frame.columns:
            shown = ", ".join(map(str, list(frame.columns)[:12])) + (" ..." if frame.shape[1] > 12 else "")
            raise DataError(f"Design column '{col}' ({role}) is not in the data; name one of its columns ({shown}).")
        missing = frame[col].isna().to_numpy()
        if missing.any():
            what = {"cluster": "a cluster", "strata": "a stratum", "weights": "a weight", "fpc": "an fpc"}[role]
            raise DataError(f"Design column '{col}' ({role}) is missing in {int(missing.sum())} row(s) (first: data "
                            f"row {_first_row(missing)}); give every respondent {what} or drop those rows.")
    for col, role in roles:
        if role in ("weights", "fpc") and not pd.api.types.is_numeric_dtype(frame[col]):
            raise DataError(f"Design column '{col}' ({role}) is not numeric; recode it to numbers.")


def _check_weights(w: np.ndarray, col: str) -> None:
    bad = ~np.isfinite(w)
    if bad.any():
        raise DataError(f"Weight column '{col}' is infinite in {int(bad.sum())} row(s) (first: data row "
                        f"{_first_row(bad)}); give finite sampling weights.")
    neg = w < 0
    if neg.any():
        first = _first_row(neg)
        raise DataError(f"Weight column '{col}' has {int(neg.sum())} negative value(s) (first: data row {first}, "
                        f"{w[first - 1]:g}); sampling weights are inverse selection probabilities: correct them or "
                        "drop those rows.")
    if not (w > 0).any():
        raise DataError(f"Weight column '{col}' is zero in every row; sampling weights must be positive for the "
                        "respondents in the sample: check the column.")


def _lonely_text(rule: str) -> str:
    return f"lonely_psu={rule!r} (R's options(survey.lonely.psu = \"{rule}\")): {LONELY_PSU_TEXT[rule]}"


def _prepare(frame: pd.DataFrame, design: Design) -> _Prepared:
    _check_columns(frame, design)
    n = len(frame)
    if n < 2:
        raise DataError(f"The data have {n} row(s); design-based estimates need at least two respondents.")
    cluster_cols = design.cluster or ()
    stages = max(len(cluster_cols), 1)
    strata1 = (_codes(frame[design.strata].to_numpy()) if design.strata else np.zeros(n, dtype=int))
    strata_values = frame[design.strata].to_numpy() if design.strata else None

    # stage-1 units: clusters (nested in strata if asked) or the rows themselves
    if cluster_cols:
        raw1 = frame[cluster_cols[0]].to_numpy()
        if design.strata and not design.nest:
            per = pd.DataFrame({"u": raw1, "s": strata_values}).drop_duplicates().groupby("u")["s"]
            crossing = per.nunique()
            if (crossing > 1).any():
                u = crossing[crossing > 1].index[0]
                where = sorted(map(str, per.get_group(u).unique()))
                raise DataError(f"Cluster column '{cluster_cols[0]}' has clusters in more than one stratum of "
                                f"'{design.strata}' (cluster {_value(u)} is in {', '.join(where)}); if cluster ids "
                                "restart in each stratum pass nest=True, otherwise correct the ids.")
        units = [_codes(strata1, raw1) if design.nest else _codes(raw1)]
        for s in range(1, stages):
            units.append(_codes(units[s - 1], frame[cluster_cols[s]].to_numpy()))
    else:
        units = [np.arange(n)]
    strata = [strata1] + [_codes(strata1, units[s - 1]) for s in range(1, stages)]
    clusters_arr = np.column_stack(units)
    strata_arr = np.column_stack(strata)
    n_units = np.column_stack([_count_within(units[s], strata[s]) for s in range(stages)])
    if not design.strata and len(np.unique(units[0])) == 1:
        raise DataError(f"Cluster column '{cluster_cols[0]}' has a single cluster; a design needs two or more "
                        "PSUs (or strata) to estimate a variance: check the column.")

    pop = None
    if design.fpc:
        fpc = np.column_stack([frame[c].to_numpy(dtype=float) for c in design.fpc])
        names = "', '".join(design.fpc)
        if (fpc <= 0).any() or not np.isfinite(fpc).all():
            bad = ~(np.isfinite(fpc) & (fpc > 0))
            row, stage = np.argwhere(bad)[0]
            raise DataError(f"fpc column '{design.fpc[stage]}' has the value {fpc[row, stage]:g} (data row {row + 1}); "
                            "give population sizes (> 1) or sampling fractions (0 < f <= 1).")
        is_size = bool((fpc > 1).any())
        if is_size and (fpc < 1).any():
            raise DataError(f"fpc column(s) '{names}' mix population sizes (> 1) and sampling fractions (< 1); "
                            "give one or the other for every stage.")
        pop = fpc if is_size else n_units / fpc
        for s in range(stages):
            col = design.fpc[s]
            varies = pd.DataFrame({"h": strata[s], "N": pop[:, s]}).groupby("h")["N"].nunique()
            if (varies > 1).any():
                h = varies[varies > 1].index[0]
                vals = sorted(set(fpc[strata[s] == h, s]))[:2]
                raise DataError(f"fpc column '{col}' varies within a stratum at stage {s + 1} (values {vals[0]:g} and "
                                f"{vals[1]:g}, first at data row {_first_row(strata[s] == h)}); the population size "
                                "belongs to the stratum: make it the same for all its rows.")
            short = pop[:, s] < n_units[:, s]
            if short.any():
                row = _first_row(short) - 1
                raise DataError(f"fpc column '{col}' gives a population of {pop[row, s]:g} at stage {s + 1} (data row "
                                f"{row + 1}) where {n_units[row, s]} units were sampled; correct the fpc.")

    notes = []
    if design.weights:
        w = frame[design.weights].to_numpy(dtype=float)
        _check_weights(w, design.weights)
    elif pop is not None:
        w = np.prod(pop / n_units, axis=1)
        notes.append("Weights from the fpc: 1 / the product of the stages' sampling fractions (as R's svydesign).")
    else:
        w = np.ones(n)
        notes.append("No weights given: every respondent weighs 1 (R warns: 'assuming equal probability').")

    # lonely PSUs: strata (at any stage whose variance is used) with one sampled unit and f > 0
    used_stages = stages if pop is not None else 1
    lonely = []
    for s in range(used_stages):
        f = np.ones(n) if pop is None else np.where(np.isinf(pop[:, s]), 1.0, (pop[:, s] - n_units[:, s]) / pop[:, s])
        alone = (n_units[:, s] == 1) & (f >= 1e-7)
        if alone.any():
            lonely.append((s, int(np.flatnonzero(alone)[0])))
    if lonely:
        s, row = lonely[0]
        if s == 0:
            where = (f"Stratum {_value(strata_values[row])} of '{design.strata}'" if design.strata
                     else "The design")
            unit = (f" ({cluster_cols[0]} = {_value(frame[cluster_cols[0]].iloc[row])})" if cluster_cols else "")
        else:
            where = f"PSU {_value(frame[cluster_cols[s - 1]].iloc[row])} of '{cluster_cols[s - 1]}'"
            unit = f" ({cluster_cols[s]} = {_value(frame[cluster_cols[s]].iloc[row])})"
        if design.lonely_psu == "fail":
            others = "; ".join(f"'{r}' would {LONELY_PSU_TEXT[r]}" for r in LONELY_PSU_TEXT if r != "fail")
            raise DataError(
                f"{where} has only one sampled unit{unit} at stage {s + 1}, so its variance cannot be estimated; "
                f"surveykit, like R's default options(survey.lonely.psu = \"fail\"), stops here, while R's other "
                f"rules, chosen with Design(lonely_psu=...), differ: {others}; choose one, or merge the stratum with "
                "a similar one.")
        notes.append(f"{where} has only one sampled unit{unit} at stage {s + 1}"
                     + (f" ({len(lonely) - 1} more such)" if len(lonely) > 1 else "")
                     + f"; {_lonely_text(design.lonely_psu)}.")
    df = len(np.unique(units[0])) - len(np.unique(strata1))
    return _Prepared(weights=w, clusters=clusters_arr, strata=strata_arr, n_units=n_units, pop_size=pop, df=df,
                     notes=tuple(notes))


# -- estimation ---------------------------------------------------------------------------------
def _estimate_block(x: np.ndarray, rows: np.ndarray, prep: _Prepared, statistic: str, rule: str,
                    deff_kind: bool | str = True):
    """Estimates, SEs and deffs of the columns of ``x`` (rows present) -- svymean/svytotal."""
    w = prep.weights[rows]
    total_w = w.sum()
    if statistic == "total":
        est = w @ x
        z = w[:, None] * x
    else:
        est = (w @ x) / total_w
        # a column constant over the rows (a proportion of 0 or 1 in a domain) has exactly that mean and
        # no variance, as in R; (w @ x) / sum(w) can miss the constant in the last bit
        constant = np.ptp(x, axis=0) == 0
        est = np.where(constant, x[0], est)
        z = w[:, None] * (x - est) / total_w
    var = taylor_variance(z, prep.clusters[rows], prep.strata[rows], prep.n_units[rows],
                          None if prep.pop_size is None else prep.pop_size[rows], lonely_psu=rule)
    v = np.diag(var)
    # deff (R's deff = TRUE): var / the variance of SRS without replacement of n_obs from sum(w);
    # deff = "replace": of SRS with replacement (the one defined for weights scaled to the sample size)
    n_obs = int((w != 0).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = x - est if statistic != "total" else x
        dev = centred - (w @ centred) / total_w
        s2 = (w @ (dev * dev)) * n_obs / (n_obs - 1) / total_w
        replace = deff_kind == "replace"
        srs = s2 / n_obs if replace else s2 * (total_w - n_obs) / (total_w * n_obs)
        if statistic == "total":
            srs = srs * total_w**2
        # R: NA when sum(w) < n; at sum(w) = n (weights scaled to the sample size) the reference variance is
        # 0 and R gives Inf or NA as rounding falls: undefined either way, NaN here
        deff = np.where(total_w <= n_obs * (1 + 1e-9) and not replace, np.nan, v / srs)
    return est, np.sqrt(v), deff, n_obs, float(total_w)


@dataclass(frozen=True, repr=False)
class SurveyEstimates(ResultMixin):
    """Design-based estimates: one row per (group,) variable (and category for proportions).

    ``table`` columns: ``group`` (with ``by``), ``variable``, ``category`` (proportions),
    ``estimate``, ``se``, ``ci_lower``, ``ci_upper``, ``deff``, ``n`` (respondents with a nonzero
    weight who answered, in the group), ``sum_weights`` (their weights: the estimated population).
    """

    statistic: str
    table: pd.DataFrame
    design: Design
    by: str | None
    level: float
    df: int
    notes: tuple[str, ...] = field(default=())
    deff: bool | str = True  # the design effect's reference (see survey_mean)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict:
        return to_jsonable({"statistic": self.statistic, "design": self.design.to_dict(),
                            "r_call": self.design.r_call(), "by": self.by, "level": self.level,
                            "design_df": self.df, "deff": "replace" if self.deff == "replace" else "srswor",
                            "estimates": self.table, "notes": list(self.notes)})

    def _repr_line(self) -> str:
        return (f"SurveyEstimates {self.statistic} of {self.table['variable'].nunique()} variable(s)"
                + (f" by {self.by}" if self.by else ""))

    def summary(self) -> Summary:
        name = {"mean": "Weighted means", "total": "Weighted totals", "proportion": "Weighted proportions"}
        title = f"{name[self.statistic]} (design-based)" + (f" by {self.by}" if self.by else "")
        t = self.table.drop(columns=["sum_weights"])
        ci = f"{self.level:.0%} CI (normal)"
        notes = (f"Design: {self.design.r_call()}; Taylor-linearization SEs; deff against simple random sampling "
                 f"without replacement; {ci}; design degrees of freedom {self.df}.", *self.notes)
        return Summary(title=title, tables=(("Estimates", t),), notes=notes)


def _frame_of(data: Any, function: str) -> tuple[pd.DataFrame, SurveyData | None]:
    if isinstance(data, SurveyData):
        frame = data.frame
        if data.instrument is not None:
            scores = data.scores()
            clash = [c for c in scores.columns if c in frame.columns]
            if clash:
                raise DataError(f"Column(s) {', '.join(clash)} of the data have the name of a construct score; "
                                f"rename them before {function}().")
            frame = frame.join(scores)
        return frame.reset_index(drop=True), data
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True), None
    raise DataError(f"{function}() needs a DataFrame or a SurveyData, not {type(data).__name__}.")


def _columns(frame: pd.DataFrame, survey: SurveyData | None, columns, function: str, default: str) -> list[str]:
    if columns is None:
        if survey is None or survey.instrument is None:
            raise SpecError(f"{function}() needs columns= (the columns to estimate) when the data are a DataFrame.")
        if default == "scores":
            return [c.code for c in survey.instrument.constructs]
        return survey.item_ids()
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols:
        raise SpecError(f"{function}() got an empty columns=; name at least one column.")
    unknown = [str(c) for c in cols if c not in frame.columns]
    if unknown:
        raise DataError(f"Column(s) {', '.join(unknown)} are not in the data; {function}() estimates columns of the "
                        "data (items, construct scores or other variables).")
    return cols


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[Any, np.ndarray]]:
    if by is None:
        return [(None, np.ones(len(frame), dtype=bool))]
    if not isinstance(by, str):
        raise SpecError(f"by={by!r} must be one column name.")
    if by not in frame.columns:
        raise DataError(f"Grouping column '{by}' (by=) is not in the data; name one of its columns.")
    col = frame[by]
    levels = sorted(col.dropna().unique(), key=lambda v: (str(type(v)), v))
    if not levels:
        raise DataError(f"Grouping column '{by}' (by=) is empty; every value is missing.")
    return [(lv, (col == lv).to_numpy()) for lv in levels]


def _run(data, design, columns, by, level, statistic: str, function: str, deff: bool | str = True) -> SurveyEstimates:
    design = Design.from_dict(design) if not isinstance(design, Design) else design
    if not (isinstance(level, float) and 0 < level < 1):
        raise SpecError(f"level={level!r} must be a number between 0 and 1, such as 0.95.")
    if deff is not True and deff != "replace":
        raise SpecError(f"deff={deff!r} is not one of True (against simple random sampling without replacement, R's "
                        "deff = TRUE) or 'replace' (with replacement, R's deff = \"replace\").")
    frame, survey = _frame_of(data, function)
    cols = _columns(frame, survey, columns, function, "items" if statistic == "proportion" else "scores")
    prep = _prepare(frame, design)
    groups = _groups(frame, by)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    rows_out = []
    for col in cols:
        series = frame[col]
        present = series.notna().to_numpy()
        if not present.any():
            raise DataError(f"Column '{col}' has no answers; remove it from columns=.")
        if statistic == "proportion":
            categories = sorted(series.dropna().unique(), key=lambda v: (str(type(v)), v))
            x_all = np.column_stack([(series == c).to_numpy(dtype=float) for c in categories])
        else:
            if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
                raise DataError(f"Column '{col}' is not numeric; {function}() needs numbers "
                                "(survey_proportions() estimates the shares of categories).")
            categories = [None]
            x_all = series.to_numpy(dtype=float)[:, None]
        for label, mask in groups:
            rows = np.flatnonzero(present & mask)
            if len(rows) == 0:
                est = se = d_eff = np.full(len(categories), np.nan)
                n_obs, sum_w = 0, 0.0
            else:
                est, se, d_eff, n_obs, sum_w = _estimate_block(x_all[rows], rows, prep, statistic, design.lonely_psu,
                                                               deff)
            for k, cat in enumerate(categories):
                row = {"group": label} if by is not None else {}
                row["variable"] = col
                if statistic == "proportion":
                    cat = cat.item() if isinstance(cat, np.generic) else cat
                    row["category"] = int(cat) if isinstance(cat, float) and cat.is_integer() else cat
                row.update(estimate=float(est[k]), se=float(se[k]), ci_lower=float(est[k] - z * se[k]),
                           ci_upper=float(est[k] + z * se[k]), deff=float(d_eff[k]), n=n_obs, sum_weights=sum_w)
                rows_out.append(row)
    table = pd.DataFrame(rows_out)
    return SurveyEstimates(statistic=statistic, table=table, design=design, by=by, level=level, df=prep.df,
                           notes=prep.notes, deff=deff)


_SHARED_DOC = """
    Parameters
    ----------
    data : DataFrame or SurveyData
        One row per respondent with the design's columns.  A SurveyData with an instrument adds
        its construct scores (columns named by construct code, :meth:`SurveyData.scores`) to its
        frame; items are used as answered.
    design : Design or mapping
        The sampling design (:class:`Design`, or a spec's ``{cluster: ..., weights: ...}``).
    columns : str or list of str, optional
        The columns to estimate{default}.
    by : str, optional
        A grouping column: one estimate per group (domain), as R's ``svyby`` (rows with no group
        are left out of every group, but stay in the design).
    level : float
        Confidence level of the intervals (normal quantile, as R's ``confint()``).
    deff : True or "replace"
        The design effect's reference: simple random sampling without replacement of the sample
        from a population of ``sum(w)`` (True, R's ``deff = TRUE``; undefined, NaN, when the
        weights sum to less than the sample size, e.g. weights scaled to mean 1), or with
        replacement (``"replace"``, R's ``deff = "replace"``).
"""


def survey_mean(data: Any, *, design: Design | Mapping, columns: str | Sequence[str] | None = None,
                by: str | None = None, level: float = 0.95, deff: bool | str = True) -> SurveyEstimates:
    """Weighted means with Taylor-linearization SEs, design effects and CIs (R ``svymean``).

    ``mean = sum(w y) / sum(w)`` over the rows answering ``y``; its variance is that of the total
    of the influence values ``w (y - mean) / sum(w)`` under the design (:mod:`surveykit._core.survey`).
    {shared}
    Validated against: R survey 4.1.1 ``svymean(~y, design, na.rm = TRUE, deff = TRUE)`` and
    ``svyby(~y, ~by, design, svymean, na.rm = TRUE, deff = TRUE)`` on R's api data (stratified,
    stratified cluster, one- and two-stage cluster, weights-only designs; lonely-PSU rules):
    estimates, SEs, deffs and CIs to 1e-6 relative (they agree to about 1e-12).

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> df = pd.DataFrame({"branch": [1, 1, 2, 2, 3, 3], "w": [2.0, 2, 1, 1, 3, 3], "y": [4.0, 5, 3, 4, 2, 5]})
    >>> r = sk.survey_mean(df, design=sk.Design(cluster="branch", weights="w"), columns="y")
    >>> round(r.table.loc[0, "estimate"], 4), round(r.table.loc[0, "se"], 4)
    (3.8333, 0.3469)
    """
    return _run(data, design, columns, by, level, "mean", "survey_mean", deff)


def survey_total(data: Any, *, design: Design | Mapping, columns: str | Sequence[str] | None = None,
                 by: str | None = None, level: float = 0.95, deff: bool | str = True) -> SurveyEstimates:
    """Weighted totals ``sum(w y)`` with Taylor-linearization SEs, design effects and CIs (R ``svytotal``).
    {shared}
    Validated against: R survey 4.1.1 ``svytotal(~y, design, na.rm = TRUE, deff = TRUE)`` and
    ``svyby(..., svytotal, ...)``, as :func:`survey_mean`.
    """
    return _run(data, design, columns, by, level, "total", "survey_total", deff)


def survey_proportions(data: Any, *, design: Design | Mapping, columns: str | Sequence[str] | None = None,
                       by: str | None = None, level: float = 0.95, deff: bool | str = True) -> SurveyEstimates:
    """Weighted proportions of each category of each column (R ``svymean(~factor(x))``).

    The categories are the distinct answers in the whole data (so a group lacking one reports it as
    0 with SE 0, and a deff that is undefined, NaN, as R does); each proportion is the weighted
    mean of the category's indicator over the rows answering the column, with its SE, deff and
    (Wald, normal) CI.
    {shared}
    Validated against: R survey 4.1.1 ``svymean(~x, design, na.rm = TRUE, deff = TRUE)`` with ``x``
    a factor, and ``svyby`` of it, as :func:`survey_mean`.
    """
    return _run(data, design, columns, by, level, "proportion", "survey_proportions", deff)


for _f, _default in ((survey_mean, "; default: the construct scores of a SurveyData with an instrument"),
                     (survey_total, "; default: the construct scores of a SurveyData with an instrument"),
                     (survey_proportions, "; default: the items of a SurveyData with an instrument")):
    _f.__doc__ = _f.__doc__.replace("{shared}", _SHARED_DOC.replace("{default}", _default))
del _f, _default
