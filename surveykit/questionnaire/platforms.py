"""The questionnaire for survey platforms: XLSForm, 问卷星 text import, Qualtrics Advanced Format TXT.

Each is written so that the platform's export reads back into surveykit with no mapping:

* **XLSForm** (ODK Collect, KoboToolbox, SurveyCTO): sheets ``survey``, ``choices`` and
  ``settings``.  Each grid is a group (``block_1``, ``block_2``, ... with ``appearance:
  table-list``), each question is named by its instrument id, labels stand in both languages
  (``label::Chinese (zh)``, ``label::English (en)``; ``default_language`` from ``lang``), and
  choices are named by their codes, the declared missing codes included.  Kobo's export
  ("XML values and headers") then has columns ``block_1/ide_1`` holding codes, which the
  ``kobo`` layout reads as ``ide_1``.
* **问卷星 文本导入**: the title, the opening texts, then one numbered single-choice question
  per item (``1.题目[单选题]``, options one per line in the order of :attr:`Scale.options`)
  and the background questions (``[填空题]`` for numbers).  问卷星's export headers are the
  question number and text (``1、题目``), matched to the item by its text; its numeric
  download numbers the options 1, 2, ..., which :func:`surveykit.read_survey` reads back as
  codes (see ``surveykit.data.survey._option_positions``).  One language per file.
* **Qualtrics Advanced Format TXT**: one block, a descriptive text for the opening, one
  multiple-choice question per item with ``[[ID:item_id]]`` (the export tag, hence the
  export's column name) and ``[[AdvancedChoices]]`` with ``[[Choice:code]]`` (the recode
  value, hence the exported number); text-entry questions for numbers.  One language per file.
"""

from __future__ import annotations

import io

from surveykit.errors import SpecError
from surveykit.io import fix_workbook_dates, stable_xlsx, text_not_formulas
from surveykit.questionnaire.form import LANG_NAMES, Form, Question

__all__ = ["render_xlsform", "render_wjx", "render_qualtrics", "xlsform_sheets", "choice_list"]


def choice_list(q: Question) -> str:
    """The XLSForm choice-list name of a question: its scale's, or its own for a categorical variable."""
    return f"scale_{q.scale}" if q.kind == "scale" else f"codes_{q.id}"


def _one_language(form: Form, what: str) -> str:
    if form.lang == "both":
        raise SpecError(
            f"A {what} holds one language; write it once with --lang zh and once with --lang en (the XLSForm, HTML, "
            "Word and PDF questionnaires can show both)."
        )
    return form.lang


def xlsform_sheets(form: Form) -> dict[str, list[list]]:
    """The XLSForm's sheets as rows of cells (header row first)."""
    langs = ("zh", "en")
    label_cols = [f"label::{LANG_NAMES[lang]}" for lang in langs]
    hint_cols = [f"hint::{LANG_NAMES[lang]}" for lang in langs]
    survey = [["type", "name", *label_cols, *hint_cols, "required", "appearance", "constraint",
               *(f"constraint_message::{LANG_NAMES[lang]}" for lang in langs)]]

    def row(type_, name, labels=("", ""), hints=("", ""), required="", appearance="", constraint="", messages=("", "")):
        return [type_, name, *labels, *hints, required, appearance, constraint, *messages]

    ins = form.instrument
    survey += [row("start", "start"), row("end", "end")]
    for key, text in form.opening:
        survey.append(row("note", f"intro_{key}", tuple(text.get(lang) for lang in langs)))
    prompt = {"zh": "请在每一行选择一个最符合您实际情况的选项。",
              "en": "In each row, choose the one answer that best describes your situation."}
    for g in form.grids:
        survey.append(row("begin_group", f"block_{g.number}", appearance="table-list",
                          hints=tuple(prompt[lang] for lang in langs)))
        for q in g.questions:
            survey.append(row(f"select_one {choice_list(q)}", q.id, tuple(q.text.get(lang) for lang in langs),
                              required="yes"))
        survey.append(row("end_group", ""))
    for q in form.background:
        labels = tuple(q.text.get(lang) for lang in langs)
        if q.kind == "choice":
            survey.append(row(f"select_one {choice_list(q)}", q.id, labels, required="yes"))
        else:
            bounds = [f". >= {q.minimum:g}" if q.minimum is not None else "",
                      f". <= {q.maximum:g}" if q.maximum is not None else ""]
            constraint = " and ".join(b for b in bounds if b)
            lo = "" if q.minimum is None else f"{q.minimum:g}"
            hi = "" if q.maximum is None else f"{q.maximum:g}"
            messages = ((f"请填写 {lo}–{hi} 之间的数。", f"Enter a number from {lo} to {hi}.") if constraint
                        else ("", ""))
            integral = all(x is None or float(x).is_integer() for x in (q.minimum, q.maximum))
            survey.append(row("integer" if integral else "decimal", q.id, labels, required="yes",
                              constraint=constraint, messages=messages))
    choices = [["list_name", "name", *label_cols]]
    done: set[str] = set()
    for q in form.questions:
        name = choice_list(q)
        if q.kind == "number" or name in done:
            continue
        done.add(name)
        choices += [[name, str(o.code), *(o.text(lang) for lang in langs)] for o in q.options]
    settings = [["form_title", "form_id", "version", "default_language"],
                [form.title.get("zh" if form.lang == "both" else form.lang), ins.id,
                 ins.version, LANG_NAMES["zh" if form.lang == "both" else form.lang]]]
    return {"survey": survey, "choices": choices, "settings": settings}


def render_xlsform(form: Form) -> bytes:
    """The XLSForm workbook (.xlsx bytes; fixed document dates, so the same form gives the same bytes)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in xlsform_sheets(form).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    text_not_formulas(wb)  # a text starting with '=' stays text
    wb.properties.creator = "surveykit"
    fix_workbook_dates(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return stable_xlsx(buf.getvalue())


def _flat(text: str) -> str:
    """One line: platform text imports read a line break as the end of a question or option."""
    return " ".join(text.split())


def render_wjx(form: Form) -> str:
    """The 问卷星 文本导入 text (paste into 问卷星's 文本导入, or upload as .txt)."""
    lang = _one_language(form, "问卷星 text import")
    lines = [_flat(form.title.get(lang)), ""]
    for _, text in form.opening:
        lines += [_flat(text.get(lang)), ""]
    for q in form.questions:
        if q.kind == "number":
            lines += [f"{q.number}.{_flat(q.text.get(lang))}[填空题]", ""]
            continue
        lines.append(f"{q.number}.{_flat(q.text.get(lang))}[单选题]")
        lines += [_flat(o.text(lang)) for o in q.options]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_qualtrics(form: Form) -> str:
    """The Qualtrics Advanced Format TXT (Survey > Tools > Import/Export > Import Survey)."""
    lang = _one_language(form, "Qualtrics TXT import")
    lines = ["[[AdvancedFormat]]", "", f"[[Block:{_flat(form.title.get(lang))}]]", ""]
    for key, text in form.opening:
        lines += ["[[Question:DB]]", f"[[ID:intro_{key}]]", _flat(text.get(lang)), ""]
    for g in form.grids:
        for q in g.questions:
            lines += ["[[Question:MC:SingleAnswer:Horizontal]]", f"[[ID:{q.id}]]", _flat(q.text.get(lang)),
                      "[[AdvancedChoices]]"]
            for o in q.options:
                lines += [f"[[Choice:{o.code}]]", _flat(o.text(lang))]
            lines.append("")
        lines += ["[[PageBreak]]", ""]
    for q in form.background:
        if q.kind == "choice":
            lines += ["[[Question:MC:SingleAnswer:Vertical]]", f"[[ID:{q.id}]]", _flat(q.text.get(lang)),
                      "[[AdvancedChoices]]"]
            for o in q.options:
                lines += [f"[[Choice:{o.code}]]", _flat(o.text(lang))]
        else:
            lines += ["[[Question:TE:SingleLine]]", f"[[ID:{q.id}]]", _flat(q.text.get(lang))]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
