"""Public entry points ``cfa`` and ``sem`` (lavaan's ``cfa()``/``sem()`` in Python)."""

from __future__ import annotations

import dataclasses
from typing import Literal, get_args

import pandas as pd

from surveykit._core.blas import single_threaded
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.results import capture_warnings
from surveykit.sem.estimate import optimize, sample_moments, standard_vcov, starting_values
from surveykit.sem.partable import build_partable, observed_names
from surveykit.sem.ram import RamModel
from surveykit.sem.results import SEMResult, compute_result
from surveykit.sem.robust import robust_fit_measures, sandwich_vcov

__all__ = ["cfa", "sem"]

Estimator = Literal["ML", "MLR", "WLSMV", "ULS", "GLS"]
Missing = Literal["listwise", "fiml"]
_SUPPORTED_NOW = {"ML", "MLR", "GLS", "ULS", "WLSMV"}


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


@single_threaded
def sem(
    model: str,
    data,
    *,
    estimator: Estimator = "ML",
    missing: Missing = "listwise",
    std_lv: bool = False,
    fixed_x: bool = True,
    orthogonal: bool = False,
    ordered: bool | list[str] | None = None,
    meanstructure: bool | None = None,
    group: str | None = None,
    group_equal: tuple[str, ...] | list[str] = (),
    group_partial: tuple[str, ...] | list[str] = (),
    engine: Literal["surveykit", "semopy"] = "surveykit",
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax.

    Defaults follow lavaan's ``sem()``: marker-variable identification (first loading fixed
    to 1), free residual variances, covarying exogenous latent variables and pure
    outcomes, exogenous observed covariates fixed at their sample (co)variances
    (``fixed.x``), the N-divisor sample covariance, and standard errors from the expected
    information.  ``group`` fits the model in every group of that column (groups in order of
    first appearance, as lavaan); ``group_equal`` constrains kinds of parameters equal across
    groups ("loadings", "intercepts", "residuals", "means", "lv.variances", ...); a mean
    structure is added automatically when intercepts are constrained.

    Estimators: "ML" (normal-theory maximum likelihood), "MLR" (ML estimates with Huber-White
    standard errors and the Yuan-Bentler scaled test, lavaan's MLR for complete data), "WLSMV"
    (ordinal indicators, ``ordered=True`` or a list: polychoric correlations, DWLS, robust SEs,
    scaled-and-shifted test; delta parameterization), "GLS" (normal-theory generalized
    least squares, weight S^-1) and "ULS" (unweighted least squares, normal-theory sandwich
    standard errors).

    Validated against: lavaan 0.6.14 ``sem()``/``cfa()`` (Holzinger-Swineford CFA with ML, GLS,
    ULS, std.lv and a mean structure; PoliticalDemocracy SEM with ``:=`` indirect effects; an
    observed-variable path model; multi-group CFA with group.equal constraints).

    Parameters
    ----------
    model : str
        lavaan model syntax (``=~``, ``~``, ``~~``, ``~ 1``, ``:=``, labels and fixed values).
    data : DataFrame or SurveyData
        One row per respondent; rows with missing values on model variables are dropped
        (``missing="listwise"``) and the number dropped is reported as a warning.

    ``engine="semopy"`` takes the point estimates from semopy (an independent optimizer) and
    computes everything else with surveykit; it exists as a cross-check.

    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> fit = sk.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> round(fit.fit_measures()["chisq"], 3)
    85.306
    """
    _check_choice("estimator", estimator, Estimator)
    _check_choice("engine", engine, Literal["surveykit", "semopy"])
    if engine == "semopy" and (estimator != "ML" or missing != "listwise" or group is not None):
        raise SpecError("engine='semopy' supports estimator='ML', missing='listwise' and one group only.")
    _check_choice("missing", missing, Missing)
    if estimator not in _SUPPORTED_NOW:
        raise SpecError(
            f"estimator={estimator!r} is not available yet in this version; use 'ML', 'GLS' or 'ULS'."
        )
    if missing == "fiml" and estimator not in ("ML", "MLR"):
        raise SpecError(f"missing='fiml' needs estimator='ML', not {estimator!r}.")
    if missing == "fiml" and estimator == "MLR":
        raise SpecError("missing='fiml' with robust (MLR) standard errors is not available yet; use estimator='ML'.")
    if not isinstance(model, str):
        raise ModelSpecificationError("model must be lavaan syntax given as a string.")
    if group_equal and group is None:
        raise SpecError("group_equal needs group= (the column that defines the groups).")
    frame = _frame_of(data)
    if ordered and estimator == "ML":
        estimator = "WLSMV"  # lavaan: ordered indicators switch the default estimator to WLSMV
    if estimator == "WLSMV":
        if group is not None or missing != "listwise" or std_lv:
            raise SpecError("estimator='WLSMV' supports one group, listwise deletion and marker identification "
                            "in this version.")
        from surveykit.sem.ordinal import fit_wlsmv

        with capture_warnings() as log:
            result = fit_wlsmv(model, frame, ordered=True if ordered in (None, True) else list(ordered))
        return dataclasses.replace(result, warnings=tuple(log))
    if meanstructure is None:
        meanstructure = group is not None  # lavaan: a mean structure by default with several groups
    if missing == "fiml":
        with capture_warnings() as log:
            result = _sem_fiml(model, frame, std_lv=std_lv, fixed_x=fixed_x, orthogonal=orthogonal, group=group,
                               group_equal=tuple(group_equal), group_partial=tuple(group_partial))
        return dataclasses.replace(result, warnings=tuple(log))
    with capture_warnings() as log:
        sm = sample_moments(frame, observed_names(model), group=group, unbiased=estimator in ("GLS", "ULS"))
        names = list(sm.names)
        covs = [pd.DataFrame(gm.cov, index=names, columns=names) for gm in sm.groups]
        means = [pd.Series(gm.mean, index=names) for gm in sm.groups]
        pt = build_partable(model, std_lv=std_lv, fixed_x=fixed_x, orthogonal=orthogonal, sample_cov=covs,
                            sample_mean=means, meanstructure=meanstructure, ngroups=len(sm.groups),
                            group_labels=sm.group_labels, group_equal=tuple(group_equal),
                            group_partial=tuple(group_partial))
        if pt.meanstructure and estimator != "ML":
            raise SpecError(f"A mean structure (intercepts, groups with equal intercepts) needs estimator='ML', "
                            f"not {estimator!r}.")
        models = [RamModel.from_partable(pt, group=g) for g in range(1, len(sm.groups) + 1)]
        theta0 = starting_values(pt, models[0], sm)
        base = "ML" if estimator == "MLR" else estimator
        if engine == "semopy":
            from surveykit.sem._semopy import semopy_estimates

            theta_s = semopy_estimates(model, frame.loc[:, list(sm.names)].dropna(), pt)
            # surveykit evaluates semopy's optimum: no iterations of its own
            opt = optimize(models, theta_s, sm, estimator=base, max_iter=0)
            opt = dataclasses.replace(opt, method="semopy L-BFGS-B", converged=True)
        else:
            opt = _optimize_with_restarts(models, pt, theta0, sm, base)
        if estimator == "MLR":
            vcov, a_obs, b_obs = sandwich_vcov(models, opt.theta, sm)
        else:
            vcov = standard_vcov(models, opt.theta, sm, estimator)
        result = compute_result(syntax=model, estimator=estimator, pt=pt, model=models, sm=sm, opt=opt,
                                vcov=vcov, warning_log=[])
        if estimator == "MLR":
            fit = robust_fit_measures(result.fit_measures(), models, opt.theta, sm, pt, a_obs, b_obs)
            result = dataclasses.replace(result, _fit=fit)
    return dataclasses.replace(result, warnings=tuple(log))


def _optimize_with_restarts(models, pt, theta0, sm, estimator):
    """Fisher scoring from the default starts; when that does not converge, from lavaan's
    "simple" starts (latent variances 0.05); only then the slower L-BFGS-B fallback from the
    better of the two.  The converged solution with the lowest discrepancy is kept; a
    ConvergenceWarning is raised only when every attempt fails."""
    import numpy as np

    first = optimize(models, theta0, sm, estimator=estimator, fallback=False)
    if first.converged:
        return first
    alt = theta0.copy()
    t = pt.table
    lv = set(pt.lv_names)
    for r in t[(t["op"] == "~~") & (t["lhs"] == t["rhs"]) & (t["free"] > 0) & t["lhs"].isin(lv)].itertuples():
        alt[r.free - 1] = 0.05
    second = optimize(models, alt, sm, estimator=estimator, fallback=False)
    candidates = [o for o in (first, second) if o.converged]
    if candidates:
        return min(candidates, key=lambda o: o.fmin)
    best = min((first, second), key=lambda o: o.fmin if np.isfinite(o.fmin) else np.inf)
    return optimize(models, best.theta if np.isfinite(best.fmin) else theta0, sm, estimator=estimator)


def _sem_fiml(model, frame, *, std_lv, fixed_x, orthogonal, group, group_equal, group_partial) -> SEMResult:
    """ML with full-information treatment of missing values (see surveykit.sem.fiml)."""
    import numpy as np

    from surveykit.errors import DataError, MissingDataWarning
    from surveykit.sem.estimate import GroupMoments, SampleMoments
    from surveykit.sem.fiml import fit_fiml
    from surveykit.sem.robust import _fiml_fit_measures

    pt0 = build_partable(model, std_lv=std_lv, fixed_x=False, orthogonal=orthogonal, meanstructure=True)
    names = list(pt0.ov_names)
    missing_cols = [n for n in names if n not in frame.columns]
    if missing_cols:
        raise DataError(f"The model uses variable(s) {', '.join(missing_cols)} that are not columns of the data.")
    x_all = frame[names].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    keep = ~np.isnan(x_all).all(axis=1)
    if group is not None:
        keep &= frame[group].notna().to_numpy()
    if (~keep).any():
        import warnings

        warnings.warn(f"{int((~keep).sum())} of {len(x_all)} rows had no value on any model variable and were "
                      "dropped (missing='fiml').", MissingDataWarning, stacklevel=3)
    if group is None:
        labels, data = ("1",), [x_all[keep]]
    else:
        gv = frame[group].to_numpy()
        labels = tuple(str(g) for g in dict.fromkeys(gv[keep].tolist()))
        data = [x_all[keep & (gv.astype(str) == g)] for g in labels]
    from surveykit.sem.fiml import em_saturated

    em = [em_saturated(x) for x in data]
    groups = tuple(GroupMoments(cov=s_, mean=m_, nobs=x.shape[0], data=x) for (m_, s_, _, _), x in zip(em, data))
    sm = SampleMoments(names=tuple(names), groups=groups, n_total=len(x_all), group_labels=labels)
    pt = build_partable(model, std_lv=std_lv, fixed_x=False, orthogonal=orthogonal, meanstructure=True,
                        ngroups=len(groups), group_labels=labels, group_equal=group_equal,
                        group_partial=group_partial)
    models = [RamModel.from_partable(pt, group=g) for g in range(1, len(groups) + 1)]
    theta0 = starting_values(pt, models[0], sm)
    opt, vcov, l1, l0, lb, _ = fit_fiml(models, pt, data, theta0)
    if not np.isfinite(vcov).all():
        raise DataError("The observed information matrix is singular; the model may not be identified.")
    result = compute_result(syntax=model, estimator="ML", pt=pt, model=models, sm=sm, opt=opt, vcov=vcov,
                            warning_log=[])
    fit = _fiml_fit_measures(result.fit_measures(), l1, l0, lb, pt, sm)
    return dataclasses.replace(result, _fit=fit, missing="fiml")


def cfa(model: str, data, **kwargs) -> SEMResult:
    """Fit a confirmatory factor analysis (same defaults as :func:`sem`, as in lavaan)."""
    return sem(model, data, **kwargs)
