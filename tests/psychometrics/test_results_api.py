"""Every psychometric result: immutable, DataFrame/dict conversions, one-line repr, text/HTML/
Markdown summaries; accessors return copies; SurveyData is accepted as data."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

import surveykit as sk
from surveykit.psychometrics import (
    bartlett,
    efa,
    harman,
    item_analysis,
    kmo,
    normality,
    omega,
    parallel_analysis,
    polychoric,
    reliability,
)
from surveykit.psychometrics.battery import factor_battery, scale_battery


@pytest.fixture(scope="module")
def results(hs9, bfi_items):
    a = bfi_items[["A1", "A2", "A3", "A4", "A5"]]
    return {
        "reliability": reliability(a, reverse=["A1"], scale_range=(1, 6)),
        "reliability_boot": reliability(a, ci="bootstrap", n_boot=50, rng=1),
        "item_analysis": item_analysis(a),
        "omega": omega(hs9),
        "kmo": kmo(hs9),
        "bartlett": bartlett(hs9),
        "efa": efa(hs9, n_factors=3),
        "efa_orth": efa(hs9, n_factors=2, rotation="varimax"),
        "parallel": parallel_analysis(hs9, rng=1, n_iter=3),
        "polychoric": polychoric(a.dropna()),
        "harman": harman(hs9),
        "normality": normality(hs9),
        "scale_battery": scale_battery({"A": a, "visual": hs9[["x1", "x2", "x3"]]}),
        "factor_battery": factor_battery(hs9, n_factors="auto", rng=1),
    }


@pytest.mark.parametrize("name", ["reliability", "reliability_boot", "item_analysis", "omega", "kmo", "bartlett",
                                  "efa", "efa_orth", "parallel", "polychoric", "harman", "normality",
                                  "scale_battery", "factor_battery"])
def test_result_contract(results, name):
    res = results[name]
    assert dataclasses.is_dataclass(res)
    field = dataclasses.fields(res)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(res, field, None)
    assert isinstance(res.to_frame(), pd.DataFrame)
    json.dumps(res.to_dict(), allow_nan=False)
    text = str(res)
    assert text.splitlines()[1].startswith("=")
    assert "<table>" in res._repr_html_()
    assert res.summary().as_markdown().startswith("### ")
    assert "\n" not in repr(res) and repr(res).startswith("<")


def test_accessors_return_copies(results):
    for name, attr in [("reliability", "items"), ("item_analysis", "items"), ("omega", "omega_subscales"),
                       ("kmo", "msa_items"), ("efa", "phi"), ("parallel", "table"), ("polychoric", "rho"),
                       ("normality", "items")]:
        res = results[name]
        got = getattr(res, attr)
        if isinstance(got, pd.DataFrame):
            got.iloc[0, 0] = -99
            assert getattr(res, attr).iloc[0, 0] != -99, (name, attr)
        else:
            got.iloc[0] = -99
            assert getattr(res, attr).iloc[0] != -99, (name, attr)


def test_survey_data_is_accepted():
    data = sk.read_survey(sk.datasets.demo_path("csv"), instrument=sk.datasets.demo_instrument_path())
    ide = data.items("IDE")
    assert reliability(ide).alpha == pytest.approx(reliability(data.subset(data.frame.index).items("IDE")).alpha)
    k = kmo(data)
    assert k.n_items == len(data.item_ids())
    b = scale_battery(data, constructs=["IDE", "ORG"], ci="bootstrap", n_boot=50, rng=3)
    assert list(b.scales()["construct"]) == ["IDE", "ORG"]
    again = scale_battery(data, constructs=["IDE", "ORG"], ci="bootstrap", n_boot=50, rng=3)
    assert [r.alpha_ci for r in b.reliability] == [r.alpha_ci for r in again.reliability]
    assert b.reliability[0].rng_seed != b.reliability[1].rng_seed


def test_non_frame_input_is_a_data_error():
    with pytest.raises(sk.DataError, match="needs a DataFrame of items or a SurveyData, not list"):
        kmo([[1, 2], [3, 4]])
    with pytest.raises(sk.DataError, match="have zero variance"):
        bartlett(pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [1.0, 2.0, 3.0], "c": [3.0, 1.0, 2.0]}))
