"""Resampling: simulation (bootstrap, invariance and power build on it)."""

from surveykit.resampling.simulate import Population, SimulatedSurvey, load_population, simulate

__all__ = ["Population", "SimulatedSurvey", "load_population", "simulate"]
