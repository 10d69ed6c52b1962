"""`surveykit validate DATA --instrument I`: can this file be analysed?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_data
from surveykit.cli._common import encoding_option, handled, layout_option, read_options, sheet_option
from surveykit.errors import check_option


def validate(
    data: Path = typer.Argument(..., help="Data file."),
    instrument: Path = typer.Option(..., "--instrument", help="Instrument YAML."),
    format: str = typer.Option("text", "--format", help="text or json."),
    encoding: Optional[str] = encoding_option(),
    layout: Optional[str] = layout_option(),
    sheet: Optional[str] = sheet_option(),
) -> None:
    """Report out-of-range codes, missing items, duplicates...; exit 1 when analysis is blocked."""
    with handled():
        check_option("--format", format, ("text", "json"))
        rep = check_data(data, instrument, **read_options(encoding, layout, sheet))
        if format == "json":
            typer.echo(json.dumps(rep.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(rep.summary().as_text())
    if not rep.ok:
        raise typer.Exit(1)
