"""The stages of an analysis, one function each.

Each stage takes what the stages before it produced, calls the layers below, and returns the
result objects it computed with its typed section of the results record
(:mod:`surveykit.report.schema`), built from those results' own ``to_dict()``.  A stage can be
run alone (the tests do); :func:`surveykit.analysis.run.run_spec` runs them in order, records the
warnings each raised and assembles the record.

    read -> screening -> descriptives -> reliability -> psychometrics -> measurement -> cmb
         -> structural -> mediation -> hypotheses -> process -> invariance -> power
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit._core.validity import reliability_from_standardized
from surveykit.analysis.spec import AnalysisSpec, Hypothesis, ProcessHypothesis
from surveykit.data import SurveyData, ValidationReport, item_descriptives, read_survey, screen, validate
from surveykit.data.screening import ScreeningResult
from surveykit.errors import DataError, SpecError
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
from surveykit.report.conventions import Procedure, load_profile
from surveykit.resampling import BootstrapResult, ProcessResult, bootstrap, invariance, power, process
from surveykit.results import to_jsonable
from surveykit.sem import SEMResult, sem, single_factor_test, ulmc, validity
from surveykit.sem.syntax import parse_syntax

__all__ = ["Sample", "read", "data_info", "instrument_info", "screening", "descriptives", "reliabilities",
           "psychometrics", "measurement", "cmb", "structural", "mediation", "hypotheses", "conditional_process",
           "measurement_invariance", "power_study"]


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


def conditional_process(spec: AnalysisSpec, sample: Sample, seed: int) -> tuple[dict[str, ProcessResult],
                                                                                list[rs.ProcessTest],
                                                                                list[rs.Hypothesis]]:
    """Each moderation and moderated-mediation hypothesis: its PROCESS model on the construct
    scores of the analysis sample, and the decisions of the convention profile's procedures
    (moderation: the interaction's t test; moderated mediation: Hayes 2015 and Wen & Ye 2014, the
    profile choosing which decides)."""
    ps, prof = spec.process, load_profile(spec.report.convention)
    results, tests, rows = {}, [], []
    for h in ps.hypotheses:
        decided_by = prof.procedure(h.kind)
        m = list(h.m) if isinstance(h.m, tuple) else h.m
        try:
            res = process(sample.data, model=h.process_model, x=h.x, m=m, y=h.y, w=h.w, z=h.z,
                          covariates=list(h.covariates), center=ps.center, hc=ps.hc,
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
