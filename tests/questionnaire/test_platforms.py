"""XLSForm through pyxform (and ODK Validate where Java is installed), 问卷星 and Qualtrics imports."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from surveykit.errors import SpecError
from surveykit.questionnaire import questionnaire

pyxform = pytest.importorskip("pyxform", reason="pyxform is a test extra (pip install -e '.[test]')")
JAVA = shutil.which("java")
XF = "{http://www.w3.org/2002/xforms}"


def _xform(tmp_path, instrument, validate: bool):
    from pyxform.xls2xform import convert

    path = questionnaire(instrument, format="xlsform", lang="both").write(tmp_path / "form.xlsx")
    return convert(xlsform=str(path), validate=validate, warnings=[]).xform


def test_xlsform_converts_and_its_questions_and_choices_match_the_instrument(tmp_path, instrument):
    root = ET.fromstring(_xform(tmp_path, instrument, validate=False))
    model = root.find(f".//{XF}model")
    binds = {b.get("nodeset"): b for b in model.iter(f"{XF}bind")}
    items = instrument.item_ids
    for i in [*items, "att_1"]:
        paths = [p for p in binds if p.endswith(f"/{i}")]
        assert len(paths) == 1 and re.fullmatch(rf"/data/block_\d+/{i}", paths[0]), (i, paths)
        assert binds[paths[0]].get("required") == "true()"
    for r in ("region", "role"):
        assert f"/data/{r}" in binds
    assert binds["/data/years_member"].get("type") == "int"
    assert binds["/data/years_member"].get("constraint") == ". >= 0 and . <= 80"
    translations = {t.get("lang"): t for t in model.iter(f"{XF}translation")}
    assert set(translations) == {"Chinese (zh)", "English (en)"}
    texts = {lang: {t.get("id"): "".join(v.itertext()) for t in tr for v in t} for lang, tr in translations.items()}
    assert texts["Chinese (zh)"]["/data/block_1/ide_1:label"] == instrument.item("ide_1").text.zh
    assert texts["English (en)"]["/data/block_1/ide_1:label"] == instrument.item("ide_1").text.en
    # the scale's choices, missing codes included, named by their codes, labelled in both languages
    scale = instrument.scales["agree5"]
    instance = next(i for i in model.iter(f"{XF}instance") if i.get("id") == "scale_agree5")
    assert [n.text for n in instance.iter(f"{XF}name")] == [str(c) for c in scale.options]
    labels_zh = [texts["Chinese (zh)"][f"scale_agree5-{k}"] for k in range(len(scale.options))]
    assert labels_zh == [*(scale.labels[c].zh for c in scale.points), "不清楚", "拒答"]
    assert texts["English (en)"]["scale_agree5-6"] == "Refused"


@pytest.mark.skipif(JAVA is None, reason="ODK Validate needs Java (Debian package 'default-jre-headless')")
def test_xlsform_passes_odk_validate(tmp_path, instrument):
    assert "<h:html" in _xform(tmp_path, instrument, validate=True)


def test_wjx_text_import_numbers_questions_and_lists_options_in_code_order(instrument):
    text = questionnaire(instrument, format="wjx", lang="zh").content
    blocks = text.strip().split("\n\n")
    assert blocks[0] == instrument.title.zh and blocks[1] == instrument.consent.zh
    first = blocks[4].splitlines()
    assert first[0] == f"1.{instrument.item('ide_1').text.zh}[单选题]"
    assert first[1:] == ["非常不同意", "不同意", "一般", "同意", "非常同意", "不清楚", "拒答"]
    questions = [b for b in blocks if re.match(r"^\d+\.", b)]
    assert len(questions) == len(instrument.item_ids) + 1 + 3
    assert questions[-1] == "46.党龄（年）[填空题]"
    assert "IDE" not in text and "思想建设" not in text  # no construct names


def test_qualtrics_txt_tags_each_question_with_its_id_and_codes(instrument):
    text = questionnaire(instrument, format="qualtrics", lang="en").content
    assert text.startswith("[[AdvancedFormat]]\n")
    ids = re.findall(r"^\[\[ID:(\w+)\]\]$", text, flags=re.M)
    assert [i for i in ids if not i.startswith("intro_")][:43] == [
        *instrument.item_ids[:21], "att_1", *instrument.item_ids[21:]]
    block = text.split("[[ID:ide_1]]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block[0] == instrument.item("ide_1").text.en
    assert block[2:] == ["[[Choice:1]]", "Strongly disagree", "[[Choice:2]]", "Disagree", "[[Choice:3]]",
                         "Neither agree nor disagree", "[[Choice:4]]", "Agree", "[[Choice:5]]", "Strongly agree",
                         "[[Choice:8]]", "Don't know", "[[Choice:9]]", "Refused"]
    assert "[[Question:TE:SingleLine]]\n[[ID:years_member]]" in text


@pytest.mark.parametrize("fmt", ["wjx", "qualtrics"])
def test_one_language_imports_refuse_both(instrument, fmt):
    with pytest.raises(SpecError, match=r"holds one language; write it once with --lang zh and once with --lang en"):
        questionnaire(instrument, format=fmt, lang="both")


def test_unknown_format_is_refused(instrument):
    with pytest.raises(SpecError, match=r"--format 'odt' is not one of html, docx, pdf, xlsform"):
        questionnaire(instrument, format="odt")
