"""Instruments derived from the shipped demo instrument, for the data-layer tests."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

import surveykit as sk
from surveykit.instrument import Instrument, instrument_from_dict

FIXTURES = Path(__file__).parent / "fixtures"
ATTENTION = {
    "id": "att_1",
    "text": {
        "zh": "为确认您在认真作答，本题请选择“同意”。",
        "en": 'To show that you are reading carefully, please select "Agree" for this question.',
    },
    "correct": [4],
}


def demo_dict() -> dict:
    return yaml.safe_load(sk.datasets.demo_instrument_path().read_text(encoding="utf-8"))


def with_attention() -> Instrument:
    """The demo instrument plus the attention check the platform fixtures carry."""
    data = demo_dict()
    data["attention_checks"] = [copy.deepcopy(ATTENTION)]
    return instrument_from_dict(data)


def subset(*constructs: str, attention: bool = False) -> Instrument:
    """The demo instrument with only `constructs` (for fixtures holding a few items)."""
    data = demo_dict()
    data["constructs"] = [c for c in data["constructs"] if c["code"] in constructs]
    if attention:
        data["attention_checks"] = [copy.deepcopy(ATTENTION)]
    return instrument_from_dict(data)


def write(instrument: Instrument, path: Path) -> Path:
    """Write `instrument` as YAML (for command-line tests)."""
    path.write_text(yaml.safe_dump(instrument.model_dump(exclude_defaults=True), allow_unicode=True), encoding="utf-8")
    return path
