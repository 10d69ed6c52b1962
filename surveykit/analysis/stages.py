"""The stages of an analysis, one function each.

Each stage takes what the stages before it produced, calls the layers below, and returns the
result objects it computed with its typed section of the results record
(:mod:`surveykit.report.schema`), built from those results' own ``to_dict()``.  A stage can be
run alone (the tests do); :func:`surveykit.analysis.run.run_spec` runs them in order, records the
warnings each raised and assembles the record.

    read -> screening -> descriptives -> reliability -> psychometrics -> measurement -> cmb
         -> structural -> mediation -> hypotheses -> invariance -> power
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit._core.validity import reliability_from_standardized
from surveykit.analysis.spec import AnalysisSpec, Hypothesis
from surveykit.data import SurveyData, ValidationReport, item_descriptives, read_survey, screen, validate
from surveykit.data.screening import ScreeningResult
from surveykit.errors import SpecError
from surveykit.instrument import Instrument, load_instrument
from surveykit.psychometrics import (
    ReliabilityResult,
    bartlett,
    efa,
    harman,
    item_analysis,
    kmo,
    parallel_analysis,
    reliability,
)
from surveykit.report import schema as rs
from surveykit.report.conventions import load_profile
from surveykit.resampling import BootstrapResult, bootstrap, invariance, power
from surveykit.sem import SEMResult, sem, single_factor_test, ulmc, validity
from surveykit.sem.syntax import parse_syntax

__all__ = ["Sample", "read", "data_info", "instrument_info", "screening", "descriptives", "reliabilities",
           "psychometrics", "measurement", "cmb", "structural", "mediation", "hypotheses", "measurement_invariance",
           "power_study"]


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
    """The data file as read: format, label, encoding, how each item was found, missing codes, checks."""
    md = data.metadata
    return rs.DataInfo(file=spec.data_path.name, format=md.format if md else None,
                       file_label=md.file_label if md else None, encoding=md.encoding if md else None,
                       n_rows=data.n, matches=[{"variable": m.variable, "column": m.column, "how": m.how}
                                               for m in data.matches],
                       missing_codes={item: {str(code): int(k) for code, k in codes.items()}
                                      for item, codes in data.missing_code_counts.items()},
                       validation=checked.to_dict())


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
                    for c in ins.constructs])


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


def _sem_options(spec: AnalysisSpec) -> dict:
    est = spec.estimation
    return {"ordered": True} if est.estimator == "WLSMV" else {"estimator": est.estimator, "missing": est.missing}


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


def measurement(spec: AnalysisSpec, sample: Sample) -> tuple[SEMResult, rs.Measurement]:
    """The CFA of the constructs analysed, their validity, and modification indices when it fits poorly."""
    syntax = sample.data.instrument.measurement_syntax(list(sample.codes))
    fit = sem(syntax, sample.keyed, **_sem_options(spec))
    est = spec.estimation
    val = validity(fit).to_dict() if est.estimator != "WLSMV" else _wlsmv_validity(fit)
    poor = _judged_poor(fit.fit_measures(), spec.report.convention)
    mi = None
    if poor and spec.report.modindices and est.estimator in ("ML", "MLR") and est.missing == "listwise":
        mi = fit.modindices().head(spec.report.modindices).to_dict(orient="records")
    return fit, rs.Measurement(model=syntax, **fit.to_dict(), validity=val, poor_fit=poor, modindices=mi)


def cmb(spec: AnalysisSpec, sample: Sample) -> rs.CMB:
    """Model-based common-method checks (ML with listwise deletion only): one-factor test, ULMC."""
    est = spec.estimation
    if est.estimator != "ML" or est.missing != "listwise":
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
    full = ins.measurement_syntax(_structural_constructs(ins, spec.structural.model)) + "\n" + spec.structural.model
    fit = sem(full, sample.keyed, **_sem_options(spec))
    return fit, rs.Structural(model=full, structural_model=spec.structural.model, **fit.to_dict())


def mediation(spec: AnalysisSpec, fit: SEMResult, seed: int) -> tuple[BootstrapResult, rs.Mediation]:
    """Bootstrap intervals of the defined effects and the 温忠麟-叶宝娟 (2014) decisions."""
    est = spec.estimation
    if est.estimator != "ML" or est.missing != "listwise":
        raise SpecError("bootstrap needs estimation.estimator 'ML' with listwise deletion in this version.")
    bs = spec.bootstrap
    res = bootstrap(fit, n_boot=bs.n_boot, ci=bs.ci, level=bs.level, rng=seed, jobs=bs.jobs, progress=False)
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


def measurement_invariance(spec: AnalysisSpec, sample: Sample) -> rs.Invariance:
    iv = spec.invariance
    if iv.group not in sample.keyed.columns:
        raise SpecError(f"invariance.group {iv.group!r} is not a column of the data.")
    syntax = sample.data.instrument.measurement_syntax(list(sample.codes))
    est = spec.estimation
    if est.estimator == "WLSMV":  # the items are ordinal: the ordinal sequence (Wu & Estabrook 2016)
        res = invariance(syntax, sample.keyed, group=iv.group, levels=iv.levels, ordered=True, estimator="WLSMV",
                         parameterization=iv.parameterization, convention=iv.convention, partial=iv.partial)
    else:
        if iv.parameterization != "delta" or (iv.levels and "thresholds" in iv.levels):
            raise SpecError("invariance.parameterization and the 'thresholds' level apply to ordinal items; set "
                            "estimation.estimator to WLSMV or remove them.")
        res = invariance(syntax, sample.keyed, group=iv.group, levels=iv.levels, estimator=est.estimator,
                         missing=est.missing, convention=iv.convention, partial=iv.partial)
    return rs.Invariance.model_validate(res.to_dict())


def power_study(spec: AnalysisSpec, seed: int) -> rs.Power:
    ps = spec.power
    res = power(ps.model, ps.population, n=list(ps.n), reps=ps.reps, alpha=ps.alpha, rng=seed, jobs=ps.jobs,
                standardized=ps.standardized, progress=False)
    return rs.Power.model_validate(res.to_dict())
