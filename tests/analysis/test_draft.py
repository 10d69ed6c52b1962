"""`surveykit init`'s drafts: an instrument and a spec from a data file, valid as they are."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml

import surveykit as sk
from surveykit.analysis.draft import draft_files
from surveykit.analysis.spec import load_spec
from surveykit.errors import DataError, SurveykitWarning
from surveykit.instrument import instrument_from_dict

REF = Path(__file__).resolve().parents[1] / "reference" / "data"
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


@pytest.fixture(scope="module")
def bfi(tmp_path_factory):
    out = tmp_path_factory.mktemp("draft")
    draft = draft_files(REF / "bfi.sav", out / "bfi_instrument.yaml", out / "bfi_analysis.yaml")
    (out / "bfi_instrument.yaml").write_text(draft.instrument_yaml(), encoding="utf-8")
    (out / "bfi_analysis.yaml").write_text(draft.spec_yaml(), encoding="utf-8")
    return out, draft


def test_bfi_instrument_from_the_file_labels(bfi):
    out, draft = bfi
    ins = instrument_from_dict(yaml.safe_load((out / "bfi_instrument.yaml").read_text(encoding="utf-8")))
    assert [c.code for c in ins.constructs] == ["A", "C", "E", "N", "O"]
    assert all(len(c.items) == 5 for c in ins.constructs)
    a1 = ins.item("A1")
    assert a1.text.en == a1.text.zh == "Am indifferent to the feelings of others." and a1.reverse is False
    scale = ins.scales[ins.default_scale]
    assert (scale.min, scale.max) == (1, 6) and scale.labels[6].en == "Very Accurate" and not scale.missing
    assert {r.id: r.type for r in ins.respondent} == {"gender": "categorical", "education": "categorical",
                                                     "age": "numeric"}
    assert ins.respondent_variable("gender").codes[2].en == "Females"
    text = (out / "bfi_instrument.yaml").read_text(encoding="utf-8")
    assert "# REVIEW: constructs A, C, E, N, O were guessed from the item names" in text
    assert "# REVIEW: no item is reverse-keyed in this draft" in text
    assert len(draft.review) == 2  # the file has value labels and variable labels


def test_the_drafted_spec_runs_and_so_does_it_with_paths_named(bfi):
    out, _ = bfi
    spec, _ = load_spec(out / "bfi_analysis.yaml")
    assert spec.data_path.resolve() == (REF / "bfi.sav").resolve() and spec.psychometrics.n_factors == 5
    assert isinstance(spec.seed, int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveykitWarning)
        res = sk.analyze(out / "bfi_analysis.yaml")
        assert [r.name for r in res.record.reliability] == ["A", "C", "E", "N", "O"]
        # the one hand edit: name the paths of a structural model
        text = (out / "bfi_analysis.yaml").read_text(encoding="utf-8")
        (out / "paths.yaml").write_text(text + "structural:\n  model: |\n    C ~ A\n    E ~ A + C\n", encoding="utf-8")
        res = sk.analyze(out / "paths.yaml")
    assert [(p.lhs, p.rhs) for p in res.record.structural.rows("~")] == [("C", "A"), ("E", "A"), ("E", "C")]


def test_declared_missing_codes_and_chinese_labels(tmp_path):
    """A PSPP file of the demo's items: value labels, user-missing 8 and 9, Chinese item texts."""
    draft = draft_files(FIXTURES / "pspp_labelled.sav", tmp_path / "i.yaml", tmp_path / "s.yaml")
    scale = draft.instrument["scales"]["likert"]
    assert (scale["min"], scale["max"]) == (1, 5) and scale["labels"][1] == "非常不同意"
    assert scale["missing"] == {8: "不清楚", 9: "拒答"}
    ide = draft.instrument["constructs"][0]
    assert ide["code"] == "IDE" and ide["items"][0]["text"] == "我所在的党支部按照固定的计划开展政治理论学习。"
    assert {"id": "region", "label": "地区", "type": "categorical", "codes": {1: "城市", 2: "农村"}} in \
        draft.instrument["respondent"]


def test_a_file_without_labels_is_drafted_for_review(tmp_path):
    draft = draft_files(REF / "bfi.csv", tmp_path / "i.yaml", tmp_path / "s.yaml")
    assert draft.instrument["scales"]["likert"]["labels"] == {k: str(k) for k in range(1, 7)}
    assert any(r.startswith("scale: points 1-6 are the answers seen") for r in draft.review)
    assert any(r.startswith("item texts are the column names") for r in draft.review)
    assert draft.instrument["constructs"][0]["items"][0] == {"id": "A1", "text": "A1", "reverse": False}


def test_a_file_without_numbered_items_is_refused(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("id,age,q1,q2\n1,30,2,3\n2,40,4,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="no items found: surveykit init groups numbered columns with a common "
                                        r"prefix \(A1, A2, A3"):
        draft_files(path, tmp_path / "i.yaml", tmp_path / "s.yaml")
