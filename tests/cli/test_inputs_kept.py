"""No command overwrites its inputs (surveykit.analysis.commands.check_outputs, the spec's name, simulate's
.csv): one sentence, exit 2, the input unchanged."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from surveykit.cli.app import app
from tests._tiny import write_tiny

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def tiny(tmp_path):
    write_tiny(tmp_path)
    return tmp_path


@pytest.mark.parametrize("command", ["codebook", "reliability", "efa"])
@pytest.mark.parametrize("target", ["data.csv", "ins.yaml"])
def test_out_over_an_input_is_refused(tiny, command, target):
    data, ins = tiny / "data.csv", tiny / "ins.yaml"
    before = {p: _sha(p) for p in (data, ins)}
    res = _run(command, data, "--instrument", ins, "--out", tiny / target, *(["--format", "md"] * (command ==
                                                                                               "codebook")))
    name = "the data file" if target == "data.csv" else "the instrument"
    assert res.exit_code == 2
    assert res.output == (f"surveykit: error: --out '{tiny / target}' is {name} itself; write to another file (an "
                          "input is never overwritten).\n")
    assert {p: _sha(p) for p in (data, ins)} == before


def test_out_through_a_link_is_the_input(tiny):
    data = tiny / "data.csv"
    os.link(data, tiny / "alias.csv")
    res = _run("reliability", data, "--instrument", tiny / "ins.yaml", "--out", tiny / "alias.csv")
    assert res.exit_code == 2 and "is the data file itself" in res.output


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-x", "../elsewhere", "a/b"])
def test_spec_name_cannot_leave_reports(tiny, name, monkeypatch):
    spec = write_tiny(tiny, spec={"name": name})
    monkeypatch.chdir(tiny)
    before = sorted(os.listdir(tiny))
    res = _run("analyze", spec)
    assert res.exit_code == 2
    assert res.output == (f"surveykit: error: Spec file {spec}: key 'name': {name!r} is not a folder name: use "
                          "letters, digits, '_', '.' and '-', starting with a letter, digit or '_' (the report is "
                          "written to reports/<name>). Fix that key. Expected, for example: 'name: bfi', 'title: Big "
                          "Five', 'data: bfi.sav', 'instrument: bfi_instrument.yaml'.\n")
    assert sorted(os.listdir(tiny)) == before


def test_simulate_does_not_replace_a_lone_csv(tmp_path):
    csv = tmp_path / "survey.csv"
    csv.write_text("id,x\n1,2\n", encoding="utf-8")
    res = _run("simulate", ROOT / "analyses" / "demo_population.yaml", "--out", tmp_path / "survey.sav", "--n", "180")
    assert res.exit_code == 2
    assert res.output == (f"surveykit: error: --out {tmp_path / 'survey.sav'} would replace {csv}, which simulate "
                          "did not write (there is no survey.sav beside it); choose another name for the simulated "
                          "data.\n")
    assert csv.read_text(encoding="utf-8") == "id,x\n1,2\n"
    assert sorted(os.listdir(tmp_path)) == ["survey.csv"]
    # a second simulation replaces the pair the first wrote
    for _ in range(2):
        res = _run("simulate", ROOT / "analyses" / "demo_population.yaml", "--out", tmp_path / "sim.sav", "--n", "180")
        assert res.exit_code == 0, res.output
