"""The questionnaire as respondents meet it: numbered questions in order, built from an instrument.

:func:`build_form` turns an :class:`~surveykit.instrument.Instrument` into a :class:`Form`,
the one model every output reads (the printed questionnaire, XLSForm, 问卷星 and Qualtrics
imports, the platform export layouts):

* the opening texts (title, informed consent, anonymity statement, instructions/指导语);
* the items in the instrument's order, or shuffled by a recorded seed, each answered on its
  scale, with the attention checks placed at evenly spaced positions among them;
* consecutive questions on the same scale gathered into grids (one per construct, or runs of
  at most :data:`GRID_ROWS` when shuffled), with no construct name and no reverse-keying mark;
* the respondent questions (categorical and numeric respondent variables) at the end; the
  response id and completion time are recorded by the platform, not asked.

Questions are numbered 1, 2, ... in that order.  Every option list is in the order of
:attr:`Scale.options` (the scale points, then the declared missing codes), so an option's
position and its code name each other.  Bad instruments are refused with one sentence naming
the item and what to add: a text blank in a language the questionnaire shows, a scale with no
labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from surveykit.errors import InstrumentError, SpecError
from surveykit.instrument import Instrument, Scale, Text

__all__ = ["Form", "Grid", "Question", "Option", "build_form", "LANGS", "LANG_NAMES", "GRID_ROWS"]

LANGS = ("zh", "en", "both")
#: XLSForm language names (``label::Chinese (zh)``): the name, then the IANA subtag in brackets.
LANG_NAMES = {"zh": "Chinese (zh)", "en": "English (en)"}
#: When items are shuffled, a grid holds at most this many consecutive questions on one scale.
GRID_ROWS = 8
Lang = Literal["zh", "en", "both"]


@dataclass(frozen=True)
class Option:
    """One answer option: its code, its label in each language, whether it is a declared missing code."""

    code: int
    label: Text | None  # None: an unlabelled scale point, shown as its number
    missing: bool = False

    def text(self, lang: str) -> str:
        return str(self.code) if self.label is None else self.label.get(lang)


@dataclass(frozen=True)
class Question:
    """One numbered question.

    ``kind`` is "scale" (an item or attention check answered on ``scale``), "choice" (a
    categorical respondent variable) or "number" (a numeric respondent variable, with
    ``minimum``, ``maximum`` and ``unit``).
    """

    number: int
    id: str
    text: Text
    kind: Literal["scale", "choice", "number"]
    options: tuple[Option, ...] = ()
    scale: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Grid:
    """Consecutive questions answered on one scale: printed as one table, one group in XLSForm."""

    number: int
    scale: str
    questions: tuple[Question, ...]

    @property
    def options(self) -> tuple[Option, ...]:
        return self.questions[0].options


@dataclass(frozen=True)
class Form:
    """A questionnaire ready to render (see the module docstring)."""

    instrument: Instrument
    lang: str
    grids: tuple[Grid, ...]
    background: tuple[Question, ...]
    seed: int | None = None

    @property
    def langs(self) -> tuple[str, ...]:
        """The languages shown, in order: ``('zh',)``, ``('en',)`` or ``('zh', 'en')``."""
        return ("zh", "en") if self.lang == "both" else (self.lang,)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in the order asked."""
        return tuple(q for g in self.grids for q in g.questions) + self.background

    @property
    def title(self) -> Text:
        return self.instrument.title

    @property
    def opening(self) -> tuple[tuple[str, Text], ...]:
        """The opening texts the instrument has: ("consent" | "anonymity" | "instructions", text)."""
        ins = self.instrument
        texts = (("consent", ins.consent), ("anonymity", ins.anonymity), ("instructions", ins.instructions))
        return tuple((k, t) for k, t in texts if t is not None)

    def shown(self, text: Text) -> tuple[str, ...]:
        """`text` in each language shown."""
        return tuple(text.get(lang) for lang in self.langs)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise SpecError(f"--lang {lang!r} is not one of {', '.join(LANGS)}; choose zh, en or both.")
    return lang


def _options(scale: Scale) -> tuple[Option, ...]:
    return tuple(
        Option(code, scale.missing[code] if code in scale.missing else scale.labels.get(code), code in scale.missing)
        for code in scale.options
    )


def _check_text(text: Text, langs: tuple[str, ...], what: str, key: str, ins: Instrument) -> None:
    for lang in langs:
        if not text.get(lang).strip():
            name = {"zh": "Chinese", "en": "English"}[lang]
            raise InstrumentError(
                f"{what} of instrument '{ins.id}' has no {name} text ({key}.{lang} is blank); add it to the "
                f"instrument, or choose --lang {'en' if lang == 'zh' else 'zh'}."
            )


def _check(ins: Instrument, langs: tuple[str, ...]) -> None:
    """Refuse what a respondent could not answer: blank texts in a shown language, unlabelled scales."""
    for key, scale in ins.scales.items():
        if not scale.labels:
            raise InstrumentError(
                f"Scale '{key}' of instrument '{ins.id}' has no labels, so respondents cannot tell what its points "
                f"mean; add labels for at least its end points ({scale.min} and {scale.max}) under "
                f"scales.{key}.labels."
            )
        for code, label in {**scale.labels, **scale.missing}.items():
            _check_text(label, langs, f"Label {code} of scale '{key}'", f"scales.{key}.labels.{code}", ins)
    _check_text(ins.title, langs, "The title", "title", ins)
    for key in ("consent", "anonymity", "instructions"):
        text = getattr(ins, key)
        if text is not None:
            _check_text(text, langs, f"The {key} text", key, ins)
    for it in ins.items:
        _check_text(it.text, langs, f"Item '{it.id}'", f"items[{it.id}].text", ins)
    for a in ins.attention_checks:
        _check_text(a.text, langs, f"Attention check '{a.id}'", f"attention_checks[{a.id}].text", ins)
    for r in ins.respondent:
        if r.type in ("categorical", "numeric"):
            _check_text(r.label, langs, f"Respondent variable '{r.id}'", f"respondent[{r.id}].label", ins)
            for code, label in r.codes.items():
                _check_text(label, langs, f"Code {code} of respondent variable '{r.id}'",
                            f"respondent[{r.id}].codes.{code}", ins)


def build_form(instrument: Instrument, *, lang: Lang = "zh", seed: int | None = None) -> Form:
    """The questionnaire of `instrument` (see the module docstring).

    Parameters
    ----------
    instrument : Instrument
    lang : {'zh', 'en', 'both'}
        The language(s) shown; 'both' shows Chinese and English side by side.
    seed : int, optional
        Shuffle the items with ``numpy.random.default_rng(seed)`` (recorded on the form);
        None keeps the instrument's order.

    Raises
    ------
    InstrumentError
        If a shown text is blank or a scale has no labels.
    SpecError
        If `lang` is not one of 'zh', 'en', 'both'.
    """
    check_lang(lang)
    langs = ("zh", "en") if lang == "both" else (lang,)
    _check(instrument, langs)
    ins = instrument
    entries: list[tuple[str, str, Text, str]] = []  # (id, group, text, scale)
    for c in ins.constructs:
        for it in c.items:
            entries.append((it.id, c.code, it.text, it.scale or ins.default_scale))
    if seed is not None:
        order = np.random.default_rng(seed).permutation(len(entries))
        entries = [entries[i] for i in order]
    checks = ins.attention_checks
    for k, a in reversed(list(enumerate(checks))):
        at = round((k + 1) * len(entries) / (len(checks) + 1))
        group = entries[at - 1][1] if at > 0 else entries[0][1]
        entries.insert(at, (a.id, group, a.text, a.scale or ins.default_scale))
    grids: list[list] = []
    number = 0
    for vid, group, text, scale in entries:
        number += 1
        q = Question(number, vid, text, "scale", _options(ins.scales[scale]), scale=scale)
        last = grids[-1] if grids else None
        fits = group == last[1] if seed is None and last else last is not None and len(last[2]) < GRID_ROWS
        same = last is not None and last[0] == scale and fits
        if same:
            last[2].append(q)
        else:
            grids.append([scale, group, [q]])
    background = []
    for r in ins.respondent:
        if r.type == "categorical":
            number += 1
            options = tuple(Option(code, label) for code, label in sorted(r.codes.items()))
            background.append(Question(number, r.id, r.label, "choice", options))
        elif r.type == "numeric":
            number += 1
            background.append(Question(number, r.id, r.label, "number", minimum=r.min, maximum=r.max, unit=r.unit))
    return Form(
        instrument=ins, lang=lang, seed=seed,
        grids=tuple(Grid(i + 1, scale, tuple(qs)) for i, (scale, _, qs) in enumerate(grids)),
        background=tuple(background),
    )
