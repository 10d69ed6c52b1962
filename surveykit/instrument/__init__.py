"""Instrument layer: questionnaires as validated data (knows no files of responses)."""

from surveykit.instrument.schema import (
    AttentionCheck,
    Construct,
    Instrument,
    Item,
    RespondentVariable,
    Scale,
    Text,
    instrument_from_dict,
    load_instrument,
)

__all__ = [
    "AttentionCheck",
    "Construct",
    "Instrument",
    "Item",
    "RespondentVariable",
    "Scale",
    "Text",
    "instrument_from_dict",
    "load_instrument",
]
