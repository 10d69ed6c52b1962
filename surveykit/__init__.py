"""surveykit: from questionnaire to published, reproducible survey result.

>>> import surveykit as sk
>>> result = sk.analyze()          # the shipped, simulated demo
"""

from __future__ import annotations

from surveykit import datasets
from surveykit._version import __version__
from surveykit.analysis import AnalysisResult, analyze
from surveykit.data import SurveyData, read_survey, screen, validate
from surveykit.errors import (
    DataError,
    EstimationError,
    InstrumentError,
    ModelSpecificationError,
    ReadError,
    SpecError,
    SurveykitError,
    SurveykitWarning,
)
from surveykit.instrument import Instrument, load_instrument
from surveykit.psychometrics import reliability
from surveykit.resampling import load_population, simulate
from surveykit.sem import cfa, sem

__all__ = [
    "__version__",
    "AnalysisResult",
    "DataError",
    "EstimationError",
    "Instrument",
    "InstrumentError",
    "ModelSpecificationError",
    "ReadError",
    "SpecError",
    "SurveyData",
    "SurveykitError",
    "SurveykitWarning",
    "analyze",
    "cfa",
    "datasets",
    "load_instrument",
    "load_population",
    "read_survey",
    "reliability",
    "screen",
    "sem",
    "simulate",
    "validate",
]
