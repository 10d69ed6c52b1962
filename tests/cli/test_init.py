"""`surveykit init` and `surveykit schema`: drafts written once, schemas printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from surveykit.cli.app import app

runner = CliRunner()
BFI = Path(__file__).resolve().parents[1] / "reference" / "data" / "bfi.sav"


def test_init_writes_two_drafts_that_name_their_schemas(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", str(BFI)])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["bfi_instrument.yaml", "bfi_analysis.yaml"]
    first = (tmp_path / "bfi_instrument.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=file://") and first.endswith("instrument.schema.json")
    assert "instrument: bfi_instrument.yaml" in (tmp_path / "bfi_analysis.yaml").read_text(encoding="utf-8")


def test_init_never_overwrites(tmp_path):
    ins, spec = tmp_path / "i.yaml", tmp_path / "s.yaml"
    spec.write_text("mine\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(BFI), "--instrument-out", str(ins), "--spec-out", str(spec)])
    assert result.exit_code == 2
    assert f"--spec-out {spec} exists; choose another file or remove it (init never overwrites)." in result.output
    assert spec.read_text(encoding="utf-8") == "mine\n" and not ins.exists()
    result = runner.invoke(app, ["init", str(BFI), "--instrument-out", str(ins), "--spec-out", str(ins)])
    assert result.exit_code == 2 and "--instrument-out and --spec-out are the same file" in result.output


def test_schema_prints_and_writes(tmp_path):
    result = runner.invoke(app, ["schema", "instrument"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Instrument" and "constructs" in schema["required"]
    out = tmp_path / "results.schema.json"
    result = runner.invoke(app, ["schema", "results", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text(encoding="utf-8"))["title"] == "ResultsRecord"
    result = runner.invoke(app, ["schema", "spec"])
    assert result.exit_code == 2 and "NAME 'spec' is not one of instrument, analysis, results." in result.output
