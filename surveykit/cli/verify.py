"""`surveykit verify REPORT_DIR`: re-run the analysis recorded in manifest.json and say how closely
it reproduces (:mod:`surveykit.analysis.verify`).

Prints the level (byte-identical; numerically identical, with the number that differed most and
what in the environment differs; different, naming each difference with both values).  Exit 0:
byte-identical or numerically identical; 1: different; 2: the manifest is missing or invalid, or
an input file is missing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from surveykit.cli._common import handled


def verify(
    report_dir: Path = typer.Argument(..., help="A report folder written by `surveykit analyze` (with manifest.json)."),
) -> None:
    """Re-run the analysis from REPORT_DIR/manifest.json: byte-identical or numerically identical (exit 0) or
    different (exit 1, naming what differs)."""
    from surveykit.analysis.verify import verify_report

    with handled():
        result = verify_report(report_dir)
    for line in result.lines():
        typer.echo(line)
    if not result.ok:
        raise typer.Exit(1)
