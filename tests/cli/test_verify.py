"""`surveykit verify`: passes on a fresh report, names what differs in a tampered one."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app
from surveykit.cli.verify import first_json_difference
from surveykit.report import write_report

runner = CliRunner()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    from ..conftest import write_light_spec

    spec = write_light_spec(tmp_path_factory.mktemp("spec"))
    with pytest.warns(sk.errors.MissingDataWarning):
        res = sk.analyze(spec, command=f"surveykit analyze {spec}")
    out = tmp_path_factory.mktemp("fresh")
    write_report(res.results, res.manifest, out, lang="en", formats=("html", "md", "json", "docx"),
                 table_style="cn", convention="cn-journal")
    return out


def test_verify_passes_on_a_fresh_report(fresh):
    result = runner.invoke(app, ["verify", str(fresh)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verified: ") and "3 inputs match" in result.output
    n = int(result.output.split()[1])
    assert n == 4 + len(list((fresh / "figures").iterdir()))  # results.json, report.md/.html/.docx, figures


def test_verify_names_every_difference_in_a_tampered_report(fresh, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(fresh, bad)
    html = bad / "report.html"
    html.write_text(html.read_text(encoding="utf-8").replace("Hypotheses", "Hypothesen", 1), encoding="utf-8")
    res = json.loads((bad / "results.json").read_text(encoding="utf-8"))
    res["structural"]["paths"][1]["est"] = 0.5
    (bad / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    man = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    man["inputs"]["data"]["sha256"] = "0" * 64
    (bad / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")
    (bad / "figures" / "path.png").write_bytes(b"not a png")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "differs: report.html differs from line" in out
    assert "differs: results.json differs at $.structural.paths[1].est: 0.5 != " in out
    assert "differs: input data" in out and "SHA-256 differs" in out
    assert "differs: figures/path.png differs" in out
    assert "report.md" not in out and "report.docx" not in out


def test_verify_without_manifest_is_exit_2(tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json does not exist" in result.output


def test_verify_with_missing_input_is_exit_2(fresh, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(fresh, bad)
    man = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    man["inputs"]["data"]["file"] = str(tmp_path / "gone.sav")
    (bad / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 2
    assert "gone.sav recorded in manifest.json does not exist" in result.output


def test_verify_with_invalid_manifest_is_exit_2(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2 and "is not valid JSON" in result.output


def test_first_json_difference():
    assert first_json_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) is None
    assert first_json_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "$.a[1].b: 2 != 3"
    assert first_json_difference({"a": 1}, {"a": 1, "c": 2}) == "$.c: present in only one of the two"
    assert first_json_difference([1], [1, 2]) == "$: 1 entries != 2"
