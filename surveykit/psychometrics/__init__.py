"""Psychometrics: item analysis, reliability, omega, sampling adequacy, EFA, parallel analysis,
polychoric correlations, Harman's single-factor test, normality; aggregation statistics (ICC, rwg)
for group-level constructs.

Every function takes the data first (a DataFrame of items or a SurveyData) and keyword-only
options, and returns an immutable result with ``to_frame()``, ``to_dict()`` and ``summary()``.
Each statistic is validated against R's psych 2.2.9 (and lavaan 0.6-14 for polychoric
correlations); see ``tests/psychometrics``.
"""

from surveykit.psychometrics.adequacy import BartlettResult, KMOResult, bartlett, kmo
from surveykit.psychometrics.aggregation import AggregationResult, aggregation, aggregation_cutoffs
from surveykit.psychometrics.battery import FactorBattery, ScaleBattery, factor_battery, scale_battery
from surveykit.psychometrics.efa import EFAResult, efa
from surveykit.psychometrics.harman import HARMAN_CAVEAT, HarmanResult, harman
from surveykit.psychometrics.items import ItemAnalysisResult, item_analysis
from surveykit.psychometrics.normality import NormalityResult, normality
from surveykit.psychometrics.omega import OmegaResult, omega
from surveykit.psychometrics.parallel import ParallelAnalysisResult, parallel_analysis
from surveykit.psychometrics.polychoric import PolychoricResult, polychoric
from surveykit.psychometrics.reliability import ReliabilityResult, reliability

__all__ = [
    "HARMAN_CAVEAT",
    "AggregationResult",
    "BartlettResult",
    "EFAResult",
    "FactorBattery",
    "HarmanResult",
    "ItemAnalysisResult",
    "KMOResult",
    "NormalityResult",
    "OmegaResult",
    "ParallelAnalysisResult",
    "PolychoricResult",
    "ReliabilityResult",
    "ScaleBattery",
    "aggregation",
    "aggregation_cutoffs",
    "bartlett",
    "efa",
    "factor_battery",
    "harman",
    "item_analysis",
    "kmo",
    "normality",
    "omega",
    "parallel_analysis",
    "polychoric",
    "reliability",
    "scale_battery",
]
