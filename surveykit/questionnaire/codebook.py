"""The codebook for the fieldwork team: the instrument as one table, bilingual, in Markdown and Excel.

One row per variable the questionnaire collects, in the order asked (question number),
then the variables the platform records (response id, completion time): the variable name
(the instrument id, which is the column name in every export), its kind, construct, the
text in Chinese and English, the keying (reverse-keyed items are recoded as ``min + max -
x`` before scoring), the scale with its labelled codes, and the declared missing codes.
The respondent does not see this table: it is for the people who set up the platform, enter
paper questionnaires and check the data.
"""

from __future__ import annotations

import io

import pandas as pd

from surveykit.io import fix_workbook_dates, stable_xlsx, text_not_formulas
from surveykit.questionnaire.form import Form
from surveykit.questionnaire.printable import order

__all__ = ["codebook_frame", "render_codebook_md", "render_codebook_xlsx", "COLUMNS"]

COLUMNS = ["number", "variable", "kind", "construct", "text_zh", "text_en", "keying", "scale", "codes",
           "missing_codes"]


def _codes(mapping) -> str:
    return "; ".join(f"{code} = {t.zh} / {t.en}" for code, t in sorted(mapping.items()))


def codebook_frame(form: Form) -> pd.DataFrame:
    """The codebook as a DataFrame (columns :data:`COLUMNS`)."""
    ins = form.instrument
    items = {it.id: it for it in ins.items}
    rows = []
    for q in form.questions:
        row = {"number": q.number, "variable": q.id, "text_zh": q.text.zh, "text_en": q.text.en,
               "construct": "", "keying": "", "scale": "", "codes": "", "missing_codes": ""}
        if q.kind == "scale":
            scale = ins.scales[q.scale]
            if q.id in items:
                c = ins.construct_of(q.id)
                row.update(kind="item", construct=f"{c.code} {c.name.zh} / {c.name.en}",
                           keying="reverse" if items[q.id].reverse else "forward")
            else:
                row.update(kind="attention check",
                           keying="correct: " + ", ".join(map(str, ins.attention_check(q.id).correct)))
            row.update(scale=f"{q.scale} ({scale.min}-{scale.max})", codes=_codes(scale.labels),
                       missing_codes=_codes(scale.missing))
        elif q.kind == "choice":
            row.update(kind="respondent (categorical)", codes=_codes(ins.respondent_variable(q.id).codes))
        else:
            r = ins.respondent_variable(q.id)
            bounds = f"{'' if r.min is None else f'{r.min:g}'}-{'' if r.max is None else f'{r.max:g}'}"
            row.update(kind="respondent (numeric)", scale=bounds + (f" {r.unit}" if r.unit else ""))
        rows.append(row)
    for r in ins.respondent:
        if r.type in ("id", "duration", "cluster", "weight"):
            who = "the platform" if r.type in ("id", "duration") else "the fieldwork team"
            rows.append({"number": None, "variable": r.id, "kind": f"recorded by {who} ({r.type})",
                         "construct": "", "text_zh": r.label.zh, "text_en": r.label.en, "keying": "",
                         "scale": r.unit or "", "codes": "", "missing_codes": ""})
    return pd.DataFrame(rows, columns=COLUMNS).astype({"number": "Int64"})


def _md(text) -> str:
    return "" if text is None or text is pd.NA else str(text).replace("|", "\\|").replace("\n", " ")


def render_codebook_md(form: Form) -> str:
    """The codebook as Markdown."""
    ins = form.instrument
    table = codebook_frame(form)
    lines = [f"# 编码手册 Codebook: {ins.title.zh} / {ins.title.en}", "",
             f"- **Instrument:** {ins.id} {ins.version}", f"- **Item order:** {order(form)}",
             "- **Column names:** every platform export names each column by the variable below.", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_md(x) for x in row) + " |")
    return "\n".join(lines) + "\n"


def render_codebook_xlsx(form: Form) -> bytes:
    """The codebook as an .xlsx workbook: sheets 'codebook', 'scales' and 'instrument'."""
    ins = form.instrument
    scales = [{"scale": key, "code": code, "label_zh": t.zh, "label_en": t.en, "missing": code in s.missing}
              for key, s in ins.scales.items() for code, t in sorted({**s.labels, **s.missing}.items())]
    info = [("id", ins.id), ("version", ins.version), ("title_zh", ins.title.zh), ("title_en", ins.title.en),
            ("item order", order(form))]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        codebook_frame(form).to_excel(writer, sheet_name="codebook", index=False)
        pd.DataFrame(scales, columns=["scale", "code", "label_zh", "label_en", "missing"]).to_excel(
            writer, sheet_name="scales", index=False)
        pd.DataFrame(info, columns=["key", "value"]).to_excel(writer, sheet_name="instrument", index=False)
        text_not_formulas(writer.book)  # a text starting with '=' stays text
        fix_workbook_dates(writer.book)
    return stable_xlsx(buf.getvalue())
