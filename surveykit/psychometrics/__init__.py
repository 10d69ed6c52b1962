"""Psychometrics: item analysis, reliability, factor structure."""

from surveykit.psychometrics.reliability import ReliabilityResult, reliability

__all__ = ["ReliabilityResult", "reliability"]
