"""Analysis layer: spec (YAML) -> run -> one results object; the only orchestrator."""

from surveykit.analysis.run import AnalysisResult, analyze, run_spec
from surveykit.analysis.spec import AnalysisSpec, Hypothesis, load_spec

__all__ = ["AnalysisResult", "AnalysisSpec", "Hypothesis", "analyze", "load_spec", "run_spec"]
