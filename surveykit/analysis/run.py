"""The whole pipeline: spec -> stages -> one results record -> AnalysisResult.  The only
orchestrator (docs/architecture.md); the stages are :mod:`surveykit.analysis.stages`."""

from __future__ import annotations

import platform
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.rng import resolve_seed
from surveykit.analysis import stages as st
from surveykit.analysis.provenance import environment, versions
from surveykit.analysis.spec import AnalysisSpec, load_spec
from surveykit.data import SurveyData
from surveykit.datasets import shipped_name
from surveykit.errors import DataError
from surveykit.io import file_sha256
from surveykit.psychometrics import ReliabilityResult
from surveykit.report import schema as rs
from surveykit.report import write_report
from surveykit.resampling import BootstrapResult, ProcessResult
from surveykit.results import SIGNIFICANT_DIGITS, ResultMixin, Summary, capture_warnings, to_jsonable
from surveykit.sem import SEMResult

__all__ = ["AnalysisResult", "analyze", "run_spec", "RESULTS_SCHEMA"]

RESULTS_SCHEMA = rs.SCHEMA_VERSION


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
    bootstrap: BootstrapResult | None = field(repr=False, default=None)
    process: dict[str, ProcessResult] = field(repr=False, default_factory=dict)  # hypothesis id -> PROCESS run

    @property
    def record(self) -> rs.ResultsRecord:
        """``results`` as the validated models of :mod:`surveykit.report.schema`."""
        return rs.validate_results(self.results)

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
        rel = pd.DataFrame(self.results["reliability"])[["name", "alpha", "omega_total"]].rename(
            columns={"name": "construct"})
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


class _StageLog:
    """The surveykit warnings each stage raised, once per (stage, category, message)."""

    def __init__(self) -> None:
        self.records: list[rs.StageWarning] = []

    @contextmanager
    def __call__(self, name: str):
        with capture_warnings() as log:
            yield
        for c, m in dict.fromkeys(log):  # the same message from several fits of one stage: once
            w = rs.StageWarning(stage=name, category=c, message=m)
            if w not in self.records:
                self.records.append(w)


def _analysis_info(spec: AnalysisSpec, seed: int) -> rs.AnalysisInfo:
    return rs.AnalysisInfo(name=spec.name, title=spec.title.model_dump(), simulated=spec.simulated,
                           alpha=spec.report.alpha, seed=seed, estimator=spec.estimation.estimator,
                           missing=spec.estimation.missing, convention=spec.report.convention)


def _manifest(spec: AnalysisSpec, spec_sha256: str, command: str | None, seed: int) -> dict:
    return {
        "surveykit_manifest": 1,
        "command": command,
        "spec": {"file": None, "sha256": spec_sha256, "name": spec.name},
        "inputs": {
            "data": {**_input_record(spec.data_path), **({"read": spec.data.options} if spec.data.options else {})},
            "instrument": _input_record(spec.instrument_path),
        },
        "seed": seed,
        "versions": versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(),
                     "python_implementation": platform.python_implementation()},
        "environment": environment(),
        "argv": list(sys.argv),
    }


def run_spec(spec: AnalysisSpec, *, spec_sha256: str, command: str | None = None) -> AnalysisResult:
    """Run the stages of an already loaded spec, each inside its warning log, and assemble the record."""
    log = _StageLog()
    seed = resolve_seed(spec.seed)  # a spec without a seed gets a fresh one, recorded like a given one
    with log("read"):
        ins, data, checked = st.read(spec)
    with log("screening"):
        _, sample, screening = st.screening(spec, data)
        descriptives = st.descriptives(sample)
    sections: dict[str, Any] = {}
    if spec.design is not None:
        with log("design"):
            sections["design"] = st.design(spec, sample)
    with log("reliability"):
        rels, reliability, item_analysis = st.reliabilities(sample)
        normality = st.normality_of_items(sample)
    if spec.psychometrics.enabled:
        with log("psychometrics"):
            sections["psychometrics"] = st.psychometrics(spec, sample, seed)
    with log("measurement"):
        cfa, sections["measurement"] = st.measurement(spec, sample)
    if spec.design is not None and spec.design.two_level is not None:
        with log("two_level"):
            _, sections["two_level"] = st.two_level(spec, sample)
    if spec.cmb.single_factor or spec.cmb.ulmc:
        with log("cmb"):
            sections["cmb"] = st.cmb(spec, sample)
    fit = boot = None
    if spec.structural is not None:
        with log("structural"):
            fit, sections["structural"] = st.structural(spec, sample)
        if spec.bootstrap is not None and sections["structural"].rows(":="):
            with log("mediation"):
                boot, sections["mediation"] = st.mediation(spec, fit, seed, sample)
        with log("structural"):
            sections["hypotheses"] = st.hypotheses(spec, fit, boot)
    processes: dict = {}
    if spec.process is not None:
        with log("process"):
            processes, sections["process"], rows = st.conditional_process(spec, sample, seed)
        sections["hypotheses"] = sections.get("hypotheses", []) + rows
    if spec.invariance is not None:
        with log("invariance"):
            sections["invariance"] = st.measurement_invariance(spec, sample)
    if spec.power is not None:
        with log("power"):
            sections["power"] = st.power_study(spec, seed)
    record = rs.ResultsRecord(
        surveykit_results=rs.SCHEMA_VERSION, significant_digits=SIGNIFICANT_DIGITS,
        analysis=_analysis_info(spec, seed), data=st.data_info(spec, data, checked),
        instrument=st.instrument_info(ins), screening=screening, descriptives=descriptives,
        reliability=reliability, item_analysis=item_analysis, normality=normality, **sections,
        warnings=log.records)
    results = to_jsonable(record.model_dump(mode="json", exclude_unset=True, by_alias=True), digits=SIGNIFICANT_DIGITS)
    return AnalysisResult(spec=spec, results=results, manifest=_manifest(spec, spec_sha256, command, seed),
                          data=sample.data, reliabilities=rels, measurement=cfa, structural=fit, bootstrap=boot,
                          process=processes)


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
                          structural=result.structural, bootstrap=result.bootstrap, process=result.process)
