"""The whole pipeline: spec -> data -> validation -> screening -> reliability -> CFA -> SEM
-> hypotheses -> one results object.  The only orchestrator (ARCHITECTURE.md)."""

from __future__ import annotations

import hashlib
import platform
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit.analysis.spec import AnalysisSpec, Hypothesis, load_spec
from surveykit.data import SurveyData, read_survey, screen, validate
from surveykit.errors import DataError, SpecError
from surveykit.instrument import Instrument, load_instrument
from surveykit.psychometrics import ReliabilityResult, reliability
from surveykit.report import write_report
from surveykit.results import ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem import SEMResult, sem

__all__ = ["AnalysisResult", "analyze", "run_spec", "RESULTS_SCHEMA"]

RESULTS_SCHEMA = 1
_DEPENDENCIES = ("numpy", "scipy", "pandas", "statsmodels", "semopy", "pingouin", "pyreadstat", "pydantic",
                 "PyYAML", "Jinja2", "typer", "rich", "matplotlib", "seaborn")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    try:
        out["surveykit"] = importlib_metadata.version("surveykit")
    except importlib_metadata.PackageNotFoundError:
        from surveykit._version import __version__

        out["surveykit"] = __version__
    for dist in _DEPENDENCIES:
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


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

    def to_dict(self) -> dict:
        return to_jsonable(self.results)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.results.get("hypotheses", []))

    def write(self, out_dir: str | Path, *, lang: str | None = None, formats=None) -> list[Path]:
        """Write the report folder (report.html, report.md, results.json, manifest.json)."""
        return write_report(
            self.results, self.manifest, Path(out_dir),
            lang=lang or self.spec.report.lang,
            formats=tuple(formats or self.spec.report.formats),
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
        "estimator": fit.estimator,
        "fit": {k: v for k, v in fit.fit_measures().items()},
        "warnings": [{"category": c, "message": m} for c, m in fit.warnings],
    }


def _evaluate(h: Hypothesis, pe: pd.DataFrame, alpha: float) -> dict:
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
    significant = bool(np.isfinite(r["pvalue"]) and r["pvalue"] < alpha)
    return {
        "id": h.id, "kind": h.kind, "text": h.text.model_dump(),
        "target": h.path if h.kind == "path" else f"{h.parameter} := {r['rhs']}",
        "expect": h.expect, "est": r["est"], "se": r["se"], "z": r["z"], "pvalue": r["pvalue"],
        "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"], "std_all": r["std_all"],
        "supported": bool(sign_ok and significant),
        "method": "Wald z (delta method)" if h.kind == "defined" else "Wald z",
    }


def run_spec(spec: AnalysisSpec, *, spec_sha256: str, command: str | None = None) -> AnalysisResult:
    """Run the pipeline for an already loaded spec."""
    warn_list: list[dict] = []

    @contextmanager
    def stage(name: str):
        with capture_warnings() as log:
            yield
        warn_list.extend({"stage": name, "category": c, "message": m} for c, m in log)

    with stage("read"):
        ins = load_instrument(spec.instrument_path)
        data = read_survey(spec.data_path, instrument=ins)
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
                descriptives.append({
                    "item": it.id, "construct": c.code, "reverse": it.reverse, "n": int(col.notna().sum()),
                    "missing": int(col.isna().sum()), "mean": float(col.mean()), "sd": float(col.std(ddof=1)),
                    "mean_keyed": float(keyed[it.id].mean()),
                })
    with stage("reliability"):
        rels: dict[str, ReliabilityResult] = {}
        rel_rows = []
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

    with stage("measurement"):
        meas_syntax = ins.measurement_syntax(codes)
        cfa_fit = sem(meas_syntax, keyed)
        pe = cfa_fit.parameter_estimates()
        loadings = pe[pe["op"] == "=~"][["lhs", "rhs", "est", "se", "z", "pvalue", "std_all"]]
        loadings = loadings.rename(columns={"lhs": "construct", "rhs": "item"})
        lv_cov = pe[(pe["op"] == "~~") & pe["lhs"].isin(codes) & pe["rhs"].isin(codes) & (pe["lhs"] != pe["rhs"])]
        cr_ave = []
        for code in codes:
            lam = loadings.loc[loadings["construct"] == code, "std_all"].to_numpy()
            theta = 1 - lam**2
            cr = lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())
            cr_ave.append({"construct": code, "cr": cr, "ave": float(np.mean(lam**2))})
        measurement = _fit_record(cfa_fit)
        measurement.update({
            "model": meas_syntax,
            "loadings": loadings.to_dict(orient="records"),
            "factor_correlations": lv_cov[["lhs", "rhs", "std_all"]].rename(columns={"std_all": "r"}).to_dict(
                orient="records"),
            "validity": cr_ave,
        })

    structural = None
    sem_fit = None
    hyps: list[dict] = []
    with stage("structural"):
        if spec.structural is not None:
            from surveykit.sem.syntax import parse_syntax

            rows = parse_syntax(spec.structural.model)
            used = []
            for r in rows:
                for v in (r.lhs, r.rhs) if r.op != ":=" else ():
                    if v in {c.code for c in ins.constructs} and v not in used:
                        used.append(v)
            order = [c.code for c in ins.constructs if c.code in used]
            full = ins.measurement_syntax(order) + "\n" + spec.structural.model
            sem_fit = sem(full, keyed)
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
                "r_squared": {k: v for k, v in sem_fit.r_squared().items() if k in order},
            })
            hyps = [_evaluate(h, spe, spec.report.alpha) for h in spec.structural.hypotheses]

    md = data.metadata
    results: dict[str, Any] = {
        "surveykit_results": RESULTS_SCHEMA,
        "analysis": {"name": spec.name, "title": spec.title.model_dump(), "simulated": spec.simulated,
                     "alpha": spec.report.alpha, "seed": spec.seed},
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
        "measurement": measurement,
        "structural": structural,
        "hypotheses": hyps,
        "warnings": warn_list,
    }
    results = to_jsonable(results)
    manifest = {
        "surveykit_manifest": 1,
        "command": command,
        "spec": {"file": None, "sha256": spec_sha256, "name": spec.name},
        "inputs": {
            "data": {"file": str(spec.data_path), "sha256": _sha256(spec.data_path)},
            "instrument": {"file": str(spec.instrument_path), "sha256": _sha256(spec.instrument_path)},
        },
        "seed": spec.seed,
        "versions": _versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(),
                     "python_implementation": platform.python_implementation()},
        "argv": list(sys.argv),
    }
    return AnalysisResult(spec=spec, results=results, manifest=manifest, data=sample, reliabilities=rels,
                          measurement=cfa_fit, structural=sem_fit)


def analyze(spec: str | Path | None = None, *, data: str | Path | None = None,
            instrument: str | Path | None = None, command: str | None = None) -> AnalysisResult:
    """Run a whole analysis from a spec file (default: the shipped demo).

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
    if not loaded.data_path.exists():
        raise DataError(f"Data file {loaded.data_path} named by spec {spec} does not exist; check 'data'.")
    result = run_spec(loaded, spec_sha256=sha, command=command)
    manifest = dict(result.manifest)
    manifest["spec"] = {"file": str(Path(spec)), "sha256": sha, "name": loaded.name}
    return AnalysisResult(spec=result.spec, results=result.results, manifest=manifest, data=result.data,
                          reliabilities=result.reliabilities, measurement=result.measurement,
                          structural=result.structural)
