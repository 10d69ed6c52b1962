"""The printable questionnaire: HTML (a template file), Word (python-docx) and PDF (LibreOffice).

All three render one view of the :class:`~surveykit.questionnaire.form.Form`: the title, the
opening texts (consent, anonymity, instructions), each grid as a table whose columns are the
options (code above label; declared missing options shaded) and whose rows are the numbered
questions, then the background questions.  No construct name, item id or reverse-keying mark
is printed (the HTML carries the item id in a ``data-id`` attribute, which a browser does not
show).  With ``lang='both'`` Chinese and English stand side by side (the Word file turns to
landscape to give them room).  Output depends only on the instrument and the options: no
clock, so the HTML and Word files are the same bytes for the same input.
"""

from __future__ import annotations

import io
from importlib import resources

import jinja2

from surveykit._version import __version__
from surveykit.io import normalize_zip
from surveykit.io.stable import FIXED_TIME
from surveykit.questionnaire.form import Form, Question
from surveykit.report.docx import set_fonts
from surveykit.report.pdf import docx_to_pdf

__all__ = ["render_html", "render_docx", "render_pdf"]

# the fixed words of the questionnaire, per language
_WORDS = {
    "zh": {"prompt": "请在每一行选择一个最符合您实际情况的选项（在○中打√）。", "number": "题号", "text": "题目",
           "consent": "知情同意", "anonymity": "匿名与保密", "instructions": "填答说明", "background": "基本信息",
           "thanks": "问卷到此结束，感谢您的参与！", "range": "{lo}–{hi}"},
    "en": {"prompt": "In each row, tick the one circle that best describes your situation.", "number": "No.",
           "text": "Statement", "consent": "Informed consent", "anonymity": "Anonymity and confidentiality",
           "instructions": "Instructions", "background": "About you",
           "thanks": "This is the end of the questionnaire. Thank you for taking part!", "range": "{lo}–{hi}"},
}


def _range(q: Question, lang: str) -> str:
    if q.minimum is None and q.maximum is None:
        return ""
    lo = "" if q.minimum is None else f"{q.minimum:g}"
    hi = "" if q.maximum is None else f"{q.maximum:g}"
    return _WORDS[lang]["range"].format(lo=lo, hi=hi)


def view(form: Form) -> dict:
    """What every printable rendering shows, as plain data (texts per shown language)."""
    langs = form.langs
    words = [_WORDS[lang] for lang in langs]

    def option_view(o):
        return {"code": o.code, "missing": o.missing, "labels": [o.text(lang) for lang in langs]}

    return {
        "langs": langs,
        "html_lang": "zh-CN" if langs[0] == "zh" else "en",
        "title": list(form.shown(form.title)),
        "opening": [(key, list(form.shown(text))) for key, text in form.opening],
        "headings": {k: [w[k] for w in words] for k in ("consent", "anonymity", "instructions", "background")},
        "prompt": [w["prompt"] for w in words],
        "number_heading": words[0]["number"],
        "text_headings": [w["text"] for w in words],
        "grids": [
            {"number": g.number, "options": [option_view(o) for o in g.options],
             "questions": [{"number": q.number, "id": q.id, "texts": list(form.shown(q.text))} for q in g.questions]}
            for g in form.grids
        ],
        "background": [
            {"number": q.number, "id": q.id, "texts": list(form.shown(q.text)),
             "options": [option_view(o) for o in q.options], "range": _range(q, langs[0])}
            for q in form.background
        ],
        "thanks": [w["thanks"] for w in words],
        "order": order(form),
    }


def order(form: Form) -> str:
    """How the items are ordered, for the record: the instrument's order or the seed that shuffled them."""
    return "instrument order" if form.seed is None else f"shuffled with numpy.random.default_rng({form.seed})"


def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("surveykit.questionnaire").joinpath("templates", name).read_text(encoding="utf-8")
    )
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render_html(form: Form) -> str:
    """The questionnaire as one self-contained HTML page (inline CSS, every text escaped; prints on A4)."""
    v = view(form)
    both = len(v["langs"]) == 2
    return _environment().get_template("questionnaire.html.j2").render(
        **v, version=__version__, orientation="landscape" if both else "portrait",
        max_width="60em" if both else "46em", box_width="3.2em" if both else "3.6em",
    )


def render_docx(form: Form) -> bytes:
    """The questionnaire as a Word file (A4; landscape when both languages stand side by side)."""
    from docx import Document as new_document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    v = view(form)
    both = len(v["langs"]) == 2
    d = new_document()
    sec = d.sections[0]
    if both:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    else:
        sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.8))
    width = (29.7 if both else 21.0) - 3.6
    lang = v["langs"][0]
    d.styles["Normal"].font.size = Pt(10.5)
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        set_fonts(d.styles[name].element, lang=lang)
        d.styles[name].font.color.rgb = None
    defaults = d.styles.element.find(qn("w:docDefaults"))
    if defaults is not None and defaults.find(qn("w:rPrDefault")) is not None:
        set_fonts(defaults.find(qn("w:rPrDefault")), lang=lang)
    cp = d.core_properties
    cp.title = " / ".join(v["title"])
    cp.author = cp.last_modified_by = "surveykit"
    cp.comments = f"surveykit questionnaire of {form.instrument.id} {form.instrument.version}; items: {v['order']}"
    cp.revision = 1
    cp.created = cp.modified = cp.last_printed = FIXED_TIME
    cp.language = v["html_lang"]

    title = d.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, t in enumerate(v["title"]):
        run = title.add_run(t)
        run.font.size = Pt(16 if i == 0 else 12)
        if i + 1 < len(v["title"]):
            run.add_break()

    def pair(texts, *, bold=False, size=None, space_before=0):
        for t in texts:
            p = d.add_paragraph()
            p.paragraph_format.space_before = Pt(space_before)
            p.paragraph_format.space_after = Pt(2)
            r = p.add_run(t)
            r.bold = bold
            if size:
                r.font.size = Pt(size)

    for key, texts in v["opening"]:
        pair(v["headings"][key], bold=True, space_before=6)
        pair(texts)
    for g in v["grids"]:
        pair(v["prompt"], bold=True, size=9.5, space_before=8)
        n_text = len(v["langs"])
        n_opt = len(g["options"])
        table = d.add_table(rows=1 + len(g["questions"]), cols=1 + n_text + n_opt)
        table.style = d.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        box = 1.45 if n_opt <= 7 else 1.2
        text_width = (width - 0.9 - box * n_opt) / n_text
        widths = [Cm(0.9)] + [Cm(text_width)] * n_text + [Cm(box)] * n_opt
        header = [v["number_heading"], *v["text_headings"], *(f"{o['code']}\n" + "\n".join(o["labels"])
                                                              for o in g["options"])]
        rows = [header] + [[str(q["number"]), *q["texts"], *("○" for _ in g["options"])] for q in g["questions"]]
        table.autofit = False
        for j, col in enumerate(table.columns):  # the grid widths (LibreOffice reads these, Word the cells')
            col.width = widths[j]
        for i, tr in enumerate(table.rows):
            if i == 0:
                _repeat_header(tr)
            _no_split(tr)
            for j, cell in enumerate(tr.cells):
                cell.width = widths[j]
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                centred = i == 0 or j == 0 or j > n_text
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
                run = p.add_run(rows[i][j])
                run.font.size = Pt(8.5 if i == 0 else (12 if j > n_text else 10))
    if v["background"]:
        pair(v["headings"]["background"], bold=True, space_before=10)
        for q in v["background"]:
            pair([f"{q['number']}. {t}" for t in q["texts"]], space_before=4)
            p = d.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.6)
            if q["options"]:
                p.add_run("\u3000".join(f"□ {' / '.join(o['labels'])} ({o['code']})" for o in q["options"]))
            else:
                p.add_run("________________" + (f"  ({q['range']})" if q["range"] else ""))
    pair(v["thanks"], space_before=12)
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue())


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _no_split(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def render_pdf(form: Form) -> bytes:
    """The questionnaire as PDF: the Word file converted by LibreOffice (see :mod:`surveykit.report.pdf`)."""
    return docx_to_pdf(render_docx(form), name=f"{form.instrument.id}-questionnaire")
