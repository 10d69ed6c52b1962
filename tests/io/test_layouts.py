"""Survey-platform layouts: Qualtrics (three header rows) and Wenjuanxin (问卷星) exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import DataQualityWarning, ReadError
from surveykit.io import iter_chunks, read_file

from ._helpers import assert_read_error, sha256

openpyxl = pytest.importorskip("openpyxl")

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
DEMO = Path(__file__).parents[2] / "surveykit" / "datasets" / "demo" / "demo_survey.csv"
STEM = "How much do you agree with each statement about your Party organization?"


def _csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


QUALTRICS_SMALL = [
    ["StartDate", "Duration (in seconds)", "ResponseId", "Q1_1", "Q1_2", "Q2", "Q3"],
    [
        "Start Date",
        "Duration (in seconds)",
        "Response ID",
        "Rate - First statement - with a dash",
        "Rate - Second statement",
        "Overall - how satisfied are you?",
        "Seen?",
    ],
    [
        '{"ImportId":"startDate","timeZone":"Asia/Shanghai"}',
        '{"ImportId":"duration"}',
        '{"ImportId":"_recordId"}',
        '{"ImportId":"QID1_1"}',
        '{"ImportId":"QID1_2"}',
        '{"ImportId":"QID2"}',
        '{"ImportId":"QID3"}',
    ],
    ["2024-05-06 09:00:00", "300", "R_a", "1", "5", "3", "-99"],
    ["2024-05-06 10:00:00", "200", "R_b", "2", "4", "", "1"],
]


# -- Qualtrics ----------------------------------------------------------------------------------
def test_qualtrics_fixture_recognised() -> None:
    before = sha256(FIXTURES / "qualtrics_numeric.csv")
    raw = read_file(FIXTURES / "qualtrics_numeric.csv")
    md = raw.metadata
    assert (md.layout, md.layout_detected, md.encoding) == ("qualtrics", True, "utf-8-sig")
    assert raw.frame.shape == (30, 63) and md.n_rows == 30  # the two extra header rows are not respondents
    assert md.platform.header_rows == 3
    assert md.platform.duration == "Duration (in seconds)" and md.platform.respondent_id == "ResponseId"
    assert md.platform.meta[:3] == ("StartDate", "EndDate", "Status") and len(md.platform.meta) == 17
    q = md.variables["Q1_1"]
    assert q.label == "My Party branch holds political theory study according to a fixed schedule."
    assert q.question == f"{STEM} - {q.label}"
    assert md.variables["Q9"].label == "Region of the organization"
    assert md.variables["StartDate"].label == "Start Date"
    assert raw.frame["Q1_1"].dtype == np.int64 and raw.frame["Duration (in seconds)"].dtype == np.int64
    demo = pd.read_csv(DEMO).head(30)
    assert raw.frame["Q1_1"].tolist() == demo["ide_1"].tolist()
    assert raw.frame["Duration (in seconds)"].tolist() == demo["duration_sec"].tolist()
    assert any("rows 2 and 3 of the file hold the question text" in n for n in md.notes)
    assert sha256(FIXTURES / "qualtrics_numeric.csv") == before


def test_qualtrics_text_export_keeps_choice_text() -> None:
    raw = read_file(FIXTURES / "qualtrics_text.csv")
    assert raw.metadata.layout == "qualtrics"
    assert raw.frame["Q1_1"].iloc[0] == "Neither agree nor disagree"
    assert raw.frame["Finished"].iloc[0] == "True"
    assert raw.metadata.variables["Q1_1"].type == "string"


def test_qualtrics_small_matrix_stem_and_seen_but_unanswered(tmp_path: Path) -> None:
    raw = read_file(_csv(tmp_path / "q.csv", QUALTRICS_SMALL))
    v = raw.metadata.variables
    # the stem shared by the rows of matrix QID1 is removed; a lone question keeps its dash
    assert v["Q1_1"].label == "First statement - with a dash"
    assert v["Q1_2"].label == "Second statement"
    assert v["Q2"].label == "Overall - how satisfied are you?"
    assert v["Q1_1"].question == "Rate - First statement - with a dash"
    assert v["Q3"].missing_values == (-99,) and v["Q3"].value_labels[-99].startswith("Seen but unanswered")
    assert v["Q1_1"].missing_values == ()
    assert raw.frame["Q3"].tolist() == [-99, 1]  # kept as a code, declared missing
    assert any("Declared -99" in n for n in raw.metadata.notes)


def test_qualtrics_xlsx_recognised(tmp_path: Path) -> None:
    raw = read_file(_xlsx(tmp_path / "q.xlsx", QUALTRICS_SMALL))
    assert raw.metadata.layout == "qualtrics" and len(raw.frame) == 2
    assert raw.frame["Q1_2"].tolist() == [5, 4]
    assert raw.metadata.variables["Q1_2"].label == "Second statement"
    assert raw.metadata.sheet == "Sheet"


def test_qualtrics_chunks_equal_whole() -> None:
    whole = read_file(FIXTURES / "qualtrics_text.csv")
    chunks = list(iter_chunks(FIXTURES / "qualtrics_text.csv", chunksize=7))
    assert [len(c.frame) for c in chunks] == [7, 7, 7, 7, 2]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), whole.frame)
    assert all(c.metadata.layout == "qualtrics" for c in chunks)
    assert chunks[-1].metadata.variables["Q8_6"].label == whole.metadata.variables["Q8_6"].label


def test_plain_layout_reads_header_rows_as_data() -> None:
    with pytest.warns(DataQualityWarning):
        raw = read_file(FIXTURES / "qualtrics_numeric.csv", layout="plain")
    assert raw.metadata.layout == "plain" and len(raw.frame) == 32
    assert raw.frame["Q1_1"].iloc[1] == '{"ImportId":"QID1_1"}'


def test_layout_option_errors(tmp_path: Path) -> None:
    plain = _csv(tmp_path / "plain.csv", [["a", "b"], [1, 2], [3, 4]])
    assert read_file(plain).metadata.layout == "plain"
    assert_read_error(plain, r"does not look like a Qualtrics export: its third row", layout="qualtrics")
    assert_read_error(plain, r"does not look like a Wenjuanxin \(问卷星\) export", layout="wjx")
    assert_read_error(plain, r"Unknown layout='spss'.*auto, plain, qualtrics, wjx", layout="spss")
    assert_read_error(FIXTURES / "pspp_labelled.sav", r"layout='wjx' applies to \.csv", layout="wjx")
    assert read_file(plain, layout="auto").metadata.layout == "plain"


# -- Wenjuanxin ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "encoding", "took"),
    [
        ("wjx_numeric.xlsx", None, "秒"),
        ("wjx_text.xlsx", None, "秒"),
        ("wjx_numeric_gbk.csv", "gb18030", "分"),
        ("wjx_text_gbk.csv", "gb18030", "分"),
    ],
)
def test_wjx_fixtures_recognised(name: str, encoding: str | None, took: str) -> None:
    raw = read_file(FIXTURES / name)
    md = raw.metadata
    assert (md.layout, md.layout_detected, md.encoding) == ("wjx", True, encoding)
    assert raw.frame.shape == (30, 52)
    assert md.platform.meta == ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
    assert (md.platform.duration, md.platform.respondent_id) == ("所用时间", "序号")
    header = "4、(我所在的党支部按照固定的计划开展政治理论学习。)"
    assert md.variables[header].label == "我所在的党支部按照固定的计划开展政治理论学习。"
    assert md.variables[header].question == header
    assert md.variables["1、地区："].label == "地区："
    demo = pd.read_csv(DEMO).head(30)
    assert raw.frame["所用时间"].tolist() == demo["duration_sec"].astype(float).tolist()
    assert md.variables["所用时间"].type == "numeric"
    assert any("Converted 所用时间 from text such as" in n and took in n for n in md.notes)


def test_wjx_text_export_declares_skip_token_without_warning() -> None:
    raw = read_file(FIXTURES / "wjx_text.xlsx")  # pytest turns a DataQualityWarning into an error
    col = "12、为确认您在认真作答，本题请选择“同意”。"
    assert raw.metadata.variables[col].missing_values == ("(跳过)",)
    assert raw.frame[col].iloc[22] == "(跳过)"  # kept as read
    assert raw.metadata.variables["4、(我所在的党支部按照固定的计划开展政治理论学习。)"].missing_values == ()


def test_wjx_skip_token_in_numeric_column_is_no_typo(tmp_path: Path) -> None:
    rows = [["序号", "提交答卷时间", "所用时间", "1、您的年龄"]]
    rows += [[i, "2024/5/6 10:00:00", "3分5秒", 20 + i] for i in range(1, 10)]
    rows += [[10, "2024/5/6 10:00:00", "1小时2分3秒", "(跳过)"]]
    raw = read_file(_csv(tmp_path / "w.csv", rows))
    assert raw.frame["所用时间"].tolist() == [185.0] * 9 + [3723.0]
    assert raw.metadata.variables["1、您的年龄"].missing_values == ("(跳过)",)
    with pytest.warns(DataQualityWarning, match="mostly numbers"):
        read_file(tmp_path / "w.csv", layout="plain")


@pytest.mark.parametrize(
    ("headers", "labels"),
    [
        (["7、(甲说法。)", "7、(乙说法)"], ["甲说法。", "乙说法"]),
        (["7(1、甲说法)", "7(2、乙说法)"], ["甲说法", "乙说法"]),
        (["7、请评价—甲说法", "7、请评价—乙说法"], ["甲说法", "乙说法"]),
        (["7、我所在党支部按计划学习。", "8、单独一题—带破折号"], ["我所在党支部按计划学习。", "单独一题—带破折号"]),
        (["7．（全角括号）", "8. 英文句点"], ["全角括号", "英文句点"]),
        (["9、(甲)和(乙)"], ["(甲)和(乙)"]),
    ],
)
def test_wjx_header_texts(tmp_path: Path, headers: list[str], labels: list[str]) -> None:
    rows = [["序号", "提交答卷时间", *headers], [1, "2024/5/6 10:00:00", *[1] * len(headers)]]
    raw = read_file(_csv(tmp_path / "h.csv", rows))
    assert raw.metadata.layout == "wjx"
    assert [raw.metadata.variables[h].label for h in headers] == labels


def test_wjx_bad_duration_names_row(tmp_path: Path) -> None:
    rows = [["序号", "所用时间", "1、题目"], [1, "235秒", 3], [2, "很久", 4]]
    path = _csv(tmp_path / "d.csv", rows)
    assert_read_error(path, r"所用时间 '很久' in data row 2 of '.*d\.csv'.*layout='plain'")
    assert read_file(path, layout="plain").frame["所用时间"].tolist() == ["235秒", "很久"]


def test_wjx_not_detected_without_its_time_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", [["序号", "1、题目"], [1, 3]])
    assert read_file(path).metadata.layout == "plain"
    raw = read_file(path, layout="wjx")
    assert raw.metadata.layout == "wjx" and raw.metadata.layout_detected is False
    assert raw.metadata.variables["1、题目"].label == "题目"


def test_wjx_chunks_equal_whole() -> None:
    whole = read_file(FIXTURES / "wjx_text_gbk.csv")
    chunks = list(iter_chunks(FIXTURES / "wjx_text_gbk.csv", chunksize=8))
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), whole.frame)
    assert chunks[2].metadata.variables["12、为确认您在认真作答，本题请选择“同意”。"].missing_values == ("(跳过)",)


def test_forced_layout_on_other_software_is_an_error() -> None:
    with pytest.raises(ReadError, match="applies to .csv, .tsv and .xlsx"):
        list(iter_chunks(FIXTURES / "haven_labelled.dta", layout="qualtrics"))


def test_qualtrics_question_text_with_line_breaks(tmp_path: Path) -> None:
    rows = [list(r) for r in QUALTRICS_SMALL]
    rows[1][5] = "Overall,\nhow satisfied\nare you?"
    raw = read_file(_csv(tmp_path / "q.csv", rows))
    assert len(raw.frame) == 2 and raw.frame["ResponseId"].tolist() == ["R_a", "R_b"]
    assert raw.metadata.variables["Q2"].label == "Overall,\nhow satisfied\nare you?"
    chunks = list(iter_chunks(tmp_path / "q.csv", chunksize=1))
    assert [c.frame["ResponseId"].iloc[0] for c in chunks] == ["R_a", "R_b"]


def test_kobo_layout_given_for_a_file_without_kobo_columns_says_what_to_do(tmp_path):
    from surveykit.errors import ReadError
    from surveykit.io import read_file

    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReadError, match=r"does not look like a KoboToolbox export: it has no _uuid and "
                                        r"_submission_time columns\. Export it again from KoboToolbox"):
        read_file(path, layout="kobo")


def test_kobo_group_prefix_kept_where_two_groups_share_a_name(tmp_path):
    from surveykit.io import read_file

    path = tmp_path / "kobo.csv"
    path.write_text("start;g1/q;g2/q;g1/r;_id;_uuid;_submission_time\n"
                    "2024-01-01;1;2;3;7;u1;2024-01-01T10:00:00\n", encoding="utf-8")
    raw = read_file(path)
    assert raw.metadata.layout == "kobo" and raw.metadata.layout_detected
    assert list(raw.frame.columns) == ["start", "g1/q", "g2/q", "r", "_id", "_uuid", "_submission_time"]
    assert raw.metadata.variables["r"].question == "g1/r" and raw.metadata.platform.respondent_id == "_id"
    assert any("Kept the group prefix of 'g1/q', 'g2/q'" in n for n in raw.metadata.notes)
