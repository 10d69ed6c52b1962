"""JSON Schemas of the files surveykit reads and writes, from their pydantic models.

``instrument`` (an instrument YAML), ``analysis`` (an analysis spec YAML) and ``results``
(``results.json``).  They ship with surveykit (``surveykit/schemas/*.schema.json``) so that an
editor completes and checks a YAML file that names one in its first line::

    # yaml-language-server: $schema=<path or URL of instrument.schema.json>

``surveykit init`` writes that line; ``surveykit schema NAME`` prints a schema.  A test checks
that the shipped files are the models' current schemas (regenerate them with
``surveykit schema NAME --out surveykit/schemas/NAME.schema.json``).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from surveykit.analysis.spec import AnalysisSpec
from surveykit.errors import check_option
from surveykit.instrument import Instrument
from surveykit.report.schema import ResultsRecord

__all__ = ["SCHEMAS", "json_schema", "schema_text", "schema_path"]

SCHEMAS = {"instrument": Instrument, "analysis": AnalysisSpec, "results": ResultsRecord}


def json_schema(name: str) -> dict:
    """The JSON Schema (draft 2020-12) of ``name``: instrument, analysis or results."""
    check_option("name", name, SCHEMAS)
    schema = SCHEMAS[name].model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"surveykit-{name}.schema.json",
            **schema}


def schema_text(name: str) -> str:
    """The schema as the shipped file holds it (two-space indented JSON, a final newline)."""
    return json.dumps(json_schema(name), ensure_ascii=False, indent=2) + "\n"


def schema_path(name: str) -> Path:
    """The schema file shipped with surveykit."""
    check_option("name", name, SCHEMAS)
    return Path(str(resources.files("surveykit").joinpath("schemas", f"{name}.schema.json")))
