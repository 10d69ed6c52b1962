"""SEM layer: parameter table, lavaan syntax, estimation, fit measures, standardization."""

from surveykit.sem.api import cfa, growth, sem
from surveykit.sem.cmb import SingleFactorResult, ULMCResult, single_factor_test, ulmc
from surveykit.sem.partable import ParTable, build_partable
from surveykit.sem.results import SEMResult
from surveykit.sem.syntax import parse_syntax
from surveykit.sem.validity import ValidityResult, validity

__all__ = ["cfa", "sem", "growth", "SEMResult", "ParTable", "build_partable", "parse_syntax",
           "ValidityResult", "validity", "SingleFactorResult", "ULMCResult", "single_factor_test", "ulmc"]
