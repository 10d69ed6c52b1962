"""Public entry points ``cfa`` and ``sem`` (lavaan's ``cfa()``/``sem()`` in Python)."""

from __future__ import annotations

import dataclasses
from typing import Literal, get_args

import pandas as pd

from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.results import capture_warnings
from surveykit.sem.estimate import expected_vcov, optimize_ml, sample_moments, starting_values
from surveykit.sem.partable import build_partable
from surveykit.sem.ram import RamModel
from surveykit.sem.results import SEMResult, compute_result

__all__ = ["cfa", "sem"]

Estimator = Literal["ML", "MLR", "WLSMV", "ULS", "GLS"]
Missing = Literal["listwise", "fiml"]
_SUPPORTED_NOW = {"ML"}


def _frame_of(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "frame", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise SpecError(
        f"data must be a pandas DataFrame or a SurveyData, not {type(data).__name__}."
    )


def _check_choice(name: str, value, typ) -> None:
    allowed = get_args(typ)
    if value not in allowed:
        raise SpecError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}.")


def sem(
    model: str,
    data,
    *,
    estimator: Estimator = "ML",
    missing: Missing = "listwise",
    std_lv: bool = False,
    fixed_x: bool = True,
    orthogonal: bool = False,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax.

    Defaults follow lavaan's ``sem()``: marker-variable identification (first loading fixed
    to 1), free residual variances, covarying exogenous latent variables and pure
    outcomes, exogenous observed covariates fixed at their sample (co)variances
    (``fixed.x``), the N-divisor sample covariance, and standard errors from the expected
    information.

    Validated against: lavaan 0.6.14 ``sem()``/``cfa()`` (Holzinger-Swineford CFA,
    PoliticalDemocracy SEM with ``:=`` indirect effects, an observed-variable path model).

    Parameters
    ----------
    model : str
        lavaan model syntax (``=~``, ``~``, ``~~``, ``:=``, labels and fixed values).
    data : DataFrame or SurveyData
        One row per respondent; rows with missing values on model variables are dropped
        (``missing="listwise"``) and the number dropped is reported as a warning.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> fit = sk.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> round(fit.fit_measures()["chisq"], 3)
    85.306
    """
    _check_choice("estimator", estimator, Estimator)
    _check_choice("missing", missing, Missing)
    if estimator not in _SUPPORTED_NOW:
        raise SpecError(
            f"estimator={estimator!r} is not available yet in this version; use estimator='ML'."
        )
    if missing != "listwise":
        raise SpecError("missing='fiml' is not available yet in this version; use missing='listwise'.")
    if not isinstance(model, str):
        raise ModelSpecificationError("model must be lavaan syntax given as a string.")
    frame = _frame_of(data)
    with capture_warnings() as log:
        pt0 = build_partable(model, std_lv=std_lv, fixed_x=fixed_x, orthogonal=orthogonal)
        sm = sample_moments(frame, pt0.ov_names)
        cov = pd.DataFrame(sm.cov, index=list(sm.names), columns=list(sm.names))
        pt = build_partable(model, std_lv=std_lv, fixed_x=fixed_x, orthogonal=orthogonal, sample_cov=cov)
        ram = RamModel.from_partable(pt)
        theta0 = starting_values(pt, ram, sm.cov)
        opt = optimize_ml(ram, theta0, sm.cov)
        vcov, _ = expected_vcov(ram, opt.theta, sm.nobs)
        result = compute_result(syntax=model, estimator=estimator, pt=pt, model=ram, sm=sm, opt=opt,
                                vcov=vcov, warning_log=[])
    return dataclasses.replace(result, warnings=tuple(log))


def cfa(model: str, data, **kwargs) -> SEMResult:
    """Fit a confirmatory factor analysis (same defaults as :func:`sem`, as in lavaan)."""
    return sem(model, data, **kwargs)
