"""`surveykit validate DATA --instrument I`: can this file be analysed?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from surveykit.cli._common import handled
from surveykit.data import read_survey
from surveykit.data import validate as check
from surveykit.errors import SpecError


def validate(
    data: Path = typer.Argument(..., help="Data file."),
    instrument: Path = typer.Option(..., "--instrument", help="Instrument YAML."),
    format: str = typer.Option("text", "--format", help="text or json."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of a csv/tsv file. "
                                           "Default: detected."),
    layout: Optional[str] = typer.Option(None, "--layout", help="auto, plain, qualtrics or wjx. Default: detected."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Sheet of an .xlsx workbook. Default: the first."),
) -> None:
    """Report out-of-range codes, missing items, duplicates...; exit 1 when analysis is blocked."""
    with handled():
        if format not in ("text", "json"):
            raise SpecError(f"--format {format!r} is not one of text, json.")
        rep = check(read_survey(data, instrument=instrument, encoding=encoding, layout=layout, sheet=sheet))
        if format == "json":
            typer.echo(json.dumps(rep.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(rep.summary().as_text())
    if not rep.ok:
        raise typer.Exit(1)
