"""SPSS portable (.por) files: the dictionary read by surveykit keeps the user-missing declarations.

The fixtures are written by GNU PSPP 1.6.2 from one syntax file (tests/data/make_fixtures.sps):
pspp_missing.sav and pspp_missing.por hold the same data and declarations, so what the .por
reader finds is compared with what the .sav reader (pyreadstat, user_missing=True) finds.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveykit.data.codebook import codebook
from surveykit.io import iter_chunks, read_file
from surveykit.io.por import _parse_number, read_por_dictionary

from ._helpers import assert_read_error, sha256

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
POR, SAV = FIXTURES / "pspp_missing.por", FIXTURES / "pspp_missing.sav"
DBL_MAX = 1.7976931348623157e308


def _lines(text: bytes) -> bytes:
    """Unwrapped portable-file text back into 80-character CRLF lines."""
    return b"".join(text[i : i + 80] + b"\r\n" for i in range(0, len(text), 80))


def _unwrapped(path: Path) -> bytes:
    return b"".join(line.ljust(80) for line in path.read_bytes().split(b"\r\n") if line)


def _with_income_99999(tmp_path: Path) -> Path:
    """pspp_missing.por with INCOME's range written as SPSS writes '99999 THRU HI' (A record, 99999)."""
    text = _unwrapped(POR)
    assert text.count(b"AA9E17IR6IG+6J/") == 1
    path = tmp_path / "income.por"
    path.write_bytes(_lines(text.replace(b"AA9E17IR6IG+6J/", b"A3L39/")))
    return path


def test_missing_declarations_match_the_sav_written_from_the_same_syntax() -> None:
    before = sha256(POR)
    por, sav = read_file(POR), read_file(SAV)
    assert list(por.frame.columns) == [c.upper() for c in sav.frame.columns]
    for name, s in sav.metadata.variables.items():
        p = por.metadata.variables[name.upper()]
        assert (p.label, p.value_labels, p.type) == (s.label, s.value_labels, s.type), name
        if name != "income":
            assert (p.missing_values, p.missing_ranges) == (s.missing_values, s.missing_ranges), name
    v = por.metadata.variables
    assert v["Q1"].missing_values == (8, 9) and v["Q2"].missing_ranges == ((7.0, 9.0),)
    assert v["Q3"].missing_ranges == ((-np.inf, 0.0),)
    assert v["SCORE"].missing_values == (99.99, -0.25)
    assert v["AGE"].missing_values == (-1,) and v["AGE"].missing_ranges == ((997.0, 999.0),)
    assert v["ANSWER"].missing_values == ("DK", "NA")
    # PSPP 1.6.2 writes '99999 THRU HIGHEST' into the .por as DBL_MAX THRU HIGHEST: read as written, and said
    assert sav.metadata.variables["income"].missing_ranges == ((99999.0, np.inf),)
    assert v["INCOME"].missing_ranges == ((DBL_MAX, np.inf),)
    assert any("INCOME: the file declares 1.797693134862316e+308 THRU HIGHEST" in n for n in por.metadata.notes)
    # the declared codes stay in the frame as codes, exactly as in the .sav
    expected = sav.frame.set_axis([c.upper() for c in sav.frame.columns], axis=1)
    pd.testing.assert_frame_equal(por.frame, expected)
    assert por.frame.loc[1, "Q1"] == 8 and por.frame.loc[2, "AGE"] == 998 and por.frame.loc[1, "ANSWER"] == "DK"
    assert any("surveykit's own reader of its dictionary" in n for n in por.metadata.notes)
    assert sha256(POR) == before


def test_x_thru_highest_when_written_right(tmp_path: Path) -> None:
    path = _with_income_99999(tmp_path)
    v = read_file(path).metadata.variables["INCOME"]
    assert v.missing_ranges == ((99999.0, np.inf),)
    book = {x["name"]: x for x in codebook(path).variables}
    assert book["INCOME"]["missing_counts"] == {99999: 1, 150000: 1}
    assert (book["INCOME"]["n_valid"], book["INCOME"]["n_missing"]) == (2, 2)


def test_codebook_of_por_equals_codebook_of_sav(tmp_path: Path) -> None:
    sav = {x["name"].upper(): x for x in codebook(SAV).variables}
    por = {x["name"]: x for x in codebook(_with_income_99999(tmp_path)).variables}
    keys = ["label", "type", "value_labels", "missing_values", "missing_ranges", "missing_counts", "n_valid",
            "n_missing", "counts", "mean", "sd", "min", "max"]
    for name, s in sav.items():
        assert {k: por[name][k] for k in keys} == {k: s[k] for k in keys}, name
    assert por["Q1"]["missing_values"] == [8, 9] and por["Q1"]["missing_counts"] == {8: 1, 9: 1}
    assert por["ANSWER"]["missing_counts"] == {"DK": 1, "NA": 1} and por["ANSWER"]["counts"] == {"no": 1, "yes": 1}


def test_english_por_keeps_the_codes_of_its_sav() -> None:
    por, sav = read_file(FIXTURES / "pspp_english.por"), read_file(FIXTURES / "pspp_labelled.sav")
    for name in ("ide_1", "ide_2", "ide_3", "ide_4", "ide_5"):
        p, s = por.metadata.variables[name.upper()], sav.metadata.variables[name]
        assert p.missing_values == s.missing_values == (8, 9)
        np.testing.assert_array_equal(por.frame[name.upper()].to_numpy(), sav.frame[name].to_numpy())
    assert por.frame.loc[2, "IDE_2"] == 8 and por.frame.loc[6, "IDE_4"] == 9


def test_dictionary_records() -> None:
    d = read_por_dictionary(POR)
    assert [v.name for v in d.variables] == ["ID", "Q1", "Q2", "Q3", "INCOME", "SCORE", "AGE", "ANSWER", "CITY", "WT"]
    assert [v.width for v in d.variables][-3:] == [3, 8, 0]
    assert d.weight == "WT" and d.product == "GNU pspp 1.6.2"
    assert d.documents[0] == "DOCUMENT Made by tests/data/make_fixtures.sps."
    assert re.fullmatch(r"\d{8} \d{6}", d.created)
    assert d.value_labels["ANSWER"] == {"yes": "Yes", "no": "No", "DK": "Don't know", "NA": "Not asked"}
    assert d.variables[5].print_format == (5, 7, 2)  # F7.2: PSPP widened the F6.2 of the syntax
    # PSPP's table puts the digits at the superscript positions too: '7' still reads as 7
    assert d.variables[2].label == "A range: 7 THRU 9"
    # the copy pyreadstat reads has every missing-value record left out, in 80-character lines
    copy = d.without_missing().getvalue()
    lines = copy.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) == 80 for line in lines[:-2]) and 0 < len(lines[-2]) <= 80
    assert b"B7/9/" not in copy and b"83/DK " not in copy and len(_unwrapped_bytes(copy)) == len(d.text) - sum(
        hi - lo for lo, hi in d.missing_spans)


def _unwrapped_bytes(data: bytes) -> bytes:
    return b"".join(data.split(b"\r\n"))


def test_translation_table_is_applied(tmp_path: Path) -> None:
    """A file recoded as a whole (table included) reads the same: bytes mean what the table says."""
    swap = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                           b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ9876543210")
    path = tmp_path / "recoded.por"
    path.write_bytes(POR.read_bytes().translate(swap))
    assert b"SPSSPORT" not in path.read_bytes()
    d, original = read_por_dictionary(path), read_por_dictionary(POR)
    assert d.variables == original.variables and d.value_labels == original.value_labels
    pd.testing.assert_frame_equal(read_file(path).frame, read_file(POR).frame)
    assert read_file(path).metadata.variables == read_file(POR).metadata.variables


def test_chunks_keep_codes_and_declarations() -> None:
    chunks = list(iter_chunks(POR, chunksize=3))
    assert [len(c.frame) for c in chunks] == [3, 1]
    pd.testing.assert_frame_equal(pd.concat([c.frame for c in chunks]), read_file(POR).frame)
    assert chunks[1].metadata.variables["Q1"].missing_values == (8, 9)


@pytest.mark.parametrize(
    ("token", "value"),
    [("0", 0.0), ("8", 8.0), ("-1", -1.0), ("3L39", 99999.0), ("39.TL", 99.99), ("-.7F", -0.25),
     ("1+2", 900.0), ("1-1", 1 / 30), ("A9E17IR6IG+6J", DBL_MAX), ("T.F", 29.5)],
)
def test_base30_numbers(token: str, value: float) -> None:
    assert _parse_number(token) == value


@pytest.mark.parametrize("token", ["", "-", "U", "1.2.3", "8 9", "+3"])
def test_malformed_numbers(token: str) -> None:
    assert _parse_number(token) is None


@pytest.mark.parametrize(
    ("cut", "problem"),
    [(300, r"it ends inside the 464-byte header"),
     (533, r"it ends before the data record \(F\)"),
     (575, r"it ends inside a number \(no closing '/'\) \(line 8, column 16\)"),
     (583, r"it ends inside a string \(line 8, column 21\)")],
)
def test_truncated_dictionary(tmp_path: Path, cut: int, problem: str) -> None:
    """Cut at any point of the dictionary: one sentence naming the file, where, and what to do."""
    path = tmp_path / "cut.por"
    path.write_bytes(_lines(_unwrapped(POR)[:cut]))
    err = assert_read_error(path, rf"^Cannot read '.*cut\.por' as an SPSS portable \.por file: {problem}\. "
                            r"The file may be truncated or damaged \(export or download it again\)")
    assert "\n" not in str(err)


def test_truncated_data(tmp_path: Path) -> None:
    path = tmp_path / "cut.por"
    path.write_bytes(POR.read_bytes()[:1300])
    assert_read_error(path, r"as an SPSS portable \.por file: .*The file may be truncated or damaged")


def test_not_a_portable_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.por"
    path.write_text("respondent,q1\n1,3\n" * 40, encoding="utf-8")
    assert_read_error(path, r"the tag SPSSPORT is missing after the character table \(line 3, column 41\)")
    short = tmp_path / "short.por"
    short.write_bytes(POR.read_bytes()[:300])
    assert_read_error(short, r"it ends inside the 464-byte header")


def test_unknown_record_tag(tmp_path: Path) -> None:
    text = _unwrapped(POR)
    at = text.index(b"CI/Two discrete codes")
    path = tmp_path / "tag.por"
    path.write_bytes(_lines(text[:at] + b"G" + text[at + 1 :]))
    err = assert_read_error(path, r"unknown record tag 'G' \(line \d+, column \d+\)")
    line, column = map(int, re.search(r"line (\d+), column (\d+)", str(err)).groups())
    assert (line - 1) * 80 + column - 1 == at


def test_missing_value_count_check(tmp_path: Path) -> None:
    text = _unwrapped(POR)
    assert text.count(b"4A/") == 1  # the variable-count record: 10 variables
    path = tmp_path / "count.por"
    path.write_bytes(_lines(text.replace(b"4A/", b"4B/")))
    assert_read_error(path, r"it declares 11 variables but describes 10")

