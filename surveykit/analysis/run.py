"""The whole pipeline: spec -> data -> validation -> screening -> reliability -> CFA -> SEM
-> hypotheses -> one results object.  The only orchestrator (ARCHITECTURE.md)."""

from __future__ import annotations

import platform
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit.analysis.provenance import environment, versions
from surveykit.analysis.spec import AnalysisSpec, Hypothesis, load_spec
from surveykit.data import SurveyData, read_survey, screen, validate
from surveykit.datasets import shipped_name
from surveykit.errors import DataError, SpecError
from surveykit.instrument import Instrument, load_instrument
from surveykit.io import file_sha256
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
from surveykit.report import write_report
from surveykit.resampling import bootstrap, invariance, power
from surveykit.results import SIGNIFICANT_DIGITS, ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem import SEMResult, sem, single_factor_test, ulmc, validity

__all__ = ["AnalysisResult", "analyze", "run_spec", "RESULTS_SCHEMA"]

RESULTS_SCHEMA = 2  # 2: floats at SIGNIFICANT_DIGITS, declared in the record

@dataclass(frozen=True, repr=False, eq=False)
class AnalysisResult(ResultMixin):
    """Everything one run produced.  ``results`` is the JSON-safe record the report renders."""

    spec: AnalysisSpec
    results: dict
    manifest: dict
    data: SurveyData = field(repr=False)
    reliabilities: dict[str, ReliabilityResult] = field(repr=False, default_factory=dict)
    measurement: SEMResult | None = field(repr=False, default=None)
    structural: SEMResult | None = field(repr=False, default=None)
    bootstrap: Any = field(repr=False, default=None)

    def to_dict(self) -> dict:
        return to_jsonable(self.results)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.results.get("hypotheses", []))

    def write(self, out_dir: str | Path, *, lang: str | None = None, formats=None,
              table_style: str | None = None) -> list[Path]:
        """Write the report folder (report.html, report.md, results.json, manifest.json)."""
        return write_report(
            self.results, self.manifest, Path(out_dir),
            lang=lang or self.spec.report.lang,
            formats=tuple(formats or self.spec.report.formats),
            table_style=table_style or self.spec.report.table_style,
            convention=self.spec.report.convention,
        )

    def _repr_line(self) -> str:
        return f"AnalysisResult {self.spec.name}: N={self.results['screening']['n_after']}"

    def summary(self) -> Summary:
        rel = pd.DataFrame(self.results["reliability"])[["construct", "alpha", "omega_total"]]
        hyp = pd.DataFrame(self.results.get("hypotheses", []))
        tables = [("Reliability", rel)]
        if len(hyp):
            tables.append(("Hypotheses", hyp[["id", "est", "std_all", "pvalue", "supported"]]))
        return Summary(title=f"surveykit analysis '{self.spec.name}'", tables=tuple(tables))


def _input_record(path: Path, sha256: str | None = None) -> dict:
    """An input file in the manifest: its path, SHA-256 and, for a file shipped with surveykit,
    its name among the shipped files (so that verify finds it in another installation)."""
    rec = {"file": str(path), "sha256": sha256 or file_sha256(path)}
    shipped = shipped_name(path)
    if shipped is not None:
        rec["shipped"] = shipped
    return rec


def _instrument_record(ins: Instrument) -> dict:
    return {
        "id": ins.id, "version": ins.version, "title": ins.title.model_dump(), "source": ins.source,
        "scale": {
            "min": ins.scales[ins.default_scale].min, "max": ins.scales[ins.default_scale].max,
            "labels": {str(k): v.model_dump() for k, v in ins.scales[ins.default_scale].labels.items()},
            "missing": {str(k): v.model_dump() for k, v in ins.scales[ins.default_scale].missing.items()},
        },
        "constructs": [
            {
                "code": c.code, "name": c.name.model_dump(), "definition": c.definition.model_dump(),
                "source": c.source.model_dump(),
                "items": [{"id": it.id, "text": it.text.model_dump(), "reverse": it.reverse,
                           "source": it.source.model_dump()} for it in c.items],
            }
            for c in ins.constructs
        ],
    }


def _fit_record(fit: SEMResult) -> dict:
    return {
        "converged": fit.converged, "iterations": fit.iterations, "nobs": fit.nobs,
        "estimator": fit.estimator, "missing": fit.missing,
        "fit": {k: v for k, v in fit.fit_measures().items()},
        "warnings": [{"category": c, "message": m} for c, m in fit.warnings],
    }


def _structural_constructs(model: str, codes: set[str]) -> list[str]:
    from surveykit.sem.syntax import parse_syntax

    used: list[str] = []
    for r in parse_syntax(model):
        for v in ((r.lhs, r.rhs) if r.op != ":=" else ()):
            if v in codes and v not in used:
                used.append(v)
    return used


def _evaluate(h: Hypothesis, pe: pd.DataFrame, alpha: float, boot: pd.DataFrame | None, ci_name: str) -> dict:
    lhs, op, rhs = h.target
    if op == "~":
        rows = pe[(pe["op"] == "~") & (pe["lhs"] == lhs) & (pe["rhs"] == rhs)]
    else:
        rows = pe[(pe["op"] == ":=") & (pe["lhs"] == lhs)]
    if len(rows) != 1:
        what = h.path if h.kind == "path" else h.parameter
        raise SpecError(
            f"Hypothesis {h.id} names '{what}', which is not a {'path' if h.kind == 'path' else ':= parameter'} "
            "of the structural model; add it to structural.model or fix the hypothesis."
        )
    r = rows.iloc[0]
    sign_ok = {"positive": r["est"] > 0, "negative": r["est"] < 0, "nonzero": True}[h.expect]
    out = {
        "id": h.id, "kind": h.kind, "text": h.text.model_dump(),
        "target": h.path if h.kind == "path" else f"{h.parameter} := {r['rhs']}",
        "expect": h.expect, "est": r["est"], "se": r["se"], "z": r["z"], "pvalue": r["pvalue"],
        "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "std_all": r["std_all"],
    }
    if h.kind == "defined" and boot is not None:
        b = boot[(boot["op"] == ":=") & (boot["lhs"] == lhs)]
        if len(b) == 1:
            lo, hi = float(b.iloc[0]["ci_lower"]), float(b.iloc[0]["ci_upper"])
            out.update({"ci_lower": lo, "ci_upper": hi, "se": float(b.iloc[0]["se"]),
                        "supported": bool(sign_ok and (lo > 0 or hi < 0)),
                        "method": f"bootstrap {ci_name} CI"})
            return out
    significant = bool(np.isfinite(r["pvalue"]) and r["pvalue"] < alpha)
    out.update({"supported": bool(sign_ok and significant),
                "method": "Wald z (delta method)" if h.kind == "defined" else "Wald z"})
    return out


def _judged_poor(fit: dict, convention: str) -> bool:
    """Whether the CFA fit misses the convention's cut-off for CFI or RMSEA (then modification
    indices are shown)."""
    from surveykit.report.conventions import load_profile

    prof = load_profile(convention)
    for key in ("cfi", "rmsea", "srmr"):
        j = prof.judge(key, fit.get(key))
        if j is not None and j.meets is False:
            return True
    return False


def run_spec(spec: AnalysisSpec, *, spec_sha256: str, command: str | None = None) -> AnalysisResult:
    """Run the pipeline for an already loaded spec."""
    warn_list: list[dict] = []
    est = spec.estimation

    @contextmanager
    def stage(name: str):
        with capture_warnings() as log:
            yield
        seen = set()
        for c, m in log:  # the same message from several fits of one stage is listed once
            if (c, m) not in seen:
                seen.add((c, m))
                warn_list.append({"stage": name, "category": c, "message": m})

    with stage("read"):
        ins = load_instrument(spec.instrument_path)
        data = read_survey(spec.data_path, instrument=ins, **spec.data.options)
        report = validate(data)
        report.raise_if_blocking()

    with stage("screening"):
        # screening: flag, then exclude by the declared rules
        scr = screen(data, spec.screening)
        keep = ~scr.excluded
        sample = data.subset(keep.to_numpy())

        # constructs in the measurement model
        codes = [c.code for c in ins.constructs] if spec.measurement.constructs == "all" else list(
            spec.measurement.constructs)
        unknown = [c for c in codes if c not in {x.code for x in ins.constructs}]
        if unknown:
            raise SpecError(f"measurement.constructs names {', '.join(unknown)}, not constructs of {ins.id}.")

        keyed = sample.keyed()
        descriptives = []
        for c in ins.constructs:
            for it in c.items:
                if it.id not in keyed.columns:
                    continue
                col = sample.frame[it.id]
                scale = ins.scale_of(it.id)
                counts = col.value_counts()
                descriptives.append({
                    "item": it.id, "construct": c.code, "reverse": it.reverse, "n": int(col.notna().sum()),
                    "missing": int(col.isna().sum()), "mean": float(col.mean()), "sd": float(col.std(ddof=1)),
                    "mean_keyed": float(keyed[it.id].mean()),
                    "distribution": {str(v): int(counts.get(float(v), 0)) for v in scale.points},
                })

    seed = spec.seed if spec.seed is not None else 1
    with stage("reliability"):
        rels: dict[str, ReliabilityResult] = {}
        rel_rows, item_rows = [], []
        for code in codes:
            items = sample.item_ids(code)
            r = reliability(keyed[items], name=code)
            rels[code] = r
            rel_rows.append({
                "construct": code, "n_items": r.n_items, "n": r.n, "n_complete": r.n_complete,
                "alpha": r.alpha, "alpha_ci_lower": r.alpha_ci[0], "alpha_ci_upper": r.alpha_ci[1],
                "std_alpha": r.std_alpha, "average_r": r.average_r, "omega_total": r.omega_total,
                "items": r.items.reset_index().to_dict(orient="records"),
            })
            ia = item_analysis(keyed[items], name=code)
            for row in ia.items.reset_index().to_dict(orient="records"):
                item_rows.append({"construct": code, **row})

    psychometrics = None
    if spec.psychometrics.enabled:
        with stage("psychometrics"):
            ps = spec.psychometrics
            all_items = [i for code in codes for i in sample.item_ids(code)]
            block = keyed[all_items]
            k = kmo(block)
            b = bartlett(block)
            pa = parallel_analysis(block, n_iter=ps.parallel_iter, rng=seed)
            if ps.n_factors == "auto":
                nf = max(1, int(pa.n_factors))
            elif ps.n_factors == "constructs":
                nf = len(codes)
            else:
                nf = int(ps.n_factors)
            e = efa(block, n_factors=nf, method=ps.efa_method, rotation=None if ps.rotation == "none" else ps.rotation)
            hm = harman(block)
            lo = e.loadings
            psychometrics = {
                "kmo": {"overall": k.msa, "items": {str(i): float(v) for i, v in k.msa_items.items()}},
                "bartlett": {"chisq": b.chisq, "df": b.df, "pvalue": b.pvalue},
                "parallel_analysis": {
                    "observed": pa.table["observed"].tolist(), "simulated": pa.table["simulated_quantile"].tolist(),
                    "n_factors": int(pa.n_factors), "n_iter": ps.parallel_iter, "percentile": 95, "seed": seed,
                },
                "efa": {
                    "n_factors": nf, "method": ps.efa_method, "rotation": ps.rotation,
                    "factors": [str(f) for f in lo.columns],
                    "loadings": [{"item": str(i), "loadings": [float(x) for x in lo.loc[i]],
                                  "h2": float(e.communalities[i])} for i in lo.index],
                },
                "harman": {"variance": hm.first_factor_share,
                           "n_factors": int((np.linalg.eigvalsh(block.corr().to_numpy()) > 1).sum())},
            }

    with stage("measurement"):
        meas_syntax = ins.measurement_syntax(codes)
        sem_kw = {"estimator": est.estimator, "missing": est.missing}
        if est.estimator == "WLSMV":
            sem_kw = {"ordered": True}
        cfa_fit = sem(meas_syntax, keyed, **sem_kw)
        pe = cfa_fit.parameter_estimates()
        loadings = pe[pe["op"] == "=~"][["lhs", "rhs", "est", "se", "z", "pvalue", "std_all"]]
        loadings = loadings.rename(columns={"lhs": "construct", "rhs": "item"})
        lv_cov = pe[(pe["op"] == "~~") & pe["lhs"].isin(codes) & pe["rhs"].isin(codes) & (pe["lhs"] != pe["rhs"])]
        measurement = _fit_record(cfa_fit)
        measurement.update({
            "model": meas_syntax,
            "loadings": loadings.to_dict(orient="records"),
            "factor_correlations": lv_cov[["lhs", "rhs", "std_all"]].rename(columns={"std_all": "r"}).to_dict(
                orient="records"),
        })
        if est.estimator != "WLSMV":
            v = validity(cfa_fit)
            vt = v.table
            measurement["validity"] = [
                {"construct": str(f), "cr": vt.loc[f, "cr"], "cr_obs": vt.loc[f, "cr_obs"], "ave": vt.loc[f, "ave"],
                 "sqrt_ave": vt.loc[f, "sqrt_ave"], "msv": vt.loc[f, "msv"], "asv": vt.loc[f, "asv"]}
                for f in vt.index]
            h = v.htmt
            measurement["htmt"] = [{"lhs": str(a), "rhs": str(b_), "htmt": float(h.loc[a, b_])}
                                   for i, a in enumerate(h.index) for b_ in h.columns[i + 1:]]
        else:
            std = loadings.groupby("construct")["std_all"]
            measurement["validity"] = [
                {"construct": c, "cr": float(g.sum() ** 2 / (g.sum() ** 2 + (1 - g**2).sum())),
                 "ave": float((g**2).mean())} for c, g in std]
        measurement["poor_fit"] = _judged_poor(measurement["fit"], spec.report.convention)
        if measurement["poor_fit"] and spec.report.modindices and est.estimator in ("ML", "MLR") \
                and est.missing == "listwise":
            mi = cfa_fit.modindices().head(spec.report.modindices)
            measurement["modindices"] = mi.to_dict(orient="records")

    cmb = None
    if spec.cmb.single_factor or spec.cmb.ulmc:
        with stage("cmb"):
            cmb = {}
            if est.estimator == "ML" and est.missing == "listwise":
                if spec.cmb.single_factor:
                    sf = single_factor_test(meas_syntax, keyed)
                    cmb["single_factor"] = {"comparison": sf.comparison.to_dict(orient="records"),
                                            "test": dict(sf.test)}
                if spec.cmb.ulmc:
                    u = ulmc(meas_syntax, keyed)
                    cmb["ulmc"] = {"comparison": u.comparison.to_dict(orient="records"),
                                   "test": dict(u.test),
                                   "mean_method_variance": u.mean_method_variance,
                                   "mean_substantive_variance": u.mean_substantive_variance,
                                   "admissible": u.admissible}
            if cmb and psychometrics:
                cmb["harman"] = psychometrics["harman"]

    structural = None
    sem_fit = None
    hyps: list[dict] = []
    boot_res = None
    mediation = None
    if spec.structural is not None:
        with stage("structural"):
            order = [c.code for c in ins.constructs
                     if c.code in _structural_constructs(spec.structural.model, {x.code for x in ins.constructs})]
            full = ins.measurement_syntax(order) + "\n" + spec.structural.model
            sem_fit = sem(full, keyed, **sem_kw)
            spe = sem_fit.parameter_estimates()
            paths = spe[spe["op"] == "~"]
            defined = spe[spe["op"] == ":="]
            structural = _fit_record(sem_fit)
            cols = ["lhs", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"]
            structural.update({
                "model": full,
                "structural_model": spec.structural.model,
                "paths": paths[cols].to_dict(orient="records"),
                "defined": defined[cols].to_dict(orient="records"),
                "r_squared": {k_: v_ for k_, v_ in sem_fit.r_squared().items() if k_ in order},
            })
        if spec.bootstrap is not None and len(defined):
            with stage("mediation"):
                if est.estimator != "ML" or est.missing != "listwise":
                    raise SpecError("bootstrap needs estimation.estimator 'ML' with listwise deletion in this version.")
                bs = spec.bootstrap
                boot_res = bootstrap(sem_fit, n_boot=bs.n_boot, ci=bs.ci, level=bs.level, rng=seed, jobs=bs.jobs,
                                     progress=False)
                bpe = boot_res.parameter_estimates()
                bstd = boot_res.standardized_solution()
                med = boot_res.mediation()
                effects = []
                for r in bpe[bpe["op"] == ":="].itertuples():
                    srow = bstd[(bstd["op"] == ":=") & (bstd["lhs"] == r.lhs)]
                    mrow = med[med["effect"] == r.lhs] if "effect" in med.columns else med.iloc[0:0]
                    eff = {"name": r.lhs, "label": r.rhs, "est": r.est, "se": r.se, "ci_lower": r.ci_lower,
                           "ci_upper": r.ci_upper, "significant": bool(r.ci_lower > 0 or r.ci_upper < 0)}
                    if len(srow):
                        eff.update({"std_all": float(srow.iloc[0]["est_std"]),
                                    "std_ci_lower": float(srow.iloc[0]["ci_lower"]),
                                    "std_ci_upper": float(srow.iloc[0]["ci_upper"])})
                    if len(mrow):
                        m0 = mrow.iloc[0]
                        for key in ("effect_ratio", "direct", "total", "decision", "decision_zh", "decision_en",
                                    "basis_zh", "basis_en", "mediators"):
                            if key in mrow.columns:
                                val = m0[key]
                                eff[key] = val.item() if hasattr(val, "item") else val
                    effects.append(eff)
                mediation = {"n_boot": bs.n_boot, "ci": bs.ci, "level": bs.level, "seed": seed,
                             "n_failed": boot_res.n_failed, "n_nonadmissible": boot_res.n_nonadmissible,
                             "effects": effects}
        with stage("structural"):
            bpe_all = boot_res.parameter_estimates() if boot_res is not None else None
            hyps = [_evaluate(h, spe, spec.report.alpha, bpe_all, spec.bootstrap.ci if spec.bootstrap else "")
                    for h in spec.structural.hypotheses]

    inv = None
    if spec.invariance is not None:
        with stage("invariance"):
            iv = spec.invariance
            if iv.group not in keyed.columns:
                raise SpecError(f"invariance.group {iv.group!r} is not a column of the data.")
            res_inv = invariance(meas_syntax, keyed, group=iv.group, levels=iv.levels, convention=iv.convention,
                                 partial=iv.partial)
            tab = res_inv.table.reset_index()
            inv = {"group": iv.group, "group_labels": list(res_inv.group_labels), "convention": iv.convention,
                   "levels": tab.to_dict(orient="records"), "released": res_inv.released,
                   "latent_means": res_inv.latent_means.to_dict(orient="records")}

    pw = None
    if spec.power is not None:
        with stage("power"):
            ps_ = spec.power
            res_pw = power(ps_.model, ps_.population, n=list(ps_.n), reps=ps_.reps, alpha=ps_.alpha, rng=seed,
                           jobs=ps_.jobs, standardized=ps_.standardized, progress=False)
            tab = res_pw.table
            curves = []
            for r in tab.itertuples():
                mcse = float(r.power_mcse) if np.isfinite(r.power_mcse) else 0.0
                curves.append({"parameter": str(r.parameter), "n": int(r.n), "power": float(r.power),
                               "ci_lower": max(0.0, float(r.power) - 1.96 * mcse),
                               "ci_upper": min(1.0, float(r.power) + 1.96 * mcse),
                               "bias": float(r.bias), "coverage": float(r.coverage), "conv_rate": float(r.conv_rate)})
            pw = {"alpha": ps_.alpha, "reps": ps_.reps, "seed": seed, "n": list(ps_.n), "curves": curves,
                  "population": ps_.population, "model": ps_.model}

    md = data.metadata
    results: dict[str, Any] = {
        "surveykit_results": RESULTS_SCHEMA,
        "significant_digits": SIGNIFICANT_DIGITS,
        "analysis": {"name": spec.name, "title": spec.title.model_dump(), "simulated": spec.simulated,
                     "alpha": spec.report.alpha, "seed": spec.seed, "estimator": est.estimator,
                     "missing": est.missing, "convention": spec.report.convention},
        "data": {
            "file": spec.data_path.name,
            "format": md.format if md else None,
            "file_label": md.file_label if md else None,
            "encoding": md.encoding if md else None,
            "n_rows": data.n,
            "matches": [{"variable": m.variable, "column": m.column, "how": m.how} for m in data.matches],
            "missing_codes": data.missing_code_counts,
            "validation": [p.__dict__ for p in report.problems],
        },
        "instrument": _instrument_record(ins),
        "screening": {
            "n_before": scr.n_before, "n_after": scr.n_after, "n_excluded": scr.n_before - scr.n_after,
            "rules": scr.counts().to_dict(orient="records"),
        },
        "descriptives": descriptives,
        "reliability": rel_rows,
        "item_analysis": item_rows,
        "psychometrics": psychometrics,
        "measurement": measurement,
        "cmb": cmb,
        "structural": structural,
        "mediation": mediation,
        "hypotheses": hyps,
        "invariance": inv,
        "power": pw,
        "warnings": warn_list,
    }
    results = {k: v for k, v in results.items() if v is not None}
    results = to_jsonable(results, digits=SIGNIFICANT_DIGITS)
    manifest = {
        "surveykit_manifest": 1,
        "command": command,
        "spec": {"file": None, "sha256": spec_sha256, "name": spec.name},
        "inputs": {
            "data": {**_input_record(spec.data_path), **({"read": spec.data.options} if spec.data.options else {})},
            "instrument": _input_record(spec.instrument_path),
        },
        "seed": spec.seed,
        "versions": versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(),
                     "python_implementation": platform.python_implementation()},
        "environment": environment(),
        "argv": list(sys.argv),
    }
    return AnalysisResult(spec=spec, results=results, manifest=manifest, data=sample, reliabilities=rels,
                          measurement=cfa_fit, structural=sem_fit, bootstrap=boot_res)


def analyze(spec: str | Path | None = None, *, data: str | Path | None = None,
            instrument: str | Path | None = None, command: str | None = None, encoding: str | None = None,
            layout: str | None = None, sheet: str | int | None = None) -> AnalysisResult:
    """Run a whole analysis from a spec file (default: the shipped demo).

    `data` and `instrument` replace the spec's files; `encoding`, `layout` and `sheet`
    replace the spec's options for reading the data (see :func:`surveykit.read_survey`)
    and are recorded in the manifest (``inputs.data.read``).

    Examples
    --------
    >>> import surveykit as sk
    >>> res = sk.analyze()                 # the shipped demo (simulated data)
    >>> res.results["screening"]["n_before"]
    600
    """
    if spec is None:
        from surveykit.datasets import demo_spec_path

        spec = demo_spec_path()
    loaded, sha = load_spec(spec, data=data, instrument=instrument)
    read = {k: v for k, v in (("encoding", encoding), ("layout", layout), ("sheet", sheet)) if v is not None}
    if read:  # checked where the file is read, with the message every reader gives
        loaded = loaded.model_copy(update={"data": loaded.data.model_copy(update=read)})
    if not loaded.data_path.exists():
        raise DataError(f"Data file {loaded.data_path} named by spec {spec} does not exist; check 'data'.")
    result = run_spec(loaded, spec_sha256=sha, command=command)
    manifest = dict(result.manifest)
    manifest["spec"] = {**_input_record(Path(spec).resolve(), sha), "name": loaded.name}
    return AnalysisResult(spec=result.spec, results=result.results, manifest=manifest, data=result.data,
                          reliabilities=result.reliabilities, measurement=result.measurement,
                          structural=result.structural, bootstrap=result.bootstrap)
