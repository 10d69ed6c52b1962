"""`surveykit score DATA --instrument I --out PATH`: construct scores of a file larger than memory.

The file is read and scored in chunks by :func:`surveykit.data.score_file`: only one chunk (and
the chunks worker processes read ahead) is in memory.  The per-respondent scores are written
chunk by chunk to a temporary file renamed over ``--out`` at the end; the summary (rows,
item and score moments) goes to stdout, or to ``--summary``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from surveykit.analysis.commands import check_outputs, score_data, write_text
from surveykit.cli._common import encoding_option, handled, layout_option
from surveykit.errors import SpecError, check_option
from surveykit.results import dumps

FORMATS = ("csv", "parquet")


def _scores_format(fmt: Optional[str], out: Path) -> str:
    """--format, else the --out suffix (.parquet), else csv."""
    if fmt is None:
        return "parquet" if out.suffix.lower() == ".parquet" else "csv"
    if fmt == "sav":
        # pyreadstat writes a whole frame at once and cannot append, so a .sav of the scores
        # would hold every respondent in memory: what this command exists to avoid
        raise SpecError("--format sav is not offered since an SPSS file cannot be written chunk by chunk; use csv "
                        "or parquet.")
    check_option("--format", fmt, FORMATS)
    return fmt


def _show_progress() -> bool:
    """A progress bar only for a person watching: both streams on a terminal, not under CI."""
    return sys.stdout.isatty() and sys.stderr.isatty() and not os.environ.get("CI")


def _summary_text(result, path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return dumps(result.to_dict())
    if suffix in (".md", ".markdown"):
        return result.summary().as_markdown()
    return result.summary().as_text() + "\n"


def score(
    data: Path = typer.Argument(..., help="Data file (.sav, .zsav, .dta, .sas7bdat, .xpt, .csv, .tsv, .parquet)."),
    instrument: Path = typer.Option(..., "--instrument", help="Instrument YAML."),
    out: Path = typer.Option(..., "--out", help="File for each respondent's construct scores (.csv or .parquet)."),
    chunksize: int = typer.Option(100_000, "--chunksize", help="Rows read and scored at a time."),
    format: Optional[str] = typer.Option(None, "--format", help="csv or parquet (default: --out suffix, csv)."),
    summary: Optional[Path] = typer.Option(
        None, "--summary", help="Write the summary to this file (.json, .md, else text) instead of stdout."),
    min_items: Optional[int] = typer.Option(
        None, "--min-items", help="Answered items a score needs (default: half the construct's, rounded up)."),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", help="Processes reading SPSS/Stata/SAS chunks ahead (-1: every core; default: up to 4)."),
    encoding: Optional[str] = encoding_option(),
    layout: Optional[str] = layout_option(),
) -> None:
    """Score a data file in chunks (for files larger than memory): scores to --out, summary to stdout."""
    with handled():
        fmt = _scores_format(format, out)
        check_outputs({"--out": out, "--summary": summary}, {"the data file": data, "the instrument": instrument})
        out.parent.mkdir(parents=True, exist_ok=True)
        result = score_data(data, instrument, chunksize=chunksize, encoding=encoding, layout=layout,
                            min_items=min_items, scores_out=out, scores_format=fmt, progress=_show_progress(),
                            jobs=jobs)
        if summary is None:
            typer.echo(_summary_text(result, Path("summary.txt")), nl=False)
        else:
            write_text(summary, _summary_text(result, summary))
        typer.echo(str(out))
        if summary is not None:
            typer.echo(str(summary))
