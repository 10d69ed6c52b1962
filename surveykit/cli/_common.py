"""What every command shares: error handling, warnings on stderr only on a terminal."""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager

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


