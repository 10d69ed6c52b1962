"""`surveykit questionnaire INSTRUMENT --format F --lang zh|en|both --out PATH [--seed S]`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.cli._common import handled
from surveykit.questionnaire import FORMATS, format_of
from surveykit.questionnaire import questionnaire as render


def questionnaire(
    instrument: Path = typer.Argument(..., help="Instrument YAML."),
    out: Path = typer.Option(..., "--out", help="File to write (atomically)."),
    format: Optional[str] = typer.Option(None, "--format", help=f"{', '.join(FORMATS)}. Default: from the --out "
                                         "extension (.html, .docx, .pdf, .md)."),
    lang: str = typer.Option("zh", "--lang", help="zh, en or both (side by side)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Shuffle the items with this seed (recorded in the "
                                       "output). Default: the instrument's order."),
) -> None:
    """Write the questionnaire: printable (html, docx, pdf), XLSForm, 问卷星 or Qualtrics import, or the codebook."""
    with handled():
        fmt = format if format is not None else format_of(out)
        typer.echo(str(render(instrument, format=fmt, lang=lang, seed=seed).write(out)))
