"""The codebook: one entry per variable, from the file and (optionally) the instrument."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

import surveykit as sk
from surveykit.data import read_survey
from surveykit.data.codebook import codebook
from surveykit.errors import SpecError
from surveykit.io import write_sav

from ._instruments import FIXTURES, subset

FIRST_KEYS = ["name", "label", "type", "value_labels", "missing_values", "n_valid", "n_missing"]
# the 30-row exports of the demo instrument (pspp_missing.* hold four made-up rows of other variables;
# demo_survey_2025.csv is the whole survey they were exported from)
FIXTURE_FILES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".sav", ".zsav", ".por", ".dta", ".csv",
                                                                          ".xlsx")
                       and "missing" not in p.stem and p.name != "demo_survey_2025.csv")


@pytest.fixture(scope="module")
def demo_book():
    return codebook(sk.datasets.demo_path("sav"), instrument=sk.datasets.demo_instrument_path())


def test_demo_codebook_with_instrument(demo_book):
    d = demo_book.to_dict()
    assert list(d) == ["file", "n_rows", "variables"] and d["n_rows"] == 600
    names = [v["name"] for v in d["variables"]]
    assert names[:4] == ["respondent_id", "branch_id", "ide_1", "ide_2"] and len(names) == 49
    assert names[-1] == "weight"
    assert d["variables"][2]["value_labels"]["1"] == "非常不同意"  # JSON object keys are strings
    v = {x["name"]: x for x in demo_book.variables}
    ide1 = v["ide_1"]
    assert list(ide1)[:7] == FIRST_KEYS
    assert ide1["label"] == "本党组织按照年度计划开展政治理论学习。"
    assert ide1["value_labels"][1] == "非常不同意" and ide1["missing_values"] == [8, 9]
    assert (ide1["n_valid"], ide1["n_missing"]) == (599, 1) and ide1["missing_counts"] == {8: 1}
    assert sum(ide1["counts"].values()) == 599 and set(ide1["counts"]) == {1, 2, 3, 4, 5}
    assert (ide1["construct"], ide1["reverse"], ide1["role"], ide1["match"]) == ("IDE", False, "item", "name")
    assert ide1["item_text_en"].startswith("Our Party organization")
    assert v["ide_2"]["reverse"] is True
    raw = pd.read_csv(sk.datasets.demo_path("csv"))
    assert v["duration_sec"]["counts"] is None and v["duration_sec"]["min"] == raw["duration_sec"].min()
    assert (v["branch_id"]["role"], v["weight"]["role"]) == ("respondent", "respondent")
    assert v["weight"]["counts"] is None and v["weight"]["min"] == raw["weight"].min()
    region = raw["region"].value_counts()
    assert v["region"]["counts"] == {1: region[1], 2: region[2]} and v["region"]["match"] == "name"
    json.loads(demo_book.to_json())  # JSON-safe
    frame = demo_book.to_frame()
    assert len(frame) == 49 and frame.loc[2, "value_labels"].startswith("1 = 非常不同意")


def test_codebook_without_instrument_counts_declared_missing_as_missing():
    book = codebook(FIXTURES / "pspp_labelled.sav")
    v = {x["name"]: x for x in book.variables}
    assert v["ide_2"]["n_missing"] == 1 and v["ide_2"]["missing_counts"] == {8: 1}
    expected = pd.read_csv(FIXTURES / "demo_survey_2025.csv").head(30)["ide_2"].drop(index=2).value_counts()
    assert v["ide_2"]["counts"] == {k: expected[k] for k in sorted(expected.index)}
    assert v["ide_5"]["value_labels"] == {1: "非常不同意", 5: "非常同意", 8: "不清楚", 9: "拒答"}
    assert v["years_member"]["missing_ranges"] == [[90.0, float("inf")]]
    assert v["note"]["type"] == "string" and v["note"]["n_valid"] == 3
    assert book.file_label == "基层党组织执行力调查（PSPP 测试文件）"
    assert "variable" not in v["ide_1"]


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_codebook_on_every_fixture(name):
    ins = sk.load_instrument(sk.datasets.demo_instrument_path())
    book = codebook(FIXTURES / name, instrument=ins)
    assert book.n_rows == 30
    for fmt in ("md", "json", "html"):
        assert book.render(fmt)
    items = [v for v in book.variables if v.get("role") == "item"]
    assert items and all(v["n_valid"] + v["n_missing"] == 30 for v in items)


def test_answer_texts_are_counted_under_their_codes():
    book = codebook(FIXTURES / "qualtrics_text.csv", instrument=sk.datasets.demo_instrument_path())
    v = {x["name"]: x for x in book.variables}
    assert v["Q1_1"]["variable"] == "ide_1" and v["Q1_1"]["match"] == "label"
    assert set(v["Q1_1"]["counts"]) <= {1, 2, 3, 4, 5}
    assert v["Q2_3"]["missing_values"] == [8, 9] and v["Q2_3"]["missing_counts"] == {8: 1, 9: 2}
    assert v["Q1_1"]["question"].startswith("How much do you agree")
    assert v["Duration (in seconds)"]["match"] == "platform"
    assert "Q12" in v and v["Q12"]["variable"] is None


def test_codebook_of_a_survey_data_rereads_its_file():
    data = read_survey(FIXTURES / "haven_labelled.dta", instrument=subset("ORG"))
    book = codebook(data)
    v = {x["name"]: x for x in book.variables}
    assert v["org_3"]["missing_counts"] == {"a": 1, "b": 2} and v["org_3"]["n_valid"] == 27
    assert book.instrument == "execution_capacity"


def test_renderings_escape_text(tmp_path):
    frame = pd.DataFrame({"q1": [1.0, 2.0, 9.0], "q2": [1.0, 1.0, 2.0]})
    path = tmp_path / "x.sav"
    write_sav(frame, path, variable_labels={"q1": "<script>alert('x')</script> | a & b"},
              value_labels={"q1": {1: "<b>一</b>"}}, missing_values={"q1": [9]}, file_label="文件 <标签>")
    book = codebook(path)
    page = book.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;一&lt;/b&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and "http" not in page
    md = book.to_markdown()
    assert "\\| a & b" in md
    row = [line for line in md.splitlines() if line.startswith("| q1 ")][0]
    assert row.count(" | ") == 11  # the label's pipe does not add a column
    # Markdown passes raw HTML through: no tag may open (issue 13)
    assert "<script>" not in md and "<b>" not in md and "&lt;script>alert('x')&lt;/script>" in md


def test_labels_that_look_like_formulas_stay_text_in_the_workbook(tmp_path):
    """A label starting with '=' would be a live formula in the .xlsx (OWASP CSV/formula injection)."""
    frame = pd.DataFrame({"q1": [1.0, 2.0]})
    path = tmp_path / "x.sav"
    write_sav(frame, path, variable_labels={"q1": "=HYPERLINK(\"http://x\",\"y\")"}, value_labels={"q1": {1: "=1+1"}})
    codebook(path).write(tmp_path / "cb.xlsx")
    book = openpyxl.load_workbook(tmp_path / "cb.xlsx")
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "=1+1" in [c.value for c in book["value_labels"]["D"]]


def test_write_formats_atomically(tmp_path, demo_book):
    for name in ("cb.md", "cb.json", "cb.html", "cb.xlsx"):
        assert demo_book.write(tmp_path / name) == tmp_path / name
    assert json.loads((tmp_path / "cb.json").read_text(encoding="utf-8"))["n_rows"] == 600
    book = openpyxl.load_workbook(tmp_path / "cb.xlsx")
    assert book.sheetnames == ["variables", "value_labels", "file"]
    header = [c.value for c in book["variables"][1]]
    assert header[:7] == FIRST_KEYS
    assert book["variables"]["B4"].value == "本党组织按照年度计划开展政治理论学习。"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.html", "cb.json", "cb.md", "cb.xlsx"]
    with pytest.raises(SpecError, match="Cannot tell the codebook format from the file name"):
        demo_book.write(tmp_path / "cb.txt")
    with pytest.raises(SpecError, match="format='pdf' is not one of 'md', 'json', 'xlsx', 'html'."):
        demo_book.render("pdf")


def test_bfi_codebook_labels_and_numbers():
    ref = FIXTURES.parents[1] / "reference" / "data"
    sav = {v["name"]: v for v in codebook(ref / "bfi.sav").variables}
    csv = {v["name"]: v for v in codebook(ref / "bfi.csv").variables}
    assert sav["A1"]["label"] == "Am indifferent to the feelings of others."
    assert sav["A1"]["value_labels"][6] == "Very Accurate"
    assert sav["gender"]["value_labels"] == {1: "Males", 2: "Females"}
    for name in ("A1", "C5", "education", "age"):
        assert sav[name]["n_valid"] == csv[name]["n_valid"] and sav[name]["mean"] == pytest.approx(csv[name]["mean"])
    assert sav["education"]["n_missing"] == 223
