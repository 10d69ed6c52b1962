"""`surveykit codebook` and bad input to `codebook`, `validate` and `analyze --data`.

Exit codes and messages are checked in-process (typer's CliRunner, fast) for every bad
input, and through a real `python -m surveykit` process for a few, to prove that no
traceback reaches the terminal.  Every input file's SHA-256 is checked afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"
INSTRUMENT = sk.datasets.demo_instrument_path()


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def run(*args, cwd=None):
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "surveykit", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=600)


def one_sentence(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("surveykit: error: ") and "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# -- bad input files ------------------------------------------------------------------------------
def _truncated_sav(tmp: Path) -> Path:
    data = sk.datasets.demo_path("sav").read_bytes()
    path = tmp / "truncated.sav"
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt_sav(tmp: Path) -> Path:
    data = bytearray(sk.datasets.demo_path("sav").read_bytes())
    data[300:700] = b"\xff" * 400
    path = tmp / "corrupt.sav"
    path.write_bytes(bytes(data))
    return path


def _truncated_xlsx(tmp: Path) -> Path:
    path = tmp / "truncated.xlsx"
    path.write_bytes((FIXTURES / "wjx_text.xlsx").read_bytes()[:4000])
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path


def _binary_csv(tmp: Path) -> Path:
    path = tmp / "survey.csv"
    path.write_bytes(sk.datasets.demo_path("sav").read_bytes())
    return path


def _merged_header(tmp: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "ide_1", None, "ide_3"])
    sheet.append([1, 3, 4, 5])
    sheet.merge_cells("B1:C1")
    path = tmp / "merged.xlsx"
    book.save(path)
    return path


def _duplicated(tmp: Path) -> Path:
    frame = pd.read_csv(sk.datasets.demo_path("csv")).rename(columns={"ide_2": "ide_1"})
    path = tmp / "duplicated.csv"
    frame.to_csv(path, index=False)
    return path


def _truncated_por(tmp: Path) -> Path:
    path = tmp / "truncated.por"
    path.write_bytes((FIXTURES / "pspp_english.por").read_bytes()[:1000])
    return path


def _gbk(tmp: Path) -> Path:
    path = tmp / "gbk.csv"
    path.write_bytes((FIXTURES / "gbk_headers.csv").read_bytes())
    return path


BAD = {
    "truncated sav": (_truncated_sav, (), ("truncated.sav", "truncated or damaged")),
    "corrupt sav": (_corrupt_sav, (), ("corrupt.sav", "truncated or damaged")),
    "truncated por": (_truncated_por, (), ("truncated.por", "as an SPSS portable .por file: it ends inside",
                                           "truncated or damaged")),
    "truncated xlsx": (_truncated_xlsx, (), ("truncated.xlsx", "damaged or in another format")),
    "empty file": (_empty, (), ("empty.csv", "is empty (0 bytes)")),
    "binary named csv": (_binary_csv, (), ("survey.csv", "is not a text file", "format='sav'")),
    "merged header": (_merged_header, (), ("merged.xlsx", "merged cells at column C", "Unmerge them")),
    "duplicated names": (_duplicated, (), ("duplicated.csv", "'ide_1' (columns 3, 4)", "Rename them")),
    "utf-8 forced on gbk": (_gbk, ("--encoding", "utf-8"), ("gbk.csv", "is not valid UTF-8", "gb18030")),
    "big5 forced on gbk": (_gbk, ("--encoding", "big5"), ("gbk.csv", "is not valid Big5", "encoding='gb18030'")),
    "unknown layout": (_gbk, ("--layout", "surveymonkey"), ("gbk.csv", "Unknown layout='surveymonkey'")),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_sentence(tmp_path, case):
    make, options, fragments = BAD[case]
    path = make(tmp_path)
    before = sha(path)
    for command in (["codebook", path], ["validate", path, "--instrument", INSTRUMENT]):
        result = invoke(*command, *options)
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        one_sentence(result.stderr, *fragments)
    result = invoke("analyze", "--data", path, *options, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    one_sentence(result.stderr, path.name, *fragments[1:])
    assert sha(path) == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["absent", "empty"])
def test_item_column_entirely_missing(tmp_path, how):
    frame = pd.read_csv(sk.datasets.demo_path("csv"))
    if how == "absent":
        frame = frame.drop(columns=["ide_3"])
    else:
        frame["ide_3"] = None
    path = tmp_path / "items.csv"
    frame.to_csv(path, index=False)
    before = sha(path)
    validate = invoke("validate", path, "--instrument", INSTRUMENT)
    assert validate.exit_code == 1 and "BLOCKING PROBLEMS" in validate.stdout and "ide_3" in validate.stdout
    book = invoke("codebook", path, "--instrument", INSTRUMENT)
    assert book.exit_code == 0
    analyze = invoke("analyze", "--data", path, "--out", tmp_path / "out")
    assert analyze.exit_code == 2
    expected = "is not a column of the data" if how == "absent" else "has no valid answer in any row"
    one_sentence(analyze.stderr, "items.csv", "Item 'ide_3'", expected)
    assert sha(path) == before


# -- codebook output --------------------------------------------------------------------------------
def test_codebook_formats(tmp_path):
    path = FIXTURES / "wjx_text_gbk.csv"
    before = sha(path)
    md = invoke("codebook", path, "--instrument", INSTRUMENT)
    assert md.exit_code == 0 and md.stdout.startswith("# Codebook: wjx_text_gbk.csv")
    assert "| 4、(本党组织按照年度计划开展政治理论学习。) |" in md.stdout
    for fmt in ("html", "xlsx", "json"):
        out = tmp_path / f"book.{fmt}"
        result = invoke("codebook", path, "--format", fmt, "--out", out)
        assert result.exit_code == 0 and result.stdout.strip() == str(out) and out.stat().st_size > 0
    assert json.loads((tmp_path / "book.json").read_text(encoding="utf-8"))["n_rows"] == 30
    result = invoke("codebook", path, "--format", "xlsx")
    assert result.exit_code == 2
    one_sentence(result.stderr, "--out PATH.xlsx")
    result = invoke("codebook", path, "--format", "pdf")
    assert result.exit_code == 2
    one_sentence(result.stderr, "--format 'pdf' is not one of md, json, xlsx, html.")
    assert sha(path) == before


def test_codebook_xlsx_is_byte_identical_across_runs(tmp_path):
    """Two runs a second apart write the same bytes: fixed document dates (created, modified) and
    zip entry dates, as the questionnaire's workbooks (surveykit.io.stable)."""
    import time
    import zipfile

    path = FIXTURES / "wjx_text_gbk.csv"
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    assert invoke("codebook", path, "--format", "xlsx", "--out", one).exit_code == 0
    time.sleep(1.1)
    assert invoke("codebook", path, "--format", "xlsx", "--out", two).exit_code == 0
    assert one.read_bytes() == two.read_bytes()
    core = zipfile.ZipFile(one).read("docProps/core.xml").decode("utf-8")
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified
    assert {i.date_time for i in zipfile.ZipFile(one).infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert openpyxl.load_workbook(one).sheetnames == ["variables", "value_labels", "file"]


def test_validate_on_fixtures_and_layouts(tmp_path):
    for name in ("qualtrics_text.csv", "wjx_numeric.xlsx", "gbk_headers.csv"):
        result = invoke("validate", FIXTURES / name, "--instrument", INSTRUMENT, "--format", "json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["ok"] and report["n_rows"] == 30
    forced = invoke("validate", FIXTURES / "qualtrics_numeric.csv", "--instrument", INSTRUMENT, "--layout", "plain")
    assert forced.exit_code == 1  # read as a plain table, its columns have no labels to match
    assert "Item 'ide_1' of instrument 'execution_capacity' is not a column" in forced.stdout


def test_real_process_json_and_errors(tmp_path):
    """Through `python -m surveykit`: stdout is the JSON codebook; errors are one line, no traceback."""
    result = run("codebook", FIXTURES / "pspp_labelled.sav", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    book = json.loads(result.stdout)
    assert list(book) == ["file", "n_rows", "variables"]
    assert list(book["variables"][1])[:7] == ["name", "label", "type", "value_labels", "missing_values", "n_valid",
                                              "n_missing"]
    assert book["variables"][1]["missing_values"] == [8, 9]
    bad = _truncated_sav(tmp_path)
    before = sha(bad)
    result = run("validate", bad, "--instrument", INSTRUMENT)
    assert result.returncode == 2 and result.stdout == ""
    one_sentence(result.stderr, "truncated.sav", "truncated or damaged")
    assert sha(bad) == before
