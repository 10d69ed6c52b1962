"""`surveykit questionnaire`: each format written atomically, bad input as one sentence and exit code 2."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app

INSTRUMENT = sk.datasets.demo_instrument_path()


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(("name", "fmt", "start"), [
    ("q.html", None, b"<!DOCTYPE html>"), ("q.docx", None, b"PK"), ("form.xlsx", "xlsform", b"PK"),
    ("wjx.txt", "wjx", "基层党组织执行力调查问卷".encode()), ("qualtrics.txt", "qualtrics", b"[[AdvancedFormat]]"),
    ("codebook.md", None, "# 编码手册".encode()),
])
def test_writes_each_format_and_prints_the_path(tmp_path, name, fmt, start):
    before = hashlib.sha256(INSTRUMENT.read_bytes()).hexdigest()
    out = tmp_path / name
    result = invoke("questionnaire", INSTRUMENT, "--out", out, *(("--format", fmt) if fmt else ()))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out) and out.read_bytes().startswith(start)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left
    assert hashlib.sha256(INSTRUMENT.read_bytes()).hexdigest() == before


def test_fieldwork_codebook_workbook_is_bilingual_with_keying_and_missing_codes(tmp_path):
    out = tmp_path / "codebook.xlsx"
    result = invoke("questionnaire", INSTRUMENT, "--format", "codebook-xlsx", "--out", out, "--lang", "both")
    assert result.exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["codebook", "scales", "instrument"]
    rows = list(book["codebook"].values)
    header = rows[0]
    ide2 = dict(zip(header, next(r for r in rows if r[1] == "ide_2")))
    assert ide2["number"] == 2 and ide2["kind"] == "item" and ide2["keying"] == "reverse"
    assert ide2["construct"] == "IDE 思想建设 / Ideological building" and ide2["text_zh"].startswith("业务工作繁忙时")
    assert ide2["missing_codes"] == "8 = 不清楚 / Don't know; 9 = 拒答 / Refused"
    assert ide2["codes"].startswith("1 = 非常不同意 / Strongly disagree; 2 = 不同意 / Disagree")
    assert [r[1] for r in rows[-4:]] == ["respondent_id", "branch_id", "weight", "duration_sec"]


def test_seed_is_used_and_recorded(tmp_path):
    out = tmp_path / "q.html"
    assert invoke("questionnaire", INSTRUMENT, "--out", out, "--seed", "3").exit_code == 0
    assert "shuffled with numpy.random.default_rng(3)" in out.read_text(encoding="utf-8")


def _bad_instrument(tmp_path):
    data = yaml.safe_load(INSTRUMENT.read_text(encoding="utf-8"))
    data["constructs"][0]["items"][1]["text"]["en"] = " "
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("args", "message"), [
    (("--out", "{tmp}/q.txt"), "Cannot tell the questionnaire format from '{tmp}/q.txt' (a .txt); give --format"),
    (("--out", "{tmp}/q.html", "--format", "odt"), "--format 'odt' is not one of html, docx, pdf, xlsform"),
    (("--out", "{tmp}/q.html", "--lang", "fr"), "--lang 'fr' is not one of zh, en, both"),
    (("--out", "{tmp}/no/such/q.html"), "the folder {tmp}/no/such does not exist"),
    (("--out", "{tmp}/q.txt", "--format", "wjx", "--lang", "both"), "A 问卷星 text import holds one language"),
])
def test_bad_usage_is_one_sentence_and_exit_2(tmp_path, args, message):
    result = CliRunner().invoke(app, ["questionnaire", str(INSTRUMENT), *(a.format(tmp=tmp_path) for a in args)])
    assert result.exit_code == 2
    assert message.format(tmp=tmp_path) in result.stderr and "Traceback" not in result.output


def test_bad_instrument_in_a_real_process_names_the_item_without_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    proc = subprocess.run([sys.executable, "-m", "surveykit", "questionnaire", str(_bad_instrument(tmp_path)),
                           "--out", str(tmp_path / "q.docx"), "--lang", "en"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "surveykit: error: Item 'ide_2' of instrument 'execution_capacity' has no English text (items[ide_2].text.en "
        "is blank); add it to the instrument, or choose --lang zh.")
    assert not (tmp_path / "q.docx").exists()
