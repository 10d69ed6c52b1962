"""Exceptions and warnings of surveykit.

Imports nothing from surveykit.  :data:`FAILURES` is the one classification of what a user can
cause or meet: each kind with its exception, the command line's exit code, an example of its
sentence and what it asks the user to do (the README's troubleshooting section lists them; a
test keeps the two in step, and each kind has a regression test asserting its sentence and exit
code).  Every exception derives from :class:`SurveykitError`;
those about a wrong argument or input value also derive from :class:`ValueError` so that
ordinary ``except ValueError`` code keeps working (the scikit-learn habit).  Every
warning derives from :class:`SurveykitWarning`; analyses collect the warnings they raise
and store them on their result so that they reach the report.  :func:`check_option` is the
one check of an option against its allowed values, with one message template.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass


class SurveykitError(Exception):
    """Base class of every error surveykit raises on purpose."""


class InstrumentError(SurveykitError, ValueError):
    """An instrument file or object is malformed (names the key path and what is expected)."""


class ReadError(SurveykitError, ValueError):
    """A data file cannot be read (names the file and what to do)."""


class DataError(SurveykitError, ValueError):
    """Data do not fit what the analysis needs (names the column/row and what to do)."""


class SpecError(SurveykitError, ValueError):
    """An analysis spec is malformed (names the key and what is expected)."""


class ModelSpecificationError(SurveykitError, ValueError):
    """A model in lavaan syntax is malformed or not identified (names the line)."""


class EstimationError(SurveykitError):
    """Estimation could not produce a result at all."""


class OutputError(SurveykitError):
    """An output file or folder cannot be written (names the path, the reason and what to do; the
    previous output is left as it was and no temporary file remains)."""


class ResourceError(SurveykitError, ValueError):
    """A request would need more memory or time than is sensible (names the amount and what to lower)."""


class SurveykitWarning(UserWarning):
    """Base class of every warning surveykit raises."""


class ConvergenceWarning(SurveykitWarning):
    """The optimizer stopped without meeting its convergence criterion."""


class HeywoodCaseWarning(SurveykitWarning):
    """A variance estimate is negative or a standardized loading exceeds 1 in absolute value."""


class NonPositiveDefiniteWarning(SurveykitWarning):
    """A sample or model-implied matrix is not positive definite."""


class MissingDataWarning(SurveykitWarning):
    """Rows or values were dropped or treated as missing."""


class ScreeningWarning(SurveykitWarning):
    """Respondents were flagged or excluded by a screening rule."""


class DataQualityWarning(SurveykitWarning):
    """The data were read, but something about them deserves attention."""


class OptionWarning(SurveykitWarning):
    """An option was changed to what the method requires (as lavaan changes it, with a warning)."""


class DefinedParameterWarning(SurveykitWarning):
    """A defined (``:=``) parameter is not finite (a division by zero, the log of a negative value)."""


class IdentificationWarning(SurveykitWarning):
    """The model is not identified (negative degrees of freedom or a singular information matrix)."""


# -- operating-system errors as one sentence ------------------------------------------------------------------------
_OS_REASONS = {
    "ENOSPC": ("the disk is full", "free some space or choose another folder"),
    "EDQUOT": ("the disk quota is exhausted", "free some space or choose another folder"),
    "EFBIG": ("a file would exceed the file-size limit", "raise the limit (ulimit -f)"),
    "EROFS": ("the file system is read-only", "choose a writable folder"),
    "EACCES": ("permission denied", "choose a folder you may write to"),
    "EPERM": ("the operation is not permitted", "choose a folder you may write to"),
    "ENAMETOOLONG": ("the name is too long", "choose a shorter path"),
    "ENOTDIR": ("a part of the path is a file, not a folder", "check the path"),
    "EISDIR": ("it is a folder", "give a file name"),
    "EBUSY": ("it is in use or a mount point", "choose a folder inside it or another folder"),
    "EXDEV": ("it is a mount point", "choose a folder inside it or another folder"),
    "EMFILE": ("too many files are open", "close other programs or raise the limit (ulimit -n)"),
    "EIO": ("the device reported an input/output error", "check the disk"),
}


def not_a_regular_file(path) -> str | None:
    """What ``path`` is when it exists but is not a regular file (a FIFO would block a reader forever,
    a device never ends), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def os_error_sentence(exc: OSError, path=None, what: str = "", action: str = "write") -> str:
    """One sentence for an operating-system error met while reading or writing ``path``: what,
    where, why (the reason in words and the system's own) and what to do.  ``what`` names the
    output ('the report folder'); the path defaults to the one the error names."""
    import errno as _errno

    name = _errno.errorcode.get(exc.errno or 0, "")
    reason, todo = _OS_REASONS.get(name, (exc.strerror or str(exc), "check the path and try again"))
    where = path if path is not None else (exc.filename or "")
    subject = (f"{what} {where}".strip() if what else str(where)) or "a file"
    system = f" ({exc.strerror})" if exc.strerror and exc.strerror.lower() != reason else ""
    return f"Cannot {action} {subject}: {reason}{system}; {todo}."


def check_option(name: str, value, options, *, error: type[Exception] = SpecError) -> None:
    """The one check of a value against its allowed options, with one message template:
    ``method='uls' is not one of 'ml', 'minres'.`` for a Python argument, ``--lang 'fr' is not one
    of zh, en.`` for a command-line option or argument (``name`` starting with ``-``, or in capitals
    as a command's help names its arguments: ``NAME``)."""
    options = tuple(options)
    if value in options:
        return
    if name.startswith("-") or name.isupper():
        raise error(f"{name} {value!r} is not one of {', '.join(map(str, options))}.")
    raise error(f"{name}={value!r} is not one of {', '.join(map(repr, options))}.")


# -- the classification of failures ----------------------------------------------------------------------------------
EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


@dataclass(frozen=True)
class Failure:
    """One kind of failure: what, the exception, the exit code, an example sentence, what to do."""

    kind: str
    exception: str
    exit_code: int
    example: str
    todo: str


FAILURES: tuple[Failure, ...] = (
    Failure("a key of a spec, instrument, population or power file", "SpecError / InstrumentError", EXIT_ERROR,
            "Spec file spec.yaml: key 'name': '..' is not a folder name: use letters, digits, '_', '.' and '-', "
            "starting with a letter, digit or '_' (the report is written to reports/<name>). Fix that key.",
            "fix the key named; the sentence shows an example of the expected form"),
    Failure("a YAML file that is not valid, or gives a key twice", "SpecError / InstrumentError", EXIT_ERROR,
            "Spec file spec.yaml is not valid YAML at line 17, column 1: the key 'name' appears twice in one "
            "mapping (first at line 1); keep one.", "keep one of the two keys"),
    Failure("model syntax", "ModelSpecificationError", EXIT_ERROR,
            "structural.model line 2: 'BBB ~ BBB' relates a variable to itself; remove it.",
            "correct the line named (also: a := name defined twice, an item named like a construct)"),
    Failure("a := expression beyond the limits", "ModelSpecificationError", EXIT_ERROR,
            "structural.model line 2: the defined parameter expression is nested more than 200 deep (long chains "
            "of signs or operators); split it into several := lines that use each other.",
            "split the expression (limits: 5,000 characters, depth 200, constant exponents within +-1000)"),
    Failure("a model with nothing to estimate", "ModelSpecificationError", EXIT_ERROR,
            "The model has no '=~', '~' or '~~' line: there is nothing to estimate.", "add the model's lines"),
    Failure("a singular covariance matrix", "DataError", EXIT_ERROR,
            "The sample covariance matrix of the items of AAA is not positive definite (smallest eigenvalue "
            "5.72e-17): a1, a2 are linearly dependent (e.g. a1 and a2 correlate 1.0000). Remove redundant variables.",
            "remove one of the items named (a column copied twice, a sum score beside its items)"),
    Failure("a sample too small", "DataError", EXIT_ERROR,
            "Only 3 usable rows for 3 items of AAA; the covariance matrix cannot be estimated. Collect more data or "
            "use fewer variables.", "collect more data or analyse fewer items"),
    Failure("data that do not fit the instrument", "DataError / ReadError", EXIT_ERROR,
            "data.csv: Item 'b2' has values outside its scale 1-5: 9 (1 row); first at data row(s) 1. Declare them "
            "as missing codes in the scale or recode the data.",
            "recode the data or declare missing codes; `surveykit validate` lists every problem (exit 1)"),
    Failure("a file that is not a regular file", "ReadError / SpecError", EXIT_ERROR,
            "'data.csv' is a named pipe (FIFO), not a file. Save the data to a file and give its path.",
            "give a regular file"),
    Failure("a request too large for memory", "ResourceError", EXIT_ERROR,
            "n_boot=1000000000 draws of 16 estimates would need 239.3 GiB of memory, more than the 8.0 GiB "
            "surveykit allows one request; lower n_boot.",
            "lower what the sentence names (also: scales of more than 1,001 points are refused)"),
    Failure("an output that would overwrite an input", "SpecError", EXIT_ERROR,
            "--out 'data.csv' is the data file itself; write to another file (an input is never overwritten).",
            "write to another file"),
    Failure("an output folder holding other files", "OutputError", EXIT_ERROR,
            "The output folder out holds files a report does not write (notes.txt); the report replaces its folder "
            "as a whole, so choose a new or empty folder with --out.", "choose a new or empty folder"),
    Failure("the system refusing a write", "OutputError / OSError", EXIT_ERROR,
            "Cannot write the report folder out: the disk is full (No space left on device); free some space or "
            "choose another folder; the previous report is unchanged and no temporary file was left.",
            "free space, raise the limit or choose a writable folder"),
    Failure("a defined parameter that is not finite", "DefinedParameterWarning (in the report)", EXIT_OK,
            "The defined parameter r := p/0 is inf at the estimates (a division by zero, or the log or a fractional "
            "power of a negative value); it has no standard error. Check its expression.",
            "check the expression; in the bootstrap only the draws where it is not finite lack it, counted"),
    Failure("a report that does not reproduce", "(verify)", EXIT_PROBLEMS,
            "differs: figures/old_path.svg is in the report folder but manifest.json does not list it (a stale or "
            "added file; remove it or run the analysis again)", "see what differs; rerun the analysis"),
    Failure("Ctrl-C", "KeyboardInterrupt", EXIT_INTERRUPTED,
            "surveykit: interrupted (Ctrl-C); stopped, with every output either complete or as it was before (no "
            "file left half-written, no worker left running).", "run the command again"),
    Failure("SIGTERM", "(signal)", EXIT_TERMINATED,
            "surveykit: terminated (SIGTERM); stopped, with every output either complete or as it was before (no "
            "file left half-written, no worker left running).", "run the command again"),
)
