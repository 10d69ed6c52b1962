"""Render a results record into the report folder: report.html, report.md, report.docx,
figures/ (SVG and 300-dpi PNG), results.json and manifest.json.

The report is one document model (:mod:`surveykit.report.document`) rendered by the templates
in ``templates/`` (HTML, Markdown) and by :mod:`surveykit.report.docx` (Word); wording lives in
``messages/``, cut-offs in ``conventions.yaml``.  Output depends only on the results and the
report options: no clock, no random ids, stable key order, figure metadata stripped.  Every
file is written atomically.
"""

from __future__ import annotations

import hashlib
import platform
import re
from importlib import resources
from pathlib import Path

import jinja2

from surveykit.errors import SpecError, check_option
from surveykit.io import atomic_write_bytes
from surveykit.report.conventions import DEFAULT_PROFILE, load_profile
from surveykit.report.document import SECTION_ORDER, Document, FigureBlock, build_document, messages
from surveykit.report.figures import RenderedFigure, inline_svg, render_figures
from surveykit.report.schema import ResultsRecord, validate_results
from surveykit.results import SIGNIFICANT_DIGITS, dumps, to_jsonable

__all__ = ["write_report", "render_html", "render_markdown", "render_document", "messages", "SECTIONS", "FORMATS",
           "TABLE_STYLES", "PATH_LAYOUTS"]

SECTIONS = SECTION_ORDER
FORMATS = ("html", "md", "json", "docx", "tex", "pdf")
TABLE_STYLES = ("apa", "cn")
PATH_LAYOUTS = ("layered", "graphviz", "auto")


def _environment(autoescape: bool) -> jinja2.Environment:
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("surveykit.report").joinpath("templates", name).read_text(encoding="utf-8")
    )
    return jinja2.Environment(loader=loader, autoescape=autoescape, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def _versions(manifest: dict | None) -> dict:
    v = dict((manifest or {}).get("versions") or {})
    out = {}
    if v.get("surveykit"):
        out["surveykit"] = str(v["surveykit"])
    python = str(v.get("python") or platform.python_version())
    out["python"] = ".".join(python.split(".")[:2])  # major.minor: what a methods section cites
    return out


def render_document(results: dict | ResultsRecord, lang: str = "zh", *, convention: str = DEFAULT_PROFILE,
                    figures: list[RenderedFigure] | None = None, manifest: dict | None = None,
                    inline: bool = True) -> Document:
    """The document model of the report (see :mod:`surveykit.report.document`) of a results record
    (validated first when it is a dict)."""
    profile = load_profile(convention)
    results = validate_results(results)
    blocks = {}
    for f in figures or []:
        blocks[f.key] = FigureBlock(key=f.key, caption=f.caption,
                                    svg=inline_svg(f.svg, f.key, f"cap-{f.key}") if inline else "",
                                    png=f.png_name, svg_file=f.svg_name)
    return build_document(results, lang, profile, figures=blocks, versions=_versions(manifest))


def render_html(results: dict | ResultsRecord, lang: str = "zh", *, convention: str = DEFAULT_PROFILE,
                figures: list[RenderedFigure] | None = None, manifest: dict | None = None) -> str:
    """The self-contained HTML report (inline CSS and SVG; every text escaped)."""
    doc = render_document(results, lang, convention=convention, figures=figures, manifest=manifest)
    return _environment(True).get_template("report.html.j2").render(doc=doc)


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _md_cell(s) -> str:
    """Text for a Markdown table cell or paragraph: pipes and backslashes escaped, no line
    breaks, and no HTML tag can open ('<' before a letter, '/', '!' or '?' becomes '&lt;')."""
    if s is None:
        return ""
    s = str(s).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return _TAG_START.sub("&lt;", s)


def render_markdown(results: dict | ResultsRecord, lang: str = "zh", *, convention: str = DEFAULT_PROFILE,
                    figures: list[RenderedFigure] | None = None, manifest: dict | None = None) -> str:
    """The Markdown report; figures are linked (figures/*.png, figures/*.svg)."""
    doc = render_document(results, lang, convention=convention, figures=figures, manifest=manifest, inline=False)
    env = _environment(False)
    env.filters["md"] = _md_cell
    text = env.get_template("report.md.j2").render(doc=doc)
    # collapse runs of blank lines left by template control blocks
    lines, blank = [], 0
    for line in text.splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def write_report(results: dict, manifest: dict, out_dir: Path, *, lang: str = "zh",
                 formats: tuple[str, ...] = ("html", "md", "json"), table_style: str = "apa",
                 convention: str = DEFAULT_PROFILE, path_layout: str = "layered") -> list[Path]:
    """Write the report files into ``out_dir`` (created if needed).

    ``results.json`` and ``manifest.json`` are always written; ``formats`` chooses the readable
    reports (html, md, docx, and pdf: the Word report converted by LibreOffice, see
    :mod:`surveykit.report.pdf`; its dates and ID are fixed, so the same report gives the same PDF
    on one LibreOffice installation).  When any of them is asked for, the figures are written to
    ``figures/`` as SVG and 300-dpi PNG (the HTML embeds the SVG, Markdown links the files,
    Word embeds the PNG).  ``table_style`` ('apa' or 'cn', the Chinese three-line table) styles
    the Word tables; ``convention`` names the profile of cut-offs (``conventions.yaml``);
    ``path_layout`` ('layered', 'graphviz' or 'auto') lays out the path diagram: the default
    needs nothing but matplotlib, so that the same results give the same bytes on every machine.

    Every file is written atomically (temporary file, then rename).  Returns the paths of the
    top-level files; the figure files are listed with their SHA-256 in manifest.json.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise SpecError(f"report format(s) {', '.join(unknown)} are not available; use {', '.join(FORMATS)}.")
    check_option("lang", lang, ("zh", "en"))
    check_option("table_style", table_style, TABLE_STYLES)
    check_option("path_layout", path_layout, PATH_LAYOUTS)
    profile = load_profile(convention)  # fails early on an unknown profile
    # the report shows the numbers results.json holds: floats at the record's declared precision,
    # checked against the results schema before anything is written
    results = to_jsonable(results, digits=SIGNIFICANT_DIGITS)
    record = validate_results(results)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(
            f"Cannot create the output folder {out_dir}: {exc.strerror}; choose another with --out."
        ) from None

    figures: list[RenderedFigure] = []
    if any(f in formats for f in ("html", "md", "docx", "pdf")):
        figures = render_figures(record, lang, profile, path_layout=path_layout)
    files: list[tuple[str, bytes]] = []
    for f in figures:
        files += [(f.svg_name, f.svg), (f.png_name, f.png)]
    top: list[tuple[str, bytes]] = [("results.json", dumps(results).encode("utf-8"))]
    if "html" in formats:
        html = render_html(record, lang, convention=convention, figures=figures, manifest=manifest)
        top.append(("report.html", html.encode("utf-8")))
    if "md" in formats:
        md = render_markdown(record, lang, convention=convention, figures=figures, manifest=manifest)
        top.append(("report.md", md.encode("utf-8")))
    if "docx" in formats or "pdf" in formats:
        from surveykit.report.docx import render_docx

        doc = render_document(record, lang, convention=convention, figures=figures, manifest=manifest,
                              inline=False)
        word = render_docx(doc, {f.png_name: f.png for f in figures}, table_style=table_style)
        if "docx" in formats:
            top.append(("report.docx", word))
        if "pdf" in formats:
            from surveykit.report.pdf import docx_to_pdf

            top.append(("report.pdf", docx_to_pdf(word, name="report")))
    if "tex" in formats:
        from surveykit.report.latex import render_latex

        doc = render_document(record, lang, convention=convention, figures=[], manifest=manifest, inline=False)
        top.append(("tables.tex", render_latex(doc).encode("utf-8")))

    man = dict(manifest)
    man["outputs"] = {name: hashlib.sha256(data).hexdigest() for name, data in top + files}
    man["report"] = {"lang": lang, "formats": list(formats), "table_style": table_style, "convention": convention,
                     "path_layout": path_layout}
    if figures:
        (out_dir / "figures").mkdir(exist_ok=True)
    for name, data in files:
        atomic_write_bytes(out_dir / name, data)
    written = []
    for name, data in top + [("manifest.json", dumps(man).encode("utf-8"))]:
        atomic_write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written
