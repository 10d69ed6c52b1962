"""Data layer: SurveyData = frame + metadata + instrument; validate, reverse-key, score, screen."""

from surveykit.data.export import write_survey
from surveykit.data.screening import ScreeningResult, ScreeningRule, careless_indices, screen
from surveykit.data.survey import ColumnMatch, SurveyData, match_columns, read_survey
from surveykit.data.validate import Problem, ValidationReport, validate

__all__ = [
    "ColumnMatch",
    "Problem",
    "ScreeningResult",
    "ScreeningRule",
    "SurveyData",
    "ValidationReport",
    "careless_indices",
    "match_columns",
    "read_survey",
    "screen",
    "validate",
    "write_survey",
]
