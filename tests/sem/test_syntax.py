"""lavaan model syntax: what is parsed, what is merged and what is refused (with its sentence)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import ModelSpecificationError
from surveykit.sem.api import parameter_table
from surveykit.sem.syntax import parse_syntax


def test_a_term_repeated_in_one_formula_is_merged_as_lavaan_does():
    """semTools' measEq.syntax writes 'f =~ c(NA, NA)*x1 + c(l1, l1)*x1': one row, both modifiers."""
    rows = parse_syntax("f =~ c(NA, NA)*x1 + c(l1, l1)*x1 + x2\nx1 | c(NA, NA)*t1 + c(a, a)*t1")
    assert [(r.lhs, r.op, r.rhs) for r in rows] == [("f", "=~", "x1"), ("f", "=~", "x2"), ("x1", "|", "t1")]
    assert rows[0].group_fixed == (None, None) and rows[0].group_labels == ("l1", "l1")
    assert rows[2].group_labels == ("a", "a")


@pytest.mark.parametrize(("text", "message"), [
    ("f =~ 1*x1 + NA*x1 + x2", r"'NA\*x1' repeats a term with a second value"),
    ("f =~ a*x1 + b*x1 + x2", r"'b\*x1' repeats a term with a second label"),
    ("f =~ a*x1 + c(b, c)*x1 + x2", r"repeats a term with a second label"),
    ("x1 ~*~ x2", r"a scaling factor is written 'y ~\*~ y' \(the same ordinal indicator on both sides\)"),
    ("f =~ x1 + x2\nf <~ x3", r"composites \(formative indicators, '<~'\) are not supported"),
])
def test_refused_syntax(text, message):
    with pytest.raises(ModelSpecificationError, match=message):
        parse_syntax(text)


def test_scaling_factors_of_ordinal_indicators_are_accepted_and_of_continuous_refused():
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 4, size=(400, 3)), columns=["x1", "x2", "x3"]).assign(g=["a", "b"] * 200)
    pt = parameter_table("f =~ x1 + x2 + x3\nx2 ~*~ c(1, NA)*x2", data, ordered=["x1", "x2", "x3"], group="g")
    t = pt.table
    scale = t[(t["op"] == "~*~") & (t["lhs"] == "x2")]
    assert list(scale["free"] > 0) == [False, True] and scale.iloc[0]["ustart"] == 1.0
    with pytest.raises(ModelSpecificationError, match=r"'x2 ~\*~ x2' sets the scaling factor of an ordinal "
                                                      "indicator, and x2 is not ordinal"):
        parameter_table("f =~ x1 + x2 + x3\nx2 ~*~ x2", data)
