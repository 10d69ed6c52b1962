"""The stages of an analysis, one function each.

Each stage takes what the stages before it produced, calls the layers below, and returns the
result objects it computed with its typed section of the results record
(:mod:`surveykit.report.schema`), built from those results' own ``to_dict()``.  A stage can be
run alone (the tests do); :func:`surveykit.analysis.run.run_spec` runs them in order, records the
warnings each raised and assembles the record.

    read -> screening -> descriptives -> design -> reliability -> psychometrics -> measurement
         -> two_level -> cmb -> structural -> mediation -> hypotheses -> process -> invariance -> power
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit._core.validity import reliability_from_standardized
from surveykit.analysis.spec import AnalysisSpec, Hypothesis, ProcessHypothesis
from surveykit.data import (
    Design,
    SurveyData,
    ValidationReport,
    item_descriptives,
    read_survey,
    screen,
    survey_mean,
    validate,
)
from surveykit.data.screening import ScreeningResult
from surveykit.errors import DataError, ModelSpecificationError, OptionWarning, SpecError
from surveykit.instrument import Instrument, load_instrument
from surveykit.psychometrics import (
    ReliabilityResult,
    aggregation,
    bartlett,
    efa,
    harman,
    item_analysis,
    kmo,
    normality,
    parallel_analysis,
    reliability,
)
from surveykit.report import schema as rs
from surveykit.report.conventions import Procedure, load_profile
from surveykit.resampling import BootstrapResult, ProcessResult, bootstrap, invariance, power, process
from surveykit.results import to_jsonable
from surveykit.sem import SEMResult, sem, single_factor_test, ulmc, validity
from surveykit.sem.syntax import parse_syntax

__all__ = ["Sample", "read", "data_info", "instrument_info", "screening", "descriptives", "design", "reliabilities",
           "normality_of_items", "psychometrics", "estimation_info", "measurement", "two_level", "cmb", "structural",
           "mediation", "hypotheses", "conditional_process", "measurement_invariance", "power_study"]


@dataclass(frozen=True)
class Sample:
    """The analysis sample: the screened data, its reverse-keyed items and the constructs analysed."""

    data: SurveyData
    keyed: pd.DataFrame
    codes: tuple[str, ...]


def read(spec: AnalysisSpec) -> tuple[Instrument, SurveyData, ValidationReport]:
    """The instrument and the data file, matched and checked (blocking problems raise DataError)."""
    ins = load_instrument(spec.instrument_path)
    data = read_survey(spec.data_path, instrument=ins, **spec.data.options)
    report = validate(data)
    report.raise_if_blocking()
    return ins, data, report


def data_info(spec: AnalysisSpec, data: SurveyData, checked: ValidationReport) -> rs.DataInfo:
    """The data file as read: format, label, encoding, how each item was found, missing codes, checks
    (the file by its name only: a record made in one folder must verify in another)."""
    md = data.metadata
    return rs.DataInfo(file=spec.data_path.name, format=md.format if md else None,
                       file_label=md.file_label if md else None, encoding=md.encoding if md else None,
                       n_rows=data.n, matches=[{"variable": m.variable, "column": m.column, "how": m.how}
                                               for m in data.matches],
                       missing_codes={item: {str(code): int(k) for code, k in codes.items()}
                                      for item, codes in data.missing_code_counts.items()},
                       validation={**checked.to_dict(), "source": spec.data_path.name})  # no machine's path


def instrument_info(ins: Instrument) -> rs.InstrumentInfo:
    """The instrument as the report shows it: its default scale, constructs and items."""
    scale = ins.scales[ins.default_scale]
    return rs.InstrumentInfo(
        id=ins.id, version=ins.version, title=ins.title.model_dump(), source=ins.source,
        scale={"min": scale.min, "max": scale.max,
               "labels": {str(k): v.model_dump() for k, v in scale.labels.items()},
               "missing": {str(k): v.model_dump() for k, v in scale.missing.items()}},
        constructs=[{"code": c.code, "name": c.name.model_dump(),
                     "definition": c.definition.model_dump() if c.definition else None,
                     "source": c.source.model_dump() if c.source else None,
                     "items": [{"id": it.id, "text": it.text.model_dump(), "reverse": it.reverse,
                                "source": it.source.model_dump() if it.source else None} for it in c.items]}
                    for c in ins.constructs],
        variables={r.id: {"label": r.label.model_dump(), "codes": {str(k): v.model_dump() for k, v in r.codes.items()}}
                   for r in ins.respondent})


def screening(spec: AnalysisSpec, data: SurveyData) -> tuple[ScreeningResult, Sample, rs.Screening]:
    """Flag careless respondents by the spec's rules and keep the others."""
    ins = data.instrument
    known = [c.code for c in ins.constructs]
    codes = known if spec.measurement.constructs == "all" else list(spec.measurement.constructs)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise SpecError(f"measurement.constructs names {', '.join(unknown)}, not constructs of {ins.id}.")
    scr = screen(data, spec.screening)
    kept = data.subset((~scr.excluded).to_numpy())
    return scr, Sample(kept, kept.keyed(), tuple(codes)), rs.Screening.model_validate(scr.to_dict())


def descriptives(sample: Sample) -> list[rs.Descriptive]:
    return [rs.Descriptive.model_validate(r) for r in item_descriptives(sample.data).to_dict(orient="records")]


def reliabilities(sample: Sample) -> tuple[dict[str, ReliabilityResult], list[rs.Reliability],
                                           list[rs.ItemAnalysis]]:
    """Reliability and item analysis of every construct's keyed items."""
    rels, rel_rows, item_rows = {}, [], []
    for code in sample.codes:
        items = sample.keyed[sample.data.item_ids(code)]
        rels[code] = reliability(items, name=code)
        rel_rows.append(rs.Reliability.model_validate(rels[code].to_dict()))
        item_rows.append(rs.ItemAnalysis.model_validate(item_analysis(items, name=code).to_dict()))
    return rels, rel_rows, item_rows


def normality_of_items(sample: Sample) -> rs.Normality:
    """Skewness and kurtosis of every item analysed (keyed) and Mardia's multivariate tests."""
    block = sample.keyed[[i for code in sample.codes for i in sample.data.item_ids(code)]]
    return rs.Normality.model_validate(normality(block).to_dict())


def psychometrics(spec: AnalysisSpec, sample: Sample, seed: int) -> rs.Psychometrics:
    """KMO, Bartlett, parallel analysis, EFA and Harman's test on every item analysed."""
    ps = spec.psychometrics
    block = sample.keyed[[i for code in sample.codes for i in sample.data.item_ids(code)]]
    pa = parallel_analysis(block, n_iter=ps.parallel_iter, rng=seed)
    if ps.n_factors == "auto":
        nf = max(1, int(pa.n_factors))
    else:
        nf = len(sample.codes) if ps.n_factors == "constructs" else int(ps.n_factors)
    e = efa(block, n_factors=nf, method=ps.efa_method, rotation=None if ps.rotation == "none" else ps.rotation)
    return rs.Psychometrics(kmo=kmo(block).to_dict(), bartlett=bartlett(block).to_dict(),
                            parallel_analysis=pa.to_dict(), efa=e.to_dict(), harman=harman(block).to_dict())


def _design_options(spec: AnalysisSpec) -> dict:
    """lavaan's cluster= and sampling.weights= of the spec's design (strata and fpc: descriptives only)."""
    ds = spec.design
    if ds is None:
        return {}
    weights = ds.weights if ds.weights_in_models else None
    return {k: v for k, v in (("cluster", ds.cluster), ("sampling_weights", weights)) if v is not None}


def _sem_options(spec: AnalysisSpec) -> dict:
    est = spec.estimation
    base = {"ordered": True} if est.estimator == "WLSMV" else {"estimator": est.estimator, "missing": est.missing}
    return {**base, **_design_options(spec)}


def _cluster_sizes(column: str, ids: pd.Series) -> rs.ClusterSizes:
    sizes = ids.value_counts()
    return rs.ClusterSizes(column=column, n_clusters=int(len(sizes)), size_min=int(sizes.min()),
                           size_median=float(sizes.median()), size_mean=float(sizes.mean()),
                           size_max=int(sizes.max()), singletons=int((sizes == 1).sum()))


def _weight_summary(column: str, w: pd.Series) -> rs.WeightSummary:
    x = w.to_numpy(float)
    deff = float(len(x) * np.sum(x**2) / np.sum(x) ** 2)
    return rs.WeightSummary(column=column, min=float(x.min()), max=float(x.max()), mean=float(x.mean()),
                            cv=float(x.std(ddof=1) / x.mean()) if len(x) > 1 else 0.0, deff_kish=deff,
                            n_effective=float(len(x) / deff))


def design(spec: AnalysisSpec, sample: Sample) -> rs.Design:
    """The sampling design of the analysis sample: cluster sizes, the weights, ICC(1), ICC(2) and
    rwg(j) of every construct (:func:`surveykit.aggregation`), and design-based means of the
    construct scores with their design effects (:func:`surveykit.survey_mean`)."""
    ds = spec.design
    frame = sample.data.frame
    for key in ("cluster", "weights", "strata", "fpc"):
        col = getattr(ds, key)
        if col is not None and col not in frame.columns:
            raise SpecError(f"design.{key} names '{col}', which is not a column of {spec.data_path.name}; "
                            "name the column that holds it.")
    unknown = [c for c in ds.cluster_level if c not in sample.codes]
    if unknown:
        raise SpecError(f"design.cluster_level names {', '.join(unknown)}, not constructs of this analysis "
                        f"({', '.join(sample.codes)}).")
    plan = Design.from_dict({k: v for k, v in (("cluster", ds.cluster), ("weights", ds.weights),
                                                 ("strata", ds.strata), ("fpc", ds.fpc)) if v is not None})
    # the design effect against sampling with replacement: defined for weights scaled to the sample size too
    means = survey_mean(sample.data, design=plan, columns=list(sample.codes), deff="replace")
    agg = None
    if ds.cluster is not None:
        res = aggregation(sample.data, group=ds.cluster, constructs=list(sample.codes)).to_dict()
        cutoffs = dict(res["cutoffs"])
        bands = cutoffs.pop("rwg_bands", {}).get("bands", [])
        agg = rs.Aggregation.model_validate({**{k: v for k, v in res.items() if k not in ("groups", "item_groups")},
                                             "cutoffs": cutoffs, "rwg_bands": bands})
    used = _design_options(spec)
    models = {(True, True): "cluster-robust and weighted", (True, False): "cluster-robust",
              (False, True): "weighted", (False, False): "none"}[("cluster" in used, "sampling_weights" in used)]
    return rs.Design(
        cluster=ds.cluster, weights=ds.weights, strata=ds.strata, fpc=ds.fpc, cluster_level=list(ds.cluster_level),
        n=sample.data.n, clusters=_cluster_sizes(ds.cluster, frame[ds.cluster]) if ds.cluster else None,
        weight_summary=_weight_summary(ds.weights, frame[ds.weights]) if ds.weights else None,
        aggregation=agg, means=rs.SurveyEstimates.model_validate(means.to_dict()), models=models)


def two_level_syntax(ins: Instrument, constructs: list[str], between_residuals: str) -> str:
    """lavaan syntax of a two-level CFA: each construct a factor of its items within clusters
    (``<code>_w``) and between them (``<code>_b``); with ``between_residuals='zero'`` the items'
    between-level residual variances fixed at 0."""
    within, between = [], []
    for code in constructs:
        items = " + ".join(it.id for it in ins.construct(code).items)
        within.append(f"  {code}_w =~ {items}")
        between.append(f"  {code}_b =~ {items}")
        if between_residuals == "zero":
            between += [f"  {it.id} ~~ 0*{it.id}" for it in ins.construct(code).items]
    return "\n".join(["level: 1", *within, "level: 2", *between])


def two_level(spec: AnalysisSpec, sample: Sample) -> tuple[SEMResult, rs.TwoLevel]:
    """The two-level CFA of the cluster-level constructs (lavaan's level: blocks, ML or MLR, listwise)."""
    ds, est = spec.design, spec.estimation
    tl = ds.two_level
    constructs = list(tl.constructs or ds.cluster_level)
    unknown = [c for c in constructs if c not in sample.codes]
    if unknown:
        raise SpecError(f"design.two_level.constructs names {', '.join(unknown)}, not constructs of this analysis "
                        f"({', '.join(sample.codes)}).")
    if est.estimator not in ("ML", "MLR"):
        raise SpecError(f"design.two_level is estimated by ML or MLR; estimation.estimator is {est.estimator} "
                        "(two-level WLSMV is not available): set ML or MLR, or remove design.two_level.")
    if est.missing != "listwise":
        warnings.warn("The two-level CFA deletes incomplete rows listwise: full-information ML for two-level "
                      "models is not available.", OptionWarning, stacklevel=2)
    if ds.cluster not in sample.keyed.columns:
        raise SpecError(f"design.cluster names '{ds.cluster}', which is not a column of {spec.data_path.name}; "
                        "name the column that holds it.")
    syntax = two_level_syntax(sample.data.instrument, constructs, tl.between_residuals)
    fit = sem(syntax, sample.keyed, estimator=est.estimator, missing="listwise", cluster=ds.cluster)
    return fit, rs.TwoLevel(model=syntax, constructs=constructs, between_residuals=tl.between_residuals,
                            **fit.to_dict(), estimation=estimation_info(fit))


def _judged_poor(fit: dict, convention: str) -> bool:
    """Whether the fit misses the convention's cut-off for CFI, RMSEA or SRMR."""
    prof = load_profile(convention)
    return any((j := prof.judge(key, fit.get(key))) is not None and j.meets is False
               for key in ("cfi", "rmsea", "srmr"))


def _wlsmv_validity(fit: SEMResult) -> rs.Validity:
    """CR and AVE from the standardized loadings (no covariance matrix of ordinal scores exists)."""
    pe = fit.parameter_estimates()
    lo = pe[pe["op"] == "=~"]
    rows = []
    for factor, g in lo.groupby("lhs", sort=False):
        cr, ave = reliability_from_standardized(g["std_all"].to_numpy(float))
        rows.append({"factor": str(factor), "n_items": len(g), "cr": cr, "ave": ave})
    return rs.Validity(table=rows)


def estimation_info(fit: SEMResult) -> rs.Estimation:
    """How ``fit`` was estimated, as its options resolved them (the report's methods text and fit table)."""
    o = fit.options
    return rs.Estimation(se=str(o.se), test=[str(t) for t in o.test], information=str(o.information[0]),
                         missing=str(o.missing), ordered=bool(o.categorical),
                         parameterization=str(o.parameterization) if o.categorical else None)


def measurement(spec: AnalysisSpec, sample: Sample) -> tuple[SEMResult, rs.Measurement]:
    """The CFA of the constructs analysed, their validity, and modification indices when it fits poorly."""
    syntax = sample.data.instrument.measurement_syntax(list(sample.codes))
    fit = sem(syntax, sample.keyed, **_sem_options(spec))
    est = spec.estimation
    val = validity(fit).to_dict() if est.estimator != "WLSMV" else _wlsmv_validity(fit)
    how = estimation_info(fit)
    poor = _judged_poor(rs.FitMeasures.model_validate(fit.to_dict()["fit_measures"]).reported(how.indices),
                        spec.report.convention)
    mi = None
    if poor and spec.report.modindices and est.estimator in ("ML", "MLR") and est.missing == "listwise":
        mi = fit.modindices().head(spec.report.modindices).to_dict(orient="records")
    return fit, rs.Measurement(model=syntax, **fit.to_dict(), estimation=how, validity=val, poor_fit=poor,
                                modindices=mi)


def cmb(spec: AnalysisSpec, sample: Sample) -> rs.CMB:
    """Model-based common-method checks (ML with listwise deletion only): one-factor test, ULMC."""
    est = spec.estimation
    if est.estimator != "ML" or est.missing != "listwise":
        return rs.CMB()
    if _design_options(spec):
        warnings.warn("The model-based common-method checks (one-factor test, ULMC) were not run: their chi-square "
                      "difference tests assume independent, unweighted responses, and the spec declares a design "
                      "(cluster or weights). Harman's test in the psychometrics section still applies.",
                      OptionWarning, stacklevel=2)
        return rs.CMB()
    syntax = sample.data.instrument.measurement_syntax(list(sample.codes))
    single = single_factor_test(syntax, sample.keyed).to_dict() if spec.cmb.single_factor else None
    method = ulmc(syntax, sample.keyed).to_dict() if spec.cmb.ulmc else None
    return rs.CMB(single_factor=single, ulmc=method)


def _structural_constructs(ins: Instrument, model: str) -> list[str]:
    """The constructs the structural model names, in instrument order."""
    named = {v for r in parse_syntax(model) if r.op != ":=" for v in (r.lhs, r.rhs)}
    return [c.code for c in ins.constructs if c.code in named]


def structural(spec: AnalysisSpec, sample: Sample) -> tuple[SEMResult, rs.Structural]:
    """The measurement model of the constructs the structural model names, with its paths."""
    ins = sample.data.instrument
    columns = set(ins.item_ids) | {r.id for r in ins.respondent}
    made_latent = [r for r in parse_syntax(spec.structural.model) if r.op == "=~" and r.lhs in columns]
    if made_latent:  # lavaan would silently turn the column into a latent variable
        r = made_latent[0]
        raise ModelSpecificationError(
            f"structural.model line {r.line}: '{r.lhs} =~ {r.rhs}' makes {r.lhs}, a variable of the instrument, a "
            "latent variable; the constructs' items are measured by the instrument, so use construct codes "
            f"({', '.join(c.code for c in ins.constructs)}) in the structural model.")
    measurement = ins.measurement_syntax(_structural_constructs(ins, spec.structural.model))
    full = measurement + "\n" + spec.structural.model
    try:
        fit = sem(full, sample.keyed, **_sem_options(spec))
    except ModelSpecificationError as exc:
        # a line number counts the measurement lines written before the spec's own model: name its line
        offset = measurement.count("\n") + 1
        raise ModelSpecificationError(re.sub(
            r"^Model syntax line (\d+)", lambda m: f"structural.model line {int(m[1]) - offset}"
            if int(m[1]) > offset else m[0], str(exc))) from None
    return fit, rs.Structural(model=full, structural_model=spec.structural.model, **fit.to_dict(),
                              estimation=estimation_info(fit))


def mediation(spec: AnalysisSpec, fit: SEMResult, seed: int, sample: Sample) -> tuple[BootstrapResult, rs.Mediation]:
    """Bootstrap intervals of the defined effects and the 温忠麟-叶宝娟 (2014) decisions; with a
    design's clusters, a cluster bootstrap (whole branches resampled) of the unweighted ML model,
    whose estimates are the clustered fit's."""
    est = spec.estimation
    if est.estimator != "ML" or est.missing != "listwise":
        raise SpecError("bootstrap needs estimation.estimator 'ML' with listwise deletion in this version.")
    design = _design_options(spec)
    if "sampling_weights" in design:
        raise SpecError("bootstrap refits unweighted models, and the spec weights the models; set "
                        "design.weights_in_models to false (the weights then correct the descriptive means only) or "
                        "remove bootstrap (the defined effects are then tested with delta-method standard errors).")
    bs = spec.bootstrap
    options = dict(n_boot=bs.n_boot, ci=bs.ci, level=bs.level, rng=seed, jobs=bs.jobs, progress=False)
    if "cluster" in design:
        plain = sem(fit.model_syntax, sample.keyed, **{k: v for k, v in _sem_options(spec).items() if k != "cluster"})
        res = bootstrap(plain, cluster=design["cluster"], data=sample.keyed, **options)
    else:
        res = bootstrap(fit, **options)
    return res, rs.Mediation.model_validate(res.to_dict())


def _evaluate(h: Hypothesis, pe: pd.DataFrame, alpha: float, boot: pd.DataFrame | None, ci: str) -> dict:
    """One hypothesis judged: a path or defined effect by its Wald test, a defined effect by its
    bootstrap interval when there is one."""
    lhs, op, rhs = h.target
    rows = pe[(pe["op"] == "~") & (pe["lhs"] == lhs) & (pe["rhs"] == rhs)] if op == "~" else \
        pe[(pe["op"] == ":=") & (pe["lhs"] == lhs)]
    if len(rows) != 1:
        what = h.path if h.kind == "path" else h.parameter
        raise SpecError(
            f"Hypothesis {h.id} names '{what}', which is not a {'path' if h.kind == 'path' else ':= parameter'} "
            "of the structural model; add it to structural.model or fix the hypothesis.")
    r = rows.iloc[0]
    sign_ok = {"positive": r["est"] > 0, "negative": r["est"] < 0, "nonzero": True}[h.expect]
    out = {"id": h.id, "kind": h.kind, "text": h.text.model_dump(),
           "target": h.path if h.kind == "path" else f"{h.parameter} := {r['rhs']}", "expect": h.expect,
           **{k: r[k] for k in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all")}}
    b = boot[(boot["op"] == ":=") & (boot["lhs"] == lhs)] if h.kind == "defined" and boot is not None else ()
    if len(b) == 1:
        lo, hi = float(b.iloc[0]["ci_lower"]), float(b.iloc[0]["ci_upper"])
        return {**out, "ci_lower": lo, "ci_upper": hi, "se": float(b.iloc[0]["se"]),
                "supported": bool(sign_ok and (lo > 0 or hi < 0)), "method": f"bootstrap {ci} CI"}
    significant = bool(np.isfinite(r["pvalue"]) and r["pvalue"] < alpha)
    return {**out, "supported": bool(sign_ok and significant),
            "method": "Wald z (delta method)" if h.kind == "defined" else "Wald z"}


def hypotheses(spec: AnalysisSpec, fit: SEMResult, boot: BootstrapResult | None) -> list[rs.Hypothesis]:
    pe = fit.parameter_estimates()
    bpe = boot.parameter_estimates() if boot is not None else None
    ci = spec.bootstrap.ci if spec.bootstrap else ""
    return [rs.Hypothesis.model_validate(_evaluate(h, pe, spec.report.alpha, bpe, ci))
            for h in spec.structural.hypotheses]


# -- moderation and moderated mediation (PROCESS models on construct scores) -----------------------------
def _excludes_zero(lo, hi) -> bool | None:
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    return bool(lo > 0 or hi < 0)


def _sign_ok(expect: str, est) -> bool:
    return expect == "nonzero" or (est is not None and np.isfinite(est) and (est > 0) == (expect == "positive"))


def _step(step: str, statistic: str, row, *, est: str, lo: str, hi: str, p: str | None = None,
          significant: bool | None) -> rs.ProcedureStep:
    val = {k: (None if k_ is None or pd.isna(row[k_]) else float(row[k_]))
           for k, k_ in (("est", est), ("pvalue", p), ("ci_lower", lo), ("ci_upper", hi))}
    return rs.ProcedureStep(step=step, statistic=statistic, **val, significant=significant)


def _moderation_steps(res: ProcessResult, alpha: float) -> list[rs.ProcedureStep]:
    """The interaction of the outcome equation: its t test (one product term) or the F test of the
    change in R-squared (several, e.g. a categorical moderator)."""
    ch = res.r_squared_change()
    ch = ch[ch["equation"] == res.y]
    single = ch[ch["term"] != "all"]
    if len(single) == 1:
        coef = res.coefficients()
        row = coef[(coef["equation"] == res.y) & (coef["term"] == single["term"].iloc[0])].iloc[0]
        return [_step("interaction", str(row["term"]), row, est="est", lo="ci_lower", hi="ci_upper", p="pvalue",
                      significant=bool(row["pvalue"] < alpha))]
    row = ch[ch["term"] == "all"].iloc[0]
    return [rs.ProcedureStep(step="interaction_f", statistic="ΔR²", est=float(row["r2_change"]),
                             pvalue=float(row["pvalue"]), significant=bool(row["pvalue"] < alpha))]


def _hayes_steps(res: ProcessResult, w: str) -> list[rs.ProcedureStep]:
    """Hayes (2015): the index of moderated mediation by W (of partial or conditional moderated
    mediation with two moderators; per category of a categorical W); where the indirect effect is
    quadratic in W (models 58, 59), the contrast between its highest and lowest probe value."""
    idx = res.index_of_moderated_mediation()
    idx = idx[idx["moderator"] == w]
    if len(idx):
        return [_step("index", f"{r['path']}{' | ' + str(r['level']) if r['level'] else ''}"
                      f"{'' if pd.isna(r['at']) else f' @ {r.at:.4g}'}", r, est="index", lo="boot_ci_lower",
                      hi="boot_ci_upper", significant=_excludes_zero(r["boot_ci_lower"], r["boot_ci_upper"]))
                for _, r in idx.iterrows()]
    con = res.contrasts()
    vals = res.probe_values.get(w, ())
    con = con[(con["moderator"] == w) & (con["from"] == vals[0]) & (con["to"] == vals[-1])] if vals else con[:0]
    return [_step("contrast", f"{r['path']}: {w} {r['to']:.4g} − {r['from']:.4g}", r, est="est", lo="boot_ci_lower",
                  hi="boot_ci_upper", significant=_excludes_zero(r["boot_ci_lower"], r["boot_ci_upper"]))
            for _, r in con.iterrows()]


def _wen_ye_steps(res: ProcessResult, alpha: float) -> list[rs.ProcedureStep]:
    """温忠麟 & 叶宝娟 (2014): each pair of coefficients tested in turn (both significant), then the
    bootstrap interval of the pairs' products when no pair is."""
    prods = res.coefficient_products()
    seq = [rs.ProcedureStep(step="sequential", statistic=str(r["product"]), est=float(r["est"]),
                            pvalue=float(max(r["first_pvalue"], r["second_pvalue"])),
                            significant=bool(r["first_pvalue"] < alpha and r["second_pvalue"] < alpha))
           for _, r in prods.iterrows()]
    if any(s.significant for s in seq):
        return seq
    return seq + [_step("bootstrap", str(r["product"]), r, est="est", lo="boot_ci_lower", hi="boot_ci_upper",
                        significant=_excludes_zero(r["boot_ci_lower"], r["boot_ci_upper"]))
                  for _, r in prods.iterrows()]


def _verdict(steps: list[rs.ProcedureStep], expect: str) -> bool | None:
    """Supported when a step is significant with the expected sign; None when the procedure has no step."""
    if not steps:
        return None
    return any(s.significant and (s.step == "interaction_f" or _sign_ok(expect, s.est)) for s in steps)


def _process_target(h: ProcessHypothesis, model: int) -> str:
    ms = [h.m] if isinstance(h.m, str) else list(h.m or ())
    mods = " × ".join(v for v in (h.w, h.z) if v)
    if h.kind == "moderation":
        return f"{h.x} × {mods} → {h.y} (PROCESS model {model})"
    return f"{' → '.join([h.x, *ms, h.y])} | {mods} (PROCESS model {model})"


def _process_hypothesis(h: ProcessHypothesis, res: ProcessResult, decided_by: Procedure) -> tuple[rs.ProcessTest,
                                                                                                  rs.Hypothesis]:
    alpha = decided_by.alpha
    if h.kind == "moderation":
        decisions = {"moderation": _moderation_steps(res, alpha)}
    else:
        decisions = {"hayes-2015": _hayes_steps(res, h.w), "wen-ye-2014": _wen_ye_steps(res, alpha)}
    outcomes = {k: _verdict(v, h.expect) for k, v in decisions.items()}
    if outcomes.get(decided_by.name) is None:
        raise SpecError(f"process hypothesis {h.id}: the procedure {decided_by.name!r} of the convention profile "
                        f"does not apply to PROCESS model {res.model} with these variables; choose another "
                        "profile or model.")
    supported = bool(outcomes[decided_by.name])
    first = decisions[decided_by.name]
    key = next((s for s in first if s.significant), first[0])
    target = _process_target(h, res.model)
    test = rs.ProcessTest(id=h.id, kind=h.kind, text=h.text.model_dump(), target=target, expect=h.expect,
                          procedure=decided_by.name, supported=supported, decisions=decisions, outcomes=outcomes,
                          run=rs.ProcessRun.model_validate(to_jsonable(res.to_dict())))
    se = None
    if key.step == "interaction":
        coef = res.coefficients()
        se = float(coef[(coef["equation"] == res.y) & (coef["term"] == key.statistic)]["se"].iloc[0])
    how = {"interaction": "t test of the interaction (OLS)", "interaction_f": "F test of the interactions (OLS)",
           "index": f"index of moderated mediation, {res.ci} bootstrap CI",
           "contrast": f"difference of conditional indirect effects, {res.ci} bootstrap CI",
           "sequential": "sequential t tests of both coefficients (OLS)",
           "bootstrap": f"{res.ci} bootstrap CI of the coefficient product"}[key.step]
    method = f"{decided_by.cite}: {how}"
    row = rs.Hypothesis(id=h.id, kind=h.kind, text=h.text.model_dump(), target=target, expect=h.expect,
                        est=key.est, se=se, z=None, pvalue=key.pvalue, ci_lower=key.ci_lower, ci_upper=key.ci_upper,
                        std_all=None, supported=supported, method=method)
    return test, row


def _process_cluster(spec: AnalysisSpec) -> str | None:
    """The design's cluster column for the PROCESS models (CR1 errors, cluster bootstrap), checked
    against what OLS on the scores can honour."""
    design = _design_options(spec)
    if "sampling_weights" in design:
        raise SpecError("process fits unweighted OLS models, and the spec weights the models; set "
                        "design.weights_in_models to false (the weights then correct the descriptive means only) or "
                        "remove process.")
    cluster = design.get("cluster")
    if cluster is not None and spec.process.hc is not None:
        raise SpecError(f"process.hc ({spec.process.hc}) cannot be combined with design.cluster: the cluster-robust "
                        "(CR1) covariance matrix of the design's clusters replaces the HC matrix; remove process.hc.")
    return cluster


def conditional_process(spec: AnalysisSpec, sample: Sample, seed: int) -> tuple[dict[str, ProcessResult],
                                                                                list[rs.ProcessTest],
                                                                                list[rs.Hypothesis]]:
    """Each moderation and moderated-mediation hypothesis: its PROCESS model on the construct
    scores of the analysis sample, and the decisions of the convention profile's procedures
    (moderation: the interaction's t test; moderated mediation: Hayes 2015 and Wen & Ye 2014, the
    profile choosing which decides); with a design's clusters, cluster-robust (CR1) errors and a
    bootstrap of whole clusters."""
    ps, prof = spec.process, load_profile(spec.report.convention)
    cluster = _process_cluster(spec)
    results, tests, rows = {}, [], []
    for h in ps.hypotheses:
        decided_by = prof.procedure(h.kind)
        m = list(h.m) if isinstance(h.m, tuple) else h.m
        try:
            res = process(sample.data, model=h.process_model, x=h.x, m=m, y=h.y, w=h.w, z=h.z,
                          covariates=list(h.covariates), center=ps.center, hc=ps.hc, cluster=cluster,
                          moderator_values=ps.moderator_values, n_boot=ps.n_boot, ci=ps.ci,
                          level=1 - decided_by.alpha, rng=seed, jobs=ps.jobs, progress=False)
        except (SpecError, DataError) as exc:
            raise type(exc)(f"process hypothesis {h.id}: {exc}") from None
        results[h.id] = res
        test, row = _process_hypothesis(h, res, decided_by)
        tests.append(test)
        rows.append(row)
    return results, tests, rows


def measurement_invariance(spec: AnalysisSpec, sample: Sample) -> rs.Invariance:
    iv = spec.invariance
    if iv.group not in sample.keyed.columns:
        raise SpecError(f"invariance.group {iv.group!r} is not a column of the data.")
    syntax = sample.data.instrument.measurement_syntax(list(sample.codes))
    est = spec.estimation
    if est.estimator == "WLSMV":  # the items are ordinal: the ordinal sequence (Wu & Estabrook 2016)
        res = invariance(syntax, sample.keyed, group=iv.group, levels=iv.levels, ordered=True, estimator="WLSMV",
                         parameterization=iv.parameterization, convention=iv.convention, partial=iv.partial,
                         **_design_options(spec))
    else:
        if iv.parameterization != "delta" or (iv.levels and "thresholds" in iv.levels):
            raise SpecError("invariance.parameterization and the 'thresholds' level apply to ordinal items; set "
                            "estimation.estimator to WLSMV or remove them.")
        res = invariance(syntax, sample.keyed, group=iv.group, levels=iv.levels, estimator=est.estimator,
                         missing=est.missing, convention=iv.convention, partial=iv.partial, **_design_options(spec))
    return rs.Invariance.model_validate(res.to_dict())


def power_study(spec: AnalysisSpec, seed: int) -> rs.Power:
    ps = spec.power
    res = power(ps.model, ps.population, n=list(ps.n), reps=ps.reps, alpha=ps.alpha, rng=seed, jobs=ps.jobs,
                standardized=ps.standardized, progress=False)
    return rs.Power.model_validate(res.to_dict())
