"""Files written by other software (GNU PSPP, R haven, Excel-style GBK CSV) read with their meaning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveykit.io import read_file

from ._helpers import sha256

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
# the demo survey as the fixtures were exported from it (the shipped demo has since grown a second level)
DEMO = Path(__file__).parents[1] / "data" / "fixtures" / "demo_survey_2025.csv"
AGREE = {1: "非常不同意", 2: "不同意", 3: "一般", 4: "同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return pd.read_csv(DEMO).head(30)


@pytest.mark.parametrize("name", ["pspp_labelled.sav", "pspp_labelled.zsav"])
def test_pspp_sav(name: str, demo: pd.DataFrame) -> None:
    before = sha256(FIXTURES / name)
    raw = read_file(FIXTURES / name)
    md, frame = raw.metadata, raw.frame
    assert md.format == name.split(".")[1] and md.encoding == "UTF-8"
    assert md.file_label == "基层党组织执行力调查（PSPP 测试文件）"
    ide1 = md.variables["ide_1"]
    assert ide1.label == "我所在的党支部按照固定的计划开展政治理论学习。"  # the PSPP file keeps version 1.0's text
    assert ide1.value_labels == AGREE
    assert ide1.missing_values == (8, 9) and ide1.measure == "ordinal"
    # only the scale poles (and the missing codes) are labelled
    assert md.variables["ide_5"].value_labels == {1: "非常不同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}
    assert md.variables["years_member"].missing_ranges == ((90.0, np.inf),)
    assert md.variables["region"].value_labels == {1: "城市", 2: "农村"} and md.variables["region"].measure == "nominal"
    assert md.variables["note"].type == "string" and md.variables["note"].label == "其他意见"
    # user-missing codes are kept as codes, where PSPP's syntax file put them
    changed = {(2, "ide_2"): 8, (6, "ide_4"): 9, (19, "ide_5"): 9, (24, "ide_1"): 8}
    assert all(frame.loc[row, col] == code for (row, col), code in changed.items())
    for col in ("ide_1", "ide_2", "ide_3", "ide_4", "ide_5", "region", "years_member"):
        for row in range(30):
            if (row, col) not in changed:
                assert frame.loc[row, col] == demo.loc[row, col], (row, col)
    assert frame.loc[0, "note"] == "支部学习很扎实"
    assert sha256(FIXTURES / name) == before


def test_pspp_portable_file() -> None:
    raw = read_file(FIXTURES / "pspp_english.por")
    v = raw.metadata.variables
    assert list(raw.frame.columns)[:2] == ["RESPONDE", "IDE_1"]  # portable names: 8 characters, upper case
    assert v["IDE_1"].label == "My Party branch holds political theory study according to a fixed schedule."
    assert v["IDE_1"].value_labels == {1: "Strongly disagree", 5: "Strongly agree", 8: "Don't know", 9: "Refused"}
    # surveykit reads the .por dictionary itself: the user-missing codes are declared and kept as codes
    assert v["IDE_2"].missing_values == (8, 9) and raw.frame.loc[2, "IDE_2"] == 8
    assert any("surveykit's own reader of its dictionary" in n for n in raw.metadata.notes)


def test_haven_sav(demo: pd.DataFrame) -> None:
    raw = read_file(FIXTURES / "haven_labelled.sav")
    v = raw.metadata.variables
    assert v["org_1"].label == "我所在的党组织发展党员时严格按照党员标准把关。"
    assert v["org_1"].value_labels == AGREE and v["org_1"].missing_values == (8, 9)
    assert v["org_5"].value_labels == {1: "非常不同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}
    assert v["role"].value_labels == {1: "党支部书记", 2: "支部委员", 3: "普通党员"}
    assert raw.frame.loc[1, "org_1"] == 8 and raw.frame.loc[8, "org_3"] == 9
    assert raw.frame["org_2"].tolist() == demo["org_2"].astype(float).tolist()


def test_haven_dta_extended_missing() -> None:
    raw = read_file(FIXTURES / "haven_labelled.dta")
    v = raw.metadata.variables
    assert v["org_3"].label == "我所在的党组织选拔干部的过程公开透明。"
    assert v["org_3"].missing_values == ("a", "b")
    assert v["org_3"].value_labels["a"] == "不清楚" and v["org_3"].value_labels["b"] == "拒答"
    assert raw.frame.loc[8, "org_3"] == "b" and raw.frame.loc[1, "org_1"] == "a"
    assert raw.metadata.file_label == "haven test file"


def test_gbk_csv_with_chinese_headers(demo: pd.DataFrame) -> None:
    raw = read_file(FIXTURES / "gbk_headers.csv")
    assert raw.metadata.encoding == "gb18030" and raw.metadata.encoding_detected
    assert raw.metadata.layout == "plain"
    assert list(raw.frame.columns)[:2] == ["答卷编号", "本党组织按照年度计划开展政治理论学习。"]
    assert raw.frame["本党组织按照年度计划开展政治理论学习。"].tolist() == demo["ide_1"].tolist()
    assert raw.frame["答题用时（秒）"].tolist() == demo["duration_sec"].tolist()
