"""The results schema: every record is validated when a report is written and when one is read."""

from __future__ import annotations

import copy
import json

import pytest

from surveykit.errors import SpecError
from surveykit.report import write_report
from surveykit.report.schema import SCHEMA_VERSION, ResultsRecord, read_results, schema_json, validate_results


def test_the_demo_record_validates_and_round_trips(demo_run):
    rec = validate_results(demo_run.results)
    assert isinstance(rec, ResultsRecord) and rec.surveykit_results == SCHEMA_VERSION
    again = rec.model_dump(mode="json", exclude_unset=True, by_alias=True)
    assert again == demo_run.results


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["measurement"]["fit_measures"].update(cfl=r["measurement"]["fit_measures"].pop("cfi")),
     "measurement.fit_measures.cfi: Field required"),
    (lambda r: r["reliability"][0].update(alpah=r["reliability"][0].pop("alpha")),
     "reliability.0.alpha: Field required (1 more problems)"),
    (lambda r: r.update(hypothesis=r.pop("hypotheses")), "hypothesis: Extra inputs are not permitted"),
    (lambda r: r["structural"]["parameters"][0].update(est="0.5"),
     "structural.parameters.0.est: Input should be a valid number"),
    (lambda r: r["screening"].update(n_after=None), "screening.n_after: Input should be a valid integer"),
])
def test_a_wrong_key_or_value_fails_on_write(demo_run, tmp_path, change, message):
    bad = copy.deepcopy(demo_run.results)
    change(bad)
    with pytest.raises(SpecError, match=r"the results record does not match the results schema: " + _re(message)):
        write_report(bad, demo_run.manifest, tmp_path, formats=("md",))
    assert not any(tmp_path.iterdir())  # nothing written


def _re(text: str) -> str:
    import re

    return re.escape(text)


def test_a_wrong_key_fails_on_read(demo_run, tmp_path):
    bad = copy.deepcopy(demo_run.results)
    bad["psychometrics"]["kmo"]["overall"] = bad["psychometrics"]["kmo"].pop("msa")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(SpecError, match=f"{_re(str(path))} does not match the results schema: psychometrics.kmo.msa: "
                                        "Field required"):
        read_results(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(SpecError, match="is not valid JSON"):
        read_results(path)


def test_another_version_is_refused_with_what_to_do(demo_run):
    old = dict(demo_run.results, surveykit_results=2)
    with pytest.raises(SpecError, match="is version 2 of the results schema; this surveykit reads version 4: "
                                        "regenerate it with `surveykit analyze`"):
        validate_results(old)


def test_json_schema_is_published():
    js = schema_json()
    assert js["title"] == "ResultsRecord" and "measurement" in js["required"]
    assert js["properties"]["surveykit_results"] == {"const": SCHEMA_VERSION, "title": "Surveykit Results",
                                                     "type": "integer"}
