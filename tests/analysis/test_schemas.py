"""The JSON Schemas shipped with surveykit are the models' current schemas."""

from __future__ import annotations

import pytest

from surveykit.analysis.schemas import SCHEMAS, json_schema, schema_path, schema_text
from surveykit.errors import SpecError


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_shipped_schema_is_current(name):
    assert schema_path(name).read_text(encoding="utf-8") == schema_text(name), (
        f"regenerate: surveykit schema {name} --out surveykit/schemas/{name}.schema.json")


def test_a_text_is_a_string_or_both_languages():
    text = json_schema("instrument")["$defs"]["Text"]
    assert text["anyOf"][0] == {"type": "string", "minLength": 1}
    assert set(text["anyOf"][1]["required"]) == {"zh", "en"}


def test_the_spec_schema_hides_internal_keys():
    assert "base_dir" not in json_schema("analysis")["properties"]


def test_unknown_schema():
    with pytest.raises(SpecError, match="name='spec' is not one of 'instrument', 'analysis', 'results'."):
        json_schema("spec")
