"""`surveykit codebook DATA [--instrument I] [--format md|json|xlsx|html] [--out PATH]`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_outputs, codebook_format, describe_data
from surveykit.cli._common import encoding_option, handled, layout_option, read_options, sheet_option
from surveykit.errors import SpecError


def codebook(
    data: Path = typer.Argument(..., help="Data file (.sav, .dta, .csv, .xlsx, ...; also Qualtrics and "
                                "Wenjuanxin exports)."),
    instrument: Optional[Path] = typer.Option(None, "--instrument", help="Instrument YAML: adds constructs, item "
                                              "texts, reverse keying and the scale's missing codes."),
    format: str = typer.Option("md", "--format", help="md, json, xlsx or html."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file (atomically). Default: stdout "
                                       "(not for xlsx)."),
    encoding: Optional[str] = encoding_option(),
    layout: Optional[str] = layout_option(),
    sheet: Optional[str] = sheet_option(),
) -> None:
    """One row per variable: label, type, value labels, missing values, n valid/missing, distribution."""
    with handled():
        fmt = codebook_format(format)
        if fmt == "xlsx" and out is None:
            raise SpecError("--format xlsx writes a workbook: give the file to write with --out PATH.xlsx.")
        check_outputs({"--out": out}, {"the data file": data, "the instrument": instrument})
        book = describe_data(data, instrument, **read_options(encoding, layout, sheet))
        if out is not None:
            typer.echo(str(book.write(out, format=fmt)))
        else:
            typer.echo(book.render(fmt), nl=False)
