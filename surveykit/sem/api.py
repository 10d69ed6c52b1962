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
from surveykit.sem.interaction import check_method, expand_product_indicators
from surveykit.sem.options import Options, resolve_options
from surveykit.sem.partable import independence_table, lavaanify, variable_names
from surveykit.sem.pipeline import estimate_partable, fill_exogenous
from surveykit.sem.results import SEMResult
from surveykit.sem.samplestats import sample_stats
from surveykit.sem.syntax import parse_syntax
from surveykit.sem.twolevel import assemble_two_level, fit_two_level, two_level_fit_measures, two_level_table

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
    for r in rows:
        if r.op == "~" and ":" in r.rhs:
            raise ModelSpecificationError(
                f"Model syntax line {r.line}: the interaction '{r.rhs}' is estimated by sem() itself (product "
                "indicators or LMS, interaction=...); this function cannot take one.")
    plain = [r for r in rows if r.op not in (":=", "==")]
    if not plain:
        raise ModelSpecificationError("The model has no '=~', '~' or '~~' line: there is nothing to estimate.")
    levels = any(r.level for r in rows)
    vn = variable_names(plain) if not levels else _two_level_names(plain)
    ordered = _ordered_names(kwargs.pop("ordered", None), vn)
    opts = resolve_options(ordered=ordered, has_exogenous_x=bool(vn.ov_x),
                           has_intercept_rows=any(r.op == "~1" for r in plain), model_type=model_type,
                           multilevel=levels, **kwargs)
    return rows, opts


def _two_level_names(rows):
    """The variable names of a two-level model's rows, classified within each level and merged."""
    per_level = [variable_names([r for r in rows if r.level == lev]) for lev in (1, 2)]
    merged = {f.name: tuple(dict.fromkeys(getattr(per_level[0], f.name) + getattr(per_level[1], f.name)))
              for f in dataclasses.fields(per_level[0])}
    return type(per_level[0])(**merged)


@single_threaded
def _fit(model: str, data, *, model_type: str, engine: str = "surveykit", **kwargs) -> SEMResult:
    if engine not in ("surveykit", "semopy"):
        raise SpecError(f"engine={engine!r} is not one of 'surveykit', 'semopy'.")
    frame = _frame_of(data)
    with capture_warnings() as log:
        rows, opts = fit_options(model, frame, model_type=model_type, **kwargs)
        if opts.multilevel:
            result = _fit_two_level(model, rows, frame, opts, engine)
        else:
            result = _fit_single_level(model, rows, frame, opts, engine)
    return dataclasses.replace(result, warnings=tuple(log))


_LMS_OPTIONS = ("estimator", "std_lv", "orthogonal", "meanstructure", "missing")


def _interaction_fit(model: str, frame: pd.DataFrame, rows, *, model_type: str, engine: str, interaction: str,
                     match, quadrature_points, kwargs: dict):
    """A model with latent interactions: product indicators through the ordinary pipeline, or LMS."""
    if model_type != "sem" or engine != "surveykit":
        raise SpecError("Latent interactions ('a:b') are estimated by sem()/cfa() with engine='surveykit' only.")
    if kwargs.get("group") is not None or kwargs.get("ordered") not in (None, False, ()):
        raise SpecError("Latent interactions ('a:b') need one group of continuous indicators; remove group= and "
                        "ordered= (products of ordinal items are not product indicators).")
    if (interaction == "lms" and match is not True) or (interaction != "lms" and quadrature_points != 32):
        raise SpecError("match= belongs to interaction='product_indicator' and quadrature_points= to "
                        "interaction='lms'; give each with its own method.")
    if interaction == "product_indicator":
        expanded, augmented, terms = expand_product_indicators(model, rows, frame, match=match)
        result = _fit(expanded, augmented, model_type=model_type, engine=engine, **kwargs)
        return dataclasses.replace(result, interactions=terms)
    from surveykit.sem.lms import fit_lms  # the LMS engine is only loaded when asked for

    other = [k for k in kwargs if k not in _LMS_OPTIONS]
    if other or kwargs.get("estimator", "ML") != "ML" or kwargs.get("missing", "listwise") != "listwise" or (
            kwargs.get("meanstructure", True) is not True):
        raise SpecError(
            "interaction='lms' is maximum likelihood with a mean structure on complete data: it takes estimator='ML', "
            f"std_lv and orthogonal only (not {', '.join(other) or 'this estimator, missing= or meanstructure='}); use "
            "interaction='product_indicator' for the others.")
    options = {k: v for k, v in kwargs.items() if k in ("std_lv", "orthogonal")}

    def linear_fit(text: str, data: pd.DataFrame) -> SEMResult:
        return _fit(text, data, model_type="sem", meanstructure=True, **options)

    return fit_lms(model, rows, frame, linear_fit=linear_fit, quadrature_points=quadrature_points)


def _fit_any(model: str, data, *, model_type: str, engine: str = "surveykit", interaction: str = "product_indicator",
             match=True, quadrature_points: int = 32, **kwargs):
    """A fit of a model with or without latent interactions."""
    check_method(interaction, match)
    rows = parse_syntax(model) if isinstance(model, str) else None
    if rows is None or not any(r.op == "~" and ":" in r.rhs for r in rows):
        if interaction != "product_indicator" or match is not True or quadrature_points != 32:
            raise SpecError("interaction=, match= and quadrature_points= apply to models with a latent interaction "
                            "('y ~ a + b + a:b'); this model has none.")
        return _fit(model, data, model_type=model_type, engine=engine, **kwargs)
    return _interaction_fit(model, _frame_of(data), rows, model_type=model_type, engine=engine,
                            interaction=interaction, match=match, quadrature_points=quadrature_points, kwargs=kwargs)

def _fit_two_level(model: str, rows, frame: pd.DataFrame, opts: Options, engine: str) -> SEMResult:
    if engine != "surveykit":
        raise SpecError("engine='semopy' does not fit two-level models; use engine='surveykit'.")
    est = fit_two_level(rows, frame, opts)
    return assemble_two_level(est, two_level_fit_measures(est), syntax=model, n_total=len(frame))


def _fit_single_level(model: str, rows, frame: pd.DataFrame, opts: Options, engine: str) -> SEMResult:
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
    return assemble(est, fit, syntax=model, engine_note="semopy L-BFGS-B" if engine_theta is not None else None)


def parameter_table(model: str, data, *, model_type: str = "sem", **kwargs):
    """The parameter table ``sem()`` would fit, without estimating anything (lavaan's
    ``parTable(sem(..., do.fit = FALSE))``): the data supply the groups and, for ordinal
    indicators, the number of thresholds; fixed.x rows carry the sample moments."""
    frame = _frame_of(data)
    rows, opts = fit_options(model, frame, model_type=model_type, **kwargs)
    if opts.multilevel:
        return two_level_table(rows, frame, opts)[0].pt
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
    and ``sampling_weights`` (the weight column; ML becomes MLR, as in lavaan).  A model with
    ``level: 1`` / ``level: 2`` (or ``within`` / ``between``) blocks and ``cluster=`` is a two-level
    model (:mod:`surveykit.sem.twolevel`): ML or MLR with complete data, a ``level`` column in its
    tables, ``icc()`` and ``srmr_within``/``srmr_between``.  (lavaan's
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

    Latent interactions: ``y ~ a + b + a:b`` between two latent variables, estimated with
    ``interaction="product_indicator"`` (default; double-mean-centered product indicators as
    semTools' ``indProd``, ``match=True`` matched pairs, ``match=False`` all pairs; the result is
    an :class:`SEMResult` of the expanded model) or ``interaction="lms"`` (latent moderated
    structural equations, Klein & Moosbrugger 2000, with ``quadrature_points`` Gauss-Hermite
    points per latent variable in a product; an :class:`surveykit.sem.lms.LMSResult`).  Simple
    slopes: :func:`surveykit.sem.interaction.simple_slopes`.
    """
    return _fit_any(model, data, model_type="sem", **kwargs)


def cfa(model: str, data, **kwargs) -> SEMResult:
    """Fit a confirmatory factor analysis (same defaults as :func:`sem`, as in lavaan)."""
    return _fit_any(model, data, model_type="sem", **kwargs)


def growth(model: str, data, **kwargs) -> SEMResult:
    """Fit a latent growth model (lavaan's ``growth()``): as :func:`sem`, with a mean structure,
    the observed intercepts fixed at 0 and the latent means free (``int_ov_free=False``,
    ``int_lv_free=True``)."""
    return _fit(model, data, model_type="growth", **kwargs)
