"""Conditional process analysis on observed scores: Hayes' PROCESS models as OLS equations with
heteroscedasticity-consistent inference, probing, Johnson-Neyman regions and bootstrap intervals
for (conditional) indirect effects.

The steps, each a small function below:

1. ``_prepare``: the columns of the roles (x, m, y, w, z, covariates) from a DataFrame or a
   SurveyData (construct scores and the frame's other columns), checked; rows with a missing
   value dropped listwise (and said so); optional mean-centring of the variables that form
   products (PROCESS ``center = 1``).
2. ``_moderators``: the values at which effects are probed: mean and +-1 SD (SD with divisor
   n - 1; a value beyond the data is replaced by the minimum or maximum, as PROCESS does),
   the 16th, 50th and 84th percentiles (R's ``quantile(type = 7)``), the two values of a
   dichotomous moderator, or each category of a categorical one (indicator coding against the
   first category, PROCESS ``mcw = 1``).
3. ``_fit``: every equation by OLS (statsmodels), its covariance matrix (ordinary, HC0-HC4, or
   with ``cluster=`` CR1 cluster-robust, whose t and F tests take G - 1 degrees of freedom),
   R-squared, the model's F and the change in R-squared when the highest-order product term(s)
   are removed, with their F tests (the Wald F with the chosen covariance matrix).
4. Probing: the effect of a focal predictor is the derivative of its equation,
   ``sum over the terms containing it of coefficient x the other factors at the probe values``,
   a linear combination ``g'b`` with variance ``g'Vg`` and t inference on the equation's residual
   degrees of freedom (G - 1 with clusters); Johnson-Neyman points in closed form
   (:func:`surveykit._core.ols.johnson_neyman`).
5. ``_bootstrap``: case resampling of the complete rows (of whole clusters with ``cluster=``) and
   OLS refits of every equation, draw ``i`` from its own stream ``SeedSequence(seed, spawn_key=(i,))``,
   so the draws are the same for any number of worker processes (``jobs``) or on Dask
   (``scheduler``).  Indirect effects are products of the path's (conditional) effects in each
   draw; intervals are percentile or bias-corrected (:mod:`surveykit.resampling.intervals`).
6. Indices: where an indirect effect is linear in a moderator (it enters one stage only), the
   index of moderated mediation is its slope in that moderator (Hayes, 2015): ``a3 b`` in model 7,
   ``a b3`` in model 14; with two moderators, the index of *partial* moderated mediation when the
   slope does not depend on the other moderator (model 9) and of *conditional* moderated mediation,
   at the other moderator's values, when it does (model 21; Hayes, 2018).  In models 58 and 59
   the indirect effect is quadratic in W and has no such index; the contrasts between conditional
   indirect effects at the probe values test moderated mediation there (they are given for every
   single-moderator model).  A categorical moderator's indices are the differences between the
   conditional indirect effect in each category and in the reference category.

Validated against: R 4.2.2 ``lm`` with ``sandwich`` 3.0.2 ``vcovHC(type = "HC0".."HC4")``,
``rockchalk`` 1.8.157 ``testSlopes`` (Johnson-Neyman) and an R loop of ``lm`` refits for the
bootstrap (``tests/reference/make_process_reference.R``); clustered: ``sandwich::vcovCL(type = "HC1")``
with ``lmtest`` 0.9.40 ``coeftest(df = G - 1)`` and an R loop resampling whole clusters
(``tests/reference/make_process_cluster_reference.R``).

References: Hayes, A. F. (2022). Introduction to Mediation, Moderation, and Conditional Process
Analysis (3rd ed.). Guilford.  Hayes, A. F. (2015). An index and test of linear moderated
mediation. Multivariate Behavioral Research 50, 1-22.  Hayes, A. F. (2018). Partial, conditional,
and moderated moderated mediation. Communication Monographs 85, 4-40.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core.ols import HC_TYPES, hc_covariance, johnson_neyman, t_inference, wald_f
from surveykit._core.rng import resolve_seed, stream
from surveykit.errors import DataError, DataQualityWarning, EstimationError, MissingDataWarning, SpecError, check_option
from surveykit.resampling._parallel import check_jobs, run_batches
from surveykit.resampling.intervals import bootstrap_se, interval
from surveykit.resampling.process_models import MAX_PARALLEL, MEDIATORS, MODELS, NEEDS, Equation, build_model
from surveykit.results import ResultMixin, Summary, capture_warnings, to_jsonable

__all__ = ["ProcessResult", "process", "MODELS"]

CI = Literal["percentile", "bc"]
HC = Literal["HC0", "HC1", "HC2", "HC3", "HC4"]
ModeratorValues = Literal["mean_sd", "percentiles"]
_CI_NAMES = {"percentile": "percentile", "bc": "bias-corrected"}
_GRID = 101  # points of the curves drawn by the figures
_SLOPE_GRID = 41


# -- the data ---------------------------------------------------------------------------------
def _frame_of(data) -> pd.DataFrame:
    """A DataFrame, or a SurveyData's construct scores beside its frame's other columns."""
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "frame", None)
    if not isinstance(frame, pd.DataFrame):
        raise SpecError(f"data must be a pandas DataFrame or a SurveyData, not {type(data).__name__}.")
    if getattr(data, "instrument", None) is None:
        return frame
    scores = data.scores()
    return pd.concat([scores, frame.drop(columns=[c for c in frame.columns if c in scores.columns])], axis=1)


def _is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


@dataclass(frozen=True)
class _Moderator:
    name: str
    role: str  # "w" or "z"
    kind: str  # "continuous", "dichotomous" or "categorical"
    keys: tuple[str, ...]  # its columns in the design (indicators for a categorical moderator)
    probes: tuple[tuple[Any, dict[str, float]], ...]  # (value shown, {column: value})
    values: np.ndarray | None  # the analysis sample's values (numeric moderators)
    levels: tuple[str, ...] = ()

    @property
    def lo(self) -> float:
        return float(np.min(self.values))

    @property
    def hi(self) -> float:
        return float(np.max(self.values))

    def point(self, value: float) -> dict[str, float]:
        return {self.name: float(value)}


def _roles(model: int, x, m, y, w, z, covariates) -> tuple[str, tuple[str, ...], str, str | None, str | None,
                                                          tuple[str, ...]]:
    if isinstance(model, bool) or model not in MODELS:
        raise SpecError(f"model={model!r} is not offered; process() offers PROCESS models "
                        f"{', '.join(map(str, MODELS))}.")
    ms = (m,) if isinstance(m, str) else tuple(m) if m is not None else ()
    cov = (covariates,) if isinstance(covariates, str) else tuple(covariates or ())
    given = {"m": bool(ms), "w": w is not None, "z": z is not None}
    needs = NEEDS[model]
    lacking = [r for r in needs if not given[r]]
    extra = [r for r in ("m", "w", "z") if given[r] and r not in needs]
    if lacking or extra:
        parts = []
        if lacking:
            parts.append(f"needs {', '.join(lacking)}")
        if extra:
            parts.append(f"does not use {', '.join(extra)} (leave {'it' if len(extra) == 1 else 'them'} out)")
        raise SpecError(f"PROCESS model {model} {' and '.join(parts)}; it takes x, y"
                        + "".join(f", {r}" for r in needs) + " and optional covariates.")
    lo, hi = MEDIATORS.get(model, (1, MAX_PARALLEL))
    if ms and not lo <= len(ms) <= hi:
        raise SpecError(f"PROCESS model {model} takes {lo} to {hi} mediators in m; {len(ms)} were given.")
    names = [x, *ms, y, *(v for v in (w, z) if v is not None), *cov]
    if not all(isinstance(v, str) and v for v in names):
        raise SpecError("x, m, y, w, z and covariates must be column names (strings).")
    dup = sorted({v for v in names if names.count(v) > 1})
    if dup:
        raise SpecError(f"{', '.join(map(repr, dup))} is given in more than one role; each variable plays one role "
                        "(x, m, y, w, z or covariate).")
    return x, ms, y, w, z, cov


def _too_few(n: int, n_coef: int) -> None:
    if n < n_coef + 2:
        raise DataError(f"Only {n} complete rows on the model variables; the largest equation has {n_coef} "
                        f"coefficients, so at least {n_coef + 2} are needed.")


def _prepare(frame: pd.DataFrame, pm, cov, center: bool):
    """(the complete rows of the model variables, the centring means, the number of rows dropped,
    the mask of the complete rows in ``frame``)."""
    x, ms, y, w, z = pm.x, pm.m, pm.y, pm.w, pm.z
    roles = {x: "x", y: "y", **{v: "m" for v in ms}, **{v: "covariate" for v in cov}}
    if w is not None:
        roles[w] = "w"
    if z is not None:
        roles[z] = "z"
    missing = [v for v in roles if v not in frame.columns]
    if missing:
        raise DataError(f"data has no column {', '.join(repr(v) for v in missing)} (named as "
                        f"{', '.join(roles[v] for v in missing)}); give columns of data (construct codes for a "
                        "SurveyData).")
    sub = frame.loc[:, list(roles)]
    for v, r in roles.items():
        if _is_categorical(sub[v]) and (r not in ("w", "z") or (z is not None)):
            what = ("a moderator of a model with two moderators" if r in ("w", "z") else r)
            raise DataError(f"Column {v!r} ({what}) is not numeric (dtype {sub[v].dtype}); "
                            + ("code its categories as numbers." if r not in ("w", "z") else
                               "categorical moderators are offered in models with one moderator; code it as "
                               "numbers (e.g. 0/1 indicators)."))
    complete = sub.notna().all(axis=1).to_numpy()
    n_drop = int((~complete).sum())
    if n_drop:
        warnings.warn(f"{n_drop} of {len(sub)} rows had missing values on model variables and were dropped "
                      "(missing='listwise').", MissingDataWarning, stacklevel=3)
    sub = sub.loc[complete].reset_index(drop=True)
    _too_few(len(sub), max(1 + len(eq.terms) for eq in pm.equations))
    for v, r in roles.items():
        if r in ("w", "z"):
            continue
        col = sub[v].astype(float)
        if col.nunique() < 2:
            raise DataError(f"Column {v!r} ({r}) is constant (every complete row has {col.iloc[0]:g}); "
                            "it cannot be estimated: give a variable that varies.")
    for v in (w, z):
        if v is None:
            continue
        levels = sub[v].nunique()
        if levels < 2:
            what = "categorical moderator" if _is_categorical(sub[v]) else "moderator"
            first = sub[v].iloc[0]
            shown = repr(str(first)) if _is_categorical(sub[v]) else f"{float(first):g}"
            raise DataError(f"The {what} {v!r} has one value ({shown}) in the {len(sub)} complete rows; "
                            "a moderator must vary (a categorical one needs at least two categories).")
    means: dict[str, float] = {}
    if center:
        # PROCESS center = 1: every variable that forms a product (x, the moderators, and the
        # mediators of models whose second stage is moderated)
        in_products = {v for eq in pm.equations for t in eq.terms if len(t) > 1 for v in t}
        for v in sorted(in_products, key=list(roles).index):
            if not _is_categorical(sub[v]):
                means[v] = float(sub[v].astype(float).mean())
                sub[v] = sub[v].astype(float) - means[v]
    return sub, means, n_drop, complete


_FEW_CLUSTERS = 30  # below this, cluster-robust SEs are biased downward (Cameron & Miller, 2015)


def _cluster_codes(frame: pd.DataFrame, cluster: str, complete: np.ndarray, n_coef: int) -> np.ndarray:
    """The cluster of each complete row as codes 0..G-1 (in order of appearance), checked.

    The clusters are those of the rows the model uses: rows with a missing model variable were
    dropped first, so a cluster whose rows all lack a value does not count."""
    if cluster not in frame.columns:
        raise DataError(f"The cluster column {cluster!r} (cluster=) is not a column of the data.")
    col = frame[cluster].to_numpy()[complete]
    n_missing = int(pd.isna(col).sum())
    if n_missing:
        raise DataError(f"The cluster column {cluster!r} has {n_missing} missing value(s) in the complete rows of the "
                        "model variables; give every row its cluster or drop those rows.")
    codes, uniques = pd.factorize(col, sort=False)
    g = len(uniques)
    if g < 2:
        raise DataError(f"The cluster column {cluster!r} has a single cluster in the complete rows; cluster-robust "
                        "standard errors need many clusters (drop cluster= for independent respondents).")
    if g <= n_coef:
        raise DataError(f"The cluster column {cluster!r} has {g} clusters in the complete rows but the largest "
                        f"equation has {n_coef} coefficients; the cluster-robust covariance matrix has rank at most "
                        f"G - 1, so at least {n_coef + 1} clusters are needed.")
    if g < _FEW_CLUSTERS:
        warnings.warn(f"Only {g} clusters of {cluster!r}: cluster-robust standard errors are biased downward with "
                      f"fewer than about {_FEW_CLUSTERS} clusters (Cameron & Miller, 2015), so read the tests and "
                      "intervals with caution.", DataQualityWarning, stacklevel=3)
    return codes.astype(np.intp)


def _moderators(sub: pd.DataFrame, w, z, moderator_values) -> dict[str, _Moderator]:
    out: dict[str, _Moderator] = {}
    for role, v in (("w", w), ("z", z)):
        if v is None:
            continue
        s = sub[v]
        if _is_categorical(s):
            levels = tuple(str(c) for c in (s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype)
                                            else sorted(s.astype(str).unique())) if (s.astype(str) == str(c)).any())
            keys = tuple(f"{v}[{lev}]" for lev in levels[1:])
            probes = tuple((lev, {k: float(k == f"{v}[{lev}]") for k in keys}) for lev in levels)
            out[v] = _Moderator(v, role, "categorical", keys, probes, None, levels)
            continue
        vals = s.astype(float).to_numpy()
        uniq = np.unique(vals)
        if isinstance(moderator_values, Mapping) and v in moderator_values:
            given = np.atleast_1d(np.asarray(moderator_values[v], dtype=float))
            probe = tuple(float(p) for p in given)
        elif len(uniq) == 2:
            probe = (float(uniq[0]), float(uniq[1]))
        elif moderator_values == "percentiles":
            probe = tuple(float(p) for p in np.percentile(vals, [16, 50, 84]))
        else:
            mean, sd = float(vals.mean()), float(vals.std(ddof=1))
            probe = (max(mean - sd, float(uniq[0])), mean, min(mean + sd, float(uniq[-1])))
        kind = "dichotomous" if len(uniq) == 2 else "continuous"
        out[v] = _Moderator(v, role, kind, (v,), tuple((p, {v: p}) for p in probe), vals)
    return out


# -- the equations ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Fit:
    eq: Equation
    names: tuple[str, ...]  # "constant", then one per column
    cols: tuple[tuple[tuple[str, str], ...], ...]  # (variable, column key) factors of each column
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    b: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    df: int = 0
    r2: float = float("nan")
    mse: float = float("nan")

    def grad(self, diff: tuple[str, ...], point: Mapping[str, float]) -> np.ndarray:
        """The derivative of the equation in the variables ``diff`` at the moderator values ``point``,
        as weights of the coefficients (``g`` of the effect ``g'b``)."""
        g = np.zeros(len(self.names))
        for j, cons in enumerate(self.cols):
            if cons and all(any(v == d for v, _ in cons) for d in diff):
                g[j] = math.prod(float(point[k]) for v, k in cons if v not in diff)
        return g

    def has_column(self, variables: tuple[str, ...]) -> bool:
        """Whether some column is a product of (at least) all ``variables``."""
        return any(all(any(v == d for v, _ in cons) for d in variables) for cons in self.cols)

    def moderators_of(self, focal: str) -> set[str]:
        """Variables multiplying ``focal`` in some column."""
        return {v for cons in self.cols if any(c == focal for c, _ in cons) for v, _ in cons if v != focal}


def _columns(eq: Equation, keys: Mapping[str, tuple[str, ...]]):
    """Design columns of ``eq``: each term expanded over its variables' columns (indicators)."""
    names, cols = ["constant"], [()]
    for term in eq.terms:
        for combo in itertools.product(*(keys[v] for v in term)):
            names.append(":".join(combo))
            cols.append(tuple(zip(term, combo)))
    return tuple(names), tuple(cols)


def _design(cols, base: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    out = np.ones((n, len(cols)))
    for j, cons in enumerate(cols):
        for _, k in cons:
            out[:, j] = out[:, j] * base[k]
    return out


def _ols(x: np.ndarray, y: np.ndarray, hc: str | None, groups: np.ndarray | None = None):
    """(b, V, inference df, R2, MSE) by statsmodels OLS; V ordinary, HC0-HC4 or, with ``groups``
    (cluster codes), cluster-robust CR1.

    statsmodels' HC0-HC3 are sandwich's (checked in the tests); statsmodels has no HC4, which
    :func:`surveykit._core.ols.hc_covariance` computes as sandwich::vcovHC(type = "HC4") does.
    statsmodels' cluster matrix is CR1, ``G/(G-1) (N-1)/(N-K)`` times the sandwich of the clusters'
    score sums (sandwich::vcovCL(type = "HC1"), Stata's vce(cluster)); its t and F tests then take
    ``G - 1`` degrees of freedom, as Stata and statsmodels do, not the residual ``N - K``: with few
    clusters the matrix is estimated from G score sums, and N - K would overstate its precision."""
    # the regression module only: statsmodels.api imports its whole namespace (seconds)
    from statsmodels.regression.linear_model import OLS

    res = OLS(y, x).fit()
    df = int(round(res.df_resid))
    if groups is not None:
        v = np.asarray(res.get_robustcov_results(cov_type="cluster", groups=groups).cov_params())
        df = int(groups.max()) if len(groups) else 0  # G - 1 (codes run 0..G-1)
    elif hc is None:
        v = np.asarray(res.cov_params())
    elif hc == "HC4":
        v = hc_covariance(x, np.asarray(res.resid), "HC4")
    else:
        v = np.asarray(res.get_robustcov_results(cov_type=hc).cov_params())
    return np.asarray(res.params), v, df, float(res.rsquared), float(res.mse_resid)


def _fit_all(model, sub: pd.DataFrame, mods: Mapping[str, _Moderator], hc, groups=None):
    base: dict[str, np.ndarray] = {}
    keys: dict[str, tuple[str, ...]] = {}
    for v in sub.columns:
        if v in mods and mods[v].kind == "categorical":
            s = sub[v].astype(str).to_numpy()
            for lev, k in zip(mods[v].levels[1:], mods[v].keys):
                base[k] = (s == lev).astype(float)
            keys[v] = mods[v].keys
        else:
            base[v] = sub[v].astype(float).to_numpy()
            keys[v] = (v,)
    n = len(sub)
    columns = {eq.label: _columns(eq, keys) for eq in model.equations}
    _too_few(n, max(len(names) for names, _ in columns.values()))
    fits: dict[str, _Fit] = {}
    for eq in model.equations:
        names, cols = columns[eq.label]
        x = _design(cols, base, n)
        yv = base[eq.outcome]
        if np.linalg.matrix_rank(x) < x.shape[1]:
            raise DataError(f"The predictors of the equation for {eq.outcome!r} are collinear (their design matrix "
                            "is rank deficient); drop a redundant covariate.")
        b, v, df, r2, mse = _ols(x, yv, hc, groups)
        fits[eq.label] = _Fit(eq, names, cols, x, yv, b, v, df, r2, mse)
    return fits


def _coef_table(fits: Mapping[str, _Fit], level: float) -> pd.DataFrame:
    rows = []
    for label, f in fits.items():
        se = np.sqrt(np.diag(f.v))
        inf = t_inference(f.b, se, f.df, level)
        for j, name in enumerate(f.names):
            rows.append({"equation": label, "outcome": f.eq.outcome, "term": name, "est": f.b[j], "se": se[j],
                         "t": inf["t"][j], "pvalue": inf["pvalue"][j], "ci_lower": inf["ci_lower"][j],
                         "ci_upper": inf["ci_upper"][j]})
    return pd.DataFrame(rows)


def _model_table(fits: Mapping[str, _Fit]) -> pd.DataFrame:
    rows = []
    for label, f in fits.items():
        slopes = list(range(1, len(f.names)))
        fval, q = wald_f(f.b, f.v, slopes)
        rows.append({"equation": label, "outcome": f.eq.outcome, "r": math.sqrt(max(f.r2, 0.0)), "r_squared": f.r2,
                     "mse": f.mse, "f": fval, "df1": q, "df2": f.df, "pvalue": float(stats.f.sf(fval, q, f.df)),
                     "n": f.x.shape[0]})
    return pd.DataFrame(rows)


def _r2_change_table(fits: Mapping[str, _Fit]) -> pd.DataFrame:
    """R-squared change and F test of each highest-order product term and, when several, of all."""
    rows = []
    for label, f in fits.items():
        top = f.eq.highest_order()
        tests = [(":".join(t), [t]) for t in top]
        if len(top) > 1:
            tests.append(("all", list(top)))
        for name, terms in tests:
            idx = [j for j, cons in enumerate(f.cols) if tuple(v for v, _ in cons) in terms]
            keep = [j for j in range(len(f.names)) if j not in idx]
            _, _, _, r2_red, _ = _ols(f.x[:, keep], f.y, None)
            fval, q = wald_f(f.b, f.v, idx)
            rows.append({"equation": label, "outcome": f.eq.outcome, "term": name, "r2_change": f.r2 - r2_red,
                         "f": fval, "df1": q, "df2": f.df, "pvalue": float(stats.f.sf(fval, q, f.df))})
    cols = ["equation", "outcome", "term", "r2_change", "f", "df1", "df2", "pvalue"]
    return pd.DataFrame(rows, columns=cols)


# -- effects at moderator values ------------------------------------------------------------------
@dataclass(frozen=True)
class _Link:
    """The effect of ``focal`` in the equation ``label`` (derivative in ``diff``)."""

    label: str
    diff: tuple[str, ...]
    moderators: tuple[str, ...]  # in the order w, z


def _link(fits, model, label: str, focal: str) -> _Link:
    """The effect of ``focal`` in the equation ``label`` and the moderators it depends on."""
    found = fits[label].moderators_of(focal)
    return _Link(label, (focal,), tuple(v for v in model.moderators if v in found))


def _points(mods: Mapping[str, _Moderator], names: Sequence[str]):
    """Every combination of the probe values of the moderators ``names``: (shown values by role, point)."""
    out = []
    for combo in itertools.product(*(mods[v].probes for v in names)):
        shown = {mods[v].role: val for v, (val, _) in zip(names, combo)}
        point: dict[str, float] = {}
        for _, p in combo:
            point.update(p)
        out.append((shown, point))
    return out


def _ols_effect(f: _Fit, g: np.ndarray, level: float) -> dict[str, float]:
    """est, se, t, pvalue, ci_lower, ci_upper of the effect ``g'b``."""
    return {k: float(v[0]) for k, v in _ols_effects(f, g[None, :], level).items()}


def _ols_effects(f: _Fit, gs: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """The same for each row of ``gs``."""
    est = gs @ f.b
    se = np.sqrt(np.einsum("ij,jk,ik->i", gs, f.v, gs))
    return {"est": est, "se": se, **t_inference(est, se, f.df, level)}


def _effect_label(model, link: _Link) -> str:
    outcome = link.label if link.label != "total" else model.y
    return f"{':'.join(link.diff)} -> {outcome}"


def _kind(model, link: _Link) -> str:
    if len(link.diff) > 1:
        return "interaction"
    if not model.m:
        return "conditional effect"
    if link.label == model.y and link.diff[0] == model.x:
        return "direct"
    return "first stage" if link.diff[0] == model.x else "second stage"


def _conditional_table(model, fits, mods, level) -> tuple[pd.DataFrame, list[_Link]]:
    links: list[_Link] = []
    for label, f in fits.items():
        if f.eq.kind == "total":
            continue
        for focal in (model.x, *model.m):
            if any(t for t in f.eq.terms if focal in t) and f.moderators_of(focal) & set(model.moderators):
                links.append(_link(fits, model, label, focal))
    if model.number == 3:  # the conditional X x W interaction at values of Z (PROCESS)
        links.append(_Link(model.y, (model.x, model.w), (model.z,)))
    rows = []
    for link in links:
        f = fits[link.label]
        for shown, point in _points(mods, link.moderators):
            rows.append({"equation": link.label, "effect": _effect_label(model, link), "kind": _kind(model, link),
                         "w": shown.get("w", np.nan), "z": shown.get("z", np.nan),
                         **_ols_effect(f, f.grad(link.diff, point), level)})
    cols = ["equation", "effect", "kind", "w", "z", "est", "se", "t", "pvalue", "ci_lower", "ci_upper"]
    return pd.DataFrame(rows, columns=cols), links


def _jn(model, fits, mods, links, level) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Johnson-Neyman points, regions and curves of every effect linear in one continuous moderator."""
    pts, regions, curves = [], [], []
    for link in links:
        if len(link.moderators) != 1 or mods[link.moderators[0]].kind != "continuous":
            continue
        mod = mods[link.moderators[0]]
        f = fits[link.label]
        g0 = f.grad(link.diff, mod.point(0.0))
        g1 = f.grad(link.diff, mod.point(1.0)) - g0
        crit = float(stats.t.ppf((1 + level) / 2, f.df))
        roots = johnson_neyman(float(g0 @ f.b), float(g1 @ f.b), float(g0 @ f.v @ g0), float(g0 @ f.v @ g1),
                               float(g1 @ f.v @ g1), crit)
        label = _effect_label(model, link)
        for r in roots:
            pts.append({"effect": label, "kind": _kind(model, link), "moderator": mod.name, "value": float(r),
                        "within_range": bool(mod.lo <= r <= mod.hi),
                        "pct_below": float(100.0 * np.mean(mod.values < r)),
                        "pct_above": float(100.0 * np.mean(mod.values > r))})
        inside = [float(r) for r in roots if mod.lo < r < mod.hi]
        bounds = np.array([mod.lo, *inside, mod.hi])
        mid = _ols_effects(f, g0 + ((bounds[:-1] + bounds[1:]) / 2)[:, None] * g1, level)
        for k in range(len(bounds) - 1):
            regions.append({"effect": label, "moderator": mod.name, "from": float(bounds[k]),
                            "to": float(bounds[k + 1]), "significant": bool(mid["pvalue"][k] < 1 - level)})
        grid = np.union1d(np.linspace(mod.lo, mod.hi, _GRID), inside)
        e = _ols_effects(f, g0 + grid[:, None] * g1, level)
        curves.append(pd.DataFrame({"effect": label, "moderator": mod.name, "value": grid,
                                    **{k: e[k] for k in ("est", "se", "ci_lower", "ci_upper", "pvalue")}}))
    curve_cols = ["effect", "moderator", "value", "est", "se", "ci_lower", "ci_upper", "pvalue"]
    return (pd.DataFrame(pts, columns=["effect", "kind", "moderator", "value", "within_range", "pct_below",
                                       "pct_above"]),
            pd.DataFrame(regions, columns=["effect", "moderator", "from", "to", "significant"]),
            pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=curve_cols))


def _simple_slopes(model, fits, mods, sub, level) -> pd.DataFrame:
    """Predicted Y over the range of X at each probe of the moderators (covariates at their means)."""
    if model.m:
        return pd.DataFrame(columns=["w", "z", "x", "fit", "se", "ci_lower", "ci_upper"])
    f = fits[model.y]
    xs = sub[model.x].astype(float)
    grid = np.linspace(xs.min(), xs.max(), _SLOPE_GRID)
    means = {c: float(sub[c].astype(float).mean()) for c in sub.columns if c not in mods}
    out = []
    for shown, point in _points(mods, model.moderators):
        vals = {**means, **point, model.x: grid}
        rows = np.column_stack([np.broadcast_to(math.prod((vals[k] for _, k in cons), start=np.ones(len(grid))),
                                                grid.shape) for cons in f.cols])
        e = _ols_effects(f, rows, level)
        out.append(pd.DataFrame({"w": shown.get("w", np.nan), "z": shown.get("z", np.nan), "x": grid,
                                 "fit": e["est"], "se": e["se"], "ci_lower": e["ci_lower"], "ci_upper": e["ci_upper"]}))
    return pd.concat(out, ignore_index=True)


# -- the bootstrap -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _BootTask:
    designs: tuple[np.ndarray, ...]
    outcomes: tuple[np.ndarray, ...]
    seed: int
    clusters: np.ndarray | None = None  # each row's cluster code 0..G-1: draws resample whole clusters

    @property
    def moments(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Per equation the row-wise products x_i x_i' (n x k^2) and x_i y_i (n x k)."""
        return tuple(((x[:, :, None] * x[:, None, :]).reshape(len(x), -1), x * y[:, None])
                     for x, y in zip(self.designs, self.outcomes))


def _draw_counts(task: _BootTask, i: int) -> np.ndarray:
    """How often each row enters draw ``i``: ``n`` rows drawn with replacement from the draw's own
    stream or, with clusters, ``G`` clusters drawn so, each row counted as often as its cluster (the
    clusters are the independent units; a cluster's members stay together)."""
    n = task.designs[0].shape[0]
    if task.clusters is None:
        return np.bincount(stream(task.seed, i).integers(0, n, size=n), minlength=n).astype(float)
    g = int(task.clusters.max()) + 1
    per_cluster = np.bincount(stream(task.seed, i).integers(0, g, size=g), minlength=g)
    return per_cluster[task.clusters].astype(float)


def _solve_counts(moments, widths, counts: np.ndarray, tol: float) -> np.ndarray | None:
    """The coefficients of every equation fitted to the rows repeated ``counts`` times (None: singular)."""
    row = np.empty(sum(widths))
    pos = 0
    for (xx, xy), k in zip(moments, widths):
        a = (counts @ xx).reshape(k, k)
        ev = np.linalg.eigvalsh(a)
        if ev[0] <= 0 or np.sqrt(ev[0] / ev[-1]) <= tol:
            return None
        row[pos:pos + k] = np.linalg.solve(a, counts @ xy)
        pos += k
    return row


def _boot_batch(task: _BootTask, start: int, stop: int) -> np.ndarray:
    """OLS coefficients of every equation for draws ``start .. stop - 1`` (NaN row: a singular resample).

    A resample enters only through how often each row is drawn (``c``), so each draw solves the
    normal equations ``(sum_i c_i x_i x_i') b = sum_i c_i x_i y_i`` from the products computed once,
    instead of refitting on the copied rows: the same coefficients (to rounding, ~1e-13) at a fraction
    of the cost, and each draw's arithmetic has the same shape in any batch (the draws do not depend on
    the batching).  A resample is singular when the design's smallest singular value is below
    ``max(n, k) * eps`` times its largest (numpy ``lstsq``'s default rank rule)."""
    n = task.designs[0].shape[0]
    widths = [x.shape[1] for x in task.designs]
    moments = task.moments
    tol = max(n, max(widths)) * np.finfo(float).eps
    out = np.full((stop - start, sum(widths)), np.nan)
    for j, i in enumerate(range(start, stop)):
        row = _solve_counts(moments, widths, _draw_counts(task, i), tol)
        if row is not None:
            out[j] = row
    return out


def _bootstrap(fits, seed: int, n_boot: int, *, groups=None, jobs, scheduler, batch_size, progress) -> np.ndarray:
    task = _BootTask(tuple(f.x for f in fits.values()), tuple(f.y for f in fits.values()), seed, groups)
    out = np.empty((n_boot, sum(f.x.shape[1] for f in fits.values())))
    for start, stop, res in run_batches(_boot_batch, task, n_boot, jobs=jobs, scheduler=scheduler,
                                        batch_size=batch_size, progress=progress, description="bootstrap"):
        out[start:stop] = res
    return out


class _Draws:
    """The coefficient draws of each equation (rows: kept draws)."""

    def __init__(self, fits: Mapping[str, _Fit], draws: np.ndarray | None):
        self.fits = fits
        self.draws = draws
        self.slices = {}
        pos = 0
        for label, f in fits.items():
            self.slices[label] = slice(pos, pos + len(f.names))
            pos += len(f.names)

    def effect(self, label: str, g: np.ndarray) -> np.ndarray | None:
        return None if self.draws is None else self.draws[:, self.slices[label]] @ g


def _boot_cols(draws: np.ndarray | None, est: np.ndarray, ci: str, level: float) -> dict[str, np.ndarray]:
    """boot_se, boot_ci_lower, boot_ci_upper per column of ``draws`` (NaN without draws)."""
    if draws is None:
        nan = np.full(len(est), np.nan)
        return {"boot_se": nan, "boot_ci_lower": nan, "boot_ci_upper": nan}
    lo, hi = interval(draws, est, ci=ci, level=level)
    return {"boot_se": bootstrap_se(draws), "boot_ci_lower": lo, "boot_ci_upper": hi}


def _path_links(model, fits, path: tuple[str, ...]) -> list[_Link]:
    return [_link(fits, model, path[k + 1], path[k]) for k in range(len(path) - 1)]


def _path_value(fits, draws: _Draws, links, point) -> tuple[float, np.ndarray | None]:
    est, d = 1.0, None
    for link in links:
        f = fits[link.label]
        g = f.grad(link.diff, point)
        est *= float(g @ f.b)
        dl = draws.effect(link.label, g)
        d = dl if d is None else (d * dl if dl is not None else None)
    return est, d


def _path_name(path: tuple[str, ...]) -> str:
    return " -> ".join(path)


def _with_boot(rows: list[dict], ests: list[float], ds: list, ci: str, level: float) -> list[dict]:
    mat = None if not ds or ds[0] is None else np.column_stack(ds)
    boot = _boot_cols(mat, np.asarray(ests, dtype=float), ci, level)
    for k, r in enumerate(rows):
        r.update({c: float(v[k]) for c, v in boot.items()})
    return rows


def _effects_tables(model, fits, mods, draws: _Draws, ci: str, level: float) -> dict[str, pd.DataFrame]:
    """Direct, total and indirect effects, indices of moderated mediation, contrasts, indirect-effect curves."""
    boot_names = ["boot_se", "boot_ci_lower", "boot_ci_upper"]
    ols_names = ["est", "se", "t", "pvalue", "ci_lower", "ci_upper"]
    out = {k: pd.DataFrame() for k in ("direct", "total", "indirect", "index", "contrasts", "indirect_curve")}
    if not model.m:
        return out
    # direct and total effects: OLS inference, and bootstrap intervals of the same quantity
    for key, label in (("direct", model.y), ("total", "total")):
        if label not in fits:
            out[key] = pd.DataFrame(columns=["effect", "w", "z", *ols_names, *boot_names])
            continue
        link = _link(fits, model, label, model.x)
        rows, ests, ds = [], [], []
        for shown, point in _points(mods, link.moderators):
            f = fits[label]
            g = f.grad(link.diff, point)
            e = _ols_effect(f, g, level)
            rows.append({"effect": f"{model.x} -> {model.y}", "w": shown.get("w", np.nan), "z": shown.get("z", np.nan),
                         **e})
            ests.append(e["est"])
            ds.append(draws.effect(label, g))
        out[key] = pd.DataFrame(_with_boot(rows, ests, ds, ci, level))
    # indirect effects at the probe values
    rows, ests, ds = [], [], []
    moderated = False
    for path in model.paths:
        links = _path_links(model, fits, path)
        pmods = [v for v in model.moderators if any(v in lk.moderators for lk in links)]
        moderated = moderated or bool(pmods)
        for shown, point in _points(mods, pmods):
            est, d = _path_value(fits, draws, links, point)
            rows.append({"path": _path_name(path), "mediators": " -> ".join(path[1:-1]),
                         "w": shown.get("w", np.nan), "z": shown.get("z", np.nan), "est": est})
            ests.append(est)
            ds.append(d)
    if not moderated and len(model.paths) > 1:
        total = float(sum(ests))
        rows.append({"path": "total indirect", "mediators": "", "w": np.nan, "z": np.nan, "est": total})
        ds.append(None if ds[0] is None else np.sum(np.column_stack(ds), axis=1))
        ests.append(total)
    out["indirect"] = pd.DataFrame(_with_boot(rows, ests, ds, ci, level),
                                   columns=["path", "mediators", "w", "z", "est", *boot_names])
    out["index"] = _index_table(model, fits, mods, draws, ci, level)
    out["contrasts"] = _contrasts(model, fits, mods, draws, ci, level)
    out["indirect_curve"] = _indirect_curve(model, fits, mods, draws, ci, level)
    return out


def _index_table(model, fits, mods, draws: _Draws, ci, level) -> pd.DataFrame:
    cols = ["path", "kind", "moderator", "level", "at", "index", "boot_se", "boot_ci_lower", "boot_ci_upper"]
    rows, ests, ds = [], [], []
    for path in model.paths:
        links = _path_links(model, fits, path)
        for mv in model.moderators:
            mod = mods[mv]
            dep = [k for k, lk in enumerate(links) if mv in lk.moderators]
            if not dep:
                continue
            others = [u for u in model.moderators if u != mv and any(u in lk.moderators for lk in links)]
            if mod.kind == "categorical":
                for shown, point in _points(mods, others) or [({}, {})]:
                    ref = {**point, **mod.probes[0][1]}
                    e0, d0 = _path_value(fits, draws, links, ref)
                    for lev, p in mod.probes[1:]:
                        e1, d1 = _path_value(fits, draws, links, {**point, **p})
                        rows.append({"path": _path_name(path), "kind": "moderated mediation", "moderator": mv,
                                     "level": f"{lev} vs {mod.probes[0][0]}",
                                     "at": next(iter(shown.values()), np.nan), "index": e1 - e0})
                        ests.append(e1 - e0)
                        ds.append(None if d0 is None else d1 - d0)
                continue
            if len(dep) > 1:
                continue  # quadratic in the moderator (models 58, 59): no index; see the contrasts
            j = dep[0]
            conditional = any(u in lk.moderators for k, lk in enumerate(links) if k != j for u in others) or \
                any(fits[links[j].label].has_column((*links[j].diff, mv, u)) for u in others)
            kind = ("conditional moderated mediation" if conditional else
                    "partial moderated mediation" if len(model.moderators) > 1 else "moderated mediation")
            for shown, point in (_points(mods, others) if conditional else [({}, {})]):
                est, d = 1.0, None
                for k, lk in enumerate(links):
                    f = fits[lk.label]
                    full = {**{key: 0.0 for key in mod.keys}, **point}
                    g = f.grad(lk.diff + (mv,), full) if k == j else f.grad(lk.diff, full)
                    est *= float(g @ f.b)
                    dl = draws.effect(lk.label, g)
                    d = dl if d is None else (d * dl if dl is not None else None)
                rows.append({"path": _path_name(path), "kind": kind, "moderator": mv, "level": "",
                             "at": next(iter(shown.values()), np.nan), "index": est})
                ests.append(est)
                ds.append(d)
    if not rows:
        return pd.DataFrame(columns=cols)
    rows = _with_boot(rows, ests, ds, ci, level)
    return pd.DataFrame(rows, columns=cols)


def _contrasts(model, fits, mods, draws: _Draws, ci, level) -> pd.DataFrame:
    """Differences between conditional indirect effects at pairs of probe values (one-moderator models)."""
    cols = ["path", "moderator", "from", "to", "est", "boot_se", "boot_ci_lower", "boot_ci_upper"]
    if len(model.moderators) != 1:
        return pd.DataFrame(columns=cols)
    mv = model.moderators[0]
    mod = mods[mv]
    rows, ests, ds = [], [], []
    for path in model.paths:
        links = _path_links(model, fits, path)
        if not any(mv in lk.moderators for lk in links):
            continue
        vals = [(shown, _path_value(fits, draws, links, point)) for shown, point in _points(mods, [mv])]
        for (s0, (e0, d0)), (s1, (e1, d1)) in itertools.combinations(vals, 2):
            rows.append({"path": _path_name(path), "moderator": mod.name, "from": s0[mod.role], "to": s1[mod.role],
                         "est": e1 - e0})
            ests.append(e1 - e0)
            ds.append(None if d0 is None else d1 - d0)
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(_with_boot(rows, ests, ds, ci, level), columns=cols)


def _indirect_curve(model, fits, mods, draws: _Draws, ci, level) -> pd.DataFrame:
    """Each moderated indirect effect over the range of its first continuous moderator (at the other
    moderator's probe values), with bootstrap intervals at every point."""
    cols = ["path", "moderator", "value", "at", "est", "boot_ci_lower", "boot_ci_upper"]
    out = []
    for path in model.paths:
        links = _path_links(model, fits, path)
        pmods = [v for v in model.moderators if any(v in lk.moderators for lk in links)]
        axis = next((v for v in pmods if mods[v].kind == "continuous"), None)
        if axis is None:
            continue
        mod = mods[axis]
        grid = np.linspace(mod.lo, mod.hi, _GRID)
        for shown, point in _points(mods, [v for v in pmods if v != axis]):
            ests, ds = [], []
            for val in grid:
                e, d = _path_value(fits, draws, links, {**point, **mod.point(val)})
                ests.append(e)
                ds.append(d)
            boot = _boot_cols(None if ds[0] is None else np.column_stack(ds), np.asarray(ests), ci, level)
            out.append(pd.DataFrame({"path": _path_name(path), "moderator": axis, "value": grid,
                                     "at": next(iter(shown.values()), np.nan), "est": ests,
                                     "boot_ci_lower": boot["boot_ci_lower"], "boot_ci_upper": boot["boot_ci_upper"]}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=cols)


# -- the result ----------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class ProcessResult(ResultMixin):
    """A PROCESS model fitted by OLS, probed, and bootstrapped.  Accessors return new DataFrames.

    Moderator values are in the columns ``w`` and ``z`` (the variables named by :attr:`w` and
    :attr:`z`; a category's name for a categorical moderator); an equation is named by its outcome,
    the total effect model of models 4 and 6 by ``"total"``.
    """

    model: int
    x: str
    m: tuple[str, ...]
    y: str
    w: str | None
    z: str | None
    covariates: tuple[str, ...]
    n: int
    n_dropped: int
    hc: str | None
    cluster: str | None  # the column whose clusters give CR1 errors and the cluster bootstrap
    n_clusters: int | None
    center: bool
    centered: dict[str, float]  # the means subtracted (center=True)
    moderator_values: str
    probe_values: dict[str, tuple]  # moderator -> the values probed
    moderator_kinds: dict[str, str]
    ci: str
    level: float
    n_boot: int
    n_failed: int
    rng_seed: int | None
    _coefficients: pd.DataFrame = field(repr=False)
    _model_summary: pd.DataFrame = field(repr=False)
    _r2_change: pd.DataFrame = field(repr=False)
    _conditional: pd.DataFrame = field(repr=False)
    _jn_points: pd.DataFrame = field(repr=False)
    _jn_regions: pd.DataFrame = field(repr=False)
    _jn_curve: pd.DataFrame = field(repr=False)
    _simple_slopes: pd.DataFrame = field(repr=False)
    _direct: pd.DataFrame = field(repr=False)
    _total: pd.DataFrame = field(repr=False)
    _indirect: pd.DataFrame = field(repr=False)
    _index: pd.DataFrame = field(repr=False)
    _contrasts: pd.DataFrame = field(repr=False)
    _indirect_curve: pd.DataFrame = field(repr=False)
    _draws: np.ndarray | None = field(repr=False, default=None)
    _draw_names: tuple[str, ...] = field(repr=False, default=())
    warnings: tuple[tuple[str, str], ...] = ()

    # -- accessors -----------------------------------------------------------------------------
    def coefficients(self) -> pd.DataFrame:
        """equation, outcome, term (``constant``, ``IDE``, ``IDE:INS``, ``region[west]``), est, se, t,
        pvalue, ci_lower, ci_upper: every coefficient of every equation (``se`` ordinary or ``hc``)."""
        return self._coefficients.copy()

    def model_summary(self) -> pd.DataFrame:
        """equation, outcome, r, r_squared, mse, f, df1, df2, pvalue, n (the F with the ``hc`` matrix when chosen)."""
        return self._model_summary.copy()

    def r_squared_change(self) -> pd.DataFrame:
        """The change in R-squared when the highest-order product term(s) are removed, with its F test."""
        return self._r2_change.copy()

    def conditional_effects(self) -> pd.DataFrame:
        """Every moderated effect at the probe values of its moderators (OLS inference): the focal
        effect of models 1-3, first- and second-stage and direct effects of the mediation models,
        and the conditional X x W interaction of model 3."""
        return self._conditional.copy()

    def johnson_neyman(self) -> pd.DataFrame:
        """The Johnson-Neyman points of each effect linear in one continuous moderator: every real
        boundary, whether it lies within the observed range (PROCESS shows those), and the
        percentage of the sample below and above it."""
        return self._jn_points.copy()

    def johnson_neyman_regions(self) -> pd.DataFrame:
        """The observed range of the moderator cut at the Johnson-Neyman points: from, to, significant."""
        return self._jn_regions.copy()

    def johnson_neyman_curve(self) -> pd.DataFrame:
        """The conditional effect with its confidence band at 101 points of the moderator's range
        (and at the Johnson-Neyman points), for :func:`surveykit.plots.johnson_neyman_plot`."""
        return self._jn_curve.copy()

    def simple_slopes(self) -> pd.DataFrame:
        """Models 1-3: predicted Y over the range of X at each probe of the moderators, with the
        confidence band of the prediction (covariates at their means)."""
        return self._simple_slopes.copy()

    def direct_effect(self) -> pd.DataFrame:
        """The (conditional) direct effect of X on Y: OLS inference and a bootstrap interval."""
        return self._direct.copy()

    def total_effect(self) -> pd.DataFrame:
        """Models 4 and 6: the total effect of X on Y (the total effect model)."""
        return self._total.copy()

    def indirect_effects(self) -> pd.DataFrame:
        """The (conditional) indirect effect of each path at the probe values, with bootstrap SE and
        interval; with several unmoderated paths also the total indirect effect."""
        return self._indirect.copy()

    def index_of_moderated_mediation(self) -> pd.DataFrame:
        """The indices of (partial, conditional) moderated mediation with bootstrap intervals."""
        return self._index.copy()

    def contrasts(self) -> pd.DataFrame:
        """One-moderator models: differences between conditional indirect effects (``to`` minus ``from``)."""
        return self._contrasts.copy()

    def indirect_effect_curve(self) -> pd.DataFrame:
        """Each moderated indirect effect at 101 points of its moderator's range, with bootstrap
        intervals, for :func:`surveykit.plots.conditional_indirect_plot`."""
        return self._indirect_curve.copy()

    def coefficient_products(self) -> pd.DataFrame:
        """The products of the moderated mediation's coefficients that Wen & Ye (2014) test, for a
        model with one mediator and one numeric moderator W of the first stage (``a3``: X x W -> M),
        the second (``b2``: M x W -> Y) or both: ``a1 b2``, ``a3 b1``, ``a3 b2`` as the model has
        them, each with its two coefficients' OLS t tests and the bootstrap SE and interval of the
        product (the draws' products).  Empty for other models.  Mean-centre (``center=True``) so
        that a1 and b1 are the effects at the mean of W, as Wen & Ye do.

        Wen, Z., & Ye, B. (2014). 有调节的中介模型检验方法：竞争还是替补？ Acta Psychologica
        Sinica 46(5), 714-726 (温忠麟, 叶宝娟)."""
        cols = ["product", "first", "second", "est", "first_est", "first_pvalue", "second_est", "second_pvalue",
                "boot_se", "boot_ci_lower", "boot_ci_upper"]
        if len(self.m) != 1 or self.w is None or self.z is not None or \
                self.moderator_kinds.get(self.w) == "categorical":
            return pd.DataFrame(columns=cols)
        m, coef = self.m[0], self._coefficients

        def term(eq: str, *names: str) -> tuple[str, pd.Series] | None:
            want = ":".join(sorted(names))
            rows = coef[(coef["equation"] == eq) & (coef["term"].map(lambda t: ":".join(sorted(t.split(":")))) == want)]
            return (f"{eq}|{rows['term'].iloc[0]}", rows.iloc[0]) if len(rows) == 1 else None

        a1, a3, b1, b2 = term(m, self.x), term(m, self.x, self.w), term(self.y, m), term(self.y, m, self.w)
        pairs = [(f"{n1}*{n2}", t1, t2) for n1, t1, n2, t2 in
                 (("a1", a1, "b2", b2), ("a3", a3, "b1", b1), ("a3", a3, "b2", b2)) if t1 and t2]
        if not pairs or a3 is None and b2 is None:
            return pd.DataFrame(columns=cols)
        rows, ests, ds = [], [], []
        kept = None if self._draws is None else self._draws[np.isfinite(self._draws).all(axis=1)]
        where = {n: k for k, n in enumerate(self._draw_names)}
        for name, (k1, r1), (k2, r2) in pairs:
            est = float(r1["est"] * r2["est"])
            rows.append({"product": name, "first": k1, "second": k2, "est": est, "first_est": float(r1["est"]),
                         "first_pvalue": float(r1["pvalue"]), "second_est": float(r2["est"]),
                         "second_pvalue": float(r2["pvalue"])})
            ests.append(est)
            ds.append(None if kept is None else kept[:, where[k1]] * kept[:, where[k2]])
        return pd.DataFrame(_with_boot(rows, ests, ds, self.ci, self.level), columns=cols)

    @property
    def draws(self) -> pd.DataFrame:
        """The bootstrap coefficients, one row per draw (NaN: a singular resample, dropped),
        columns ``equation|term``."""
        if self._draws is None:
            return pd.DataFrame(columns=list(self._draw_names))
        return pd.DataFrame(self._draws, columns=list(self._draw_names)).rename_axis("draw")

    @property
    def df_rule(self) -> str:
        """The denominator degrees of freedom of the t and F tests: ``"G - 1"`` with clusters
        (Stata's vce(cluster), statsmodels), else ``"n - k"`` (each equation's residual df)."""
        return "G - 1" if self.cluster is not None else "n - k"

    # -- conversion and display ----------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self.coefficients()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "model": self.model, "x": self.x, "m": list(self.m), "y": self.y, "w": self.w, "z": self.z,
            "covariates": list(self.covariates), "n": self.n, "n_dropped": self.n_dropped, "hc": self.hc,
            "cluster": self.cluster, "n_clusters": self.n_clusters, "df_rule": self.df_rule, "center": self.center,
            "centered": self.centered, "moderator_values": self.moderator_values,
            "probe_values": {k: list(v) for k, v in self.probe_values.items()},
            "moderator_kinds": self.moderator_kinds, "ci": self.ci, "level": self.level, "n_boot": self.n_boot,
            "n_failed": self.n_failed, "rng_seed": self.rng_seed,
            "coefficients": self._coefficients, "model_summary": self._model_summary,
            "r_squared_change": self._r2_change, "conditional_effects": self._conditional,
            "johnson_neyman": self._jn_points, "johnson_neyman_regions": self._jn_regions,
            "direct_effect": self._direct, "total_effect": self._total, "indirect_effects": self._indirect,
            "index_of_moderated_mediation": self._index, "contrasts": self._contrasts,
            "coefficient_products": self.coefficient_products(),
            # the curves the figures draw (simple slopes, Johnson-Neyman, conditional indirect effect)
            "simple_slopes": self._simple_slopes, "johnson_neyman_curve": self._jn_curve,
            "indirect_effect_curve": self._indirect_curve,
            "warnings": [{"category": c, "message": m} for c, m in self.warnings],
        })

    def _repr_line(self) -> str:
        roles = " ".join(f"{k}={v}" for k, v in (("x", self.x), ("m", ",".join(self.m)), ("y", self.y),
                                                  ("w", self.w), ("z", self.z)) if v)
        cl = f" cluster={self.cluster} ({self.n_clusters} clusters)" if self.cluster is not None else ""
        return f"ProcessResult model={self.model} {roles} n={self.n}{cl} n_boot={self.n_boot} rng_seed={self.rng_seed}"

    def _named(self, df: pd.DataFrame) -> pd.DataFrame:
        """Moderator columns under the moderators' names, empty ones dropped (display only)."""
        out = df.copy()
        for role, name in (("w", self.w), ("z", self.z)):
            if role in out.columns:
                if name is None or out[role].isna().all():
                    out = out.drop(columns=role)
                else:
                    out = out.rename(columns={role: name})
        return out

    def summary(self) -> Summary:
        hc = f" ({self.hc} standard errors)" if self.hc else " (CR1 cluster-robust standard errors)" \
            if self.cluster is not None else ""
        roles = [("Y", self.y), ("X", self.x)] + [(f"M{k + 1}" if len(self.m) > 1 else "M", v)
                                                   for k, v in enumerate(self.m)]
        roles += [(r, v) for r, v in (("W", self.w), ("Z", self.z)) if v]
        if self.covariates:
            roles.append(("Covariates", ", ".join(self.covariates)))
        tables: list[tuple[str, pd.DataFrame]] = [
            (f"Model {self.model}", pd.DataFrame({"role": [r for r, _ in roles], "variable": [v for _, v in roles]}))]
        coef = self._coefficients
        for label in self._model_summary["equation"]:
            ms = self._model_summary[self._model_summary["equation"] == label]
            name = (f"OUTCOME VARIABLE: {ms['outcome'].iloc[0]}" if label != "total"
                    else f"TOTAL EFFECT MODEL, OUTCOME VARIABLE: {self.y}")
            tables.append((f"{name}: model summary{hc}",
                           ms.drop(columns=["equation", "outcome"])))
            tables.append((f"{name}: coefficients",
                           coef[coef["equation"] == label].drop(columns=["equation", "outcome"])))
            r2c = self._r2_change[self._r2_change["equation"] == label]
            if len(r2c):
                tables.append((f"{name}: test of highest order unconditional interaction(s)",
                               r2c.drop(columns=["equation", "outcome"])))
        if len(self._conditional):
            tables.append(("Conditional effects at values of the moderator(s)", self._named(self._conditional)))
        if len(self._jn_points):
            tables.append(("Johnson-Neyman points", self._jn_points))
            tables.append(("Johnson-Neyman regions", self._jn_regions))
        if self.m:
            if len(self._total):
                tables.append(("Total effect of X on Y", self._named(self._total)))
            tables.append(("Direct effect of X on Y", self._named(self._direct)))
            tables.append(("Indirect effect(s) of X on Y", self._named(self._indirect)))
            if len(self._index):
                tables.append(("Index of moderated mediation", self._index))
            if len(self._contrasts):
                tables.append(("Contrasts between conditional indirect effects", self._contrasts))
        notes = [f"Sample size: {self.n}" + (f" ({self.n_dropped} rows with missing values dropped)."
                                              if self.n_dropped else ".")]
        notes.append(f"Level of confidence for all confidence intervals: {self.level:.0%}.")
        if self.hc:
            notes.append(f"Standard errors and tests use the {self.hc} heteroscedasticity-consistent covariance "
                         "matrix.")
        if self.cluster is not None:
            notes.append(f"Standard errors and tests use the CR1 cluster-robust covariance matrix ({self.n_clusters} "
                         f"clusters of {self.cluster!r}); t and F tests on G - 1 = {self.n_clusters - 1} denominator "
                         "degrees of freedom (as Stata's vce(cluster)).")
        if self.n_boot:
            notes.append(f"Number of bootstrap samples for {_CI_NAMES[self.ci]} bootstrap confidence intervals: "
                         f"{self.n_boot} (seed {self.rng_seed}; {self.n_failed} singular resamples dropped)"
                         + (f"; each resampled the {self.n_clusters} clusters of {self.cluster!r} whole."
                            if self.cluster is not None else "."))
        for v, kind in self.moderator_kinds.items():
            if kind == "continuous" and self.moderator_values in ("mean_sd", "percentiles"):
                how = ("the mean and plus/minus one SD (a value beyond the data replaced by the minimum or maximum)"
                       if self.moderator_values == "mean_sd" else "the 16th, 50th and 84th percentiles")
                notes.append(f"{v} values in conditional tables are {how}.")
            elif kind == "categorical":
                notes.append(f"{v} is categorical: indicator coding against its first category, "
                             f"{self.probe_values[v][0]!r}.")
        if self.centered:
            notes.append("Mean-centred before forming products: " + ", ".join(self.centered) + ".")
        if self.model in (58, 59) and (self.moderator_kinds.get(self.w) != "categorical"):
            notes.append("The indirect effect is a quadratic function of W here, so it has no index of moderated "
                         "mediation; the contrasts between conditional indirect effects test moderated mediation.")
        notes += [f"{c}: {msg}" for c, msg in self.warnings]
        return Summary(title=f"Conditional process analysis (PROCESS model {self.model})", tables=tuple(tables),
                       notes=tuple(notes))


# -- the public function -----------------------------------------------------------------------------------
def _check_options(hc, cluster, ci, moderator_values, n_boot, level, center, jobs) -> None:
    if hc is not None:
        check_option("hc", hc, HC_TYPES)
    if cluster is not None:
        if not isinstance(cluster, str) or not cluster:
            raise SpecError(f"cluster= must be the name of the cluster column, not {cluster!r}.")
        if hc is not None:
            raise SpecError(f"cluster= and hc={hc!r} cannot be combined: the cluster-robust (CR1) covariance matrix "
                            "replaces the HC matrix (it is heteroscedasticity-consistent too); drop hc=.")
    check_option("ci", ci, get_args(CI))
    if not isinstance(moderator_values, Mapping):
        check_option("moderator_values", moderator_values, get_args(ModeratorValues))
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0 or n_boot == 1:
        raise SpecError(f"n_boot={n_boot!r} must be 0 (no bootstrap) or an int of at least 2.")
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise SpecError(f"level={level!r} must lie strictly between 0 and 1 (e.g. 0.95).")
    if not isinstance(center, (bool, np.bool_)):
        raise SpecError(f"center={center!r} must be True or False.")
    check_jobs(jobs)


def _kept_draws(raw: np.ndarray) -> np.ndarray:
    """The mask of the estimable draws; too few is an error, some dropped a warning."""
    ok = np.isfinite(raw).all(axis=1)
    n_boot, n_failed = len(raw), int((~ok).sum())
    if ok.sum() < 2:
        raise EstimationError(f"Only {int(ok.sum())} of {n_boot} bootstrap resamples gave estimable equations; "
                              "no intervals can be formed. Check the data (a rare category, a near-constant "
                              "variable).")
    if n_failed:
        warnings.warn(f"{n_failed} of {n_boot} bootstrap resamples had a singular design matrix (e.g. a "
                      f"category absent from the resample) and were dropped; the intervals use the other "
                      f"{n_boot - n_failed}.", DataQualityWarning, stacklevel=3)
    return ok


def process(
    data,
    *,
    model: int,
    x: str,
    y: str,
    m: str | Sequence[str] | None = None,
    w: str | None = None,
    z: str | None = None,
    covariates: str | Sequence[str] = (),
    center: bool = False,
    hc: HC | None = None,
    cluster: str | None = None,
    moderator_values: ModeratorValues | Mapping[str, Sequence[float]] = "mean_sd",
    n_boot: int = 5000,
    ci: CI = "percentile",
    level: float = 0.95,
    rng=None,
    jobs: int = -1,
    scheduler=None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> ProcessResult:
    """Conditional process analysis on observed scores: Hayes' PROCESS models by OLS.

    Parameters
    ----------
    data : DataFrame or SurveyData
        One row per respondent.  A SurveyData with an instrument offers its construct scores
        (:meth:`SurveyData.scores`, named by construct code) beside the frame's other columns.
    model : int
        The PROCESS model number: 1, 2, 3 (moderation), 4 (parallel mediation), 5, 6 (serial
        mediation, 2-4 mediators), 7, 8, 9, 14, 15, 21, 58, 59 (conditional process models).
    x, y : str
        The focal predictor and the outcome.
    m : str or list of str
        The mediator(s): parallel, except in model 6 where their order is the causal order.
    w, z : str
        The moderators (z: models 2, 3, 9, 21).  A moderator with two values is probed at them;
        a non-numeric one (models with one moderator) is categorical: indicator coding against
        its first category (the first of a pandas Categorical's categories, else the first in
        sorted order).
    covariates : str or list of str
        Entered in every equation (PROCESS's default).
    center : bool
        Mean-centre x and the numeric moderators before forming products (PROCESS ``center = 1``);
        the probe values are then on the centred scale.
    hc : {None, "HC0", "HC1", "HC2", "HC3", "HC4"}
        Heteroscedasticity-consistent standard errors (PROCESS ``hc``; ``sandwich::vcovHC``); the
        model and R-squared-change F tests then are Wald tests with that matrix.
    cluster : str, optional
        A column of ``data`` identifying clusters (e.g. members' branches).  Every equation then
        gets the CR1 cluster-robust covariance matrix, ``G/(G-1) (N-1)/(N-K)`` times the sandwich of
        the clusters' score sums (R ``sandwich::vcovCL(fit, cluster = ~g, type = "HC1")``, Stata
        ``vce(cluster)``), and every t test, confidence interval, Wald F (model, R-squared change),
        conditional effect and Johnson-Neyman point uses it with ``G - 1`` denominator degrees of
        freedom (Stata's and statsmodels' choice; R's ``lmtest::coeftest(fit, vcovCL(...))``
        would use N - K, which overstates the precision of a matrix estimated from G cluster sums:
        give it ``df = G - 1`` to match).  The bootstrap resamples whole clusters.  Rows with a
        missing model variable are dropped first; the cluster column may then have no missing value.
        Replaces ``hc`` (the cluster-robust matrix is heteroscedasticity-consistent too).
    moderator_values : {"mean_sd", "percentiles"} or mapping
        Where continuous moderators are probed: the mean and +-1 SD (PROCESS 3's default; PROCESS 4
        defaults to the percentiles), the 16th, 50th and 84th percentiles, or ``{name: [values]}``.
    n_boot : int
        Bootstrap draws for the indirect effects (0: none).  Models 1-3 have no indirect
        effect and are not bootstrapped.
    ci : {"percentile", "bc"}
        Bootstrap interval: percentile or bias-corrected.
    level : float
        Confidence level of every interval.
    rng : int, numpy Generator or None
        Seed of the bootstrap, recorded as ``rng_seed``.
    jobs, scheduler, batch_size, progress
        As for :func:`surveykit.resampling.bootstrap`; the draws do not depend on them.

    Returns
    -------
    ProcessResult
        ``coefficients()``, ``model_summary()``, ``r_squared_change()``, ``conditional_effects()``,
        ``johnson_neyman()``, ``direct_effect()``, ``total_effect()``, ``indirect_effects()``,
        ``index_of_moderated_mediation()``, ``contrasts()``, curves for the figures; printing it shows
        the tables in the order of PROCESS's output.

    Notes
    -----
    Validated against: R 4.2.2 ``lm``, ``sandwich::vcovHC`` 3.0.2 (HC0-HC4), ``rockchalk::testSlopes``
    1.8.157 (Johnson-Neyman points) to 1e-8 relative, and an R bootstrap loop of ``lm`` refits within
    Monte Carlo error (``tests/reference/make_process_reference.R``); with ``cluster=``, against
    ``sandwich::vcovCL(type = "HC1")`` with ``lmtest::coeftest(df = G - 1)`` to 1e-8 and an R loop
    resampling whole clusters (``tests/reference/make_process_cluster_reference.R``).  The R
    equivalent of model 7 is ``lm(STY ~ IDE * INS)`` and ``lm(EXE ~ IDE + STY)`` with the conditional
    indirect effect ``(a1 + a3 w) b`` bootstrapped by refitting both on resampled rows.

    Examples
    --------
    >>> import pandas as pd, surveykit as sk
    >>> d = pd.read_csv("tests/reference/data/process.csv")  # doctest: +SKIP
    >>> r = sk.process(d, model=7, x="IDE", m="STY", y="EXE", w="INS", n_boot=1000, rng=1)  # doctest: +SKIP
    >>> r.index_of_moderated_mediation()  # doctest: +SKIP
    """
    x, ms, y, w, z, cov = _roles(model, x, m, y, w, z, covariates)
    _check_options(hc, cluster, ci, moderator_values, n_boot, level, center, jobs)
    frame = _frame_of(data)
    pm = build_model(model, x=x, m=ms, y=y, w=w, z=z, covariates=cov)
    with capture_warnings() as log:
        sub, means, n_drop, complete = _prepare(frame, pm, cov, bool(center))
        if isinstance(moderator_values, Mapping):
            unknown = [k for k in moderator_values if k not in pm.moderators]
            if unknown:
                raise SpecError(f"moderator_values names {', '.join(map(repr, unknown))}, not a moderator of this "
                                f"model ({', '.join(pm.moderators)}).")
        mods = _moderators(sub, w, z, moderator_values)
        groups = None
        if cluster is not None:
            groups = _cluster_codes(frame, cluster, complete, max(1 + len(eq.terms) for eq in pm.equations))
        fits = _fit_all(pm, sub, mods, hc, groups)
        coef = _coef_table(fits, level)
        conditional, links = _conditional_table(pm, fits, mods, level)
        jn_points, jn_regions, jn_curve = _jn(pm, fits, mods, links, level)
        slopes = _simple_slopes(pm, fits, mods, sub, level)
        seed, draws, n_failed, n_used = None, None, 0, 0
        kept = _Draws(fits, None)
        if pm.paths and n_boot:
            seed = resolve_seed(rng)
            draws = _bootstrap(fits, seed, int(n_boot), groups=groups, jobs=jobs, scheduler=scheduler,
                               batch_size=batch_size, progress=progress)
            ok = _kept_draws(draws)
            n_failed, n_used = int((~ok).sum()), int(n_boot)
            kept = _Draws(fits, draws[ok])
        eff = _effects_tables(pm, fits, mods, kept, ci, level)
    names = tuple(f"{label}|{t}" for label, f in fits.items() for t in f.names)
    return ProcessResult(
        model=model, x=x, m=ms, y=y, w=w, z=z, covariates=cov, n=len(sub), n_dropped=n_drop, hc=hc,
        cluster=cluster, n_clusters=None if groups is None else int(groups.max()) + 1, center=bool(center),
        centered=means,
        moderator_values=moderator_values if isinstance(moderator_values, str) else "given",
        probe_values={v: tuple(val for val, _ in md.probes) for v, md in mods.items()},
        moderator_kinds={v: md.kind for v, md in mods.items()}, ci=ci, level=float(level), n_boot=n_used,
        n_failed=n_failed, rng_seed=seed, _coefficients=coef, _model_summary=_model_table(fits),
        _r2_change=_r2_change_table(fits), _conditional=conditional, _jn_points=jn_points,
        _jn_regions=jn_regions, _jn_curve=jn_curve, _simple_slopes=slopes, _direct=eff["direct"],
        _total=eff["total"], _indirect=eff["indirect"], _index=eff["index"], _contrasts=eff["contrasts"],
        _indirect_curve=eff["indirect_curve"], _draws=draws, _draw_names=names, warnings=tuple(log),
    )
