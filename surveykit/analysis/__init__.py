"""Analysis layer: spec (YAML) -> run -> one results object; the only orchestrator."""

from surveykit.analysis.run import AnalysisResult, analyze, run_spec
from surveykit.analysis.spec import AnalysisSpec, Hypothesis, load_spec
from surveykit.analysis.verify import Verification, compare_report, verify_report

__all__ = ["AnalysisResult", "AnalysisSpec", "Hypothesis", "Verification", "analyze", "compare_report", "load_spec",
           "run_spec", "verify_report"]
