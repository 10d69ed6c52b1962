"""Aggregation statistics against R (tests/reference/survey/aggregation.json, made by
tests/reference/make_design_reference.R on the simulated branches of data/branches.csv).

Tolerance: closed forms (ANOVA mean squares, F, ICC(1), ICC(2), rwg, rwg(j) and their summaries)
1e-8 relative; the F test's p-value 1e-8 relative.  R's reference: aov() with the formulas
written out, cross-checked in R against psych::statsBy (ICC(1) with the mean group size, ICC(2))
and a hand-worked rwg example; Bliese's multilevel package is not installed there.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.errors import DataError, MissingDataWarning, SpecError
from surveykit.psychometrics import AggregationResult, aggregation, aggregation_cutoffs

from ..conftest import REF

R = json.loads((REF / "survey" / "aggregation.json").read_text(encoding="utf-8"))
SETS = {"exe": [f"exe_{i}" for i in range(1, 5)], "org": [f"org_{i}" for i in range(1, 4)]}
OPTIONS = {"exe": 5, "org": 7}
RTOL = 1e-8


@pytest.fixture(scope="module")
def branches() -> pd.DataFrame:
    return pd.read_csv(REF / "data" / "branches.csv")


@pytest.fixture(scope="module", params=["adjusted", "mean"])
def result(request, branches) -> AggregationResult:
    return aggregation(branches, group="branch", items=SETS, options=OPTIONS, group_size=request.param)


def _approx(value, ref):
    if ref is None:
        return math.isnan(value)
    return value == pytest.approx(ref, rel=RTOL, abs=1e-300)


def _check_anova(row: pd.Series, ref: dict, group_size: str) -> None:
    for key in ("n", "groups", "df_between", "df_within"):
        assert row[key] == ref[key]
    for key in ("ms_between", "ms_within", "f", "p_value", "icc2"):
        assert _approx(row[key], ref[key]), key
    assert _approx(row["k"], ref[f"k_{group_size}"])
    assert _approx(row["icc1"], ref[f"icc1_{group_size}"])


def _check_groups(frame: pd.DataFrame, column: str, ref: dict) -> None:
    frame = frame.set_index("group")
    assert sorted(frame.index) == sorted(ref)
    for gid, r in ref.items():
        row = frame.loc[gid]
        assert row["size"] == r["size"]
        assert _approx(row[column], r["value"]), gid
        assert bool(row["truncated"]) == bool(r["truncated"]), gid


def _check_summary(row: pd.Series, prefix: str, ref: dict) -> None:
    assert row[f"{prefix}_groups"] == ref["groups_with_value"]
    assert _approx(row[f"{prefix}_mean"], ref["mean"])
    assert _approx(row[f"{prefix}_median"], ref["median"])
    assert _approx(row[f"{prefix}_share"], ref["share_at_or_above"])


@pytest.mark.parametrize("name", list(SETS))
def test_construct_icc_and_rwg_j_match_r(result, name):
    ref = R["constructs"][name]
    row = result.constructs.set_index("construct").loc[name]
    assert row["options"] == ref["points"] and _approx(row["sigma_eu2"], ref["sigma_eu2"])
    _check_anova(row, ref["score_icc"], result.group_size)
    _check_summary(row, "rwg_j", ref["rwg_j"]["summary"])
    _check_groups(result.groups[result.groups.construct == name], "rwg_j", ref["rwg_j"]["groups"])
    assert row["rwg_j_truncated"] == sum(bool(g["truncated"]) for g in ref["rwg_j"]["groups"].values())


@pytest.mark.parametrize("name", list(SETS))
def test_item_icc_and_rwg_match_r(result, name):
    ref = R["constructs"][name]
    items = result.items.set_index("item")
    for item in SETS[name]:
        _check_anova(items.loc[item], ref["item_icc"][item], result.group_size)
        _check_summary(items.loc[item], "rwg", ref["rwg"][item]["summary"])
        ig = result.item_groups[result.item_groups["item"] == item]
        _check_groups(ig, "rwg", ref["rwg"][item]["groups"])


@pytest.mark.parametrize("name", list(SETS))
def test_mean_group_size_matches_psych_stats_by(branches, name):
    r = aggregation(branches, group="branch", items={name: SETS[name]}, options=OPTIONS[name], group_size="mean")
    psych = R["constructs"][name]["psych_statsBy"]
    assert r.constructs.loc[0, "icc1"] == pytest.approx(psych["ICC1"], rel=RTOL)
    assert r.constructs.loc[0, "icc2"] == pytest.approx(psych["ICC2"], rel=RTOL)


def test_hand_worked_rwg_example():
    hand = R["hand_example"]
    ratings = hand["ratings"]
    one = aggregation(pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, "q": ratings + [1, 2, 3, 4, 5]}), group="g",
                      items=["q"], options=5)
    assert one.groups.set_index("group").loc["a", "rwg_j"] == pytest.approx(0.85, rel=1e-12) == hand["rwg"]
    three = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5, **{f"q{i}": ratings + [1, 2, 3, 4, 5] for i in range(3)}})
    rj = aggregation(three, group="g", items=["q0", "q1", "q2"], options=5)
    assert rj.groups.set_index("group").loc["a", "rwg_j"] == pytest.approx(2.55 / 2.7, rel=1e-12)
    assert hand["rwg_j"] == pytest.approx(2.55 / 2.7, rel=1e-12)
    # b: 1..5 has variance 2.5 > 2 (the uniform null of 5 options): truncated to 0
    b = rj.groups.set_index("group").loc["b"]
    assert b["rwg_j"] == 0 and b["truncated"] and b["mean_variance"] == pytest.approx(2.5)


def test_equal_groups_give_the_same_icc1_for_both_group_sizes():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"g": np.repeat(np.arange(8), 6), "q": rng.integers(1, 6, 48), "p": rng.integers(1, 6, 48)})
    a = aggregation(df, group="g", items=["q", "p"], options=5).constructs.loc[0]
    m = aggregation(df, group="g", items=["q", "p"], options=5, group_size="mean").constructs.loc[0]
    assert a["k"] == m["k"] == 6
    assert a["icc1"] == pytest.approx(m["icc1"], rel=1e-14)


def test_cutoffs_are_cited_data():
    c = aggregation_cutoffs()
    assert {k: (c[k]["op"], c[k]["value"]) for k in ("icc1", "icc2", "rwg", "rwg_j")} == {
        "icc1": (">=", 0.05), "icc2": (">=", 0.70), "rwg": (">=", 0.70), "rwg_j": (">=", 0.70)}
    assert c["icc1"]["cite"] == "Bliese (2000)" and c["icc1"]["reference"].startswith("Bliese, P. D. (2000).")
    assert c["rwg_j"]["reference"].startswith("LeBreton, J. M., & Senter, J. L. (2008).")
    assert "James's (1982) review" in c["icc1"]["what"]["en"]
    assert [b["from"] for b in c["rwg_bands"]["bands"]] == [0.0, 0.31, 0.51, 0.71, 0.91]


def test_rwg_cutoff_is_an_option(branches):
    r = aggregation(branches, group="branch", items={"exe": SETS["exe"]}, options=5, rwg_cutoff=0.9)
    v = r.groups["rwg_j"].dropna()
    assert r.constructs.loc[0, "rwg_j_share"] == pytest.approx((v >= 0.9).mean(), rel=1e-14)
    assert r.rwg_cutoff == 0.9


def test_result_api(branches):
    r = aggregation(branches, group="branch", items=SETS, options=OPTIONS)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["group"] == "branch" and d["group_size"] == "adjusted" and d["rwg_cutoff"] == 0.7
    assert r.to_frame()["construct"].tolist() == ["exe", "org"]
    text = str(r)
    assert text.startswith("Aggregation statistics (ICC and rwg)")
    assert "ICC(1) >= 0.05, Bliese (2000)" in text
    assert "1 group(s) have one member (b40)" in text
    assert "exe: rwg(j) of 1 group(s) (b39) set to 0" in text
    assert repr(r) == "<AggregationResult 2 construct(s) in groups of 'branch'>"
    assert sk.aggregation is aggregation


def test_survey_data_constructs_and_options_come_from_the_instrument():
    data = sk.read_survey(sk.datasets.demo_path("csv"), instrument=sk.datasets.demo_instrument_path())
    frame = data.frame.assign(branch=np.arange(data.n) % 25)
    data = sk.SurveyData(frame=frame, instrument=data.instrument)
    r = aggregation(data, group="branch", constructs=["EXE", "IDE"])
    assert r.constructs["construct"].tolist() == ["EXE", "IDE"]
    assert r.constructs["options"].tolist() == [5, 5]
    keyed = data.keyed().assign(branch=frame["branch"])
    by_hand = aggregation(keyed, group="branch", items={c: data.item_ids(c) for c in ["EXE", "IDE"]}, options=5)
    pd.testing.assert_frame_equal(r.constructs, by_hand.constructs)


# -- refusals ---------------------------------------------------------------------------------------
def _df(**cols) -> pd.DataFrame:
    base = {"g": ["a", "a", "b", "b", "c", "c"], "q": [1, 2, 4, 5, 3, 3], "p": [2, 2, 4, 4, 3, 4]}
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize("kwargs, frame, error, message", [
    ({"group": "branch_id", "items": ["q"], "options": 5}, _df(), DataError,
     r"^Group column 'branch_id' is not in the data; name the column that identifies each member's group "
     r"\(e\.g\. the branch\)\.$"),
    ({"group": "g", "items": ["q"], "options": 5}, _df(g=["a"] * 6), DataError,
     r"^Group column 'g' has a single group; ICC and rwg compare two or more groups: check the column\.$"),
    ({"group": "g", "items": ["q"], "options": 5}, _df(g=list("abcdef")), DataError,
     r"^Group column 'g' has one member per group \(6 groups of 6 rows\); ICC and rwg need groups of two or more "
     r"members: pass the column that identifies the groups \(e\.g\. the branch\), not the respondents\.$"),
    ({"group": "g", "items": ["q", "p"]}, _df(), SpecError,
     r"^aggregation\(\) needs options= \(the number of response options A of the items, e\.g\. 5 for a 5-point "
     r"scale; \{name: A\} per item set\) to compute rwg against a uniform null\.$"),
    ({"group": "g"}, _df(), SpecError,
     r"^aggregation\(\) needs items= \(a list of item columns, or \{name: \[columns\]\}\) when the data are a "
     r"DataFrame\.$"),
    ({"group": "g", "items": ["q"], "options": 2.5}, _df(), SpecError,
     r"^options=2\.5 for items must be a whole number of response options, 2 or more\.$"),
    ({"group": "g", "items": {"a": ["q"], "b": ["p"]}, "options": {"a": 5}}, _df(), SpecError,
     r"^options= gives no number of response options for b\.$"),
    ({"group": "g", "items": ["q", "z"], "options": 5}, _df(), DataError,
     r"^Item column\(s\) z of items are not in the data; name columns of the data\.$"),
    ({"group": "g", "items": ["q"], "options": 4}, _df(), DataError,
     r"^items has answers from 1 to 5, more than its 4 response options; pass the number of response options of "
     r"its scale as options=\.$"),
    ({"group": "g", "items": ["q"], "options": 5, "group_size": "harmonic"}, _df(), SpecError,
     r"^group_size='harmonic' is not one of 'adjusted', 'mean'\.$"),
    ({"group": "g", "items": ["q"], "options": 5, "rwg_cutoff": 70}, _df(), SpecError,
     r"^rwg_cutoff=70 must be a number between 0 and 1, such as 0\.70\.$"),
    ({"group": "g", "items": ["q"], "constructs": ["EXE"], "options": 5}, _df(), SpecError,
     r"^aggregation\(\) takes items= or constructs=, not both\.$"),
    ({"group": "g", "items": ["q"], "options": 5}, _df(q=list("abcdef")), DataError,
     r"^Item column\(s\) q are not numeric; recode them before aggregation\(\)\.$"),
])
def test_bad_input_is_refused_in_one_sentence(kwargs, frame, error, message):
    with pytest.raises(error, match=message):
        aggregation(frame, **kwargs)


def test_out_of_scale_answers_are_refused_with_an_instrument():
    data = sk.read_survey(sk.datasets.demo_path("csv"), instrument=sk.datasets.demo_instrument_path())
    frame = data.frame.assign(branch=np.arange(data.n) % 25)
    frame.loc[frame.index[0], "exe_1"] = 7
    with pytest.raises(DataError, match=r"^EXE has answers from 1 to 7, outside its scale 1-5; declare missing codes "
                       r"in the instrument or recode the data\.$"):
        aggregation(sk.SurveyData(frame=frame, instrument=data.instrument), group="branch", constructs=["EXE"])


def test_members_without_a_group_are_left_out_with_a_warning():
    df = _df(g=["a", "a", None, "b", "b", "b"])
    with pytest.warns(MissingDataWarning, match=r"^1 of 6 rows have no value in group column 'g' and were left out "
                      r"of the aggregation statistics\.$"):
        r = aggregation(df, group="g", items=["q", "p"], options=5)
    assert r.constructs.loc[0, "n"] == 5
    assert r.notes[0].startswith("1 of 6 rows have no value")
