"""`surveykit reliability DATA --instrument I`: reliability and item analysis of every construct."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_outputs, csv_text, scale_tables, write_text
from surveykit.cli._common import handled
from surveykit.errors import check_option
from surveykit.results import dumps

FORMATS = ("text", "md", "csv", "json")


def output_format(fmt: Optional[str], out: Optional[Path]) -> str:
    """--format, else the --out suffix (.md, .csv, .json), else text."""
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = {"md": "md", "markdown": "md", "csv": "csv", "json": "json"}.get(suffix, "text")
    check_option("--format", fmt, FORMATS)
    return fmt


def render(result, fmt: str) -> str:
    if fmt == "json":
        return dumps(result.to_dict())
    if fmt == "csv":
        return csv_text(result.to_frame())
    if fmt == "md":
        return result.summary().as_markdown()
    return result.summary().as_text() + "\n"


def emit(text: str, out: Optional[Path]) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    typer.echo(str(write_text(out, text)))


def reliability(
    data: Path = typer.Argument(..., help="Data file."),
    instrument: Path = typer.Option(..., "--instrument", help="Instrument YAML."),
    construct: Optional[list[str]] = typer.Option(None, "--construct", help="Construct (repeatable; default all)."),
    missing: str = typer.Option("pairwise", "--missing", help="pairwise or listwise."),
    ci: str = typer.Option("feldt", "--ci", help="Alpha interval: feldt or bootstrap."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap resamples (with --ci bootstrap)."),
    seed: int = typer.Option(1, "--seed", help="Bootstrap seed."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the tables to this file instead of stdout."),
    format: Optional[str] = typer.Option(None, "--format", help="text, md, csv or json (default: --out suffix, text)."),
) -> None:
    """Alpha, omega, item-total statistics and the critical-ratio item test for each construct."""
    with handled():
        fmt = output_format(format, out)
        check_outputs({"--out": out}, {"the data file": data, "the instrument": instrument})
        result = scale_tables(data, instrument, constructs=construct or None, missing=missing, ci=ci, n_boot=n_boot,
                              rng=seed)
        emit(render(result, fmt), out)
