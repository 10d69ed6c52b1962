"""Every failure a sentence (issue 13): each class a user can cause or meet, through the command line,
with its exit code and its sentence; no traceback, nothing written."""

from __future__ import annotations

import copy
import json
import os

import pytest
from typer.testing import CliRunner

from surveykit.cli.app import app
from tests._tiny import INSTRUMENT, tiny_data, write_tiny

runner = CliRunner()


def _analyze(spec, out):
    res = runner.invoke(app, ["analyze", str(spec), "--out", str(out)])
    assert "Traceback" not in res.output
    return res


def _refused(folder, **changes) -> str:
    spec = write_tiny(folder, **changes)
    res = _analyze(spec, folder / "out")
    assert res.exit_code == 2, res.output
    assert not (folder / "out").exists()
    line = res.output.strip()
    assert line.startswith("surveykit: error: ") and "\n" not in line
    return line.removeprefix("surveykit: error: ")


def _model(text: str, **extra) -> dict:
    return {"spec": {"structural": {"model": text, **extra}}}


# -- model mistakes that would change results silently ---------------------------------------------------------
@pytest.mark.parametrize("model, sentence", [
    ("BBB ~ p*AAA\nBBB ~ BBB\n", "structural.model line 2: 'BBB ~ BBB' relates a variable to itself; remove it."),
    ("BBB ~ p*AAA\nr := p*2\nr := p*3\n", "The defined parameter 'r' is defined twice (:=); keep one definition."),
    ("r := 1 + 2\n", "The model has no '=~', '~' or '~~' line: there is nothing to estimate."),
    ("BBB ~ p*AAA\nr := " + "+".join(["p"] * 1000) + "\n",
     "structural.model line 2: the defined parameter expression is nested more than 200 deep (long chains of signs or "
     "operators); split it into several := lines that use each other."),
    ("BBB ~ p*AAA\nr := p^9^9^9\n", "structural.model line 2: the exponent "),
    # found by the fuzz test: an item on the left of =~ became a latent variable (no columns left, or a loop)
    ("a1 =~ a1\n", "structural.model line 1: 'a1 =~ a1' makes a1, a variable of the instrument, a latent variable; "
                   "the constructs' items are measured by the instrument, so use construct codes (AAA, BBB)"),
    ("BBB ~ p*AAA\na1 =~ AAA\n", "structural.model line 2: 'a1 =~ AAA' makes a1, a variable of the instrument"),
])
def test_model_mistakes(tmp_path, model, sentence):
    assert _refused(tmp_path, **_model(model)).startswith(sentence)


def test_duplicate_key_and_duplicate_hypothesis_id(tmp_path):
    spec = write_tiny(tmp_path / "a")
    spec.write_text(spec.read_text(encoding="utf-8") + "name: other\n", encoding="utf-8")
    res = _analyze(spec, tmp_path / "a" / "out")
    assert res.exit_code == 2
    last = len(spec.read_text(encoding="utf-8").splitlines())
    assert f"is not valid YAML at line {last}, column 1: the key 'name' appears twice in one mapping (first at line " \
           "1); keep one." in res.output
    hyp = {"kind": "path", "path": "BBB ~ AAA", "expect": "positive", "text": "x"}
    msg = _refused(tmp_path / "b", **_model("BBB ~ p*AAA\n", hypotheses=[{"id": "H1", **hyp}, {"id": "H1", **hyp}]))
    assert "key 'structural': hypothesis id 'H1' appears 2 times; give each hypothesis its own id." in msg


def test_item_named_like_a_construct(tmp_path):
    ins = copy.deepcopy(INSTRUMENT)
    ins["constructs"][0]["items"][0]["id"] = "BBB"
    msg = _refused(tmp_path, instrument=ins, data=tiny_data().rename(columns={"a1": "BBB"}))
    assert "construct code 'BBB' is also the name of an item of AAA; in the model one name cannot be both a " \
           "construct and a column, so rename one." in msg


def test_non_finite_defined_parameter_is_a_warning_in_the_report(tmp_path):
    spec = write_tiny(tmp_path, **_model("BBB ~ p*AAA\nr := p/0\n"))
    res = _analyze(spec, tmp_path / "out")
    assert res.exit_code == 0, res.output
    record = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert {"stage": "structural", "category": "DefinedParameterWarning",
            "message": "The defined parameter r := p/0 is inf at the estimates (a division by zero, or the log or a "
                       "fractional power of a negative value); it has no standard error. Check its expression."} \
        in record["warnings"]


# -- numerical dead ends ------------------------------------------------------------------------------------------
def test_collinear_items(tmp_path):
    data = tiny_data()
    data["a2"] = data["a1"]
    assert _refused(tmp_path, data=data).startswith(
        "The sample covariance matrix of the items of AAA is not positive definite (smallest eigenvalue ")
    assert _refused(tmp_path, data=data).endswith(
        "a1, a2 are linearly dependent (e.g. a1 and a2 correlate 1.0000). Remove redundant variables.")


def test_sample_too_small(tmp_path):
    assert _refused(tmp_path, data=tiny_data().iloc[:3]) == (
        "Only 3 usable rows for 3 items of AAA; the covariance matrix cannot be estimated. Collect more data or use "
        "fewer variables.")


# -- resources and file kinds -------------------------------------------------------------------------------------
def test_huge_requests_are_refused_before_allocating(tmp_path):
    msg = _refused(tmp_path / "boot", spec={"bootstrap": {"n_boot": 10**9}, "structural": {
        "model": "BBB ~ p*AAA\nd := p*p\n"}})
    assert msg == ("n_boot=1000000000 draws of 16 estimates would need 239.3 GiB of memory, more than the 8.0 GiB "
                   "surveykit allows one request; lower n_boot.")
    ins = copy.deepcopy(INSTRUMENT)
    ins["scales"]["agree5"]["max"] = 10**9
    msg = _refused(tmp_path / "scale", instrument=ins)
    assert "the scale 1-1000000000 has 1,000,000,000 points, more than 1,001 (a 0-1000 slider); record a quantity " \
           "as a respondent variable of type numeric." in msg


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
def test_data_that_is_a_fifo(tmp_path):
    spec = write_tiny(tmp_path)
    (tmp_path / "data.csv").unlink()
    os.mkfifo(tmp_path / "data.csv")
    res = _analyze(spec, tmp_path / "out")
    assert res.exit_code == 2
    assert res.output == (f"surveykit: error: '{tmp_path / 'data.csv'}' is a named pipe (FIFO), not a file. Save the "
                          "data to a file and give its path.\n")


@pytest.mark.parametrize("args, sentence", [
    (["reliability", "{data}", "--instrument", "{ins}", "--ci", "bootstrap", "--n-boot", "1000000000"],
     "n_boot=1000000000 bootstrap samples of 150 rows would need 3.3 TiB of memory, more than the 8.0 GiB "
     "surveykit allows one request; lower n_boot."),
    (["efa", "{data}", "--instrument", "{ins}", "--n-iter", "1000000000"],
     "n_iter=1000000000 simulated data sets of 6 items would need 44.7 GiB of memory, more than the 8.0 GiB "
     "surveykit allows one request; lower n_iter."),
])
def test_huge_psychometric_requests_are_refused(tmp_path, args, sentence):
    write_tiny(tmp_path)
    filled = [a.format(data=tmp_path / "data.csv", ins=tmp_path / "ins.yaml") for a in args]
    res = runner.invoke(app, filled)
    assert res.exit_code == 2
    assert res.output == f"surveykit: error: {sentence}\n"
