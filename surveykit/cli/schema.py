"""`surveykit schema NAME`: the JSON Schema of an instrument, an analysis spec or results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import schema_text, write_text
from surveykit.cli._common import handled
from surveykit.errors import check_option


def schema(
    name: str = typer.Argument(..., help="instrument, analysis or results."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the schema to this file instead of stdout."),
) -> None:
    """Print the JSON Schema of an instrument YAML, an analysis spec YAML or results.json (for editors)."""
    with handled():
        check_option("NAME", name, ("instrument", "analysis", "results"))
        text = schema_text(name)
        if out is not None:
            typer.echo(str(write_text(out, text)))
            return
    typer.echo(text, nl=False)
