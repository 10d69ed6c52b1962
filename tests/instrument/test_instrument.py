"""The instrument schema and the shipped execution-capacity instrument."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveykit.errors import InstrumentError
from surveykit.instrument import instrument_from_dict, load_instrument

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = ROOT / "instruments" / "execution_capacity.yaml"


@pytest.fixture(scope="module")
def ins():
    return load_instrument(INSTRUMENT)


def test_eight_constructs_with_four_to_six_bilingual_items(ins):
    assert [c.code for c in ins.constructs] == ["IDE", "ORG", "CAP", "STY", "INT", "INS", "MEC", "EXE"]
    for c in ins.constructs:
        assert 4 <= len(c.items) <= 6, c.code
        assert any(it.reverse for it in c.items), f"{c.code} has no reverse-keyed item"
        for it in c.items:
            assert re.search(r"[\u4e00-\u9fff]", it.text.zh), it.id
            assert re.search(r"[A-Za-z]", it.text.en), it.id
            assert it.source.section and it.source.quote


def test_scale_and_missing_codes(ins):
    sc = ins.scales[ins.default_scale]
    assert (sc.min, sc.max) == (1, 5)
    assert sc.labels[1].zh == "非常不同意" and sc.labels[5].en == "Strongly agree"
    assert set(sc.missing) == {8, 9}
    assert sc.missing[8].zh == "不清楚" and sc.missing[9].zh == "拒答"


def test_respondent_variables(ins):
    ids = {r.id: r for r in ins.respondent}
    assert {"region", "role", "years_member", "duration_sec"} <= set(ids)
    assert set(ids["region"].codes) == {1, 2}
    assert set(ids["role"].codes) == {1, 2, 3}
    assert ids["duration_sec"].type == "duration"


def test_measurement_syntax(ins):
    syn = ins.measurement_syntax(["IDE", "EXE"]).splitlines()
    assert syn[0].startswith("IDE =~ ide_1 + ")
    assert syn[1].startswith("EXE =~ exe_1")


def test_packaged_copy_is_identical():
    pkg = ROOT / "surveykit" / "datasets" / "demo" / "execution_capacity.yaml"
    assert pkg.read_bytes() == INSTRUMENT.read_bytes()


def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_invalid_yaml_names_the_line(tmp_path):
    p = _write(tmp_path, "id: x\nscales: [1, 2\n")
    with pytest.raises(InstrumentError, match=r"bad\.yaml is not valid YAML at line \d+"):
        load_instrument(p)


def test_missing_key_names_the_key_path(tmp_path):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("    min: 1\n", "", 1)
    with pytest.raises(InstrumentError, match=r"key 'scales\.agree5\.min': Field required"):
        load_instrument(_write(tmp_path, text))


def test_item_without_english_names_the_item(tmp_path):
    ins = load_instrument(INSTRUMENT)
    first = ins.constructs[0].items[0]
    text = INSTRUMENT.read_text(encoding="utf-8").replace(f'en: "{first.text.en}"', "", 1)
    with pytest.raises(InstrumentError, match=r"key 'constructs\[0\]\.items\[0\]\.text\.en': Field required"):
        load_instrument(_write(tmp_path, text))


def test_unknown_key_is_rejected(tmp_path):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("default_scale: agree5", "default_scale: agree5\ncolour: red")
    with pytest.raises(InstrumentError, match=r"key 'colour': Extra inputs are not permitted"):
        load_instrument(_write(tmp_path, text))


def test_missing_code_inside_scale_is_rejected(tmp_path):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("      8: {zh:", "      3: {zh:", 1)
    with pytest.raises(InstrumentError, match=r"missing codes \[3\] lie inside the scale 1-5"):
        load_instrument(_write(tmp_path, text))


def test_duplicate_item_id_is_rejected(tmp_path):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("id: ide_2", "id: ide_1", 1)
    with pytest.raises(InstrumentError, match=r"item name 'ide_1' is used twice"):
        load_instrument(_write(tmp_path, text))


def test_top_level_not_a_mapping(tmp_path):
    with pytest.raises(InstrumentError, match="top level must be a mapping"):
        load_instrument(_write(tmp_path, "- a\n- b\n"))


def test_nonexistent_file(tmp_path):
    with pytest.raises(InstrumentError, match="does not exist"):
        load_instrument(tmp_path / "nope.yaml")


def test_plain_strings_stand_for_both_languages():
    """An English-only instrument: plain strings where one language suffices; no sources needed."""
    ins = instrument_from_dict({
        "id": "bfi", "version": "1", "title": "Big Five", "default_scale": "agree6",
        "scales": {"agree6": {"min": 1, "max": 6, "labels": {1: "Very Inaccurate", 6: "Very Accurate"}}},
        "constructs": [{"code": "A", "name": "Agreeableness", "items": [
            {"id": f"A{i}", "text": f"Item {i}."} for i in range(1, 4)]}],
    })
    assert ins.title.zh == ins.title.en == "Big Five" and ins.item("A2").text.en == "Item 2."
    assert ins.construct("A").definition is None and ins.item("A1").source is None and ins.source is None


def test_the_first_problem_shows_the_expected_form(tmp_path):
    text = INSTRUMENT.read_text(encoding="utf-8").replace("    min: 1\n", "", 1)
    with pytest.raises(InstrumentError, match=r"Fix that key\. Expected, for example: 'min: 1' \(the lowest point"):
        load_instrument(_write(tmp_path, text))
    text = INSTRUMENT.read_text(encoding="utf-8").replace(
        '    name: {zh: "思想建设", en: "Ideological building"}\n', "    name: [x]\n", 1)
    with pytest.raises(InstrumentError, match=r"must be a text: one string, or a mapping \{zh: \.\.\., en: \.\.\.\}"):
        load_instrument(_write(tmp_path, text))
