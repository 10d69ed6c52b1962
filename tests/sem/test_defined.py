"""Defined parameters (surveykit.sem.defined): limits checked before evaluating, floats only, and a value
that is not finite is reported (a warning, no standard error) instead of passing silently."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from surveykit.errors import DefinedParameterWarning, ModelSpecificationError
from surveykit.sem import sem
from surveykit.sem.defined import compile_expression
from tests._tiny import tiny_data

BASE = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ p*A\n"


@pytest.fixture(scope="module")
def data():
    return tiny_data()


@pytest.mark.parametrize("expr, message", [
    ("+".join(["p"] * 3000), "the defined parameter expression has 5999 characters, more than 5000; split it into "
                             "several := lines that use each other."),
    ("+".join(["p"] * 1000), "the defined parameter expression is nested more than 200 deep (long chains of signs "
                             "or operators); split it into several := lines that use each other."),
    ("-" * 3000 + "p", "the defined parameter expression is nested more than 200 deep"),
    ("9^9^9", "the exponent 3.8742e+08 in '9^9^9' is beyond +-1000; such a power is 0 or infinite for any "
              "estimate. Use a smaller exponent."),
    ("p^1e9", "the exponent 1e+09 in 'p^1e9' is beyond +-1000"),
    ("p^(-(2^20))", "the exponent -1.04858e+06"),
])
def test_limits_are_refused_before_evaluating(expr, message):
    start = time.monotonic()
    with pytest.raises(ModelSpecificationError) as info:
        compile_expression(expr, {"p"}, line=4)
    assert str(info.value).startswith(f"Model syntax line 4: {message}")
    assert time.monotonic() - start < 5


def test_numbers_are_floats_and_nothing_warns():
    f, _ = compile_expression("2^3 + p/0 + log(-p)", {"p"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = f({"p": np.float64(1.0)})
    assert np.isnan(value)
    g, _ = compile_expression("7/2 + 2^-1", set())
    assert g({}) == 4.0  # true division and negative integer powers as floats, as in R


@pytest.mark.parametrize("expr, shown", [("p/0", "inf"), ("log(-p)", "nan"), ("p/(p-p)", "inf")])
def test_non_finite_value_warns_and_has_no_standard_error(data, expr, shown):
    with pytest.warns(DefinedParameterWarning) as record:
        fit = sem(BASE + f"r := {expr}\nq := p*p\n", data)
    assert [str(w.message) for w in record if w.category is DefinedParameterWarning] == [
        f"The defined parameter r := {expr} is {shown} at the estimates (a division by zero, or the log or a "
        "fractional power of a negative value); it has no standard error. Check its expression."]
    pe = fit.parameter_estimates().set_index("lhs")
    assert np.isnan(pe.loc["r", "se"])
    assert np.isfinite(pe.loc["q", "est"]) and pe.loc["q", "se"] > 0  # the others are untouched
    assert ("DefinedParameterWarning", record[0].message.args[0]) in fit.warnings


def test_model_mistakes_are_refused(data):
    with pytest.raises(ModelSpecificationError, match="'r' is defined twice"):
        sem(BASE + "r := p*2\nr := p*3\n", data)
    with pytest.raises(ModelSpecificationError, match=r"line 4: 'B ~ B' relates a variable to itself; remove it"):
        sem(BASE + "B ~ B\n", data)
    with pytest.raises(ModelSpecificationError, match="there is nothing to estimate"):
        sem("r := 1 + 2\n", data)
