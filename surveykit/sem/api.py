"""Public entry points ``sem``, ``cfa`` and ``growth`` (lavaan's functions in Python).

Each is one call of the pipeline (:mod:`surveykit.sem.pipeline`): options, parameter table,
sample statistics, estimation, standard errors, tests, baseline and fit measures, assembly.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from surveykit._core.blas import single_threaded
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.results import capture_warnings
from surveykit.sem.assemble import assemble
from surveykit.sem.fitmeasures import catml_corrected, fiml_corrected, fit_measures
from surveykit.sem.options import Options, resolve_options
from surveykit.sem.partable import independence_table, lavaanify, variable_names
from surveykit.sem.pipeline import estimate_partable, fill_exogenous
from surveykit.sem.results import SEMResult
from surveykit.sem.samplestats import sample_stats
from surveykit.sem.syntax import parse_syntax

__all__ = ["cfa", "sem", "growth", "parameter_table"]


def _frame_of(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "frame", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise SpecError(f"data must be a pandas DataFrame or a SurveyData, not {type(data).__name__}.")


def _ordered_names(ordered, vn) -> tuple[str, ...]:
    if ordered is None or ordered is False:
        return ()
    if ordered is True:
        return tuple(v for v in vn.ov if v not in vn.ov_x)
    if isinstance(ordered, str):
        ordered = [ordered]
    try:
        names = tuple(str(v) for v in ordered)
    except TypeError:
        raise SpecError(f"ordered= must be True, a column name or a list of column names, not {ordered!r}.") from None
    return names


def _nthresholds(frame: pd.DataFrame, ordered: tuple[str, ...], group: str | None) -> dict[str, int]:
    """Categories - 1 of every ordinal indicator, over all rows (lavaan's ``varTable``)."""
    out = {}
    rows = frame if group is None else frame[frame[group].notna()]
    for v in ordered:
        if v not in frame.columns:
            continue
        col = pd.to_numeric(rows[v], errors="coerce")
        out[v] = max(int(col.dropna().nunique()) - 1, 0)
    return out


_OPTIONS = ("estimator", "se", "test", "information", "observed_information", "h1_information", "likelihood",
            "missing", "fixed_x", "conditional_x", "meanstructure", "ordered", "parameterization", "std_lv", "std_ov",
            "orthogonal", "mimic", "group", "group_equal", "group_partial", "cluster", "sampling_weights")
# lavaan's cfa()/sem()/growth() set these themselves and ignore a user's value; surveykit refuses it
_SET_BY_FUNCTION = ("auto_fix_first", "auto_fix_single", "auto_var", "auto_cov_lv_x", "auto_cov_y", "auto_th",
                    "auto_delta", "int_ov_free", "int_lv_free")


def _check_keywords(kwargs: dict) -> None:
    for key in kwargs:
        if key in _SET_BY_FUNCTION:
            raise SpecError(
                f"{key}= is set by cfa()/sem()/growth() themselves (lavaan ignores a value given to them); write the "
                "parameter in the model syntax instead (e.g. 'x5 ~~ NA*x5' to free a single indicator's residual "
                "variance, 'x1 ~ 1' for an intercept).")
        if key not in _OPTIONS:
            raise SpecError(
                f"{key}= is not an option of sem()/cfa()/growth(); use one of {', '.join(_OPTIONS)} (lavaan's names "
                "with underscores for dots).")


def fit_options(model: str, frame: pd.DataFrame, *, model_type: str, **kwargs) -> tuple[list, Options]:
    """Parse ``model`` and resolve the options for it (steps 1-2 before the table)."""
    _check_keywords(kwargs)
    if not isinstance(model, str):
        raise ModelSpecificationError("model must be lavaan syntax given as a string.")
    rows = parse_syntax(model)
    plain = [r for r in rows if r.op not in (":=", "==")]
    if not plain:
        raise ModelSpecificationError("The model has no '=~', '~' or '~~' line: there is nothing to estimate.")
    vn = variable_names(plain)
    ordered = _ordered_names(kwargs.pop("ordered", None), vn)
    opts = resolve_options(ordered=ordered, has_exogenous_x=bool(vn.ov_x),
                           has_intercept_rows=any(r.op == "~1" for r in plain), model_type=model_type, **kwargs)
    return rows, opts


@single_threaded
def _fit(model: str, data, *, model_type: str, engine: str = "surveykit", **kwargs) -> SEMResult:
    if engine not in ("surveykit", "semopy"):
        raise SpecError(f"engine={engine!r} is not one of 'surveykit', 'semopy'.")
    frame = _frame_of(data)
    with capture_warnings() as log:
        rows, opts = fit_options(model, frame, model_type=model_type, **kwargs)
        if engine == "semopy" and (opts.estimator != "ML" or opts.missing != "listwise" or opts.group is not None
                                   or opts.categorical or opts.se != "standard"):
            raise SpecError("engine='semopy' supports estimator='ML', missing='listwise' and one group only.")
        vn = variable_names([r for r in rows if r.op not in (":=", "==")])
        ov_x = vn.ov_x if opts.fixed_x else ()
        stats = sample_stats(frame, vn.ov, opts, ov_x=ov_x, ordered=tuple(v for v in vn.ov if v in opts.ordered))
        pt = lavaanify(rows, opts, ngroups=len(stats.groups), group_labels=stats.group_labels,
                       nthresholds=_nthresholds(frame, opts.ordered, opts.group))
        pt = fill_exogenous(pt, stats)
        engine_theta = None
        if engine == "semopy":
            from surveykit.sem._semopy import semopy_estimates

            engine_theta = semopy_estimates(model, frame.loc[:, list(stats.names)].dropna(), pt)
        est = estimate_partable(pt, stats, opts, engine_theta=engine_theta)
        base_opts = dataclasses.replace(opts, se="none")
        bpt = fill_exogenous(independence_table(pt), stats)
        base = estimate_partable(bpt, stats, base_opts, se=False)
        fc = None
        if opts.fiml:
            fc = fiml_corrected(est, base, scaled=est.robust is not None)
        elif opts.categorical:
            fc = catml_corrected(est, base)
        fit = fit_measures(est, base, fiml_corrected=fc)
        result = assemble(est, fit, syntax=model, engine_note="semopy L-BFGS-B" if engine_theta is not None else None)
    return dataclasses.replace(result, warnings=tuple(log))


def parameter_table(model: str, data, *, model_type: str = "sem", **kwargs):
    """The parameter table ``sem()`` would fit, without estimating anything (lavaan's
    ``parTable(sem(..., do.fit = FALSE))``): the data supply the groups and, for ordinal
    indicators, the number of thresholds; fixed.x rows carry the sample moments."""
    frame = _frame_of(data)
    rows, opts = fit_options(model, frame, model_type=model_type, **kwargs)
    vn = variable_names([r for r in rows if r.op not in (":=", "==")])
    ov_x = vn.ov_x if opts.fixed_x else ()
    stats = sample_stats(frame, vn.ov, opts, ov_x=ov_x, ordered=tuple(v for v in vn.ov if v in opts.ordered))
    pt = lavaanify(rows, opts, ngroups=len(stats.groups), group_labels=stats.group_labels,
                   nthresholds=_nthresholds(frame, opts.ordered, opts.group))
    return fill_exogenous(pt, stats)


_COMMON_DOC = """
    Options follow lavaan 0.6.14 (``lavOptions()``), with dots written as underscores:
    ``estimator`` ("ML", "MLR", "MLM", "MLMV", "MLMVS", "MLF", "GLS", "WLS", "DWLS", "WLSM",
    "WLSMV", "WLSMVS", "ULS", "ULSM", "ULSMV", "ULSMVS"), ``se``, ``test``, ``information``,
    ``observed_information``, ``h1_information``, ``likelihood``, ``missing`` ("listwise",
    "fiml"/"ml", "ml.x", "pairwise"), ``fixed_x``, ``meanstructure``, ``ordered``,
    ``parameterization``, ``std_lv``, ``orthogonal``, ``mimic`` ("lavaan"), ``group``,
    ``group_equal``, ``group_partial``, ``cluster`` (a single-level model of clustered data:
    cluster-robust standard errors and test, as lavaan's ``cluster=``; MLM: ``robust.cluster.sem``)
    and ``sampling_weights`` (the weight column; ML becomes MLR, as in lavaan).  (lavaan's
    ``auto.*`` and ``int.*.free`` are set by the function, as in lavaan, and refused when given.)
    Every combination is either what lavaan does or refused before any work with a sentence that names
    the option (see :mod:`surveykit.sem.options`).  ``engine="semopy"`` takes the point estimates
    from semopy (an independent optimizer, a cross-check) and computes everything else with
    surveykit.
"""


def sem(model: str, data, **kwargs) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax (lavaan's ``sem()``).

    Defaults follow lavaan's ``sem()``: marker-variable identification (first loading fixed
    to 1), free residual variances, covarying exogenous latent variables and pure outcomes,
    exogenous observed covariates fixed at their sample moments (``fixed.x``, ML), single
    indicators with zero residual variance, the N-divisor covariance for ML, standard errors
    from the expected information; with ``group`` a mean structure and one model per group
    (groups in order of first appearance), ``group_equal`` constraining kinds of parameters
    ("loadings", "intercepts", "thresholds", "residuals", "means", "lv.variances", ...) except
    those in ``group_partial`` (lavaan's spelling, e.g. "visual=~x2").
    """ + _COMMON_DOC + """
    Examples
    --------
    >>> import surveykit as sk
    >>> hs = sk.datasets.holzinger_swineford()
    >>> fit = sk.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> round(fit.fit_measures()["chisq"], 3)
    85.306
    """
    return _fit(model, data, model_type="sem", **kwargs)


def cfa(model: str, data, **kwargs) -> SEMResult:
    """Fit a confirmatory factor analysis (same defaults as :func:`sem`, as in lavaan)."""
    return _fit(model, data, model_type="sem", **kwargs)


def growth(model: str, data, **kwargs) -> SEMResult:
    """Fit a latent growth model (lavaan's ``growth()``): as :func:`sem`, with a mean structure,
    the observed intercepts fixed at 0 and the latent means free (``int_ov_free=False``,
    ``int_lv_free=True``)."""
    return _fit(model, data, model_type="growth", **kwargs)
