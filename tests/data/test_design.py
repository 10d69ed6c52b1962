"""Design-based descriptives against R survey 4.1.1 (tests/reference/survey/design.json, made by
tests/reference/make_design_reference.R on the survey package's api data).

Tolerance: estimates, SEs, design effects and CI bounds 1e-6 relative (issue 14; they agree to
about 1e-13); R's NA design effects (a proportion of 0 or 1 in a domain: 0 / 0) are NaN here.
Every refusal is checked by its sentence.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import Design, SurveyEstimates, survey_mean, survey_proportions, survey_total
from surveykit.errors import DataError, SpecError

from ..conftest import REF

R = json.loads((REF / "survey" / "design.json").read_text(encoding="utf-8"))
RTOL = 1e-6

DESIGNS = {
    "stratified": ("apistrat.csv", Design(strata="stype", weights="pw", fpc="fpc")),
    "stratified_cluster": ("apistrat.csv", Design(cluster="dnum", strata="stype", weights="pw", nest=True)),
    "cluster_one_stage": ("apiclus1.csv", Design(cluster="dnum", weights="pw", fpc="fpc")),
    "cluster_no_fpc": ("apiclus1.csv", Design(cluster="dnum", weights="pw")),
    "cluster_two_stage": ("apiclus2.csv", Design(cluster=["dnum", "snum"], fpc=["fpc1", "fpc2"])),
    "weights_only": ("apistrat.csv", Design(weights="pw")),
}
KINDS = {
    "mean": (survey_mean, False), "total": (survey_total, False), "proportions": (survey_proportions, False),
    "by_mean": (survey_mean, True), "by_total": (survey_total, True), "by_proportions": (survey_proportions, True),
}


def api(file: str) -> pd.DataFrame:
    return pd.read_csv(REF / "data" / file)


@pytest.fixture(scope="module")
def clus1() -> pd.DataFrame:
    return api("apiclus1.csv")


def _row(table: pd.DataFrame, ref: dict, proportions: bool) -> pd.Series:
    sel = table["variable"] == ref["variable"]
    if "group" in ref:
        sel &= table["group"].astype(str) == ref["group"]
    if proportions:
        sel &= (table["variable"] + table["category"].astype(str)) == ref["name"]
    assert sel.sum() == 1, ref
    return table[sel].iloc[0]


def _check(row: pd.Series, ref: dict, keys=("estimate", "se", "deff", "ci_lower", "ci_upper")) -> None:
    for key in keys:
        if ref[key] is None:
            assert math.isnan(row[key]), (key, ref)
        else:
            assert row[key] == pytest.approx(ref[key], rel=RTOL, abs=1e-12), (key, ref)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(DESIGNS))
def test_estimates_match_r_survey(name, kind):
    file, design = DESIGNS[name]
    ref = R["designs"][name]
    function, grouped = KINDS[kind]
    proportions = kind.endswith("proportions")
    columns = ref["categorical"] if proportions else ref["numeric"]
    result = function(api(file), design=design, columns=columns, by=ref["by"] if grouped else None)
    assert isinstance(result, SurveyEstimates)
    assert len(result.table) == len(ref[kind])
    for r in ref[kind]:
        _check(_row(result.table, r, proportions), r)
    assert result.df == ref["degf"]


def test_two_stage_weights_come_from_the_fpc_as_in_r():
    file, design = DESIGNS["cluster_two_stage"]
    result = survey_total(api(file), design=design, columns="api00")
    w = np.array(R["designs"]["cluster_two_stage"]["weights"])
    assert result.table.loc[0, "sum_weights"] == pytest.approx(w.sum(), rel=1e-12)
    assert "Weights from the fpc" in result.notes[0]


@pytest.mark.parametrize("rule", ["adjust", "remove", "certainty", "average"])
def test_lonely_psu_rules_match_r(clus1, rule):
    ref = R["lonely"][rule]
    design = Design(cluster="dnum", strata="lonely_stratum", weights="pw", lonely_psu=rule)
    _check(survey_mean(clus1, design=design, columns="api00").table.iloc[0], ref["mean"][0])
    _check(survey_total(clus1, design=design, columns="api00").table.iloc[0], ref["total"][0])
    by = survey_mean(clus1, design=design, columns="api00", by="stype")
    for r in ref["by_mean"]:
        _check(_row(by.table, r, False), r)
    note = by.notes[-1]
    assert note.startswith("Stratum 'A' of 'lonely_stratum' has only one sampled unit (dnum = 61) at stage 1;")
    assert f'options(survey.lonely.psu = "{rule}")' in note


def test_lonely_psu_is_refused_by_default_with_r_rules_named(clus1):
    assert R["lonely"]["fail"] == "Stratum (A) has only one PSU at stage 1"
    with pytest.raises(DataError, match=r"^Stratum 'A' of 'lonely_stratum' has only one sampled unit \(dnum = 61\) "
                       r"at stage 1, so its variance cannot be estimated; surveykit, like R's default "
                       r"options\(survey.lonely.psu = \"fail\"\), stops here, .*'remove' would let the stratum add "
                       r"nothing .*'certainty' would .*'adjust' would centre its PSU's total at the grand mean .*"
                       r"'average' would .*; choose one, or merge the stratum with a similar one\.$"):
        survey_mean(clus1, design=Design(cluster="dnum", strata="lonely_stratum", weights="pw"), columns="api00")


def test_lonely_second_stage_unit_is_named():
    df = pd.DataFrame({"psu": [1, 1, 1, 2, 2], "ssu": [1, 2, 3, 4, 4], "n1": 10, "n2": [5, 5, 5, 8, 8],
                       "y": [1.0, 2, 3, 4, 5]})
    with pytest.raises(DataError, match=r"^PSU 2 of 'psu' has only one sampled unit \(ssu = 4\) at stage 2, "):
        survey_mean(df, design=Design(cluster=["psu", "ssu"], fpc=["n1", "n2"]), columns="y")


def test_a_census_stratum_of_one_psu_is_not_lonely():
    # a stratum whose fpc says every PSU was sampled adds no variance (R: f < 1e-7), so its single PSU is
    # no lonely PSU; by hand: w = N / n = (1, 3, 3, 3), mean 4.6, V = f * n / (n - 1) * sum((z - mean z)^2)
    # over stratum 2 = (6 / 9) * (3 / 2) * 2.34 (R 4.2.2, survey 4.1.1: 4.6, SE 1.52970585408)
    df = pd.DataFrame({"h": [1, 2, 2, 2], "N": [1, 9, 9, 9], "y": [1.0, 2, 4, 9]})
    r = survey_mean(df, design=Design(strata="h", fpc="N"), columns="y").table.iloc[0]
    assert r["estimate"] == pytest.approx(4.6, rel=1e-12)
    assert r["se"] == pytest.approx(math.sqrt(2.34), rel=1e-12)


# -- refusals: one sentence naming the column and what to do ------------------------------------
def _df(**cols) -> pd.DataFrame:
    base = {"c": [1, 1, 2, 2, 3, 3], "s": ["a", "a", "a", "b", "b", "b"], "w": [1.0, 2, 1, 2, 1, 2],
            "y": [1.0, 2, 3, 4, 5, 6]}
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize("design, frame, message", [
    (Design(cluster="branch_id", weights="w"), _df(),
     r"^Design column 'branch_id' \(cluster\) is not in the data; name one of its columns \(c, s, w, y\)\.$"),
    (Design(cluster="c", weights="w"), _df(w=[1.0, -2, 1, 1, 1, 1]),
     r"^Weight column 'w' has 1 negative value\(s\) \(first: data row 2, -2\); sampling weights are inverse "
     r"selection probabilities: correct them or drop those rows\.$"),
    (Design(cluster="c", weights="w"), _df(w=[0.0] * 6),
     r"^Weight column 'w' is zero in every row; sampling weights must be positive for the respondents in the "
     r"sample: check the column\.$"),
    (Design(cluster="c", weights="w"), _df(w=[1.0, np.nan, 1, 1, np.nan, 1]),
     r"^Design column 'w' \(weights\) is missing in 2 row\(s\) \(first: data row 2\); give every respondent a "
     r"weight or drop those rows\.$"),
    (Design(cluster="c", weights="w"), _df(w=[1.0, np.inf, 1, 1, 1, 1]),
     r"^Weight column 'w' is infinite in 1 row\(s\) \(first: data row 2\); give finite sampling weights\.$"),
    (Design(cluster="c", weights="w"), _df(w=list("abcdef")),
     r"^Design column 'w' \(weights\) is not numeric; recode it to numbers\.$"),
    (Design(cluster="c", strata="s"), _df(c=[1, 1, None, 2, 2, 3]),
     r"^Design column 'c' \(cluster\) is missing in 1 row\(s\) \(first: data row 3\); give every respondent a "
     r"cluster or drop those rows\.$"),
    (Design(cluster="c", strata="s"), _df(),
     r"^Cluster column 'c' has clusters in more than one stratum of 's' \(cluster 2 is in a, b\); if cluster ids "
     r"restart in each stratum pass nest=True, otherwise correct the ids\.$"),
    (Design(cluster="c"), _df(c=[7] * 6),
     r"^Cluster column 'c' has a single cluster; a design needs two or more PSUs \(or strata\) to estimate a "
     r"variance: check the column\.$"),
    (Design(strata="s", fpc="f"), _df(f=[10, 10, 10, 0.5, 0.5, 0.5]),
     r"^fpc column\(s\) 'f' mix population sizes \(> 1\) and sampling fractions \(< 1\); give one or the other "
     r"for every stage\.$"),
    (Design(strata="s", fpc="f"), _df(f=[10, 11, 10, 5, 5, 5]),
     r"^fpc column 'f' varies within a stratum at stage 1 \(values 10 and 11, first at data row 1\); the "
     r"population size belongs to the stratum: make it the same for all its rows\.$"),
    (Design(strata="s", fpc="f"), _df(f=[10, 10, 10, 2, 2, 2]),
     r"^fpc column 'f' gives a population of 2 at stage 1 \(data row 4\) where 3 units were sampled; correct the "
     r"fpc\.$"),
    (Design(strata="s", fpc="f"), _df(f=[10, 10, 10, 0, 0, 0]),
     r"^fpc column 'f' has the value 0 \(data row 4\); give population sizes \(> 1\) or sampling fractions "
     r"\(0 < f <= 1\)\.$"),
])
def test_bad_designs_are_refused_in_one_sentence(design, frame, message):
    with pytest.raises(DataError, match=message):
        survey_mean(frame, design=design, columns="y")


@pytest.mark.parametrize("kwargs, message", [
    ({"cluster": ["a", "b"], "fpc": "N"},
     r"^Design fpc names 1 column\(s\) for 2 sampling stage\(s\) \(cluster=\['a', 'b'\]\); give one fpc column per "
     r"stage\.$"),
    ({"cluster": 3}, r"^Design cluster=3 must be a column name or a list of column names \(one per stage\)\.$"),
    ({"weights": ["w"]}, r"^Design weights=\['w'\] must be one column name\.$"),
    ({"lonely_psu": "skip"}, r"^lonely_psu='skip' is not one of 'fail', 'adjust', 'remove', 'certainty', 'average'\.$"),
])
def test_bad_design_arguments_are_spec_errors(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Design(**kwargs)


def test_design_from_a_spec_mapping():
    d = Design.from_dict({"cluster": "branch_id", "weights": "w", "strata": "region"})
    assert d == Design(cluster=("branch_id",), weights="w", strata="region")
    assert d.r_call() == "svydesign(ids = ~branch_id, strata = ~region, weights = ~w, data = ...)"
    assert Design.from_dict(d.to_dict()) == d
    with pytest.raises(SpecError, match=r"^design has unknown key\(s\) clusters; the keys are cluster, strata, "):
        Design.from_dict({"clusters": "branch_id"})


@pytest.mark.parametrize("call, message", [
    (lambda df: survey_mean(df, design=Design(weights="w")),
     r"^survey_mean\(\) needs columns= \(the columns to estimate\) when the data are a DataFrame\.$"),
    (lambda df: survey_mean(df, design=Design(weights="w"), columns=["y", "z"]),
     r"^Column\(s\) z are not in the data; survey_mean\(\) estimates columns of the data"),
    (lambda df: survey_total(df, design=Design(weights="w"), columns="s"),
     r"^Column 's' is not numeric; survey_total\(\) needs numbers \(survey_proportions\(\) estimates the shares "
     r"of categories\)\.$"),
    (lambda df: survey_mean(df, design=Design(weights="w"), columns="y", by="region"),
     r"^Grouping column 'region' \(by=\) is not in the data; name one of its columns\.$"),
    (lambda df: survey_mean(df.assign(y=np.nan), design=Design(weights="w"), columns="y"),
     r"^Column 'y' has no answers; remove it from columns=\.$"),
    (lambda df: survey_mean(df, design={"weights": "w"}, columns="y", level=95),
     r"^level=95 must be a number between 0 and 1, such as 0\.95\.$"),
])
def test_bad_calls_are_refused_in_one_sentence(call, message):
    with pytest.raises((DataError, SpecError), match=message):
        call(_df())


# -- results and SurveyData -------------------------------------------------------------------------
def test_result_api_and_missing_values_in_groups(clus1):
    design = DESIGNS["cluster_one_stage"][1]
    r = survey_mean(clus1, design=design, columns=["api00", "avg_ed"], by="stype")
    frame = r.to_frame()
    assert list(frame.columns) == ["group", "variable", "estimate", "se", "ci_lower", "ci_upper", "deff", "n",
                                   "sum_weights"]
    answered = clus1.groupby("stype")["avg_ed"].count()
    assert frame.loc[frame.variable == "avg_ed", "n"].tolist() == answered.tolist()
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["r_call"] == "svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = ...)"
    assert d["design_df"] == 14 and d["by"] == "stype"
    text = str(r)
    assert text.startswith("Weighted means (design-based) by stype")
    assert "Taylor-linearization SEs" in text
    assert repr(r) == "<SurveyEstimates mean of 2 variable(s) by stype>"
    assert "<table>" in r._repr_html_()


def test_proportions_list_every_category_of_the_whole_data():
    df = pd.DataFrame({"g": ["x", "x", "y", "y"], "q": [1, 2, 2, 2], "w": 1.0, "c": [1, 2, 3, 4]})
    t = survey_proportions(df, design=Design(cluster="c", weights="w"), columns="q", by="g").table
    y1 = t[(t.group == "y") & (t.category == 1)].iloc[0]
    assert (y1.estimate, y1.se) == (0.0, 0.0) and math.isnan(y1.deff)
    y2 = t[(t.group == "y") & (t.category == 2)].iloc[0]
    assert (y2.estimate, y2.se) == (1.0, 0.0) and math.isnan(y2.deff)


def test_answers_read_as_floats_are_whole_categories_and_rows_without_a_group_are_in_no_group():
    df = pd.DataFrame({"g": ["x", "x", None, "y", "y"], "q": [1.0, 2.0, 2.0, np.nan, 2.0], "w": 1.0,
                       "c": [1, 2, 3, 4, 5]})
    t = survey_proportions(df, design=Design(cluster="c", weights="w"), columns="q", by="g").table
    assert t["category"].tolist() == [1, 2, 1, 2] and all(isinstance(c, int) for c in t["category"])
    assert t["group"].tolist() == ["x", "x", "y", "y"] and t["n"].tolist() == [2, 2, 1, 1]


def test_survey_data_scores_are_estimated_by_default():
    data = sk.read_survey(sk.datasets.demo_path("csv"), instrument=sk.datasets.demo_instrument_path())
    n = data.n
    frame = data.frame.assign(branch=np.arange(n) % 30, w=1.0 + (np.arange(n) % 4))
    data = sk.SurveyData(frame=frame, instrument=data.instrument)
    design = Design(cluster="branch", weights="w")
    r = survey_mean(data, design=design)
    codes = [c.code for c in data.instrument.constructs]
    assert r.table["variable"].tolist() == codes
    by_hand = survey_mean(frame.join(data.scores()), design=design, columns=codes)
    pd.testing.assert_frame_equal(r.table, by_hand.table)
    items = survey_proportions(data, design=design)
    assert items.table["variable"].unique().tolist() == data.item_ids()
    assert sk.survey_total is survey_total and sk.Design is Design


# -- deff = "replace" ------------------------------------------------------------------------------------------
DEFF = json.loads((REF / "survey" / "deff_replace.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", ["relative", "pw"])
def test_deff_against_sampling_with_replacement_matches_r(case):
    """R survey 4.1.1 svymean/svytotal(deff = "replace") on apiclus1 with its weights and with
    relative weights (mean 1), where deff = TRUE is undefined (NaN, as R's NA): 1e-6 relative."""
    ref = DEFF[case]
    data = api("apiclus1.csv").assign(rw=DEFF["relative_weights"])
    design = {"cluster": "dnum", "weights": ref["weights"]}
    for stat, fn in (("mean", sk.survey_mean), ("total", sk.survey_total)):
        for row in ref[stat]:
            got = fn(data, design=design, columns=row["variable"], deff="replace").table.iloc[0]
            for key in ("estimate", "se", "deff"):
                assert got[key] == pytest.approx(row[key], rel=1e-6), (case, stat, row["variable"], key)
    plain = sk.survey_mean(data, design=design, columns="api00").table.iloc[0]
    if ref["mean_true"][0]["deff"] is None:
        assert math.isnan(plain["deff"])
    else:
        assert plain["deff"] == pytest.approx(ref["mean_true"][0]["deff"], rel=1e-6)


def test_unknown_deff_reference_is_refused():
    with pytest.raises(ValueError, match="deff='srs' is not one of True"):
        sk.survey_mean(api("apiclus1.csv"), design={"cluster": "dnum", "weights": "pw"}, columns="api00",
                       deff="srs")
