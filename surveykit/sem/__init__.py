"""SEM layer: parameter table, lavaan syntax, estimation, fit measures, standardization."""

from surveykit.sem.api import cfa, sem
from surveykit.sem.partable import ParTable, build_partable
from surveykit.sem.results import SEMResult
from surveykit.sem.syntax import parse_syntax

__all__ = ["cfa", "sem", "SEMResult", "ParTable", "build_partable", "parse_syntax"]
