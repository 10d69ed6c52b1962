"""SPSS, Stata and SAS files through the pyreadstat adapter; write_sav round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat  # only to make Stata/SAS fixtures; surveykit itself imports it in one module
import pytest

from surveykit.errors import DataError
from surveykit.io import FileMetadata, VariableMeta, read_file, write_sav

from ._helpers import assert_read_error, sha256

DATA = Path(__file__).parents[1] / "data" / "io"


def _survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "q1": [1.0, 2.0, 8.0, 9.0, np.nan, 5.0],
            "q2": [1.0, 2.0, 3.0, 98.0, 99.0, 4.0],
            "姓名": ["张三", "李四", "王五", "赵六", "", "孙七"],
            "city": ["台北", "北京", "上海", "廣州", "香港", "深圳"],
        }
    )


def _write_survey(path: Path) -> None:
    write_sav(
        _survey(),
        path,
        variable_labels={"q1": "我对工作感到满意", "姓名": "受访者姓名", "city": "城市"},
        value_labels={"q1": {1: "非常不同意", 5: "非常同意", 8: "不知道", 9: "拒答"}},
        missing_values={"q1": [8, 9], "q2": [(98, 99)]},
        measure={"q1": "ordinal", "姓名": "nominal", "q2": "scale"},
        file_label="执行力调查 2024",
    )


@pytest.fixture
def survey_sav(tmp_path: Path) -> Path:
    path = tmp_path / "survey.sav"
    _write_survey(path)
    return path


def test_round_trip_keeps_labels(survey_sav: Path) -> None:
    meta = read_file(survey_sav).metadata
    assert meta.format == "sav"
    assert meta.file_label == "执行力调查 2024"
    assert meta.variables["q1"].label == "我对工作感到满意"
    assert meta.variables["姓名"].label == "受访者姓名"
    assert meta.variables["q2"].label is None
    assert meta.variables["q1"].value_labels == {1: "非常不同意", 5: "非常同意", 8: "不知道", 9: "拒答"}
    assert list(meta.variables) == ["q1", "q2", "姓名", "city"]


def test_round_trip_keeps_user_missing_codes_as_values(survey_sav: Path) -> None:
    raw = read_file(survey_sav)
    q1 = raw.metadata.variables["q1"]
    assert q1.missing_values == (8, 9)
    assert q1.missing_ranges == ()
    assert raw.metadata.variables["q2"].missing_ranges == ((98.0, 99.0),)
    assert raw.frame["q1"].iloc[2:4].tolist() == [8.0, 9.0]
    assert np.isnan(raw.frame["q1"].iloc[4])
    assert raw.frame["q2"].iloc[3:5].tolist() == [98.0, 99.0]
    assert any("q1: 8, 9" in note and "q2: 98-99" in note for note in raw.metadata.notes)
    assert q1.is_declared_missing(8) and q1.is_declared_missing(9.0) and not q1.is_declared_missing(5)
    assert raw.metadata.variables["q2"].is_declared_missing(98.5)


def test_round_trip_keeps_measure_type_and_text(survey_sav: Path) -> None:
    raw = read_file(survey_sav)
    variables = raw.metadata.variables
    assert variables["q1"].measure == "ordinal"
    assert variables["姓名"].measure == "nominal"
    assert variables["q2"].measure == "scale"
    assert variables["city"].measure is None
    assert variables["q1"].type == "numeric"
    assert variables["姓名"].type == "string"
    assert raw.frame["姓名"].tolist() == ["张三", "李四", "王五", "赵六", "", "孙七"]
    assert raw.frame["city"].tolist() == ["台北", "北京", "上海", "廣州", "香港", "深圳"]
    assert raw.metadata.n_rows == 6
    assert raw.metadata.encoding == "UTF-8"
    assert raw.metadata.encoding_detected is False


def test_zsav_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "survey.zsav"
    write_sav(_survey(), path, missing_values={"q1": [8, 9]})
    raw = read_file(path)
    assert raw.metadata.format == "zsav"
    assert raw.metadata.variables["q1"].missing_values == (8, 9)
    assert path.read_bytes()[:4] == b"$FL3"


def test_write_sav_from_metadata(survey_sav: Path, tmp_path: Path) -> None:
    first = read_file(survey_sav)
    copy = tmp_path / "copy.sav"
    write_sav(first.frame, copy, metadata=first.metadata, variable_labels={"q2": "团队"})
    second = read_file(copy)
    assert second.metadata.file_label == first.metadata.file_label
    assert second.metadata.variables["q2"].label == "团队"
    for name in ("q1", "姓名", "city"):
        assert second.metadata.variables[name] == first.metadata.variables[name]
    pd.testing.assert_frame_equal(second.frame, first.frame)


def test_datetime_column(tmp_path: Path) -> None:
    path = tmp_path / "dates.sav"
    frame = pd.DataFrame(
        {"when": pd.to_datetime(["2024-01-02 03:04:05", "2024-02-03 00:00:00"]), "x": [1.0, 2.0]}
    )
    write_sav(frame, path)
    raw = read_file(path)
    assert raw.metadata.variables["when"].type == "datetime"
    assert raw.frame["when"].iloc[0] == pd.Timestamp("2024-01-02 03:04:05")


def test_columns_selects_in_order(survey_sav: Path) -> None:
    raw = read_file(survey_sav, columns=["city", "q1"])
    assert list(raw.frame.columns) == ["city", "q1"]
    assert list(raw.metadata.variables) == ["city", "q1"]


def test_unknown_column_named(survey_sav: Path) -> None:
    assert_read_error(survey_sav, r"has no column 'q9'.*Its columns are: 'q1', 'q2'", columns=["q1", "q9"])


def test_truncated_sav(survey_sav: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.sav"
    truncated.write_bytes(survey_sav.read_bytes()[:300])
    assert_read_error(
        truncated, r"Cannot read '.*truncated\.sav' as an SPSS \.sav file: .*truncated or damaged"
    )


def test_corrupt_sav(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sav"
    path.write_bytes(b"this is not an SPSS file\n" * 20)
    assert_read_error(path, r"Cannot read '.*corrupt\.sav' as an SPSS \.sav file")


def test_csv_named_sav(tmp_path: Path) -> None:
    path = tmp_path / "really_csv.sav"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert_read_error(path, r"pass format=")


def test_write_sav_refuses_bad_names_and_keeps_target(tmp_path: Path) -> None:
    target = tmp_path / "out.sav"
    target.write_bytes(b"old content")
    with pytest.raises(DataError, match=r"Cannot write '.*out\.sav' as an SPSS file: .*'bad name'"):
        write_sav(pd.DataFrame({"bad name": [1.0]}), target)
    assert target.read_bytes() == b"old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.sav"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"variable_labels": {"nope": "x"}}, r"variable_labels names column\(s\) not in the frame: 'nope'"),
        ({"measure": {"q1": "interval"}}, r"unknown measure q1='interval'"),
        ({"missing_values": {"q1": [7, 8, 9, 10]}}, r"SPSS allows up to three codes"),
        ({"missing_values": {"q1": [(1, 2), (8, 9)]}}, r"SPSS allows up to three codes, or one range"),
    ],
)
def test_write_sav_argument_errors(tmp_path: Path, kwargs: dict, match: str) -> None:
    target = tmp_path / "out.sav"
    with pytest.raises(DataError, match=match):
        write_sav(pd.DataFrame({"q1": [1.0, 2.0]}), target, **kwargs)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_stata_labels(tmp_path: Path) -> None:
    path = tmp_path / "survey.dta"
    frame = pd.DataFrame({"q1": [1.0, 2.0, np.nan], "name": ["张三", "李四", "王五"]})
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label="调查",
        column_labels={"q1": "满意度", "name": "姓名"},
        variable_value_labels={"q1": {1: "不满意", 2: "满意"}},
    )
    raw = read_file(path)
    assert raw.metadata.format == "dta"
    assert raw.metadata.file_label == "调查"
    assert raw.metadata.variables["q1"].label == "满意度"
    assert raw.metadata.variables["q1"].value_labels == {1: "不满意", 2: "满意"}
    assert raw.metadata.variables["name"].type == "string"
    assert raw.frame["name"].tolist() == ["张三", "李四", "王五"]
    assert np.isnan(raw.frame["q1"].iloc[2])


def test_truncated_dta(tmp_path: Path) -> None:
    path = tmp_path / "survey.dta"
    pyreadstat.write_dta(pd.DataFrame({"q1": [1.0, 2.0]}), str(path))
    path.write_bytes(path.read_bytes()[:200])
    assert_read_error(path, r"as a Stata \.dta file")


def test_xpt_and_por(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Q1": [1.0, 2.0, 3.0]})
    xpt, por = tmp_path / "s.xpt", tmp_path / "s.por"
    pyreadstat.write_xport(frame, str(xpt), column_labels=["Item one"])
    pyreadstat.write_por(frame, str(por))
    assert read_file(xpt).metadata.variables["Q1"].label == "Item one"
    assert read_file(por).frame["Q1"].tolist() == [1.0, 2.0, 3.0]
    assert_read_error(por, r"encoding= cannot be set for an SPSS portable", encoding="UTF-8")


def test_sas7bdat_fixture() -> None:
    path = DATA / "survey.sas7bdat"
    before = sha256(path)
    raw = read_file(path)
    assert raw.metadata.format == "sas7bdat"
    assert raw.frame.shape == (25, 3)
    assert raw.metadata.variables["q1"].label == "Satisfaction"
    assert raw.metadata.variables["name"].type == "string"
    assert raw.frame["q1"].iloc[:5].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert np.isnan(raw.frame["q1"].iloc[24])
    assert sha256(path) == before


def test_variable_meta_defaults() -> None:
    meta = VariableMeta(name="x")
    assert meta.value_labels == {} and meta.missing_values == () and meta.type == "numeric"
    file_meta = FileMetadata("p", "csv", None, False, None, 0, {"x": meta})
    assert file_meta.with_notes("A.").notes == ("A.",)
