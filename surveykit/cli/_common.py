"""What every command shares: error handling, warnings on stderr only on a terminal, and the
options of commands that read a data file (``--encoding``, ``--layout``, ``--sheet``)."""

from __future__ import annotations

import signal
import sys
import warnings
from contextlib import contextmanager
from typing import Any

import typer

from surveykit.errors import SurveykitError, SurveykitWarning, os_error_sentence

STATE = {"debug": False}


def err(message: str) -> None:
    typer.echo(message, err=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that it unwinds as after Ctrl-C: staging folders and
    temporary files are removed and worker processes stopped."""


def _on_sigterm(signum, frame):  # noqa: ARG001 (a signal handler's signature)
    raise Terminated()


INTERRUPTED = ("surveykit: {what}; stopped, with every output either complete or as it was before (no file "
               "left half-written, no worker left running).")


@contextmanager
def handled():
    """Turn surveykit errors into one sentence on stderr and exit code 2 (traceback with --debug);
    Ctrl-C exits 130 and SIGTERM 143, each with a sentence."""
    stderr_tty = sys.stderr.isatty()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if _main_thread() else None
    with warnings.catch_warnings():
        if not STATE["debug"]:
            # a library's numerical remark (scipy's precision loss on near-constant answers) is not a
            # sentence a user can act on; surveykit says what matters in its own warnings
            warnings.simplefilter("ignore", RuntimeWarning)
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
        except OSError as exc:
            if STATE["debug"]:
                raise
            err(f"surveykit: error: {os_error_sentence(exc)}")
            raise typer.Exit(2) from None
        except Terminated:
            err(INTERRUPTED.format(what="terminated (SIGTERM)"))
            raise typer.Exit(143) from None
        except KeyboardInterrupt:
            err(INTERRUPTED.format(what="interrupted (Ctrl-C)"))
            raise typer.Exit(130) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


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
