"""Questionnaire layer: an instrument -> the questionnaire respondents answer, on paper or a platform.

``sk.questionnaire(instrument, format=..., lang=...)`` renders the instrument as a printable
questionnaire (HTML, Word, PDF), an XLSForm (ODK, KoboToolbox, SurveyCTO), a 问卷星 text
import or a Qualtrics Advanced Format TXT, or the codebook for the fieldwork team (Markdown,
Excel); :func:`platform_export` writes responses as each platform's download, for a dry run
of the pipeline from fieldwork back to :func:`surveykit.read_survey`.

Layer: beside ``analysis``, above ``report`` (whose Word and PDF machinery it uses); it reads
instruments and computes no statistics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from surveykit.errors import SpecError
from surveykit.instrument import Instrument, load_instrument
from surveykit.io import atomic_write_bytes, atomic_write_text
from surveykit.questionnaire.codebook import codebook_frame, render_codebook_md, render_codebook_xlsx
from surveykit.questionnaire.exports import PLATFORMS, platform_export
from surveykit.questionnaire.form import LANGS, Form, build_form
from surveykit.questionnaire.platforms import render_qualtrics, render_wjx, render_xlsform, xlsform_sheets
from surveykit.questionnaire.printable import render_docx, render_html, render_pdf

__all__ = ["Questionnaire", "questionnaire", "build_form", "Form", "platform_export", "codebook_frame",
           "xlsform_sheets", "FORMATS", "LANGS", "PLATFORMS", "format_of"]

#: format -> (renderer, file extension)
_RENDER = {
    "html": (render_html, ".html"),
    "docx": (render_docx, ".docx"),
    "pdf": (render_pdf, ".pdf"),
    "xlsform": (render_xlsform, ".xlsx"),
    "wjx": (render_wjx, ".txt"),
    "qualtrics": (render_qualtrics, ".txt"),
    "codebook": (render_codebook_md, ".md"),
    "codebook-xlsx": (render_codebook_xlsx, ".xlsx"),
}
FORMATS = tuple(_RENDER)
Format = Literal["html", "docx", "pdf", "xlsform", "wjx", "qualtrics", "codebook", "codebook-xlsx"]
_BY_SUFFIX = {".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf", ".md": "codebook"}


@dataclass(frozen=True)
class Questionnaire:
    """A rendered questionnaire: the form it shows, the format and the content (text or bytes)."""

    form: Form
    format: str
    content: str | bytes

    @property
    def suffix(self) -> str:
        return _RENDER[self.format][1]

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the content to `path` atomically (text as UTF-8); returns the path."""
        target = Path(os.fspath(path))
        if not target.parent.is_dir():
            raise SpecError(f"Cannot write {target}: the folder {target.parent} does not exist; create it or choose "
                            "another --out.")
        if isinstance(self.content, bytes):
            atomic_write_bytes(target, self.content)
        else:
            atomic_write_text(target, self.content)
        return target


def format_of(path: str | os.PathLike[str]) -> str:
    """The format a file name asks for (.html, .docx, .pdf, .md); others need ``format=``."""
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in _BY_SUFFIX:
        raise SpecError(
            f"Cannot tell the questionnaire format from '{path}' (a {suffix or 'name without extension'}); "
            f"give --format, one of {', '.join(FORMATS)}."
        )
    return _BY_SUFFIX[suffix]


def questionnaire(
    instrument: Instrument | str | os.PathLike[str],
    *,
    format: Format = "html",
    lang: Literal["zh", "en", "both"] = "zh",
    seed: int | None = None,
) -> Questionnaire:
    """The questionnaire of an instrument, in one format.

    Parameters
    ----------
    instrument : Instrument, str or Path
        The instrument, or its YAML file.
    format : {'html', 'docx', 'pdf', 'xlsform', 'wjx', 'qualtrics', 'codebook', 'codebook-xlsx'}
        Printable (html, docx, pdf: the Word file converted by LibreOffice), XLSForm (.xlsx),
        问卷星 文本导入 (.txt), Qualtrics Advanced Format (.txt), or the fieldwork codebook
        (Markdown or Excel).
    lang : {'zh', 'en', 'both'}
        Language shown; 'both' puts Chinese and English side by side (not for 问卷星 or
        Qualtrics, which import one language per file; XLSForm always carries both).
    seed : int, optional
        Shuffle the items with this seed (recorded in the output); default: the instrument's order.

    Returns
    -------
    Questionnaire
        ``.content`` (str or bytes), ``.form`` and ``.write(path)``.

    Examples
    --------
    >>> import surveykit as sk
    >>> q = sk.questionnaire(sk.datasets.demo_instrument_path(), format="wjx")
    >>> q.content.splitlines()[0]
    '基层党组织执行力调查问卷'
    """
    if format not in _RENDER:
        raise SpecError(f"--format {format!r} is not one of {', '.join(FORMATS)}.")
    ins = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    form = build_form(ins, lang=lang, seed=seed)
    return Questionnaire(form=form, format=format, content=_RENDER[format][0](form))
