"""`surveykit reliability` and `surveykit efa`: tables on stdout or in a file, exit codes.

Run in-process with typer's CliRunner (a subprocess per case would cost seconds of imports);
tests/cli covers the console entry point itself.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app

DATA = sk.datasets.demo_path("csv")
INS = sk.datasets.demo_instrument_path()


def run(*args):
    res = CliRunner().invoke(app, [str(a) for a in args])
    return SimpleNamespace(returncode=res.exit_code, stdout=res.stdout, stderr=res.stderr)


def test_reliability_prints_tables():
    proc = run("reliability", DATA, "--instrument", INS, "--construct", "IDE", "--construct", "ORG")
    assert proc.returncode == 0, proc.stderr
    assert "Reliability by construct" in proc.stdout
    assert "critical ratio (CR, item discrimination)" in proc.stdout
    assert "ide_1" in proc.stdout and "org_5" in proc.stdout


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_reliability_writes_the_format_asked(tmp_path, fmt):
    out = tmp_path / f"rel.{fmt}"
    proc = run("reliability", DATA, "--instrument", INS, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        doc = json.loads(text)
        assert [s["construct"] for s in doc["scales"]][:2] == ["IDE", "ORG"]
    elif fmt == "csv":
        assert text.splitlines()[0].startswith("construct,item,n,mean,sd,skew,kurtosis,r_drop")
    else:
        assert text.startswith("### Reliability and item analysis")


def test_efa_with_fixed_and_automatic_number_of_factors(tmp_path):
    proc = run("efa", DATA, "--instrument", INS, "--n-factors", "8", "--format", "md")
    assert proc.returncode == 0, proc.stderr
    assert "Exploratory factor analysis" in proc.stdout and "Kaiser-Meyer-Olkin" in proc.stdout
    assert "Harman" in proc.stdout and "Parallel analysis" not in proc.stdout
    out = tmp_path / "efa.json"
    proc = run("efa", DATA, "--instrument", INS, "--n-factors", "auto", "--seed", "2", "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["parallel"]["rng_seed"] == 2
    assert doc["efa"]["n_factors"] == doc["parallel"]["n_factors"]


def test_bad_options_exit_2_with_one_sentence():
    proc = run("efa", DATA, "--instrument", INS, "--n-factors", "many")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "surveykit: error: --n-factors 'many' must be 'auto' or a positive integer."
    proc = run("reliability", DATA, "--instrument", INS, "--format", "xlsx")
    assert proc.returncode == 2 and "--format 'xlsx' is not one of" in proc.stderr
    proc = run("efa", DATA, "--instrument", INS, "--rotation", "quartimax")
    assert proc.returncode == 2 and "rotation='quartimax' is not one of" in proc.stderr
