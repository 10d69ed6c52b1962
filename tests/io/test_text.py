"""CSV/TSV: encodings (detected and given), delimiters, header checks, column typing."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveykit.errors import DataQualityWarning
from surveykit.io import read_file
from surveykit.io.encoding import common_characters

from ._helpers import SIMPLIFIED, TRADITIONAL, assert_read_error, sha256

BFI_SAV = Path(__file__).parents[1] / "reference" / "data" / "bfi.sav"


def _write(tmp_path: Path, name: str, text: str, encoding: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _check_chinese_frame(frame: pd.DataFrame, simplified: bool) -> None:
    first = "编号" if simplified else "編號"
    assert frame.columns[0] == first
    assert frame.iloc[:, 1].tolist() == ["男", "女", "男"]
    assert frame.iloc[:, 0].dtype == np.int64
    assert frame.iloc[:, 2].dtype == np.float64
    assert np.isnan(frame.iloc[2, 2])


# --- encodings -------------------------------------------------------------------------------


def test_utf8_detected(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "s.csv", SIMPLIFIED, "utf-8"))
    assert raw.metadata.encoding == "utf-8"
    assert raw.metadata.encoding_detected is True
    assert raw.metadata.notes[0] == "Detected encoding UTF-8."
    _check_chinese_frame(raw.frame, simplified=True)


def test_utf8_bom_detected_and_stripped(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", SIMPLIFIED, "utf-8-sig")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    raw = read_file(path)
    assert raw.metadata.encoding == "utf-8-sig"
    assert "byte-order mark" in raw.metadata.notes[0]
    assert not raw.frame.columns[0].startswith("\ufeff")
    _check_chinese_frame(raw.frame, simplified=True)


def test_bom_stripped_when_utf8_given(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "s.csv", "id,x\n1,2\n", "utf-8-sig"), encoding="utf-8")
    assert list(raw.frame.columns) == ["id", "x"]
    assert raw.metadata.encoding_detected is False


def test_gb18030_detected(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "s.csv", SIMPLIFIED, "gb18030"))
    assert raw.metadata.encoding == "gb18030"
    assert raw.metadata.encoding_detected is True
    assert raw.metadata.notes[0].startswith("Detected encoding GB18030.")
    _check_chinese_frame(raw.frame, simplified=True)


def test_traditional_text_in_gb18030_detected(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "t.csv", TRADITIONAL, "gb18030"))
    assert raw.metadata.encoding == "gb18030"
    _check_chinese_frame(raw.frame, simplified=False)


def test_big5_detected(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "t.csv", TRADITIONAL, "big5"))
    assert raw.metadata.encoding == "big5"
    assert raw.metadata.notes[0].startswith("Detected encoding Big5.")
    _check_chinese_frame(raw.frame, simplified=False)


def test_big5_short_file_detected(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "t.csv", "姓名,年齡\n張三,20\n", "big5"))
    assert raw.metadata.encoding == "big5"
    assert raw.frame["姓名"].tolist() == ["張三"]


def test_gbk_file_given_encoding(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "s.csv", SIMPLIFIED, "gbk"), encoding="GBK")
    assert raw.metadata.encoding == "gbk"
    assert raw.metadata.encoding_detected is False
    assert raw.metadata.notes[0] == "Read with the given encoding GBK."
    _check_chinese_frame(raw.frame, simplified=True)


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "export.txt", "编号\t性别\n1\t男\n", "utf-16")
    raw = read_file(path)
    assert raw.metadata.encoding == "utf-16"
    assert list(raw.frame.columns) == ["编号", "性别"]


def test_common_characters_cover_both_scripts() -> None:
    common = common_characters()
    assert {"的", "我", "們", "對", "，", "。"} <= common
    assert "ア" not in common  # katakana: what Big5 bytes read as GB18030 often turn into


def test_forced_wrong_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", "id,name\n1,abc\n2,张三\n", "gb18030")
    error = assert_read_error(
        path,
        r"Cannot decode '.*s\.csv' with encoding='utf-8': the byte 0x[0-9A-F]+ at byte offset 16, line 3, "
        r"is not valid UTF-8\. Try encoding='gb18030' \(detected from the file\)",
        encoding="utf-8",
    )
    assert isinstance(error, ValueError)


def test_forced_wrong_encoding_big5_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.csv", TRADITIONAL, "big5")
    assert_read_error(
        path, r"with encoding='ascii'.*line 1, is not valid ASCII.*Try encoding='big5'", encoding="ascii"
    )


def test_unknown_encoding_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", "a\n1\n", "utf-8")
    assert_read_error(path, r"Unknown encoding='klingon'", encoding="klingon")


def test_undetectable_encoding_asks_for_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "w.csv", "Name,Ort\nJosé,Zürich\nRenée,Genève\n", "cp1252")
    assert_read_error(path, r"Cannot tell the text encoding of '.*w\.csv'.*Pass encoding=")
    raw = read_file(path, encoding="cp1252")
    assert raw.frame["Name"].tolist() == ["José", "Renée"]


def test_binary_file_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n\x00\x01\x02\x03\xff\xfe")
    assert_read_error(path, r"is not a text file: it contains a NUL byte at byte offset 8 \(line 3\)")


def test_sav_named_csv_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "bfi.csv"
    shutil.copy(BFI_SAV, path)
    assert_read_error(
        path, r"looks like an SPSS \.sav file\. Give it its proper extension or pass format='sav'"
    )


def test_garbage_bytes_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes([0x80, 0xFF, 0x81]) * 50)
    assert_read_error(path, r"Cannot tell the text encoding")


# --- delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "sep"), [("a.txt", "\t"), ("b.txt", ";"), ("c.txt", ","), ("d.csv", ";")])
def test_delimiter_sniffed(tmp_path: Path, name: str, sep: str) -> None:
    path = _write(tmp_path, name, f"id{sep}名字{sep}score\n1{sep}张三{sep}3.5\n2{sep}李四{sep}\n", "utf-8")
    raw = read_file(path)
    assert list(raw.frame.columns) == ["id", "名字", "score"]
    assert raw.frame["score"].tolist()[0] == 3.5
    assert raw.metadata.format == "csv"


def test_tsv(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "a.tsv", "x\ty\n1,5\t2\n", "utf-8"))
    assert raw.metadata.format == "tsv"
    assert raw.frame["x"].tolist() == ["1,5"]


def test_quoted_delimiters_ignored_when_sniffing(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "a.txt", '"a;b",c\n1,2\n', "utf-8"))
    assert list(raw.frame.columns) == ["a;b", "c"]


# --- header checks ---------------------------------------------------------------------------


def test_duplicated_column_names(tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.csv", "id,q1,q2,q1\n1,2,3,4\n", "utf-8")
    assert_read_error(path, r"has duplicated column names: 'q1' \(columns 2, 4\)\. Rename them")


def test_data_under_empty_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "gap.csv", "id,,q2\n1,2,3\n", "utf-8")
    assert_read_error(
        path, r"has data under an empty header cell in column 2 \(B\)\. Give each column a name"
    )


def test_empty_unnamed_columns_dropped(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "trail.csv", "id,q1,,\n1,2,,\n3,4,,\n", "utf-8"))
    assert list(raw.frame.columns) == ["id", "q1"]
    assert any("Dropped 2 empty column(s) with no name" in note for note in raw.metadata.notes)


def test_spaces_around_names_removed(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "sp.csv", " id , q1\n1,2\n", "utf-8"))
    assert list(raw.frame.columns) == ["id", "q1"]
    assert "Removed spaces around 2 column names." in raw.metadata.notes


def test_blank_file_has_no_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "blank.csv", "\n\n  \n", "utf-8")
    assert_read_error(path, r"has no header row")


def test_ragged_row(tmp_path: Path) -> None:
    path = _write(tmp_path, "ragged.csv", "a,b\n1,2\n3,4,5\n", "utf-8")
    assert_read_error(path, r"Cannot parse '.*ragged\.csv': Expected 2 fields in line 3, saw 3")


def test_header_only(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "h.csv", "id,名字\n", "utf-8"))
    assert list(raw.frame.columns) == ["id", "名字"]
    assert raw.metadata.n_rows == 0


def test_columns_selection(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", SIMPLIFIED, "gb18030")
    raw = read_file(path, columns=["年龄", "编号"])
    assert list(raw.frame.columns) == ["年龄", "编号"]
    assert list(raw.metadata.variables) == ["年龄", "编号"]
    assert_read_error(path, r"has no column '年纪'", columns=["年纪"])


# --- typing of columns -----------------------------------------------------------------------


def test_numbers_and_empty_cells(tmp_path: Path) -> None:
    text = "id,score,weight,comment\n1,3,0.5,好\n2,,1.25,\n3,5,-2e-1,\n"
    raw = read_file(_write(tmp_path, "n.csv", text, "utf-8"))
    frame = raw.frame
    assert frame["id"].dtype == np.int64
    assert frame["score"].dtype == np.float64
    assert np.isnan(frame["score"].iloc[1])
    assert frame["weight"].tolist() == [0.5, 1.25, -0.2]
    assert frame["comment"].iloc[0] == "好"
    assert frame["comment"].iloc[1:].isna().all()
    assert raw.metadata.variables["id"].type == "numeric"
    assert raw.metadata.variables["comment"].type == "string"


def test_na_tokens_become_missing_with_note(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "na.csv", "q1,q2\n1,NA\n2,3\nNA,#N/A\n", "utf-8"))
    assert raw.frame["q1"].dtype == np.float64
    assert np.isnan(raw.frame["q1"].iloc[2])
    assert "Column 'q1': read 1 cell 'NA' as missing." in raw.metadata.notes


def test_leading_zeros_kept_as_text(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "z.csv", "zip,q1\n007,1\n120,2\n", "utf-8"))
    assert raw.frame["zip"].tolist() == ["007", "120"]
    assert any("kept as text because values such as '007'" in n for n in raw.metadata.notes)


def test_long_id_numbers_kept_as_text(tmp_path: Path) -> None:
    raw = read_file(_write(tmp_path, "id.csv", "sfz,q1\n110105199001011234,1\n,2\n", "utf-8"))
    assert raw.frame["sfz"].iloc[0] == "110105199001011234"


def test_mostly_numeric_column_warns(tmp_path: Path) -> None:
    text = "age\n" + "\n".join(["25"] * 9 + ["五十"]) + "\n"
    path = _write(tmp_path, "age.csv", text, "utf-8")
    with pytest.warns(
        DataQualityWarning, match=r"Column 'age' in '.*age\.csv' is mostly numbers but has 1 text"
    ):
        raw = read_file(path)
    assert raw.frame["age"].iloc[-1] == "五十"


def test_input_never_modified(tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", SIMPLIFIED, "gb18030")
    before, mtime = sha256(path), path.stat().st_mtime_ns
    read_file(path)
    read_file(path, encoding="gb18030", columns=["编号"])
    assert sha256(path) == before
    assert path.stat().st_mtime_ns == mtime


def test_western_text_that_decodes_as_chinese_is_refused(tmp_path: Path) -> None:
    # 0xE9 ('é' in cp1252) followed by a letter is a valid GB18030 and Big5 pair, so both
    # decode; but the characters are rare ones, and the reader asks rather than guesses.
    path = _write(tmp_path, "w.csv", "Name\nCaféteria\nNéstor\n", "cp1252")
    assert_read_error(path, r"only 0% of its non-ASCII characters are common Chinese characters")


def test_large_file_across_blocks(tmp_path: Path) -> None:
    # More than one 1 MiB block: multi-byte characters straddle block boundaries, and the
    # offset and line of a bad byte near the end are still exact.
    rows = "".join(f"{i},张三丰,{i % 5}\n" for i in range(90_000))
    head = "id,名字,q1\n" + rows
    for encoding in ("utf-8", "gb18030"):
        path = _write(tmp_path, f"big_{encoding}.csv", head, encoding)
        raw = read_file(path)
        assert raw.metadata.encoding == encoding
        assert raw.metadata.n_rows == 90_000 and raw.frame["名字"].iloc[-1] == "张三丰"
    path = tmp_path / "bad_end.csv"
    prefix = head.encode("utf-8") + b"90000,"
    path.write_bytes(prefix + b"\xff\n")
    assert len(prefix) > 1 << 20
    assert_read_error(
        path, rf"at byte offset {len(prefix)}, line 90002, is not valid UTF-8", encoding="utf-8"
    )


def test_forced_encoding_that_makes_mojibake_is_refused(tmp_path: Path) -> None:
    gbk = _write(tmp_path, "g.csv", "编号,我对工作感到满意\n1,4\n", "gbk")
    assert read_file(gbk, encoding="gbk").frame.columns[1] == "我对工作感到满意"
    # these bytes are also valid Big5, but read as Big5 they are rare characters: refused
    assert_read_error(gbk, r"decodes with encoding='big5', but read as Big5 only 70% .* against 100% as GB18030\. "
                      r"Pass encoding='gb18030'", encoding="big5")
    utf8 = _write(tmp_path, "u.csv", "名字,城市\n张三,北京\n", "utf-8")
    assert_read_error(
        utf8, r"'.*u\.csv' is UTF-8 text, but encoding='latin-1' was given: .* mojibake", encoding="latin-1"
    )
    ascii_only = _write(tmp_path, "a.csv", "name,city\nA,B\n", "utf-8")
    assert read_file(ascii_only, encoding="latin-1").frame["city"].tolist() == ["B"]
