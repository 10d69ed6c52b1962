"""The Word report's notes: table and figure notes in the body's font, smaller than the body text
(APA 7, section 7.14), read back with python-docx."""

from __future__ import annotations

import pytest

from surveykit.report.docx import BODY_PT, NOTE_PT


def _notes(d, label: str):
    """The note paragraphs (those opening with the note label) and the paragraph before each."""
    paras = d.paragraphs
    return [(paras[i - 1], p) for i, p in enumerate(paras) if p.runs and p.runs[0].text.startswith(label)]


def test_note_size_is_below_the_body_size():
    assert 8 <= NOTE_PT < BODY_PT


def test_table_and_figure_notes_are_smaller_than_the_body_in_the_same_font(full_report):
    import docx
    from docx.oxml.ns import qn

    d = docx.Document(str(full_report / "report.docx"))
    body = d.styles["Normal"].font.size.pt
    assert body == BODY_PT
    notes = _notes(d, "注：")
    assert len(notes) > 20
    for _, p in notes:
        assert p.style.name == "Normal"  # the body's font: the runs name none of their own
        for r in p.runs:
            assert r.font.size is not None and r.font.size.pt == NOTE_PT < body, p.text
            assert r._r.rPr.find(qn("w:rFonts")) is None, p.text
    # the path diagram's note is text below its caption, not drawn into the picture
    path_note = [p.text for before, p in notes if before.text.startswith("图") and "结构模型" in before.text]
    assert path_note == ["注：标准化系数；* p < .05，** p < .01，*** p < .001；虚线表示不显著。"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_figure_note_is_in_every_format(full_report, fmt):
    text = (full_report / f"report.{fmt}").read_text(encoding="utf-8")
    assert "虚线表示不显著" in text


def test_the_path_diagram_draws_no_note(full_results):
    from surveykit.report.conventions import load_profile
    from surveykit.report.figures import _figure_specs
    from surveykit.report.schema import validate_results

    specs = _figure_specs(validate_results(full_results), "zh", load_profile("cn-journal"), "layered")
    fig = next(build for key, _, build in specs if key == "path")()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "思想建设\nIDE" in texts and not any("虚线" in t for t in texts)
