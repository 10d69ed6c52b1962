"""Resampling: simulation, the bootstrap and Monte Carlo power (local processes or Dask)."""

from surveykit.resampling.bootstrap import BootstrapResult, bootstrap
from surveykit.resampling.invariance import CONVENTIONS, InvarianceResult, invariance
from surveykit.resampling.population import PopulationModel, population_model, simulate_model
from surveykit.resampling.power import PowerResult, power
from surveykit.resampling.process import ProcessResult, process
from surveykit.resampling.simulate import Population, SimulatedSurvey, load_population, simulate

__all__ = [
    "CONVENTIONS",
    "BootstrapResult",
    "InvarianceResult",
    "invariance",
    "Population",
    "PopulationModel",
    "PowerResult",
    "ProcessResult",
    "SimulatedSurvey",
    "bootstrap",
    "load_population",
    "population_model",
    "power",
    "process",
    "simulate",
    "simulate_model",
]
