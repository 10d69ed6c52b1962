"""What every command shares: error handling, warnings on stderr only on a terminal, and the
options of commands that read a data file (``--encoding``, ``--layout``, ``--sheet``)."""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from typing import Any

import typer

from surveykit.errors import SurveykitError, SurveykitWarning

STATE = {"debug": False}


def err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def handled():
    """Turn surveykit errors into one sentence on stderr and exit code 2 (traceback with --debug)."""
    stderr_tty = sys.stderr.isatty()
    with warnings.catch_warnings():
        if not stderr_tty and not STATE["debug"]:
            # warnings reach the report; on a pipe they would only be noise
            warnings.simplefilter("ignore", SurveykitWarning)
        try:
            yield
        except SurveykitError as exc:
            if STATE["debug"]:
                raise
            err(f"surveykit: error: {exc}")
            raise typer.Exit(2) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            if STATE["debug"]:
                raise
            err(f"surveykit: error: {exc.filename}: {exc.strerror}; check the path.")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err("surveykit: interrupted; no output file was left half-written.")
            raise typer.Exit(130) from None




# -- how a data file is read: one definition for codebook, validate and analyze ----------------------------
def encoding_option(default: str = "detected") -> Any:
    """``--encoding``: the text encoding of a csv/tsv file (for SPSS/Stata/SAS files, overrides the declared one)."""
    return typer.Option(None, "--encoding", help=f"Text encoding of a csv/tsv data file, e.g. gb18030. Default: "
                        f"{default}.")


def layout_option(default: str = "detected") -> Any:
    """``--layout``: the survey-platform layout of a csv/tsv/xlsx export."""
    return typer.Option(None, "--layout", help="Layout of the data file: auto, plain, qualtrics, wjx or kobo. "
                        f"Default: {default}.")


def sheet_option(default: str = "the first") -> Any:
    """``--sheet``: the sheet of an .xlsx workbook."""
    return typer.Option(None, "--sheet", help=f"Sheet of an .xlsx data file. Default: {default}.")


def read_options(encoding: str | None, layout: str | None, sheet: str | None) -> dict[str, str]:
    """The read options given on the command line, as keyword arguments of ``read_survey``."""
    given = {"encoding": encoding, "layout": layout, "sheet": sheet}
    return {k: v for k, v in given.items() if v is not None}
