"""`surveykit analyze [SPEC]`: the whole pipeline, ending in a report folder."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis import analyze as run_analysis
from surveykit.cli._common import encoding_option, handled, layout_option, read_options, sheet_option
from surveykit.errors import check_option


def analyze(
    spec: Optional[Path] = typer.Argument(None, help="Analysis spec (YAML). Default: the shipped demo."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data file; overrides the spec's data file (its "
                                        "read options still apply)."),
    instrument: Optional[Path] = typer.Option(None, "--instrument", help="Instrument YAML; overrides the spec's."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder. Default: reports/<spec name>/."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Report language: zh or en. Default: the spec's."),
    table_style: Optional[str] = typer.Option(None, "--table-style",
                                              help="Word tables: apa or cn (三线表). Default: the spec's."),
    encoding: Optional[str] = encoding_option("the spec's data.encoding, else detected"),
    layout: Optional[str] = layout_option("the spec's data.layout, else detected"),
    sheet: Optional[str] = sheet_option("the spec's data.sheet, else the first"),
) -> None:
    """Run an analysis spec and write report.html, report.md, results.json and manifest.json."""
    with handled():
        if lang is not None:
            check_option("--lang", lang, ("zh", "en"))
        if table_style is not None:
            check_option("--table-style", table_style, ("apa", "cn"))
        command = "surveykit " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        result = run_analysis(spec, data=data, instrument=instrument, command=command,
                              **read_options(encoding, layout, sheet))
        out_dir = out if out is not None else Path("reports") / result.spec.name
        for path in result.write(out_dir, lang=lang, table_style=table_style):
            typer.echo(str(path))
