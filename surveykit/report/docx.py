"""The Word report (report.docx): the document model as real, editable Word tables.

Tables are styled through their border XML, not a template style:

* ``apa`` (APA 7): no vertical lines; horizontal rules above and below the header row and below
  the last row, all of one weight (0.75 pt).
* ``cn`` (三线表, the Chinese three-line table): a thick top and bottom rule (1.5 pt) and a thin
  rule under the header (0.75 pt); nothing else.

East Asian text is set with the ``w:eastAsia`` font attribute (SimSun, the font Chinese journals
expect; Word substitutes where it is missing; the font is not embedded).  Figures are inserted
as their 300-dpi PNG.  The file is deterministic: core properties carry a fixed date and the zip
is rewritten with fixed entry dates and attributes, so the same results give the same bytes.
"""

from __future__ import annotations

import io

from surveykit.errors import check_option
from surveykit.io.stable import FIXED_TIME, normalize_zip
from surveykit.report.document import Document, Table

__all__ = ["render_docx", "normalize_zip", "set_fonts", "FIXED_TIME", "LATIN_FONT", "EAST_ASIA_FONT"]

LATIN_FONT = "Times New Roman"
EAST_ASIA_FONT = "SimSun"
# rule weights in eighths of a point
_RULES = {"apa": {"top": 6, "head": 6, "bottom": 6}, "cn": {"top": 12, "head": 6, "bottom": 12}}
_MAX_WIDTH_CM = 16.0
BODY_PT = 10.5
NOTE_PT = 9  # table and figure notes: the body's font (not set on the run), smaller than the body


def set_fonts(rpr_owner, size_pt: float | None = None, lang: str = "zh") -> None:
    """Latin and East Asian font names (and language tags) on a style's or run's rPr."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if hasattr(rpr_owner, "get_or_add_rPr"):
        rpr = rpr_owner.get_or_add_rPr()
    else:
        rpr = rpr_owner.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_owner.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIA_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    # the language of Latin-script runs stays English (else Latin words are broken like CJK text)
    lang_el.set(qn("w:val"), "en-US")
    lang_el.set(qn("w:eastAsia"), "zh-CN")


def _border(tag: str, size: int | None):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(f"w:{tag}")
    if size is None:
        el.set(qn("w:val"), "nil")
    else:
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
    return el


def _style_table(table, style: str) -> None:
    """Rules of the APA or three-line table via tblBorders and the header cells' tcBorders."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rules = _RULES[style]
    tbl_pr = table._tbl.tblPr
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_border(edge, rules["top"] if edge == "top" else rules["bottom"] if edge == "bottom"
                               else None))
    # schema order: tblBorders comes before shd, tblLayout, tblCellMar, tblLook
    later = [tbl_pr.find(qn(f"w:{t}")) for t in ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
                                                   "tblDescription")]
    later = [e for e in later if e is not None]
    if later:
        later[0].addprevious(borders)
    else:
        tbl_pr.append(borders)
    header = table.rows[0]
    # the header row repeats on every page of a long table
    tr_pr = header._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    tr_pr.append(rep)
    for cell in header.cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        tcb = OxmlElement("w:tcBorders")
        tcb.append(_border("bottom", rules["head"]))
        tc_pr.append(tcb)


TABLE_STYLE_NAME = "Table Text"
TABLE_STYLE_ID = "TableText"


def _cell_text(cell, c, numeric: bool, bold: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = cell.paragraphs[0]
    # the style id set directly: python-docx's name lookup scans all styles on every call
    p._p.get_or_add_pPr().get_or_add_pStyle().val = TABLE_STYLE_ID
    if numeric:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run(c.text if hasattr(c, "text") else str(c))
    if bold:
        run.bold = True
    if getattr(c, "symbol", ""):
        p.add_run(f" {c.symbol}")
    if getattr(c, "sub", None):
        run.add_break()
        p.add_run(c.sub).font.size = Pt(8.5)


def _caption(d, label: str, text: str, style: str, above: bool = True):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if style == "apa":
        # APA 7: the number in bold on one line, the title in italic title case on the next
        p = d.add_paragraph()
        p.paragraph_format.space_before = Pt(10)
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = True
        p.add_run(label).bold = True
        q = d.add_paragraph()
        q.paragraph_format.space_after = Pt(4)
        q.paragraph_format.keep_with_next = above
        q.add_run(text).italic = True
        return
    # 三线表: "表 1  标题", centred, bold, above the table (figure captions below the figure)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(8 if above else 2)
    p.paragraph_format.space_after = Pt(4 if above else 10)
    p.paragraph_format.keep_with_next = above
    r = p.add_run(f"{label}\u2003{text}")
    r.bold = True


def _text_width(s: str) -> float:
    """Rough printed width in Latin characters (CJK and full-width characters count double)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.0 for ch in s)


def _widths(table, t: Table) -> None:
    """Column widths in proportion to their content (long texts wrap, numbers do not)."""
    from docx.shared import Cm

    ncols = len(t.header)
    natural = []
    for j in range(ncols):
        texts = [t.header[j]] + [row[j].text + (" " + row[j].symbol if row[j].symbol else "")
                                 for row in t.rows if j < len(row)]
        subs = [row[j].sub for row in t.rows if j < len(row) and row[j].sub]
        longest = max([_text_width(x) for x in texts + subs] + [1.0])
        # about 0.19 cm per character at 9.5 pt, plus the cell padding
        natural.append(min(longest, 70.0) * 0.19 + 0.45)
    if sum(natural) <= _MAX_WIDTH_CM:
        cm = natural
    else:
        # short columns keep their width; the long ones share the rest
        short = [w <= 3.0 for w in natural]
        rest = _MAX_WIDTH_CM - sum(w for w, s in zip(natural, short) if s)
        long_total = sum(w for w, s in zip(natural, short) if not s)
        cm = [w if s else max(2.0, w * rest / long_total) for w, s in zip(natural, short)]
    widths = [Cm(w) for w in cm]
    table.autofit = False
    for j, col in enumerate(table.columns):
        col.width = widths[j]
    for tr in table.rows:
        for j, cell in enumerate(tr.cells):
            cell.width = widths[j]


def _table(d, t: Table, doc: Document, style: str) -> None:
    from docx.shared import Pt

    _caption(d, doc.table_label.replace("{n}", str(t.number)), t.caption, style)
    ncols = len(t.header)
    has_header = any(h for h in t.header)
    rows = t.rows
    table = d.add_table(rows=len(rows) + 1, cols=ncols)
    table.autofit = True
    align = t.align
    # one pass over the rows: python-docx's table.cell(i, j) rebuilds the cell grid on every call
    for i, tr in enumerate(table.rows):
        cells = tr.cells
        values = t.header if i == 0 else rows[i - 1]
        for j in range(min(ncols, len(values))):
            _cell_text(cells[j], values[j], align[j] == "r", bold=i == 0)
    _widths(table, t)
    if not has_header:
        # a two-column list without headings: keep the row (rules need it) but make it thin
        table.rows[0].height = Pt(2)
    _style_table(table, style)
    for k, n in enumerate(t.notes):
        _note(d, doc, n, first=k == 0)



def _note(d, doc: Document, text: str, *, first: bool) -> None:
    """A note paragraph below a table or figure; the first one opens with the note label."""
    from docx.shared import Pt

    p = d.add_paragraph()
    p.paragraph_format.space_before = Pt(3 if first else 0)
    p.paragraph_format.space_after = Pt(2)
    if first:
        lab = p.add_run(doc.note_label + ("" if doc.note_label.endswith("：") else " "))
        lab.italic = doc.lang != "zh"
        lab.font.size = Pt(NOTE_PT)
    r = p.add_run(text)
    r.font.size = Pt(NOTE_PT)


def _figure(d, fig, doc: Document, images: dict[str, bytes], style: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    png = images.get(fig.png)
    if png is None:
        return
    label = doc.figure_label.replace("{n}", str(fig.number))
    if style == "apa":
        _caption(d, label, fig.caption, style, above=True)
    width_cm = _png_width_cm(png)
    d.add_picture(io.BytesIO(png), width=Cm(min(width_cm, _MAX_WIDTH_CM)))
    pic = d.paragraphs[-1]
    pic.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pic.paragraph_format.space_after = Pt(2)
    pic.paragraph_format.keep_with_next = style != "apa"
    if style != "apa":
        _caption(d, label, fig.caption, style, above=False)
    if fig.note:
        _note(d, doc, fig.note, first=True)


def _png_width_cm(png: bytes) -> float:
    import struct

    width = struct.unpack(">I", png[16:20])[0]
    dpi = 300.0
    i = png.find(b"pHYs")
    if i > 0:
        ppm = struct.unpack(">I", png[i + 4:i + 8])[0]
        if ppm:
            dpi = ppm * 0.0254
    return width / dpi * 2.54


def render_docx(doc: Document, images: dict[str, bytes], *, table_style: str = "apa") -> bytes:
    """The Word file of ``doc``; ``images`` maps each figure's PNG path (``figures/x.png``) to its bytes."""
    from docx import Document as new_document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    check_option("table_style", table_style, _RULES)
    d = new_document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2.5))
    normal = d.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element, lang=doc.lang)
    from docx.enum.style import WD_STYLE_TYPE

    tstyle = d.styles.add_style(TABLE_STYLE_NAME, WD_STYLE_TYPE.PARAGRAPH)
    tstyle.base_style = normal
    tstyle.font.size = Pt(9.5)
    tstyle.paragraph_format.space_before = Pt(0)
    tstyle.paragraph_format.space_after = Pt(0)
    tstyle.paragraph_format.line_spacing = 1.0
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        st = d.styles[name]
        set_fonts(st.element, lang=doc.lang)
        st.font.color.rgb = None
    # the document defaults too, so that text in any style gets the East Asian font
    from docx.oxml.ns import qn

    defaults = d.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None:
            set_fonts(rpr_default, lang=doc.lang)

    cp = d.core_properties
    cp.title = doc.title
    cp.author = "surveykit"
    cp.last_modified_by = "surveykit"
    cp.comments = ""
    cp.revision = 1
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME
    cp.last_printed = FIXED_TIME
    cp.language = doc.lang_attr

    d.add_heading(doc.title, level=0)
    if doc.banner:
        p = d.add_paragraph()
        r = p.add_run(doc.banner)
        r.bold = True
    p = d.add_paragraph()
    r = p.add_run(doc.generated_by)
    r.italic = True
    r.font.size = Pt(9)
    for s in doc.sections:
        d.add_heading(s.title, level=1)
        for b in s.blocks:
            if b.kind == "table":
                _table(d, b, doc, table_style)
            elif b.kind == "figure":
                _figure(d, b, doc, images, table_style)
            else:
                p = d.add_paragraph()
                r = p.add_run(b.text)
                if b.style == "note":
                    r.italic = True
                    r.font.size = Pt(9)
                elif b.style == "item":
                    r.font.size = Pt(9)
                    p.paragraph_format.left_indent = Cm(1)
                    p.paragraph_format.first_line_indent = Cm(-1)
                elif b.style == "banner":
                    r.bold = True
                if b.style in ("note", "item"):
                    p.paragraph_format.space_after = Pt(2)
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue())
