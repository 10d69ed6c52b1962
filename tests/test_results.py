"""Summary formatting: p-values as lavaan's summary prints them, in columns and rows named as p."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from surveykit.results import P_NAME, Summary, format_pvalue


@pytest.mark.parametrize("name", ["p", "pvalue", "CR p", "pvalue_diff", "skew_pvalue", "P-value (Chi-square)",
                                  "P-value H_0: RMSEA <= 0.050"])
def test_p_names(name):
    assert P_NAME.search(name)


@pytest.mark.parametrize("name", ["position", "upper", "npar", "power", "parameter", "std_all", "group"])
def test_not_p_names(name):
    assert not P_NAME.search(name)


def test_p_values_print_with_three_decimals_never_in_scientific_notation():
    # one column held 0, 8e-269 and 1e-320 (printed 0.000, 8e-269 and 0 before)
    frame = pd.DataFrame({"item": ["a", "b", "c", "d", "e"], "t": [1.0, 2.0, 3.0, 4.0, 5.0],
                          "CR p": [0.0, 8e-269, 1e-320, 0.0123, np.nan], "r": [1e-5, 0.5, 0.25, 0.1, 0.2]})
    shown = Summary("s", (("items", frame),))._fmt(frame)
    assert list(shown["CR p"]) == ["0.000", "0.000", "0.000", "0.012", ""]
    assert list(shown["r"])[0] == "1e-05"  # a column not named as p keeps the general format
    assert "8e-269" not in Summary("s", (("items", frame),)).as_text()


def test_a_row_named_as_a_p_value():
    frame = pd.DataFrame([("Test statistic", 85.3056, 80.1), ("P-value (Chi-square)", 8.5e-9, 0.00066)],
                         columns=["", "Standard", "Scaled"])
    md = Summary("fit", (("test", frame),)).as_markdown()
    assert "| P-value (Chi-square) | 0.000 | 0.001 |" in md
    assert "| Test statistic | 85.306 | 80.100 |" in md


def test_format_pvalue():
    assert [format_pvalue(x) for x in (0.0, 1.0, 0.0004999, 0.0005001, np.nan, None)] == [
        "0.000", "1.000", "0.000", "0.001", "", ""]


def test_the_sem_summary_prints_p_as_lavaan(hs):
    """lavaan 0.6.14 prints this model's chi-square p-value and P(>|z|) as 0.000, the p of
    RMSEA <= .05 as 0.001 (0.000661)."""
    import surveykit as sk

    fit = sk.sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    tables = dict(fit.summary().tables)
    formatted = fit.summary()._fmt(tables["Latent variables"])
    assert all(re.fullmatch(r"\d\.\d{3}|", v) for v in formatted["pvalue"]), list(formatted["pvalue"])
    text = fit.summary().as_text()
    assert re.search(r"P-value \(Chi-square\) +0\.000\n", text)
    assert re.search(r"P-value H_0: RMSEA <= 0\.050 +0\.001\n", text)
