"""surveykit: from questionnaire to published, reproducible survey result.

>>> import surveykit as sk
>>> result = sk.analyze()          # the shipped, simulated demo
"""

from __future__ import annotations

from surveykit import datasets
from surveykit._version import __version__
from surveykit.analysis import AnalysisResult, analyze
from surveykit.data import (
    Design,
    SurveyData,
    read_survey,
    screen,
    survey_mean,
    survey_proportions,
    survey_total,
    validate,
)
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
from surveykit.psychometrics import (
    aggregation,
    bartlett,
    efa,
    factor_battery,
    harman,
    item_analysis,
    kmo,
    normality,
    omega,
    parallel_analysis,
    polychoric,
    reliability,
    scale_battery,
)
from surveykit.questionnaire import questionnaire
from surveykit.resampling import (
    bootstrap,
    invariance,
    load_population,
    population_model,
    power,
    process,
    simulate,
    simulate_model,
)
from surveykit.sem import cfa, growth, sem, simple_slopes, single_factor_test, ulmc, validity

__all__ = [
    "__version__",
    "AnalysisResult",
    "DataError",
    "Design",
    "EstimationError",
    "Instrument",
    "InstrumentError",
    "ModelSpecificationError",
    "ReadError",
    "SpecError",
    "SurveyData",
    "SurveykitError",
    "SurveykitWarning",
    "aggregation",
    "analyze",
    "bartlett",
    "bootstrap",
    "cfa",
    "datasets",
    "efa",
    "factor_battery",
    "growth",
    "harman",
    "invariance",
    "item_analysis",
    "kmo",
    "load_instrument",
    "load_population",
    "normality",
    "omega",
    "parallel_analysis",
    "polychoric",
    "population_model",
    "power",
    "process",
    "questionnaire",
    "read_survey",
    "reliability",
    "scale_battery",
    "screen",
    "sem",
    "simulate",
    "simulate_model",
    "simple_slopes",
    "single_factor_test",
    "survey_mean",
    "survey_proportions",
    "survey_total",
    "ulmc",
    "validate",
    "validity",
]
