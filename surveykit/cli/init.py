"""`surveykit init DATA`: draft an instrument and an analysis spec from a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import draft_from_data
from surveykit.cli._common import encoding_option, handled, layout_option, read_options, sheet_option


def init(
    data: Path = typer.Argument(..., help="Data file (.sav, .dta, .csv, .xlsx, ...) to draft from."),
    instrument_out: Optional[Path] = typer.Option(None, "--instrument-out", help="Instrument YAML to write. "
                                                  "Default: <data name>_instrument.yaml here."),
    spec_out: Optional[Path] = typer.Option(None, "--spec-out", help="Analysis spec YAML to write. Default: "
                                            "<data name>_analysis.yaml here."),
    encoding: Optional[str] = encoding_option(),
    layout: Optional[str] = layout_option(),
    sheet: Optional[str] = sheet_option(),
) -> None:
    """Draft an instrument (items, scale, missing codes, constructs guessed from item names) and an analysis
    spec from a data file; the lines to review are marked in both."""
    with handled():
        stem = data.stem
        written = draft_from_data(data, instrument_out or Path(f"{stem}_instrument.yaml"),
                                  spec_out or Path(f"{stem}_analysis.yaml"), **read_options(encoding, layout, sheet))
    for path in written:
        typer.echo(str(path))
