"""`surveykit verify`: passes on a fresh report, names what differs in a tampered one."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from typer.testing import CliRunner

import surveykit as sk
from surveykit.cli.app import app
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
    first, env = result.output.splitlines()
    assert first.startswith("verified: byte-identical: results.json and ") and first.endswith("3 inputs match")
    n = int(first.split("results.json and ")[1].split()[0])
    assert n == 3 + len(list((fresh / "figures").iterdir()))  # report.md/.html/.docx and the figures
    assert env == "environment: the same CPU, BLAS kernels and versions as the recorded run"


def _copy(fresh, tmp_path, name):
    """A copy of the report folder beside it: manifest.json names the inputs relative to the report
    folder, so a copy verifies where it keeps its place relative to the (not shipped) spec."""
    dst = fresh.parent / f"{tmp_path.name}-{name}"
    shutil.copytree(fresh, dst)
    return dst


def _rewrite_results(folder, change) -> None:
    """Change results.json as another run would write it: its manifest lists the new file's SHA-256."""
    res = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    change(res)
    (folder / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    man["outputs"]["results.json"] = hashlib.sha256((folder / "results.json").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")


def test_verify_calls_last_digit_differences_numerically_identical(fresh, tmp_path):
    """Another CPU's last digits: within the tolerances, named with the environment that differs."""
    moved = _copy(fresh, tmp_path, "moved")

    def change(res):
        res["reliability"][0]["items"][0]["r_drop"] *= 1 + 2e-10
        res["psychometrics"]["efa"]["loadings"][2][_factor(res, 1)] *= 1 + 3e-8
        res["measurement"]["fit_measures"]["pvalue"] += 1e-9

    _rewrite_results(moved, change)
    man = json.loads((moved / "manifest.json").read_text(encoding="utf-8"))
    man["environment"]["blas"][0]["kernel"] = "SkylakeX"
    man["versions"]["numpy"] = "1.0.0"
    (moved / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(moved)])
    assert result.exit_code == 0, result.output
    first, largest, env = result.output.splitlines()
    assert first.startswith("verified: numerically identical: 3 of ")
    assert "all within the declared tolerances" in first and first.endswith("3 inputs match")
    res = json.loads((moved / "results.json").read_text(encoding="utf-8"))
    where = f"psychometrics.efa.loadings[{res['psychometrics']['efa']['loadings'][2]['item']}].{_factor(res, 1)}"
    assert largest.startswith(f"largest difference: {where}: ")
    assert "tolerance: estimate, 1e-06 relative or 1e-09 absolute" in largest
    assert env.startswith("environment: ") and "BLAS kernel SkylakeX -> " in env and "numpy 1.0.0 -> " in env


def _factor(res, j) -> str:
    return [k for k in res["psychometrics"]["efa"]["loadings"][0] if k != "item"][j]


def test_verify_names_every_difference_in_a_tampered_report(fresh, tmp_path):
    bad = _copy(fresh, tmp_path, "bad")
    html = bad / "report.html"
    html.write_text(html.read_text(encoding="utf-8").replace("Hypotheses", "Hypothesen", 1), encoding="utf-8")

    def change(res):
        next(p for p in res["structural"]["parameters"] if p["op"] == "~")["est"] = 0.5
        res["measurement"]["fit_measures"]["pvalue"] += 2e-6

    _rewrite_results(bad, change)
    man = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    man["inputs"]["data"]["sha256"] = "0" * 64
    (bad / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")
    (bad / "figures" / "path.png").write_bytes(b"not a png")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.startswith("different: ")
    assert "differs: input data" in out and "SHA-256 differs" in out
    # the first number beyond its tolerance, with both values; the p-value (2e-6 absolute) counted after it
    assert "differs: results.json measurement.fit_measures.pvalue: recorded " in out
    assert "tolerance: pvalue, 1e-06 absolute); 1 more beyond tolerance" in out
    assert "differs: report.html differs from line" in out
    assert "differs: figures/path.png differs (not the rendering of results.json)" in out
    # the rendering of the edited results.json shows the path's 0.5, the committed reports do not
    assert "differs: report.md" in out and "differs: report.docx" in out


def test_verify_without_manifest_is_exit_2(tmp_path):
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json does not exist" in result.output


def test_verify_with_missing_input_is_exit_2(fresh, tmp_path):
    bad = _copy(fresh, tmp_path, "bad")
    man = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    man["inputs"]["data"]["file"] = str(tmp_path / "gone.sav")
    del man["inputs"]["data"]["shipped"]
    (bad / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 2
    assert "gone.sav recorded in manifest.json does not exist" in result.output


def test_verify_finds_shipped_inputs_in_this_installation(fresh, tmp_path):
    """A report of the shipped demo verifies on a machine where surveykit is installed elsewhere."""
    moved = _copy(fresh, tmp_path, "moved")
    man = json.loads((moved / "manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"]["data"]["shipped"] == "demo/demo_survey.sav"
    man["inputs"]["data"]["file"] = "/elsewhere/site-packages/surveykit/datasets/demo/demo_survey.sav"
    (moved / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(moved)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verified: byte-identical: ")


def test_verify_with_invalid_manifest_is_exit_2(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2 and "is not valid JSON" in result.output




def test_verify_checks_manifest_json_itself(fresh, tmp_path):
    """A stale or added file, a removed entry and a file edited after the report are each named (issue 13)."""
    # beside the original: manifest.json names the spec relative to the report folder
    bad = fresh.parent / f"bad-{tmp_path.name}"
    shutil.copytree(fresh, bad)
    (bad / "figures" / "old_path.svg").write_text("<svg/>", encoding="utf-8")  # a stale figure of an earlier run
    forged = sorted((bad / "figures").glob("*.png"))[0].relative_to(bad).as_posix()
    man = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    del man["outputs"][forged]  # the forger removes the entry instead of updating it
    (bad / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")
    (bad / forged).write_bytes(b"forged")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert ("differs: figures/old_path.svg is in the report folder but manifest.json does not list it (a stale or "
            "added file; remove it or run the analysis again)") in out
    assert f"differs: {forged} is in the report folder but manifest.json does not list it" in out
    assert f"differs: manifest.json does not list {forged}, which the report writes (an entry was removed)" in out
    assert f"differs: {forged} differs (not the rendering of results.json)" in out
    html = bad / "report.html"
    man["outputs"][forged] = hashlib.sha256(b"forged").hexdigest()  # the forger updates the entry instead
    (bad / "manifest.json").write_text(json.dumps(man, indent=2), encoding="utf-8")
    html.write_bytes(html.read_bytes() + b" ")
    out = runner.invoke(app, ["verify", str(bad)]).output
    assert ("differs: report.html: its SHA-256 is not the one manifest.json records (the file was changed after the "
            "report was written)") in out
    assert f"differs: {forged} differs (not the rendering of results.json)" in out
