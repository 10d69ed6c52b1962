"""Latent interactions by product indicators (surveykit.sem.interaction) against semTools'
indProd + lavaan 0.6.14 (tests/reference/make_latent_interaction_reference.R), simple
slopes, and the sentences bad input gets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import ModelSpecificationError, SpecError
from surveykit.sem.api import parameter_table
from surveykit.sem.interaction import product_indicators, simple_slopes

REF = Path(__file__).parents[1] / "reference"
CASES = {c["id"]: c for c in json.loads((REF / "lavaan" / "latent_interaction.json").read_text())["cases"]}
HS_MODEL = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
            "speed ~ visual + textual + visual:textual")


def _data(case):
    data = pd.read_csv(REF / "data" / case["data"])
    if case["missing"] == "ml":  # the holes the R script makes
        data.loc[data["id"] % 7 == 0, "x2"] = np.nan
        data.loc[data["id"] % 11 == 0, "x5"] = np.nan
    return data


@pytest.mark.parametrize("cid", sorted(CASES))
def test_product_indicators_match_indprod(cid):
    case = CASES[cid]
    data = _data(case)
    names = case["product_names"]
    v1 = list(dict.fromkeys(n.split(".")[0] for n in names))
    v2 = list(dict.fromkeys(n.split(".")[1] for n in names))
    prods = product_indicators(data, v1, v2, match=case["match"])
    assert list(prods.columns) == names
    np.testing.assert_allclose(prods.mean().to_numpy(), case["product_means"], atol=1e-12)
    np.testing.assert_allclose(prods.iloc[:3].to_numpy(), np.array(case["product_first_rows"]), rtol=1e-12)


@pytest.mark.parametrize("cid", sorted(CASES))
def test_product_indicator_fit_matches_lavaan(cid):
    case = CASES[cid]
    fit = sk.sem(case["surveykit_model"], _data(case), interaction="product_indicator", match=case["match"],
                 missing="fiml" if case["missing"] == "ml" else "listwise")
    ref = pd.DataFrame(case["parameters"])
    pe = fit.parameter_estimates()
    merged = ref.merge(pe, on=["lhs", "op", "rhs"], suffixes=("_r", ""), how="left")
    assert len(pe) == len(ref) and merged["est"].notna().all()
    np.testing.assert_allclose(merged["est"], merged["est_r"], atol=1e-4)
    np.testing.assert_allclose(merged["se"], merged["se_r"], atol=1e-4)
    fm = fit.fit_measures()
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic"):
        assert fm[key] == pytest.approx(case["fit"][key], abs=1e-4 * max(1.0, abs(case["fit"][key]))), key
    assert fit.nobs == case["nobs"]
    assert [t.term for t in fit.interactions] == [case["surveykit_model"].splitlines()[-1].split(" + ")[-1]]


def test_expanded_syntax_is_lavaan_syntax():
    fit = sk.sem(HS_MODEL, sk.datasets.holzinger_swineford(), match=False)
    syntax = fit.model_syntax
    assert "speed ~ visual + textual + visual.textual" in syntax
    assert "visual.textual =~ x1.x4 + x1.x5 + x1.x6 + x2.x4" in syntax
    assert syntax.count(" ~~ ") == 18  # 9 products, each sharing an item with 4 others
    assert fit.to_dict()["interactions"][0]["indicators"][:2] == ["x1.x4", "x1.x5"]


def test_simple_slopes_product_indicators_delta_method():
    hs = sk.datasets.holzinger_swineford()
    fit = sk.sem(HS_MODEL, hs)
    slopes = simple_slopes(fit, "speed", "visual", "textual").to_frame()
    pe = fit.parameter_estimates()
    b1 = pe.query("lhs == 'speed' and rhs == 'visual'")["est"].iloc[0]
    b3 = pe.query("lhs == 'speed' and rhs == 'visual.textual'")["est"].iloc[0]
    sd = np.sqrt(pe.query("lhs == 'textual' and op == '~~' and rhs == 'textual'")["est"].iloc[0])
    np.testing.assert_allclose(slopes["slope"], b1 + b3 * sd * np.array([-1, 0, 1]), rtol=1e-12)
    # at the mean the slope is b1 itself, with its own standard error
    se_b1 = pe.query("lhs == 'speed' and rhs == 'visual'")["se"].iloc[0]
    assert slopes["se"].iloc[1] == pytest.approx(se_b1, rel=1e-10)
    # delta method against a numerical one: the covariance of (b1, b3, var)
    vc = fit.vcov()
    keys = ["speed~visual", "speed~visual.textual", "textual~~textual"]
    sub = vc.loc[keys, keys].to_numpy()
    var = sd ** 2
    for a, se in zip((-1.0, 1.0), slopes["se"].iloc[[0, 2]]):
        g = np.array([1.0, a * np.sqrt(var), b3 * a / (2 * np.sqrt(var))])
        assert se == pytest.approx(np.sqrt(g @ sub @ g), rel=1e-10)
    assert "Simple slopes" in str(simple_slopes(fit, "speed", "textual", "visual"))


@pytest.mark.parametrize("model, message", [
    ("f =~ x1 + x2 + x3\ny =~ x4 + x5 + x6\ny ~ f + f:f", "quadratic latent terms are not supported"),
    ("f =~ x1 + x2 + x3\ny =~ x4 + x5 + x6\ny ~ f + g + f:g", "names g, which no '=~' line defines"),
    ("f =~ x1 + x2 + x3\ny =~ x4 + x5 + x6\ny ~ f + x7 + f:x7", "names x7, which no '=~' line defines"),
    ("f =~ x1 + x2 + f:g", "cannot be an indicator in a measurement (=~) line"),
    ("f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\nf ~~ f:g", "only be a predictor on the right of '~'"),
    ("f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ny =~ x7 + x8 + x9\ny ~ f:g:y", "not a two-way interaction"),
    ("f =~ x1 + x2 + x3\ng =~ x4 + x5\ny =~ x7 + x8 + x9\ny ~ f + g + f:g", "same number of indicators"),
])
def test_bad_interactions_get_a_sentence(model, message):
    with pytest.raises(ModelSpecificationError, match=None) as err:
        sk.sem(model, sk.datasets.holzinger_swineford())
    assert message in str(err.value)


def test_bad_options_get_a_sentence():
    hs = sk.datasets.holzinger_swineford()
    with pytest.raises(SpecError, match="is not a method for latent interactions"):
        sk.sem(HS_MODEL, hs, interaction="qml")
    with pytest.raises(SpecError, match="match= must be True"):
        sk.sem(HS_MODEL, hs, match="yes")
    with pytest.raises(SpecError, match="apply to models with a latent interaction"):
        sk.sem("visual =~ x1 + x2 + x3", hs, interaction="lms")
    with pytest.raises(SpecError, match="one group of continuous indicators"):
        sk.sem(HS_MODEL, hs, group="school")
    with pytest.raises(SpecError, match="with engine='surveykit' only"):
        sk.sem(HS_MODEL, hs, engine="semopy")
    with pytest.raises(ModelSpecificationError, match="is estimated by sem\\(\\) itself"):
        sk.growth(HS_MODEL, hs)
    clash = hs.assign(**{"x1.x4": 1.0})
    with pytest.raises(SpecError, match="already have a column 'x1.x4'"):
        sk.sem(HS_MODEL, clash)
    with pytest.raises(ModelSpecificationError, match="is estimated by sem\\(\\) itself"):
        parameter_table(HS_MODEL, hs)
    fit = sk.sem(HS_MODEL, hs)
    with pytest.raises(SpecError, match="has no interaction of visual and speed"):
        simple_slopes(fit, "speed", "visual", "speed")
    with pytest.raises(SpecError, match="does not predict textual"):
        simple_slopes(fit, "textual", "visual", "textual")
    with pytest.raises(SpecError, match="need visual scaled by its first loading fixed at 1"):
        simple_slopes(sk.sem(HS_MODEL, hs, std_lv=True), "speed", "visual", "textual")
    with pytest.raises(SpecError, match="at= must be numbers of standard deviations"):
        simple_slopes(fit, "speed", "visual", "textual", at=["low"])
