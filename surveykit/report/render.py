"""Render a results record into the report folder: report.html, report.md, report.docx,
figures/ (SVG and 300-dpi PNG), results.json and manifest.json.

The report is one document model (:mod:`surveykit.report.document`) rendered by the templates
in ``templates/`` (HTML, Markdown) and by :mod:`surveykit.report.docx` (Word); wording lives in
``messages/``, cut-offs in ``conventions.yaml``.  Output depends only on the results and the
report options: no clock, no random ids, stable key order, figure metadata stripped.  The
folder is written as a whole: every file goes into a staging folder beside it, which replaces
the previous report in one rename (:func:`surveykit.io.atomic_folder`).
"""

from __future__ import annotations

import copy
import hashlib
import os
import platform
from importlib import resources
from pathlib import Path

import jinja2

from surveykit.errors import OutputError, SpecError, check_option, os_error_sentence
from surveykit.io import atomic_folder
from surveykit.report.conventions import DEFAULT_PROFILE, load_profile
from surveykit.report.document import SECTION_ORDER, Document, FigureBlock, build_document, messages
from surveykit.report.figures import RenderedFigure, inline_svg, render_figures
from surveykit.report.schema import ResultsRecord, validate_results
from surveykit.results import SIGNIFICANT_DIGITS, dumps, markdown_text, to_jsonable

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
                                    png=f.png_name, svg_file=f.svg_name, note=f.note)
    return build_document(results, lang, profile, figures=blocks, versions=_versions(manifest))


def render_html(results: dict | ResultsRecord, lang: str = "zh", *, convention: str = DEFAULT_PROFILE,
                figures: list[RenderedFigure] | None = None, manifest: dict | None = None) -> str:
    """The self-contained HTML report (inline CSS and SVG; every text escaped)."""
    doc = render_document(results, lang, convention=convention, figures=figures, manifest=manifest)
    return _environment(True).get_template("report.html.j2").render(doc=doc)


def _md_cell(s) -> str:
    """Text for a Markdown table cell or paragraph (:func:`surveykit.results.markdown_text`)."""
    return markdown_text(s)


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


def _relative(path: str, folder: Path) -> str:
    """``path`` relative to ``folder`` (forward slashes); its name alone when there is no relative
    path (another drive)."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), folder.resolve())).as_posix()
    except ValueError:
        return Path(path).name


def portable_manifest(manifest: dict, folder: Path) -> dict:
    """The manifest as written into the report ``folder``: input files by their path relative to the
    folder (a file shipped with surveykit by its shipped name), the command line without the
    program's path, so that the folder can be moved or sent and reveals no home directory."""
    man = copy.deepcopy(dict(manifest))
    records = [man.get("spec") or {}] + list((man.get("inputs") or {}).values())
    for rec in records:
        if isinstance(rec, dict) and rec.get("file"):
            rec["file"] = str(rec["shipped"]) if rec.get("shipped") else _relative(str(rec["file"]), folder)
    if man.get("argv"):
        argv = [str(a) for a in man["argv"]]
        man["argv"] = [Path(argv[0]).name] + [_relative(a, folder) if os.path.isabs(a) else a for a in argv[1:]]
    return man


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

    The folder is replaced as a whole (staging folder, then one rename): after an error, Ctrl-C, a
    full disk or a size limit the previous report is as it was and no temporary file remains; a
    folder holding files a report does not write is refused (they would be lost).  Returns the
    paths of the top-level files; the figure files are listed with their SHA-256 in manifest.json.
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
    _check_replaceable(out_dir)

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

    man = portable_manifest(manifest, out_dir)
    man["outputs"] = {name: hashlib.sha256(data).hexdigest() for name, data in top + files}
    man["report"] = {"lang": lang, "formats": list(formats), "table_style": table_style, "convention": convention,
                     "path_layout": path_layout}
    everything = files + top + [("manifest.json", dumps(man).encode("utf-8"))]
    _write_folder(out_dir, everything)
    return [out_dir / name for name, _ in top] + [out_dir / "manifest.json"]


# what a report folder holds; a folder holding anything else is not replaced (it would be lost)
_REPORT_NAMES = frozenset({"results.json", "manifest.json", "report.html", "report.md", "report.docx",
                           "report.pdf", "tables.tex"})


def _is_report_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if name.startswith(".") and name.endswith(".tmp"):
        return True  # a temporary file an interrupted earlier version left
    if rel.startswith("figures/"):
        return rel.count("/") == 1 and name.endswith((".svg", ".png"))
    return rel in _REPORT_NAMES


def _check_replaceable(out_dir: Path) -> None:
    """The report replaces ``out_dir`` as a whole: refuse a file, or a folder holding anything a
    report does not write (the user's files would be lost)."""
    if not out_dir.exists() and not out_dir.is_symlink():
        return
    if not out_dir.is_dir():
        raise OutputError(f"The output folder {out_dir} is a file, not a folder; choose another with --out.")
    here = Path.cwd().resolve()
    if out_dir.resolve() == here or out_dir.resolve() in here.parents:
        raise OutputError(f"The output folder {out_dir} is the current folder or holds it; the report replaces its "
                          f"folder as a whole, so give a folder inside it, e.g. --out {out_dir / 'report'}.")
    foreign: list[str] = []
    try:
        for p in out_dir.rglob("*"):
            rel = p.relative_to(out_dir).as_posix()
            if (rel == "figures" and p.is_dir()) or _is_report_file(rel):
                continue
            foreign.append(rel)
            if len(foreign) > 3:
                break
    except OSError as exc:
        raise OutputError(os_error_sentence(exc, out_dir, "the output folder", action="read")) from None
    if foreign:
        shown = ", ".join(sorted(foreign[:3])) + (", ..." if len(foreign) > 3 else "")
        raise OutputError(f"The output folder {out_dir} holds files a report does not write ({shown}); the report "
                          "replaces its folder as a whole, so choose a new or empty folder with --out.")


def _write_folder(out_dir: Path, files: list[tuple[str, bytes]]) -> None:
    """Write the report folder as a whole (:func:`surveykit.io.atomic_folder`): the previous report
    stays as it was until the new one is complete; an OS error becomes one sentence."""
    try:
        with atomic_folder(out_dir) as stage:
            for name, data in files:
                path = stage / name
                path.parent.mkdir(exist_ok=True)
                path.write_bytes(data)
    except OSError as exc:
        kept = "the previous report is unchanged" if out_dir.is_dir() else "nothing was written"
        sentence = os_error_sentence(exc, out_dir, "the report folder")
        raise OutputError(f"{sentence[:-1]}; {kept} and no temporary file was left.") from None
