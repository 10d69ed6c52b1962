"""Data layer: SurveyData = frame + metadata + instrument; read, match, validate, reverse-key, score, screen;
codebooks and chunked scoring of files larger than memory; design-based (weighted, clustered, stratified)
means, totals and proportions."""

from surveykit.data.codebook import Codebook, codebook
from surveykit.data.describe import item_descriptives
from surveykit.data.design import Design, SurveyEstimates, survey_mean, survey_proportions, survey_total
from surveykit.data.export import write_survey
from surveykit.data.screening import ScreeningResult, ScreeningRule, careless_indices, screen
from surveykit.data.stream import StreamSummary, score_file
from surveykit.data.survey import ColumnMatch, SurveyData, TextMapping, match_columns, read_survey
from surveykit.data.validate import Problem, ValidationReport, validate

__all__ = [
    "Codebook",
    "ColumnMatch",
    "Design",
    "Problem",
    "ScreeningResult",
    "ScreeningRule",
    "StreamSummary",
    "SurveyData",
    "SurveyEstimates",
    "TextMapping",
    "ValidationReport",
    "careless_indices",
    "codebook",
    "item_descriptives",
    "match_columns",
    "read_survey",
    "score_file",
    "screen",
    "survey_mean",
    "survey_proportions",
    "survey_total",
    "validate",
    "write_survey",
]
