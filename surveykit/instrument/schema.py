"""The instrument schema: constructs, items, scales and respondent variables as data.

An instrument is a YAML file (read with ``yaml.safe_load`` only) validated by the
pydantic models below.  Every text a respondent or reader sees is bilingual: Chinese
(``zh``) is primary, English (``en``) stands beside it.  Nothing here knows about
files of responses (that is :mod:`surveykit.io`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from surveykit._yaml import read_yaml, validation_message
from surveykit.errors import InstrumentError

__all__ = [
    "Text",
    "Scale",
    "Item",
    "Construct",
    "RespondentVariable",
    "AttentionCheck",
    "Instrument",
    "load_instrument",
    "instrument_from_dict",
]

_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in Chinese (primary) and English, or one plain string where one language suffices
    (it then stands for both: ``text: Am indifferent to the feelings of others.``)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_language(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # YAML reads "name: 2024" as a number
        if isinstance(value, str):
            return {"zh": value, "en": value}
        if not isinstance(value, (dict, Text)):
            raise ValueError("must be a text: one string, or a mapping {zh: ..., en: ...}")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        return {"anyOf": [{"type": "string", "minLength": 1}, handler(schema)],
                "description": "one text, or the text in Chinese (zh) and English (en)"}

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Source(_Strict):
    """Where in the source paper an item or construct comes from."""

    section: str = Field(min_length=1, description="section of the paper, e.g. '二、第一'")
    quote: str | None = Field(default=None, description="the sentence or phrase operationalized")


class Scale(_Strict):
    """A response scale: consecutive integer points with labels, plus declared missing codes."""

    min: int
    max: int
    labels: dict[int, Text]
    missing: dict[int, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        outside = [k for k in self.labels if not self.min <= k <= self.max]
        if outside:
            raise ValueError(f"labels {outside} lie outside the scale {self.min}-{self.max}")
        clash = [k for k in self.missing if self.min <= k <= self.max]
        if clash:
            raise ValueError(
                f"missing codes {clash} lie inside the scale {self.min}-{self.max}; "
                "choose codes outside the scale"
            )
        return self

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    @property
    def options(self) -> list[int]:
        """The codes in the order a questionnaire lists them: the scale points, then the missing codes.

        Every questionnaire surveykit writes (printed, XLSForm, 问卷星, Qualtrics) uses this
        order, so an option's position (what a 问卷星 numeric download holds) names its code.
        """
        return [*self.points, *sorted(self.missing)]

    def reverse(self, value: float) -> float:
        """The reverse-keyed value: ``min + max - value``."""
        return self.min + self.max - value


class Item(_Strict):
    """One questionnaire item."""

    id: str
    text: Text
    reverse: bool = False
    scale: str | None = Field(default=None, description="scale key; default: the instrument's default_scale")
    aliases: tuple[str, ...] = ()
    source: Source | None = Field(default=None, description="where in the source paper the item comes from")

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"item id {v!r} must be a letter or '_' followed by letters, digits or '_'")
        return v


class Construct(_Strict):
    """A latent construct measured by items."""

    code: str
    name: Text
    definition: Text | None = None
    source: Source | None = None
    items: tuple[Item, ...] = Field(min_length=3)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"construct code {v!r} must be an identifier such as 'IDE'")
        return v


class RespondentVariable(_Strict):
    """A non-item variable a survey carries (region, role, duration ...)."""

    id: str
    label: Text
    type: Literal["categorical", "numeric", "duration", "id"]
    codes: dict[int, Text] = Field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> RespondentVariable:
        if self.type == "categorical" and not self.codes:
            raise ValueError(f"categorical variable {self.id!r} needs 'codes'")
        return self


class AttentionCheck(_Strict):
    """An attention check: a question with a declared correct answer, not part of any construct.

    For example ``{id: att_1, text: {zh: "本题请选择“同意”。", en: "Please select 'Agree'."},
    correct: [4]}``.  It is answered on ``scale`` (default: the instrument's default scale),
    matched to a data column like an item (id, alias or text), and counted by the
    ``attention`` screening rule; it never enters a construct score.
    """

    id: str
    text: Text
    correct: tuple[int, ...] = Field(min_length=1, description="the code(s) that count as passing")
    scale: str | None = Field(default=None, description="scale key; default: the instrument's default_scale")
    aliases: tuple[str, ...] = ()
    source: Source | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"attention check id {v!r} must be a letter or '_' followed by letters, digits or '_'")
        return v


class Instrument(_Strict):
    """A whole questionnaire: scales, constructs with items, respondent variables, attention checks.

    ``instructions`` (指导语), ``consent`` (知情同意) and ``anonymity`` (匿名与保密声明) are the
    texts a respondent reads before the first question; they are optional (an instrument
    without them still loads) and are printed by :func:`surveykit.questionnaire.questionnaire`.
    """

    id: str
    version: str
    title: Text
    description: Text | None = None
    instructions: Text | None = Field(default=None, description="指导语: how to answer, shown before the items")
    consent: Text | None = Field(default=None, description="informed-consent statement shown to respondents")
    anonymity: Text | None = Field(default=None, description="anonymity and confidentiality statement")
    source: str | None = Field(default=None,
                               description="bibliographic reference of the paper the instrument operationalizes")
    default_scale: str
    scales: dict[str, Scale]
    constructs: tuple[Construct, ...] = Field(min_length=1)
    respondent: tuple[RespondentVariable, ...] = ()
    attention_checks: tuple[AttentionCheck, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        if self.default_scale not in self.scales:
            raise ValueError(
                f"default_scale {self.default_scale!r} is not one of the scales {sorted(self.scales)}"
            )
        seen: dict[str, str] = {}
        codes: set[str] = set()
        for c in self.constructs:
            if c.code in codes:
                raise ValueError(f"construct code {c.code!r} appears twice")
            codes.add(c.code)
            for it in c.items:
                for name in (it.id, *it.aliases):
                    if name in seen:
                        raise ValueError(f"item name {name!r} is used twice ({seen[name]} and {c.code})")
                    seen[name] = c.code
                if it.scale is not None and it.scale not in self.scales:
                    raise ValueError(f"item {it.id!r} uses unknown scale {it.scale!r}")
        for r in self.respondent:
            if r.id in seen:
                raise ValueError(f"respondent variable {r.id!r} has the same name as an item")
        respondent_ids = {r.id for r in self.respondent}
        for a in self.attention_checks:
            for name in (a.id, *a.aliases):
                if name in seen or name in respondent_ids:
                    raise ValueError(
                        f"attention check name {name!r} is already used by an item, respondent variable or "
                        "another attention check"
                    )
                seen[name] = "attention_checks"
            scale = a.scale or self.default_scale
            if scale not in self.scales:
                raise ValueError(f"attention check {a.id!r} uses unknown scale {a.scale!r}")
            points = self.scales[scale].points
            wrong = [c for c in a.correct if c not in points]
            if wrong:
                raise ValueError(
                    f"attention check {a.id!r}: correct answer(s) {wrong} are not points of its scale "
                    f"{points[0]}-{points[-1]}"
                )
        return self

    # -- convenience accessors ------------------------------------------------------
    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(it for c in self.constructs for it in c.items)

    @property
    def item_ids(self) -> list[str]:
        return [it.id for it in self.items]

    def construct(self, code: str) -> Construct:
        for c in self.constructs:
            if c.code == code:
                return c
        raise KeyError(code)

    def construct_of(self, item_id: str) -> Construct:
        for c in self.constructs:
            if any(it.id == item_id for it in c.items):
                return c
        raise KeyError(item_id)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def scale_of(self, item_id: str) -> Scale:
        it = self.item(item_id)
        return self.scales[it.scale or self.default_scale]

    @property
    def attention_ids(self) -> list[str]:
        return [a.id for a in self.attention_checks]

    def attention_check(self, check_id: str) -> AttentionCheck:
        for a in self.attention_checks:
            if a.id == check_id:
                return a
        raise KeyError(check_id)

    def scale_of_check(self, check_id: str) -> Scale:
        """The scale an attention check is answered on."""
        a = self.attention_check(check_id)
        return self.scales[a.scale or self.default_scale]

    def respondent_variable(self, var_id: str) -> RespondentVariable:
        for r in self.respondent:
            if r.id == var_id:
                return r
        raise KeyError(var_id)

    def measurement_syntax(self, constructs: list[str] | None = None) -> str:
        """The CFA measurement model in lavaan syntax, one line per construct."""
        chosen = self.constructs if constructs is None else [self.construct(c) for c in constructs]
        return "\n".join(f"{c.code} =~ " + " + ".join(it.id for it in c.items) for c in chosen)


_TEXT = "'text: Am indifferent to the feelings of others.' (one language) or 'text: {zh: 我…, en: I…}'"
EXAMPLES = {
    # the expected form of a key, shown with the first problem of an instrument file
    "": ("'constructs: [{code: A, name: Agreeableness, items: [{id: A1, text: Am indifferent to the feelings "
         "of others., reverse: true}, {id: A2, text: ...}, {id: A3, text: ...}]}]'"),
    "title": "'title: Big Five Inventory' (one language) or 'title: {zh: 大五人格问卷, en: Big Five Inventory}'",
    "name": "'name: Agreeableness' (one language) or 'name: {zh: 宜人性, en: Agreeableness}'",
    "text": _TEXT, "label": _TEXT, "definition": _TEXT, "description": _TEXT,
    "scales": ("'scales: {agree6: {min: 1, max: 6, labels: {1: Very Inaccurate, 6: Very Accurate}, "
               "missing: {9: refused}}}'"),
    "labels": "'labels: {1: Very Inaccurate, 6: Very Accurate}'",
    "missing": "'missing: {8: do not know, 9: refused}' (codes outside the scale)",
    "constructs": "'constructs: [{code: A, name: Agreeableness, items: [...]}]' (three or more items each)",
    "items": "'items: [{id: A1, text: Am indifferent to the feelings of others., reverse: true}, ...]'",
    "source": "'source: {section: \"2.1\", quote: the sentence the item measures}'",
    ".source": "'source: Author (year). Title. Journal.'",
    "default_scale": "'default_scale: agree6' (a key of scales)",
    "min": "'min: 1' (the lowest point of the scale; 'max: 6' the highest)",
    "max": "'max: 6' (the highest point of the scale; 'min: 1' the lowest)",
    "id": "'id: A1' (a letter or _, then letters, digits or _)",
    "code": "'code: A' (a letter or _, then letters, digits or _)",
}


def instrument_from_dict(data: object, *, where: str = "instrument") -> Instrument:
    """Validate a mapping (as loaded from YAML) into an :class:`Instrument`."""
    if not isinstance(data, dict):
        raise InstrumentError(
            f"{where}: the top level must be a mapping with keys such as 'id', 'scales', 'constructs', "
            f"not {type(data).__name__}."
        )
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise InstrumentError(validation_message(exc, where, EXAMPLES)) from None


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument YAML file (``yaml.safe_load`` only)."""
    p = Path(path)
    data = read_yaml(p, what="Instrument file", error=InstrumentError)
    return instrument_from_dict(data, where=f"Instrument file {p}")
