"""Exceptions and warnings of surveykit.

Imports nothing from surveykit.  Every exception derives from :class:`SurveykitError`;
those about a wrong argument or input value also derive from :class:`ValueError` so that
ordinary ``except ValueError`` code keeps working (the scikit-learn habit).  Every
warning derives from :class:`SurveykitWarning`; analyses collect the warnings they raise
and store them on their result so that they reach the report.  :func:`check_option` is the
one check of an option against its allowed values, with one message template.
"""

from __future__ import annotations

import os
import stat


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
    subject = f"{what} {where}".strip() if what else str(where)
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
