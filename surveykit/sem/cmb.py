"""Model-based checks for common-method bias: the single-factor CFA test and the ULMC.

Both build lavaan syntax from the user's measurement model, fit it with :func:`surveykit.sem.sem`
(ML, listwise, lavaan's defaults) and compare the fits.  Neither applies a cut-off: the results
give the chi-square difference test, the changes in CFI/TLI/RMSEA/SRMR and (ULMC) the variance
shares; the reporting layer applies a convention profile.

References: Podsakoff, MacKenzie, Lee & Podsakoff (2003), J. Appl. Psychol. 88, 879-903;
Liang, Saraf, Hu & Xue (2007), MIS Quarterly 31, 59-87; Williams, Hartman & Cavazotte (2010),
Organ. Res. Methods 13, 477-514.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.results import ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem.api import sem
from surveykit.sem.results import SEMResult
from surveykit.sem.syntax import SyntaxRow, parse_syntax, row_syntax

__all__ = ["SingleFactorResult", "ULMCResult", "single_factor_test", "ulmc"]

MethodLoadings = Literal["free", "equal"]

_FIT_COLUMNS = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]
_DELTA = ["cfi", "tli", "rmsea", "srmr"]


# -- building the models ---------------------------------------------------------------
@dataclass(frozen=True)
class _Measurement:
    syntax: str
    factors: dict[str, tuple[str, ...]]  # factor -> observed items, in order
    extra: tuple[SyntaxRow, ...]  # the user's ~~ rows

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(i for its in self.factors.values() for i in its))


def _measurement(model: str | Mapping[str, Sequence[str]], where: str) -> _Measurement:
    if isinstance(model, Mapping):
        if not model:
            raise SpecError(f"{where}: the mapping of factors to items is empty.")
        lines = []
        for f, its in model.items():
            its = [its] if isinstance(its, str) else list(its)
            if not its:
                raise SpecError(f"{where}: factor {f!r} has no items.")
            lines.append(f"{f} =~ " + " + ".join(map(str, its)))
        model = "\n".join(lines)
    if not isinstance(model, str):
        raise SpecError(
            f"{where}: give the measurement model as lavaan syntax or as a mapping factor -> items, "
            f"not {type(model).__name__}."
        )
    rows = parse_syntax(model)
    lv = list(dict.fromkeys(r.lhs for r in rows if r.op == "=~"))
    if not lv:
        raise ModelSpecificationError(f"{where}: the measurement model has no '=~' line.")
    for r in rows:
        if r.op not in ("=~", "~~"):
            raise ModelSpecificationError(
                f"{where}: model syntax line {r.line} ({r.lhs} {r.op} {r.rhs}) is not part of a measurement "
                "model; give only the '=~' lines (and '~~' residual covariances)."
            )
        if r.op == "=~" and r.rhs in lv:
            raise ModelSpecificationError(
                f"{where}: model syntax line {r.line}: {r.lhs} is measured by the factor {r.rhs}; "
                "common-method checks need first-order factors measured by items."
            )
    factors = {f: tuple(dict.fromkeys(r.rhs for r in rows if r.op == "=~" and r.lhs == f)) for f in lv}
    return _Measurement(syntax=model, factors=factors, extra=tuple(r for r in rows if r.op == "~~"))


def _fresh_name(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "_"
    return name


def one_factor_syntax(m: _Measurement, name: str = "general") -> str:
    """One factor measured by every item, with the user's residual covariances among items."""
    items = m.items
    name = _fresh_name(name, set(items) | set(m.factors))
    lines = [f"{name} =~ " + " + ".join(items)]
    lines += [row_syntax(r) for r in m.extra if r.lhs in items and r.rhs in items]
    return "\n".join(lines) + "\n"


def method_factor_syntax(m: _Measurement, loadings: MethodLoadings, name: str = "method") -> str:
    """The measurement model plus a method factor on every item, uncorrelated with the factors."""
    items = m.items
    name = _fresh_name(name, set(items) | set(m.factors))
    if loadings == "free":
        terms = [f"NA*{items[0]}", *items[1:]]
        lines = [f"{name} =~ " + " + ".join(terms), f"{name} ~~ 1*{name}"]
    else:
        lines = [f"{name} =~ " + " + ".join(f"1*{i}" for i in items)]
    lines.append(f"{name} ~~ " + " + ".join(f"0*{f}" for f in m.factors))
    return m.syntax.rstrip() + "\n" + "\n".join(lines) + "\n"


# -- comparing fits -------------------------------------------------------------------
def _fit_row(name: str, fit: SEMResult) -> dict[str, Any]:
    fm = fit.fit_measures()
    return {"model": name, **{k: fm.get(k, math.nan) for k in _FIT_COLUMNS}, "converged": fit.converged}


def _difference(restricted: SEMResult, general: SEMResult, sign: int) -> dict[str, float]:
    """Chi-square difference test (lavaan ``anova()`` for ML) and differences in fit indices.

    ``sign=+1``: differences are general - restricted; ``-1``: restricted - general.
    """
    fr, fg = restricted.fit_measures(), general.fit_measures()
    d_chisq = fr["chisq"] - fg["chisq"]
    d_df = fr["df"] - fg["df"]
    p = float(stats.chi2.sf(d_chisq, d_df)) if d_df > 0 else math.nan
    out = {"delta_chisq": d_chisq, "delta_df": d_df, "pvalue": p}
    for k in _DELTA:
        out[f"delta_{k}"] = sign * (fg[k] - fr[k])
    return out


def _dedupe(log: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(log))


def _admissible(fit: SEMResult) -> bool:
    """Converged, no negative variance, no |standardized loading| > 1, PD factor covariances."""
    if not fit.converged:
        return False
    pe = fit.parameter_estimates()
    var = pe[(pe["op"] == "~~") & (pe["lhs"] == pe["rhs"])]
    if (var["est"] < 0).any():
        return False
    load = pe.loc[pe["op"] == "=~", "std_all"].to_numpy(dtype=float)
    if np.isnan(load).any() or (np.abs(load) > 1).any():
        return False
    lv = list(fit.partable.lv_names)
    cov = pe[(pe["op"] == "~~") & pe["lhs"].isin(lv) & pe["rhs"].isin(lv)]
    psi = np.zeros((len(lv), len(lv)))
    pos = {f: k for k, f in enumerate(lv)}
    for a, b, v in zip(cov["lhs"], cov["rhs"], cov["est"]):
        psi[pos[a], pos[b]] = psi[pos[b], pos[a]] = v
    return bool(np.linalg.eigvalsh(psi).min() > 0) if lv else True


def _summary_fit_table(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[["model", *_FIT_COLUMNS]]


# -- single-factor test ------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class SingleFactorResult(ResultMixin):
    """A one-factor CFA of every item compared with the multi-factor measurement model.

    ``comparison``: one row per model (model, npar, chisq, df, pvalue, cfi, tli, rmsea, srmr,
    aic, bic, converged).  ``test``: ``delta_chisq``, ``delta_df``, ``pvalue`` of the
    chi-square difference test and ``delta_cfi``, ``delta_tli``, ``delta_rmsea``,
    ``delta_srmr`` = one-factor minus measurement model (NaN without a measurement model).
    """

    one_factor_syntax: str
    one_factor: SEMResult = field(repr=False)
    measurement: SEMResult | None = field(repr=False)
    test: dict[str, float]
    _comparison: pd.DataFrame = field(repr=False)
    warnings: tuple[tuple[str, str], ...] = ()

    @property
    def comparison(self) -> pd.DataFrame:
        return self._comparison.copy()

    def to_frame(self) -> pd.DataFrame:
        return self.comparison

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "one_factor_syntax": self.one_factor_syntax,
            "measurement_syntax": None if self.measurement is None else self.measurement.model_syntax,
            "comparison": self._comparison,
            "test": self.test,
            "warnings": [{"category": c, "message": m} for c, m in self.warnings],
        })

    def _repr_line(self) -> str:
        t = self.test
        return (f"SingleFactorResult delta_chisq={t['delta_chisq']:.3f} delta_df={t['delta_df']:.0f} "
                f"pvalue={t['pvalue']:.4g}")

    def summary(self) -> Summary:
        tables = [("Model fit", _summary_fit_table(self._comparison))]
        if self.measurement is not None:
            tables.append(("Chi-square difference test and changes in fit (one factor - measurement model)",
                           pd.DataFrame([self.test])))
        notes = [
            "A one-factor model of every item fitted by ML; a common method factor accounting for most of "
            "the covariance would make it fit about as well as the measurement model. The difference "
            "test is on the boundary of the parameter space (factor correlations fixed to 1), so its "
            "p-value is approximate.",
            *(f"{c}: {m}" for c, m in self.warnings),
        ]
        return Summary(title="Single-factor test for common-method bias (CFA)", tables=tuple(tables),
                       notes=tuple(notes))


def single_factor_test(model_or_items, data) -> SingleFactorResult:
    """Single-factor (Harman-type) CFA test: one factor for every item vs the measurement model.

    The one-factor model ``general =~ <every item>`` (keeping the measurement model's residual
    covariances among items) is nested in the multi-factor measurement model (all factor
    correlations fixed to 1), so the chi-square difference test of lavaan's ``anova()`` applies:
    ``delta_chisq = chisq_1 - chisq_k`` on ``delta_df = df_1 - df_k`` degrees of freedom.
    Because the restriction is on the boundary (correlations of 1) the p-value is approximate;
    with large samples it is nearly always tiny, so read it together with the fit of the
    one-factor model (``comparison``) and the changes in CFI/TLI/RMSEA/SRMR.  A poorly fitting
    single factor does not prove the absence of method bias (Podsakoff et al. 2003).

    Validated against: lavaan 0.6.14 ``cfa()`` and ``anova()`` (Holzinger-Swineford, the demo's
    eight-factor model, bfi five-factor model; every fit measure 1e-4 relative).

    Parameters
    ----------
    model_or_items : str, mapping or sequence of str
        The measurement model as lavaan syntax (``=~`` lines and optional ``~~`` residual
        covariances), a mapping ``{factor: [items]}``, or only the item names (then just the
        one-factor model is fitted and ``test`` is NaN).
    data : DataFrame or SurveyData
        As for :func:`surveykit.sem.sem` (listwise deletion on the items).

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.sem import single_factor_test
    >>> hs = sk.datasets.holzinger_swineford()
    >>> res = single_factor_test({"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...                                  "speed": ["x7", "x8", "x9"]}, hs)
    >>> round(res.test["delta_chisq"], 3), res.test["delta_df"]
    (226.959, 3.0)
    """
    where = "single_factor_test()"
    if not isinstance(model_or_items, (str, Mapping)):
        try:
            items = list(dict.fromkeys(map(str, model_or_items)))
        except TypeError:
            raise SpecError(
                f"{where}: give the measurement model as lavaan syntax, a mapping factor -> items or a list "
                f"of items, not {type(model_or_items).__name__}."
            ) from None
        if len(items) < 3:
            raise SpecError(f"{where}: give at least three items for a one-factor model, not {len(items)}.")
        m = _Measurement(syntax="", factors={"_": tuple(items)}, extra=())
        with_model = False
    else:
        m = _measurement(model_or_items, where)
        with_model = True
    syntax = one_factor_syntax(m)
    with capture_warnings() as log:
        measurement = sem(m.syntax, data) if with_model else None
        one = sem(syntax, data)
    rows = [_fit_row("one_factor", one)]
    if measurement is not None:
        rows.insert(0, _fit_row("measurement", measurement))
        test = _difference(one, measurement, sign=-1)
    else:
        test = {k: math.nan for k in ["delta_chisq", "delta_df", "pvalue", *(f"delta_{d}" for d in _DELTA)]}
    return SingleFactorResult(
        one_factor_syntax=syntax,
        one_factor=one,
        measurement=measurement,
        test=test,
        _comparison=pd.DataFrame(rows),
        warnings=_dedupe(list(log)),
    )


# -- ULMC --------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class ULMCResult(ResultMixin):
    """The measurement model with and without an unmeasured latent method construct.

    ``comparison``: one row per model; ``test``: chi-square difference test and ``delta_cfi``,
    ``delta_tli``, ``delta_rmsea``, ``delta_srmr`` = with method factor minus without;
    ``variance``: per item the completely standardized substantive and method loadings, their
    squares (variance explained) and the p-value of the (unstandardized) method loading;
    ``mean_substantive_variance`` and ``mean_method_variance`` are the means of the squares over
    items.  With free loadings the method loadings in ``variance`` are oriented to sum to a
    positive number (``with_method`` holds the estimates as fitted).
    """

    loadings: str
    method_syntax: str
    measurement: SEMResult = field(repr=False)
    with_method: SEMResult = field(repr=False)
    test: dict[str, float]
    mean_substantive_variance: float
    mean_method_variance: float
    admissible: bool
    _comparison: pd.DataFrame = field(repr=False)
    _variance: pd.DataFrame = field(repr=False)
    warnings: tuple[tuple[str, str], ...] = ()

    @property
    def comparison(self) -> pd.DataFrame:
        return self._comparison.copy()

    @property
    def variance(self) -> pd.DataFrame:
        return self._variance.copy()

    @property
    def variance_ratio(self) -> float:
        """Mean substantive over mean method variance (Liang et al. 2007 report it as "k : 1")."""
        m = self.mean_method_variance
        return self.mean_substantive_variance / m if m and np.isfinite(m) else math.nan

    def to_frame(self) -> pd.DataFrame:
        return self.variance

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "loadings": self.loadings,
            "method_syntax": self.method_syntax,
            "comparison": self._comparison,
            "test": self.test,
            "mean_substantive_variance": self.mean_substantive_variance,
            "mean_method_variance": self.mean_method_variance,
            "variance_ratio": self.variance_ratio,
            "admissible": self.admissible,
            "variance": self._variance,
            "warnings": [{"category": c, "message": m} for c, m in self.warnings],
        })

    def _repr_line(self) -> str:
        return (f"ULMCResult loadings={self.loadings} delta_cfi={self.test['delta_cfi']:.4f} "
                f"mean_method_variance={self.mean_method_variance:.4f} admissible={self.admissible}")

    def summary(self) -> Summary:
        shares = pd.DataFrame([{
            "mean_substantive_variance": self.mean_substantive_variance,
            "mean_method_variance": self.mean_method_variance,
            "ratio": self.variance_ratio,
        }])
        notes = [
            f"Method factor on every item, uncorrelated with the substantive factors; loadings {self.loadings}"
            + (" (method variance fixed to 1)." if self.loadings == "free" else
               " (all fixed to 1, method variance free: equal loadings)."),
        ]
        if not self.admissible:
            notes.append("The model with the method factor is not admissible (no convergence, a negative variance, a "
                         "standardized loading beyond 1 or a non-positive-definite factor covariance matrix): do "
                         "not interpret its loadings.")
        notes += [f"{c}: {m}" for c, m in self.warnings]
        return Summary(
            title="Unmeasured latent method construct (ULMC)",
            tables=(("Model fit", _summary_fit_table(self._comparison)),
                    ("Chi-square difference test and changes in fit (with - without method factor)",
                     pd.DataFrame([self.test])),
                    ("Variance explained (mean over items of squared standardized loadings)", shares),
                    ("Items", self._variance)),
            notes=tuple(notes),
        )


def ulmc(measurement_model, data, *, loadings: MethodLoadings = "free") -> ULMCResult:
    """Unmeasured latent method construct: add a method factor on every item and compare fits.

    The method factor loads on every item of the measurement model and is uncorrelated with the
    substantive factors (covariances fixed to 0), which keep their own loadings and
    correlations (Podsakoff et al. 2003, Table 5; Liang et al. 2007).  ``loadings="free"``
    estimates one method loading per item (variance fixed to 1): the common practice, with
    Liang et al.'s comparison of each item's substantive and method variance.
    ``loadings="equal"`` fixes every method loading to 1 and frees the method variance, i.e.
    equal unstandardized method loadings (Williams, Hartman & Cavazotte 2010's "Method-C"
    model; one parameter, better identified).

    Reported: fit of both models, the chi-square difference test (the measurement model is the
    method model with the method loadings fixed at 0; the p-value is approximate for
    ``"equal"``, whose restriction puts the method variance on its boundary), changes in
    CFI/TLI/RMSEA/SRMR (with minus without), and per item the squared completely standardized
    substantive and method loadings; their means over items are ``mean_substantive_variance``
    and ``mean_method_variance``.  Because the factors are orthogonal to the method factor, each
    item's R-squared is the sum of the two.

    ULMC models are often empirically under-identified (few items per factor, a method factor
    that absorbs a substantive one); ``admissible`` is False when the method model did not
    converge or has a negative variance, a standardized loading beyond 1 or a
    non-positive-definite factor covariance matrix.  lavaan itself returns such solutions (with
    a warning), as in the Holzinger-Swineford example.

    Validated against: lavaan 0.6.14 ``cfa()`` and ``anova()`` on the same syntax (bfi five
    factors, the demo's eight factors, Holzinger-Swineford with equal loadings; fit measures
    1e-4 relative, standardized loadings 1e-4).

    Parameters
    ----------
    measurement_model : str or mapping
        lavaan syntax (``=~`` lines and optional ``~~`` residual covariances) or
        ``{factor: [items]}``.
    data : DataFrame or SurveyData
        As for :func:`surveykit.sem.sem`.
    loadings : {"free", "equal"}
        Method loadings estimated per item, or all equal.

    Examples
    --------
    >>> import surveykit as sk
    >>> from surveykit.sem import ulmc
    >>> bfi = sk.datasets.bfi()  # doctest: +SKIP
    >>> res = ulmc({"agree": ["A1", "A2", "A3", "A4", "A5"], "consc": ["C1", "C2", "C3", "C4", "C5"]},
    ...            bfi)  # doctest: +SKIP
    >>> res.test["delta_cfi"], res.mean_method_variance  # doctest: +SKIP
    """
    if loadings not in ("free", "equal"):
        raise SpecError(f"loadings={loadings!r} is not one of 'free', 'equal'.")
    m = _measurement(measurement_model, "ulmc()")
    syntax = method_factor_syntax(m, loadings)
    method = _fresh_name("method", set(m.items) | set(m.factors))
    with capture_warnings() as log:
        base = sem(m.syntax, data)
        meth = sem(syntax, data)
    pe = meth.parameter_estimates()
    load = pe[pe["op"] == "=~"]
    ml = load[load["lhs"] == method].set_index("rhs")
    # with free loadings the method factor's sign is arbitrary (variance fixed to 1): report it
    # oriented so that its loadings sum to a positive number (a reflection; the fit is the same)
    sign = -1.0 if loadings == "free" and ml["est"].sum() < 0 else 1.0
    rows = []
    for f, its in m.factors.items():
        sl = load[load["lhs"] == f].set_index("rhs")
        for it in its:
            s, mm = float(sl.loc[it, "std_all"]), sign * float(ml.loc[it, "std_all"])
            rows.append({"item": it, "factor": f, "substantive_loading": s, "method_loading": mm,
                         "method_pvalue": float(ml.loc[it, "pvalue"]),
                         "substantive_variance": s**2, "method_variance": mm**2})
    var = pd.DataFrame(rows)
    comparison = pd.DataFrame([_fit_row("measurement", base), _fit_row("with_method", meth)])
    return ULMCResult(
        loadings=loadings,
        method_syntax=syntax,
        measurement=base,
        with_method=meth,
        test=_difference(base, meth, sign=+1),
        mean_substantive_variance=float(var["substantive_variance"].mean(skipna=False)),
        mean_method_variance=float(var["method_variance"].mean(skipna=False)),
        admissible=_admissible(meth),
        _comparison=comparison,
        _variance=var,
        warnings=_dedupe(list(log)),
    )
