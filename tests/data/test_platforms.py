"""read_survey on platform exports and files from other software: matching, answer texts, missing codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import ScreeningRule, careless_indices, read_survey, screen, validate
from surveykit.data.survey import _loose, match_columns
from surveykit.errors import DataError, InstrumentError
from surveykit.instrument import instrument_from_dict
from surveykit.io import FileMetadata, VariableMeta

from ._instruments import ATTENTION, FIXTURES, demo_dict, subset, with_attention

PLATFORM_FILES = [
    "qualtrics_numeric.csv",
    "qualtrics_text.csv",
    "wjx_numeric.xlsx",
    "wjx_text.xlsx",
    "wjx_numeric_gbk.csv",
    "wjx_text_gbk.csv",
]


@pytest.fixture(scope="module")
def ins():
    return sk.load_instrument(sk.datasets.demo_instrument_path())


@pytest.fixture(scope="module")
def demo30(ins):
    # the fixtures were exported from the demo survey before it grew a second level (fixtures/README.md)
    data = read_survey(FIXTURES / "demo_survey_2025.csv", instrument=ins)
    return data.frame.head(30)


@pytest.mark.parametrize("name", [*PLATFORM_FILES, "gbk_headers.csv"])
def test_platform_exports_equal_the_demo(name, ins, demo30):
    data = read_survey(FIXTURES / name, instrument=ins)
    assert data.n == 30
    # exported before the demo's members were nested in branches: no branch or weight column
    assert {m.variable for m in data.matches if m.column is None} == {"branch_id", "weight"}
    items = ins.item_ids
    pd.testing.assert_frame_equal(
        data.frame[items].reset_index(drop=True), demo30[items].reset_index(drop=True), check_dtype=False
    )
    for var in ("region", "role", "years_member", "duration_sec"):
        np.testing.assert_array_equal(data.frame[var].astype(float), demo30[var].astype(float))
    # the demo's 8 (不清楚) and 9 (拒答) arrive as codes or as texts and are counted the same
    assert data.missing_code_counts == {"org_3": {8: 1, 9: 2}, "int_5": {8: 1}, "mec_5": {9: 1}, "exe_4": {8: 1}}
    assert validate(data).ok


def test_what_matched_what_is_reported(ins):
    q = read_survey(FIXTURES / "qualtrics_numeric.csv", instrument=ins)
    how = {m.variable: (m.column, m.how) for m in q.matches}
    assert how["ide_1"] == ("Q1_1", "label")
    assert how["region"] == ("Q9", "label")
    assert how["duration_sec"] == ("Duration (in seconds)", "platform")
    assert how["respondent_id"] == ("ResponseId", "platform")
    assert "StartDate" in q.unknown_columns and "Q12" in q.unknown_columns
    assert q.metadata.layout == "qualtrics"
    assert any("Matched 42 of 42 instrument items to columns (42 by label)" in n for n in q.notes)
    w = read_survey(FIXTURES / "wjx_numeric.xlsx", instrument=ins)
    how = {m.variable: (m.column, m.how) for m in w.matches}
    assert how["ide_1"] == ("4、(本党组织按照年度计划开展政治理论学习。)", "label")
    assert how["role"] == ("2、在党组织中的角色：", "label")  # tolerant of the trailing colon
    assert how["duration_sec"] == ("所用时间", "platform")
    kinds = {p.kind for p in validate(w).problems}
    assert {"layout", "unknown_columns"} <= kinds


def test_text_answers_are_mapped_and_reported(ins):
    data = read_survey(FIXTURES / "wjx_text.xlsx", instrument=ins)
    table = data.text_mapping_frame()
    ide1 = table[table["variable"] == "ide_1"].set_index("text")
    assert ide1.loc["同意", "code"] == 4 and ide1["n"].sum() == 30
    org3 = table[(table["variable"] == "org_3") & (table["text"] == "不清楚")].iloc[0]
    assert (org3["code"], org3["n"], org3["missing"]) == (8, 1, True)
    assert table[table["variable"] == "region"].set_index("text").loc["城市", "code"] == 1
    assert any("Mapped answer texts to codes" in n for n in data.notes)
    rep = validate(data)
    assert any(p.kind == "text_answers" for p in rep.problems)
    q = read_survey(FIXTURES / "qualtrics_text.csv", instrument=ins)
    assert set(q.text_mapping_frame()["text"]) >= {"Strongly agree", "Don't know", "Refused", "Urban"}


def test_unknown_answer_text_names_column_row_and_text(tmp_path, ins):
    frame = pd.read_csv(FIXTURES / "qualtrics_text.csv", header=None, dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    frame.iloc[3 + 6, 17 + 2] = "Mostly agree"  # data row 7, column Q1_3
    path = tmp_path / "q.csv"
    frame.to_csv(path, header=False, index=False)
    expected = (r"item column 'Q1_3' has the answer 'Mostly agree' in data row 7, which is not a label of its scale "
                r"in the instrument \(1 '非常不同意'/'Strongly disagree'")
    with pytest.raises(DataError, match=expected):
        read_survey(path, instrument=ins)


def test_plain_file_of_answer_texts_is_mapped(tmp_path, ins):
    raw = pd.read_csv(sk.datasets.demo_path("csv")).head(20)
    labels = {1: "非常不同意", 2: "不同意", 3: "既不同意也不反对", 4: "同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}
    raw["ide_3"] = raw["ide_3"].map(labels)
    raw.loc[4, "ide_3"] = " 不清楚 "
    path = tmp_path / "t.csv"
    raw.to_csv(path, index=False)
    data = read_survey(path, instrument=ins)
    assert data.missing_code_counts["ide_3"] == {8: 1}
    assert np.isnan(data.frame.loc[4, "ide_3"])
    expected = pd.read_csv(sk.datasets.demo_path("csv")).head(20)["ide_3"].astype(float)
    expected[4] = np.nan
    np.testing.assert_array_equal(data.frame["ide_3"], expected)


def test_plain_file_mixing_codes_and_texts_is_refused_platform_file_is_not(tmp_path, ins):
    raw = pd.read_csv(FIXTURES / "gbk_headers.csv", encoding="gbk")
    col = "本党组织按照年度计划开展政治理论学习。"
    raw[col] = raw[col].astype(object)
    raw.loc[5, col] = "同意"
    path = tmp_path / "m.csv"
    raw.to_csv(path, index=False)
    with pytest.warns(sk.errors.DataQualityWarning):
        with pytest.raises(DataError, match=rf"item column '{col}' holds text such as '同意' \(data row 6\) among"):
            read_survey(path, instrument=ins)
    rows = [["序号", "所用时间", "1、本党组织按照年度计划开展政治理论学习。"]]
    rows += [[i, "100秒", v] for i, v in enumerate([1, 2, "同意", "(跳过)", 5], start=1)]
    wjx = tmp_path / "w.csv"
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(wjx, index=False)
    data = read_survey(wjx, instrument=ins, layout="wjx")
    np.testing.assert_array_equal(data.frame["ide_1"], [1, 2, 4, np.nan, 5])
    assert data.missing_code_counts["ide_1"] == {"(跳过)": 1}


def test_loose_text_matching_is_careful():
    same = [
        ("本党组织按照年度计划开展政治理论学习。", "7、本党组织按照年度计划开展政治理论学习"),
        ("党龄（年）", "党龄(年)："),
        ("Region of the organization", "Q9. region of the organization?"),
        ("在党组织中的角色", " 在党组织中的 角色 ；"),
        ("Years of Party membership", "(3) Years of Party membership:"),
    ]
    for a, b in same:
        assert _loose(a) == _loose(b), (a, b)
    different = [
        ("我所在的党支部按照固定的计划开展政治理论学习。", "我所在党支部按照固定的计划开展政治理论学习。"),
        ("2024年度考核", "年度考核"),
        ("不同意", "同意"),
    ]
    for a, b in different:
        assert _loose(a) != _loose(b), (a, b)


def test_label_match_prefers_exact_and_uses_each_column_once(ins):
    text = ins.item("ide_1").text.zh
    md = FileMetadata(
        path="x.csv", format="csv", encoding="utf-8", encoding_detected=True, file_label=None, n_rows=0,
        variables={
            "v1": VariableMeta("v1", label="1、" + text.rstrip("。")),
            "v2": VariableMeta("v2", label=text),
        },
    )
    matches = {m.variable: (m.column, m.how) for m in match_columns(["v1", "v2"], ins, md)}
    assert matches["ide_1"] == ("v2", "label")
    assert matches["ide_2"] == (None, "missing")


def test_other_software_files_through_read_survey():
    ide = subset("IDE")
    pspp = read_survey(FIXTURES / "pspp_labelled.sav", instrument=ide)
    assert pspp.missing_code_counts == {"ide_1": {8: 1}, "ide_2": {8: 1}, "ide_4": {9: 1}, "ide_5": {9: 1}}
    assert validate(pspp).ok
    por = read_survey(FIXTURES / "pspp_english.por", instrument=ide)
    assert {m.variable: m.how for m in por.matches}["respondent_id"] == "label"
    assert validate(por).ok and por.frame["ide_2"].isna().sum() == 1
    # the .por's declared codes are counted like the .sav's
    assert por.missing_code_counts == pspp.missing_code_counts
    org = subset("ORG")
    sav = read_survey(FIXTURES / "haven_labelled.sav", instrument=org)
    dta = read_survey(FIXTURES / "haven_labelled.dta", instrument=org)
    assert sav.missing_code_counts == {"org_1": {8: 1}, "org_3": {8: 1, 9: 2}, "org_4": {8: 1}, "org_5": {9: 1}}
    assert dta.missing_code_counts == {"org_1": {"a": 1}, "org_3": {"a": 1, "b": 2}, "org_4": {"a": 1},
                                       "org_5": {"b": 1}}
    pd.testing.assert_frame_equal(sav.frame[org.item_ids], dta.frame[org.item_ids])
    assert validate(sav).ok and validate(dta).ok


def test_bfi_sav_and_csv_read_alike():
    ref = Path(__file__).parents[1] / "reference" / "data"
    sav = read_survey(ref / "bfi.sav")
    csv = read_survey(ref / "bfi.csv")
    assert sav.metadata.variables["A1"].label == "Am indifferent to the feelings of others."
    assert sav.metadata.variables["gender"].value_labels == {1: "Males", 2: "Females"}
    np.testing.assert_array_equal(sav.frame.to_numpy(dtype=float), csv.frame.to_numpy(dtype=float))


# -- attention checks -------------------------------------------------------------------------------
def test_attention_check_schema():
    ins = with_attention()
    assert ins.attention_ids == ["att_1"] and ins.scale_of_check("att_1").max == 5
    assert sk.load_instrument(sk.datasets.demo_instrument_path()).attention_checks == ()
    bad = demo_dict()
    bad["attention_checks"] = [dict(ATTENTION, correct=[7])]
    with pytest.raises(InstrumentError, match=r"correct answer\(s\) \[7\] are not points of its scale 1-5"):
        instrument_from_dict(bad)
    bad["attention_checks"] = [dict(ATTENTION, id="ide_1")]
    with pytest.raises(InstrumentError, match="attention check name 'ide_1' is already used"):
        instrument_from_dict(bad)


@pytest.mark.parametrize("name", PLATFORM_FILES)
def test_attention_checks_flag_respondents(name):
    data = read_survey(FIXTURES / name, instrument=with_attention())
    assert {m.variable: m.how for m in data.matches}["att_1"] == "label"
    idx = careless_indices(data)
    assert idx.index[idx["attention_failed"] == 1].tolist() == [3, 16]
    assert idx.index[idx["attention_unanswered"] == 1].tolist() == [22]
    res = screen(data, [ScreeningRule(rule="attention")])
    assert (res.n_before, res.n_after) == (30, 28)
    strict = screen(data, [ScreeningRule(rule="attention", count_unanswered=True), ScreeningRule(rule="speed",
                                                                                                min_seconds=180)])
    counts = strict.counts()
    assert counts["flagged"].tolist() == [3, 1]
    assert counts["criterion"][0] == "failed attention checks >= 1 (unanswered counts as failed)"
    assert strict.n_after == 27  # respondent 4 both failed the check and sped
    assert "att_1" not in data.item_ids() and "att_1" in data.frame.columns


def test_attention_rule_without_checks_is_a_clear_error(ins):
    data = read_survey(FIXTURES / "qualtrics_numeric.csv", instrument=ins)
    assert "attention_failed" not in careless_indices(data).columns
    with pytest.raises(DataError, match="instrument 'execution_capacity' declares none"):
        screen(data, [ScreeningRule(rule="attention")])


def test_attention_check_out_of_range_is_a_warning(tmp_path):
    raw = pd.read_csv(FIXTURES / "gbk_headers.csv", encoding="gbk")
    raw["att_1"] = [4] * 29 + [7]
    path = tmp_path / "a.csv"
    raw.to_csv(path, index=False)
    rep = validate(read_survey(path, instrument=with_attention()))
    found = [p for p in rep.problems if p.kind == "out_of_range"]
    assert rep.ok and found[0].severity == "warning" and found[0].column == "att_1" and found[0].rows == (30,)
