"""The `surveykit` command: one typer app, one module per command."""

from __future__ import annotations

import typer

from surveykit._version import __version__
from surveykit.cli._common import STATE
from surveykit.cli.analyze import analyze
from surveykit.cli.codebook import codebook
from surveykit.cli.efa import efa
from surveykit.cli.init import init
from surveykit.cli.power import power
from surveykit.cli.questionnaire import questionnaire
from surveykit.cli.reliability import reliability
from surveykit.cli.schema import schema
from surveykit.cli.score import score
from surveykit.cli.simulate import simulate
from surveykit.cli.validate import validate
from surveykit.cli.verify import verify

app = typer.Typer(
    name="surveykit",
    help="From questionnaire to published, reproducible survey result.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"surveykit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    STATE["debug"] = debug


app.command()(analyze)
app.command()(efa)
app.command()(reliability)
app.command()(simulate)
app.command()(validate)
app.command()(verify)
app.command()(codebook)
app.command()(power)
app.command()(score)
app.command()(questionnaire)
app.command()(init)
app.command()(schema)


def run() -> None:  # console-script entry point
    app()
