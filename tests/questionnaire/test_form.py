"""The form every output reads: order, numbering, grids, options, seeds, and bad instruments."""

from __future__ import annotations

import pytest

from surveykit.errors import InstrumentError, SpecError
from surveykit.questionnaire import build_form
from tests.questionnaire.conftest import demo_dict, instrument_with


def test_items_in_instrument_order_numbered_with_attention_check_and_background(instrument):
    form = build_form(instrument)
    ids = [q.id for q in form.questions]
    items = instrument.item_ids
    assert [i for i in ids if i in items] == items
    assert ids.index("att_1") == round(len(items) / 2)  # midway through the items
    assert ids[-3:] == ["region", "role", "years_member"]  # id and duration are recorded, not asked
    assert [q.number for q in form.questions] == list(range(1, len(ids) + 1))
    # one grid per construct, in order, the attention check inside the grid it falls in
    assert len(form.grids) == len(instrument.constructs)
    assert [q.id for q in form.grids[0].questions] == [it.id for it in instrument.constructs[0].items]
    # options: the scale points, then the declared missing codes
    assert [o.code for o in form.grids[0].options] == [1, 2, 3, 4, 5, 8, 9]
    assert [o.missing for o in form.grids[0].options] == [False] * 5 + [True] * 2
    assert form.opening[0][0] == "consent" and [k for k, _ in form.opening] == ["consent", "anonymity", "instructions"]


def test_seed_shuffles_reproducibly_and_is_recorded(instrument):
    a, b, c = (build_form(instrument, seed=s) for s in (5, 5, 6))
    assert [q.id for q in a.questions] == [q.id for q in b.questions] != [q.id for q in c.questions]
    assert sorted(q.id for q in a.questions) == sorted(q.id for q in build_form(instrument).questions)
    assert max(len(g.questions) for g in a.grids) <= 8 and a.seed == 5


def test_instrument_without_opening_texts_still_loads_and_renders():
    form = build_form(instrument_with())
    assert form.opening == ()


def test_blank_text_in_the_chosen_language_names_the_item():
    data = demo_dict()
    data["constructs"][1]["items"][2]["text"]["en"] = "  "
    ins = instrument_with(constructs=data["constructs"])
    build_form(ins, lang="zh")  # Chinese only: fine
    with pytest.raises(InstrumentError, match=r"Item 'org_3' of instrument 'execution_capacity' has no English text "
                                              r"\(items\[org_3\]\.text\.en is blank\); add it .* or choose --lang zh"):
        build_form(ins, lang="both")


def test_scale_without_labels_is_refused_with_what_to_add():
    data = demo_dict()
    data["scales"]["agree5"]["labels"] = {}
    with pytest.raises(InstrumentError, match=r"Scale 'agree5' .* has no labels.*add labels for at least its end "
                                              r"points \(1 and 5\) under scales\.agree5\.labels"):
        build_form(instrument_with(scales=data["scales"]))


def test_pole_labelled_scale_shows_numbers_for_unlabelled_points():
    data = demo_dict()
    data["scales"]["agree5"]["labels"] = {1: {"zh": "非常不同意", "en": "Strongly disagree"},
                                          5: {"zh": "非常同意", "en": "Strongly agree"}}
    form = build_form(instrument_with(scales=data["scales"]), lang="en")
    assert [o.text("en") for o in form.grids[0].options][:5] == ["Strongly disagree", "2", "3", "4", "Strongly agree"]


def test_unknown_language_is_refused(instrument):
    with pytest.raises(SpecError, match=r"--lang 'fr' is not one of zh, en, both"):
        build_form(instrument, lang="fr")
