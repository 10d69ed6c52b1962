"""Exceptions and warnings of surveykit.

Imports nothing from surveykit.  Every exception derives from :class:`SurveykitError`;
those about a wrong argument or input value also derive from :class:`ValueError` so that
ordinary ``except ValueError`` code keeps working (the scikit-learn habit).  Every
warning derives from :class:`SurveykitWarning`; analyses collect the warnings they raise
and store them on their result so that they reach the report.  :func:`check_option` is the
one check of an option against its allowed values, with one message template.
"""

from __future__ import annotations


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


class IdentificationWarning(SurveykitWarning):
    """The model is not identified (negative degrees of freedom or a singular information matrix)."""


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
